/* SPDX-License-Identifier: MIT */
#include "verdict-facts.h"

const struct verdict_fact_row verdict_facts[_VERDICT_FACT_MAX] = {
        [VERDICT_FACT_NVME_STATE] = { "nvme-state", "nvme/(nvme[0-9]+|controllers)", "nvme-health", CHECK_FAIL,
                                      "a controller that is not live stalls I/O now: not ready" },
        [VERDICT_FACT_NVME_SMART] = { "nvme-smart", "nvme/nvme[0-9]+-smart", "nvme-health", CHECK_FAIL,
                                      "the rule never warns" },
        [VERDICT_FACT_STEAL] = { "steal", "virt/steal", "steal", CHECK_FAIL,
                                 "serve measures a long window (steal_window): sustained steal is a degraded VM" },
        [VERDICT_FACT_FILE_NR] = { "file-nr", "limits/file-nr", "file-handles", CHECK_OK,
                                   "serve gates on the fail threshold only; the warning is check's advice" },
        [VERDICT_FACT_DISK_FREE] = { "disk-free", "disk/space", "data-disk", CHECK_OK,
                                     "serve gates on the fail threshold only; the warning is check's advice" },
        [VERDICT_FACT_DISK_WRITABLE] = { "disk-writable", "disk/mount", "data-disk", CHECK_FAIL,
                                         "the rule never warns" },
};

enum check_status verdict_serve(enum verdict_fact f, enum check_status s) {
        if (s != CHECK_WARN || f < 0 || f >= _VERDICT_FACT_MAX)
                return s;
        return verdict_facts[f].serve_warn;
}
