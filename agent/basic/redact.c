/* SPDX-License-Identifier: MIT */
#include "redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../shared/dl-curl.h"
#include "cleanup.h"

char *url_redact(const char *url) {
        CURLU *u = curl_url();
        char *out = NULL, *s = NULL;

        if (!u)
                return NULL;
        if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_OPTIONS, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
            curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
                out = strdup(s);
                curl_free(s);
        } else
                out = strdup("(a URL that does not parse)");
        curl_url_cleanup(u);
        return out;
}

void url_scrub_in_place(char *s) {
        char *scheme = strstr(s, "://"), *auth_end, *at;

        /* Userinfo: between "://" and the last '@' before the path. */
        if (scheme) {
                char *host = scheme + 3;

                auth_end = host + strcspn(host, "/?#");
                at = NULL;
                for (char *p = host; p < auth_end; p++)
                        if (*p == '@')
                                at = p;
                if (at)
                        memset(host, 'x', (size_t) (at - host));
        }
        /* Query and fragment. */
        for (char *q = s + strcspn(s, "?#"); *q; q++)
                if (*q != '?' && *q != '#')
                        *q = 'x';
}
