/* SPDX-License-Identifier: MIT */
#include "steal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"

int cpu_ticks_parse(const char *stat, struct cpu_ticks *ret) {
        uint64_t f[8];
        const char *p = stat;
        int n;

        /* The aggregate line is the first one: "cpu  u n s i w q sq st g gn". */
        if (!strneq(p, "cpu ", 4))
                return -EINVAL;
        n = sscanf(p + 4, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                   " %" SCNu64, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
        if (n < 8)
                return -EINVAL;
        ret->total = 0;
        for (int i = 0; i < 8; i++) {
                if (ret->total > UINT64_MAX - f[i])
                        return -ERANGE;
                ret->total += f[i];
        }
        ret->steal = f[7];
        return 0;
}

int steal_percent(const struct cpu_ticks *a, const struct cpu_ticks *b, double *ret) {
        uint64_t dt, ds;

        if (b->total < a->total || b->steal < a->steal)
                return -ERANGE;
        dt = b->total - a->total;
        ds = b->steal - a->steal;
        if (dt == 0)
                return -ERANGE;
        if (ds > dt)    /* clamp: steal cannot exceed the window */
                ds = dt;
        *ret = 100.0 * (double) ds / (double) dt;
        return 0;
}
