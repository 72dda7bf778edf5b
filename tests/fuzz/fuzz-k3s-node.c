/* SPDX-License-Identifier: MIT */
/* Fuzz target: the Node object parser of the readiness ladder. */
#include <stdbool.h>
#include <stdint.h>

#include "k3s/ready.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        bool ready;

        (void) k3s_node_ready_from_json((const char *) data, size, &ready);
        return 0;
}
