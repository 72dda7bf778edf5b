/* SPDX-License-Identifier: MIT */
#include "tune-state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "../shared/json-util.h"

static void json_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

static int load_checked(const struct sysroot *sr, const char *path, int (*check)(json_object *, char **),
                        json_object **ret, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = json_file_read(sr, path, &o);
        if (r == -EBADMSG || r == -EFBIG)
                return error_msg(ret_error, -EBADMSG, "%s: not a JSON object of at most %u bytes", path, JSON_FILE_MAX);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return error_msg(ret_error, r, "%s: %s", path, strerror(-r));
        r = check(o, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

void tune_originals_done(struct tune_originals *o) {
        for (size_t i = 0; i < o->n; i++) {
                free(o->entries[i].key);
                free(o->entries[i].value);
        }
        free(o->entries);
        *o = (struct tune_originals) {};
}

int state_load_originals(const struct sysroot *sr, struct tune_originals *ret, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        _cleanup_(tune_originals_done) struct tune_originals l = {};
        json_object *keys;
        int r;

        r = load_checked(sr, STATE_ORIGINALS, state_check_originals, &o, ret_error);
        if (r < 0)
                return r;
        json_object_object_get_ex(o, "keys", &keys);
        l.entries = calloc((size_t) json_object_object_length(keys) + 1, sizeof(*l.entries));
        if (!l.entries)
                return -ENOMEM;
        /* Checked: every value is a string. */
        json_object_object_foreach(keys, key, val) {
                struct tune_original *e = &l.entries[l.n++];

                e->key = strdup(key);
                e->value = strdup(json_object_get_string(val));
                if (!e->key || !e->value)
                        return -ENOMEM;
        }
        *ret = l;
        l = (struct tune_originals) {};
        return 0;
}

void tune_applied_done(struct tune_applied *a) {
        free(a->profile);
        free(a->file);
        for (size_t i = 0; i < a->n_keys; i++) {
                free(a->keys[i].key);
                free(a->keys[i].value);
        }
        free(a->keys);
        strv_free(a->modules);
        for (size_t i = 0; i < a->n_files; i++) {
                free(a->files[i].path);
                free(a->files[i].content);
        }
        free(a->files);
        *a = (struct tune_applied) {};
}

static enum modifier modifier_from_record(const char *s) {
        /* Checked: "exact", ">=" or "<=". */
        return streq(s, ">=") ? MOD_AT_LEAST : streq(s, "<=") ? MOD_AT_MOST : MOD_EXACT;
}

static int applied_keys_from_json(json_object *keys, struct tune_applied *a) {
        size_t n = json_object_array_length(keys);

        a->keys = calloc(n + 1, sizeof(*a->keys));
        if (!a->keys)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *k = json_object_array_get_idx(keys, i), *v;
                struct tune_applied_key *e = &a->keys[a->n_keys++];

                e->key = strdup(json_field_string(k, "key"));
                e->value = strdup(json_field_string(k, "value"));
                if (!e->key || !e->value)
                        return -ENOMEM;
                e->mod = modifier_from_record(json_field_string(k, "modifier"));
                e->persisted = json_object_object_get_ex(k, "persisted", &v) && json_object_get_boolean(v);
        }
        return 0;
}

static int applied_files_from_json(json_object *files, struct tune_applied *a) {
        a->files = calloc((size_t) json_object_object_length(files) + 1, sizeof(*a->files));
        if (!a->files)
                return -ENOMEM;
        json_object_object_foreach(files, path, content) {
                struct tune_applied_file *f = &a->files[a->n_files++];

                f->path = strdup(path);
                f->content = strdup(json_object_get_string(content));
                if (!f->path || !f->content)
                        return -ENOMEM;
        }
        return 0;
}

static int applied_modules_from_json(json_object *mods, struct tune_applied *a) {
        a->modules = calloc(1, sizeof(char *));
        if (!a->modules)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(mods); i++)
                if (strv_extend(&a->modules, json_object_get_string(json_object_array_get_idx(mods, i))) < 0)
                        return -ENOMEM;
        return 0;
}

/* doc passed state_check_applied(): the fields exist with their types. */
static int applied_from_json(json_object *doc, struct tune_applied *ret) {
        _cleanup_(tune_applied_done) struct tune_applied a = {};
        const char *file = json_field_string(doc, "file");
        json_object *keys, *files, *mods, *nofile;
        int r;

        json_object_object_get_ex(doc, "keys", &keys);
        json_object_object_get_ex(doc, "files", &files);
        json_object_object_get_ex(doc, "modules", &mods);
        a.profile = strdup(json_field_string(doc, "profile"));
        a.file = file ? strdup(file) : NULL;
        if (!a.profile || (file && !a.file))
                return -ENOMEM;
        if (json_object_object_get_ex(doc, "nofile", &nofile))
                a.nofile = (uint64_t) json_object_get_int64(nofile);
        if ((r = applied_keys_from_json(keys, &a)) < 0 || (r = applied_files_from_json(files, &a)) < 0 ||
            (r = applied_modules_from_json(mods, &a)) < 0)
                return r;
        *ret = a;
        a = (struct tune_applied) {};
        return 0;
}

int tune_applied_load(const struct sysroot *sr, struct tune_applied *ret, char **ret_error) {
        _cleanup_json_ json_object *doc = NULL;
        int r;

        r = load_checked(sr, STATE_APPLIED, state_check_applied, &doc, ret_error);
        if (r < 0)
                return r;
        return applied_from_json(doc, ret);
}

uint64_t tune_applied_nofile(const struct sysroot *sr) {
        _cleanup_(tune_applied_done) struct tune_applied a = {};
        _cleanup_free_ char *error = NULL;

        return tune_applied_load(sr, &a, &error) < 0 ? 0 : a.nofile;
}

const struct tune_applied_key *tune_applied_find(const struct tune_applied *a, const char *key) {
        for (size_t i = 0; i < a->n_keys; i++)
                if (streq(a->keys[i].key, key))
                        return &a->keys[i];
        return NULL;
}

static json_object *applied_to_json(const struct tune_applied *a) {
        json_object *o = json_object_new_object(), *keys = json_object_new_array(), *files = json_object_new_object();
        json_object *mods = json_object_new_array();

        if (!o || !keys || !files || !mods) {
                json_object_put(o);
                json_object_put(keys);
                json_object_put(files);
                json_object_put(mods);
                return NULL;
        }
        json_object_object_add(o, "version", json_object_new_int(1));
        json_object_object_add(o, "profile", json_object_new_string(a->profile));
        json_object_object_add(o, "file", a->file ? json_object_new_string(a->file) : NULL);
        for (size_t i = 0; i < a->n_keys; i++) {
                const struct tune_applied_key *k = &a->keys[i];
                json_object *e = json_object_new_object();

                json_object_object_add(e, "key", json_object_new_string(k->key));
                json_object_object_add(e, "value", json_object_new_string(k->value));
                json_object_object_add(e, "modifier", json_object_new_string(modifier_to_string(k->mod)));
                json_object_object_add(e, "persisted", json_object_new_boolean(k->persisted));
                json_object_array_add(keys, e);
        }
        json_object_object_add(o, "keys", keys);
        for (size_t i = 0; a->modules && a->modules[i]; i++)
                json_object_array_add(mods, json_object_new_string(a->modules[i]));
        json_object_object_add(o, "modules", mods);
        if (a->nofile)
                json_object_object_add(o, "nofile", json_object_new_int64((int64_t) a->nofile));
        for (size_t i = 0; i < a->n_files; i++)
                json_object_object_add(files, a->files[i].path, json_object_new_string(a->files[i].content));
        json_object_object_add(o, "files", files);
        return o;
}

int tune_applied_record(const struct sysroot *sr, const struct tune_applied *a) {
        _cleanup_json_ json_object *o = applied_to_json(a);

        if (!o)
                return -ENOMEM;
        return json_file_write_if_changed(sr, STATE_APPLIED, o);
}

int state_journal_originals(const struct sysroot *sr, const struct write_op *ops, size_t n, bool *ret_created,
                            char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        json_object *keys;
        bool created = false, added = false;
        int r;

        r = load_checked(sr, STATE_ORIGINALS, state_check_originals, &o, ret_error);
        if (r == -ENOENT) {
                o = json_object_new_object();
                keys = json_object_new_object();
                if (!o || !keys)
                        return -ENOMEM;
                json_object_object_add(o, "version", json_object_new_int(1));
                json_object_object_add(o, "keys", keys);
                created = true;
        } else if (r < 0)
                return r;
        else
                json_object_object_get_ex(o, "keys", &keys);

        for (size_t i = 0; i < n; i++) {
                if (!ops[i].from || json_object_object_get_ex(keys, ops[i].key, NULL))
                        continue;  /* the first original stays: never overwritten */
                json_object_object_add(keys, ops[i].key, json_object_new_string(ops[i].from));
                added = true;
        }
        if (added || created) {
                r = json_file_write(sr, STATE_ORIGINALS, o);
                if (r < 0)
                        return r;
        }
        if (ret_created)
                *ret_created = created;
        return 0;
}

int state_remove(const struct sysroot *sr, const char *path) {
        return sysroot_unlink(sr, path);
}
