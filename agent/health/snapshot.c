/* SPDX-License-Identifier: MIT */
#include "snapshot.h"
#include "gzip.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"

static void body_done(struct body *b) {
        free(b->data);
        *b = (struct body) {};
}

static int body_printf(struct body *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int body_printf(struct body *b, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&b->data, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->data = NULL;
                return -ENOMEM;
        }
        b->size = (size_t) n;
        return 0;
}

/* /readyz/NAME, apiserver style: "ok", or 500 "internal server error: ...". */
static int render_check(const struct health_check_result *c, struct body *b) {
        switch (c->status) {
        case CHECK_OK:
                return body_printf(b, "ok");
        case CHECK_FAIL:
                return body_printf(b, "internal server error: %s", c->reason);
        default:
                return body_printf(b, "ok (%s: %s)", check_status_to_string(c->status), c->reason);
        }
}

int health_snapshot_new(uint64_t seq, const struct health_config *c, struct health_figures *f,
                        const struct health_check_result checks[_HC_MAX], double steal_percent,
                        struct health_snapshot **ret) {
        struct health_snapshot *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->refs = 1;
        s->seq = seq;
        s->interval_sec = c->interval_sec;
        s->fig = *f;
        *f = (struct health_figures) {};
        memcpy(s->checks, checks, sizeof(s->checks));
        memcpy(s->enabled, c->enabled, sizeof(s->enabled));
        s->steal_percent = steal_percent;
        s->ready = true;
        for (int i = 0; i < _HC_MAX; i++)
                if (s->enabled[i] && s->checks[i].status == CHECK_FAIL)
                        s->ready = false;

        r = health_metrics_render(s, &s->metrics);
        if (r >= 0 && body_gzip(&s->metrics, &s->metrics_gzip) == -ENOMEM)
                r = -ENOMEM;    /* without zlib (-EOPNOTSUPP) /metrics goes uncompressed */
        if (r >= 0)
                r = health_status_render(s, &s->status);
        if (r >= 0)
                r = health_readyz_render(s, NULL, false, NULL, &s->readyz);
        if (r >= 0)
                r = health_readyz_render(s, NULL, true, NULL, &s->readyz_verbose);
        for (int i = 0; r >= 0 && i < _HC_MAX; i++)
                if (s->enabled[i])
                        r = render_check(&s->checks[i], &s->check[i]);
        if (r < 0) {
                health_snapshot_unref(s);
                return r;
        }
        *ret = s;
        return 0;
}

struct health_snapshot *health_snapshot_ref(struct health_snapshot *s) {
        if (s)
                __atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
        return s;
}

struct health_snapshot *health_snapshot_unref(struct health_snapshot *s) {
        if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
                return NULL;
        health_figures_done(&s->fig);
        body_done(&s->metrics);
        body_done(&s->metrics_gzip);
        body_done(&s->status);
        body_done(&s->readyz);
        body_done(&s->readyz_verbose);
        for (int i = 0; i < _HC_MAX; i++)
                body_done(&s->check[i]);
        free(s);
        return NULL;
}
