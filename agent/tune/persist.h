/* SPDX-License-Identifier: MIT */
/*
 * The files that make a profile survive a reboot: the sysctl.d drop-in
 * (sorting after Debian's 99-sysctl.conf; no globs and no '-' lines, so
 * systemd-sysctl and procps read it the same), modules-load.d, and the
 * manager's DefaultLimitNOFILE. Each starts with a marker line; nodeprep never
 * overwrites or removes a file without it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"
#include "bootconf.h"

#define NODEPREP_MODULES_FILE "/etc/modules-load.d/nodeprep.conf"
#define NODEPREP_MANAGER_FILE "/etc/systemd/system.conf.d/nodeprep.conf"
#define NODEPREP_MARKER "# Written by nodeprep"

enum persisted_file {
        PERSIST_SYSCTL,
        PERSIST_MODULES,
        PERSIST_MANAGER,
        _PERSIST_MAX,
};

const char *persisted_file_path(enum persisted_file f);

/* Does the file exist, and was it written by nodeprep? */
int persisted_file_probe(const struct sysroot *sr, const char *path, bool *ret_exists, bool *ret_ours);

struct sysctl_line {
        const char *key;
        const char *value;
};

int render_sysctl_dropin(const char *profile, const struct sysctl_line *lines, size_t n, char **ret);
int render_modules(const char *profile, char * const *modules, char **ret);
int render_manager(const char *profile, uint64_t nofile, char **ret);

/* Write content (atomic, 0644) unless the file already holds exactly that.
 * ret_changed says whether it was written. */
int persist_write(const struct sysroot *sr, const char *path, const char *content, bool *ret_changed);
