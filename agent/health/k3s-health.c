/* SPDX-License-Identifier: MIT */
#include "k3s-health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../k3s/k3s.h"
#include "../k3s/ready.h"
#include "../verdict/verdict-rules.h"
#include "health-checks.h"

/* K3s that nodeprep did not install (the upstream script, by hand): the role
 * from the unit files it left. -ENOENT when there is no K3s at all. */
static int foreign_target(const struct sysroot *sr, struct k3s_ready_target *t) {
        *t = (struct k3s_ready_target) { .role = K3S_ROLE_SERVER };
        if (sysroot_access(sr, K3S_BIN, F_OK) < 0)
                return -ENOENT;
        if (sysroot_access(sr, K3S_SYSTEMD_DIR "/k3s-agent.service", F_OK) >= 0 &&
            sysroot_access(sr, K3S_SYSTEMD_DIR "/k3s.service", F_OK) < 0)
                t->role = K3S_ROLE_AGENT;
        return 0;
}

static void summarize(const struct k3s_result *res, struct k3s_health *h) {
        for (size_t i = 0; i < res->n_steps; i++) {
                const struct k3s_step *s = &res->steps[i];
                const char *status = k3s_step_status_to_string(s->status);
                size_t n = strlen(h->rungs);

                if (s->status == K3S_STEP_OK) {
                        snprintf(h->rungs + n, sizeof(h->rungs) - n, "%s%s", n ? " " : "", s->name);
                        continue;
                }
                if (!h->first_failure[0]) {
                        h->skipped = s->status == K3S_STEP_SKIPPED;
                        snprintf(h->first_failure, sizeof(h->first_failure), "%s %s%s%s", s->name, status,
                                 s->detail ? ": " : "", s->detail ? s->detail : "");
                }
        }
}

void k3s_health_collect(const struct sysroot *sr, struct k3s_health *ret) {
        struct k3s_health h = {};
        struct k3s_result res;
        struct k3s_ready_target t;

        /* What nodeprep installed: k3s status, once (no waiting). */
        k3s_result_init(&res);
        h.err = k3s_status(sr, /* wait_sec= */ 0, &res);
        if (h.err == -ENOENT) {
                /* Not ours: the ladder alone, when a k3s binary is there. */
                k3s_result_done(&res);
                k3s_result_init(&res);
                h.err = foreign_target(sr, &t);
                if (h.err >= 0)
                        h.err = k3s_ready_ladder(sr, &t, 0, &res);
                res.role = t.role;
        }
        if (h.err >= 0) {
                snprintf(h.role, sizeof(h.role), "%s", k3s_role_to_string(res.role));
                snprintf(h.version, sizeof(h.version), "%s", res.version ? res.version : "");
                h.ready = res.ready;
                summarize(&res, &h);
        }
        k3s_result_done(&res);
        *ret = h;
}

void k3s_health_evaluate(const struct k3s_health *h, struct health_check_result *r) {
        r->status = verdict_k3s_ready(h->err, h->ready, h->skipped);
        if (h->err == -ENOENT)
                snprintf(r->reason, sizeof(r->reason), "K3s is not installed");
        else if (h->err < 0)
                snprintf(r->reason, sizeof(r->reason), "readiness ladder: %s", strerror(-h->err));
        else if (h->ready)
                snprintf(r->reason, sizeof(r->reason), "%s %s ready (%s)", h->role, h->version, h->rungs);
        else if (h->skipped)
                snprintf(r->reason, sizeof(r->reason), "%s: %s", h->role, h->first_failure);
        else
                snprintf(r->reason, sizeof(r->reason), "%s not ready: %s", h->role,
                         h->first_failure[0] ? h->first_failure : "a rung did not hold");
}
