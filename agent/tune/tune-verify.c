/* SPDX-License-Identifier: MIT */
/* verify (live and persisted state against the applied profile) and rollback. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "engine-internal.h"
#include "engine.h"
#include "../shared/kmod-util.h"
#include "tune-state.h"
#include "sysctl.h"

static const char *json_get_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_get_type(v) != json_type_string)
                return NULL;
        return json_object_get_string(v);
}

/* Is live acceptable for the recorded value and modifier? */
static bool value_holds(const char *live, const char *want, const char *modifier) {
        int64_t l, w;

        if (streq(modifier, "exact"))
                return sysctl_value_equal(live, want);
        if (safe_atoi64(live, &l) < 0 || safe_atoi64(want, &w) < 0)
                return false;
        return streq(modifier, ">=") ? l >= w : streq(modifier, "<=") ? l <= w : false;
}

static json_object *drift_entry(const char *what, const char *name, const char *expected, const char *live,
                                const char *status) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        json_object_object_add(o, what, json_object_new_string(name));
        json_object_object_add(o, "expected", json_str_or_null(expected));
        json_object_object_add(o, "live", json_str_or_null(live));
        json_object_object_add(o, "status", json_object_new_string(status));
        return o;
}

static int verify_keys(const struct sysroot *sr, json_object *applied, struct boot_config *bc,
                       json_object *out, json_object *drifted) {
        const char *ours = strrchr(NODEPREP_SYSCTL_DROPIN, '/') + 1;
        json_object *keys;

        if (!json_object_object_get_ex(applied, "keys", &keys) || json_object_get_type(keys) != json_type_array)
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(keys); i++) {
                json_object *k = json_object_array_get_idx(keys, i), *pv;
                const char *key = json_get_str(k, "key"), *want = json_get_str(k, "value");
                const char *mod = json_get_str(k, "modifier"), *status = "in-sync", *over = NULL;
                _cleanup_free_ char *live = NULL, *canon = NULL;
                bool persisted = json_object_object_get_ex(k, "persisted", &pv) && json_object_get_boolean(pv);

                if (!key || !want || !mod || sysctl_normalize_name(key, &canon) < 0)
                        return -EBADMSG;
                if (sysctl_read(sr, canon, &live) < 0)
                        status = "missing";
                else if (!value_holds(live, want, mod))
                        status = "drift";
                else if (persisted && (over = boot_config_overrider(bc, canon, ours)))
                        status = "overridden-at-boot";
                {
                        _cleanup_free_ char *expected = NULL;
                        json_object *e;

                        if (asprintf(&expected, "%s%s", streq(mod, "exact") ? "" : mod, want) < 0)
                                return -ENOMEM;
                        e = drift_entry("key", canon, expected, live, status);
                        if (!e)
                                return -ENOMEM;
                        if (over)
                                json_object_object_add(e, "overridden_by", json_object_new_string(over));
                        json_object_array_add(out, e);
                        if (!streq(status, "in-sync"))
                                json_object_array_add(drifted, json_object_new_string(canon));
                }
        }
        return 0;
}

static int verify_files(const struct sysroot *sr, json_object *applied, json_object *out, json_object *drifted) {
        json_object *files;

        if (!json_object_object_get_ex(applied, "files", &files) || json_object_get_type(files) != json_type_object)
                return -EBADMSG;
        json_object_object_foreach(files, path, written) {
                _cleanup_free_ char *live = NULL, *want_desc = NULL, *live_desc = NULL;
                const char *want = json_object_get_string(written), *status = "in-sync";
                size_t n = 0;
                int r = sysroot_read_file(sr, path, 1024 * 1024, &live, &n);

                if (!want)
                        return -EBADMSG;
                if (r == -ENOENT)
                        status = "missing";
                else if (r < 0 || !streq(live, want))
                        status = "modified";
                if (asprintf(&want_desc, "%zu bytes as written", strlen(want)) < 0 ||
                    (r >= 0 && asprintf(&live_desc, "%zu bytes%s", n, streq(status, "in-sync") ? ", same" : ", different") < 0))
                        return -ENOMEM;
                json_object_array_add(out, drift_entry("path", path, want_desc, live_desc, status));
                if (!streq(status, "in-sync"))
                        json_object_array_add(drifted, json_object_new_string(path));
        }
        return 0;
}

static int verify_modules(const struct sysroot *sr, json_object *applied, json_object *out, json_object *drifted) {
        json_object *mods;

        if (!json_object_object_get_ex(applied, "modules", &mods) || json_object_get_type(mods) != json_type_array)
                return -EBADMSG;
        for (size_t i = 0; i < json_object_array_length(mods); i++) {
                const char *m = json_object_get_string(json_object_array_get_idx(mods, i));
                bool loaded;

                if (!m)
                        return -EBADMSG;
                loaded = module_state_get(sr, m) != MODULE_NOT_LOADED;
                json_object_array_add(out, drift_entry("name", m, "loaded", loaded ? "loaded" : "not-loaded",
                                                       loaded ? "in-sync" : "drift"));
                if (!loaded)
                        json_object_array_add(drifted, json_object_new_string(m));
        }
        return 0;
}

int tune_verify(const struct sysroot *sr, json_object **ret, bool *ret_drift, char **ret_error) {
        json_object *applied = NULL, *o, *keys, *files, *mods, *drifted;
        _cleanup_boot_config_ struct boot_config *bc = NULL;
        int r;

        r = state_load_applied(sr, &applied, ret_error);
        if (r == -ENOENT)
                return error_msg(ret_error, -ENOENT, "no profile has been applied (%s does not exist)", STATE_APPLIED);
        if (r < 0)
                return r;
        r = boot_config_scan(sr, &bc);
        if (r < 0) {
                json_object_put(applied);
                return r;
        }
        o = json_object_new_object();
        keys = json_object_new_array();
        files = json_object_new_array();
        mods = json_object_new_array();
        drifted = json_object_new_array();
        if (!o || !keys || !files || !mods || !drifted) {
                json_object_put(applied);
                json_object_put(o);
                json_object_put(keys);
                json_object_put(files);
                json_object_put(mods);
                json_object_put(drifted);
                return -ENOMEM;
        }
        json_object_object_add(o, "changed", json_object_new_boolean(false));
        json_object_object_add(o, "profile", json_str_or_null(json_get_str(applied, "profile")));
        json_object_object_add(o, "keys", keys);
        json_object_object_add(o, "files", files);
        json_object_object_add(o, "modules", mods);
        json_object_object_add(o, "drifted", drifted);
        r = verify_keys(sr, applied, bc, keys, drifted);
        if (r >= 0)
                r = verify_files(sr, applied, files, drifted);
        if (r >= 0)
                r = verify_modules(sr, applied, mods, drifted);
        json_object_put(applied);
        if (r < 0) {
                json_object_put(o);
                return error_msg(ret_error, r, "%s: unexpected content: %s", STATE_APPLIED, strerror(-r));
        }
        json_object_object_add(o, "in_sync", json_object_new_boolean(json_object_array_length(drifted) == 0));
        *ret_drift = json_object_array_length(drifted) > 0;
        *ret = o;
        return 0;
}

static int remove_our_files(const struct sysroot *sr, bool dry_run, json_object *files, bool *changed) {
        for (int f = 0; f < _PERSIST_MAX; f++) {
                const char *path = persisted_file_path(f);
                bool exists, ours;
                json_object *o;
                int r;

                /* A crash mid-write leaves ".#name.*" temporaries: ours, by name. */
                if (!dry_run && sysroot_unlink_atomic_leftovers(sr, path) > 0)
                        *changed = true;
                r = persisted_file_probe(sr, path, &exists, &ours);
                if (r < 0)
                        return r;
                if (!exists)
                        continue;
                o = json_object_new_object();
                json_object_object_add(o, "path", json_object_new_string(path));
                json_object_object_add(o, "action", json_object_new_string(ours ? "remove" : "keep (not ours)"));
                json_object_array_add(files, o);
                if (!ours || dry_run)
                        continue;
                r = sysroot_unlink(sr, path);
                if (r < 0)
                        return r;
                *changed = true;
        }
        return 0;
}

int tune_rollback(const struct sysroot *sr, bool dry_run, bool only_per_netns, json_object **ret, char **ret_error) {
        json_object *originals = NULL, *o, *keys, *files;
        _cleanup_free_ struct write_op *ops = NULL;
        _cleanup_free_ char **lives = NULL;
        bool changed = false;
        size_t n = 0;
        int r;

        r = state_load_originals(sr, &originals, ret_error);
        if (r < 0 && r != -ENOENT)
                return r;
        o = json_object_new_object();
        keys = json_object_new_array();
        files = json_object_new_array();
        if (!o || !keys || !files)
                goto oom;
        json_object_object_add(o, "keys", keys);
        json_object_object_add(o, "files", files);

        if (originals && only_per_netns) {
                json_object_object_foreach(originals, key, val) {
                        const struct known_key *k = known_key_find(key);

                        (void) val;
                        if (!k || k->scope != SCOPE_PER_NETNS) {
                                r = error_msg(ret_error, -EPERM, "the journal holds %s, which is not per-netns; "
                                             "roll back in the host network namespace", key);
                                goto fail;
                        }
                }
        }
        if (originals) {
                size_t total = (size_t) json_object_object_length(originals);

                ops = calloc(total + 1, sizeof(*ops));
                lives = calloc(total + 1, sizeof(char *));
                if (!ops || !lives)
                        goto oom;
                json_object_object_foreach(originals, key, val) {
                        const char *orig = json_object_get_string(val);
                        char *live = NULL;
                        json_object *k = json_object_new_object();
                        bool differs;

                        if (sysctl_read(sr, key, &live) < 0)
                                live = NULL;
                        differs = !live || !sysctl_value_equal(live, orig);
                        json_object_object_add(k, "key", json_object_new_string(key));
                        json_object_object_add(k, "before", json_str_or_null(live));
                        json_object_object_add(k, "after", json_object_new_string(orig));
                        json_object_object_add(k, "action", json_object_new_string(differs ? "restore" : "keep"));
                        json_object_array_add(keys, k);
                        if (differs) {
                                lives[n] = live;
                                ops[n++] = (struct write_op) { key, live, orig };
                        } else
                                free(live);
                }
        }
        if (!dry_run && n > 0) {
                r = write_ops_transactional(sr, ops, n, ret_error);
                if (r < 0)
                        goto fail;
                changed = true;
        }
        r = remove_our_files(sr, dry_run, files, &changed);
        if (r < 0) {
                error_msg(ret_error, r, "removing persisted files failed: %s", strerror(-r));
                goto fail;
        }
        if (!dry_run) {
                (void) sysroot_unlink_atomic_leftovers(sr, STATE_APPLIED);
                (void) sysroot_unlink_atomic_leftovers(sr, STATE_ORIGINALS);
                r = state_remove(sr, STATE_APPLIED);
                if (r >= 0)
                        r = state_remove(sr, STATE_ORIGINALS);
                if (r < 0) {
                        error_msg(ret_error, r, "clearing %s failed: %s", STATE_DIR, strerror(-r));
                        goto fail;
                }
        }
        json_object_object_add(o, "changed", json_object_new_boolean(changed));
        json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
        if (dry_run)
                json_object_object_add(o, "would_change", json_object_new_boolean(n > 0 || json_object_array_length(files) > 0));
        json_object_object_add(o, "journal", json_object_new_boolean(originals != NULL));
        json_object_put(originals);
        for (size_t i = 0; i < n; i++)
                free(lives[i]);
        *ret = o;
        return 0;
oom:
        r = -ENOMEM;
fail:
        for (size_t i = 0; lives && i < n; i++)
                free(lives[i]);
        json_object_put(originals);
        json_object_put(o);
        return r;
}
