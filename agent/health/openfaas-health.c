/* SPDX-License-Identifier: MIT */
#include "openfaas-health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/dl-crypto.h"
#include "../shared/dl-curl.h"
#include "../shared/dl-yaml.h"
#include "../openfaas/openfaas.h"
#include "health-checks.h"

void openfaas_health_collect(const struct sysroot *sr, struct openfaas_health *ret) {
        struct openfaas_health h = {};
        struct openfaas_result res;

        if (sysroot_access(sr, OPENFAAS_RECORD, F_OK) < 0) {
                *ret = (struct openfaas_health) { .err = -ENOENT };
                return;
        }
        /* serve loads these only once there is something to ask. */
        h.err = dlopen_curl(NULL);
        if (h.err >= 0)
                h.err = dlopen_yaml(NULL);
        if (h.err >= 0)
                h.err = dlopen_crypto(NULL);
        if (h.err < 0) {
                *ret = h;
                return;
        }
        openfaas_result_init(&res);
        h.err = openfaas_status(sr, /* wait_sec= */ 0, &res);
        /* A rung that does not hold is a verdict, not an error. */
        if (h.err == -ETIMEDOUT || h.err == -EBADMSG || (h.err < 0 && res.failed_step))
                h.err = 0;
        h.ready = h.err >= 0 && res.ready;
        h.skipped = res.api_skipped;
        snprintf(h.edition, sizeof(h.edition), "%s", res.edition ? res.edition : "");
        snprintf(h.version, sizeof(h.version), "%s", res.chart_version ? res.chart_version : "");
        snprintf(h.gateway, sizeof(h.gateway), "%s", res.gateway ? res.gateway : "");
        for (size_t i = 0; i < res.n_steps; i++)
                if (res.steps[i].status != STEP_OK) {
                        snprintf(h.first_failure, sizeof(h.first_failure), "%.40s %s: %.200s", res.steps[i].name,
                                 openfaas_step_status_to_string(res.steps[i].status),
                                 res.steps[i].detail ? res.steps[i].detail : "");
                        break;
                }
        openfaas_result_done(&res);
        *ret = h;
}

void openfaas_health_evaluate(const struct openfaas_health *h, struct health_check_result *r) {
        if (h->err == -ENOENT) {
                r->status = CHECK_NA;
                snprintf(r->reason, sizeof(r->reason), "OpenFaaS is not installed by nodeprep");
        } else if (h->err < 0) {
                r->status = CHECK_UNKNOWN;
                snprintf(r->reason, sizeof(r->reason), "openfaas status: %s", strerror(-h->err));
        } else if (h->ready) {
                r->status = CHECK_OK;
                snprintf(r->reason, sizeof(r->reason), "OpenFaaS %s %s ready, gateway %s", h->edition, h->version,
                         h->gateway);
        } else if (h->skipped) {
                r->status = CHECK_UNKNOWN;
                snprintf(r->reason, sizeof(r->reason), "no Kubernetes API to ask (--root)");
        } else {
                r->status = CHECK_FAIL;
                snprintf(r->reason, sizeof(r->reason), "not ready: %s",
                         h->first_failure[0] ? h->first_failure : "a rung did not hold");
        }
}
