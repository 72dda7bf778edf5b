/* SPDX-License-Identifier: MIT */
/*
 * The readiness ladder, each rung with its own deadline and named in the
 * result: AddOn applied with our checksum -> HelmChart job created, not
 * failed -> job helm-install-openfaas complete (while waiting: the job pod's
 * waiting reason, restarts, termination message) -> Helm release deployed ->
 * every Deployment of the release Available -> gateway /healthz 200 ->
 * authenticated /system/info -> (canary) a function deployed, invoked sync
 * and async, deleted. helm-controller runs helm without --wait (klipper-helm
 * entry), so a complete job says nothing about pods: hence the later rungs.
 */
#pragma once

#include "../kube/kubeconfig.h"
#include "openfaas.h"

struct ladder_target {
        const char *manifest_sha256;
        const char *password;
        bool canary;
        const char *canary_image;
        unsigned wait_cap_sec;          /* 0: each rung's own deadline; else at most this */
        bool once;                      /* status: one look per rung, no waiting */
};

/* 0 when every rung held (res->ready); -ETIMEDOUT or -EPROTO when one did
 * not, with the rung in res->failed_step and its reason in res->error.
 * With once, a rung that does not hold yet ends the ladder with 0 and
 * res->ready false. */
int openfaas_ladder(const struct kubeconfig *kc, const struct ladder_target *t, struct openfaas_result *res);

/* The kubeconfig K3s wrote; under --root its absence only skips the API
 * (*ret_api false, a skipped step). */
int openfaas_api_open(const struct sysroot *sr, struct kubeconfig *kc, bool *ret_api, struct openfaas_result *res);

/* The gateway's URL base (http://IP:8080) from Service openfaas/gateway. */
int openfaas_gateway_address(const struct kubeconfig *kc, char **ret, char **ret_error);
