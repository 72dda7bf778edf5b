/* SPDX-License-Identifier: MIT */
/*
 * The openfaas check: n/a when nodeprep installed no OpenFaaS; otherwise
 * `openfaas status` once (openfaas/openfaas.h: the manifest, the AddOn, the
 * helm job, the release, every Deployment Available, gateway /healthz and
 * an authenticated /system/info), every OPENFAAS_HEALTH_PERIOD_SEC. The first
 * rung that does not hold is the reason.
 */
#pragma once

#include <stdbool.h>

#include "../basic/sysroot.h"

#define OPENFAAS_HEALTH_PERIOD_SEC 15

struct openfaas_health {
        int err;                /* -ENOENT: not installed by nodeprep */
        bool ready;
        bool skipped;           /* --root without a kubeconfig */
        char edition[8];
        char version[32];
        char gateway[80];
        char first_failure[256];
};

void openfaas_health_collect(const struct sysroot *sr, struct openfaas_health *ret);

struct health_check_result;
void openfaas_health_evaluate(const struct openfaas_health *h, struct health_check_result *r);
