/* SPDX-License-Identifier: MIT */
#include "tune-state.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"

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
