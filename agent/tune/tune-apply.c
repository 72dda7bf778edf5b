/* SPDX-License-Identifier: MIT */
/*
 * Transactional apply: load modules, validate everything, journal the
 * originals (fsynced before the first write), write in a safe order reading
 * each key back, restore on the first failure, then persist and record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../shared/kmod-util.h"
#include "engine-internal.h"
#include "engine.h"
#include "sysctl.h"
#include "tune-state.h"

static void restore(const struct sysroot *sr, const struct write_op *ops, const size_t *order, size_t done) {
        /* Reverse order keeps the gc_thresh invariant while undoing. */
        while (done-- > 0) {
                const struct write_op *op = &ops[order[done]];

                (void) sysctl_write_verify(sr, op->key, op->from);
        }
}

/* Undo every write of ops (all succeeded), in the reverse of their order. */
static void restore_all(const struct sysroot *sr, const struct write_op *ops, size_t n) {
        _cleanup_free_ size_t *order = calloc(n + 1, sizeof(size_t));

        if (!order)
                return;
        order_writes(ops, n, order);
        restore(sr, ops, order, n);
}

int write_ops_transactional(const struct sysroot *sr, const struct write_op *ops, size_t n, char **ret_error) {
        _cleanup_free_ size_t *order = calloc(n + 1, sizeof(size_t));

        if (!order)
                return -ENOMEM;
        order_writes(ops, n, order);
        for (size_t i = 0; i < n; i++) {
                const struct write_op *op = &ops[order[i]];
                int r = sysctl_write_verify(sr, op->key, op->to);

                /* -ECANCELED: the operation failed and was undone, whatever
                 * the errno (an EINVAL here is the kernel's, not bad input). */
                if (r < 0) {
                        restore(sr, ops, order, i);
                        if (r == -EIO)
                                return error_msg(ret_error, -ECANCELED, "%s: the kernel accepted '%s' but reads back "
                                                "another value; restored %zu key(s) already written", op->key, op->to, i);
                        return error_msg(ret_error, -ECANCELED, "%s: writing '%s' failed: %s (errno %d); restored %zu "
                                        "key(s) already written", op->key, op->to, strerror(-r), -r, i);
                }
        }
        return 0;
}

static int check_scope(const struct plan *pl, const struct apply_options *o, char **ret_error) {
        if (!o->only_per_netns)
                return 0;
        for (size_t i = 0; i < pl->n_items; i++) {
                const struct profile_entry *e = pl->items[i].e;

                if (!e->known || e->known->scope != SCOPE_PER_NETNS)
                        return error_msg(ret_error, -EPERM, "%s:%u: %s is %s; outside the host network namespace "
                                        "(--allow-netns) only per-netns keys are written",
                                        e->origin.file, e->origin.line, e->key,
                                        e->known ? key_scope_to_string(e->known->scope) : "of unknown scope");
        }
        if (strv_length(pl->p->modules) > 0)
                return error_msg(ret_error, -EPERM, "modules are global kernel state; --allow-netns never loads them");
        if (pl->p->nofile && !o->no_persist)
                return error_msg(ret_error, -EPERM, "[limits] nofile changes the manager's limits; not with --allow-netns");
        return 0;
}

/* Loads what is missing into mods (one per profile module); *ret_loaded
 * tells whether anything was. */
static int load_modules(const struct sysroot *sr, const struct profile *p, struct tune_module_result *mods,
                        bool *ret_loaded, char **ret_error) {
        for (size_t i = 0; p->modules && p->modules[i]; i++) {
                const char *m = p->modules[i];
                enum module_state st = module_state_get(sr, m);
                bool loaded = st != MODULE_NOT_LOADED;
                const char *after = "loaded";
                int r;

                if (!loaded && !sr->live)
                        after = "skipped: --root (modules are loaded only on a live system)";
                else if (!loaded) {
                        r = module_load(m);
                        if (r == -ENOENT)
                                return error_msg(ret_error, r, "module %s does not exist for this kernel "
                                                "(not in modules.dep, not built in)", m);
                        if (r < 0)
                                return error_msg(ret_error, r == -EPERM ? r : -ECANCELED, "loading module %s failed: %s",
                                                m, strerror(-r));
                        *ret_loaded = true;
                }
                mods[i] = (struct tune_module_result) { .name = m, .before = st, .load = !loaded, .after = after };
        }
        return 0;
}

/* Old content per file, to undo the persisting step if it fails halfway. */
struct file_undo {
        char *old;
        bool existed;
        bool written;
};

static void undo_files(const struct sysroot *sr, const struct plan *pl, struct file_undo *u) {
        for (int f = 0; f < _PERSIST_MAX; f++) {
                if (!u[f].written)
                        continue;
                if (u[f].existed && u[f].old)
                        (void) sysroot_write_atomic(sr, pl->files[f].path, u[f].old, strlen(u[f].old), 0644);
                else
                        (void) sysroot_unlink(sr, pl->files[f].path);
        }
}

static void file_undo_done(struct file_undo *u) {
        for (int f = 0; f < _PERSIST_MAX; f++) {
                free(u[f].old);
                u[f].old = NULL;
        }
}

/* The files tuning writes (sysctl.d drop-in, modules-load.d, limits) are
 * a few KiB: the backup of a bigger one would not be ours. */
#define SYSCTL_FILE_MAX (1024u * 1024)

/* Writes the planned files, remembering in u what they held; undone on a
 * failure here, and by the caller when a later step fails. */
static int persist_files(const struct sysroot *sr, const struct plan *pl, struct file_undo *u, bool *changed,
                         char **ret_error) {
        int r = 0;

        for (int f = 0; f < _PERSIST_MAX && r >= 0; f++) {
                const struct file_plan *fp = &pl->files[f];
                bool w = false;

                if (!fp->change)
                        continue;
                u[f].existed = fp->exists;
                if (fp->exists)
                        (void) sysroot_read_file(sr, fp->path, SYSCTL_FILE_MAX, &u[f].old, NULL);
                if (fp->content)
                        r = persist_write(sr, fp->path, fp->content, &w);
                else {
                        r = sysroot_unlink(sr, fp->path);
                        w = true;
                }
                if (r < 0)
                        r = error_msg(ret_error, -ECANCELED, "%s: %s (errno %d); the apply was undone",
                                     fp->path, strerror(-r), -r);
                u[f].written = w;
                *changed = *changed || w;
        }
        if (r < 0)
                undo_files(sr, pl, u);
        return r;
}

static int record_applied(const struct sysroot *sr, const struct plan *pl, bool persisted) {
        _cleanup_free_ struct tune_applied_key *keys = calloc(pl->n_items + 1, sizeof(*keys));
        struct tune_applied_file files[_PERSIST_MAX] = {};
        struct tune_applied a = {
                .profile = pl->p->name, .file = pl->p->file, .keys = keys, .modules = pl->p->modules,
                .nofile = pl->p->nofile, .files = files,
        };

        if (!keys)
                return -ENOMEM;
        for (size_t i = 0; i < pl->n_items; i++) {
                const struct item *it = &pl->items[i];

                if (it->action == TUNE_ACTION_OWNED_ELSEWHERE)
                        continue;
                keys[a.n_keys++] = (struct tune_applied_key) {
                        .key = it->e->key, .value = it->e->value, .mod = it->e->mod,
                        .persisted = persisted && it->persist,
                };
        }
        /* The exact bytes written: verify compares against them. */
        for (int f = 0; persisted && f < _PERSIST_MAX; f++)
                if (pl->files[f].content)
                        files[a.n_files++] = (struct tune_applied_file) {
                                .path = (char *) pl->files[f].path, .content = pl->files[f].content,
                        };
        return tune_applied_record(sr, &a);
}

static int collect_ops(const struct plan *pl, struct write_op **ret, size_t *ret_n) {
        struct write_op *ops = calloc(pl->n_items + 1, sizeof(*ops));
        size_t n = 0;

        if (!ops)
                return -ENOMEM;
        for (size_t i = 0; i < pl->n_items; i++)
                if (pl->items[i].action == TUNE_ACTION_SET)
                        ops[n++] = (struct write_op) { pl->items[i].e->key, pl->items[i].live, pl->items[i].target };
        *ret = ops;
        *ret_n = n;
        return 0;
}

int tune_apply(const struct sysroot *sr, const struct profile *p, const struct apply_options *o,
               struct tune_result *ret, char **ret_error) {
        _cleanup_(plan_done) struct plan pl = {};
        _cleanup_(tune_originals_done) struct tune_originals originals = {};
        _cleanup_free_ struct write_op *ops = NULL;
        _cleanup_free_ struct tune_module_result *mods = NULL;
        struct file_undo undo[_PERSIST_MAX] = {};
        size_t n_mods = strv_length(p->modules), n_ops = 0;
        bool changed = false, created = false, loaded = false;
        int r;

        /* Validate first against the live values: nothing is loaded, journalled
         * or written when the profile is wrong for this node. */
        r = plan_build(sr, p, !o->no_persist, &pl, ret_error);
        if (r < 0)
                return r;
        r = check_scope(&pl, o, ret_error);
        if (r < 0)
                return r;
        /* A journal that is not what nodeprep writes stops the run before
         * any module is loaded or key written. */
        r = state_load_originals(sr, &originals, ret_error);
        if (r < 0 && r != -ENOENT)
                return r;
        if (o->dry_run)
                return tune_result_from_plan(sr, &pl, TUNE_RUN_DRY_RUN, NULL, 0, ret);

        mods = calloc(n_mods + 1, sizeof(*mods));
        if (!mods)
                return -ENOMEM;
        r = load_modules(sr, p, mods, &loaded, ret_error);
        if (r < 0)
                return r;
        if (loaded) {
                /* Modules add keys: plan again with them present. */
                plan_done(&pl);
                r = plan_build(sr, p, !o->no_persist, &pl, ret_error);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < pl.n_items; i++)
                if (o->strict && pl.items[i].action == TUNE_ACTION_MISSING)
                        return error_msg(ret_error, -ENOENT, "%s:%u: %s does not exist here (--strict)",
                                        pl.items[i].e->origin.file, pl.items[i].e->origin.line, pl.items[i].e->key);

        r = collect_ops(&pl, &ops, &n_ops);
        if (r >= 0 && n_ops > 0) {
                r = state_journal_originals(sr, ops, n_ops, &created, ret_error);
                if (r < 0 && r != -EBADMSG)
                        r = error_msg(ret_error, -ECANCELED, "writing the originals journal %s failed: %s",
                                     STATE_ORIGINALS, strerror(-r));
        }
        if (r >= 0)
                r = write_ops_transactional(sr, ops, n_ops, ret_error);
        if (r >= 0 && !o->no_persist) {
                r = persist_files(sr, &pl, undo, &changed, ret_error);
                if (r < 0)
                        restore_all(sr, ops, n_ops);    /* the live writes too: all or nothing */
        }
        if (r >= 0) {
                r = record_applied(sr, &pl, !o->no_persist);
                if (r < 0) {
                        /* Without the record, verify and rollback would not know
                         * what is live: undo everything (exit 1 means restored). */
                        undo_files(sr, &pl, undo);
                        restore_all(sr, ops, n_ops);
                        r = error_msg(ret_error, -ECANCELED, "recording %s failed: %s (errno %d); the apply was "
                                      "undone", STATE_APPLIED, strerror(-r), -r);
                }
        }
        file_undo_done(undo);
        if (r < 0) {
                if (created)
                        (void) state_remove(sr, STATE_ORIGINALS);
                return r;
        }

        /* "before" is what we found; the plan rebuilt after module loading
         * still holds those values, and "after" the targets. */
        r = tune_result_from_plan(sr, &pl, TUNE_RUN_APPLY, TAKE_PTR(mods), n_mods, ret);
        if (r < 0)
                return r;
        ret->changed = changed || n_ops > 0;
        return 0;
}
