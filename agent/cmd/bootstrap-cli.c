/* SPDX-License-Identifier: MIT */
/*
 * bootstrap: preflight -> profile -> k3s -> ready -> [openfaas] -> service -> result, one
 * progress line per stage.
 *
 * The stages call what the commands a user would run call (the check
 * groups, tune_apply(), k3s_install(), k3s_status(), ...) with the options those commands
 * parse (k3s install's parser is cmd/k3s-cli.c's), and record the same
 * documents their --json prints. Each of those is idempotent, so a re-run
 * skips what is done (the stage says "done") and resumes at the stage that
 * failed. The result goes to /var/lib/nodeprep/bootstrap.json on success and
 * failure alike, and with --report-url to a provisioner.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../basic/parse.h"
#include "../basic/redact.h"
#include "../bootstrap/bootstrap.h"
#include "../gateway/gateway.h"
#include "../k3s/k3s.h"
#include "../openfaas/openfaas.h"
#include "../shared/bus-unit.h"
#include "../shared/json-util.h"
#include "../shared/url-redact.h"
#include "../verdict/check-groups.h"
#include "check-cli.h"
#include "cli.h"
#include "guard.h"
#include "k3s-cli.h"
#include "openfaas-cli.h"
#include "tune-cli.h"
#include "tune-json.h"

#ifndef NODEPREP_VERSION
#define NODEPREP_VERSION "0.1.0"
#endif

#define DEFAULT_PROFILE "serverless"
#define SERVICE_UNIT "nodeprep.service"
#define SERVICE_TIMEOUT_SEC 60
#define REPORT_TIMEOUT_SEC 15

/* The checks that decide whether K3s can run here at all; virt, kvm and nvme
 * describe the machine but block nothing. */
static const char *const preflight_groups[] = { "k3s-prereq", "disk", "limits" };
/* The ports an installed K3s holds itself (a re-run finds them in use). */
static const uint16_t k3s_ports[] = { 6443, 10250 };

struct bootstrap_args {
        const char *profile;            /* NULL with --no-profile */
        char *report_url;               /* our copy: argv's is scrubbed */
        char **ignore;                  /* check names accepted as failed */
        bool no_service;
        bool allow_netns;
        bool allow_http;
        bool no_start;
        bool want_gateway;              /* a gateway option was given (--domain is then required) */
        const char *role;
        unsigned timeout_sec;
        bool timeout_given;
        struct k3s_install_args k3s;    /* the k3s stage's, parsed by k3s install's parser */
        bool openfaas;                  /* the openfaas stage, with these options */
        bool openfaas_options_given;
        struct openfaas_options of;
        struct gateway_options gateway; /* the gateway stage runs when gateway.domain is set */
};

static void bootstrap_args_done(struct bootstrap_args *a) {
        free(a->report_url);
        strv_free(a->ignore);
        k3s_install_args_done(&a->k3s);
        gateway_options_done(&a->gateway);
}

enum {
        ARG_PROFILE = 0x100,
        ARG_NO_PROFILE,
        ARG_REPORT_URL,
        ARG_IGNORE,
        ARG_NO_SERVICE,
        ARG_ALLOW_NETNS,
        ARG_OPENFAAS,
        ARG_GATEWAY_BASE = 0x20000,     /* + the val of a gateway option */
};

static const struct cli_option bootstrap_options[] = {
        { "profile", required_argument, ARG_PROFILE, "PROFILE", "the profile to apply (default " DEFAULT_PROFILE ")",
          CLI_COMPLETE_PROFILE },
        { "no-profile", no_argument, ARG_NO_PROFILE, NULL, "skip the profile stage", NULL },
        { "report-url", required_argument, ARG_REPORT_URL, "URL", "POST the result there", NULL },
        { "ignore-preflight", required_argument, ARG_IGNORE, "NAME[,NAME...]", "accept these failed preflight items",
          NULL },
        { "no-service", no_argument, ARG_NO_SERVICE, NULL, "do not enable and start " SERVICE_UNIT, NULL },
        { "allow-netns", no_argument, ARG_ALLOW_NETNS, NULL, "passed to apply", NULL },
        { "openfaas", no_argument, ARG_OPENFAAS, NULL,
          "run the openfaas stage, with openfaas install's options (--accept-ce-eula or --license-file ...)", NULL },
        CLI_OPTION_END,
};

const struct cli_verb bootstrap_verb = {
        .name = "bootstrap",
        .summary = "Preflight, profile, K3s, readiness, " SERVICE_UNIT "; the result in " BOOTSTRAP_RESULT_PATH,
        .description = "Stages: preflight, profile, k3s, ready, openfaas (with --openfaas: openfaas install's options "
                       "pass through), gateway (with --domain: the gateway options pass through), service, result. "
                       "--function-timeout T serves both the OpenFaaS gateway and nginx. A re-run skips what is done.",
        .options = bootstrap_options,
        .passed_options = k3s_install_cli_options,
        .passed_from = "k3s install",
};

/* The openfaas stage's options are checked before any stage runs: a bad one
 * must not leave a half-bootstrapped node. */
static int check_openfaas_args(struct cli *cli, struct bootstrap_args *a) {
        _cleanup_free_ char *err = NULL;

        if (!a->openfaas) {
                if (a->openfaas_options_given)
                        return cli_error(cli, EXIT_INVALID, "bootstrap: OpenFaaS options need --openfaas");
                return 0;
        }
        if (!streq(a->role, "server"))
                return cli_error(cli, EXIT_INVALID, "bootstrap: --openfaas needs --role server (helm-controller "
                                 "runs on servers)");
        if (a->timeout_given)
                a->of.timeout_sec = a->timeout_sec;
        if (openfaas_options_check(&a->of, &err) < 0)
                return cli_error(cli, EXIT_INVALID, "bootstrap: openfaas: %s", err ? err : "invalid options");
        return 0;
}

/* The gateway's own --function-timeout entry, fed the value getopt handed
 * to the openfaas stage's option of the same name. */
static int gateway_function_timeout(struct bootstrap_args *a, const char *arg, char **ret_error) {
        const struct cli_option *o = cli_option_find(gateway_cli_options, "function-timeout");

        return o ? gateway_option_set(&a->gateway, o->val, arg, ret_error) : 0;
}

/* A k3s install option: what bootstrap's other stages take from it, then k3s
 * install's own parser. */
static int k3s_option(struct cli *cli, struct bootstrap_args *a, int c, char *arg) {
        _cleanup_free_ char *err = NULL;
        uint64_t t;
        int r;

        if (c == K3S_ARG_ROLE)
                a->role = arg;
        else if (c == K3S_ARG_ALLOW_HTTP)
                a->allow_http = a->of.fetch.allow_http = true;
        else if (c == K3S_ARG_AIRGAP)
                a->of.airgap = true;
        else if (c == K3S_ARG_NO_START)
                a->no_start = true;
        else if (c == K3S_ARG_TIMEOUT) {
                /* Also the readiness wait and the openfaas stage's deadline. */
                if (safe_atou64(arg, &t) < 0 || t == 0 || t > 86400)
                        return cli_error(cli, EXIT_INVALID, "--timeout: seconds, 1-86400");
                a->timeout_sec = (unsigned) t;
                a->timeout_given = true;
        }
        r = k3s_install_arg(&a->k3s, c, arg, &err);
        if (r == -ENOMEM)
                return cli_error(cli, EXIT_FAILED, "out of memory");
        if (r < 0)
                return cli_error(cli, EXIT_INVALID, "%s", err ? err : "invalid value");
        return 0;
}

static int parse_args(struct cli *cli, int argc, char **argv, struct bootstrap_args *a) {
        struct option options[96];      /* own + k3s install + openfaas install + gateway */
        size_t n;
        int c, r;

        /* Its own options, then k3s install's, from the tables help prints. */
        n = cli_options_to_getopt(bootstrap_options, 0, options, 0, ELEMENTSOF(options));
        n = cli_options_to_getopt(k3s_install_cli_options, 0, options, n, ELEMENTSOF(options));
        /* openfaas install's, less those K3s's options already carry over
         * (--airgap, --timeout; --allow-http covers the chart); the gateway's,
         * less --function-timeout, which openfaas's entry feeds to both. */
        for (const struct cli_option *o = openfaas_install_options; o->name && n + 1 < ELEMENTSOF(options); o++)
                if (!streq(o->name, "airgap") && !streq(o->name, "chart-allow-http") && !streq(o->name, "timeout"))
                        options[n++] = (struct option) { o->name, o->has_arg, NULL, o->val };
        for (const struct cli_option *o = gateway_cli_options; o->name && n + 1 < ELEMENTSOF(options); o++)
                if (!streq(o->name, "function-timeout"))
                        options[n++] = (struct option) { o->name, o->has_arg, NULL, ARG_GATEWAY_BASE + o->val };
        options[n] = (struct option) CLI_OPTIONS_END;

        *a = (struct bootstrap_args) { .profile = DEFAULT_PROFILE, .role = "server",
                                       .timeout_sec = K3S_DEFAULT_TIMEOUT_SEC };
        gateway_options_init(&a->gateway);
        openfaas_options_init(&a->of);
        k3s_install_args_init(&a->k3s);
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+", options, NULL)) >= 0) {
                if (c >= K3S_ARG_VERSION && c <= K3S_ARG_LAST) {
                        r = k3s_option(cli, a, c, optarg);
                        if (r != 0)
                                return r;
                        continue;
                }
                if (c >= OPENFAAS_ARG_EULA && c <= OPENFAAS_ARG_TIMEOUT) {
                        _cleanup_free_ char *err = NULL;

                        if (openfaas_cli_option(c, optarg, &a->of, &err) < 0)
                                return cli_error(cli, EXIT_INVALID, "bootstrap: %s", err ? err : "bad value");
                        /* One function timeout for the OpenFaaS gateway and
                         * nginx in front of it (getopt matches the name once). */
                        if (c == OPENFAAS_ARG_FUNCTION_TIMEOUT) {
                                if (gateway_function_timeout(a, optarg, &err) < 0)
                                        return cli_error(cli, EXIT_INVALID, "bootstrap: %s",
                                                         err ? err : "invalid --function-timeout");
                        } else
                                a->openfaas_options_given = true;
                        continue;
                }
                if (c >= ARG_GATEWAY_BASE) {
                        _cleanup_free_ char *err = NULL;

                        if (gateway_option_set(&a->gateway, c - ARG_GATEWAY_BASE, optarg, &err) < 0)
                                return cli_error(cli, EXIT_INVALID, "bootstrap: %s", err ? err : "invalid gateway option");
                        a->want_gateway = true;
                        continue;
                }
                switch (c) {
                case ARG_PROFILE: a->profile = optarg; break;
                case ARG_NO_PROFILE: a->profile = NULL; break;
                case ARG_REPORT_URL:
                        free(a->report_url);
                        a->report_url = strdup(optarg);
                        if (!a->report_url)
                                return cli_error(cli, EXIT_FAILED, "out of memory");
                        url_scrub_in_place(optarg);     /* off our /proc/PID/cmdline */
                        break;
                case ARG_IGNORE: {
                        _cleanup_strv_free_ char **names = NULL;
                        _cleanup_free_ char *s = strdup(optarg);

                        if (!s)
                                return cli_error(cli, EXIT_FAILED, "out of memory");
                        for (char *p = s; *p; p++)
                                if (*p == ',')
                                        *p = ' ';
                        if (split_words(s, &names) < 0)
                                return cli_error(cli, EXIT_FAILED, "out of memory");
                        for (char **i = names; i && *i; i++)
                                if (strv_extend(&a->ignore, *i) < 0)
                                        return cli_error(cli, EXIT_FAILED, "out of memory");
                        break;
                }
                case ARG_NO_SERVICE: a->no_service = true; break;
                case ARG_ALLOW_NETNS: a->allow_netns = true; break;
                case ARG_OPENFAAS: a->openfaas = true; break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        }
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "unexpected argument '%s'", argv[optind]);
        if (!streq(a->role, "server") && !streq(a->role, "agent"))
                return cli_error(cli, EXIT_INVALID, "--role must be server or agent");
        if (a->want_gateway) {
                _cleanup_free_ char *err = NULL;

                if (gateway_options_finish(&a->gateway, &err) < 0)
                        return cli_error(cli, EXIT_INVALID, "bootstrap: %s", err ? err : "invalid gateway options");
        }
        r = check_openfaas_args(cli, a);
        if (r != 0)
                return r;
        /* K3s's usage checks too, before any stage (not at the k3s stage,
         * after the profile was applied). */
        {
                _cleanup_free_ char *err = NULL;

                if (k3s_install_args_finish(&a->k3s, &err) < 0)
                        return cli_error(cli, EXIT_INVALID, "%s", err ? err : "invalid K3s options");
        }
        return 0;
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* One run of the bootstrap: where progress goes, and the result so far. */
struct run {
        const struct cli *cli;
        const struct bootstrap_args *a;
        FILE *progress;                 /* stdout, or stderr under --json */
        json_object *doc;
        uint64_t start_ms;
        int exit_code;
        const char *failed_stage;
        char *error;
        const char *hint;
};

static void stage_line(struct run *run, enum bootstrap_stage s, enum stage_status st, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void stage_line(struct run *run, enum bootstrap_stage s, enum stage_status st, const char *fmt, ...) {
        va_list ap;

        fprintf(run->progress, "bootstrap: %-9s %-8s ", bootstrap_stage_name(s), stage_status_name(st));
        va_start(ap, fmt);
        vfprintf(run->progress, fmt, ap);
        va_end(ap);
        fputc('\n', run->progress);
        fflush(run->progress);
}

/* Record a stage (sub is taken) and print its line. */
static void stage_done(struct run *run, enum bootstrap_stage s, enum stage_status st, uint64_t t0,
                       json_object *sub, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void stage_done(struct run *run, enum bootstrap_stage s, enum stage_status st, uint64_t t0,
                       json_object *sub, const char *fmt, ...) {
        _cleanup_free_ char *detail = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&detail, fmt, ap) < 0)
                detail = NULL;
        va_end(ap);
        (void) bootstrap_stage_add(run->doc, s, st, now_ms() - t0, detail, sub);
        stage_line(run, s, st, "%s", detail ? detail : "");
}

/* A failed stage: the exit code, what went wrong, and what to do. */
static int stage_failed(struct run *run, enum bootstrap_stage s, int exit_code, uint64_t t0, json_object *sub,
                        const char *hint, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int stage_failed(struct run *run, enum bootstrap_stage s, int exit_code, uint64_t t0, json_object *sub,
                        const char *hint, const char *fmt, ...) {
        va_list ap;

        free(run->error);
        va_start(ap, fmt);
        if (vasprintf(&run->error, fmt, ap) < 0)
                run->error = NULL;
        va_end(ap);
        run->exit_code = exit_code;
        run->failed_stage = bootstrap_stage_name(s);
        run->hint = hint;
        stage_done(run, s, STAGE_FAILED, t0, sub, "%s", run->error ? run->error : "failed");
        fprintf(stderr, "nodeprep: bootstrap failed at stage '%s': %s\n", run->failed_stage,
                run->error ? run->error : "failed");
        fprintf(stderr, "nodeprep: what to do: %s\n", hint);
        return exit_code;
}

/* What went wrong in a K3s result: its error, else its failed step's detail. */
static const char *k3s_error(const struct k3s_result *res) {
        const struct k3s_step *st = k3s_result_failed_step(res);

        if (res->error)
                return res->error;
        return st ? (st->detail ? st->detail : "failed") : NULL;
}

/* --ignore-preflight names a check as NAME or GROUP/NAME. */
static bool ignored(const struct bootstrap_args *a, const char *group, const char *name) {
        size_t n = strlen(group);

        for (char **i = a->ignore; i && *i; i++) {
                const char *slash = strchr(*i, '/');

                if (!slash ? streq(*i, name)
                           : (size_t) (slash - *i) == n && strneq(*i, group, n) && streq(slash + 1, name))
                        return true;
        }
        return false;
}

static bool is_preflight_group(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(preflight_groups); i++)
                if (streq(preflight_groups[i], name))
                        return true;
        return false;
}

static bool is_k3s_port(uint16_t port) {
        for (size_t i = 0; i < ELEMENTSOF(k3s_ports); i++)
                if (port == k3s_ports[i])
                        return true;
        return false;
}

/* The preflight groups into l, in check's order; check's error when one
 * cannot run (what `nodeprep check` would print), as a result document. */
static int run_preflight_checks(struct run *run, struct check_list *l, json_object **ret_error) {
        struct check_options o = { .role = run->a->role, .steal_window_ms = CHECK_DEFAULT_STEAL_WINDOW_MS,
                                   .data_dir = CHECK_DEFAULT_DATA_DIR };
        int r;

        *ret_error = NULL;
        for (const struct check_group *g = check_groups; g->name; g++) {
                struct cli check = *run->cli;

                if (!is_preflight_group(g->name))
                        continue;
                r = g->fn(run->cli->sr, &o, l);
                if (r >= 0)
                        continue;
                check.command = "check";
                check.json = false;
                check.error_capture = ret_error;        /* the document goes into the result, not to stdout */
                return cli_error(&check, EXIT_FAILED, "check %s: %s", g->name, strerror(-r));
        }
        return 0;
}

/* "GROUP/NAME: REASON; ..." of the failed items not accepted, and the names accepted. */
static int judge_preflight(const struct run *run, const struct check_list *l, bool k3s_installed, size_t *ret_failed,
                           char **ret_failures, char **ret_accepted) {
        _cleanup_free_ char *failures = NULL, *acc = NULL;
        size_t n_failed = 0;

        for (size_t i = 0; i < l->n; i++) {
                const struct check_item *it = &l->items[i];
                char *s = NULL;

                if (it->status != CHECK_FAIL)
                        continue;
                /* On a re-run the installed K3s holds its own ports. */
                if ((k3s_installed && is_k3s_port(it->port)) || ignored(run->a, it->group, it->name)) {
                        if (asprintf(&s, "%s%s%s", acc ? acc : "", acc ? " " : "", it->name) < 0)
                                return -ENOMEM;
                        free(acc);
                        acc = s;
                        continue;
                }
                n_failed++;
                if (asprintf(&s, "%s%s%s/%s: %s", failures ? failures : "", failures ? "; " : "", it->group, it->name,
                             it->reason) < 0)
                        return -ENOMEM;
                free(failures);
                failures = s;
        }
        *ret_failed = n_failed;
        *ret_failures = TAKE_PTR(failures);
        *ret_accepted = TAKE_PTR(acc);
        return 0;
}

static int stage_preflight(struct run *run) {
        _cleanup_free_ char *failures = NULL, *acc = NULL;
        struct check_list l = {};
        json_object *res = NULL;
        uint64_t t0 = now_ms();
        size_t n_failed = 0, n_warn = 0, n;
        bool k3s_installed = sysroot_access(run->cli->sr, K3S_MANIFEST, F_OK) >= 0;
        int r;

        r = run_preflight_checks(run, &l, &res);
        if (r == 0)
                r = judge_preflight(run, &l, k3s_installed, &n_failed, &failures, &acc);
        if (r != 0) {
                check_list_done(&l);
                if (r < 0)
                        return r;
                return stage_failed(run, BS_PREFLIGHT, r, t0, res,
                                    "run `nodeprep check k3s-prereq disk limits` to see why it fails",
                                    "checks could not run: %s", json_str_or(res, "error", "no result"));
        }
        for (size_t i = 0; i < l.n; i++)
                if (l.items[i].status == CHECK_WARN)
                        n_warn++;
        res = check_list_to_json(&l);
        n = l.n;
        check_list_done(&l);
        if (n_failed > 0)
                return stage_failed(run, BS_PREFLIGHT, EXIT_DRIFT, t0, res,
                                    "fix the failed checks (nodeprep check k3s-prereq disk limits), or accept them "
                                    "with --ignore-preflight NAME, then re-run",
                                    "%zu check(s) failed: %s", n_failed, failures);
        stage_done(run, BS_PREFLIGHT, STAGE_OK, t0, res, "%zu checks, %zu warning(s)%s%s%s", n, n_warn,
                   acc ? ", accepted: " : "", acc ? acc : "", k3s_installed ? " (K3s already installed)" : "");
        return 0;
}

/* The profile stage: tune_apply() as `nodeprep apply` runs it (same profile
 * lookup, guards, error lines naming "apply"), its result kept typed; the
 * stage records the JSON `apply --json` prints, or its error object. */
static int stage_profile(struct run *run) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_(tune_result_done) struct tune_result res = {};
        struct apply_options o = {};
        struct cli sub = *run->cli;
        json_object *err = NULL;
        uint64_t t0 = now_ms();
        int code;

        if (!run->a->profile) {
                stage_done(run, BS_PROFILE, STAGE_SKIPPED, t0, NULL, "--no-profile");
                return 0;
        }
        sub.command = "apply";
        sub.json = false;
        sub.error_capture = &err;
        code = tune_cli_apply(&sub, run->a->profile, &o, run->a->allow_netns, &p, &res);
        if (code != EXIT_OK)
                return stage_failed(run, BS_PROFILE, code, t0, err,
                                    code == EXIT_INVALID ? "fix the profile (nodeprep profile lint PROFILE), then re-run"
                                    : code == EXIT_NOT_PERMITTED ? "run as root on the host itself, then re-run"
                                    : "see `nodeprep plan PROFILE` for what was to change; nothing was left half "
                                      "applied; fix the cause and re-run",
                                    "apply %s: %s", run->a->profile, json_str_or(err, "error", "failed"));
        if (res.changed)
                stage_done(run, BS_PROFILE, STAGE_CHANGED, t0, tune_result_to_json(&res), "%s applied: %zu key(s) changed",
                           run->a->profile, tune_result_changed_keys(&res));
        else
                stage_done(run, BS_PROFILE, STAGE_DONE, t0, tune_result_to_json(&res), "%s already applied: no change",
                           run->a->profile);
        return 0;
}

static int stage_k3s(struct run *run) {
        struct k3s_result res;
        json_object *sub;
        uint64_t t0 = now_ms();
        int code, r;

        k3s_result_init(&res);
        r = k3s_install_with_args(run->cli->sr, &run->a->k3s, &res);
        code = k3s_install_conclude(r, &res);
        sub = k3s_result_to_json(&res);
        json_object_object_add(sub, "exit_code", json_object_new_int(code));   /* as k3s install --json */
        if (code != EXIT_OK)
                r = stage_failed(run, BS_K3S, code, t0, sub,
                                 code == EXIT_INVALID ? "fix the K3s options (nodeprep k3s install --help), then re-run"
                                 : code == EXIT_NOT_PERMITTED ? "run as root on a host booted with systemd"
                                 : "fix the cause above (network, release mirror, token, disk) and re-run the "
                                   "same command: stages already done are skipped",
                                 "k3s install: %s", k3s_error(&res) ? k3s_error(&res) : "failed");
        else if (res.changed)
                stage_done(run, BS_K3S, STAGE_CHANGED, t0, sub, "K3s %s %s installed%s", k3s_role_to_string(res.role),
                           res.version ? res.version : "?",
                           run->a->no_start ? " (not started: --no-start)" : " and started");
        else
                stage_done(run, BS_K3S, STAGE_DONE, t0, sub, "K3s %s %s already installed: no change",
                           k3s_role_to_string(res.role), res.version ? res.version : "?");
        k3s_result_done(&res);
        return code != EXIT_OK ? r : 0;
}

static int stage_ready(struct run *run) {
        struct k3s_result res;
        json_object *sub;
        uint64_t t0 = now_ms();
        int code, r;

        if (run->a->no_start) {
                stage_done(run, BS_READY, STAGE_SKIPPED, t0, NULL, "--no-start: K3s was not started");
                return 0;
        }
        k3s_result_init(&res);
        r = k3s_status(run->cli->sr, run->a->timeout_sec, &res);
        code = k3s_status_conclude(r, &res);
        sub = k3s_result_to_json(&res);
        json_object_object_add(sub, "exit_code", json_object_new_int(code));   /* as k3s status --json */
        if (code != EXIT_OK || !res.ready)
                r = stage_failed(run, BS_READY, EXIT_FAILED, t0, sub,
                                 "see `nodeprep k3s status` and `journalctl -u k3s`; re-run once the cause is "
                                 "fixed (a longer --timeout helps slow machines)",
                                 "K3s not ready after %u s: %s", run->a->timeout_sec,
                                 k3s_error(&res) ? k3s_error(&res) : "a rung of the ladder does not hold");
        else {
                stage_done(run, BS_READY, STAGE_OK, t0, sub, "K3s %s ready", k3s_role_to_string(res.role));
                r = 0;
        }
        k3s_result_done(&res);
        return r;
}

/* The domain is called directly: its result struct is the stage's record. */
static int stage_openfaas(struct run *run) {
        struct openfaas_result res;
        uint64_t t0 = now_ms();
        json_object *sub;
        int r;

        /* Without --openfaas the stage does not exist for this run (no line,
         * no entry), as the gateway's without --domain. */
        if (!run->a->openfaas)
                return 0;
        openfaas_result_init(&res);
        r = openfaas_install(run->cli->sr, &run->a->of, &res);
        sub = openfaas_result_to_json(&res);
        if (res.warning)
                fprintf(stderr, "nodeprep: warning: %s\n", res.warning);
        if (r < 0 || res.api_skipped) {
                _cleanup_free_ char *msg = strdup(res.error ? res.error : res.api_skipped ? "no Kubernetes API" : strerror(-r));

                openfaas_result_done(&res);
                return stage_failed(run, BS_OPENFAAS, r >= 0 ? EXIT_NOT_PERMITTED : cli_exit_code_for_fetched(r),
                                    t0, sub,
                                    "see `nodeprep openfaas status` (the failed rung says where), fix the cause and "
                                    "re-run the same command: stages already done are skipped",
                                    "openfaas install: %s", msg ? msg : "failed");
        }
        if (res.changed)
                stage_done(run, BS_OPENFAAS, STAGE_CHANGED, t0, sub, "OpenFaaS %s %s installed, gateway %s", res.edition,
                           res.chart_version ? res.chart_version : "?", res.gateway ? res.gateway : "?");
        else
                stage_done(run, BS_OPENFAAS, STAGE_DONE, t0, sub, "OpenFaaS %s already installed and ready: no change",
                           res.edition);
        openfaas_result_done(&res);
        return 0;
}

/* The gateway's domain function itself (not a command through stdout): its
 * result is the stage's sub-document. */
static int stage_gateway(struct run *run) {
        struct gateway_result res;
        uint64_t t0 = now_ms();
        json_object *sub;
        int r;

        /* Without --domain the stage does not exist for this run (no line,
         * no entry), so a bootstrap without a gateway reads as before. */
        if (!run->a->want_gateway)
                return 0;
        gateway_result_init(&res);
        r = gateway_apply(run->cli->sr, &run->a->gateway, &res);
        sub = gateway_result_to_json(&run->a->gateway, &res);
        if (r < 0) {
                int code = cli_exit_code_for(r);

                r = stage_failed(run, BS_GATEWAY, code, t0, sub,
                                 code == EXIT_NOT_PERMITTED ? "install nginx and certbot (the shipped cloud-init "
                                 "lists them), then re-run" : "see `nodeprep gateway verify` and "
                                 "`journalctl -u nginx`; re-run once the cause is fixed",
                                 "%s", res.error ? res.error : strerror(-r));
                gateway_result_done(&res);
                return r;
        }
        stage_done(run, BS_GATEWAY, res.changed ? STAGE_CHANGED : STAGE_DONE, t0, sub, "%s://%s %s (phase %d)",
                   run->a->gateway.tls == GATEWAY_TLS_NONE ? "http" : "https", run->a->gateway.domain, res.changed ? "configured" : "already configured: no change", res.phase);
        gateway_result_done(&res);
        return 0;
}

static int stage_service(struct run *run) {
        struct unit_state st = {};
        _cleanup_free_ char *result = NULL;
        uint64_t t0 = now_ms();
        int r;

        if (run->a->no_service) {
                stage_done(run, BS_SERVICE, STAGE_SKIPPED, t0, NULL, "--no-service");
                return 0;
        }
        if (!unit_manager_available(run->cli->sr)) {
                stage_done(run, BS_SERVICE, STAGE_SKIPPED, t0, NULL, "no systemd here: %s not started", SERVICE_UNIT);
                return 0;
        }
        r = unit_state_get(SERVICE_UNIT, 0, &st);
        if (r >= 0 && streq(st.active, "active") && streq(st.unit_file, "enabled")) {
                unit_state_done(&st);
                stage_done(run, BS_SERVICE, STAGE_DONE, t0, NULL, "%s already enabled and active", SERVICE_UNIT);
                return 0;
        }
        unit_state_done(&st);
        r = unit_enable_start(SERVICE_UNIT, false, SERVICE_TIMEOUT_SEC, &result);
        if (r < 0) {
                _cleanup_free_ char *journal = NULL;

                (void) unit_journal_tail(SERVICE_UNIT, 5, &journal);
                /* The unit's own last words say why, on one line. */
                for (char *p = journal; p && *p; p++)
                        if (*p == '\n')
                                *p = '|';
                return stage_failed(run, BS_SERVICE, EXIT_FAILED, t0, NULL,
                                    "is the nodeprep package installed (it ships nodeprep.service)? See "
                                    "`systemctl status nodeprep` and `journalctl -u nodeprep`, then re-run",
                                    "enable and start %s: %s%s%s%s", SERVICE_UNIT,
                                    r == -ETIMEDOUT ? "timed out" : r == -EIO && result ? "job " : strerror(-r),
                                    r == -EIO && result ? result : "", journal ? "; journal: " : "",
                                    journal ? journal : "");
        }
        stage_done(run, BS_SERVICE, STAGE_CHANGED, t0, NULL, "%s enabled and started", SERVICE_UNIT);
        return 0;
}

/* The report goes out after the result is final (it is the result). */
static int stage_report(struct run *run) {
        _cleanup_free_ char *err = NULL;
        const char *body;
        uint64_t t0 = now_ms();
        long status = 0;
        int r;

        body = json_object_to_json_string_ext(run->doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = body ? bootstrap_report_post(run->a->report_url, run->a->allow_http, body, REPORT_TIMEOUT_SEC,
                                         &status, &err)
                 : -ENOMEM;
        if (r < 0)
                return stage_failed(run, BS_REPORT, EXIT_FAILED, t0, NULL,
                                    "the node itself is done (see " BOOTSTRAP_RESULT_PATH "); re-run to send the "
                                    "report again",
                                    "%s", err ? err : strerror(-r));
        {
                _cleanup_free_ char *shown = url_redact(run->a->report_url);

                stage_done(run, BS_REPORT, STAGE_OK, t0, NULL, "POSTed to %s (HTTP %ld)",
                           shown ? shown : "--report-url", status);
        }
        return 0;
}

static void add_not_run(struct run *run, enum bootstrap_stage from) {
        /* The report is not a stage that can be "not run": failures are reported too. */
        for (enum bootstrap_stage s = from; s < BS_REPORT; s++)
                if ((s != BS_GATEWAY || run->a->want_gateway) && (s != BS_OPENFAAS || run->a->openfaas))
                        (void) bootstrap_stage_add(run->doc, s, STAGE_NOT_RUN, 0, "an earlier stage failed", NULL);
}

int cmd_bootstrap(struct cli *cli, int argc, char **argv) {
        static int (*const stages[])(struct run *) = {
                [BS_PREFLIGHT] = stage_preflight,
                [BS_PROFILE] = stage_profile,
                [BS_K3S] = stage_k3s,
                [BS_READY] = stage_ready,
                [BS_OPENFAAS] = stage_openfaas,
                [BS_GATEWAY] = stage_gateway,
                [BS_SERVICE] = stage_service,
        };
        struct bootstrap_args a;
        struct bootstrap_previous prev;
        struct run run = { .cli = cli, .a = &a, .progress = cli->json ? stderr : stdout, .start_ms = now_ms() };
        enum bootstrap_stage s;
        int r, w;

        r = parse_args(cli, argc, argv, &a);
        if (r != 0) {
                bootstrap_args_done(&a);
                return r;
        }
        r = cli_guard_root(cli, "must run as root");
        if (r != 0) {
                bootstrap_args_done(&a);
                return r;
        }
        run.doc = bootstrap_result_new(NODEPREP_VERSION, a.profile, a.role);
        if (!run.doc) {
                bootstrap_args_done(&a);
                return cli_error(cli, EXIT_FAILED, "out of memory");
        }
        r = bootstrap_previous_load(cli->sr, &prev);
        if (r == -EBADMSG || r == -EFBIG) {
                json_object_put(run.doc);
                bootstrap_args_done(&a);
                return cli_error(cli, EXIT_INVALID, "%s: not a result nodeprep wrote (%s); nothing was changed; "
                                 "remove it to start over", BOOTSTRAP_RESULT_PATH,
                                 r == -EFBIG ? "too big" : "bad JSON or an unknown field value");
        }
        if (r >= 0 && !prev.ok && prev.failed_stage[0])
                fprintf(run.progress, "bootstrap: resuming: the previous run failed at stage '%s'\n",
                        prev.failed_stage);

        for (s = BS_PREFLIGHT; s < BS_REPORT; s++) {
                r = stages[s](&run);
                if (r < 0)      /* not the stage's verdict: we could not even run it */
                        r = stage_failed(&run, s, EXIT_FAILED, now_ms(), NULL, "re-run; if it persists, report a bug",
                                         "%s", strerror(-r));
                if (r != 0)
                        break;
        }
        if (r != 0)
                add_not_run(&run, s + 1);
        bootstrap_result_finish(run.doc, run.exit_code, run.failed_stage, run.error, run.hint,
                                now_ms() - run.start_ms);
        if (r == 0 && a.report_url) {
                r = stage_report(&run);
                /* The document now says how the report went; keep it honest. */
                bootstrap_result_finish(run.doc, run.exit_code, run.failed_stage, run.error, run.hint,
                                        now_ms() - run.start_ms);
        } else if (r != 0 && a.report_url) {
                /* A provisioner wants to hear about failures most of all. */
                _cleanup_free_ char *err = NULL;
                const char *body = json_object_to_json_string_ext(run.doc, JSON_C_TO_STRING_PLAIN);

                if (body && bootstrap_report_post(a.report_url, a.allow_http, body, REPORT_TIMEOUT_SEC, NULL,
                                                  &err) < 0)
                        fprintf(stderr, "nodeprep: report not sent: %s\n", err ? err : "failed");
        }
        w = bootstrap_result_write(cli->sr, run.doc);
        if (w < 0) {
                fprintf(stderr, "nodeprep: cannot write %s: %s\n", BOOTSTRAP_RESULT_PATH, strerror(-w));
                if (run.exit_code == EXIT_OK)
                        run.exit_code = EXIT_FAILED;
        }
        if (cli->json)
                cli_print_result(cli, run.doc, NULL);
        else
                printf("bootstrap: %s%s (result: %s)\n", run.exit_code == EXIT_OK ? "done" : "FAILED",
                       run.exit_code == EXIT_OK ? (json_is_true(run.doc, "changed") ? ", changed" : ", no change") : "",
                       BOOTSTRAP_RESULT_PATH);
        r = run.exit_code;
        json_object_put(run.doc);
        free(run.error);
        bootstrap_args_done(&a);
        return r;
}
