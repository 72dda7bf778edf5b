/* SPDX-License-Identifier: MIT */
/*
 * The one manifest nodeprep writes into K3s's server/manifests: Namespaces
 * openfaas and openfaas-fn (faas-netes namespaces.yml labels), Secret
 * openfaas/basic-auth (and openfaas-license for Pro), and HelmChart
 * kube-system/openfaas. Emitted with libyaml; the same input always gives the
 * same bytes, so a re-install changes nothing.
 */
#pragma once

#include <stddef.h>

#include "openfaas.h"

struct render_input {
        const char *password;           /* basic-auth-password */
        const char *license;            /* Pro licence text, or NULL for CE */
        enum openfaas_expose expose;
        unsigned function_timeout_sec;
        const char *chart_name;         /* openfaas-15.0.6.tgz */
};

/* The values of the HelmChart's valuesContent (YAML text). */
int openfaas_render_values(const struct render_input *in, char **ret, size_t *ret_size);
int openfaas_render_manifest(const struct render_input *in, char **ret, size_t *ret_size);

/* Gateway read/write timeout for a function (upstream) timeout: slightly
 * above it (docs tutorials/expanded-timeouts.md; chart default 1m -> 1m05s). */
unsigned openfaas_rw_timeout(unsigned upstream_sec);
/* queueWorker.ackWait: the seed's 60s, or the function timeout when longer
 * (the CE worker hands it to NATS Streaming AckWait: redelivery after it). */
unsigned openfaas_ack_wait(unsigned upstream_sec);
