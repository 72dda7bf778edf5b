/* SPDX-License-Identifier: MIT */
#include "health-config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/linereader.h"
#include "../basic/parse.h"

static const char *const check_names[_HC_MAX] = {
        [HC_PROFILE_DRIFT] = "profile-drift",
        [HC_NEIGHBOUR_TABLE] = "neighbour-table",
        [HC_CONNTRACK] = "conntrack",
        [HC_FILE_HANDLES] = "file-handles",
        [HC_LISTEN_QUEUE] = "listen-queue",
        [HC_STEAL] = "steal",
        [HC_PRESSURE] = "pressure",
        [HC_DATA_DISK] = "data-disk",
        [HC_NVME_HEALTH] = "nvme-health",
        [HC_K3S] = "k3s",
        [HC_OPENFAAS] = "openfaas",
        [HC_GATEWAY] = "gateway",
};

const char *health_check_name(enum health_check_id id) {
        return id < _HC_MAX ? check_names[id] : NULL;
}

int health_check_from_name(const char *name) {
        for (int i = 0; i < _HC_MAX; i++)
                if (streq(check_names[i], name))
                        return i;
        return -ENOENT;
}

int health_config_init(struct health_config *c) {
        *c = (struct health_config) {
                .interval_sec = 5,
                .max_connections = 256,
                .timeout_sec = 5,
                .max_request_bytes = 8192,
                .neighbour_fail_percent = 90,
                .conntrack_fail_percent = 90,
                .counter_hold_sec = 60,
                .steal_window_sec = 300,
                .pressure_avg10_fail = 90.0,
                .pressure_avg60_fail = 60.0,
                .canary_timeout_ms = 2000,
        };
        verdict_thresholds_init(&c->th);
        for (int i = 0; i < _HC_MAX; i++)
                c->enabled[i] = true;
        c->data_dir = strdup(VERDICT_K3S_DATA_DIR_DEFAULT);
        return c->data_dir ? 0 : -ENOMEM;
}

void health_config_done(struct health_config *c) {
        free(c->listen);
        free(c->token_file);
        free(c->tls_cert);
        free(c->tls_key);
        free(c->data_dir);
        *c = (struct health_config) {};
}

struct parse_ctx {
        struct line_reader lr;  /* first: inih's stream */
        const char *filename;
        struct health_config *c;
        char *error;            /* first error, "file:line: message" */
};

static int set_error(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int set_error(struct parse_ctx *p, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        p->lr.stop = true;
        if (p->error)
                return -EINVAL;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (asprintf(&p->error, "%s:%u: %s", p->filename, p->lr.lineno, msg ? msg : "out of memory") < 0)
                p->error = NULL;
        return -EINVAL;
}

static int parse_uint(struct parse_ctx *p, const char *key, const char *value, uint64_t min, uint64_t max,
                      uint64_t *ret) {
        uint64_t v;

        if (safe_atou64(value, &v) < 0 || v < min || v > max)
                return set_error(p, "%s: '%s' is not an integer in [%llu, %llu]", key, value,
                                 (unsigned long long) min, (unsigned long long) max);
        *ret = v;
        return 0;
}

static int parse_unsigned(struct parse_ctx *p, const char *key, const char *value, unsigned min, unsigned max,
                          unsigned *ret) {
        uint64_t v = 0;
        int r = parse_uint(p, key, value, min, max, &v);

        if (r >= 0)
                *ret = (unsigned) v;
        return r;
}

/* "1073741824", "512M", "1G": binary multiples. */
static int parse_size(struct parse_ctx *p, const char *key, const char *value, uint64_t *ret) {
        static const struct { char suffix; unsigned shift; } units[] = {
                { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 },
        };
        _cleanup_free_ char *num = strdup(value);
        size_t n = strlen(value);
        unsigned shift = 0;
        uint64_t v;

        if (!num)
                return -ENOMEM;
        for (size_t i = 0; n > 1 && i < ELEMENTSOF(units); i++)
                if (num[n - 1] == units[i].suffix) {
                        shift = units[i].shift;
                        num[n - 1] = 0;
                }
        if (safe_atou64(num, &v) < 0 || v > (UINT64_MAX >> shift))
                return set_error(p, "%s: '%s' is not a size (bytes, or with K, M, G, T)", key, value);
        *ret = v << shift;
        return 0;
}

static int parse_percent_real(struct parse_ctx *p, const char *key, const char *value, double *ret) {
        char *end = NULL;
        double v;

        errno = 0;
        v = strtod(value, &end);
        if (errno || !end || end == value || *end || !isfinite(v) || v < 0.0 || v > 100.0)
                return set_error(p, "%s: '%s' is not a percentage in [0, 100]", key, value);
        *ret = v;
        return 0;
}

static int parse_string(struct parse_ctx *p, const char *key, const char *value, bool absolute, char **ret) {
        char *s;

        if (!*value)
                return set_error(p, "%s: empty value", key);
        if (absolute && value[0] != '/')
                return set_error(p, "%s: '%s' is not an absolute path", key, value);
        s = strdup(value);
        if (!s)
                return -ENOMEM;
        free(*ret);
        *ret = s;
        return 0;
}

static int parse_checks(struct parse_ctx *p, const char *value) {
        _cleanup_strv_free_ char **words = NULL;
        bool enabled[_HC_MAX] = {};
        int r;

        r = split_words(value, &words);
        if (r < 0)
                return r;
        for (size_t i = 0; words[i]; i++) {
                int id = health_check_from_name(words[i]);

                if (id < 0)
                        return set_error(p, "checks: unknown check '%s'", words[i]);
                enabled[id] = true;
        }
        memcpy(p->c->enabled, enabled, sizeof(enabled));
        return 0;
}

static int handle_key(struct parse_ctx *p, const char *k, const char *v) {
        struct health_config *c = p->c;

        if (streq(k, "checks"))
                return parse_checks(p, v);
        if (streq(k, "listen"))
                return parse_string(p, k, v, false, &c->listen);
        if (streq(k, "interval"))
                return parse_unsigned(p, k, v, 1, 3600, &c->interval_sec);
        if (streq(k, "token_file"))
                return parse_string(p, k, v, true, &c->token_file);
        if (streq(k, "tls_cert"))
                return parse_string(p, k, v, true, &c->tls_cert);
        if (streq(k, "tls_key"))
                return parse_string(p, k, v, true, &c->tls_key);
        if (streq(k, "max_connections"))
                return parse_unsigned(p, k, v, 1, 65536, &c->max_connections);
        if (streq(k, "timeout"))
                return parse_unsigned(p, k, v, 1, 300, &c->timeout_sec);
        if (streq(k, "max_request_bytes"))
                return parse_unsigned(p, k, v, 1024, 1 << 20, &c->max_request_bytes);
        if (streq(k, "neighbour_fail_percent"))
                return parse_unsigned(p, k, v, 1, 100, &c->neighbour_fail_percent);
        if (streq(k, "neighbour_gc_thresh3"))
                return parse_uint(p, k, v, 1, INT32_MAX, &c->neighbour_gc_thresh3);
        if (streq(k, "conntrack_fail_percent"))
                return parse_unsigned(p, k, v, 1, 100, &c->conntrack_fail_percent);
        if (streq(k, "file_handles_fail_percent"))
                return parse_unsigned(p, k, v, 1, 100, &c->th.file_nr_fail_percent);
        if (streq(k, "counter_hold"))
                return parse_unsigned(p, k, v, 0, 86400, &c->counter_hold_sec);
        if (streq(k, "steal_fail_percent"))
                return parse_unsigned(p, k, v, 1, 100, &c->th.steal_percent);
        if (streq(k, "steal_window"))
                return parse_unsigned(p, k, v, 1, 86400, &c->steal_window_sec);
        if (streq(k, "pressure_avg10_fail_percent"))
                return parse_percent_real(p, k, v, &c->pressure_avg10_fail);
        if (streq(k, "pressure_avg60_fail_percent"))
                return parse_percent_real(p, k, v, &c->pressure_avg60_fail);
        if (streq(k, "data_dir")) {
                c->data_dir_set = true;
                return parse_string(p, k, v, true, &c->data_dir);
        }
        if (streq(k, "data_disk_min_free_percent"))
                return parse_unsigned(p, k, v, 0, 99, &c->th.disk_fail_percent);
        if (streq(k, "data_disk_min_free_bytes"))
                return parse_size(p, k, v, &c->th.disk_fail_bytes);
        if (streq(k, "canary_timeout_ms"))
                return parse_unsigned(p, k, v, 10, 60000, &c->canary_timeout_ms);
        return set_error(p, "unknown key '%s' in [health]", k);
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_ctx *p = user;
        int r;

        if (p->error)
                return 0;
        if (!*section)
                r = set_error(p, "'%s' appears before any [section]", name);
        else if (!streq(section, "health"))
                return 1;       /* another command's section */
        else if (!name || !*name)
                r = set_error(p, "empty key");
        else
                r = handle_key(p, name, value ? value : "");
        if (r == -ENOMEM)
                set_error(p, "out of memory");
        return r >= 0;
}

int health_config_parse_stream(struct health_config *c, FILE *f, const char *filename, char **ret_error) {
        struct parse_ctx p = {
                .lr = { .f = f, .max_line = HEALTH_CONFIG_LINE_MAX, .max_lines = HEALTH_CONFIG_LINES_MAX },
                .filename = filename,
                .c = c,
        };
        char buf[80];
        int r;

        r = ini_parse_stream(line_reader_read, &p.lr, handler, &p);
        if (!p.error && p.lr.error)
                set_error(&p, "%s", line_reader_strerror(&p.lr, buf, sizeof(buf)));
        if (!p.error && r > 0) {
                p.lr.lineno = (unsigned) r;
                set_error(&p, "syntax error (expected [section] or key = value)");
        } else if (!p.error && r < 0)
                set_error(&p, "cannot parse (inih error %d)", r);
        if (!p.error && ferror(f))
                set_error(&p, "read error");
        if (!p.error && (!c->tls_cert) != (!c->tls_key))
                set_error(&p, "tls_cert and tls_key must be set together");
        if (p.error) {
                *ret_error = p.error;
                return -EINVAL;
        }
        return 0;
}

static int load_file(struct health_config *c, const struct sysroot *sr, const char *path, bool host_path,
                     char **ret_error) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *shown = NULL;
        int fd;

        fd = host_path ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : sysroot_open(sr, path, O_RDONLY | O_NOCTTY, 0);
        if (host_path && fd < 0)
                fd = -errno;
        if (fd == -ENOENT && !host_path)
                return 0;       /* no config: the defaults */
        if (host_path)
                shown = strdup(path);
        else if (sysroot_host_path(sr, path, &shown) < 0)
                shown = NULL;
        if (!shown) {
                if (fd >= 0)
                        close(fd);
                return -ENOMEM;
        }
        if (fd < 0) {
                if (asprintf(ret_error, "%s: %s", shown, strerror(-fd)) < 0)
                        *ret_error = NULL;
                return fd == -ENOENT ? -EINVAL : fd;
        }
        f = fdopen(fd, "r");
        if (!f) {
                close(fd);
                return -errno;
        }
        return health_config_parse_stream(c, f, shown, ret_error);
}

int health_config_load(struct health_config *c, const struct sysroot *sr, const char *path, bool host_path,
                       char **ret_error) {
        char *dir;
        int r;

        r = load_file(c, sr, path, host_path, ret_error);
        if (r < 0 || c->data_dir_set)
                return r;
        r = verdict_k3s_data_dir(sr, &dir);
        if (r < 0)
                return r;
        free(c->data_dir);
        c->data_dir = dir;
        return 0;
}
