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
#include "../basic/parse.h"
#include "../basic/redact.h"
#include "../k3s/k3s.h"
#include "../shared/json-util.h"
#include "cli.h"

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
struct progress {
        bool tty;
        time_t last;
};

static void progress(void *userdata, const char *name, uint64_t now, uint64_t total, bool done) {
        struct progress *p = userdata;
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

static int finish(const struct cli *cli, struct k3s_result *res, int r, int ok_code, human_fn h) {
        json_object *o = k3s_result_to_json(res);
        int code = ok_code;

        if (r < 0)
                code = r == -EINVAL ? EXIT_INVALID : EXIT_FAILED;
        if (r < 0 && res->error)
                fprintf(stderr, "nodeprep: %s\n", res->error);
        else if (r < 0)
                fprintf(stderr, "nodeprep: %s\n", strerror(-r));
        if (cli->json)
                json_object_object_add(o, "exit_code", json_object_new_int(code));
        cli_print_result(cli, o, h);
        json_object_put(o);
        k3s_result_done(res);
        return code;
}

enum {
        ARG_VERSION = 0x100, ARG_CHANNEL, ARG_CHANNEL_URL, ARG_SERVER, ARG_TOKEN_FILE, ARG_CLUSTER_INIT,
        ARG_DATASTORE, ARG_DISABLE, ARG_TLS_SAN, ARG_NODE_IP, ARG_MIRROR, ARG_AIRGAP, ARG_NO_START,
        ARG_FORCE, ARG_TIMEOUT, ARG_ROLE, ARG_ARCH, ARG_ALLOW_HTTP, ARG_RETRIES, ARG_BACKOFF,
        ARG_LOW_SPEED, ARG_CONNECT_TIMEOUT, ARG_DATASTORE_FILE,
        ARG_NO_ENABLE, ARG_SYMLINK, ARG_DOWNLOAD_TIMEOUT,
};

/* bootstrap passes these through unchanged (cmd/bootstrap-cli.c). */
const struct cli_option k3s_install_options[] = {
        { "role", required_argument, ARG_ROLE, "ROLE", "server (default) or agent", "server agent" },
        { "version", required_argument, ARG_VERSION, "V", "the K3s release, e.g. v1.31.4+k3s1", NULL },
        { "channel", required_argument, ARG_CHANNEL, "C", "resolve the version from a release channel (stable)",
          "stable latest testing" },
        { "channel-url", required_argument, ARG_CHANNEL_URL, "URL", "the channel server", NULL },
        { "server", required_argument, ARG_SERVER, "URL", "join this server (https://HOST:6443)", NULL },
        { "token-file", required_argument, ARG_TOKEN_FILE, "F", "the join token (copied with mode 0600)",
          CLI_COMPLETE_FILE },
        { "cluster-init", no_argument, ARG_CLUSTER_INIT, NULL, "start an embedded etcd cluster", NULL },
        { "datastore-endpoint", required_argument, ARG_DATASTORE, "URI", "an external datastore", NULL },
        { "datastore-endpoint-file", required_argument, ARG_DATASTORE_FILE, "F",
          "the datastore URI from a file (it may hold a password)", CLI_COMPLETE_FILE },
        { "disable", required_argument, ARG_DISABLE, "NAME", "a packaged component to disable (default traefik)",
          "traefik servicelb local-storage metrics-server coredns" },
        { "tls-san", required_argument, ARG_TLS_SAN, "NAME", "an extra name in the API server certificate", NULL },
        { "node-ip", required_argument, ARG_NODE_IP, "IP", "the address the node advertises", NULL },
        { "mirror", required_argument, ARG_MIRROR, "URL", "release base: URL/download/VERSION/ASSET", NULL },
        { "airgap", required_argument, ARG_AIRGAP, "DIR", "install from a directory instead of downloading",
          CLI_COMPLETE_DIR },
        { "no-start", no_argument, ARG_NO_START, NULL, "write everything, start nothing", NULL },
        { "force", no_argument, ARG_FORCE, NULL, "reinstall even when the same version is installed", NULL },
        { "timeout", required_argument, ARG_TIMEOUT, "SEC", "start and readiness deadline (default 300)", NULL },
        { "arch", required_argument, ARG_ARCH, "ARCH", "the release asset's architecture (default: this machine)",
          "amd64 arm64 arm" },
        { "allow-http", no_argument, ARG_ALLOW_HTTP, NULL, "allow plain http URLs that are not loopback", NULL },
        { "retries", required_argument, ARG_RETRIES, "N", "download attempts after the first", NULL },
        { "backoff-ms", required_argument, ARG_BACKOFF, "MS", "wait before the first retry, doubled each time", NULL },
        { "low-speed-time", required_argument, ARG_LOW_SPEED, "SEC", "abort a download stalled this long", NULL },
        { "connect-timeout", required_argument, ARG_CONNECT_TIMEOUT, "SEC", "connection deadline", NULL },
        { "no-enable", no_argument, ARG_NO_ENABLE, NULL,
          "with --no-start: do not enable the unit either (install.sh's skip-start enables it)", NULL },
        { "symlink", required_argument, ARG_SYMLINK, "MODE",
          "kubectl/crictl/ctr links: skip a name already on PATH (default) or force", "skip force" },
        { "download-timeout", required_argument, ARG_DOWNLOAD_TIMEOUT, "SEC", "overall deadline of each download",
          NULL },
        CLI_OPTION_END,
};

/* --datastore-endpoint-file holds one URL (K3s's datastore endpoint). */
#define DATASTORE_FILE_MAX 4096

static int k3s_cmd_install(struct cli *cli, int argc, char **argv) {
        _cleanup_strv_free_ char **disable = NULL, **tls_san = NULL;
        _cleanup_free_ char *err = NULL, *datastore = NULL;
        struct k3s_install_options o;
        struct progress prog = { .tty = isatty(STDERR_FILENO) };
        struct k3s_result res;
        bool role_given = false;
        unsigned u;
        int c, r;

        k3s_install_options_init(&o);
        optind = 0;
        while ((c = cli_getopt(argc, argv, "", k3s_install_options)) >= 0)
                switch (c) {
                case ARG_ROLE:
                        if (k3s_role_from_string(optarg, &o.role) < 0)
                                return cli_error(cli, EXIT_INVALID, "--role must be server or agent");
                        role_given = true;
                        break;
                case ARG_VERSION: o.version = optarg; break;
                case ARG_CHANNEL: o.channel = optarg; break;
                case ARG_CHANNEL_URL: o.channel_url = optarg; break;
                case ARG_SERVER: o.server = optarg; break;
                case ARG_TOKEN_FILE: o.token_file = optarg; break;
                case ARG_CLUSTER_INIT: o.cluster_init = true; break;
                case ARG_DATASTORE:
                case ARG_DATASTORE_FILE:
                        if (datastore)
                                return cli_error(cli, EXIT_INVALID, "give one of --datastore-endpoint and "
                                                 "--datastore-endpoint-file");
                        r = c == ARG_DATASTORE ? ((datastore = strdup(optarg)) ? 0 : -ENOMEM)
                                               : read_one_line_file(optarg, DATASTORE_FILE_MAX, &datastore);
                        if (r < 0)
                                return cli_error(cli, EXIT_INVALID, "--datastore-endpoint-file %s: %s", optarg,
                                                 r == -EBADMSG ? "not one line of at most 4096 bytes" : strerror(-r));
                        if (c == ARG_DATASTORE)
                                url_scrub_in_place(optarg);     /* the password off /proc/PID/cmdline */
                        o.datastore_endpoint = datastore;
                        break;
                case ARG_DISABLE:
                case ARG_TLS_SAN:
                        if (strv_extend(c == ARG_DISABLE ? &disable : &tls_san, optarg) < 0)
                                return cli_error(cli, EXIT_FAILED, "out of memory");
                        break;
                case ARG_NODE_IP: o.node_ip = optarg; break;
                case ARG_MIRROR: o.mirror = optarg; break;
                case ARG_AIRGAP: o.airgap_dir = optarg; break;
                case ARG_NO_START: o.no_start = true; break;
                case ARG_NO_ENABLE: o.no_enable = true; break;
                case ARG_SYMLINK:
                        if (streq(optarg, "skip"))
                                o.symlink = K3S_SYMLINK_SKIP;
                        else if (streq(optarg, "force"))
                                o.symlink = K3S_SYMLINK_FORCE;
                        else
                                return cli_error(cli, EXIT_INVALID, "--symlink must be skip or force");
                        break;
                case ARG_FORCE: o.force = true; break;
                case ARG_ARCH: o.arch = optarg; break;
                case ARG_ALLOW_HTTP: o.fetch.allow_http = true; break;
                case ARG_TIMEOUT:
                case ARG_RETRIES:
                case ARG_BACKOFF:
                case ARG_LOW_SPEED:
                case ARG_CONNECT_TIMEOUT:
                case ARG_DOWNLOAD_TIMEOUT:
                        if (parse_uint(optarg, 86400 * 7, &u) < 0)
                                return cli_error(cli, EXIT_INVALID, "%s: not a valid number", optarg);
                        if (c == ARG_TIMEOUT)
                                o.timeout_sec = u;
                        else if (c == ARG_RETRIES)
                                o.fetch.retries = u;
                        else if (c == ARG_BACKOFF)
                                o.fetch.backoff_ms = u;
                        else if (c == ARG_LOW_SPEED)
                                o.fetch.low_speed_time_sec = u ? u : 1;
                        else if (c == ARG_DOWNLOAD_TIMEOUT)
                                o.fetch.deadline_sec = u ? u : 1;
                        else
                                o.fetch.connect_timeout_sec = u ? u : 1;
                        break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "unexpected argument '%s'", argv[optind]);
        o.disable = disable;
        o.tls_san = tls_san;
        /* As install.sh: K3S_URL and K3S_TOKEN stand in for the flags. */
        if (!o.server && getenv("K3S_URL") && getenv("K3S_URL")[0]) {
                o.server = getenv("K3S_URL");
                /* install.sh: no command given and K3S_URL set means agent. */
                if (!role_given)
                        o.role = K3S_ROLE_AGENT;
        }
        if (!o.token_file && getenv("K3S_TOKEN") && getenv("K3S_TOKEN")[0])
                o.token_value = getenv("K3S_TOKEN");
        if (k3s_install_options_check(&o, &err) < 0)
                return cli_error(cli, EXIT_INVALID, "%s", err ? err : "invalid options");
        if (cli->sr->live && geteuid() != 0)
                return cli_error(cli, EXIT_NOT_PERMITTED, "must run as root");
        o.fetch.progress = progress;
        o.fetch.userdata = &prog;

        k3s_result_init(&res);
        r = k3s_install(cli->sr, &o, &res);
        if (r >= 0 && res.no_systemd) {
                free(res.error);
                res.error = strdup("no systemd as PID 1: everything written, nothing started");
                fprintf(stderr, "nodeprep: %s\n", res.error);
                return finish(cli, &res, 0, EXIT_NOT_PERMITTED, human);
        }
        return finish(cli, &res, r, EXIT_OK, human);
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
        if (r == -ENOENT)
                return finish(cli, &res, 0, EXIT_DRIFT, human);
        return finish(cli, &res, r, res.ready ? EXIT_OK : EXIT_DRIFT, human);
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
        if (cli->sr->live && geteuid() != 0)
                return cli_error(cli, EXIT_NOT_PERMITTED, "must run as root");
        k3s_result_init(&res);
        r = k3s_uninstall(cli->sr, purge, &res);
        return finish(cli, &res, r, EXIT_OK, human_uninstall);
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
        if (cli->sr->live && geteuid() != 0)
                return cli_error(cli, EXIT_NOT_PERMITTED, "k3s killall: must run as root");
        k3s_result_init(&res);
        r = k3s_killall_run(cli->sr, &res);
        return finish(cli, &res, r, EXIT_OK, human_killall);
}

static const struct cli_verb k3s_subcommands[] = {
        { .name = "install", .summary = "Install K3s natively: verified download, unit, config, readiness",
          .options = k3s_install_options },
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
        if (argc < 2)
                return cli_error(cli, EXIT_INVALID, "expected install, status, uninstall or killall");
        if (streq(argv[1], "install"))
                return k3s_cmd_install(cli, argc - 1, argv + 1);
        if (streq(argv[1], "status"))
                return k3s_cmd_status(cli, argc - 1, argv + 1);
        if (streq(argv[1], "uninstall"))
                return k3s_cmd_uninstall(cli, argc - 1, argv + 1);
        if (streq(argv[1], "killall"))
                return k3s_cmd_killall(cli, argc - 1, argv + 1);
        return cli_error(cli, EXIT_INVALID, "k3s: unknown subcommand '%s' (install, status, uninstall, killall)",
                         argv[1]);
}
