/* SPDX-License-Identifier: MIT */
/* openfaas install | status | uninstall: options, output, exit codes. The
 * JSON of the CLI contract is made here from the domain's result struct. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/json-util.h"
#include "../basic/parse.h"
#include "../openfaas/openfaas.h"
#include "cli.h"
#include "guard.h"
#include "openfaas-cli.h"

json_object *openfaas_result_to_json(const struct openfaas_result *r) {
        json_object *o = json_object_new_object(), *steps = json_object_new_array();

        json_object_object_add(o, "changed", json_object_new_boolean(r->changed));
        json_object_object_add(o, "ready", json_object_new_boolean(r->ready));
        json_object_object_add(o, "edition", json_object_new_string(r->edition ? r->edition : "ce"));
        if (r->chart_version)
                json_object_object_add(o, "chart_version", json_object_new_string(r->chart_version));
        if (r->gateway)
                json_object_object_add(o, "gateway", json_object_new_string(r->gateway));
        if (r->function_timeout_sec)
                json_object_object_add(o, "function_timeout_sec", json_object_new_int((int) r->function_timeout_sec));
        if (r->api_skipped)
                json_object_object_add(o, "api_skipped", json_object_new_boolean(true));
        for (size_t i = 0; i < r->n_steps; i++) {
                json_object *s = json_object_new_object();

                json_object_object_add(s, "name", json_object_new_string(r->steps[i].name ? r->steps[i].name : "?"));
                json_object_object_add(s, "status", json_object_new_string(openfaas_step_status_to_string(r->steps[i].status)));
                json_object_object_add(s, "detail", r->steps[i].detail ? json_object_new_string(r->steps[i].detail) : NULL);
                json_object_array_add(steps, s);
        }
        json_object_object_add(o, "steps", steps);
        if (r->failed_step)
                json_object_object_add(o, "failed_step", json_object_new_string(r->failed_step));
        if (r->error)
                json_object_object_add(o, "error", json_object_new_string(r->error));
        if (r->warning)
                json_object_object_add(o, "warning", json_object_new_string(r->warning));
        return o;
}

static void human(json_object *result) {
        json_object *steps;

        if (json_object_object_get_ex(result, "steps", &steps))
                for (size_t i = 0; i < json_object_array_length(steps); i++) {
                        json_object *s = json_object_array_get_idx(steps, i);

                        printf("%-22s %-10s %s\n", json_str_or(s, "name", "?"), json_str_or(s, "status", "?"),
                               json_str_or(s, "detail", ""));
                }
        printf("openfaas %s %s: %s%s\n", json_str_or(result, "edition", "?"), json_str_or(result, "chart_version", "?"),
               json_is_true(result, "ready") ? "ready" : "not ready", json_is_true(result, "changed") ? ", changed" : "");
}

static int finish(const struct cli *cli, struct openfaas_result *res, int code) {
        json_object *o = openfaas_result_to_json(res);

        if (res->warning)
                fprintf(stderr, "nodeprep: warning: %s\n", res->warning);
        if (code != EXIT_OK && code != EXIT_DRIFT)
                fprintf(stderr, "nodeprep: %s\n", res->error ? res->error : "failed");
        openfaas_result_done(res);
        return cli_print_result_code(cli, o, code, human);
}

static int parse_seconds(const char *s, unsigned *ret) {
        uint64_t v;

        if (safe_atou64(s, &v) < 0 || v > 86400)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* Options of `openfaas install`, shared with bootstrap: 1 when c was one of
 * them, 0 when not, -EINVAL with a message when its value is bad. */
int openfaas_cli_option(int c, const char *arg, struct openfaas_options *o, char **ret_error) {
        switch (c) {
        case OPENFAAS_ARG_EULA: o->accept_ce_eula = true; return 1;
        case OPENFAAS_ARG_LICENSE: o->license_file = arg; return 1;
        case OPENFAAS_ARG_CHART_URL: o->chart_url = arg; return 1;
        case OPENFAAS_ARG_CHART_FILE: o->chart_file = arg; return 1;
        case OPENFAAS_ARG_CANARY: o->canary = true; return 1;
        case OPENFAAS_ARG_CANARY_IMAGE: o->canary_image = arg; return 1;
        case OPENFAAS_ARG_AIRGAP: o->airgap = true; return 1;
        case OPENFAAS_ARG_ALLOW_HTTP: o->fetch.allow_http = true; return 1;
        case OPENFAAS_ARG_EXPOSE:
                if (openfaas_expose_from_string(arg, &o->expose) < 0)
                        return asprintf(ret_error, "--expose must be clusterip, loadbalancer or nodeport") < 0 ? -ENOMEM : -EINVAL;
                return 1;
        case OPENFAAS_ARG_FUNCTION_TIMEOUT:
                if (openfaas_parse_duration(arg, &o->function_timeout_sec) < 0)
                        return asprintf(ret_error, "--function-timeout %s: a duration such as 60s, 2m or 1m30s "
                                        "(1s to 24h)", arg) < 0 ? -ENOMEM : -EINVAL;
                return 1;
        case OPENFAAS_ARG_TIMEOUT:
                if (parse_seconds(arg, &o->timeout_sec) < 0)
                        return asprintf(ret_error, "--openfaas-timeout %s: not a number of seconds", arg) < 0 ? -ENOMEM : -EINVAL;
                return 1;
        default:
                return 0;
        }
}

const struct cli_option openfaas_install_options[] = {
        { "accept-ce-eula", no_argument, OPENFAAS_ARG_EULA, NULL,
          "accept the OpenFaaS CE EULA (required for CE)", NULL },
        { "license-file", required_argument, OPENFAAS_ARG_LICENSE, "FILE", "an OpenFaaS Pro licence (Pro edition)",
          CLI_COMPLETE_FILE },
        { "chart-url", required_argument, OPENFAAS_ARG_CHART_URL, "URL", "the chart repository (a mirror)", NULL },
        { "chart-file", required_argument, OPENFAAS_ARG_CHART_FILE, "FILE", "a local openfaas-VER.tgz",
          CLI_COMPLETE_FILE },
        { "expose", required_argument, OPENFAAS_ARG_EXPOSE, "MODE",
          "clusterip (default: only through nodeprep gateway), loadbalancer or nodeport",
          "clusterip loadbalancer nodeport" },
        { "function-timeout", required_argument, OPENFAAS_ARG_FUNCTION_TIMEOUT, "T",
          "the gateway's upstream timeout; read/write slightly above (default 60s)", NULL },
        { "canary", no_argument, OPENFAAS_ARG_CANARY, NULL, "deploy, invoke and delete a test function", NULL },
        { "canary-image", required_argument, OPENFAAS_ARG_CANARY_IMAGE, "IMAGE", "the canary's public image", NULL },
        { "airgap", no_argument, OPENFAAS_ARG_AIRGAP, NULL, "refused for CE (it needs internet access)", NULL },
        { "chart-allow-http", no_argument, OPENFAAS_ARG_ALLOW_HTTP, NULL, "allow a plain-http chart mirror", NULL },
        { "timeout", required_argument, OPENFAAS_ARG_TIMEOUT, "SEC", "cap on every rung of the readiness ladder",
          NULL },
        CLI_OPTION_END,
};

static const struct cli_option status_options[] = {
        { "wait", required_argument, 'w', "SEC", "wait up to SEC seconds for readiness", NULL },
        CLI_OPTION_END,
};

static const struct cli_option uninstall_options[] = {
        { "timeout", required_argument, 't', "SEC", "how long to wait for helm-delete", NULL },
        CLI_OPTION_END,
};

static const struct cli_verb openfaas_subcommands[] = {
        { .name = "install", .summary = "OpenFaaS through K3s's helm-controller: verified chart, manifest, readiness",
          .options = openfaas_install_options },
        { .name = "status", .summary = "The readiness ladder and the timeout order (exit 3 when not ready)",
          .options = status_options },
        { .name = "uninstall", .summary = "Remove the release and exactly the files install wrote",
          .options = uninstall_options },
        { NULL },
};

const struct cli_verb openfaas_verb = {
        .name = "openfaas",
        .summary = "Install, check and remove OpenFaaS on K3s",
        .subcommands = openfaas_subcommands,
};

static int openfaas_cmd_install(struct cli *cli, int argc, char **argv) {
        _cleanup_free_ char *err = NULL;
        struct openfaas_options o;
        struct openfaas_result res;
        int c, r;

        openfaas_options_init(&o);
        optind = 0;
        while ((c = cli_getopt(argc, argv, "", openfaas_install_options)) >= 0) {
                r = openfaas_cli_option(c, optarg, &o, &err);
                if (r < 0)
                        return cli_error(cli, EXIT_INVALID, "openfaas install: %s", err ? err : "bad value");
                if (r == 0)
                        return cli_error(cli, EXIT_INVALID, "invalid option; see nodeprep --help");
        }
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "openfaas install: unexpected argument '%s'", argv[optind]);
        if (openfaas_options_check(&o, &err) < 0)
                return cli_error(cli, EXIT_INVALID, "openfaas install: %s", err ? err : "invalid options");
        r = cli_guard_root(cli, "openfaas install: must run as root");
        if (r != 0)
                return r;
        openfaas_result_init(&res);
        r = openfaas_install(cli->sr, &o, &res);
        if (r < 0)
                return finish(cli, &res, cli_exit_code_for_fetched(r));
        /* Under --root without an API everything is written and nothing asked. */
        if (res.api_skipped) {
                free(res.error);
                res.error = strdup("--root: files written, the readiness ladder needs the Kubernetes API");
                return finish(cli, &res, EXIT_NOT_PERMITTED);
        }
        return finish(cli, &res, EXIT_OK);
}

static int openfaas_cmd_status(struct cli *cli, int argc, char **argv) {
        struct openfaas_result res;
        unsigned wait_sec = 0;
        int c, r;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", status_options)) >= 0)
                switch (c) {
                case 'w':
                        if (parse_seconds(optarg, &wait_sec) < 0)
                                return cli_error(cli, EXIT_INVALID, "--wait: not a valid number of seconds");
                        break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option; see nodeprep --help");
                }
        openfaas_result_init(&res);
        r = openfaas_status(cli->sr, wait_sec, &res);
        /* Not installed, not ready or a rung failed: a failed check (3). */
        if (r < 0 && r != -ENOENT && r != -ETIMEDOUT && r != -EBADMSG)
                return finish(cli, &res, cli_exit_code_for_fetched(r));
        return finish(cli, &res, r >= 0 && res.ready ? EXIT_OK : EXIT_DRIFT);
}

static int openfaas_cmd_uninstall(struct cli *cli, int argc, char **argv) {
        struct openfaas_result res;
        unsigned timeout = 0;
        int c, r;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", uninstall_options)) >= 0)
                switch (c) {
                case 't':
                        if (parse_seconds(optarg, &timeout) < 0)
                                return cli_error(cli, EXIT_INVALID, "--timeout: not a valid number of seconds");
                        break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option; see nodeprep --help");
                }
        r = cli_guard_root(cli, "openfaas uninstall: must run as root");
        if (r != 0)
                return r;
        openfaas_result_init(&res);
        r = openfaas_uninstall(cli->sr, timeout, &res);
        return finish(cli, &res, r < 0 ? cli_exit_code_for_fetched(r) : EXIT_OK);
}

int cmd_openfaas(struct cli *cli, int argc, char **argv) {
        static const struct cli_subcommand subs[] = {
                { "install", openfaas_cmd_install },
                { "status", openfaas_cmd_status },
                { "uninstall", openfaas_cmd_uninstall },
                {},
        };

        return cli_run_subcommand(cli, argc, argv, subs, "openfaas: install, status or uninstall");
}
