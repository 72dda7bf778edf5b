/* SPDX-License-Identifier: MIT */
/* What every command gets: the root context and the global flags. */
#pragma once

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "../basic/runlock.h"
#include "../basic/sysroot.h"

/* The exit codes of the CLI contract (README.md and nodeprep(8), EXIT STATUS):
 * scripts and the Ansible modules rely on them. */
enum {
        EXIT_OK = 0,            /* success, whether or not anything changed */
        EXIT_FAILED = 1,        /* operation failed; system left as it was or as reported */
        EXIT_INVALID = 2,       /* invalid usage or input; nothing touched */
        EXIT_DRIFT = 3,         /* verify found drift, or a check failed */
        EXIT_NOT_PERMITTED = 4, /* not root, read-only /proc/sys, not the host netns, no systemd */
};

struct cli_command;
struct cli_option;

struct cli {
        struct sysroot *sr;
        bool json;
        char **profile_path;    /* search path for profile names */
        const char *argv0;
        const char *command;    /* "k3s install": the prefix of error messages */
        /* The tables help and completion are generated from (main.c). */
        const struct cli_command *commands;
        size_t n_commands;
        const struct cli_option *global_options;
        /* A command's code run in-process (bootstrap's stages): the error
         * object --json would print is stored here (caller owns) instead. */
        json_object **error_capture;
};

typedef int (*command_fn)(struct cli *cli, int argc, char **argv);

/*
 * One option of a command: what getopt_long() needs, and what --help and the
 * shell completion show. Commands parse with cli_getopt() from the same table
 * their help is printed from, so the two cannot drift.
 */
struct cli_option {
        const char *name;       /* long name, without "--" */
        int has_arg;            /* no_argument or required_argument */
        int val;                /* what getopt_long() returns for it */
        const char *metavar;    /* "SEC", "FILE"; NULL for a flag */
        const char *help;
        const char *complete;   /* value completion: CLI_COMPLETE_* or a space-separated word list */
};
#define CLI_OPTION_END { NULL, 0, 0, NULL, NULL, NULL }

/* Dynamic completions; anything else in .complete is a word list. */
#define CLI_COMPLETE_FILE    "@file"
#define CLI_COMPLETE_DIR     "@dir"
#define CLI_COMPLETE_PROFILE "@profile"     /* names from `nodeprep profile list` */
#define CLI_COMPLETE_COMMAND "@command"     /* the command names */

/* A command or subcommand, for help and completion. */
struct cli_verb {
        const char *name;
        const char *args;                       /* positional synopsis: "PROFILE", "[GROUP...]" */
        const char *summary;                    /* one line */
        const char *description;                /* optional paragraph after the usage line */
        const struct cli_option *options;       /* terminated by CLI_OPTION_END; may be NULL */
        const struct cli_option *passed_options; /* accepted and passed through (bootstrap: k3s install's) */
        const char *passed_from;                /* "k3s install" */
        const char *complete_args;              /* positional completion: CLI_COMPLETE_* or words */
        const char *(*arg_word)(size_t i);      /* positional words from a table: i-th, NULL at the end */
        const struct cli_verb *subcommands;     /* terminated by { NULL } */
};

/* main.c's table: a name, its function and its verb (NULL: the command
 * prints its own help). */
struct cli_command {
        const char *name;
        command_fn fn;
        const struct cli_verb *verb;
};

/* getopt_long() over a cli_option table (optind is reset by the caller). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct cli_option *options);
/* Append a table to a getopt_long() array: val_base is added to each val. Returns the new count. */
size_t cli_options_to_getopt(const struct cli_option *options, int val_base, struct option *out, size_t n,
                             size_t cap);
const struct cli_option *cli_option_find(const struct cli_option *options, const char *name);
/* The verb a command line names: a command, then a subcommand if it has them. */
const struct cli_verb *cli_verb_find(const struct cli_verb *verb, int argc, char **argv, int *ret_depth);

/* help.c: usage on stdout. */
void cli_help_overview(const struct cli *cli);
void cli_help_verb(const struct cli *cli, const char *path, const struct cli_verb *verb);
int cmd_help(struct cli *cli, int argc, char **argv);
const struct cli_command *cli_command_find(const struct cli *cli, const char *name);
extern const struct cli_verb help_verb;
/* completion.c */
int cmd_completion(struct cli *cli, int argc, char **argv);
extern const struct cli_verb completion_verb;

/* Print result (JSON with --json, else through human()) and release it. */
typedef void (*human_fn)(json_object *result);
void cli_print_result(const struct cli *cli, json_object *result, human_fn human);
/* The same for a result that carries its exit code under --json ("exit_code",
 * last); result is released. Returns exit_code. */
int cli_print_result_code(const struct cli *cli, json_object *result, int exit_code, human_fn human);

/* A command made of subcommands (k3s, openfaas): argv[1] names one, which
 * runs with argv + 1. missing: the error when none is given. */
struct cli_subcommand {
        const char *name;
        command_fn fn;
};
int cli_run_subcommand(struct cli *cli, int argc, char **argv, const struct cli_subcommand *subs, const char *missing);

/* Print an error in the one format: "nodeprep: COMMAND: MESSAGE" on stderr,
 * then a hint line (the default for the exit code, or the one given); with
 * --json also {"error": ..., "hint": ...} on stdout (or in *error_capture).
 * Returns exit_code. */
int cli_error(const struct cli *cli, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int cli_error_hint(const struct cli *cli, int exit_code, const char *hint, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Exit code for a domain's error (negative errno; 0 is EXIT_OK): the one
 * table, in output.c. _fetched: for the domains that download and ask
 * servers (k3s, openfaas), whose -EBADMSG is a bad answer, not bad input. */
int cli_exit_code_for(int r);
int cli_exit_code_for_fetched(int r);

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
 * (cmd/gateway-cli.c). */
struct option;
struct gateway_options;
struct gateway_result;
/* The gateway subcommands' options (cmd/gateway-cli.c), also bootstrap's. */
extern const struct cli_option gateway_cli_options[];
int gateway_option_set(struct gateway_options *o, int c, const char *arg, char **ret_error);
json_object *gateway_result_to_json(const struct gateway_options *o, const struct gateway_result *res);
int cmd_bootstrap(struct cli *cli, int argc, char **argv);

extern const struct cli_verb profile_verb, plan_verb, apply_verb, verify_verb, rollback_verb, check_verb,
        k3s_verb, openfaas_verb, gateway_verb, serve_verb, bootstrap_verb, version_verb;
