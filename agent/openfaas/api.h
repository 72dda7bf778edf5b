/* SPDX-License-Identifier: MIT */
/*
 * What the ladder reads from Kubernetes API answers, as typed results. Each
 * parser takes the raw answer (capped by kube_request) and never trusts it:
 * missing fields are "not yet", wrong types are -EBADMSG. All are fuzzed
 * (tests/fuzz/fuzz-openfaas-api.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* AddOn k3s.cattle.io/v1 (k3s pkg/apis/k3s.cattle.io/v1/types.go: spec.source,
 * spec.checksum = sha256 of the manifest file, pkg/deploy/controller.go). */
int api_addon_checksum(const char *text, size_t size, char ret[65]);

/* HelmChart status (helm-controller pkg/controllers/chart/chart.go:
 * status.jobName, conditions JobCreated and Failed). */
struct helmchart_state {
        char job_name[128];
        bool job_created;
        bool failed;
        char reason[128];
        char message[512];
};
int api_helmchart_state(const char *text, size_t size, struct helmchart_state *ret);

/* Job batch/v1: conditions Complete / Failed, counters. */
struct job_state {
        bool complete;
        bool failed;
        char reason[128];
        char message[512];
        long active, failed_pods;
};
int api_job_state(const char *text, size_t size, struct job_state *ret);

/* The job's pods (a PodList): the container status that explains most:
 * a waiting reason (CrashLoopBackOff, ImagePullBackOff, ErrImagePull), the
 * restart count and the last termination message (klipper-helm writes its
 * summary to /dev/termination-log). */
struct pod_state {
        size_t n_pods;
        char pod[128];
        char phase[32];
        char waiting_reason[64];
        char waiting_message[512];
        long restarts;
        char terminated_message[512];
        int exit_code;
};
int api_pods_state(const char *text, size_t size, struct pod_state *ret);

/* Helm 3 release records: Secrets sh.helm.release.v1.NAME.vN with labels
 * owner=helm, name, status, version (helm pkg/storage/driver/secrets.go). */
struct release_state {
        long version;           /* the highest; 0: none */
        char status[32];        /* deployed, failed, pending-install... */
};
int api_release_state(const char *text, size_t size, struct release_state *ret);

/* A DeploymentList: how many, which are not Available and why, and the
 * gateway's timeouts from its container env (templates/gateway-dep.yaml). */
struct deployments_state {
        size_t n;
        size_t n_available;
        char unavailable[256];          /* "nats, queue-worker" */
        char reason[512];               /* the first one's Available condition */
        char upstream_timeout[32], read_timeout[32], write_timeout[32];
};
int api_deployments_state(const char *text, size_t size, struct deployments_state *ret);

/* Service: spec.clusterIP and the port named or numbered 8080. */
int api_service_address(const char *text, size_t size, char ret_ip[64], int *ret_port);

/* Gateway GET /system/info (gateway/handlers/infohandler.go: provider
 * {provider, orchestration}, version {release}). */
struct gateway_info {
        char provider[64];
        char orchestration[64];
        char release[64];
};
int api_gateway_info(const char *text, size_t size, struct gateway_info *ret);

/* Gateway GET /system/function/NAME: availableReplicas. */
int api_function_available(const char *text, size_t size, long *ret);
