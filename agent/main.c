/* SPDX-License-Identifier: MIT */
/*
 * nodeprep: turns a fresh Debian/Ubuntu VPS into a tuned, verified K3s node.
 * Global flags, the command table, and nothing else.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/cleanup.h"
#include "basic/dl-all.h"
#include "basic/log.h"
#include "basic/parse.h"
#include "basic/runlock.h"
#include "cmd/cli.h"
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

/* libs: the dlopen()ed libraries (basic/dlopen.h) a command calls, loaded
 * before it runs, so each command pays only for its own. Loaded on first use
 * instead: libkmod (only when a module has to be loaded), libmount and libnl
 * for check (only by the probes that read the mount table or the routes) and,
 * for serve, libcurl (only once K3s is installed and its readiness ladder
 * runs). */
static const struct {
        const char *name;
        command_fn fn;
        unsigned libs;
} commands[] = {
        { "profile", cmd_profile, 0 },
        { "plan", cmd_plan, 0 },
        { "apply", cmd_apply, 0 },
        { "verify", cmd_verify, 0 },
        { "rollback", cmd_rollback, 0 },
        { "check", cmd_check, 0 },
        { "k3s", cmd_k3s, DL_CURL | DL_SYSTEMD | DL_YAML | DL_CRYPTO },
        { "openfaas", cmd_openfaas, DL_CURL | DL_YAML | DL_CRYPTO },
        { "gateway", cmd_gateway, DL_SYSTEMD | DL_CRYPTO },
        { "serve", cmd_serve, DL_MICROHTTPD | DL_SYSTEMD | DL_NL | DL_MOUNT },
        { "bootstrap", cmd_bootstrap, DL_ALL },
        { "version", cmd_version, 0 },
};

static void help(void) {
        printf("Usage: nodeprep [--root DIR] [--json] [--profile-path DIR[:DIR...]] [--lock-timeout SEC] [-q|-v]\n"
               "                COMMAND [ARGS]\n"
               "\n"
               "  profile list | show PROFILE | lint FILE|PROFILE...\n"
               "  plan PROFILE           live vs desired per key, and the file that wins at boot\n"
               "  apply PROFILE [--dry-run] [--no-persist] [--strict] [--allow-netns]\n"
               "  verify                 compare the live system with the applied profile (exit 3 on drift)\n"
               "  rollback [--dry-run]   restore the values found before the first apply\n"
               "  check [GROUP...] [--latency] [--role server|agent]\n"
               "                         node checks: virt kvm nvme disk k3s-prereq limits (exit 3 on failure)\n"
               "  k3s install [--role server|agent] [--version V | --channel C [--channel-url URL]] [--server URL]\n"
               "              [--token-file F] [--cluster-init | --datastore-endpoint URI] [--disable NAME]...\n"
               "              [--tls-san NAME]... [--node-ip IP] [--mirror URL] [--airgap DIR] [--no-start]\n"
               "              [--no-enable] [--symlink skip|force] [--force] [--timeout SEC]\n"
               "  k3s status [--wait SEC] | k3s uninstall [--purge] | k3s killall\n"
               "  openfaas install [--accept-ce-eula | --license-file F] [--chart-url URL | --chart-file F]\n"
               "                   [--expose clusterip|loadbalancer|nodeport] [--function-timeout T] [--canary]\n"
               "                   [--timeout SEC]\n"
               "  openfaas status [--wait SEC] | openfaas uninstall [--timeout SEC]\n"
               "                         OpenFaaS through K3s's helm-controller\n"
               "  gateway plan|apply|verify|remove --domain NAME [--email ADDR] [--tls acme|none|cert:CERT,KEY]\n"
               "          [--acme-server URL] [--acme-ca-file F] [--upstream ADDR:PORT] [--rate N/s] [--burst N]\n"
               "          [--max-body SIZE] [--function-timeout T] [--allow-system CIDR]... [--trusted-proxy CIDR]...\n"
               "                         nginx in front of OpenFaaS: TLS, limits, ordered timeouts\n"
               "  serve [--listen ADDR:PORT] [--interval SEC] [--config FILE] [--token-file F]\n"
               "        [--tls-cert F --tls-key F] [--insecure] [--once]\n"
               "                         node health over HTTP: /livez /readyz /metrics /status\n"
               "  bootstrap [--profile PROFILE] [--report-url URL] [--ignore-preflight NAME,...] [--no-service]\n"
               "            [k3s install options] [--openfaas --accept-ce-eula | --license-file F [openfaas options]]\n"
               "                         preflight, profile, K3s, readiness, nodeprep.service; result in\n"
               "                         /var/lib/nodeprep/bootstrap.json\n"
               "  version\n"
               "\n"
               "Commands that change the node (apply, rollback, k3s install/uninstall, bootstrap) hold\n"
               "%s; a second run waits up to --lock-timeout SEC (default %d).\n"
               "Exit codes: 0 ok, 1 failed, 2 invalid input, 3 drift or failed check, 4 not permitted here.\n",
               RUN_LOCK_PATH, CLI_LOCK_TIMEOUT_DEFAULT);
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

static int parse_lock_timeout(const char *s, unsigned long *ret) {
        uint64_t v;

        if (safe_atou64(s, &v) < 0 || v > 86400)
                return -EINVAL;
        *ret = (unsigned long) v;
        return 0;
}

/* The command, under the run lock when it changes the node. */
static int run_locked(struct cli *cli, command_fn fn, int argc, char **argv, unsigned long lock_timeout) {
        _cleanup_run_lock_ struct run_lock lock = RUN_LOCK_NONE;
        int ret = cli_run_lock(cli, argc, argv, lock_timeout, &lock);

        return ret != EXIT_OK ? ret : fn(cli, argc, argv);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },
                { "json", no_argument, NULL, 'j' },
                { "profile-path", required_argument, NULL, 'p' },
                { "quiet", no_argument, NULL, 'q' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "lock-timeout", required_argument, NULL, 'L' },
                CLI_OPTIONS_END,
        };
        struct cli cli = { .argv0 = argv[0] };
        const char *root = NULL, *profile_path = NULL;
        unsigned long lock_timeout = CLI_LOCK_TIMEOUT_DEFAULT;
        int c, r, ret = EXIT_INVALID;

        while ((c = getopt_long(argc, argv, "+qvh", options, NULL)) >= 0)
                switch (c) {
                case 'r': root = optarg; break;
                case 'j': cli.json = true; break;
                case 'p': profile_path = optarg; break;
                case 'q': log_set_max_level(LOG_LEVEL_ERROR); break;
                case 'v': log_set_max_level(LOG_LEVEL_DEBUG); break;
                case 'h': help(); return EXIT_OK;
                case 'V': return cmd_version(&cli, 0, NULL);
                case 'L':
                        if (parse_lock_timeout(optarg, &lock_timeout) < 0)
                                return cli_error(&cli, EXIT_INVALID, "--lock-timeout %s: not a number of seconds "
                                                 "from 0 to 86400", optarg);
                        break;
                default: return cli_error(&cli, EXIT_INVALID, "invalid option; see nodeprep --help");
                }
        if (optind >= argc) {
                help();
                return EXIT_INVALID;
        }

        r = sysroot_new(root, &cli.sr);
        if (r < 0)
                return cli_error(&cli, EXIT_INVALID, "--root %s: %s", root ? root : "/", strerror(-r));
        r = profile_path ? split_path(profile_path, &cli.profile_path)
                         : profile_default_search_path(cli.sr->path, &cli.profile_path);
        if (r < 0) {
                sysroot_free(cli.sr);
                return cli_error(&cli, EXIT_FAILED, "%s", strerror(-r));
        }

        ret = -1;
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(argv[optind], commands[i].name)) {
                        const char *why = NULL;

                        if (dlopen_libs(commands[i].libs, &why) < 0) {
                                ret = cli_error(&cli, EXIT_FAILED, "%s needs a library that is missing: %s",
                                                commands[i].name, why ? why : "?");
                                break;
                        }
                        /* The command sees argv[0] = its own name. */
                        ret = run_locked(&cli, commands[i].fn, argc - optind, argv + optind, lock_timeout);
                        break;
                }
        if (ret < 0)
                ret = cli_error(&cli, EXIT_INVALID, "unknown command '%s'; see nodeprep --help", argv[optind]);

        strv_free(cli.profile_path);
        sysroot_free(cli.sr);
        return ret;
}
