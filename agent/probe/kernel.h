/* SPDX-License-Identifier: MIT */
/*
 * Kernel facts K3s depends on: the cgroup layout and controllers and the
 * kernel build configuration (modules: shared/kmod-util.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../basic/sysroot.h"

enum cgroup_mode {
        CGROUP_UNKNOWN,
        CGROUP_V1,
        CGROUP_HYBRID,          /* v1 controllers plus a v2 tree at /sys/fs/cgroup/unified */
        CGROUP_V2,
};

struct cgroup_info {
        enum cgroup_mode mode;
        bool memory, cpu, cpuset;       /* usable by the kubelet */
        char evidence[192];
        int error;                      /* 0, or why it could not be told */
};

int cgroup_probe(const struct sysroot *sr, struct cgroup_info *ret);
const char *cgroup_mode_to_string(enum cgroup_mode m);

/* The kernel build config (/boot/config-$(uname -r), else /proc/config.gz,
 * decompressed with zlib). ret_source names the file used. */
int kconfig_load(const struct sysroot *sr, char **ret, const char **ret_source);
/* 'y', 'm', or 0 when not set. option without the CONFIG_ prefix. */
char kconfig_get(const char *config, const char *option);
/* The same for n options in one pass over the config (ret[i] per option). */
void kconfig_get_many(const char *config, const char *const *options, size_t n, char *ret);
