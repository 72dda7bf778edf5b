/* SPDX-License-Identifier: MIT */
#include "k3sconf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "../shared/dl-yaml.h"

#define NODE_NAME_MAX 253

static void entry_done(struct k3s_conf_entry *e) {
        free(e->key);
        strv_free(e->values);
        free(e->file);
}

void k3s_conf_done(struct k3s_conf *c) {
        for (size_t i = 0; i < c->n; i++)
                entry_done(&c->entries[i]);
        free(c->entries);
        *c = (struct k3s_conf) {};
}

static void set_error(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return;
        free(*ret_error);
        va_start(ap, fmt);
        (void) error_msgv(ret_error, 0, fmt, ap);
        va_end(ap);
}

/* One assignment of a file, before it is merged. */
struct assignment {
        char *key;
        bool append;
        bool list;
        char **values;
        unsigned line;
};

struct parsed {
        struct assignment *a;
        size_t n;
};

static void parsed_done(struct parsed *p) {
        for (size_t i = 0; i < p->n; i++) {
                free(p->a[i].key);
                strv_free(p->a[i].values);
        }
        free(p->a);
        *p = (struct parsed) {};
}

static void yaml_parser_deletep(yaml_parser_t *p) {
        yaml_parser_delete(p);
}

static void yaml_event_deletep(yaml_event_t *e) {
        yaml_event_delete(e);
}

static const char *scalar_text(const yaml_event_t *ev) {
        return (const char *) ev->data.scalar.value;
}

/* The next event; -EBADMSG with the parser's own message on bad YAML. */
static int next_event(yaml_parser_t *p, yaml_event_t *ev, const char *name, char **ret_error) {
        if (yaml_parser_parse(p, ev))
                return 0;
        set_error(ret_error, "%s:%zu: %s", name, p->problem_mark.line + 1, p->problem ? p->problem : "invalid YAML");
        return -EBADMSG;
}

/* A value: a scalar, or a sequence of scalars. */
static int parse_value(yaml_parser_t *p, const char *name, const char *key, struct assignment *a, char **ret_error) {
        _cleanup_(yaml_event_deletep) yaml_event_t ev = {};
        int r;

        r = next_event(p, &ev, name, ret_error);
        if (r < 0)
                return r;
        if (ev.type == YAML_SCALAR_EVENT)
                return strv_extend(&a->values, scalar_text(&ev));
        if (ev.type != YAML_SEQUENCE_START_EVENT) {
                set_error(ret_error, "%s:%zu: %s: a K3s flag takes a value or a list of values, not %s", name,
                          ev.start_mark.line + 1, key, ev.type == YAML_MAPPING_START_EVENT ? "a mapping" : "an alias");
                return -EBADMSG;
        }
        a->list = true;
        for (size_t n = 0;; n++) {
                _cleanup_(yaml_event_deletep) yaml_event_t item = {};

                r = next_event(p, &item, name, ret_error);
                if (r < 0)
                        return r;
                if (item.type == YAML_SEQUENCE_END_EVENT)
                        break;
                if (item.type != YAML_SCALAR_EVENT) {
                        set_error(ret_error, "%s:%zu: %s: list items must be plain values", name,
                                  item.start_mark.line + 1, key);
                        return -EBADMSG;
                }
                if (n >= K3S_CONF_VALUES_MAX) {
                        set_error(ret_error, "%s:%zu: %s: more than %d values", name, item.start_mark.line + 1, key,
                                  K3S_CONF_VALUES_MAX);
                        return -E2BIG;
                }
                r = strv_extend(&a->values, scalar_text(&item));
                if (r < 0)
                        return r;
        }
        /* An empty list is still a value: K3s gets no flag from it. */
        if (!a->values) {
                a->values = calloc(1, sizeof(char *));
                if (!a->values)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_mapping(yaml_parser_t *p, const char *name, struct parsed *out, char **ret_error) {
        for (;;) {
                _cleanup_(yaml_event_deletep) yaml_event_t ev = {};
                struct assignment *grown, a = {};
                size_t len;
                int r;

                r = next_event(p, &ev, name, ret_error);
                if (r < 0)
                        return r;
                if (ev.type == YAML_MAPPING_END_EVENT)
                        return 0;
                if (ev.type != YAML_SCALAR_EVENT || ev.data.scalar.length == 0) {
                        set_error(ret_error, "%s:%zu: a key must be a flag name", name, ev.start_mark.line + 1);
                        return -EBADMSG;
                }
                if (out->n >= K3S_CONF_ENTRIES_MAX) {
                        set_error(ret_error, "%s:%zu: more than %d keys", name, ev.start_mark.line + 1,
                                  K3S_CONF_ENTRIES_MAX);
                        return -E2BIG;
                }
                len = ev.data.scalar.length;
                a.append = scalar_text(&ev)[len - 1] == '+';
                a.key = strndup(scalar_text(&ev), len - (a.append ? 1 : 0));
                a.line = (unsigned) ev.start_mark.line + 1;
                if (!a.key)
                        return -ENOMEM;
                r = parse_value(p, name, a.key, &a, ret_error);
                if (r >= 0 && !(grown = reallocarray(out->a, out->n + 1, sizeof(*out->a))))
                        r = -ENOMEM;
                if (r < 0) {
                        free(a.key);
                        strv_free(a.values);
                        return r;
                }
                out->a = grown;
                out->a[out->n++] = a;
        }
}

/* The first document: empty, or a mapping (yaml.Unmarshal into a MapSlice). */
static int parse_loaded(const char *name, const char *text, size_t size, struct parsed *out, char **ret_error) {
        _cleanup_(yaml_parser_deletep) yaml_parser_t p = {};
        int r;

        if (!yaml_parser_initialize(&p))
                return -ENOMEM;
        yaml_parser_set_input_string(&p, (const unsigned char *) text, size);
        for (;;) {
                _cleanup_(yaml_event_deletep) yaml_event_t ev = {};

                r = next_event(&p, &ev, name, ret_error);
                if (r < 0)
                        return r;
                switch (ev.type) {
                case YAML_STREAM_START_EVENT:
                case YAML_DOCUMENT_START_EVENT:
                        continue;
                case YAML_STREAM_END_EVENT:
                case YAML_DOCUMENT_END_EVENT:
                        return 0;
                case YAML_SCALAR_EVENT:
                        /* "" or "~" alone: an empty file, as K3s reads it. */
                        if (ev.data.scalar.length == 0 || streq(scalar_text(&ev), "~") ||
                            strcasecmp(scalar_text(&ev), "null") == 0)
                                return 0;
                        break;
                case YAML_MAPPING_START_EVENT:
                        return parse_mapping(&p, name, out, ret_error);
                default:
                        break;
                }
                set_error(ret_error, "%s:%zu: the file must be a mapping of flag names to values", name,
                          ev.start_mark.line + 1);
                return -EBADMSG;
        }
}

/* libyaml is loaded before the parser exists: its cleanup calls libyaml. */
static int parse_document(const char *name, const char *text, size_t size, struct parsed *out, char **ret_error) {
        const char *err = NULL;
        int r = dlopen_yaml(&err);

        if (r < 0) {
                set_error(ret_error, "%s: %s", name, err ? err : "libyaml unavailable");
                return r;
        }
        return parse_loaded(name, text, size, out, ret_error);
}

static struct k3s_conf_entry *find(const struct k3s_conf *c, const char *key) {
        for (size_t i = 0; i < c->n; i++)
                if (streq(c->entries[i].key, key))
                        return &c->entries[i];
        return NULL;
}

static int apply(struct k3s_conf *c, const char *name, struct assignment *a) {
        struct k3s_conf_entry *e = find(c, a->key), *grown;
        char *file = strdup(name);

        if (!file)
                return -ENOMEM;
        if (e && a->append) {
                /* Append to whatever was there (toSlice of a scalar is one item). */
                for (char **v = a->values; v && *v; v++)
                        if (strv_extend(&e->values, *v) < 0) {
                                free(file);
                                return -ENOMEM;
                        }
                e->list = true;
        } else {
                if (!e) {
                        grown = reallocarray(c->entries, c->n + 1, sizeof(*c->entries));
                        if (!grown) {
                                free(file);
                                return -ENOMEM;
                        }
                        c->entries = grown;
                        e = &c->entries[c->n++];
                        *e = (struct k3s_conf_entry) {};
                        e->key = TAKE_PTR(a->key);
                }
                strv_free(e->values);
                e->values = TAKE_PTR(a->values);
                e->list = a->list;
        }
        free(e->file);
        e->file = file;
        e->line = a->line;
        return 0;
}

int k3s_conf_merge_text(struct k3s_conf *c, const char *name, const char *text, size_t size, char **ret_error) {
        struct parsed p = {};
        int r;

        if (size > K3S_CONF_FILE_MAX) {
                set_error(ret_error, "%s: larger than %d bytes", name, K3S_CONF_FILE_MAX);
                return -E2BIG;
        }
        if (memchr(text, 0, size)) {
                set_error(ret_error, "%s: contains a NUL byte", name);
                return -EBADMSG;
        }
        r = parse_document(name, text, size, &p, ret_error);
        if (r >= 0 && c->n + p.n > K3S_CONF_ENTRIES_MAX) {
                set_error(ret_error, "%s: more than %d keys in all files", name, K3S_CONF_ENTRIES_MAX);
                r = -E2BIG;
        }
        /* Only a fully parsed file is merged. Allocation failures while
         * merging are the one way c can end up half-merged. */
        for (size_t i = 0; r >= 0 && i < p.n; i++)
                r = apply(c, name, &p.a[i]);
        parsed_done(&p);
        return r;
}

static int merge_file(const struct sysroot *sr, struct k3s_conf *c, const char *path, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        r = sysroot_read_file(sr, path, K3S_CONF_FILE_MAX, &text, &size);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                set_error(ret_error, "%s: %s", path, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
                return r;
        }
        return k3s_conf_merge_text(c, path, text, size, ret_error);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

static bool is_yaml_name(const char *n) {
        size_t l = strlen(n);

        return n[0] != '.' && ((l > 5 && streq(n + l - 5, ".yaml")) || (l > 4 && streq(n + l - 4, ".yml")));
}

/* config.yaml.d/ names, sorted the way Go's filepath.Glob sorts them. */
static int dropin_names(const struct sysroot *sr, char ***ret) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        fd = sysroot_open(sr, K3S_CONFIG_DIR "/config.yaml.d", O_RDONLY | O_DIRECTORY, 0);
        if (fd == -ENOENT || fd == -ENOTDIR) {
                *ret = NULL;
                return 0;
        }
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (is_yaml_name(de->d_name) && (r = strv_extend(&names, de->d_name)) < 0)
                        break;
        closedir(d);
        if (r < 0)
                return r;
        if (names)
                qsort(names, strv_length(names), sizeof(char *), name_cmp);
        *ret = TAKE_PTR(names);
        return 0;
}

int k3s_conf_load(const struct sysroot *sr, const char *skip, struct k3s_conf *ret, char **ret_error) {
        _cleanup_strv_free_ char **names = NULL;
        struct k3s_conf c = {};
        int r;

        r = merge_file(sr, &c, K3S_CONFIG_DIR "/config.yaml", ret_error);
        if (r >= 0 && (r = dropin_names(sr, &names)) < 0)
                set_error(ret_error, "%s/config.yaml.d: %s", K3S_CONFIG_DIR, strerror(-r));
        for (char **n = names; r >= 0 && n && *n; n++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/config.yaml.d/%s", K3S_CONFIG_DIR, *n) < 0) {
                        path = NULL;
                        r = -ENOMEM;
                        break;
                }
                if (skip && streq(path, skip))
                        continue;
                r = merge_file(sr, &c, path, ret_error);
        }
        if (r < 0) {
                k3s_conf_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

const struct k3s_conf_entry *k3s_conf_get(const struct k3s_conf *c, const char *key) {
        return find(c, key);
}

const char *k3s_conf_scalar(const struct k3s_conf *c, const char *key) {
        const struct k3s_conf_entry *e = find(c, key);
        size_t n = e ? strv_length(e->values) : 0;

        return n > 0 ? e->values[n - 1] : NULL;
}

bool k3s_conf_true(const struct k3s_conf *c, const char *key) {
        const char *v = k3s_conf_scalar(c, key);

        return v && (v[0] == 0 || strcasecmp(v, "true") == 0);
}

/* systemd's EnvironmentFile= syntax, enough of it for KEY=value lines:
 * comments (# ;), blanks around the key, single or double quotes (with \
 * escapes in double quotes). Lines systemd would ignore are ignored. */
static char *env_value(const char *v, const char *end) {
        char *out = malloc((size_t) (end - v) + 1), *o = out;
        char q = 0;

        if (!out)
                return NULL;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        if (v < end && (*v == '"' || *v == '\''))
                q = *v++;
        for (; v < end; v++) {
                if (q && *v == q)
                        break;
                if (q == '"' && *v == '\\' && v + 1 < end)
                        v++;
                *o++ = *v;
        }
        if (!q)
                while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
                        o--;
        *o = 0;
        return out;
}

int k3s_envfile_lookup(const char *text, size_t size, const char *name, char **ret) {
        const char *p = text, *end = text + size;
        char *found = NULL;

        if (memchr(text, 0, size))
                return -EBADMSG;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *eol = nl ? nl : end, *k, *ke, *eq;

                for (k = p; k < eol && (*k == ' ' || *k == '\t'); k++)
                        ;
                p = nl ? nl + 1 : end;
                if (k >= eol || *k == '#' || *k == ';')
                        continue;
                eq = memchr(k, '=', (size_t) (eol - k));
                if (!eq)
                        continue;
                for (ke = eq; ke > k && (ke[-1] == ' ' || ke[-1] == '\t'); ke--)
                        ;
                if ((size_t) (ke - k) != strlen(name) || memcmp(k, name, (size_t) (ke - k)) != 0)
                        continue;
                free(found);
                found = env_value(eq + 1, eol);
                if (!found)
                        return -ENOMEM;
        }
        *ret = found;
        return 0;
}

/* K3S_NODE_NAME as the unit will see it: its environment files in
 * systemd's order, the last assignment winning. */
static int unit_env(const struct sysroot *sr, enum k3s_role role, const char *var, char **ret) {
        const char *unit = k3s_unit_name(role);
        size_t stem = strlen(unit) - strlen(".service");
        char paths[3][256];
        char *found = NULL;

        snprintf(paths[0], sizeof(paths[0]), "/etc/default/%.*s", (int) stem, unit);
        snprintf(paths[1], sizeof(paths[1]), "/etc/sysconfig/%.*s", (int) stem, unit);
        snprintf(paths[2], sizeof(paths[2]), K3S_SYSTEMD_DIR "/%s.env", unit);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_free_ char *text = NULL, *v = NULL;
                size_t size = 0;
                int r;

                if (sysroot_read_file(sr, paths[i], K3S_CONF_FILE_MAX, &text, &size) < 0)
                        continue;
                r = k3s_envfile_lookup(text, size, var, &v);
                if (r < 0) {
                        free(found);
                        return r;
                }
                if (v) {
                        free(found);
                        found = TAKE_PTR(v);
                }
        }
        *ret = found;
        return 0;
}

static int hostname(const struct sysroot *sr, char **ret) {
        char buf[256];

        if (!sr->live)
                return sysroot_read_string(sr, "/etc/hostname", ret);
        if (gethostname(buf, sizeof(buf)) < 0)
                return -errno;
        buf[sizeof(buf) - 1] = 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* RFC 1123 subdomain, as the apiserver validates Node names. */
static bool node_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > NODE_NAME_MAX || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
                        return false;
        return true;
}

int k3s_node_name(const struct sysroot *sr, enum k3s_role role, char **ret, char **ret_error) {
        _cleanup_free_ char *name = NULL, *id = NULL;
        struct k3s_conf c = {};
        bool with_id;
        int r;

        r = k3s_conf_load(sr, NULL, &c, ret_error);
        if (r < 0)
                return r;
        with_id = k3s_conf_true(&c, "with-node-id");
        if (k3s_conf_scalar(&c, "node-name") && k3s_conf_scalar(&c, "node-name")[0])
                name = strdup(k3s_conf_scalar(&c, "node-name"));
        k3s_conf_done(&c);
        if (!name) {
                r = unit_env(sr, role, "K3S_NODE_NAME", &name);
                if (r < 0) {
                        set_error(ret_error, "the environment files of %s: %s", k3s_unit_name(role), strerror(-r));
                        return r;
                }
        }
        if (!name || !name[0]) {
                free(name);
                r = hostname(sr, &name);
                if (r < 0) {
                        set_error(ret_error, "hostname: %s", strerror(-r));
                        return r;
                }
        }
        for (char *p = name; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char) (*p - 'A' + 'a');
        if (with_id) {
                _cleanup_free_ char *joined = NULL;

                r = sysroot_read_string(sr, "/etc/rancher/node/id", &id);
                if (r < 0) {
                        set_error(ret_error, "with-node-id: /etc/rancher/node/id: %s",
                                  r == -ENOENT ? "not written by K3s yet" : strerror(-r));
                        return r == -ENOENT ? -EAGAIN : r;
                }
                if (asprintf(&joined, "%s-%s", name, id) < 0)
                        return -ENOMEM;
                free(name);
                name = TAKE_PTR(joined);
        }
        if (!node_name_valid(name)) {
                set_error(ret_error, "node name '%.80s' is no valid Kubernetes node name", name);
                return -EINVAL;
        }
        *ret = TAKE_PTR(name);
        return 0;
}

static const char *kubelet_arg(const struct k3s_conf *c, const char *name) {
        const struct k3s_conf_entry *e = k3s_conf_get(c, "kubelet-arg");
        size_t n = strlen(name);
        const char *found = NULL;

        for (char **v = e ? e->values : NULL; v && *v; v++) {
                const char *a = *v + (string_has_prefix(*v, "--") ? 2 : 0);

                if (strneq(a, name, n) && a[n] == '=')
                        found = a + n + 1;
        }
        return found;
}

/* The family of the first node-ip ("a,b" counts its first address). */
static bool first_node_ip_is_v6(const struct k3s_conf *c) {
        const struct k3s_conf_entry *e = k3s_conf_get(c, "node-ip");
        const char *v = e && e->values ? e->values[0] : NULL;
        const char *comma = v ? strchr(v, ',') : NULL;
        const char *colon = v ? strchr(v, ':') : NULL;

        return colon && (!comma || colon < comma);
}

int k3s_kubelet_healthz_url(const struct sysroot *sr, char **ret, char **ret_error) {
        const char *addr, *port;
        struct k3s_conf c = {};
        unsigned char buf[sizeof(struct in6_addr)];
        char host[INET6_ADDRSTRLEN];
        uint64_t p = 10248;
        bool v6;
        int r;

        r = k3s_conf_load(sr, NULL, &c, ret_error);
        if (r < 0)
                return r;
        addr = kubelet_arg(&c, "healthz-bind-address");
        port = kubelet_arg(&c, "healthz-port");
        r = 0;
        if (port && (safe_atou64(port, &p) < 0 || p == 0 || p > 65535)) {
                set_error(ret_error, "kubelet-arg healthz-port=%.20s is no port", port);
                r = -EINVAL;
        } else if (addr && inet_pton(AF_INET, addr, buf) != 1 && inet_pton(AF_INET6, addr, buf) != 1) {
                set_error(ret_error, "kubelet-arg healthz-bind-address=%.60s is no IP address", addr);
                r = -EINVAL;
        }
        v6 = addr ? strchr(addr, ':') != NULL : first_node_ip_is_v6(&c);
        /* A wildcard bind is reached on loopback of its family. */
        if (!addr || streq(addr, "0.0.0.0") || streq(addr, "::"))
                addr = v6 ? "::1" : "127.0.0.1";
        /* addr may point into c: copy it before c goes. */
        snprintf(host, sizeof(host), "%s", addr);
        addr = host;
        k3s_conf_done(&c);
        if (r < 0)
                return r;
        if (asprintf(ret, v6 ? "http://[%s]:%u/healthz" : "http://%s:%u/healthz", addr, (unsigned) p) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int k3s_data_dir(const struct sysroot *sr, char **ret) {
        _cleanup_free_ char *error = NULL;
        struct k3s_conf c = {};
        const char *v;
        char *dir;
        int r;

        r = k3s_conf_load(sr, NULL, &c, &error);
        if (r < 0)
                return r;
        v = k3s_conf_scalar(&c, "data-dir");
        if (!v || v[0] != '/') {
                k3s_conf_done(&c);
                return -ENOENT;
        }
        dir = strdup(v);
        k3s_conf_done(&c);
        if (!dir)
                return -ENOMEM;
        *ret = dir;
        return 0;
}
