/* SPDX-License-Identifier: MIT */
/*
 * /var/lib/nodeprep/gateway.json: what apply wrote. remove trusts it to
 * decide what to delete, so it is read as hostile: only the fixed paths of
 * internal.h, each with its own kind, a 64-hex sha256, a bounded size.
 *   {"version":1,"domain":"fn.example.com","phase":2,"tls":true,
 *    "function_timeout":60,"files":[{"path":...,"kind":"file","sha256":...}]}
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "internal.h"

#define STATE_MAX (64 * 1024)

static void json_putp(json_object **o) {
        json_object_put(*o);
}

static const struct {
        const char *path;
        enum gateway_file_kind kind;
} known[] = {
        { GW_ZONES_PATH, GATEWAY_FILE },
        { GW_DHPARAM_PATH, GATEWAY_FILE },
        { GW_SITE_PATH, GATEWAY_FILE },
        { GW_SITE_LINK, GATEWAY_LINK },
        { GW_WEBROOT, GATEWAY_DIR },
        { GW_HOOK_PATH, GATEWAY_FILE },
};

static const char *const kind_names[] = {
        [GATEWAY_FILE] = "file", [GATEWAY_LINK] = "link", [GATEWAY_DIR] = "dir",
};

bool gw_path_known(const char *path, enum gateway_file_kind *ret_kind) {
        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (streq(known[i].path, path)) {
                        if (ret_kind)
                                *ret_kind = known[i].kind;
                        return true;
                }
        return false;
}

static bool sha_valid(const char *s) {
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!isxdigit(*s) || isupper(*s))
                        return false;
        return true;
}

static const char *get_string(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static bool get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return false;
        *ret = json_object_get_int64(v);
        return *ret >= min && *ret <= max;
}

static int parse_file(json_object *f, size_t i, struct gw_state *s, char **ret_error) {
        const char *path = get_string(f, "path"), *kind = get_string(f, "kind"), *sha = get_string(f, "sha256");
        enum gateway_file_kind k;
        struct gw_state_entry *e = &s->files[s->n];

        if (!json_object_is_type(f, json_type_object) || !path || !kind || !sha)
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": files[%zu]: needs path, kind and sha256", i);
        if (!gw_path_known(path, &k))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": files[%zu]: '%.80s' is not a gateway file", i,
                                 path);
        if (!streq(kind, kind_names[k]))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": files[%zu]: %s must be a %s", i, path,
                                 kind_names[k]);
        if (!sha_valid(sha))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": files[%zu]: sha256 is not 64 lower-case hex", i);
        for (unsigned j = 0; j < s->n; j++)
                if (streq(s->files[j].path, path))
                        return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": files[%zu]: %s listed twice", i, path);
        snprintf(e->path, sizeof(e->path), "%s", path);
        e->kind = k;
        memcpy(e->sha, sha, 65);
        s->n++;
        return 0;
}

int gw_state_parse(const char *text, size_t size, struct gw_state *ret, char **ret_error) {
        _cleanup_(json_putp) json_object *root = NULL;
        struct json_tokener *tok;
        struct gw_state s = {};
        json_object *files, *tls;
        const char *domain;
        int64_t v;
        int r;

        if (size > STATE_MAX || memchr(text, 0, size))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": too large or binary");
        tok = json_tokener_new_ex(8);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, text, (int) size);
        r = json_tokener_get_error(tok) == json_tokener_success && json_tokener_get_parse_end(tok) == size;
        json_tokener_free(tok);
        if (!r || !json_object_is_type(root, json_type_object))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": not a JSON object");
        if (!get_int(root, "version", 1, 1, &v))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": unknown version");
        domain = get_string(root, "domain");
        if (!domain || !gateway_domain_valid(domain))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": domain missing or not a host name");
        snprintf(s.domain, sizeof(s.domain), "%s", domain);
        if (!get_int(root, "phase", 1, 2, &v))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": phase must be 1 or 2");
        s.phase = (int) v;
        if (!get_int(root, "function_timeout", 1, 86400, &v))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": function_timeout must be 1..86400");
        s.function_timeout = (unsigned) v;
        if (!json_object_object_get_ex(root, "tls", &tls) || !json_object_is_type(tls, json_type_boolean))
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": tls must be a boolean");
        s.tls = json_object_get_boolean(tls);
        if (!json_object_object_get_ex(root, "files", &files) || !json_object_is_type(files, json_type_array) ||
            json_object_array_length(files) > GW_FILES_MAX)
                return error_msg(ret_error, -EBADMSG, GW_STATE_PATH ": files must be an array of at most %d",
                                 GW_FILES_MAX);
        for (size_t i = 0; i < json_object_array_length(files); i++) {
                r = parse_file(json_object_array_get_idx(files, i), i, &s, ret_error);
                if (r < 0)
                        return r;
        }
        *ret = s;
        return 0;
}

int gw_state_load(const struct sysroot *sr, struct gw_state *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = sysroot_read_file(sr, GW_STATE_PATH, STATE_MAX, &text, &size);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return error_msg(ret_error, r == -EFBIG ? -EBADMSG : r, GW_STATE_PATH ": %s", strerror(-r));
        return gw_state_parse(text, size, ret, ret_error);
}

int gw_state_save(const struct sysroot *sr, const struct gw_state *s) {
        _cleanup_(json_putp) json_object *root = json_object_new_object();
        json_object *files = json_object_new_array();
        const char *text;
        int r;

        if (!root || !files)
                return -ENOMEM;
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "domain", json_object_new_string(s->domain));
        json_object_object_add(root, "phase", json_object_new_int(s->phase));
        json_object_object_add(root, "tls", json_object_new_boolean(s->tls));
        json_object_object_add(root, "function_timeout", json_object_new_int((int) s->function_timeout));
        for (unsigned i = 0; i < s->n; i++) {
                json_object *f = json_object_new_object();

                json_object_object_add(f, "path", json_object_new_string(s->files[i].path));
                json_object_object_add(f, "kind", json_object_new_string(kind_names[s->files[i].kind]));
                json_object_object_add(f, "sha256", json_object_new_string(s->files[i].sha));
                json_object_array_add(files, f);
        }
        json_object_object_add(root, "files", files);
        text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        r = sysroot_mkdir_p(sr, "/var/lib/nodeprep", 0755);
        if (r < 0)
                return r;
        return sysroot_write_atomic(sr, GW_STATE_PATH, text, strlen(text), 0600);
}
