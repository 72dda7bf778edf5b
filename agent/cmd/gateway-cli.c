/* SPDX-License-Identifier: MIT */
/* gateway plan | apply | verify | remove: options, JSON, text, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/json-util.h"
#include "../gateway/gateway.h"
#include "cli.h"
#include "guard.h"

static const char *const kind_names[] = {
        [GATEWAY_FILE] = "file", [GATEWAY_LINK] = "link", [GATEWAY_DIR] = "dir",
};

static json_object *str_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *files_to_json(const struct gateway_result *res) {
        json_object *a = json_object_new_array();

        for (unsigned i = 0; i < res->n_files; i++) {
                const struct gateway_file_change *f = &res->files[i];
                json_object *o = json_object_new_object();

                json_object_object_add(o, "path", json_object_new_string(f->path));
                json_object_object_add(o, "kind", json_object_new_string(kind_names[f->kind]));
                json_object_object_add(o, "action", json_object_new_string(gateway_action_to_string(f->action)));
                json_object_object_add(o, "before", str_or_null(f->before));
                json_object_object_add(o, "after", str_or_null(f->after));
                json_object_object_add(o, "before_sha256", str_or_null(f->before_sha[0] ? f->before_sha : NULL));
                json_object_object_add(o, "after_sha256", str_or_null(f->after_sha[0] ? f->after_sha : NULL));
                json_object_array_add(a, o);
        }
        return a;
}

json_object *gateway_result_to_json(const struct gateway_options *o, const struct gateway_result *res) {
        json_object *j = json_object_new_object(), *steps = json_object_new_array(), *t = json_object_new_object();

        json_object_object_add(j, "changed", json_object_new_boolean(res->changed));
        json_object_object_add(j, "domain", json_object_new_string(o->domain));
        json_object_object_add(j, "phase", json_object_new_int(res->phase));
        json_object_object_add(j, "files", files_to_json(res));
        for (unsigned i = 0; i < res->n_steps; i++) {
                json_object *s = json_object_new_object();

                json_object_object_add(s, "name", json_object_new_string(res->steps[i].name));
                json_object_object_add(s, "status", json_object_new_string(res->steps[i].status));
                json_object_object_add(s, "detail", str_or_null(res->steps[i].detail));
                json_object_array_add(steps, s);
        }
        json_object_object_add(j, "steps", steps);
        json_object_object_add(t, "function", json_object_new_int((int) o->function_timeout));
        json_object_object_add(t, "gateway_upstream", json_object_new_int((int) res->timeouts.upstream));
        json_object_object_add(t, "gateway_read_write", json_object_new_int((int) res->timeouts.read_write));
        json_object_object_add(t, "nginx", json_object_new_int((int) res->timeouts.nginx));
        json_object_object_add(j, "timeouts", t);
        if (res->upstream[0]) {
                json_object *u = json_object_new_object();

                json_object_object_add(u, "address", json_object_new_string(res->upstream));
                json_object_object_add(u, "from", json_object_new_string(res->upstream_from));
                json_object_object_add(j, "upstream", u);
        }
        if (res->cert_not_after) {
                json_object *c = json_object_new_object();

                json_object_object_add(c, "not_after", json_object_new_int64(res->cert_not_after));
                json_object_object_add(c, "days_left", json_object_new_int(res->cert_days_left));
                json_object_object_add(c, "serial", json_object_new_string(res->cert_serial));
                json_object_object_add(j, "certificate", c);
        }
        if (res->nginx_message)
                json_object_object_add(j, "nginx", json_object_new_string(res->nginx_message));
        if (res->hint)
                json_object_object_add(j, "hint", json_object_new_string(res->hint));
        if (res->error)
                json_object_object_add(j, "error", json_object_new_string(res->error));
        return j;
}

static void human(json_object *result) {
        json_object *files, *steps;

        if (json_object_object_get_ex(result, "files", &files))
                for (size_t i = 0; i < json_object_array_length(files); i++) {
                        json_object *f = json_object_array_get_idx(files, i);

                        printf("%-9s %s\n", json_str_or(f, "action", "?"), json_str_or(f, "path", "?"));
                }
        if (json_object_object_get_ex(result, "steps", &steps))
                for (size_t i = 0; i < json_object_array_length(steps); i++) {
                        json_object *s = json_object_array_get_idx(steps, i);

                        printf("%-14s %-8s %s\n", json_str_or(s, "name", "?"), json_str_or(s, "status", "?"),
                               json_str_or(s, "detail", ""));
                }
        printf("gateway %s: %s\n", json_str_or(result, "domain", "?"),
               json_is_true(result, "changed") ? "changed" : "unchanged");
}

enum {
        ARG_DOMAIN = 0x100, ARG_EMAIL, ARG_TLS, ARG_ACME_SERVER, ARG_ACME_CA, ARG_UPSTREAM, ARG_RATE, ARG_BURST,
        ARG_MAX_BODY, ARG_FUNCTION_TIMEOUT, ARG_ALLOW_SYSTEM, ARG_TRUSTED_PROXY,
};

/* The options of every gateway subcommand, also taken by bootstrap; help and
 * completion are generated from this table. */
const struct cli_option gateway_cli_options[] = {
        { "domain", required_argument, ARG_DOMAIN, "NAME", "the public name nginx serves (required)", NULL },
        { "email", required_argument, ARG_EMAIL, "ADDR", "contact of the ACME account", NULL },
        { "tls", required_argument, ARG_TLS, "MODE", "acme (default), none, or cert:CERT,KEY", "acme none" },
        { "acme-server", required_argument, ARG_ACME_SERVER, "URL", "the ACME directory URL (default Let's Encrypt)",
          NULL },
        { "acme-ca-file", required_argument, ARG_ACME_CA, "FILE", "CA bundle of a private ACME server",
          CLI_COMPLETE_FILE },
        { "upstream", required_argument, ARG_UPSTREAM, "ADDR:PORT",
          "the OpenFaaS gateway (default: the address openfaas install recorded, else 127.0.0.1:8080)", NULL },
        { "rate", required_argument, ARG_RATE, "N/s", "requests per client address (default 10/s)", NULL },
        { "burst", required_argument, ARG_BURST, "N", "requests above the rate held before 429 (default 20)", NULL },
        { "max-body", required_argument, ARG_MAX_BODY, "SIZE", "largest request body (default 50M)", NULL },
        { "function-timeout", required_argument, ARG_FUNCTION_TIMEOUT, "T",
          "the function timeout; nginx waits longer than the gateway (default 60s)", NULL },
        { "allow-system", required_argument, ARG_ALLOW_SYSTEM, "CIDR",
          "may reach /system/ and /ui/ (default loopback; repeatable)", NULL },
        { "trusted-proxy", required_argument, ARG_TRUSTED_PROXY, "CIDR",
          "a load balancer whose X-Forwarded-For is believed (repeatable)", NULL },
        CLI_OPTION_END,
};

static const struct cli_verb gateway_subcommands[] = {
        { .name = "plan", .summary = "What apply would write, per file", .options = gateway_cli_options },
        { .name = "apply", .summary = "Write, check with nginx -t, reload; TLS in two phases",
          .options = gateway_cli_options },
        { .name = "verify", .summary = "Files ours and unchanged, nginx, certificate, timeout order (exit 3)",
          .options = gateway_cli_options },
        { .name = "remove", .summary = "Remove exactly the files apply wrote", .options = gateway_cli_options },
        { NULL },
};

const struct cli_verb gateway_verb = {
        .name = "gateway",
        .summary = "nginx in front of OpenFaaS: TLS, rate limits, timeouts that agree",
        .subcommands = gateway_subcommands,
};

/* One option (a val of gateway_cli_options[]) into o. */
int gateway_option_set(struct gateway_options *o, int c, const char *arg, char **ret_error) {
        switch (c) {
        case ARG_DOMAIN: return gateway_set_domain(o, arg, ret_error);
        case ARG_EMAIL: return gateway_set_email(o, arg, ret_error);
        case ARG_TLS: return gateway_set_tls(o, arg, ret_error);
        case ARG_ACME_SERVER: return gateway_set_acme_server(o, arg, ret_error);
        case ARG_ACME_CA: return gateway_set_acme_ca_file(o, arg, ret_error);
        case ARG_UPSTREAM: return gateway_set_upstream(o, arg, ret_error);
        case ARG_RATE: return gateway_set_rate(o, arg, ret_error);
        case ARG_BURST: return gateway_set_burst(o, arg, ret_error);
        case ARG_MAX_BODY: return gateway_set_max_body(o, arg, ret_error);
        case ARG_FUNCTION_TIMEOUT: return gateway_set_function_timeout(o, arg, ret_error);
        case ARG_ALLOW_SYSTEM: return gateway_add_allow_system(o, arg, ret_error);
        case ARG_TRUSTED_PROXY: return gateway_add_trusted_proxy(o, arg, ret_error);
        }
        return -EINVAL;
}

static int parse_options(struct cli *cli, int argc, char **argv, struct gateway_options *o) {
        int c;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", gateway_cli_options)) >= 0) {
                _cleanup_free_ char *err = NULL;

                if (c == '?' || c == ':' || gateway_option_set(o, c, optarg, &err) < 0)
                        return cli_error(cli, EXIT_INVALID, "gateway %s: %s", argv[0],
                                         err ? err : "invalid option; see nodeprep --help");
        }
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "gateway %s: unexpected argument '%s'", argv[0], argv[optind]);
        {
                _cleanup_free_ char *err = NULL;

                if (gateway_options_finish(o, &err) < 0)
                        return cli_error(cli, EXIT_INVALID, "gateway %s: %s", argv[0], err ? err : "invalid options");
        }
        return 0;
}

typedef int (*gateway_fn)(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r);

static int run(struct cli *cli, int argc, char **argv, gateway_fn fn, bool changes_node) {
        struct gateway_options o;
        struct gateway_result res;
        json_object *j;
        int r, code;

        gateway_options_init(&o);
        r = parse_options(cli, argc, argv, &o);
        if (r != 0) {
                gateway_options_done(&o);
                return r;
        }
        r = changes_node ? cli_guard_root(cli, "gateway %s: must run as root", argv[0]) : 0;
        if (r != 0) {
                gateway_options_done(&o);
                return r;
        }
        gateway_result_init(&res);
        r = fn(cli->sr, &o, &res);
        code = cli_exit_code_for(r);
        if (r >= 0 && res.drift)
                code = EXIT_DRIFT;
        if (r < 0)
                fprintf(stderr, "nodeprep: gateway %s: %s\n", argv[0], res.error ? res.error : strerror(-r));
        j = gateway_result_to_json(&o, &res);
        gateway_result_done(&res);
        gateway_options_done(&o);
        return cli_print_result_code(cli, j, code, human);
}

int cmd_gateway(struct cli *cli, int argc, char **argv) {
        if (argc < 2)
                return cli_error(cli, EXIT_INVALID, "gateway: plan, apply, verify or remove");
        if (streq(argv[1], "plan"))
                return run(cli, argc - 1, argv + 1, gateway_plan, false);
        if (streq(argv[1], "apply"))
                return run(cli, argc - 1, argv + 1, gateway_apply, true);
        if (streq(argv[1], "verify"))
                return run(cli, argc - 1, argv + 1, gateway_verify, false);
        if (streq(argv[1], "remove"))
                return run(cli, argc - 1, argv + 1, gateway_remove, true);
        return cli_error(cli, EXIT_INVALID, "gateway: unknown subcommand '%s' (plan, apply, verify, remove)", argv[1]);
}
