/* SPDX-License-Identifier: MIT */
/* plan, apply, verify, rollback: argument handling, guards, output. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/json-util.h"
#include "../tune/engine.h"
#include "../tune/profile.h"
#include "cli.h"
#include "guard.h"

static void print_warnings(json_object *result) {
        json_object *w;

        if (!json_object_object_get_ex(result, "warnings", &w))
                return;
        for (size_t i = 0; i < json_object_array_length(w); i++)
                printf("warning: %s\n", json_object_get_string(json_object_array_get_idx(w, i)));
}

static void print_files(json_object *result) {
        json_object *files;

        if (!json_object_object_get_ex(result, "files", &files))
                return;
        for (size_t i = 0; i < json_object_array_length(files); i++) {
                json_object *f = json_object_array_get_idx(files, i);

                printf("file   %-6s %s\n", json_str_or(f, "action", "?"), json_str_or(f, "path", "?"));
        }
}

static void print_modules(json_object *result) {
        json_object *mods;

        if (!json_object_object_get_ex(result, "modules", &mods))
                return;
        for (size_t i = 0; i < json_object_array_length(mods); i++) {
                json_object *m = json_object_array_get_idx(mods, i);

                printf("module %-6s %s (%s%s%s)\n", json_str_or(m, "action", "?"), json_str_or(m, "name", "?"),
                       json_str_or(m, "before", "?"), json_object_object_get_ex(m, "after", NULL) ? " -> " : "",
                       json_str_or(m, "after", ""));
        }
}

static void human_plan(json_object *result) {
        json_object *keys;
        bool changed = json_is_true(result, "changed");
        bool would = json_is_true(result, "would_change");

        printf("profile %s\n", json_str_or(result, "profile", "?"));
        printf("%-42s %-16s %-16s %-18s %-10s %s\n", "KEY", "LIVE", "DESIRED", "ACTION", "SCOPE", "AT BOOT");
        if (json_object_object_get_ex(result, "keys", &keys))
                for (size_t i = 0; i < json_object_array_length(keys); i++) {
                        json_object *k = json_object_array_get_idx(keys, i);
                        const char *over = json_str_or(k, "overridden_by", NULL);

                        printf("%-42s %-16s %-16s %-18s %-10s %s%s\n", json_str_or(k, "key", "?"),
                               json_str_or(k, "before", "(missing)"), json_str_or(k, "desired", "-"),
                               json_str_or(k, "action", "?"), json_str_or(k, "scope", "?"),
                               over ? "OVERRIDDEN by " : "", over ? over : json_str_or(k, "boot_file", "-"));
                }
        print_modules(result);
        print_files(result);
        print_warnings(result);
        if (json_object_object_get_ex(result, "would_change", NULL))
                printf("%s\n", would ? "would change the system" : "no change needed");
        else
                printf("%s\n", changed ? "changed" : "no change");
}

static void human_verify(json_object *result) {
        static const char *const groups[] = { "keys", "files", "modules" };
        static const char *const names[] = { "key", "path", "name" };

        printf("profile %s\n", json_str_or(result, "profile", "?"));
        for (size_t g = 0; g < ELEMENTSOF(groups); g++) {
                json_object *arr;

                if (!json_object_object_get_ex(result, groups[g], &arr))
                        continue;
                for (size_t i = 0; i < json_object_array_length(arr); i++) {
                        json_object *e = json_object_array_get_idx(arr, i);

                        printf("%-18s %-42s expected %-16s live %s\n", json_str_or(e, "status", "?"),
                               json_str_or(e, names[g], "?"), json_str_or(e, "expected", "-"), json_str_or(e, "live", "(missing)"));
                }
        }
        printf("%s\n", json_is_true(result, "in_sync") ?
               "in sync" : "DRIFT");
}

static void human_rollback(json_object *result) {
        json_object *keys, *v;

        if (json_object_object_get_ex(result, "keys", &keys))
                for (size_t i = 0; i < json_object_array_length(keys); i++) {
                        json_object *k = json_object_array_get_idx(keys, i);

                        printf("%-8s %-42s %s -> %s\n", json_str_or(k, "action", "?"), json_str_or(k, "key", "?"),
                               json_str_or(k, "before", "(missing)"), json_str_or(k, "after", "?"));
                }
        print_files(result);
        if (json_object_object_get_ex(result, "journal", &v) && !json_object_get_boolean(v))
                printf("no originals journalled: nothing to restore\n");
        printf("%s\n", json_is_true(result, "changed") ?
               "changed" : "no change");
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
        _cleanup_free_ char *error = NULL;
        json_object *result = NULL;
        int r;

        if (argc != 2)
                return usage_error(cli, "expected one PROFILE");
        r = load_profile(cli, argv[1], &p);
        if (r != 0)
                return r;
        r = tune_plan(cli->sr, p, &result, &error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        cli_print_result(cli, result, human_plan);
        json_object_put(result);
        return EXIT_OK;
}

int cmd_apply(struct cli *cli, int argc, char **argv) {
        struct apply_options o = {};
        bool allow_netns = false;
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;
        json_object *result = NULL;
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
        r = load_profile(cli, argv[optind], &p);
        if (r != 0)
                return r;
        if (!o.dry_run) {
                r = cli_guard_sysctl_write(cli, allow_netns, &o.only_per_netns);
                if (r != 0)
                        return r;
        }
        r = tune_apply(cli->sr, p, &o, &result, &error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        cli_print_result(cli, result, human_plan);
        json_object_put(result);
        return EXIT_OK;
}

int cmd_verify(struct cli *cli, int argc, char **argv) {
        _cleanup_free_ char *error = NULL;
        json_object *result = NULL;
        bool drift = false;
        int r;

        (void) argv;
        if (argc != 1)
                return usage_error(cli, "takes no arguments");
        r = tune_verify(cli->sr, &result, &drift, &error);
        if (r == -ENOENT)
                return cli_error(cli, EXIT_DRIFT, "%s", error);
        if (r < 0)
                return cli_error(cli, cli_exit_code_for(r), "%s", error ? error : strerror(-r));
        cli_print_result(cli, result, human_verify);
        if (drift && !cli->json) {
                json_object *d;

                json_object_object_get_ex(result, "drifted", &d);
                fprintf(stderr, "nodeprep: drift:");
                for (size_t i = 0; i < json_object_array_length(d); i++)
                        fprintf(stderr, " %s", json_object_get_string(json_object_array_get_idx(d, i)));
                fputc('\n', stderr);
        }
        json_object_put(result);
        return drift ? EXIT_DRIFT : EXIT_OK;
}

int cmd_rollback(struct cli *cli, int argc, char **argv) {
        bool dry_run = false, allow_netns = false, only_per_netns = false;
        _cleanup_free_ char *error = NULL;
        json_object *result = NULL;
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
        cli_print_result(cli, result, human_rollback);
        json_object_put(result);
        return EXIT_OK;
}
