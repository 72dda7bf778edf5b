/* SPDX-License-Identifier: MIT */
/*
 * The nvme-health check: controller state from sysfs and SMART where the
 * passthru ioctl is permitted, both read by the probe module (probe/nvme.h).
 * SMART is polled sparingly (some drives count every passthru as an error
 * log entry), so the collector refreshes this every NVME_HEALTH_PERIOD_SEC.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../basic/sysroot.h"
#include "../probe/nvme.h"

#define NVME_HEALTH_CTRLS 8
#define NVME_HEALTH_PERIOD_SEC 300

struct nvme_health_ctrl {
        char name[32], model[64], state[24];
        int temp_millicelsius;
        int smart_err;          /* -EPERM/-EACCES: not permitted; -EOPNOTSUPP under --root */
        struct nvme_smart smart;
        bool unhealthy;
        char why[128];
};

struct nvme_health {
        int err;                /* -ENOENT: no NVMe on this node */
        size_t n;               /* controllers (at most NVME_HEALTH_CTRLS are kept) */
        struct nvme_health_ctrl c[NVME_HEALTH_CTRLS];
};

void nvme_health_collect(const struct sysroot *sr, struct nvme_health *ret);

struct health_check_result;
void nvme_health_evaluate(const struct nvme_health *h, struct health_check_result *r);
