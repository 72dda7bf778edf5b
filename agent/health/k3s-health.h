/* SPDX-License-Identifier: MIT */
/*
 * The k3s check: n/a when K3s is not installed; otherwise the K3s module's
 * readiness ladder (k3s/ready.h: unit state over sd-bus, then the API, then
 * the node), run once per K3S_HEALTH_PERIOD_SEC. The first rung that does not
 * hold is the reason.
 */
#pragma once

#include <stdbool.h>

#include "../basic/sysroot.h"

#define K3S_HEALTH_PERIOD_SEC 15

struct k3s_health {
        int err;                /* -ENOENT: not installed */
        bool ready;
        char role[16];
        char version[64];
        char rungs[160];        /* "unit ping readyz node" as they held */
        char first_failure[256];
        bool skipped;           /* the ladder stopped at a rung it could not run (--root) */
};

void k3s_health_collect(const struct sysroot *sr, struct k3s_health *ret);

struct health_check_result;
void k3s_health_evaluate(const struct k3s_health *h, struct health_check_result *r);
