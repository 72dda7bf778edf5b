/* SPDX-License-Identifier: MIT */
#include "manifest.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/json-file.h"

#define SECRET "secret"

/* Every path install writes (install.c), as fnmatch patterns. */
static const char *const allowed_files[] = {
        K3S_BIN,
        K3S_BIN_DIR "/k3s-killall.sh",
        K3S_BIN_DIR "/k3s-uninstall.sh",
        K3S_BIN_DIR "/k3s-agent-uninstall.sh",
        K3S_SYSTEMD_DIR "/k3s.service",
        K3S_SYSTEMD_DIR "/k3s.service.env",
        K3S_SYSTEMD_DIR "/k3s-agent.service",
        K3S_SYSTEMD_DIR "/k3s-agent.service.env",
        K3S_CONFIG_DROPIN,
        K3S_TOKEN_COPY,
        K3S_IMAGES_DIR "/k3s-airgap-images-*.tar*",
};

static const char *const allowed_links[] = {
        K3S_BIN_DIR "/kubectl",
        K3S_BIN_DIR "/crictl",
        K3S_BIN_DIR "/ctr",
        K3S_SYSTEMD_DIR "/multi-user.target.wants/k3s.service",
        K3S_SYSTEMD_DIR "/multi-user.target.wants/k3s-agent.service",
};

static bool matches(const char *const *patterns, size_t n, const char *path) {
        /* No "..", no "//": the pattern's directory must be the real one. */
        if (strstr(path, "/..") || strstr(path, "//") || strstr(path, "/./"))
                return false;
        for (size_t i = 0; i < n; i++)
                if (fnmatch(patterns[i], path, FNM_PATHNAME | FNM_PERIOD) == 0)
                        return true;
        return false;
}

bool k3s_manifest_path_allowed(const char *path) {
        return matches(allowed_files, ELEMENTSOF(allowed_files), path);
}

bool k3s_manifest_link_allowed(const char *path) {
        return matches(allowed_links, ELEMENTSOF(allowed_links), path);
}

bool k3s_manifest_unit_allowed(const char *unit) {
        return streq(unit, "k3s.service") || streq(unit, "k3s-agent.service");
}

static bool is_sha256(const char *s) {
        if (strlen(s) != 64)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                        return false;
        return true;
}

static int refuse(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(char **ret_error, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        va_end(ap);
        if (ret_error) {
                free(*ret_error);
                if (asprintf(ret_error, "%s: %s; not acting on it (nothing removed)", K3S_MANIFEST,
                             what ? what : "invalid entry") < 0)
                        *ret_error = NULL;
        }
        return -EINVAL;
}

static bool string_or_null(json_object *v) {
        return !v || json_object_is_type(v, json_type_string);
}

static int validate_files(json_object *files, json_object *secrets, char **ret_error) {
        if (!json_object_is_type(files, json_type_object))
                return refuse(ret_error, "\"files\" is not an object");
        json_object_object_foreach(files, path, v) {
                const char *h = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

                if (!k3s_manifest_path_allowed(path))
                        return refuse(ret_error, "files entry \"%.200s\" is not a path nodeprep's installer writes",
                                      path);
                if (!h || !(is_sha256(h) || streq(h, SECRET)))
                        return refuse(ret_error, "files entry \"%.200s\" has no sha256", path);
        }
        if (!secrets)
                return 0;
        json_object_object_foreach(secrets, spath, sv) {
                json_object *pub;

                if (!json_object_object_get_ex(files, spath, &pub) || !streq(json_object_get_string(pub), SECRET) ||
                    !json_object_is_type(sv, json_type_string) || !is_sha256(json_object_get_string(sv)))
                        return refuse(ret_error, "%s: entry \"%.200s\" matches no secret file of the manifest",
                                      K3S_MANIFEST_SECRETS, spath);
        }
        return 0;
}

int k3s_manifest_validate(json_object *obj, json_object *secrets, char **ret_error) {
        json_object_object_foreach(obj, key, v) {
                if (streq(key, "files")) {
                        int r = validate_files(v, secrets, ret_error);

                        if (r < 0)
                                return r;
                } else if (streq(key, "links")) {
                        if (!json_object_is_type(v, json_type_array))
                                return refuse(ret_error, "\"links\" is not an array");
                        for (size_t i = 0; i < json_object_array_length(v); i++) {
                                json_object *l = json_object_array_get_idx(v, i);

                                if (!json_object_is_type(l, json_type_string) ||
                                    !k3s_manifest_link_allowed(json_object_get_string(l)))
                                        return refuse(ret_error, "links entry \"%.200s\" is not a link nodeprep makes",
                                                      json_object_get_string(l));
                        }
                } else if (streq(key, "unit")) {
                        if (!json_object_is_type(v, json_type_string) ||
                            !k3s_manifest_unit_allowed(json_object_get_string(v)))
                                return refuse(ret_error, "unit \"%.100s\" is not k3s.service or k3s-agent.service",
                                              json_object_get_string(v));
                } else if (streq(key, "role")) {
                        enum k3s_role role;

                        if (!json_object_is_type(v, json_type_string) ||
                            k3s_role_from_string(json_object_get_string(v), &role) < 0)
                                return refuse(ret_error, "role \"%.40s\" is not server or agent", json_object_get_string(v));
                } else if (streq(key, "version") || streq(key, "server")) {
                        if (!string_or_null(v))
                                return refuse(ret_error, "\"%s\" is not a string", key);
                } else if (streq(key, "traefik_disabled")) {
                        if (!json_object_is_type(v, json_type_boolean))
                                return refuse(ret_error, "\"traefik_disabled\" is not a boolean");
                } else
                        return refuse(ret_error, "unknown entry \"%.100s\"", key);
        }
        return 0;
}

int k3s_manifest_load(const struct sysroot *sr, struct k3s_manifest *ret, char **ret_error) {
        json_object *o = NULL, *s = NULL;
        int r;

        r = json_file_read(sr, K3S_MANIFEST, &o);
        if (r < 0) {
                if (r != -ENOENT && ret_error && asprintf(ret_error, "%s: %s", K3S_MANIFEST,
                                                          r == -EBADMSG ? "not a JSON object" : strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        r = json_file_read(sr, K3S_MANIFEST_SECRETS, &s);
        if (r < 0 && r != -ENOENT) {
                json_object_put(o);
                if (ret_error && asprintf(ret_error, "%s: %s", K3S_MANIFEST_SECRETS,
                                          r == -EBADMSG ? "not a JSON object" : strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        r = k3s_manifest_validate(o, s, ret_error);
        if (r < 0) {
                json_object_put(o);
                json_object_put(s);
                return r;
        }
        ret->obj = o;
        ret->secrets = s ? s : json_object_new_object();
        return 0;
}

void k3s_manifest_new(struct k3s_manifest *m) {
        m->obj = json_object_new_object();
        json_object_object_add(m->obj, "files", json_object_new_object());
        json_object_object_add(m->obj, "links", json_object_new_array());
        m->secrets = json_object_new_object();
}

void k3s_manifest_done(struct k3s_manifest *m) {
        json_object_put(m->obj);
        json_object_put(m->secrets);
        *m = (struct k3s_manifest) {};
}

int k3s_manifest_save(const struct sysroot *sr, const struct k3s_manifest *m) {
        const char *text;
        int r = sysroot_mkdir_p(sr, STATE_DIR, 0755);

        if (r < 0)
                return r;
        /* The secrets first: the public file never names a hash that is
         * nowhere. */
        text = json_object_to_json_string_ext(m->secrets, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
        if (!text)
                return -ENOMEM;
        r = sysroot_write_atomic(sr, K3S_MANIFEST_SECRETS, text, strlen(text), 0600);
        return r < 0 ? r : json_file_write(sr, K3S_MANIFEST, m->obj);
}

int k3s_manifest_remove(const struct sysroot *sr) {
        int r = sysroot_unlink(sr, K3S_MANIFEST), k = sysroot_unlink(sr, K3S_MANIFEST_SECRETS);

        return r < 0 ? r : k;
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
        json_object_object_del(m->secrets, path);
}

void k3s_manifest_add_secret_file(struct k3s_manifest *m, const char *path, const char *sha256) {
        json_object_object_add(member(m, "files", json_type_object), path, json_object_new_string(SECRET));
        json_object_object_add(m->secrets, path, json_object_new_string(sha256));
}

const char *k3s_manifest_file_hash(const struct k3s_manifest *m, const char *path) {
        json_object *files = member(m, "files", json_type_object), *v;

        if (!json_object_object_get_ex(files, path, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        if (!streq(json_object_get_string(v), SECRET))
                return json_object_get_string(v);
        if (!m->secrets || !json_object_object_get_ex(m->secrets, path, &v))
                return NULL;
        return json_object_get_string(v);
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
