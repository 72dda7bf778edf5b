/* SPDX-License-Identifier: MIT */
/*
 * NVMe controllers and namespaces from sysfs, and SMART / health via the
 * admin passthru ioctl (Get Log Page 0x02), the way nvme-cli does it. No NVMe
 * is not an error (node_exporter #2086 reports it as one). SMART is read once
 * per call: some drives bump their error-log counter on every passthru
 * (node_exporter #2643), so callers poll sparingly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../basic/sysroot.h"

#define NVME_MAX_CTRLS 256
#define NVME_MAX_NS 32

struct nvme_ns {
        char name[32];
        uint64_t size_bytes;
        int rotational;                 /* -1 unknown */
        char scheduler[32];
        uint64_t logical_block_size, physical_block_size;
        char write_cache[32];
        int error;                      /* first attribute that could not be read */
        char error_attr[32];
};

struct nvme_ctrl {
        char name[32];                  /* nvme0 */
        char model[64], serial[64], firmware[32];
        char transport[16], state[24], address[64];
        const char *emulated;           /* why it is virtual (QEMU, EBS), or NULL */
        int temp_millicelsius;          /* hwmon temp1_input, INT32_MIN unknown */
        struct nvme_ns ns[NVME_MAX_NS];
        size_t n_ns;
        int error;                      /* 0, or -errno of the first unreadable attribute */
        char error_attr[32];
};

struct nvme_list {
        struct nvme_ctrl *ctrls;
        size_t n;
};

/* -ENOENT when the node has no /sys/class/nvme (no driver, no devices). */
int nvme_enumerate(const struct sysroot *sr, struct nvme_list *ret);
void nvme_list_done(struct nvme_list *l);

/* The SMART / Health Information log (NVMe base spec, log page 02h). */
struct nvme_smart {
        uint8_t critical_warning;       /* bit0 spare, 1 temperature, 2 reliability, 3 read-only, 4 volatile backup, 5 PMR */
        int temperature_celsius;        /* composite, from kelvin */
        uint8_t available_spare, spare_threshold, percent_used;
        uint64_t media_errors, unsafe_shutdowns, power_on_hours, error_log_entries;
};

/* Decode the 512-byte log page (little-endian). Counters are 128-bit in
 * the spec; values beyond 2^64-1 saturate. */
int nvme_smart_parse(const uint8_t *buf, size_t size, struct nvme_smart *ret);

/* Read the log of controller name ("nvme0") through /dev/<name>. Live only;
 * -EPERM/-EACCES without CAP_SYS_ADMIN. */
int nvme_smart_read(const struct sysroot *sr, const char *name, struct nvme_smart *ret);

/* The same on an open controller device (the seam the unit test mocks). */
int nvme_smart_read_fd(int fd, struct nvme_smart *ret);

/* Whether the log says the drive needs attention is a verdict:
 * verdict_nvme_smart() in verdict/verdict-rules.h. */
