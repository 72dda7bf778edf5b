/* SPDX-License-Identifier: MIT */
/*
 * One collection: every raw figure the checks and /metrics rest on, read
 * once per interval. Each source carries its own error (negative errno), so a
 * source that fails makes only its own checks unknown. Nothing here is read
 * per request: the server renders from a snapshot of these figures.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"
#include "../probe/steal.h"
#include "disk.h"
#include "gateway-health.h"
#include "health-config.h"
#include "k3s-health.h"
#include "neigh.h"
#include "nvme-health.h"
#include "openfaas-health.h"
#include "process-metrics.h"
#include "procfs.h"

enum { PSI_CPU, PSI_IO, PSI_MEMORY, _PSI_MAX };

struct health_figures {
        double time;                    /* wall clock, seconds since the epoch */
        double mono;                    /* CLOCK_MONOTONIC, for deltas */
        double duration;                /* of this collection */

        int neigh_err;                  /* netlink dump (-EOPNOTSUPP under --root) */
        uint64_t neigh_entries[_NEIGH_FAMILY_MAX];
        int thresh_err[_NEIGH_FAMILY_MAX];
        uint64_t gc_thresh3[_NEIGH_FAMILY_MAX];
        bool thresh_override;
        int fulls_err[_NEIGH_FAMILY_MAX];
        uint64_t table_fulls[_NEIGH_FAMILY_MAX];

        int ct_err;                     /* -ENOENT: nf_conntrack not loaded */
        uint64_t ct_count, ct_max;
        int ct_stat_err;
        uint64_t ct_insert_failed, ct_drop, ct_early_drop;

        int fd_err;
        uint64_t fd_allocated, fd_max;

        int netstat_err;
        uint64_t listen_overflows, listen_drops;

        int cpu_err;
        struct cpu_ticks cpu;           /* USER_HZ */
        int steal_feature;              /* 1 yes, 0 no, negative errno: could not tell */

        int psi_err[_PSI_MAX];
        struct psi_line psi_some[_PSI_MAX], psi_full[_PSI_MAX];

        bool disk_probed;
        struct disk_result disk;

        struct nvme_health nvme;        /* refreshed every NVME_HEALTH_PERIOD_SEC */
        struct k3s_health k3s;
        struct openfaas_health openfaas;        /* refreshed every OPENFAAS_HEALTH_PERIOD_SEC */
        struct gateway_check gateway;   /* refreshed every GATEWAY_HEALTH_PERIOD_SEC */
        char vm[32], container[32];     /* from the probe module, once */

        int drift_err;                  /* -ENOENT: no profile applied */
        char *drift_error;
        char *profile;
        char **drifted;                 /* names out of sync */
        unsigned drift_checked;         /* keys + files + modules compared */

        struct process_figures process; /* the agent itself */
};

const char *psi_resource_name(int i);
const char *neigh_family_name(int i);

struct health_collector;

int health_collector_new(const struct sysroot *sr, const struct health_config *c, struct health_collector **ret);
struct health_collector *health_collector_free(struct health_collector *col);

/* Fill ret (all fields; release with health_figures_done). Only -ENOMEM is
 * returned as an error; source failures are recorded in the figures. */
int health_collect(struct health_collector *col, struct health_figures *ret);
void health_figures_done(struct health_figures *f);
