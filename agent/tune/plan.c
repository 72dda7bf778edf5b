/* SPDX-License-Identifier: MIT */
/* Planning: what apply would do, key by key, and what wins at boot. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../shared/kmod-util.h"
#include "engine-internal.h"
#include "engine.h"
#include "sysctl.h"

void plan_done(struct plan *pl) {
        for (size_t i = 0; i < pl->n_items; i++) {
                free(pl->items[i].live);
                free(pl->items[i].target);
        }
        free(pl->items);
        for (int f = 0; f < _PERSIST_MAX; f++)
                free(pl->files[f].content);
        boot_config_free(pl->boot);
        strv_free(pl->warnings);
        *pl = (struct plan) {};
}

/* "integer" or "text" per blank-separated field: an unchecked key must keep
 * the shape the kernel shows. */
static bool same_shape(const char *live, const char *want) {
        _cleanup_strv_free_ char **a = NULL, **b = NULL;
        int64_t dummy;

        if (split_words(live, &a) < 0 || split_words(want, &b) < 0)
                return false;
        if (strv_length(a) != strv_length(b))
                return false;
        for (size_t i = 0; a[i]; i++)
                if ((safe_atoi64(a[i], &dummy) >= 0) != (safe_atoi64(b[i], &dummy) >= 0))
                        return false;
        return true;
}

static int compare_int(const char *a, const char *b, int *ret) {
        int64_t x, y;

        if (safe_atoi64(a, &x) < 0 || safe_atoi64(b, &y) < 0)
                return -EINVAL;
        *ret = (x > y) - (x < y);
        return 0;
}

static int plan_item(const struct sysroot *sr, const struct profile_entry *e, struct item *it, char **ret_error) {
        int r, cmp;

        *it = (struct item) { .e = e };
        r = sysctl_read(sr, e->key, &it->live);
        if (r < 0) {
                it->live_error = r;
                it->live = NULL;
        }
        if (e->mod == MOD_OWNER) {
                it->action = TUNE_ACTION_OWNED_ELSEWHERE;
                return 0;
        }
        if (it->live && e->unchecked && !same_shape(it->live, e->value))
                return error_msg(ret_error, -EINVAL, "%s:%u: %s: '%s' does not have the type of the live value '%s'",
                                e->origin.file, e->origin.line, e->key, e->value, it->live);

        it->target = strdup(e->value);
        if (!it->target)
                return -ENOMEM;
        if (!it->live) {
                it->action = TUNE_ACTION_MISSING;
                /* Persist a missing key only when a module it needs is loaded
                 * at boot by our modules-load.d file, so boot stays clean. */
                return 0;
        }
        it->persist = true;
        if (e->mod == MOD_EXACT) {
                it->action = sysctl_value_equal(it->live, e->value) ? TUNE_ACTION_KEEP : TUNE_ACTION_SET;
                return 0;
        }
        if (compare_int(it->live, e->value, &cmp) < 0)
                return error_msg(ret_error, -EINVAL, "%s:%u: %s: live value '%s' is not an integer, so '%s' cannot apply",
                                e->origin.file, e->origin.line, e->key, it->live, modifier_to_string(e->mod));
        if ((e->mod == MOD_AT_LEAST && cmp >= 0) || (e->mod == MOD_AT_MOST && cmp <= 0)) {
                it->action = e->mod == MOD_AT_LEAST ? TUNE_ACTION_AT_LEAST_SATISFIED : TUNE_ACTION_AT_MOST_SATISFIED;
                /* Persist what is live: never lower (raise) it at boot. */
                free(it->target);
                it->target = strdup(it->live);
                return it->target ? 0 : -ENOMEM;
        }
        it->action = TUNE_ACTION_SET;
        return 0;
}

struct live_cache {
        const struct sysroot *sr;
        const struct plan *pl;
        char **values;  /* keep returned strings alive */
};

static const char *live_lookup(const char *key, void *userdata) {
        struct live_cache *c = userdata;
        char *v = NULL;

        for (size_t i = 0; i < c->pl->n_items; i++)
                if (streq(c->pl->items[i].e->key, key))
                        return c->pl->items[i].live;
        if (sysctl_read(c->sr, key, &v) < 0)
                return NULL;
        if (strv_extend(&c->values, v) < 0) {
                free(v);
                return NULL;
        }
        free(v);
        return c->values[strv_length(c->values) - 1];
}

static bool module_listed(const struct profile *p, const struct profile_entry *e) {
        return e->known && e->known->module && strv_contains(p->modules, e->known->module);
}

/* The files tuning writes (sysctl.d drop-in, modules-load.d, limits) are
 * a few KiB. */
#define SYSCTL_FILE_MAX (1024u * 1024)

static int plan_files(const struct sysroot *sr, struct plan *pl, char **ret_error) {
        const struct profile *p = pl->p;
        _cleanup_free_ struct sysctl_line *lines = calloc(pl->n_items + 1, sizeof(*lines));
        size_t n = 0;
        int r;

        if (!lines)
                return -ENOMEM;
        for (size_t i = 0; i < pl->n_items; i++) {
                struct item *it = &pl->items[i];

                if (it->action == TUNE_ACTION_MISSING && module_listed(p, it->e))
                        it->persist = true;
                if (it->persist && it->target)
                        lines[n++] = (struct sysctl_line) { it->e->key, it->target };
        }
        if (n > 0 && (r = render_sysctl_dropin(p->name, lines, n, &pl->files[PERSIST_SYSCTL].content)) < 0)
                return r;
        if (strv_length(p->modules) > 0 && (r = render_modules(p->name, p->modules, &pl->files[PERSIST_MODULES].content)) < 0)
                return r;
        if (p->nofile && (r = render_manager(p->name, p->nofile, &pl->files[PERSIST_MANAGER].content)) < 0)
                return r;

        for (int f = 0; f < _PERSIST_MAX; f++) {
                struct file_plan *fp = &pl->files[f];
                _cleanup_free_ char *old = NULL;

                fp->path = persisted_file_path(f);
                r = persisted_file_probe(sr, fp->path, &fp->exists, &fp->ours);
                if (r < 0)
                        return error_msg(ret_error, r, "%s: %s", fp->path, strerror(-r));
                if (fp->exists && !fp->ours && fp->content)
                        return error_msg(ret_error, -EEXIST, "%s exists and was not written by nodeprep; "
                                        "refusing to replace it (move it away or merge it into a profile)", fp->path);
                if (fp->exists && fp->ours && fp->content &&
                    sysroot_read_file(sr, fp->path, SYSCTL_FILE_MAX, &old, NULL) >= 0 && streq(old, fp->content))
                        fp->change = false;
                else
                        fp->change = fp->content ? true : (fp->exists && fp->ours);
        }
        return 0;
}

static int add_boot_warnings(struct plan *pl) {
        const char *ours = strrchr(NODEPREP_SYSCTL_DROPIN, '/') + 1;

        for (size_t i = 0; i < pl->n_items; i++) {
                const struct item *it = &pl->items[i];
                const char *over;
                _cleanup_free_ char *msg = NULL;

                if (!it->persist)
                        continue;
                over = boot_config_overrider(pl->boot, it->e->key, ours);
                if (over && asprintf(&msg, "%s: %s sorts after %s and overrides it at boot", it->e->key, over, ours) >= 0 &&
                    strv_extend(&pl->warnings, msg) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int plan_build(const struct sysroot *sr, const struct profile *p, bool persist, struct plan *ret, char **ret_error) {
        _cleanup_(plan_done) struct plan pl = { .p = p };
        struct live_cache cache = { .sr = sr, .pl = &pl };
        _cleanup_strv_free_ char **advice = NULL;
        int r;

        pl.items = calloc(p->n_entries + 1, sizeof(*pl.items));
        pl.warnings = calloc(1, sizeof(char *));
        if (!pl.items || !pl.warnings)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_entries; i++) {
                r = plan_item(sr, &p->entries[i], &pl.items[i], ret_error);
                pl.n_items = i + 1;
                if (r < 0)
                        return r;
        }
        r = profile_check_invariants(p, live_lookup, &cache, ret_error);
        if (r >= 0)
                r = profile_advisories(p, live_lookup, &cache, &advice);
        strv_free(cache.values);
        if (r < 0)
                return r;
        for (size_t i = 0; advice[i]; i++)
                if (strv_extend(&pl.warnings, advice[i]) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < pl.n_items; i++) {
                const struct item *it = &pl.items[i];
                _cleanup_free_ char *msg = NULL;

                if (it->action != TUNE_ACTION_MISSING)
                        continue;
                if (asprintf(&msg, "%s does not exist here (%s)%s", it->e->key,
                             it->live_error == -ENOENT ? "no such key" : strerror(-it->live_error),
                             it->e->known && it->e->known->module ? "; it appears when its module is loaded" : "") < 0 ||
                    strv_extend(&pl.warnings, msg) < 0)
                        return -ENOMEM;
        }
        r = boot_config_scan(sr, &pl.boot);
        if (r < 0)
                return r;
        if (persist) {
                r = plan_files(sr, &pl, ret_error);
                if (r < 0)
                        return r;
                r = add_boot_warnings(&pl);
                if (r < 0)
                        return r;
        }
        *ret = pl;
        pl = (struct plan) {};
        return 0;
}

int tune_plan(const struct sysroot *sr, const struct profile *p, struct tune_result *ret, char **ret_error) {
        _cleanup_(plan_done) struct plan pl = {};
        int r;

        r = plan_build(sr, p, true, &pl, ret_error);
        if (r < 0)
                return r;
        return tune_result_from_plan(sr, &pl, TUNE_RUN_PLAN, NULL, 0, ret);
}
