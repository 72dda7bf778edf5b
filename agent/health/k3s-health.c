/* SPDX-License-Identifier: MIT */
/*
 * Interim: the K3s module (agent/k3s/, its readiness ladder) has not landed
 * in this tree yet, so the k3s check says it cannot tell. Replaced by the
 * ladder-backed implementation as soon as agent/k3s/ready.h is committed.
 */
#include "k3s-health.h"

#include <errno.h>
#include <stdio.h>

#include "checks.h"

void k3s_health_collect(const struct sysroot *sr, struct k3s_health *ret) {
        (void) sr;
        *ret = (struct k3s_health) { .err = -ENOSYS };
}

void k3s_health_evaluate(const struct k3s_health *h, struct health_check_result *r) {
        (void) h;
        r->status = HS_UNKNOWN;
        snprintf(r->reason, sizeof(r->reason), "the K3s readiness ladder is not built into this nodeprep yet");
}
