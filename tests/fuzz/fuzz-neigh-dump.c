/* SPDX-License-Identifier: MIT */
/* Fuzz target: one receive buffer of an RTM_GETNEIGH dump, as serve counts it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "health/neigh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct neigh_tally t = {};
        void *buf;

        /* Netlink buffers are aligned; so is this copy. */
        buf = malloc(size ? size : 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        (void) neigh_tally_buffer(buf, size, &t);
        free(buf);
        return 0;
}
