/* SPDX-License-Identifier: MIT */
/* Fuzz target: the profile parser (inih + our line reader + validation). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tune/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct profile *p = NULL;
        char **includes = NULL;
        unsigned *lines = NULL;
        char *error = NULL;
        FILE *f;

        if (size == 0)
                return 0;
        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;
        if (profile_parse_stream(f, "fuzz.ini", &p, &includes, &lines, &error) >= 0) {
                char **advice = NULL;
                char *err2 = NULL;

                p->file = strdup("fuzz.ini");
                (void) profile_check_invariants(p, NULL, NULL, &err2);
                free(err2);
                if (profile_advisories(p, NULL, NULL, &advice) >= 0) {
                        for (size_t i = 0; advice[i]; i++)
                                free(advice[i]);
                        free(advice);
                }
        }
        fclose(f);
        profile_free(p);
        if (includes) {
                for (size_t i = 0; includes[i]; i++)
                        free(includes[i]);
                free(includes);
        }
        free(lines);
        free(error);
        return 0;
}
