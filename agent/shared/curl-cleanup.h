/* SPDX-License-Identifier: MIT */
/* _cleanup_() helpers for the libcurl objects the K3s code owns. */
#pragma once

#include "dl-curl.h"

static inline void curl_url_cleanupp(CURLU **u) {
        if (*u)
                curl_url_cleanup(*u);
}

static inline void curl_freep(char **p) {
        if (*p)
                curl_free(*p);
}

static inline void curl_easy_cleanupp(CURL **c) {
        if (*c)
                curl_easy_cleanup(*c);
}
