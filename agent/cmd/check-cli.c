/* SPDX-License-Identifier: MIT */
/* check [GROUP...]: run the node checks, print a table or JSON, exit 3 when
 * any check failed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/log.h"
#include "../basic/parse.h"
#include "../verdict/check-groups.h"
#include "check-cli.h"
#include "cli.h"

static json_object *str_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

json_object *check_list_to_json(const struct check_list *l) {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();

        for (size_t i = 0; i < l->n; i++) {
                const struct check_item *it = &l->items[i];
                json_object *c = json_object_new_object();

                json_object_object_add(c, "group", json_object_new_string(it->group));
                json_object_object_add(c, "name", json_object_new_string(it->name));
                json_object_object_add(c, "status", json_object_new_string(check_status_to_string(it->status)));
                json_object_object_add(c, "reason", json_object_new_string(it->reason));
                json_object_object_add(c, "evidence", str_or_null(it->evidence));
                json_object_object_add(c, "hint", str_or_null(it->hint));
                json_object_array_add(arr, c);
        }
        json_object_object_add(o, "checks", arr);
        json_object_object_add(o, "failed", json_object_new_int64((int64_t) check_list_failed(l)));
        return o;
}

static const char *get(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return NULL;
        return json_object_get_string(v);
}

static void human(json_object *result) {
        json_object *arr, *v;
        bool verbose = log_get_max_level() >= LOG_LEVEL_DEBUG;
        unsigned counts[5] = {};
        static const char *const names[] = { "ok", "warn", "fail", "n/a", "unknown" };

        if (!json_object_object_get_ex(result, "checks", &arr))
                return;
        printf("%-10s %-18s %-8s %s\n", "GROUP", "CHECK", "STATUS", "REASON");
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                json_object *c = json_object_array_get_idx(arr, i);
                const char *st = get(c, "status"), *hint = get(c, "hint"), *ev = get(c, "evidence");

                if (!st)
                        st = "?";
                printf("%-10s %-18s %-8s %s\n", get(c, "group"), get(c, "name"), st, get(c, "reason"));
                if (hint && (streq(st, "fail") || streq(st, "warn")))
                        printf("%-38s hint: %s\n", "", hint);
                if (verbose && ev)
                        printf("%-38s evidence: %s\n", "", ev);
                for (size_t k = 0; k < ELEMENTSOF(names); k++)
                        if (streq(st, names[k]))
                                counts[k]++;
        }
        printf("%u ok, %u warn, %u failed, %u n/a, %u unknown\n", counts[0], counts[1],
               json_object_object_get_ex(result, "failed", &v) ? (unsigned) json_object_get_int(v) : counts[2],
               counts[3], counts[4]);
}

static const char *check_group_word(size_t i) {
        for (size_t j = 0; check_groups[j].name; j++)
                if (j == i)
                        return check_groups[j].name;
        return NULL;
}

static const struct cli_option check_options[] = {
        { "latency", no_argument, 'l', NULL, "also measure the data disk's write+fdatasync latency", NULL },
        { "role", required_argument, 'r', "ROLE", "server (default) or agent: which K3s ports must be free",
          "server agent" },
        { "data-dir", required_argument, 'd', "DIR", "the data directory whose disk is checked", CLI_COMPLETE_DIR },
        { "steal-window", required_argument, 's', "MS", "how long to sample CPU steal, 0-60000 ms", NULL },
        CLI_OPTION_END,
};

const struct cli_verb check_verb = {
        .name = "check",
        .args = "[GROUP...]",
        .summary = "Node checks (exit 3 when an item failed)",
        .description = "Every item is ok, warn, fail, n/a or unknown, with the reason, the evidence and a hint.\n"
                       "No GROUP: every group.",
        .options = check_options,
        .arg_word = check_group_word,
};

static int parse_options(struct cli *cli, int argc, char **argv, struct check_options *o) {
        uint64_t ms;
        int c;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "", check_options)) >= 0)
                switch (c) {
                case 'l': o->latency = true; break;
                case 'r':
                        if (!streq(optarg, "server") && !streq(optarg, "agent"))
                                return cli_error(cli, EXIT_INVALID, "--role: expected server or agent, got '%s'", optarg);
                        o->role = optarg;
                        break;
                case 'd':
                        if (optarg[0] != '/')
                                return cli_error(cli, EXIT_INVALID, "--data-dir: an absolute path is required");
                        o->data_dir = optarg;
                        break;
                case 's':
                        if (safe_atou64(optarg, &ms) < 0 || ms > 60000)
                                return cli_error(cli, EXIT_INVALID, "--steal-window: milliseconds, 0-60000");
                        o->steal_window_ms = (unsigned) ms;
                        break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        for (int i = optind; i < argc; i++)
                if (!check_group_find(argv[i]))
                        return cli_error(cli, EXIT_INVALID, "unknown group '%s'", argv[i]);
        return 0;
}

/* No GROUP arguments: every group. */
static bool wanted(const char *group, int argc, char **argv) {
        if (optind >= argc)
                return true;
        for (int i = optind; i < argc; i++)
                if (streq(argv[i], group))
                        return true;
        return false;
}

int cmd_check(struct cli *cli, int argc, char **argv) {
        struct check_options o = { .role = "server", .steal_window_ms = CHECK_DEFAULT_STEAL_WINDOW_MS,
                                   .thresholds = &verdict_thresholds_default };
        _cleanup_free_ char *k3s_data_dir = NULL;
        struct check_list l = {};
        json_object *result;
        size_t failed;
        int r;

        r = parse_options(cli, argc, argv, &o);
        if (r != 0)
                return r;
        /* No --data-dir: the one K3s uses, as serve does. */
        if (!o.data_dir) {
                r = verdict_k3s_data_dir(cli->sr, &k3s_data_dir);
                if (r < 0)
                        return cli_error(cli, EXIT_FAILED, "the K3s data dir: %s", strerror(-r));
                o.data_dir = k3s_data_dir;
        }
        check_steal_window_start(cli->sr, &o);
        for (const struct check_group *g = check_groups; g->name; g++) {
                if (!wanted(g->name, argc, argv))
                        continue;
                r = g->fn(cli->sr, &o, &l);
                if (r < 0) {
                        check_list_done(&l);
                        return cli_error(cli, EXIT_FAILED, "check %s: %s", g->name, strerror(-r));
                }
        }
        /* Steal last: its window is the whole run (plus --steal-window). */
        if (wanted("virt", argc, argv)) {
                r = check_virt_steal(cli->sr, &o, &l);
                if (r >= 0)
                        r = check_list_sort_groups(&l);
                if (r < 0) {
                        check_list_done(&l);
                        return cli_error(cli, EXIT_FAILED, "check virt: %s", strerror(-r));
                }
        }
        failed = check_list_failed(&l);
        result = check_list_to_json(&l);
        check_list_done(&l);
        cli_print_result(cli, result, human);
        json_object_put(result);
        return failed ? EXIT_DRIFT : EXIT_OK;
}
