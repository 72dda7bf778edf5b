/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the health server's small parsers of outside text that
 * libmicrohttpd leaves to it: the Accept-Encoding header (gzip or not) and
 * /proc/self/statm (process_* metrics). Input: the whole buffer is given to
 * both, as a header value and as a statm line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/accept-encoding.h"
#include "health/process-metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint64_t a, b;
        char *s;

        if (size > 16 * 1024)
                return 0;
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        (void) accept_encoding_allows_gzip(s);
        if (statm_parse(s, &a, &b) >= 0 && b > a)
                abort();        /* statm_parse promises resident <= size */
        free(s);
        return 0;
}
