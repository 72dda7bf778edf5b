/* SPDX-License-Identifier: MIT */
/* plan, apply, verify, rollback: argument handling, guards, output. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../tune/engine.h"
#include "../tune/profile.h"
#include "cli.h"
#include "guard.h"
#include "tune-cli.h"
#include "tune-json.h"

static void print_warnings(char * const *warnings) {
        for (size_t i = 0; warnings && warnings[i]; i++)
                printf("warning: %s\n", warnings[i]);
}

static void print_files(const struct tune_file_result *files, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("file   %-6s %s\n", tune_file_action_to_string(files[i].action), files[i].path);
}

static void print_modules(const struct tune_result *r) {
        for (size_t i = 0; i < r->n_modules; i++) {
                const struct tune_module_result *m = &r->modules[i];

                printf("module %-6s %s (%s%s%s)\n", m->load ? "load" : "keep", m->name,
                       module_state_to_string(m->before), m->after ? " -> " : "", m->after ? m->after : "");
        }
}

static void human_plan(const struct tune_result *r) {
        printf("profile %s\n", r->profile);
        printf("%-42s %-16s %-16s %-18s %-10s %s\n", "KEY", "LIVE", "DESIRED", "ACTION", "SCOPE", "AT BOOT");
        for (size_t i = 0; i < r->n_keys; i++) {
                const struct tune_key_result *k = &r->keys[i];
                const char *over = k->overridden_by;

                printf("%-42s %-16s %-16s %-18s %-10s %s%s\n", k->key, k->before ? k->before : "(missing)",
                       k->desired ? k->desired : "-", tune_action_to_string(k->action),
                       k->known ? key_scope_to_string(k->known->scope) : "unknown",
                       over ? "OVERRIDDEN by " : "", over ? over : k->boot_file ? k->boot_file : "-");
        }
        print_modules(r);
        print_files(r->files, r->n_files);
        print_warnings(r->warnings);
        if (r->run != TUNE_RUN_APPLY)
                printf("%s\n", r->would_change ? "would change the system" : "no change needed");
        else
                printf("%s\n", r->changed ? "changed" : "no change");
}

static void human_verify_entries(const struct tune_verify_entry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%-18s %-42s expected %-16s live %s\n", tune_sync_to_string(e[i].status), e[i].name,
                       e[i].expected ? e[i].expected : "-", e[i].live ? e[i].live : "(missing)");
}

static void human_verify(const struct tune_verify_result *r) {
        printf("profile %s\n", r->profile ? r->profile : "?");
        human_verify_entries(r->keys, r->n_keys);
        human_verify_entries(r->files, r->n_files);
        human_verify_entries(r->modules, r->n_modules);
        printf("%s\n", r->n_drifted == 0 ? "in sync" : "DRIFT");
}

static void human_rollback(const struct tune_rollback_result *r) {
        for (size_t i = 0; i < r->n_keys; i++) {
                const struct tune_rollback_key *k = &r->keys[i];

                printf("%-8s %-42s %s -> %s\n", k->restore ? "restore" : "keep", k->key,
                       k->before ? k->before : "(missing)", k->after);
        }
        print_files(r->files, r->n_files);
        if (!r->journal)
                printf("no originals journalled: nothing to restore\n");
        printf("%s\n", r->changed ? "changed" : "no change");
}

/* --json: the rendered object; else the table. */
static int print_json(const struct cli *cli, json_object *o) {
        if (!o)
                return cli_error(cli, EXIT_FAILED, "out of memory");
        cli_print_result(cli, o, NULL);
        json_object_put(o);
        return EXIT_OK;
}

static int load_profile(struct cli *cli, const char *name, struct profile **ret) {
        _cleanup_free_ char *error = NULL;
        int r = profile_load(name, cli->profile_path, ret, &error);

        if (r < 0)
                return cli_error(cli, EXIT_INVALID, "%s", error ? error : strerror(-r));
        return 0;
}

static int usage_error(struct cli *cli, const char *what) {
        return cli_error(cli, EXIT_INVALID, "%s", what);
}


const struct cli_verb plan_verb = {
        .name = "plan",
        .args = "PROFILE",
        .summary = "Per key: live value, desired value, action, scope, and the file that wins at boot",
        .complete_args = CLI_COMPLETE_PROFILE,
};

static const struct cli_option apply_options[] = {
        { "dry-run", no_argument, 'n', NULL, "compute the change and write nothing", NULL },
        { "no-persist", no_argument, 'P', NULL, "change the live values only", NULL },
        { "strict", no_argument, 's', NULL, "fail when a key is missing from this kernel", NULL },
        { "allow-netns", no_argument, 'N', NULL, "outside the host network namespace: write per-netns keys only",
          NULL },
        CLI_OPTION_END,
};

const struct cli_verb apply_verb = {
        .name = "apply",
        .args = "PROFILE",
        .summary = "Load modules, write the sysctls in a safe order (all or nothing), read back, persist",
        .options = apply_options,
        .complete_args = CLI_COMPLETE_PROFILE,
};

const struct cli_verb verify_verb = {
        .name = "verify",
        .summary = "Compare the live system with the applied profile (exit 3 on drift)",
};

static const struct cli_option rollback_options[] = {
        { "dry-run", no_argument, 'n', NULL, "show what would be restored and write nothing", NULL },
        { "allow-netns", no_argument, 'N', NULL, "outside the host network namespace: per-netns keys only", NULL },
        CLI_OPTION_END,
};

const struct cli_verb rollback_verb = {
        .name = "rollback",
        .summary = "Restore the values found before the first apply and remove nodeprep's files",
        .options = rollback_options,
};

int cmd_plan(struct cli *cli, int argc, char **argv) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_(tune_result_done) struct tune_result result = {};
        _cleanup_free_ char *error = NULL;
        int r;

        if (argc != 2)
                return usage_error(cli, "expected one PROFILE");
        r = load_profile(cli, argv[1], &p);
        if (r != 0)
                return r;
        r = tune_plan(cli->sr, p, &result, &error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        if (cli->json)
                return print_json(cli, tune_result_to_json(&result));
        human_plan(&result);
        return EXIT_OK;
}

int tune_cli_apply(struct cli *cli, const char *name, struct apply_options *o, bool allow_netns,
                   struct profile **ret_profile, struct tune_result *ret) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = load_profile(cli, name, &p);
        if (r != 0)
                return r;
        if (!o->dry_run) {
                r = cli_guard_sysctl_write(cli, allow_netns, &o->only_per_netns);
                if (r != 0)
                        return r;
        }
        r = tune_apply(cli->sr, p, o, ret, &error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        *ret_profile = TAKE_PTR(p);
        return EXIT_OK;
}

int cmd_apply(struct cli *cli, int argc, char **argv) {
        struct apply_options o = {};
        bool allow_netns = false;
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_(tune_result_done) struct tune_result result = {};
        int c, r;

        /* No '+': options may follow the profile, as the contract writes them. */
        optind = 0;
        while ((c = cli_getopt(argc, argv, "", apply_options)) >= 0)
                switch (c) {
                case 'n': o.dry_run = true; break;
                case 'P': o.no_persist = true; break;
                case 's': o.strict = true; break;
                case 'N': allow_netns = true; break;
                default: return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        if (optind != argc - 1)
                return usage_error(cli, "expected one PROFILE");
        r = tune_cli_apply(cli, argv[optind], &o, allow_netns, &p, &result);
        if (r != EXIT_OK)
                return r;
        if (cli->json)
                return print_json(cli, tune_result_to_json(&result));
        human_plan(&result);
        return EXIT_OK;
}

static void print_drift(const struct tune_verify_result *r) {
        _cleanup_free_ const char **drifted = NULL;

        if (tune_verify_drifted(r, &drifted) < 0)
                return;
        fprintf(stderr, "nodeprep: drift:");
        for (size_t i = 0; drifted[i]; i++)
                fprintf(stderr, " %s", drifted[i]);
        fputc('\n', stderr);
}

int cmd_verify(struct cli *cli, int argc, char **argv) {
        _cleanup_(tune_verify_result_done) struct tune_verify_result result = {};
        _cleanup_free_ char *error = NULL;
        bool drift;
        int r;

        (void) argv;
        if (argc != 1)
                return usage_error(cli, "takes no arguments");
        r = tune_verify(cli->sr, &result, &error);
        if (r == -ENOENT)
                return cli_error(cli, EXIT_DRIFT, "%s", error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        drift = result.n_drifted > 0;
        if (cli->json) {
                r = print_json(cli, tune_verify_result_to_json(&result));
                if (r != EXIT_OK)
                        return r;
        } else {
                human_verify(&result);
                fflush(stdout);
                if (drift)
                        print_drift(&result);
        }
        return drift ? EXIT_DRIFT : EXIT_OK;
}

int cmd_rollback(struct cli *cli, int argc, char **argv) {
        bool dry_run = false, allow_netns = false, only_per_netns = false;
        _cleanup_(tune_rollback_result_done) struct tune_rollback_result result = {};
        _cleanup_free_ char *error = NULL;
        int c, r;

        /* No '+': options may follow the profile, as the contract writes them. */
        optind = 0;
        while ((c = cli_getopt(argc, argv, "", rollback_options)) >= 0)
                switch (c) {
                case 'n': dry_run = true; break;
                case 'N': allow_netns = true; break;
                default: return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        if (optind != argc)
                return usage_error(cli, "takes no arguments");
        if (!dry_run) {
                r = cli_guard_sysctl_write(cli, allow_netns, &only_per_netns);
                if (r != 0)
                        return r;
        }
        r = tune_rollback(cli->sr, dry_run, only_per_netns, &result, &error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        if (cli->json)
                return print_json(cli, tune_rollback_result_to_json(&result));
        human_rollback(&result);
        return EXIT_OK;
}
