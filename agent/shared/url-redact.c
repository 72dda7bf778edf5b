/* SPDX-License-Identifier: MIT */
#include "url-redact.h"

#include <stdlib.h>
#include <string.h>

#include "../basic/redact.h"
#include "dl-curl.h"

static char *scrubbed_copy(const char *url) {
        char *s = strdup(url);

        if (s)
                url_scrub_in_place(s);
        return s;
}

char *url_redact(const char *url) {
        CURLU *u;
        char *out = NULL, *s = NULL;

        if (dlopen_curl(NULL) < 0)
                return scrubbed_copy(url);
        u = curl_url();
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
