/* SPDX-License-Identifier: MIT */
/* Fuzz target: the [health] config parser (inih + the line reader + validation). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "health/health-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct health_config c;
        char *error = NULL;
        FILE *f;

        if (size == 0)
                return 0;
        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;
        if (health_config_init(&c) >= 0) {
                (void) health_config_parse_stream(&c, f, "fuzz.conf", &error);
                health_config_done(&c);
        }
        fclose(f);
        free(error);
        return 0;
}
