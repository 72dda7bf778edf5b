/* SPDX-License-Identifier: MIT */
/* What every command gets: the root context and the global flags. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "../basic/runlock.h"
#include "../basic/sysroot.h"

/* The exit codes of the CLI contract (../shared/design.md). */
enum {
        EXIT_OK = 0,            /* success, whether or not anything changed */
        EXIT_FAILED = 1,        /* operation failed; system left as it was or as reported */
        EXIT_INVALID = 2,       /* invalid usage or input; nothing touched */
        EXIT_DRIFT = 3,         /* verify found drift, or a check failed */
        EXIT_NOT_PERMITTED = 4, /* not root, read-only /proc/sys, not the host netns, no systemd */
};

struct cli {
        struct sysroot *sr;
        bool json;
        char **profile_path;    /* search path for profile names */
        const char *argv0;
};

typedef int (*command_fn)(struct cli *cli, int argc, char **argv);

/* Print result (JSON with --json, else through human()) and release it. */
typedef void (*human_fn)(json_object *result);
void cli_print_result(const struct cli *cli, json_object *result, human_fn human);

/* Print an error: to stderr, and with --json as {"error": ...} on stdout.
 * Returns exit_code. */
int cli_error(const struct cli *cli, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Exit code for an engine error (negative errno). */
int cli_exit_code_for(int r);

/* Parse a command's own options: getopt_long from argv[0] = command name. */
#define CLI_OPTIONS_END { NULL, 0, NULL, 0 }

/* The run lock (basic/runlock.h) for commands that change the node: waits up
 * to timeout_sec, then fails naming the holder. Returns EXIT_OK with *ret
 * the lock (not held for a command that only reads; run_lock_release() it),
 * or the exit code after printing the error. */
#define CLI_LOCK_TIMEOUT_DEFAULT 900    /* a whole bootstrap, K3s download and readiness wait included */
bool cli_command_changes_node(int argc, char **argv);
int cli_run_lock(const struct cli *cli, int argc, char **argv, unsigned long timeout_sec, struct run_lock *ret);

int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_apply(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_rollback(struct cli *cli, int argc, char **argv);
int cmd_profile(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_k3s(struct cli *cli, int argc, char **argv);
int cmd_openfaas(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_gateway(struct cli *cli, int argc, char **argv);

/* The gateway's options and result, shared with bootstrap's gateway stage
 * (cmd/gateway.c). */
struct option;
struct gateway_options;
struct gateway_result;
const struct option *gateway_cli_options(size_t *ret_n);
int gateway_option_set(struct gateway_options *o, int c, const char *arg, char **ret_error);
json_object *gateway_result_to_json(const struct gateway_options *o, const struct gateway_result *res);
int gateway_exit_code_for(int r);
int cmd_bootstrap(struct cli *cli, int argc, char **argv);
