/* SPDX-License-Identifier: MIT */
#include "accept-encoding.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define CODING_MAX 32

static const char *skip_ows(const char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        return s;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); returns
 * thousandths, or -1. *end is set past it. */
static int parse_qvalue(const char *s, const char **end) {
        int v, digits = 0, scale = 100;

        if (*s != '0' && *s != '1')
                return -1;
        v = (*s++ - '0') * 1000;
        if (*s == '.')
                for (s++; isdigit((unsigned char) *s) && digits < 3; s++, digits++, scale /= 10)
                        v += (*s - '0') * scale;
        if (isdigit((unsigned char) *s) || v > 1000)
                return -1;
        *end = s;
        return v;
}

/* One element "coding [ OWS ; OWS q=qvalue ]", up to ',' or the end. Returns
 * false when malformed. */
static bool parse_element(const char *s, const char **end, char coding[CODING_MAX], int *weight) {
        size_t n = 0;

        s = skip_ows(s);
        while (*s && *s != ',' && *s != ';' && *s != ' ' && *s != '\t') {
                if (n + 1 >= CODING_MAX || !(isalnum((unsigned char) *s) || strchr("!#$%&'*+-.^_`|~", *s)))
                        return false;
                coding[n++] = (char) tolower((unsigned char) *s++);
        }
        coding[n] = 0;
        *weight = 1000;
        s = skip_ows(s);
        if (*s == ';') {
                s = skip_ows(s + 1);
                if (strncasecmp(s, "q=", 2) != 0)
                        return false;
                *weight = parse_qvalue(s + 2, &s);
                if (*weight < 0)
                        return false;
                s = skip_ows(s);
        }
        if (*s && *s != ',')
                return false;
        *end = s;
        return n > 0;
}

bool accept_encoding_allows_gzip(const char *header) {
        int gzip = -1, star = -1;

        if (!header)
                return false;
        for (const char *s = header; *s;) {
                char coding[CODING_MAX];
                int w;

                if (*skip_ows(s) == ',') {      /* empty list elements are allowed */
                        s = skip_ows(s) + 1;
                        continue;
                }
                if (!parse_element(s, &s, coding, &w))
                        return false;
                if (strcmp(coding, "gzip") == 0 || strcmp(coding, "x-gzip") == 0)
                        gzip = w > gzip ? w : gzip;
                else if (strcmp(coding, "*") == 0)
                        star = w;
                if (*s == ',')
                        s++;
        }
        return gzip >= 0 ? gzip > 0 : star > 0;
}
