/* SPDX-License-Identifier: MIT */
/* verify (live and persisted state against the applied profile) and rollback. */
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

/* Is live acceptable for the recorded value and modifier? */
static bool value_holds(const char *live, const char *want, enum modifier mod) {
        int64_t l, w;

        if (mod == MOD_EXACT)
                return sysctl_value_equal(live, want);
        if (safe_atoi64(live, &l) < 0 || safe_atoi64(want, &w) < 0)
                return false;
        return mod == MOD_AT_LEAST ? l >= w : mod == MOD_AT_MOST ? l <= w : false;
}

/* Fills e (name and live are taken); counts the drift. */
static int entry_set(struct tune_verify_result *res, struct tune_verify_entry *e, char *name, const char *expected,
                     char *live, enum tune_sync status) {
        *e = (struct tune_verify_entry) { .name = name, .live = live, .status = status };
        if (status != TUNE_SYNC_IN_SYNC)
                res->n_drifted++;
        if (!name)
                return -ENOMEM;
        e->expected = strdup(expected);
        return e->expected ? 0 : -ENOMEM;
}

static int verify_keys(const struct sysroot *sr, struct tune_applied *a, struct boot_config *bc,
                       struct tune_verify_result *res) {
        const char *ours = strrchr(NODEPREP_SYSCTL_DROPIN, '/') + 1;

        res->keys = calloc(a->n_keys + 1, sizeof(*res->keys));
        if (!res->keys)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_keys; i++) {
                struct tune_applied_key *k = &a->keys[i];
                struct tune_verify_entry *e = &res->keys[res->n_keys++];
                _cleanup_free_ char *expected = NULL;
                const char *over = NULL;
                enum tune_sync status = TUNE_SYNC_IN_SYNC;
                char *live = NULL;
                int r;

                /* The record was checked: names are canonical. */
                if (sysctl_read(sr, k->key, &live) < 0) {
                        live = NULL;
                        status = TUNE_SYNC_MISSING;
                } else if (!value_holds(live, k->value, k->mod))
                        status = TUNE_SYNC_DRIFT;
                else if (k->persisted && (over = boot_config_overrider(bc, k->key, ours)))
                        status = TUNE_SYNC_OVERRIDDEN_AT_BOOT;
                if (asprintf(&expected, "%s%s", k->mod == MOD_EXACT ? "" : modifier_to_string(k->mod), k->value) < 0) {
                        free(live);
                        return -ENOMEM;
                }
                r = entry_set(res, e, TAKE_PTR(k->key), expected, live, status);
                if (r < 0)
                        return r;
                if (over && !(e->overridden_by = strdup(over)))
                        return -ENOMEM;
        }
        return 0;
}

/* The files tuning writes (sysctl.d drop-in, modules-load.d, limits) are
 * a few KiB. */
#define SYSCTL_FILE_MAX (1024u * 1024)

static int verify_files(const struct sysroot *sr, struct tune_applied *a, struct tune_verify_result *res) {
        res->files = calloc(a->n_files + 1, sizeof(*res->files));
        if (!res->files)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_files; i++) {
                const char *want = a->files[i].content;
                _cleanup_free_ char *live = NULL, *want_desc = NULL;
                char *live_desc = NULL;
                enum tune_sync status = TUNE_SYNC_IN_SYNC;
                size_t n = 0;
                int r = sysroot_read_file(sr, a->files[i].path, SYSCTL_FILE_MAX, &live, &n);

                if (r == -ENOENT)
                        status = TUNE_SYNC_MISSING;
                else if (r < 0 || !streq(live, want))
                        status = TUNE_SYNC_MODIFIED;
                if (asprintf(&want_desc, "%zu bytes as written", strlen(want)) < 0 ||
                    (r >= 0 && asprintf(&live_desc, "%zu bytes%s", n,
                                        status == TUNE_SYNC_IN_SYNC ? ", same" : ", different") < 0))
                        return -ENOMEM;
                r = entry_set(res, &res->files[res->n_files++], TAKE_PTR(a->files[i].path), want_desc, live_desc,
                              status);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int verify_modules(const struct sysroot *sr, struct tune_applied *a, struct tune_verify_result *res) {
        size_t n = strv_length(a->modules);

        res->modules = calloc(n + 1, sizeof(*res->modules));
        if (!res->modules)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                bool loaded = module_state_get(sr, a->modules[i]) != MODULE_NOT_LOADED;
                char *live = strdup(loaded ? "loaded" : "not-loaded");
                int r;

                if (!live)
                        return -ENOMEM;
                r = entry_set(res, &res->modules[res->n_modules++], strdup(a->modules[i]), "loaded", live,
                              loaded ? TUNE_SYNC_IN_SYNC : TUNE_SYNC_DRIFT);
                if (r < 0)
                        return r;
        }
        return 0;
}

int tune_verify(const struct sysroot *sr, struct tune_verify_result *ret, char **ret_error) {
        _cleanup_(tune_applied_done) struct tune_applied applied = {};
        _cleanup_(tune_verify_result_done) struct tune_verify_result res = {};
        _cleanup_boot_config_ struct boot_config *bc = NULL;
        int r;

        r = tune_applied_load(sr, &applied, ret_error);
        if (r == -ENOENT)
                return error_msg(ret_error, -ENOENT, "no profile has been applied (%s does not exist)", STATE_APPLIED);
        if (r < 0)
                return r;
        r = boot_config_scan(sr, &bc);
        if (r < 0)
                return r;
        res.profile = TAKE_PTR(applied.profile);
        r = verify_keys(sr, &applied, bc, &res);
        if (r >= 0)
                r = verify_files(sr, &applied, &res);
        if (r >= 0)
                r = verify_modules(sr, &applied, &res);
        if (r < 0)
                return error_msg(ret_error, r, "%s: unexpected content: %s", STATE_APPLIED, strerror(-r));
        *ret = res;
        res = (struct tune_verify_result) {};
        return 0;
}

static int remove_our_files(const struct sysroot *sr, bool dry_run, struct tune_rollback_result *res) {
        for (int f = 0; f < _PERSIST_MAX; f++) {
                const char *path = persisted_file_path(f);
                bool exists, ours;
                int r;

                /* A crash mid-write leaves ".#name.*" temporaries: ours, by name. */
                if (!dry_run && sysroot_unlink_atomic_leftovers(sr, path) > 0)
                        res->changed = true;
                r = persisted_file_probe(sr, path, &exists, &ours);
                if (r < 0)
                        return r;
                if (!exists)
                        continue;
                res->files[res->n_files++] = (struct tune_file_result) {
                        .path = path, .action = ours ? TUNE_FILE_REMOVE : TUNE_FILE_NOT_OURS,
                };
                if (!ours || dry_run)
                        continue;
                r = sysroot_unlink(sr, path);
                if (r < 0)
                        return r;
                res->changed = true;
        }
        return 0;
}

static int check_rollback_scope(const struct tune_originals *originals, char **ret_error) {
        for (size_t i = 0; i < originals->n; i++) {
                const struct known_key *k = known_key_find(originals->entries[i].key);

                if (!k || k->scope != SCOPE_PER_NETNS)
                        return error_msg(ret_error, -EPERM, "the journal holds %s, which is not per-netns; "
                                         "roll back in the host network namespace", originals->entries[i].key);
        }
        return 0;
}

/* One key per journalled original (taken from originals), and the writes
 * that restore those that differ (pointing into res). */
static int plan_restore(const struct sysroot *sr, struct tune_originals *originals, struct tune_rollback_result *res,
                        struct write_op **ret_ops, size_t *ret_n) {
        _cleanup_free_ struct write_op *ops = calloc(originals->n + 1, sizeof(*ops));
        size_t n = 0;

        res->keys = calloc(originals->n + 1, sizeof(*res->keys));
        if (!ops || !res->keys)
                return -ENOMEM;
        for (size_t i = 0; i < originals->n; i++) {
                struct tune_rollback_key *k = &res->keys[res->n_keys++];

                k->key = TAKE_PTR(originals->entries[i].key);
                k->after = TAKE_PTR(originals->entries[i].value);
                if (sysctl_read(sr, k->key, &k->before) < 0)
                        k->before = NULL;
                k->restore = !k->before || !sysctl_value_equal(k->before, k->after);
                if (k->restore)
                        ops[n++] = (struct write_op) { k->key, k->before, k->after };
        }
        *ret_ops = TAKE_PTR(ops);
        *ret_n = n;
        return 0;
}

static int clear_state(const struct sysroot *sr, char **ret_error) {
        int r;

        (void) sysroot_unlink_atomic_leftovers(sr, STATE_APPLIED);
        (void) sysroot_unlink_atomic_leftovers(sr, STATE_ORIGINALS);
        r = state_remove(sr, STATE_APPLIED);
        if (r >= 0)
                r = state_remove(sr, STATE_ORIGINALS);
        if (r < 0)
                return error_msg(ret_error, r, "clearing %s failed: %s", STATE_DIR, strerror(-r));
        return 0;
}

int tune_rollback(const struct sysroot *sr, bool dry_run, bool only_per_netns, struct tune_rollback_result *ret,
                  char **ret_error) {
        _cleanup_(tune_originals_done) struct tune_originals originals = {};
        _cleanup_(tune_rollback_result_done) struct tune_rollback_result res = { .dry_run = dry_run };
        _cleanup_free_ struct write_op *ops = NULL;
        size_t n = 0;
        int r;

        r = state_load_originals(sr, &originals, ret_error);
        if (r < 0 && r != -ENOENT)
                return r;
        res.journal = r >= 0;
        if (res.journal && only_per_netns && (r = check_rollback_scope(&originals, ret_error)) < 0)
                return r;
        if (res.journal && (r = plan_restore(sr, &originals, &res, &ops, &n)) < 0)
                return r;
        if (!dry_run && n > 0) {
                r = write_ops_transactional(sr, ops, n, ret_error);
                if (r < 0)
                        return r;
                res.changed = true;
        }
        r = remove_our_files(sr, dry_run, &res);
        if (r < 0)
                return error_msg(ret_error, r, "removing persisted files failed: %s", strerror(-r));
        if (!dry_run && (r = clear_state(sr, ret_error)) < 0)
                return r;
        res.would_change = dry_run && (n > 0 || res.n_files > 0);
        *ret = res;
        res = (struct tune_rollback_result) {};
        return 0;
}
