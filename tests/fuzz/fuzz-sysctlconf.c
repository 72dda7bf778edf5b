/* SPDX-License-Identifier: MIT */
/* Fuzz target: the sysctl.d file reader used to compute boot precedence. */
#include <stdint.h>
#include <stdio.h>

#include "tune/bootconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct sysctl_assignment *a = NULL;
        size_t n = 0;
        FILE *f;

        if (size == 0)
                return 0;
        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;
        (void) sysctl_conf_parse_stream(f, &a, &n, 0);
        fclose(f);
        sysctl_assignments_free(a, n);
        return 0;
}
