/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../basic/cleanup.h"
#include "cli.h"

void cli_print_result(const struct cli *cli, json_object *result, human_fn human) {
        if (cli->json)
                printf("%s\n", json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
        else if (human)
                human(result);
        fflush(stdout);
}

int cli_error(const struct cli *cli, int exit_code, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        fprintf(stderr, "nodeprep: %s\n", msg ? msg : "out of memory");
        if (cli->json) {
                json_object *o = json_object_new_object();

                json_object_object_add(o, "changed", json_object_new_boolean(false));
                json_object_object_add(o, "error", json_object_new_string(msg ? msg : "out of memory"));
                json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        }
        return exit_code;
}

int cli_exit_code_for(int r) {
        switch (r) {
        case -EINVAL:
        case -ELOOP:
        case -E2BIG:
        case -EBADMSG:
                return EXIT_INVALID;
        case -EPERM:
                return EXIT_NOT_PERMITTED;
        default:
                return EXIT_FAILED;
        }
}
