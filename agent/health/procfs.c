/* SPDX-License-Identifier: MIT */
#include "procfs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"

#define LNSTAT_COLUMNS_MAX 64

/* One whitespace-separated token from *p; returns its length, 0 at line end. */
static size_t next_token(const char **p, const char **ret_start) {
        const char *s = *p;
        size_t n = 0;

        while (*s == ' ' || *s == '\t')
                s++;
        *ret_start = s;
        while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n')
                n++;
        *p = s + n;
        return n;
}

static int parse_u64_base(const char *s, size_t n, int base, uint64_t *ret) {
        char tmp[32], *end = NULL;
        unsigned long long v;

        if (n == 0 || n >= sizeof(tmp) || s[0] == '-' || s[0] == '+')
                return -EBADMSG;
        memcpy(tmp, s, n);
        tmp[n] = 0;
        errno = 0;
        v = strtoull(tmp, &end, base);
        if (errno || !end || *end)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static const char *next_line(const char *p) {
        const char *nl = strchr(p, '\n');

        return nl ? nl + 1 : p + strlen(p);
}

int procfs_lnstat_sum(const char *buf, const char *column, uint64_t *ret) {
        const char *p = buf, *tok;
        size_t n, want = 0, idx = 0, rows = 0;
        bool found = false;
        uint64_t sum = 0;

        /* Header. */
        while ((n = next_token(&p, &tok)) > 0) {
                if (idx >= LNSTAT_COLUMNS_MAX)
                        return -EBADMSG;
                if (!found && strlen(column) == n && strneq(tok, column, n)) {
                        want = idx;
                        found = true;
                }
                idx++;
        }
        if (idx == 0)
                return -EBADMSG;
        if (!found)
                return -ENOENT;
        for (p = next_line(p); *p; p = next_line(p)) {
                uint64_t v = 0;
                size_t i = 0;

                if (*p == '\n')
                        continue;
                while ((n = next_token(&p, &tok)) > 0) {
                        if (i == want && parse_u64_base(tok, n, 16, &v) < 0)
                                return -EBADMSG;
                        i++;
                }
                if (i != idx)
                        return -EBADMSG;
                sum += v;
                rows++;
        }
        if (rows == 0)
                return -EBADMSG;
        *ret = sum;
        return 0;
}

int procfs_netstat_get(const char *buf, const char *prefix, const char *name, uint64_t *ret) {
        size_t plen = strlen(prefix);

        for (const char *p = buf; *p; p = next_line(p)) {
                const char *names = p, *values, *tn, *tv;
                size_t nn, nv;

                if (!strneq(p, prefix, plen) || p[plen] != ':')
                        continue;
                values = next_line(p);
                if (!strneq(values, prefix, plen) || values[plen] != ':')
                        return -EBADMSG;
                names += plen + 1;
                values += plen + 1;
                for (;;) {
                        nn = next_token(&names, &tn);
                        nv = next_token(&values, &tv);
                        if (nn == 0 || nv == 0)
                                break;
                        if (nn == strlen(name) && strneq(tn, name, nn))
                                return parse_u64_base(tv, nv, 10, ret);
                }
                return -ENOENT;
        }
        return -ENOENT;
}

int procfs_file_nr(const char *buf, uint64_t *ret_allocated, uint64_t *ret_max) {
        uint64_t v[3];
        const char *p = buf, *tok;

        for (int i = 0; i < 3; i++) {
                size_t n = next_token(&p, &tok);

                if (parse_u64_base(tok, n, 10, &v[i]) < 0)
                        return -EBADMSG;
        }
        if (v[2] == 0)
                return -EBADMSG;
        *ret_allocated = v[0];
        *ret_max = v[2];
        return 0;
}

static int parse_psi_line(const char *p, struct psi_line *ret) {
        struct psi_line l = { .present = true };
        unsigned seen = 0;
        const char *tok;
        size_t n;

        while ((n = next_token(&p, &tok)) > 0) {
                char key[16], val[32], *end = NULL;
                const char *eq = memchr(tok, '=', n);
                size_t kn, vn;

                if (!eq)
                        return -EBADMSG;
                kn = (size_t) (eq - tok);
                vn = n - kn - 1;
                if (kn >= sizeof(key) || vn == 0 || vn >= sizeof(val))
                        return -EBADMSG;
                memcpy(key, tok, kn);
                key[kn] = 0;
                memcpy(val, eq + 1, vn);
                val[vn] = 0;
                if (streq(key, "total")) {
                        if (parse_u64_base(val, vn, 10, &l.total_us) < 0)
                                return -EBADMSG;
                        seen |= 8;
                        continue;
                }
                {
                        double d;

                        errno = 0;
                        d = strtod(val, &end);
                        if (errno || !end || *end || d < 0 || d > 100)
                                return -EBADMSG;
                        if (streq(key, "avg10"))
                                l.avg10 = d, seen |= 1;
                        else if (streq(key, "avg60"))
                                l.avg60 = d, seen |= 2;
                        else if (streq(key, "avg300"))
                                l.avg300 = d, seen |= 4;
                }
        }
        if (seen != 15)
                return -EBADMSG;
        *ret = l;
        return 0;
}

int procfs_psi(const char *buf, struct psi_line *ret_some, struct psi_line *ret_full) {
        struct psi_line some = {}, full = {};

        for (const char *p = buf; *p; p = next_line(p)) {
                int r;

                if (strneq(p, "some ", 5))
                        r = parse_psi_line(p + 5, &some);
                else if (strneq(p, "full ", 5))
                        r = parse_psi_line(p + 5, &full);
                else if (*p == '\n')
                        continue;
                else
                        r = -EBADMSG;
                if (r < 0)
                        return r;
        }
        if (!some.present)
                return -EBADMSG;
        *ret_some = some;
        *ret_full = full;
        return 0;
}
