/* SPDX-License-Identifier: MIT */
/* Which URL schemes a transfer and its redirects may use. curl 7.85
 * (Debian 12) takes them as a list (CURLOPT_PROTOCOLS_STR) and deprecates
 * the bitmask; Debian 11's 7.74 has only the bitmask. */
#pragma once

#include <stdbool.h>

#include "dl-curl.h"

/* http_too: http and https, else https only. */
static inline CURLcode curl_allow_protocols(CURL *c, bool redirects, bool http_too) {
#if LIBCURL_VERSION_NUM >= 0x075500
        return curl_easy_setopt(c, redirects ? CURLOPT_REDIR_PROTOCOLS_STR : CURLOPT_PROTOCOLS_STR,
                                http_too ? "http,https" : "https");
#else
        return curl_easy_setopt(c, redirects ? CURLOPT_REDIR_PROTOCOLS : CURLOPT_PROTOCOLS,
                                (long) (CURLPROTO_HTTPS | (http_too ? CURLPROTO_HTTP : 0)));
#endif
}
