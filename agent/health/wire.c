/* SPDX-License-Identifier: MIT */
#include "wire.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"

static const char magic[8] = "NPSNAP2";

#define BODY_MAX (16u * 1024 * 1024)

static int put(FILE *f, const void *p, size_t n) {
        if (n == 0)
                return 0;       /* a body never rendered (disabled check) is NULL */
        return fwrite(p, 1, n, f) == n ? 0 : -ENOMEM;
}

static int put_body(FILE *f, const char *data, size_t size) {
        uint32_t n = (uint32_t) size;

        if (size > BODY_MAX)
                return -E2BIG;
        return put(f, &n, sizeof(n)) < 0 || put(f, data, size) < 0 ? -ENOMEM : 0;
}

int health_snapshot_encode(const struct health_snapshot *s, char **ret, size_t *ret_size) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        uint8_t ready = s->ready;
        uint32_t interval = s->interval_sec;
        int r = 0;

        if (!f)
                return -ENOMEM;
        r |= put(f, magic, sizeof(magic));
        r |= put(f, &s->seq, sizeof(s->seq));
        r |= put(f, &interval, sizeof(interval));
        r |= put(f, &s->fig.mono, sizeof(s->fig.mono));
        r |= put(f, &s->steal_percent, sizeof(s->steal_percent));
        r |= put(f, &ready, 1);
        for (int i = 0; i < _HC_MAX; i++) {
                uint8_t en = s->enabled[i], st = (uint8_t) s->checks[i].status;

                r |= put(f, &en, 1);
                r |= put(f, &st, 1);
                r |= put_body(f, s->checks[i].reason, strnlen(s->checks[i].reason, HEALTH_REASON_MAX - 1));
        }
        r |= put_body(f, s->metrics.data, s->metrics.size);
        r |= put_body(f, s->metrics_gzip.data, s->metrics_gzip.size);
        r |= put_body(f, s->status.data, s->status.size);
        r |= put_body(f, s->readyz.data, s->readyz.size);
        r |= put_body(f, s->readyz_verbose.data, s->readyz_verbose.size);
        for (int i = 0; i < _HC_MAX; i++)
                r |= put_body(f, s->check[i].data, s->check[i].size);
        if (fclose(f) != 0 || r != 0 || size > WIRE_MAX) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_size = size;
        return 0;
}

struct reader {
        const char *p;
        size_t left;
};

static int take(struct reader *rd, void *out, size_t n) {
        if (rd->left < n)
                return -EBADMSG;
        memcpy(out, rd->p, n);
        rd->p += n;
        rd->left -= n;
        return 0;
}

/* A body, NUL-terminated on the heap (as the renderers make them). */
static int take_body(struct reader *rd, size_t max, struct body *ret) {
        uint32_t n;
        char *d;

        if (take(rd, &n, sizeof(n)) < 0 || n > max || n > rd->left)
                return -EBADMSG;
        d = malloc((size_t) n + 1);
        if (!d)
                return -ENOMEM;
        memcpy(d, rd->p, n);
        d[n] = 0;
        rd->p += n;
        rd->left -= n;
        *ret = (struct body) { d, n };
        return 0;
}

static int decode_checks(struct reader *rd, struct health_snapshot *s) {
        for (int i = 0; i < _HC_MAX; i++) {
                uint8_t en, st;
                struct body reason;
                int r;

                if (take(rd, &en, 1) < 0 || take(rd, &st, 1) < 0 || en > 1 || st > CHECK_UNKNOWN)
                        return -EBADMSG;
                r = take_body(rd, HEALTH_REASON_MAX - 1, &reason);
                if (r < 0)
                        return r;
                s->enabled[i] = en;
                s->checks[i].status = (enum check_status) st;
                memcpy(s->checks[i].reason, reason.data, reason.size + 1);
                free(reason.data);
        }
        return 0;
}

int health_snapshot_decode(const char *data, size_t size, struct health_snapshot **ret) {
        struct reader rd = { data, size };
        struct health_snapshot *s;
        char m[sizeof(magic)];
        uint32_t interval = 0;
        uint8_t ready = 0;
        int r;

        if (size > WIRE_MAX)
                return -EBADMSG;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->refs = 1;
        r = take(&rd, m, sizeof(m));
        if (r >= 0 && memcmp(m, magic, sizeof(m)) != 0)
                r = -EBADMSG;
        if (r >= 0)
                r = take(&rd, &s->seq, sizeof(s->seq));
        if (r >= 0)
                r = take(&rd, &interval, sizeof(interval));
        if (r >= 0)
                r = take(&rd, &s->fig.mono, sizeof(s->fig.mono));
        if (r >= 0)
                r = take(&rd, &s->steal_percent, sizeof(s->steal_percent));
        if (r >= 0)
                r = take(&rd, &ready, 1);
        if (r >= 0 && ready > 1)
                r = -EBADMSG;
        s->interval_sec = interval;
        s->ready = ready == 1;
        if (r >= 0)
                r = decode_checks(&rd, s);
        if (r >= 0)
                r = take_body(&rd, BODY_MAX, &s->metrics);
        if (r >= 0)
                r = take_body(&rd, BODY_MAX, &s->metrics_gzip);
        if (r >= 0)
                r = take_body(&rd, BODY_MAX, &s->status);
        if (r >= 0)
                r = take_body(&rd, BODY_MAX, &s->readyz);
        if (r >= 0)
                r = take_body(&rd, BODY_MAX, &s->readyz_verbose);
        for (int i = 0; i < _HC_MAX && r >= 0; i++)
                r = take_body(&rd, BODY_MAX, &s->check[i]);
        if (r >= 0 && rd.left != 0)
                r = -EBADMSG;
        if (r < 0) {
                health_snapshot_unref(s);
                return r;
        }
        *ret = s;
        return 0;
}
