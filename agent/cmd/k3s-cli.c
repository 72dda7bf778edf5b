/* SPDX-License-Identifier: MIT */
/* k3s install | status | uninstall: options, progress, output, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../basic/redact.h"
#include "../shared/json-util.h"
#include "../basic/parse.h"
#include "../k3s/k3s.h"
#include "../tune/tune-state.h"
#include "cli.h"
#include "guard.h"
#include "k3s-cli.h"

static void print_steps(json_object *result) {
        json_object *steps;

        if (!json_object_object_get_ex(result, "steps", &steps))
                return;
        for (size_t i = 0; i < json_object_array_length(steps); i++) {
                json_object *s = json_object_array_get_idx(steps, i);

                printf("%-16s %-10s %s\n", json_str_or(s, "name", "?"), json_str_or(s, "status", "?"),
                       json_str_or(s, "detail", ""));
        }
}

static void human(json_object *result) {
        print_steps(result);
        printf("k3s %s %s: %s%s\n", json_str_or(result, "role", "?"), json_str_or(result, "version", "?"),
               json_is_true(result, "ready") ? "ready" : "not ready",
               json_is_true(result, "changed") ? ", changed" : "");
}

static void human_uninstall(json_object *result) {
        print_steps(result);
        printf("%s\n", json_is_true(result, "changed") ? "k3s uninstalled" : "nothing to uninstall");
}

static void human_killall(json_object *result) {
        print_steps(result);
        printf("%s\n", json_is_true(result, "changed") ? "k3s processes, mounts, links and rules removed"
                                                       : "nothing of K3s was running");
}

/* Progress: a bar on a TTY, a plain line every 5 s (and at the end)
 * otherwise, so cloud-init logs stay readable. On stderr: stdout is for
 * the result. */
static void progress(void *userdata, const char *name, uint64_t now, uint64_t total, bool done) {
        struct k3s_download_progress *p = userdata;
        time_t t = time(NULL);
        unsigned pct = total ? (unsigned) (now * 100 / total) : 0;

        if (p->tty) {
                char bar[41];
                unsigned fill = pct * 40 / 100;

                memset(bar, '#', fill);
                memset(bar + fill, '.', 40 - fill);
                bar[40] = 0;
                fprintf(stderr, "\r%s [%s] %3u%% %llu/%llu MB%s", name, bar, pct, (unsigned long long) (now >> 20),
                        (unsigned long long) (total >> 20), done ? "\n" : "");
                return;
        }
        if (!done && t - p->last < 5)
                return;
        p->last = t;
        fprintf(stderr, "download %s: %llu of %llu bytes (%u%%)%s\n", name, (unsigned long long) now,
                (unsigned long long) total, pct, done ? ", done" : "");
}

static int parse_uint(const char *s, unsigned max, unsigned *ret) {
        uint64_t v;

        if (safe_atou64(s, &v) < 0 || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

json_object *k3s_result_to_json(const struct k3s_result *r) {
        json_object *o = json_object_new_object(), *steps = json_object_new_array();

        json_object_object_add(o, "changed", json_object_new_boolean(r->changed));
        json_object_object_add(o, "version", r->version ? json_object_new_string(r->version) : NULL);
        json_object_object_add(o, "role", json_object_new_string(k3s_role_to_string(r->role)));
        json_object_object_add(o, "ready", json_object_new_boolean(r->ready));
        json_object_object_add(o, "started", json_object_new_boolean(r->started));
        for (size_t i = 0; i < r->n_steps; i++) {
                const struct k3s_step *st = &r->steps[i];
                json_object *s = json_object_new_object();

                json_object_object_add(s, "name", json_object_new_string(st->name));
                json_object_object_add(s, "status", json_object_new_string(k3s_step_status_to_string(st->status)));
                json_object_object_add(s, "detail", st->detail ? json_object_new_string(st->detail) : NULL);
                json_object_array_add(steps, s);
        }
        json_object_object_add(o, "steps", steps);
        if (r->error)
                json_object_object_add(o, "error", json_object_new_string(r->error));
        return o;
}

/* A failed operation's code; its error on stderr. */
static int failed_code(int r, const struct k3s_result *res) {
        fprintf(stderr, "nodeprep: %s\n", res->error ? res->error : strerror(-r));
        return cli_exit_code_for_fetched(r);
}

int k3s_install_conclude(int r, struct k3s_result *res) {
        if (r < 0)
                return failed_code(r, res);
        if (res->no_systemd) {
                free(res->error);
                res->error = strdup("no systemd as PID 1: everything written, nothing started");
                fprintf(stderr, "nodeprep: %s\n", res->error ? res->error : "no systemd as PID 1");
                return EXIT_NOT_PERMITTED;
        }
        return EXIT_OK;
}

int k3s_status_conclude(int r, const struct k3s_result *res) {
        if (r == -ENOENT)
                return EXIT_DRIFT;
        if (r < 0)
                return failed_code(r, res);
        return res->ready ? EXIT_OK : EXIT_DRIFT;
}

static int finish(const struct cli *cli, struct k3s_result *res, int code, human_fn h) {
        json_object *o = k3s_result_to_json(res);

        k3s_result_done(res);
        return cli_print_result_code(cli, o, code, h);
}

/* bootstrap passes these through unchanged (cmd/bootstrap-cli.c). */
const struct cli_option k3s_install_cli_options[] = {
        { "role", required_argument, K3S_ARG_ROLE, "ROLE", "server (default) or agent", "server agent" },
        { "version", required_argument, K3S_ARG_VERSION, "V", "the K3s release, e.g. v1.31.4+k3s1", NULL },
        { "channel", required_argument, K3S_ARG_CHANNEL, "C", "resolve the version from a release channel (stable)",
          "stable latest testing" },
        { "channel-url", required_argument, K3S_ARG_CHANNEL_URL, "URL", "the channel server", NULL },
        { "server", required_argument, K3S_ARG_SERVER, "URL", "join this server (https://HOST:6443)", NULL },
        { "token-file", required_argument, K3S_ARG_TOKEN_FILE, "F", "the join token (copied with mode 0600)",
          CLI_COMPLETE_FILE },
        { "cluster-init", no_argument, K3S_ARG_CLUSTER_INIT, NULL, "start an embedded etcd cluster", NULL },
        { "datastore-endpoint", required_argument, K3S_ARG_DATASTORE, "URI", "an external datastore", NULL },
        { "datastore-endpoint-file", required_argument, K3S_ARG_DATASTORE_FILE, "F",
          "the datastore URI from a file (it may hold a password)", CLI_COMPLETE_FILE },
        { "disable", required_argument, K3S_ARG_DISABLE, "NAME", "a packaged component to disable (default traefik)",
          "traefik servicelb local-storage metrics-server coredns" },
        { "tls-san", required_argument, K3S_ARG_TLS_SAN, "NAME", "an extra name in the API server certificate", NULL },
        { "node-ip", required_argument, K3S_ARG_NODE_IP, "IP", "the address the node advertises", NULL },
        { "mirror", required_argument, K3S_ARG_MIRROR, "URL", "release base: URL/download/VERSION/ASSET", NULL },
        { "airgap", required_argument, K3S_ARG_AIRGAP, "DIR", "install from a directory instead of downloading",
          CLI_COMPLETE_DIR },
        { "no-start", no_argument, K3S_ARG_NO_START, NULL, "write everything, start nothing", NULL },
        { "force", no_argument, K3S_ARG_FORCE, NULL, "reinstall even when the same version is installed", NULL },
        { "timeout", required_argument, K3S_ARG_TIMEOUT, "SEC", "start and readiness deadline (default 300)", NULL },
        { "arch", required_argument, K3S_ARG_ARCH, "ARCH", "the release asset's architecture (default: this machine)",
          "amd64 arm64 arm" },
        { "allow-http", no_argument, K3S_ARG_ALLOW_HTTP, NULL, "allow plain http URLs that are not loopback", NULL },
        { "retries", required_argument, K3S_ARG_RETRIES, "N", "download attempts after the first", NULL },
        { "backoff-ms", required_argument, K3S_ARG_BACKOFF, "MS", "wait before the first retry, doubled each time", NULL },
        { "low-speed-time", required_argument, K3S_ARG_LOW_SPEED, "SEC", "abort a download stalled this long", NULL },
        { "connect-timeout", required_argument, K3S_ARG_CONNECT_TIMEOUT, "SEC", "connection deadline", NULL },
        { "no-enable", no_argument, K3S_ARG_NO_ENABLE, NULL,
          "with --no-start: do not enable the unit either (install.sh's skip-start enables it)", NULL },
        { "symlink", required_argument, K3S_ARG_SYMLINK, "MODE",
          "kubectl/crictl/ctr links: skip a name already on PATH (default) or force", "skip force" },
        { "download-timeout", required_argument, K3S_ARG_DOWNLOAD_TIMEOUT, "SEC", "overall deadline of each download",
          NULL },
        CLI_OPTION_END,
};

void k3s_install_args_init(struct k3s_install_args *a) {
        *a = (struct k3s_install_args) { .progress.tty = isatty(STDERR_FILENO) };
        k3s_install_options_init(&a->o);
}

void k3s_install_args_done(struct k3s_install_args *a) {
        strv_free(a->disable);
        strv_free(a->tls_san);
        free(a->datastore);
        *a = (struct k3s_install_args) {};
}

static int arg_error(char **ret_error, const char *msg) {
        *ret_error = strdup(msg);
        return -EINVAL;
}

static int arg_seconds(struct k3s_install_args *a, int c, const char *arg, char **ret_error) {
        unsigned u;

        if (parse_uint(arg, 86400 * 7, &u) < 0) {
                if (asprintf(ret_error, "%s: not a valid number", arg) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        if (c == K3S_ARG_TIMEOUT)
                a->o.timeout_sec = u;
        else if (c == K3S_ARG_RETRIES)
                a->o.fetch.retries = u;
        else if (c == K3S_ARG_BACKOFF)
                a->o.fetch.backoff_ms = u;
        else if (c == K3S_ARG_LOW_SPEED)
                a->o.fetch.low_speed_time_sec = u ? u : 1;
        else if (c == K3S_ARG_DOWNLOAD_TIMEOUT)
                a->o.fetch.deadline_sec = u ? u : 1;
        else
                a->o.fetch.connect_timeout_sec = u ? u : 1;
        return 1;
}

static int arg_datastore(struct k3s_install_args *a, int c, char *arg, char **ret_error) {
        int r;

        if (a->datastore)
                return arg_error(ret_error, "give one of --datastore-endpoint and --datastore-endpoint-file");
        r = c == K3S_ARG_DATASTORE ? ((a->datastore = strdup(arg)) ? 0 : -ENOMEM)
                                   : read_one_line_file(arg, 4096, &a->datastore);
        if (r < 0) {
                if (asprintf(ret_error, "--datastore-endpoint-file %s: %s", arg,
                             r == -EBADMSG ? "not one line of at most 4096 bytes" : strerror(-r)) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        if (c == K3S_ARG_DATASTORE)
                url_scrub_in_place(arg);        /* the password off /proc/PID/cmdline */
        a->o.datastore_endpoint = a->datastore;
        return 1;
}

int k3s_install_arg(struct k3s_install_args *a, int c, char *arg, char **ret_error) {
        struct k3s_install_options *o = &a->o;

        switch (c) {
        case K3S_ARG_ROLE:
                if (k3s_role_from_string(arg, &o->role) < 0)
                        return arg_error(ret_error, "--role must be server or agent");
                a->role_given = true;
                return 1;
        case K3S_ARG_VERSION: o->version = arg; return 1;
        case K3S_ARG_CHANNEL: o->channel = arg; return 1;
        case K3S_ARG_CHANNEL_URL: o->channel_url = arg; return 1;
        case K3S_ARG_SERVER: o->server = arg; return 1;
        case K3S_ARG_TOKEN_FILE: o->token_file = arg; return 1;
        case K3S_ARG_CLUSTER_INIT: o->cluster_init = true; return 1;
        case K3S_ARG_DATASTORE:
        case K3S_ARG_DATASTORE_FILE:
                return arg_datastore(a, c, arg, ret_error);
        case K3S_ARG_DISABLE:
        case K3S_ARG_TLS_SAN:
                if (strv_extend(c == K3S_ARG_DISABLE ? &a->disable : &a->tls_san, arg) < 0)
                        return -ENOMEM;
                return 1;
        case K3S_ARG_NODE_IP: o->node_ip = arg; return 1;
        case K3S_ARG_MIRROR: o->mirror = arg; return 1;
        case K3S_ARG_AIRGAP: o->airgap_dir = arg; return 1;
        case K3S_ARG_NO_START: o->no_start = true; return 1;
        case K3S_ARG_NO_ENABLE: o->no_enable = true; return 1;
        case K3S_ARG_SYMLINK:
                if (streq(arg, "skip"))
                        o->symlink = K3S_SYMLINK_SKIP;
                else if (streq(arg, "force"))
                        o->symlink = K3S_SYMLINK_FORCE;
                else
                        return arg_error(ret_error, "--symlink must be skip or force");
                return 1;
        case K3S_ARG_FORCE: o->force = true; return 1;
        case K3S_ARG_ARCH: o->arch = arg; return 1;
        case K3S_ARG_ALLOW_HTTP: o->fetch.allow_http = true; return 1;
        case K3S_ARG_TIMEOUT:
        case K3S_ARG_RETRIES:
        case K3S_ARG_BACKOFF:
        case K3S_ARG_LOW_SPEED:
        case K3S_ARG_CONNECT_TIMEOUT:
        case K3S_ARG_DOWNLOAD_TIMEOUT:
                return arg_seconds(a, c, arg, ret_error);
        default:
                return 0;
        }
}

int k3s_install_args_finish(struct k3s_install_args *a, char **ret_error) {
        struct k3s_install_options *o = &a->o;
        const char *url = getenv("K3S_URL"), *token = getenv("K3S_TOKEN");
        int r;

        o->disable = a->disable;
        o->tls_san = a->tls_san;
        /* As install.sh: K3S_URL and K3S_TOKEN stand in for the flags. */
        if (!o->server && url && url[0]) {
                o->server = url;
                /* install.sh: no command given and K3S_URL set means agent. */
                if (!a->role_given)
                        o->role = K3S_ROLE_AGENT;
        }
        if (!o->token_file && token && token[0])
                o->token_value = token;
        r = k3s_install_options_check(o, ret_error);
        if (r < 0)
                return r;
        o->fetch.progress = progress;
        o->fetch.userdata = &a->progress;
        return 0;
}

int k3s_install_with_args(const struct sysroot *sr, const struct k3s_install_args *a, struct k3s_result *res) {
        struct k3s_install_options o = a->o;

        o.nofile = tune_applied_nofile(sr);     /* the unit's LimitNOFILE: the applied profile's, if any */
        return k3s_install(sr, &o, res);
}

static int k3s_cmd_install(struct cli *cli, int argc, char **argv) {
        _cleanup_(k3s_install_args_done) struct k3s_install_args a;
        _cleanup_free_ char *err = NULL;
        struct k3s_result res;
        int c, r;

        k3s_install_args_init(&a);
        optind = 0;
        while ((c = cli_getopt(argc, argv, "", k3s_install_cli_options)) >= 0) {
                r = k3s_install_arg(&a, c, optarg, &err);
                if (r == -ENOMEM)
                        return cli_error(cli, EXIT_FAILED, "out of memory");
                if (r < 0)
                        return cli_error(cli, EXIT_INVALID, "%s", err ? err : "invalid value");
                if (r == 0)
                        return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
        }
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "unexpected argument '%s'", argv[optind]);
        if (k3s_install_args_finish(&a, &err) < 0)
                return cli_error(cli, EXIT_INVALID, "%s", err ? err : "invalid options");
        r = cli_guard_root(cli, "must run as root");
        if (r != 0)
                return r;

        k3s_result_init(&res);
        r = k3s_install_with_args(cli->sr, &a, &res);
        return finish(cli, &res, k3s_install_conclude(r, &res), human);
}

static const struct cli_option status_options[] = {
        { "wait", required_argument, 'w', "SEC", "wait up to SEC seconds for readiness", NULL },
        CLI_OPTION_END,
};

static int k3s_cmd_status(struct cli *cli, int argc, char **argv) {
        struct k3s_result res;
        unsigned wait_sec = 0;
        int c, r;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", status_options)) >= 0)
                switch (c) {
                case 'w':
                        if (parse_uint(optarg, 86400, &wait_sec) < 0)
                                return cli_error(cli, EXIT_INVALID, "--wait: not a valid number of seconds");
                        break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        k3s_result_init(&res);
        r = k3s_status(cli->sr, wait_sec, &res);
        return finish(cli, &res, k3s_status_conclude(r, &res), human);
}

static const struct cli_option uninstall_options[] = {
        { "purge", no_argument, 'p', NULL, "also remove K3s's data (/var/lib/rancher/k3s)", NULL },
        CLI_OPTION_END,
};

static int k3s_cmd_uninstall(struct cli *cli, int argc, char **argv) {
        struct k3s_result res;
        bool purge = false;
        int c, r;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", uninstall_options)) >= 0)
                switch (c) {
                case 'p': purge = true; break;
                default: return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        r = cli_guard_root(cli, "must run as root");
        if (r != 0)
                return r;
        k3s_result_init(&res);
        r = k3s_uninstall(cli->sr, purge, &res);
        return finish(cli, &res, r < 0 ? failed_code(r, &res) : EXIT_OK, human_uninstall);
}

static int k3s_cmd_killall(struct cli *cli, int argc, char **argv) {
        static const struct cli_option options[] = { CLI_OPTION_END };
        struct k3s_result res;
        int c, r;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", options)) >= 0)
                return cli_error(cli, EXIT_INVALID, "invalid option; see nodeprep --help");
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "k3s killall: unexpected argument '%s'", argv[optind]);
        r = cli_guard_root(cli, "k3s killall: must run as root");
        if (r != 0)
                return r;
        k3s_result_init(&res);
        r = k3s_killall_run(cli->sr, &res);
        return finish(cli, &res, r < 0 ? failed_code(r, &res) : EXIT_OK, human_killall);
}

static const struct cli_verb k3s_subcommands[] = {
        { .name = "install", .summary = "Install K3s natively: verified download, unit, config, readiness",
          .options = k3s_install_cli_options },
        { .name = "status", .summary = "The readiness ladder (exit 3 when not ready)", .options = status_options },
        { .name = "uninstall", .summary = "Stop and remove what k3s install wrote", .options = uninstall_options },
        { .name = "killall", .summary = "Stop K3s and everything it leaves running: shims, mounts, links, rules" },
        {},
};

const struct cli_verb k3s_verb = {
        .name = "k3s",
        .summary = "Install, check and remove K3s",
        .subcommands = k3s_subcommands,
};

int cmd_k3s(struct cli *cli, int argc, char **argv) {
        static const struct cli_subcommand subs[] = {
                { "install", k3s_cmd_install },
                { "status", k3s_cmd_status },
                { "uninstall", k3s_cmd_uninstall },
                { "killall", k3s_cmd_killall },
                {},
        };

        return cli_run_subcommand(cli, argc, argv, subs, "expected install, status, uninstall or killall");
}
