/* SPDX-License-Identifier: MIT */
/* Planning: what apply would do, key by key, and what wins at boot. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "engine-internal.h"
#include "engine.h"
#include "../shared/kmod-util.h"
#include "sysctl.h"

json_object *json_str_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

const char *action_to_string(enum action a) {
        switch (a) {
        case ACTION_SET: return "set";
        case ACTION_KEEP: return "keep";
        case ACTION_AT_LEAST_SATISFIED: return "at-least-satisfied";
        case ACTION_AT_MOST_SATISFIED: return "at-most-satisfied";
        case ACTION_OWNED_ELSEWHERE: return "owned-elsewhere";
        case ACTION_MISSING: return "missing";
        }
        return "?";
}

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
                it->action = ACTION_OWNED_ELSEWHERE;
                return 0;
        }
        if (it->live && e->unchecked && !same_shape(it->live, e->value))
                return error_msg(ret_error, -EINVAL, "%s:%u: %s: '%s' does not have the type of the live value '%s'",
                                e->origin.file, e->origin.line, e->key, e->value, it->live);

        it->target = strdup(e->value);
        if (!it->target)
                return -ENOMEM;
        if (!it->live) {
                it->action = ACTION_MISSING;
                /* Persist a missing key only when a module it needs is loaded
                 * at boot by our modules-load.d file, so boot stays clean. */
                return 0;
        }
        it->persist = true;
        if (e->mod == MOD_EXACT) {
                it->action = sysctl_value_equal(it->live, e->value) ? ACTION_KEEP : ACTION_SET;
                return 0;
        }
        if (compare_int(it->live, e->value, &cmp) < 0)
                return error_msg(ret_error, -EINVAL, "%s:%u: %s: live value '%s' is not an integer, so '%s' cannot apply",
                                e->origin.file, e->origin.line, e->key, it->live, modifier_to_string(e->mod));
        if ((e->mod == MOD_AT_LEAST && cmp >= 0) || (e->mod == MOD_AT_MOST && cmp <= 0)) {
                it->action = e->mod == MOD_AT_LEAST ? ACTION_AT_LEAST_SATISFIED : ACTION_AT_MOST_SATISFIED;
                /* Persist what is live: never lower (raise) it at boot. */
                free(it->target);
                it->target = strdup(it->live);
                return it->target ? 0 : -ENOMEM;
        }
        it->action = ACTION_SET;
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

static int plan_files(const struct sysroot *sr, struct plan *pl, char **ret_error) {
        const struct profile *p = pl->p;
        _cleanup_free_ struct sysctl_line *lines = calloc(pl->n_items + 1, sizeof(*lines));
        size_t n = 0;
        int r;

        if (!lines)
                return -ENOMEM;
        for (size_t i = 0; i < pl->n_items; i++) {
                struct item *it = &pl->items[i];

                if (it->action == ACTION_MISSING && module_listed(p, it->e))
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
                    sysroot_read_file(sr, fp->path, 1024 * 1024, &old, NULL) >= 0 && streq(old, fp->content))
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

                if (it->action != ACTION_MISSING)
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

json_object *plan_keys_json(const struct plan *pl) {
        json_object *arr = json_object_new_array();
        const char *ours = strrchr(NODEPREP_SYSCTL_DROPIN, '/') + 1;

        for (size_t i = 0; arr && i < pl->n_items; i++) {
                const struct item *it = &pl->items[i];
                const struct profile_entry *e = it->e;
                json_object *o = json_object_new_object();
                _cleanup_free_ char *desired = NULL;
                const char *boot = boot_config_winner(pl->boot, e->key, NULL);
                const char *over = it->persist ? boot_config_overrider(pl->boot, e->key, ours) : NULL;
                const char *after = it->action == ACTION_SET ? it->target : it->live;

                if (!o)
                        break;
                (void) profile_entry_format(e, &desired);
                json_object_object_add(o, "key", json_object_new_string(e->key));
                json_object_object_add(o, "before", json_str_or_null(it->live));
                json_object_object_add(o, "after", json_str_or_null(after));
                json_object_object_add(o, "desired", json_str_or_null(desired));
                json_object_object_add(o, "action", json_object_new_string(action_to_string(it->action)));
                json_object_object_add(o, "scope", json_object_new_string(
                                               e->known ? key_scope_to_string(e->known->scope) : "unknown"));
                json_object_object_add(o, "owner", json_object_new_string(
                                               e->known ? key_owner_to_string(e->known->owner) : "unknown"));
                json_object_object_add(o, "boot_file", json_str_or_null(
                                               it->persist && !over ? NODEPREP_SYSCTL_DROPIN : over ? over : boot));
                json_object_object_add(o, "overridden_by", json_str_or_null(over));
                json_object_object_add(o, "procps_overridden_by",
                                       json_str_or_null(it->persist ? boot_config_procps_overrider(pl->boot, e->key) : NULL));
                json_object_object_add(o, "origin", json_object_new_string(e->origin.file));
                json_object_object_add(o, "line", json_object_new_int((int) e->origin.line));
                json_object_array_add(arr, o);
        }
        return arr;
}

json_object *plan_files_json(const struct plan *pl) {
        json_object *arr = json_object_new_array();

        for (int f = 0; arr && f < _PERSIST_MAX; f++) {
                const struct file_plan *fp = &pl->files[f];
                json_object *o;

                if (!fp->content && !(fp->exists && fp->ours))
                        continue;
                o = json_object_new_object();
                if (!o)
                        break;
                json_object_object_add(o, "path", json_object_new_string(fp->path));
                json_object_object_add(o, "action", json_object_new_string(
                                               !fp->change ? "keep" : fp->content ? "write" : "remove"));
                json_object_array_add(arr, o);
        }
        return arr;
}

json_object *modules_json(const struct sysroot *sr, const struct profile *p) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && p->modules && p->modules[i]; i++) {
                json_object *o = json_object_new_object();
                enum module_state st = module_state_get(sr, p->modules[i]);
                bool loaded = st != MODULE_NOT_LOADED;

                if (!o)
                        break;
                json_object_object_add(o, "name", json_object_new_string(p->modules[i]));
                json_object_object_add(o, "before", json_object_new_string(module_state_to_string(st)));
                json_object_object_add(o, "action", json_object_new_string(loaded ? "keep" : "load"));
                json_object_array_add(arr, o);
        }
        return arr;
}

json_object *strv_json(char * const *l) {
        json_object *arr = json_object_new_array();

        for (size_t i = 0; arr && l && l[i]; i++)
                json_object_array_add(arr, json_object_new_string(l[i]));
        return arr;
}

int tune_plan(const struct sysroot *sr, const struct profile *p, json_object **ret, char **ret_error) {
        _cleanup_(plan_done) struct plan pl = {};
        json_object *o;
        bool changed = false;
        int r;

        r = plan_build(sr, p, true, &pl, ret_error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < pl.n_items; i++)
                changed = changed || pl.items[i].action == ACTION_SET;
        for (int f = 0; f < _PERSIST_MAX; f++)
                changed = changed || pl.files[f].change;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "changed", json_object_new_boolean(false));
        json_object_object_add(o, "would_change", json_object_new_boolean(changed));
        json_object_object_add(o, "profile", json_object_new_string(p->name));
        json_object_object_add(o, "keys", plan_keys_json(&pl));
        json_object_object_add(o, "modules", modules_json(sr, p));
        json_object_object_add(o, "files", plan_files_json(&pl));
        if (p->nofile)
                json_object_object_add(o, "nofile", json_object_new_int64((int64_t) p->nofile));
        json_object_object_add(o, "warnings", strv_json(pl.warnings));
        *ret = o;
        return 0;
}
