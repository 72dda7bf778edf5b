/* SPDX-License-Identifier: MIT */
#include "thresholds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../k3s/k3sconf.h"
#include "../shared/dl-yaml.h"

const struct verdict_thresholds verdict_thresholds_default = {
        .steal_percent = VERDICT_STEAL_PERCENT,
        .file_nr_warn_percent = VERDICT_FILE_NR_WARN_PERCENT,
        .file_nr_fail_percent = VERDICT_FILE_NR_FAIL_PERCENT,
        .file_max_min = VERDICT_FILE_MAX_MIN,
        .disk_fail_percent = VERDICT_DISK_FAIL_PERCENT,
        .disk_fail_bytes = VERDICT_DISK_FAIL_BYTES,
        .disk_warn_percent = VERDICT_DISK_WARN_PERCENT,
        .disk_warn_bytes = VERDICT_DISK_WARN_BYTES,
        .latency_p99_warn_ms = VERDICT_LATENCY_P99_WARN_MS,
        .nvme_percent_used_fail = VERDICT_NVME_PERCENT_USED_FAIL,
};

void verdict_thresholds_init(struct verdict_thresholds *t) {
        *t = verdict_thresholds_default;
}

int verdict_k3s_data_dir(const struct sysroot *sr, char **ret) {
        _cleanup_free_ char *dir = NULL;
        const char *why;
        int r;

        /* K3s's config files are YAML: without libyaml, K3s's default. */
        r = dlopen_yaml(&why) < 0 ? -ENOENT : k3s_data_dir(sr, &dir);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {    /* none set, or unreadable K3s configuration */
                dir = strdup(VERDICT_K3S_DATA_DIR_DEFAULT);
                if (!dir)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(dir);
        return 0;
}
