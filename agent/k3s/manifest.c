/* SPDX-License-Identifier: MIT */
#include "manifest.h"

#include <errno.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../tune/state.h"

int k3s_manifest_load(const struct sysroot *sr, struct k3s_manifest *ret) {
        json_object *o = NULL;
        int r = state_read_json(sr, K3S_MANIFEST, &o);

        if (r < 0)
                return r;
        ret->obj = o;
        return 0;
}

void k3s_manifest_new(struct k3s_manifest *m) {
        m->obj = json_object_new_object();
        json_object_object_add(m->obj, "files", json_object_new_object());
        json_object_object_add(m->obj, "links", json_object_new_array());
}

void k3s_manifest_done(struct k3s_manifest *m) {
        json_object_put(m->obj);
        m->obj = NULL;
}

int k3s_manifest_save(const struct sysroot *sr, const struct k3s_manifest *m) {
        int r = sysroot_mkdir_p(sr, STATE_DIR, 0755);

        return r < 0 ? r : state_write_json(sr, K3S_MANIFEST, m->obj);
}

void k3s_manifest_set(struct k3s_manifest *m, const char *key, const char *value) {
        json_object_object_add(m->obj, key, value ? json_object_new_string(value) : NULL);
}

void k3s_manifest_set_bool(struct k3s_manifest *m, const char *key, bool value) {
        json_object_object_add(m->obj, key, json_object_new_boolean(value));
}

const char *k3s_manifest_get(const struct k3s_manifest *m, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(m->obj, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

bool k3s_manifest_get_bool(const struct k3s_manifest *m, const char *key) {
        json_object *v;

        return json_object_object_get_ex(m->obj, key, &v) && json_object_get_boolean(v);
}

static json_object *member(const struct k3s_manifest *m, const char *key, json_type type) {
        json_object *v;

        if (!json_object_object_get_ex(m->obj, key, &v) || !json_object_is_type(v, type)) {
                v = type == json_type_array ? json_object_new_array() : json_object_new_object();
                json_object_object_add(m->obj, key, v);
        }
        return v;
}

void k3s_manifest_add_file(struct k3s_manifest *m, const char *path, const char *sha256) {
        json_object_object_add(member(m, "files", json_type_object), path, json_object_new_string(sha256));
}

bool k3s_manifest_has_link(const struct k3s_manifest *m, const char *path) {
        json_object *l = member(m, "links", json_type_array);

        for (size_t i = 0; i < json_object_array_length(l); i++)
                if (streq(json_object_get_string(json_object_array_get_idx(l, i)), path))
                        return true;
        return false;
}

void k3s_manifest_add_link(struct k3s_manifest *m, const char *path) {
        if (!k3s_manifest_has_link(m, path))
                json_object_array_add(member(m, "links", json_type_array), json_object_new_string(path));
}
