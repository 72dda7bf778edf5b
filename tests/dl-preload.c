/* SPDX-License-Identifier: MIT */
/*
 * Linked into unit tests and fuzz targets: they call domain code directly,
 * without main()'s command table, so the dlopen()ed libraries are loaded
 * before anything runs (agent/shared/dlopen.h).
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
