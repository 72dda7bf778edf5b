/* SPDX-License-Identifier: MIT */
#include "tune-state.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"

#define STATE_MAX (4u * 1024 * 1024)

static void json_putp(json_object **o) {
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

int json_file_read(const struct sysroot *sr, const char *path, json_object **ret) {
        _cleanup_free_ char *buf = NULL;
        json_tokener *tok;
        json_object *obj;
        size_t n;
        int r;

        r = sysroot_read_file(sr, path, STATE_MAX, &buf, &n);
        if (r < 0)
                return r;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        obj = json_tokener_parse_ex(tok, buf, (int) n);
        if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
            json_object_get_type(obj) != json_type_object) {
                json_tokener_free(tok);
                if (obj)
                        json_object_put(obj);
                return -EBADMSG;
        }
        json_tokener_free(tok);
        *ret = obj;
        return 0;
}

static int render(json_object *obj, char **ret) {
        const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!s || asprintf(ret, "%s\n", s) < 0)
                return -ENOMEM;
        return 0;
}

int json_file_write(const struct sysroot *sr, const char *path, json_object *obj) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = sysroot_mkdir_p(sr, STATE_DIR, 0755);
        if (r < 0)
                return r;
        r = render(obj, &text);
        if (r < 0)
                return r;
        return sysroot_write_atomic(sr, path, text, strlen(text), 0644);
}

int json_file_write_if_changed(const struct sysroot *sr, const char *path, json_object *obj) {
        _cleanup_free_ char *text = NULL, *old = NULL;
        int r;

        r = render(obj, &text);
        if (r < 0)
                return r;
        if (sysroot_read_file(sr, path, STATE_MAX, &old, NULL) >= 0 && streq(old, text))
                return 0;
        return json_file_write(sr, path, obj);
}

static int load_checked(const struct sysroot *sr, const char *path, int (*check)(json_object *, char **),
                        json_object **ret, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = json_file_read(sr, path, &o);
        if (r == -EBADMSG || r == -EFBIG)
                return error_msg(ret_error, -EBADMSG, "%s: not a JSON object of at most %u bytes", path, STATE_MAX);
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

int state_load_originals(const struct sysroot *sr, json_object **ret, char **ret_error) {
        _cleanup_json_ json_object *o = NULL;
        json_object *keys;
        int r;

        r = load_checked(sr, STATE_ORIGINALS, state_check_originals, &o, ret_error);
        if (r < 0)
                return r;
        json_object_object_get_ex(o, "keys", &keys);
        *ret = json_object_get(keys);
        return 0;
}

int state_load_applied(const struct sysroot *sr, json_object **ret, char **ret_error) {
        return load_checked(sr, STATE_APPLIED, state_check_applied, ret, ret_error);
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
