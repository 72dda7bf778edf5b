/* SPDX-License-Identifier: MIT */
/*
 * Cross-key rules, checked on the whole resolved profile before anything is
 * written. Invariants are errors; advisories are warnings with a reason.
 * Where the profile does not set a key, the live value stands in (when known).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "profile.h"

struct view {
        const struct profile *p;
        live_lookup_t live;
        void *userdata;
};

/* The value the key will have after apply, as an integer when it is one. */
static int effective_int(const struct view *v, const char *key, int64_t *ret, const struct profile_entry **ret_e) {
        const struct profile_entry *e = profile_find(v->p, key);
        const char *live = v->live ? v->live(key, v->userdata) : NULL;
        int64_t want, have;
        bool have_live = live && safe_atoi64(live, &have) >= 0;

        *ret_e = e;
        if (!e || e->mod == MOD_OWNER) {
                if (!have_live)
                        return -ENODATA;
                *ret = have;
                return 0;
        }
        if (safe_atoi64(e->value, &want) < 0)
                return -EINVAL;
        if (e->mod == MOD_AT_LEAST && have_live && have > want)
                want = have;
        if (e->mod == MOD_AT_MOST && have_live && have < want)
                want = have;
        *ret = want;
        return 0;
}

static const char *effective_str(const struct view *v, const char *key, const struct profile_entry **ret_e) {
        const struct profile_entry *e = profile_find(v->p, key);

        *ret_e = e;
        if (e)
                return e->value;
        return v->live ? v->live(key, v->userdata) : NULL;
}

static int fail_at(char **ret_error, const struct profile_entry *e, const struct profile *p,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail_at(char **ret_error, const struct profile_entry *e, const struct profile *p,
                   const char *fmt, ...) {
        va_list ap;

        /* An entry's line is never 0 (the parser counts from 1): with no
         * entry the message names the profile file alone. */
        va_start(ap, fmt);
        (void) error_atv(ret_error, -EINVAL, e ? e->origin.file : p->file, e ? e->origin.line : 0, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static const struct profile_entry *later(const struct profile_entry *a, const struct profile_entry *b) {
        if (!a)
                return b;
        if (!b)
                return a;
        return (a->origin.line >= b->origin.line) ? a : b;
}

static int check_gc_thresh(const struct view *v, const char *family, char **ret_error) {
        int64_t t[3];
        const struct profile_entry *e[3], *blame = NULL;
        char key[80];

        for (int i = 0; i < 3; i++) {
                snprintf(key, sizeof(key), "net.%s.neigh.default.gc_thresh%d", family, i + 1);
                if (effective_int(v, key, &t[i], &e[i]) < 0)
                        return 0;  /* not all three known: nothing to compare */
                blame = later(blame, e[i]);
        }
        if (!e[0] && !e[1] && !e[2])
                return 0;
        if (t[0] > t[1] || t[1] > t[2])
                return fail_at(ret_error, blame, v->p,
                               "net.%s.neigh.default.gc_thresh1 <= gc_thresh2 <= gc_thresh3 does not hold "
                               "(%lld, %lld, %lld)", family, (long long) t[0], (long long) t[1], (long long) t[2]);
        return 0;
}

static int check_nofile(const struct view *v, char **ret_error) {
        const struct profile_entry *e;
        int64_t nr_open;

        if (!v->p->nofile || effective_int(v, "fs.nr_open", &nr_open, &e) < 0)
                return 0;
        if ((uint64_t) nr_open < v->p->nofile) {
                if (e)
                        return fail_at(ret_error, e, v->p, "fs.nr_open %lld is below [limits] nofile %llu "
                                       "(setrlimit fails with EPERM above nr_open)",
                                       (long long) nr_open, (unsigned long long) v->p->nofile);
                if (asprintf(ret_error, "%s:%u: [limits] nofile %llu is above the live fs.nr_open %lld "
                             "(setrlimit fails with EPERM above nr_open); raise fs.nr_open in the profile",
                             v->p->nofile_origin.file, v->p->nofile_origin.line,
                             (unsigned long long) v->p->nofile, (long long) nr_open) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        return 0;
}

/* NodePorts live in 30000-32767; an ephemeral range overlapping them makes
 * outgoing connections steal service ports unless those are reserved. */
static int check_port_range(const struct view *v, char **ret_error) {
        const struct profile_entry *e, *er;
        const char *range = effective_str(v, "net.ipv4.ip_local_port_range", &e);
        const char *reserved;
        int64_t lo, hi;

        if (!e || !range || parse_int_pair(range, &lo, &hi) < 0)
                return 0;
        if (lo >= hi)
                return fail_at(ret_error, e, v->p, "net.ipv4.ip_local_port_range: low %lld must be below high %lld",
                               (long long) lo, (long long) hi);
        if (lo > 32767 || hi < 30000)
                return 0;
        reserved = effective_str(v, "net.ipv4.ip_local_reserved_ports", &er);
        if (reserved && port_list_covers(reserved, 30000, 32767))
                return 0;
        return fail_at(ret_error, e, v->p, "net.ipv4.ip_local_port_range %lld-%lld overlaps the NodePort range "
                       "30000-32767; reserve it with net.ipv4.ip_local_reserved_ports = 30000-32767",
                       (long long) lo, (long long) hi);
}

int profile_check_invariants(const struct profile *p, live_lookup_t live, void *userdata, char **ret_error) {
        const struct view v = { p, live, userdata };
        int r;

        *ret_error = NULL;
        r = check_gc_thresh(&v, "ipv4", ret_error);
        if (r >= 0)
                r = check_gc_thresh(&v, "ipv6", ret_error);
        if (r >= 0)
                r = check_nofile(&v, ret_error);
        if (r >= 0)
                r = check_port_range(&v, ret_error);
        return r;
}

static int add(char ***l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(char ***l, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_extend(l, s);
}

int profile_advisories(const struct profile *p, live_lookup_t live, void *userdata, char ***ret) {
        const struct view v = { p, live, userdata };
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        const struct profile_entry *eb, *es;
        int64_t backlog, somaxconn;

        if (!l)
                return -ENOMEM;
        if (effective_int(&v, "net.ipv4.tcp_max_syn_backlog", &backlog, &eb) >= 0 &&
            effective_int(&v, "net.core.somaxconn", &somaxconn, &es) >= 0 && (eb || es) &&
            backlog < somaxconn &&
            add(&l, "net.ipv4.tcp_max_syn_backlog %lld is below net.core.somaxconn %lld: under a SYN burst "
                "the SYN queue overflows before the accept queue is full (keep backlog >= somaxconn)",
                (long long) backlog, (long long) somaxconn) < 0)
                return -ENOMEM;
        if (profile_find(p, "net.core.somaxconn") &&
            add(&l, "net.core.somaxconn is per network namespace: pods start with the kernel default (4096); "
                "set it for pods with securityContext.sysctls and kubelet --allowed-unsafe-sysctls") < 0)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_entries; i++)
                if (p->entries[i].unchecked &&
                    add(&l, "%s:%u: %s is not in the known-keys table: only checked against the live value's type",
                        p->entries[i].origin.file, p->entries[i].origin.line, p->entries[i].key) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(l);
        return 0;
}
