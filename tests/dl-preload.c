/* SPDX-License-Identifier: MIT */
/*
 * Linked into unit tests and fuzz targets: they call static-level helpers
 * below the entry points that load the dlopen()ed libraries
 * (agent/shared/dlopen.h), so everything is loaded before anything runs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "shared/dl-all.h"

__attribute__((constructor)) static void dl_preload(void) {
        const char *why = NULL;

        if (dlopen_all(&why) < 0) {
                fprintf(stderr, "dl-preload: %s\n", why ? why : "a library is missing");
                exit(EXIT_FAILURE);
        }
}
