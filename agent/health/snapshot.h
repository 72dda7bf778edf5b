/* SPDX-License-Identifier: MIT */
/*
 * An immutable snapshot: one collection, its verdicts, and every response
 * body rendered once (metrics, status JSON, the /readyz forms, one body per
 * check). The server only hands these bodies out; a request never reads
 * /proc. Snapshots are reference-counted so a new one can be published while
 * responses from the old one are still being sent.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect.h"
#include "health-checks.h"
#include "health-config.h"

struct body {
        char *data;
        size_t size;
};

struct health_snapshot {
        unsigned refs;                  /* atomic */
        uint64_t seq;                   /* collections since start, from 1 */
        unsigned interval_sec;
        struct health_figures fig;
        struct health_check_result checks[_HC_MAX];
        bool enabled[_HC_MAX];
        double steal_percent;           /* negative: unknown */
        bool ready;                     /* no enabled check failed */

        struct body metrics;            /* Prometheus text 0.0.4 */
        struct body metrics_gzip;       /* the same, gzipped; size 0 without zlib */
        struct body status;             /* JSON */
        struct body readyz;             /* "ok", or the failure listing */
        struct body readyz_verbose;
        struct body check[_HC_MAX];     /* /readyz/NAME */
};

/* Take f (cleared) and render the bodies. */
int health_snapshot_new(uint64_t seq, const struct health_config *c, struct health_figures *f,
                        const struct health_check_result checks[_HC_MAX], double steal_percent,
                        struct health_snapshot **ret);
struct health_snapshot *health_snapshot_ref(struct health_snapshot *s);
struct health_snapshot *health_snapshot_unref(struct health_snapshot *s);

/* /readyz with ?exclude=: rendered per request from the verdicts (no I/O).
 * excludes is a NULL-terminated vector. stale_reason, when set, adds a failing
 * "collector" line. Returns the HTTP status (200 or 500); *ret is malloc'ed. */
int health_readyz_render(const struct health_snapshot *s, char * const *excludes, bool verbose,
                         const char *stale_reason, struct body *ret);

int health_metrics_render(const struct health_snapshot *s, struct body *ret);
int health_status_render(const struct health_snapshot *s, struct body *ret);
