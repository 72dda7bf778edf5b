/* SPDX-License-Identifier: MIT */
/* The typed results of plan, apply, verify and rollback: filling them from a
 * plan, their names, and freeing them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "engine-internal.h"
#include "engine.h"

const char *tune_action_to_string(enum tune_action a) {
        switch (a) {
        case TUNE_ACTION_SET: return "set";
        case TUNE_ACTION_KEEP: return "keep";
        case TUNE_ACTION_AT_LEAST_SATISFIED: return "at-least-satisfied";
        case TUNE_ACTION_AT_MOST_SATISFIED: return "at-most-satisfied";
        case TUNE_ACTION_OWNED_ELSEWHERE: return "owned-elsewhere";
        case TUNE_ACTION_MISSING: return "missing";
        }
        return "?";
}

const char *tune_file_action_to_string(enum tune_file_action a) {
        switch (a) {
        case TUNE_FILE_KEEP: return "keep";
        case TUNE_FILE_WRITE: return "write";
        case TUNE_FILE_REMOVE: return "remove";
        case TUNE_FILE_NOT_OURS: return "keep (not ours)";
        }
        return "?";
}

const char *tune_sync_to_string(enum tune_sync s) {
        switch (s) {
        case TUNE_SYNC_IN_SYNC: return "in-sync";
        case TUNE_SYNC_MISSING: return "missing";
        case TUNE_SYNC_DRIFT: return "drift";
        case TUNE_SYNC_OVERRIDDEN_AT_BOOT: return "overridden-at-boot";
        case TUNE_SYNC_MODIFIED: return "modified";
        }
        return "?";
}

static void key_from_item(const struct plan *pl, const struct item *it, struct tune_key_result *k) {
        const char *ours = strrchr(NODEPREP_SYSCTL_DROPIN, '/') + 1;
        const struct profile_entry *e = it->e;
        const char *boot = boot_config_winner(pl->boot, e->key, NULL);
        const char *over = it->persist ? boot_config_overrider(pl->boot, e->key, ours) : NULL;

        *k = (struct tune_key_result) {
                .key = e->key,
                .before = it->live,
                .after = it->action == TUNE_ACTION_SET ? it->target : it->live,
                .action = it->action,
                .known = e->known,
                .boot_file = it->persist && !over ? NODEPREP_SYSCTL_DROPIN : over ? over : boot,
                .overridden_by = over,
                .procps_overridden_by = it->persist ? boot_config_procps_overrider(pl->boot, e->key) : NULL,
                .origin = e->origin.file,
                .line = e->origin.line,
        };
        (void) profile_entry_format(e, &k->desired);
}

static void files_from_plan(const struct plan *pl, struct tune_result *r) {
        for (int f = 0; f < _PERSIST_MAX; f++) {
                const struct file_plan *fp = &pl->files[f];

                if (!fp->content && !(fp->exists && fp->ours))
                        continue;
                r->files[r->n_files++] = (struct tune_file_result) {
                        .path = fp->path,
                        .action = !fp->change ? TUNE_FILE_KEEP : fp->content ? TUNE_FILE_WRITE : TUNE_FILE_REMOVE,
                };
        }
}

/* The modules as planned: their state now, and whether apply loads them. */
static int planned_modules(const struct sysroot *sr, const struct profile *p, struct tune_result *r) {
        size_t n = strv_length(p->modules);

        r->modules = calloc(n + 1, sizeof(*r->modules));
        if (!r->modules)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                enum module_state st = module_state_get(sr, p->modules[i]);

                r->modules[i] = (struct tune_module_result) {
                        .name = p->modules[i], .before = st, .load = st == MODULE_NOT_LOADED,
                };
        }
        r->n_modules = n;
        return 0;
}

int tune_result_from_plan(const struct sysroot *sr, struct plan *pl, enum tune_run run,
                          struct tune_module_result *modules, size_t n_modules, struct tune_result *ret) {
        _cleanup_(tune_result_done) struct tune_result r = { .run = run, .profile = pl->p->name };
        bool change = false;
        int k;

        if (run == TUNE_RUN_APPLY) {
                r.modules = modules;
                r.n_modules = n_modules;
        }
        r.plan = malloc(sizeof(*r.plan));
        r.keys = calloc(pl->n_items + 1, sizeof(*r.keys));
        if (!r.plan || !r.keys)
                return -ENOMEM;
        *r.plan = *pl;
        *pl = (struct plan) {};
        pl = r.plan;
        for (size_t i = 0; i < pl->n_items; i++) {
                key_from_item(pl, &pl->items[i], &r.keys[i]);
                r.n_keys = i + 1;
                change = change || pl->items[i].action == TUNE_ACTION_SET;
        }
        for (int f = 0; f < _PERSIST_MAX; f++)
                change = change || pl->files[f].change;
        files_from_plan(pl, &r);
        r.warnings = pl->warnings;
        r.nofile = run == TUNE_RUN_PLAN ? pl->p->nofile : 0;
        if (run != TUNE_RUN_APPLY && (k = planned_modules(sr, pl->p, &r)) < 0)
                return k;
        /* apply: what changed is known only after writing; the caller sets it. */
        r.would_change = run != TUNE_RUN_APPLY && change;
        *ret = r;
        r = (struct tune_result) {};
        return 0;
}

void tune_result_done(struct tune_result *r) {
        for (size_t i = 0; i < r->n_keys; i++)
                free(r->keys[i].desired);
        free(r->keys);
        free(r->modules);
        if (r->plan)
                plan_done(r->plan);
        free(r->plan);
        *r = (struct tune_result) {};
}

size_t tune_result_changed_keys(const struct tune_result *r) {
        size_t n = 0;

        for (size_t i = 0; i < r->n_keys; i++) {
                const struct tune_key_result *k = &r->keys[i];

                if (k->after && (!k->before || !streq(k->before, k->after)))
                        n++;
        }
        return n;
}

static void verify_entries_free(struct tune_verify_entry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].name);
                free(e[i].expected);
                free(e[i].live);
                free(e[i].overridden_by);
        }
        free(e);
}

void tune_verify_result_done(struct tune_verify_result *r) {
        free(r->profile);
        verify_entries_free(r->keys, r->n_keys);
        verify_entries_free(r->files, r->n_files);
        verify_entries_free(r->modules, r->n_modules);
        *r = (struct tune_verify_result) {};
}

int tune_verify_drifted(const struct tune_verify_result *r, const char ***ret) {
        const struct tune_verify_entry *groups[] = { r->keys, r->files, r->modules };
        const size_t sizes[] = { r->n_keys, r->n_files, r->n_modules };
        const char **l = calloc(r->n_drifted + 1, sizeof(char *));
        size_t n = 0;

        if (!l)
                return -ENOMEM;
        for (size_t g = 0; g < ELEMENTSOF(groups); g++)
                for (size_t i = 0; i < sizes[g]; i++)
                        if (groups[g][i].status != TUNE_SYNC_IN_SYNC && n < r->n_drifted)
                                l[n++] = groups[g][i].name;
        *ret = l;
        return 0;
}

void tune_rollback_result_done(struct tune_rollback_result *r) {
        for (size_t i = 0; i < r->n_keys; i++) {
                free(r->keys[i].key);
                free(r->keys[i].before);
                free(r->keys[i].after);
        }
        free(r->keys);
        *r = (struct tune_rollback_result) {};
}
