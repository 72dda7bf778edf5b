/* SPDX-License-Identifier: MIT */
/*
 * The node checks behind `nodeprep check` (and, later, the health server's
 * named checks): each group judges what the probes found and appends items
 * to a check_list. Judging lives here, printing in agent/cmd/check.c.
 */
#pragma once

#include <stdbool.h>

#include "../basic/sysroot.h"
#include "checklist.h"

struct check_options {
        bool latency;                   /* run the O_DIRECT probe in the data dir */
        const char *role;               /* "server" or "agent": minimum CPU/memory */
        unsigned steal_window_ms;       /* live steal sample window */
        const char *data_dir;           /* K3s data dir, default /var/lib/rancher/k3s */
};

#define CHECK_DEFAULT_DATA_DIR "/var/lib/rancher/k3s"
#define CHECK_DEFAULT_STEAL_WINDOW_MS 100

typedef int (*check_group_fn)(const struct sysroot *sr, const struct check_options *o, struct check_list *l);

struct check_group {
        const char *name;
        check_group_fn fn;
};

int check_virt(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
int check_kvm(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
int check_nvme(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
int check_disk(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
int check_k3s_prereq(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
int check_limits(const struct sysroot *sr, const struct check_options *o, struct check_list *l);

/* The groups in output order; NULL-terminated by name. */
extern const struct check_group check_groups[];
const struct check_group *check_group_find(const char *name);

/* The note appended to live-only probes under --root. */
#define CHECK_SKIPPED_ROOT "live-only, skipped under --root"
