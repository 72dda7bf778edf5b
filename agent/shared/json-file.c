/* SPDX-License-Identifier: MIT */
#include "json-file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"

int json_file_read(const struct sysroot *sr, const char *path, json_object **ret) {
        _cleanup_free_ char *buf = NULL;
        json_tokener *tok;
        json_object *obj;
        size_t n;
        int r;

        r = sysroot_read_file(sr, path, JSON_FILE_MAX, &buf, &n);
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

static int mkdir_parent(const struct sysroot *sr, const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash || slash == dir)
                return 0;
        *slash = 0;
        return sysroot_mkdir_p(sr, dir, 0755);
}

int json_file_write(const struct sysroot *sr, const char *path, json_object *obj) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = mkdir_parent(sr, path);
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
        if (sysroot_read_file(sr, path, JSON_FILE_MAX, &old, NULL) >= 0 && streq(old, text))
                return 0;
        return json_file_write(sr, path, obj);
}
