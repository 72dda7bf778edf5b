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

int cli_print_result_code(const struct cli *cli, json_object *result, int exit_code, human_fn human) {
        if (cli->json)
                json_object_object_add(result, "exit_code", json_object_new_int(exit_code));
        cli_print_result(cli, result, human);
        json_object_put(result);
        return exit_code;
}

/* What to do next, by exit code, when the caller has nothing more precise. */
static const char *default_hint(const struct cli *cli, int exit_code, char **buf) {
        switch (exit_code) {
        case EXIT_INVALID:
                if (asprintf(buf, "see 'nodeprep %s%s--help'", cli->command ? cli->command : "",
                             cli->command ? " " : "") < 0)
                        return NULL;
                return *buf;
        case EXIT_NOT_PERMITTED:
                return "run it as root on the host itself (exit code 4: not permitted here)";
        default:
                return "run again with -v for the details";
        }
}

static int error_print(const struct cli *cli, int exit_code, const char *hint, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL, *hint_buf = NULL;

        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        if (!hint)
                hint = default_hint(cli, exit_code, &hint_buf);
        if (cli->command)
                fprintf(stderr, "nodeprep: %s: %s\n", cli->command, msg ? msg : "out of memory");
        else
                fprintf(stderr, "nodeprep: %s\n", msg ? msg : "out of memory");
        if (hint)
                fprintf(stderr, "hint: %s\n", hint);
        if (cli->json || cli->error_capture) {
                json_object *o = json_object_new_object();

                json_object_object_add(o, "changed", json_object_new_boolean(false));
                json_object_object_add(o, "error", json_object_new_string(msg ? msg : "out of memory"));
                if (hint)
                        json_object_object_add(o, "hint", json_object_new_string(hint));
                json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
                if (cli->error_capture) {
                        json_object_put(*cli->error_capture);
                        *cli->error_capture = o;
                        return exit_code;
                }
                printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
                json_object_put(o);
        }
        return exit_code;
}

int cli_error(const struct cli *cli, int exit_code, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        error_print(cli, exit_code, NULL, fmt, ap);
        va_end(ap);
        return exit_code;
}

int cli_error_hint(const struct cli *cli, int exit_code, const char *hint, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        error_print(cli, exit_code, hint, fmt, ap);
        va_end(ap);
        return exit_code;
}

/*
 * The one errno -> exit code table (cli.h's codes):
 *
 *   errno                   what the command was given    what a domain fetched
 *   -EINVAL                 2 invalid                     2 invalid
 *   -EBADMSG -E2BIG -ELOOP  2 invalid                     1 failed
 *   -EACCES                 4 not permitted               1 failed
 *   -EPERM -EROFS           4 not permitted               4 not permitted
 *   anything else           1 failed                      1 failed
 *
 * The one difference: a release whose checksum does not match, a chart index
 * that does not parse, a server answering 403 or not being the one the token
 * names are the operation failing, not the user's input or this machine's
 * permissions (k3s and openfaas report bad input as -EINVAL once checked).
 */
static int exit_code_for(int r, bool fetched) {
        switch (r) {
        case 0:
                return EXIT_OK;
        case -EINVAL:
                return EXIT_INVALID;
        case -EBADMSG:
        case -E2BIG:
        case -ELOOP:
                return fetched ? EXIT_FAILED : EXIT_INVALID;
        case -EACCES:
                return fetched ? EXIT_FAILED : EXIT_NOT_PERMITTED;
        case -EPERM:
        case -EROFS:
                return EXIT_NOT_PERMITTED;
        default:
                return EXIT_FAILED;
        }
}

int cli_exit_code_for(int r) {
        return exit_code_for(r, false);
}

int cli_exit_code_for_fetched(int r) {
        return exit_code_for(r, true);
}
