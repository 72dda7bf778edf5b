/* SPDX-License-Identifier: MIT */
/* Fuzz target: every parser of a Kubernetes API or gateway answer the
 * OpenFaaS ladder reads (agent/openfaas/api.h), and the Status message. Each
 * input goes through all of them: an answer is untrusted whatever the path. */
#include <stdint.h>
#include <stdlib.h>

#include "kube/kube.h"
#include "openfaas/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *t = (const char *) data;
        struct helmchart_state h;
        struct job_state j;
        struct pod_state p;
        struct release_state rel;
        struct deployments_state d;
        struct gateway_info g;
        char sum[65], ip[64];
        long avail;
        int port;

        if (size > (1u << 20))
                return 0;
        (void) api_addon_checksum(t, size, sum);
        (void) api_helmchart_state(t, size, &h);
        (void) api_job_state(t, size, &j);
        (void) api_pods_state(t, size, &p);
        (void) api_release_state(t, size, &rel);
        (void) api_deployments_state(t, size, &d);
        (void) api_service_address(t, size, ip, &port);
        (void) api_gateway_info(t, size, &g);
        (void) api_function_available(t, size, &avail);
        free(kube_status_message(t, size));
        return 0;
}
