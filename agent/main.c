/* SPDX-License-Identifier: MIT */
/*
 * nodeprep: turns a fresh Debian/Ubuntu VPS into a tuned, verified K3s node.
 * Global flags, the command table, and nothing else.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/log.h"
#include "basic/parse.h"
#include "basic/runlock.h"
#include "cmd/cli.h"
#include "shared/dl-all.h"
#include "tune/profile.h"

#ifndef NODEPREP_VERSION
#define NODEPREP_VERSION "0.1.0"
#endif

static int cmd_version(struct cli *cli, int argc, char **argv) {
        (void) argc, (void) argv;
        if (cli->json)
                printf("{\"version\":\"%s\"}\n", NODEPREP_VERSION);
        else
                printf("nodeprep %s\n", NODEPREP_VERSION);
        return EXIT_OK;
}

const struct cli_verb version_verb = {
        .name = "version",
        .summary = "Print the version",
};

/* verb: the usage, options and completion of the command (cmd/cli.h);
 * help and completion are generated from this table. The dlopen()ed
 * libraries are no business of this table: the code that calls one loads it
 * (shared/dlopen.h), so each command pays only for what it reaches. */
static const struct cli_command commands[] = {
        { "profile", cmd_profile, &profile_verb },
        { "plan", cmd_plan, &plan_verb },
        { "apply", cmd_apply, &apply_verb },
        { "verify", cmd_verify, &verify_verb },
        { "rollback", cmd_rollback, &rollback_verb },
        { "check", cmd_check, &check_verb },
        { "k3s", cmd_k3s, &k3s_verb },
        { "openfaas", cmd_openfaas, &openfaas_verb },
        { "gateway", cmd_gateway, &gateway_verb },
        { "serve", cmd_serve, &serve_verb },
        { "bootstrap", cmd_bootstrap, &bootstrap_verb },
        { "version", cmd_version, &version_verb },
        { "help", cmd_help, &help_verb },
        { "completion", cmd_completion, &completion_verb },
};

enum {
        OPT_ROOT = 'r',
        OPT_JSON = 'j',
        OPT_PROFILE_PATH = 'p',
        OPT_QUIET = 'q',
        OPT_VERBOSE = 'v',
        OPT_HELP = 'h',
        OPT_VERSION = 'V',
        OPT_LOCK_TIMEOUT = 'L',
};

/* Every global option except --help and --version is accepted after the
 * command too (take_global_options_after_command()). */
static const struct cli_option global_options[] = {
        { "root", required_argument, OPT_ROOT, "DIR", "run against the tree under DIR instead of this machine",
          CLI_COMPLETE_DIR },
        { "json", no_argument, OPT_JSON, NULL, "print one JSON object on stdout", NULL },
        { "profile-path", required_argument, OPT_PROFILE_PATH, "DIR[:DIR...]", "where profile names are looked up",
          CLI_COMPLETE_DIR },
        { "quiet", no_argument, OPT_QUIET, NULL, "errors only (-q)", NULL },
        { "verbose", no_argument, OPT_VERBOSE, NULL, "debug messages (-v)", NULL },
        { "help", no_argument, OPT_HELP, NULL, "show this help, or a command's with COMMAND --help", NULL },
        { "version", no_argument, OPT_VERSION, NULL, "print the version", NULL },
        { "lock-timeout", required_argument, OPT_LOCK_TIMEOUT, "SEC",
          "how long a node-changing command (apply, rollback, k3s install/uninstall, bootstrap) waits for " RUN_LOCK_PATH " (default 900)", NULL },
        CLI_OPTION_END,
};

struct globals {
        const char *root;
        const char *profile_path;
        bool json;
        unsigned long lock_timeout;
        const char *bad_lock_timeout;   /* a --lock-timeout value that is no number of seconds */
};

static int parse_lock_timeout(const char *s, unsigned long *ret) {
        uint64_t v;

        if (safe_atou64(s, &v) < 0 || v > 86400)
                return -EINVAL;
        *ret = (unsigned long) v;
        return 0;
}

static void set_global_option(struct globals *g, int c, const char *arg) {
        switch (c) {
        case OPT_LOCK_TIMEOUT:
                if (parse_lock_timeout(arg, &g->lock_timeout) < 0)
                        g->bad_lock_timeout = arg;
                break;
        case OPT_ROOT: g->root = arg; break;
        case OPT_JSON: g->json = true; break;
        case OPT_PROFILE_PATH: g->profile_path = arg; break;
        case OPT_QUIET: log_set_max_level(LOG_LEVEL_ERROR); break;
        case OPT_VERBOSE: log_set_max_level(LOG_LEVEL_DEBUG); break;
        }
}

static const struct cli_option *global_option_after_command(const char *arg, const char **ret_value) {
        const char *eq;
        size_t len;

        *ret_value = NULL;
        if (streq(arg, "-q") || streq(arg, "-v"))
                return cli_option_find(global_options, streq(arg, "-q") ? "quiet" : "verbose");
        if (!string_has_prefix(arg, "--"))
                return NULL;
        arg += 2;
        eq = strchr(arg, '=');
        len = eq ? (size_t) (eq - arg) : strlen(arg);
        for (const struct cli_option *o = global_options; o->name; o++)
                if (o->val != OPT_HELP && o->val != OPT_VERSION && strlen(o->name) == len &&
                    strncmp(o->name, arg, len) == 0 && (o->has_arg || !eq)) {
                        *ret_value = eq ? eq + 1 : NULL;
                        return o;
                }
        return NULL;
}

/* Whether ARG is an option of the verb (own or passed through) that takes a value in the next word. */
static bool verb_option_takes_value(const struct cli_verb *verb, const char *arg) {
        const struct cli_option *o;

        if (!verb || !string_has_prefix(arg, "--") || strchr(arg, '='))
                return false;
        o = cli_option_find(verb->options, arg + 2);
        if (!o)
                o = cli_option_find(verb->passed_options, arg + 2);
        return o && o->has_arg;
}

/*
 * `nodeprep plan serverless --json`, as kubectl and systemctl allow: global
 * options after the command are applied and removed from its arguments. The
 * command's own options win (a value of one is never taken for a global), and
 * "--" ends the scan. Returns the new argc, or -EINVAL (a value is missing).
 */
static int take_global_options_after_command(struct globals *g, const struct cli_verb *verb, int argc, char **argv,
                                             const char **ret_bad) {
        int out = 1;

        for (int i = 1; i < argc; i++) {
                const struct cli_option *o;
                const char *value;

                if (streq(argv[i], "--")) {
                        while (i < argc)
                                argv[out++] = argv[i++];
                        break;
                }
                if (verb_option_takes_value(verb, argv[i]) && i + 1 < argc) {
                        argv[out++] = argv[i++];
                        argv[out++] = argv[i];
                        continue;
                }
                o = global_option_after_command(argv[i], &value);
                if (!o) {
                        argv[out++] = argv[i];
                        continue;
                }
                if (o->has_arg && !value) {
                        if (i + 1 >= argc) {
                                *ret_bad = argv[i];
                                return -EINVAL;
                        }
                        value = argv[++i];
                }
                set_global_option(g, o->val, value);
        }
        argv[out] = NULL;
        return out;
}

/* --help (or -h) among a command's arguments, not as the value of one of its options. */
static bool wants_help(const struct cli_verb *verb, int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return false;
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return true;
                if (verb_option_takes_value(verb, argv[i]))
                        i++;
        }
        return false;
}

static int split_path(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        _cleanup_free_ char *copy = strdup(s);
        char *save = NULL;

        if (!l || !copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
                if (strv_extend(&l, t) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}

/* The command, under the run lock when it changes the node. */
static int run_locked(struct cli *cli, command_fn fn, int argc, char **argv, unsigned long lock_timeout) {
        _cleanup_run_lock_ struct run_lock lock = RUN_LOCK_NONE;
        int ret = cli_run_lock(cli, argc, argv, lock_timeout, &lock);

        return ret != EXIT_OK ? ret : fn(cli, argc, argv);
}

static int run_command(struct cli *cli, const struct cli_command *c, int argc, char **argv,
                       unsigned long lock_timeout) {
        const struct cli_verb *verb = NULL;
        _cleanup_free_ char *path = NULL;
        int depth = 1;

        if (c->verb) {
                verb = cli_verb_find(c->verb, argc, argv, &depth);
                if (asprintf(&path, "%s%s%s", argv[0], depth == 2 ? " " : "", depth == 2 ? argv[1] : "") < 0)
                        return cli_error(cli, EXIT_FAILED, "out of memory");
                cli->command = path;
                if (wants_help(verb, argc - (depth - 1), argv + (depth - 1))) {
                        cli_help_verb(cli, path, verb);
                        return EXIT_OK;
                }
        } else
                cli->command = argv[0];
        /* The command sees argv[0] = its own name. */
        return run_locked(cli, c->fn, argc, argv, lock_timeout);
}

int main(int argc, char **argv) {
        struct cli cli = { .argv0 = argv[0], .commands = commands, .n_commands = ELEMENTSOF(commands),
                           .global_options = global_options };
        struct globals g = { .lock_timeout = CLI_LOCK_TIMEOUT_DEFAULT };
        const struct cli_command *command;
        struct option longopts[32];
        const char *bad = NULL;
        int c, r, ret;

        cli_options_to_getopt(global_options, 0, longopts, 0, ELEMENTSOF(longopts));
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+qvh", longopts, NULL)) >= 0)
                switch (c) {
                case OPT_HELP: cli_help_overview(&cli); return EXIT_OK;
                case OPT_VERSION: return cmd_version(&cli, 0, NULL);
                case '?': return cli_error(&cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                default: set_global_option(&g, c, optarg);
                }
        cli.json = g.json;
        if (optind >= argc) {
                cli_help_overview(&cli);
                return EXIT_INVALID;
        }
        argc -= optind;
        argv += optind;
        command = cli_command_find(&cli, argv[0]);
        if (!command)
                return cli_error(&cli, EXIT_INVALID, "unknown command '%s'", argv[0]);
        argc = take_global_options_after_command(&g, cli_verb_find(command->verb, argc, argv, NULL), argc, argv,
                                                 &bad);
        cli.json = g.json;
        if (argc < 0)
                return cli_error(&cli, EXIT_INVALID, "%s needs a value", bad);
        if (g.bad_lock_timeout)
                return cli_error(&cli, EXIT_INVALID, "--lock-timeout %s: not a number of seconds from 0 to 86400",
                                 g.bad_lock_timeout);

        r = sysroot_new(g.root, &cli.sr);
        if (r < 0)
                return cli_error(&cli, EXIT_INVALID, "--root %s: %s", g.root ? g.root : "/", strerror(-r));
        r = g.profile_path ? split_path(g.profile_path, &cli.profile_path)
                           : profile_default_search_path(cli.sr->path, &cli.profile_path);
        if (r < 0) {
                sysroot_free(cli.sr);
                return cli_error(&cli, EXIT_FAILED, "%s", strerror(-r));
        }

        ret = run_command(&cli, command, argc, argv, g.lock_timeout);
        /* Commands return an exit code; a negative errno that slipped
         * through still exits by the one table, with its message. */
        if (ret < 0)
                ret = cli_error(&cli, cli_exit_code_for(ret), "%s", strerror(-ret));

        strv_free(cli.profile_path);
        sysroot_free(cli.sr);
        return ret;
}
