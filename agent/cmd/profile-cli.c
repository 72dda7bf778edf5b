/* SPDX-License-Identifier: MIT */
/* profile list | show | lint */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../tune/profile.h"
#include "cli.h"

static int profile_list_cmd(struct cli *cli) {
        _cleanup_strv_free_ char **names = NULL, **files = NULL;
        json_object *result, *arr;
        int r;

        r = profile_list(cli->profile_path, &names, &files);
        if (r < 0)
                return cli_error(cli, EXIT_FAILED, "listing profiles failed: %s", strerror(-r));
        result = json_object_new_object();
        arr = json_object_new_array();
        json_object_object_add(result, "profiles", arr);
        for (size_t i = 0; names[i]; i++) {
                _cleanup_profile_ struct profile *p = NULL;
                _cleanup_free_ char *error = NULL;
                json_object *o = json_object_new_object();

                /* With the search path, so includes resolve as lint, show and apply resolve them. */
                r = profile_load(files[i], cli->profile_path, &p, &error);
                json_object_object_add(o, "name", json_object_new_string(names[i]));
                json_object_object_add(o, "file", json_object_new_string(files[i]));
                if (r >= 0)
                        json_object_object_add(o, "description",
                                               json_object_new_string(p->description ? p->description : ""));
                else
                        json_object_object_add(o, "error", json_object_new_string(error ? error : strerror(-r)));
                json_object_array_add(arr, o);
                if (!cli->json)
                        printf("%-20s %s\n", names[i], r >= 0 ? (p->description ? p->description : "") :
                               "(invalid: see nodeprep profile lint)");
        }
        if (cli->json)
                cli_print_result(cli, result, NULL);
        json_object_put(result);
        return EXIT_OK;
}

static json_object *profile_json(const struct profile *p) {
        json_object *o = json_object_new_object(), *keys = json_object_new_array(), *chain = json_object_new_array();
        json_object *mods = json_object_new_array();

        json_object_object_add(o, "name", json_object_new_string(p->name));
        json_object_object_add(o, "description", json_object_new_string(p->description ? p->description : ""));
        json_object_object_add(o, "file", json_object_new_string(p->file));
        for (size_t i = 0; p->chain && p->chain[i]; i++)
                json_object_array_add(chain, json_object_new_string(p->chain[i]));
        json_object_object_add(o, "chain", chain);
        for (size_t i = 0; i < p->n_entries; i++) {
                const struct profile_entry *e = &p->entries[i];
                json_object *k = json_object_new_object();

                json_object_object_add(k, "key", json_object_new_string(e->key));
                json_object_object_add(k, "value", json_object_new_string(e->value));
                json_object_object_add(k, "modifier", json_object_new_string(modifier_to_string(e->mod)));
                json_object_object_add(k, "unchecked", json_object_new_boolean(e->unchecked));
                json_object_object_add(k, "scope", json_object_new_string(
                                               e->known ? key_scope_to_string(e->known->scope) : "unknown"));
                json_object_object_add(k, "owner", json_object_new_string(
                                               e->known ? key_owner_to_string(e->known->owner) : "unknown"));
                json_object_object_add(k, "origin", json_object_new_string(e->origin.file));
                json_object_object_add(k, "line", json_object_new_int((int) e->origin.line));
                json_object_array_add(keys, k);
        }
        json_object_object_add(o, "sysctl", keys);
        for (size_t i = 0; p->modules && p->modules[i]; i++)
                json_object_array_add(mods, json_object_new_string(p->modules[i]));
        json_object_object_add(o, "modules", mods);
        if (p->nofile)
                json_object_object_add(o, "nofile", json_object_new_int64((int64_t) p->nofile));
        return o;
}

static void human_show(json_object *o) {
        json_object *v, *arr;

        json_object_object_get_ex(o, "name", &v);
        printf("[profile]  ; %s\n", json_object_get_string(v));
        json_object_object_get_ex(o, "description", &v);
        printf("description = %s\n", json_object_get_string(v));
        json_object_object_get_ex(o, "chain", &arr);
        for (size_t i = 0; i < json_object_array_length(arr); i++)
                printf("; merged: %s\n", json_object_get_string(json_object_array_get_idx(arr, i)));
        printf("\n[sysctl]\n");
        json_object_object_get_ex(o, "sysctl", &arr);
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *k = json_object_array_get_idx(arr, i), *key, *val, *mod, *orig, *line, *scope, *owner;
                const char *m;

                json_object_object_get_ex(k, "key", &key);
                json_object_object_get_ex(k, "value", &val);
                json_object_object_get_ex(k, "modifier", &mod);
                json_object_object_get_ex(k, "origin", &orig);
                json_object_object_get_ex(k, "line", &line);
                json_object_object_get_ex(k, "scope", &scope);
                json_object_object_get_ex(k, "owner", &owner);
                m = json_object_get_string(mod);
                printf("%s = %s%s  ; %s, owner %s, from %s:%d\n", json_object_get_string(key),
                       streq(m, ">=") || streq(m, "<=") ? m : "",
                       streq(m, "auto") ? "auto" : json_object_get_string(val), json_object_get_string(scope),
                       json_object_get_string(owner), json_object_get_string(orig), json_object_get_int(line));
        }
        json_object_object_get_ex(o, "modules", &arr);
        if (json_object_array_length(arr) > 0) {
                printf("\n[modules]\nload =");
                for (size_t i = 0; i < json_object_array_length(arr); i++)
                        printf(" %s", json_object_get_string(json_object_array_get_idx(arr, i)));
                printf("\n");
        }
        if (json_object_object_get_ex(o, "nofile", &v))
                printf("\n[limits]\nnofile = %s\n", json_object_get_string(v));
}

static int profile_show_cmd(struct cli *cli, const char *name) {
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_free_ char *error = NULL;
        json_object *o;
        int r;

        r = profile_load(name, cli->profile_path, &p, &error);
        if (r < 0)
                return cli_error(cli, EXIT_INVALID, "%s", error ? error : strerror(-r));
        o = profile_json(p);
        cli_print_result(cli, o, human_show);
        json_object_put(o);
        return EXIT_OK;
}

/* Parse and validate only; the live system is not consulted. */
static int profile_lint_cmd(struct cli *cli, int n, char **names) {
        json_object *result = json_object_new_object(), *arr = json_object_new_array();
        int worst = EXIT_OK;

        json_object_object_add(result, "profiles", arr);
        for (int i = 0; i < n; i++) {
                _cleanup_profile_ struct profile *p = NULL;
                _cleanup_free_ char *error = NULL;
                _cleanup_strv_free_ char **advice = NULL;
                json_object *o = json_object_new_object(), *warn = json_object_new_array();
                int r;

                r = profile_load(names[i], cli->profile_path, &p, &error);
                if (r >= 0)
                        r = profile_check_invariants(p, NULL, NULL, &error);
                if (r >= 0)
                        r = profile_advisories(p, NULL, NULL, &advice);
                json_object_object_add(o, "profile", json_object_new_string(names[i]));
                json_object_object_add(o, "ok", json_object_new_boolean(r >= 0));
                if (r < 0) {
                        json_object_object_add(o, "error", json_object_new_string(error ? error : strerror(-r)));
                        fprintf(stderr, "nodeprep: %s\n", error ? error : strerror(-r));
                        worst = EXIT_INVALID;
                }
                for (size_t j = 0; advice && advice[j]; j++) {
                        json_object_array_add(warn, json_object_new_string(advice[j]));
                        if (!cli->json)
                                printf("%s: warning: %s\n", names[i], advice[j]);
                }
                json_object_object_add(o, "warnings", warn);
                json_object_array_add(arr, o);
                if (r >= 0 && !cli->json)
                        printf("%s: profile OK\n", names[i]);
        }
        json_object_object_add(result, "ok", json_object_new_boolean(worst == EXIT_OK));
        if (cli->json)
                cli_print_result(cli, result, NULL);
        json_object_put(result);
        return worst;
}

static const struct cli_verb profile_subcommands[] = {
        { .name = "list", .summary = "The profiles on the profile path, with their descriptions" },
        { .name = "show", .args = "PROFILE", .summary = "The resolved profile: includes merged, origin of every key",
          .complete_args = CLI_COMPLETE_PROFILE },
        { .name = "lint", .args = "FILE|PROFILE...", .summary = "Parse and validate only; touches nothing",
          .complete_args = CLI_COMPLETE_PROFILE },
        {},
};

const struct cli_verb profile_verb = {
        .name = "profile",
        .summary = "List, show and lint sysctl profiles",
        .subcommands = profile_subcommands,
};

int cmd_profile(struct cli *cli, int argc, char **argv) {
        if (argc >= 2 && streq(argv[1], "list") && argc == 2)
                return profile_list_cmd(cli);
        if (argc == 3 && streq(argv[1], "show"))
                return profile_show_cmd(cli, argv[2]);
        if (argc >= 3 && streq(argv[1], "lint"))
                return profile_lint_cmd(cli, argc - 2, argv + 2);
        return cli_error(cli, EXIT_INVALID, "expected list, show PROFILE or lint FILE|PROFILE...");
}
