/* SPDX-License-Identifier: MIT */
/*
 * OpenFaaS on K3s through K3s's own helm-controller: the pinned faas-netes
 * chart in K3s's static charts directory, one manifest (namespaces,
 * basic-auth Secret, HelmChart) in server/manifests, and a readiness ladder
 * over the Kubernetes API and the gateway. Used by `nodeprep openfaas ...`
 * and the bootstrap stage. Nothing here prints: results are structs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../basic/state-paths.h"
#include "../basic/sysroot.h"
#include "../shared/fetch.h"

#define OPENFAAS_CHART_VERSION "15.0.6"
/* docs/index.yaml digest of openfaas-15.0.6.tgz (faas-netes @662ce9ce). */
#define OPENFAAS_CHART_SHA256 "937d0672524fefb7177e0153f45d44ba0cde026ed8d0bfb723207e39c1119d6c"
#define OPENFAAS_CHART_REPO "https://openfaas.github.io/faas-netes"
#define OPENFAAS_CE_EULA_URL "https://github.com/openfaas/faas/blob/master/EULA.md"

#define OPENFAAS_RECORD "/var/lib/nodeprep/openfaas-install.json"
#define OPENFAAS_K3S_SERVER_DIR "/var/lib/rancher/k3s/server"
#define OPENFAAS_MANIFEST OPENFAAS_K3S_SERVER_DIR "/manifests/nodeprep-openfaas.yaml"
#define OPENFAAS_ADDON_NAME "nodeprep-openfaas"
#define OPENFAAS_CHARTS_DIR OPENFAAS_K3S_SERVER_DIR "/static/charts"
#define OPENFAAS_CHART_MAX (4u << 20)
#define OPENFAAS_INDEX_MAX (8u << 20)
#define OPENFAAS_DEFAULT_FUNCTION_TIMEOUT 60u

enum openfaas_expose {
        OPENFAAS_EXPOSE_CLUSTERIP,      /* only the gateway issue's nginx, on this node */
        OPENFAAS_EXPOSE_LOADBALANCER,   /* ServiceLB: port 8080 on every node address */
        OPENFAAS_EXPOSE_NODEPORT,       /* 31112 on every node address */
};

const char *openfaas_expose_to_string(enum openfaas_expose e);
int openfaas_expose_from_string(const char *s, enum openfaas_expose *ret);

struct openfaas_options {
        bool accept_ce_eula;
        const char *license_file;       /* Pro: host path */
        const char *chart_url;          /* chart repository (index.yaml); NULL: OPENFAAS_CHART_REPO */
        const char *chart_file;         /* host path of the .tgz */
        enum openfaas_expose expose;
        unsigned function_timeout_sec;  /* gateway upstream_timeout; default 60 */
        bool canary;
        const char *canary_image;       /* default ghcr.io/openfaas/alpine:latest */
        bool airgap;                    /* refused for CE */
        unsigned timeout_sec;           /* caps every rung's deadline; 0: the rung's own */
        struct fetch_options fetch;
};

void openfaas_options_init(struct openfaas_options *o);
/* Usage errors as a message: -EINVAL (exit 2, nothing touched). */
int openfaas_options_check(const struct openfaas_options *o, char **ret_error);

/* "60s", "1m30s", "2m", "90" (seconds): 1 s .. 24 h. Go's time.ParseDuration
 * forms the chart passes to the gateway, without fractions. */
int openfaas_parse_duration(const char *s, unsigned *ret_sec);

enum openfaas_step_status {
        STEP_OK,
        STEP_CHANGED,
        STEP_UNCHANGED,
        STEP_SKIPPED,
        STEP_WAITING,
        STEP_FAILED,
};

const char *openfaas_step_status_to_string(enum openfaas_step_status s);

struct openfaas_step {
        char *name;
        enum openfaas_step_status status;
        char *detail;
};

struct openfaas_result {
        bool changed;
        bool ready;
        bool api_skipped;               /* --root without a kubeconfig: nothing live was asked */
        const char *edition;            /* "ce" or "pro" */
        char *chart_version;
        char *gateway;                  /* ClusterIP:8080 once known */
        unsigned function_timeout_sec;
        struct openfaas_step *steps;
        size_t n_steps;
        char *failed_step;              /* the rung or step that ended the run */
        char *error;
        char *warning;                  /* e.g. the port --expose loadbalancer opens */
};

void openfaas_result_init(struct openfaas_result *r);
void openfaas_result_done(struct openfaas_result *r);
void openfaas_step(struct openfaas_result *r, const char *name, enum openfaas_step_status status,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Record a failed step, set failed_step and error; returns r. */
int openfaas_fail(struct openfaas_result *res, int r, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

int openfaas_install(const struct sysroot *sr, const struct openfaas_options *o, struct openfaas_result *res);
/* The ladder once (wait_sec 0) or until ready or wait_sec passed. */
int openfaas_status(const struct sysroot *sr, unsigned wait_sec, struct openfaas_result *res);
int openfaas_uninstall(const struct sysroot *sr, unsigned timeout_sec, struct openfaas_result *res);
