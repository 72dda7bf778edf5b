/* SPDX-License-Identifier: MIT */
/*
 * The one set of limits every verdict is judged against. `nodeprep check`
 * uses the defaults; `nodeprep serve` starts from the same defaults and lets
 * the [health] section of /etc/nodeprep/nodeprep.conf override some of them
 * (health/health-config.c names the keys). Each default cites where it
 * comes from.
 */
#pragma once

#include <stdint.h>

#include "../basic/sysroot.h"

struct verdict_thresholds {
        /* Steal time, % of all CPU time, at or above which the host is
         * overcommitted (kube-prometheus #796: >10% for long is a degraded VM). */
        unsigned steal_percent;
        /* Allocated file handles, % of fs.file-max: warn / fail at or above. */
        unsigned file_nr_warn_percent, file_nr_fail_percent;
        /* fs.file-max below this: warn (what `nodeprep apply k3s-node` sets). */
        uint64_t file_max_min;
        /* Free space in the data dir's filesystem: below either figure fails
         * (the kubelet's hard eviction, nodefs.available<10%) or warns (image
         * garbage collection starts at 15%). */
        unsigned disk_fail_percent;
        uint64_t disk_fail_bytes;
        unsigned disk_warn_percent;
        uint64_t disk_warn_bytes;
        /* O_DIRECT write+fdatasync p99 above this: warn (etcd's WAL guidance). */
        double latency_p99_warn_ms;
        /* SMART percent_used at or above this: the drive is worn out. */
        unsigned nvme_percent_used_fail;
};

#define VERDICT_STEAL_PERCENT 10
/* Fewer ticks (USER_HZ, all CPUs) than this in a window: too coarse to judge. */
#define VERDICT_STEAL_MIN_TICKS 100
#define VERDICT_FILE_NR_WARN_PERCENT 80
#define VERDICT_FILE_NR_FAIL_PERCENT 90
#define VERDICT_FILE_MAX_MIN 1048576
#define VERDICT_DISK_FAIL_PERCENT 10
#define VERDICT_DISK_FAIL_BYTES UINT64_C(2000000000)
#define VERDICT_DISK_WARN_PERCENT 15
#define VERDICT_DISK_WARN_BYTES UINT64_C(10000000000)
#define VERDICT_LATENCY_P99_WARN_MS 10.0
#define VERDICT_NVME_PERCENT_USED_FAIL 90

/* K3s's own default (k3s pkg/cli/cmds/server.go: --data-dir, "/var/lib/rancher/k3s"). */
#define VERDICT_K3S_DATA_DIR_DEFAULT "/var/lib/rancher/k3s"

/* The defaults, as `nodeprep check` uses them. */
extern const struct verdict_thresholds verdict_thresholds_default;

void verdict_thresholds_init(struct verdict_thresholds *t);

/* The data dir K3s uses here: data-dir from /etc/rancher/k3s/config.yaml and
 * config.yaml.d/ (k3s_data_dir()), else /var/lib/rancher/k3s. Configuration
 * that cannot be read (or no libyaml) gives the default: K3s would not start
 * on it either, and the disk is still worth judging. -ENOMEM only. */
int verdict_k3s_data_dir(const struct sysroot *sr, char **ret);
