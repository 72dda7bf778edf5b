/* SPDX-License-Identifier: MIT */
/* Fuzz target: the snapshot decoder of the unprivileged network process
 * (health/wire.c), which reads what the collector sends; a decoded snapshot
 * is encoded again and must decode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct health_snapshot *s = NULL, *t = NULL;
        char *buf = NULL, *again = NULL;
        size_t n = 0, m = 0;

        if (health_snapshot_decode((const char *) data, size, &s) < 0)
                return 0;
        if (health_snapshot_encode(s, &buf, &n) >= 0) {
                if (health_snapshot_decode(buf, n, &t) < 0)
                        abort();
                if (health_snapshot_encode(t, &again, &m) < 0 || m != n || memcmp(buf, again, n) != 0)
                        abort();
        }
        free(buf);
        free(again);
        health_snapshot_unref(t);
        health_snapshot_unref(s);
        return 0;
}
