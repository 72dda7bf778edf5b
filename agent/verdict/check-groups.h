/* SPDX-License-Identifier: MIT */
/*
 * The node checks behind `nodeprep check` (and, later, the health server's
 * named checks): each group judges what the probes found and appends items
 * to a check_list. Judging lives here, printing in agent/cmd/check.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"
#include "checklist.h"
#include "thresholds.h"

struct check_options {
        bool latency;                   /* run the O_DIRECT probe in the data dir */
        const char *role;               /* "server" or "agent": minimum CPU/memory */
        /* The live steal window spans from steal_start (taken when the run
         * began) to the steal check, which runs last; steal_window_ms > 0
         * sleeps until that much has passed. 0: the run itself, no sleep. */
        unsigned steal_window_ms;
        bool steal_start_valid;
        uint64_t steal_start_total, steal_start_steal;
        uint64_t steal_start_usec;      /* CLOCK_MONOTONIC */
        const char *data_dir;           /* K3s data dir (verdict_k3s_data_dir()) */
        const struct verdict_thresholds *thresholds;    /* NULL: verdict_thresholds_default */
};

static inline const struct verdict_thresholds *check_thresholds(const struct check_options *o) {
        return o && o->thresholds ? o->thresholds : &verdict_thresholds_default;
}

#define CHECK_DEFAULT_DATA_DIR VERDICT_K3S_DATA_DIR_DEFAULT
#define CHECK_DEFAULT_STEAL_WINDOW_MS 0
#define CHECK_STEAL_MIN_TICKS VERDICT_STEAL_MIN_TICKS

typedef int (*check_group_fn)(const struct sysroot *sr, const struct check_options *o, struct check_list *l);

struct check_group {
        const char *name;
        check_group_fn fn;
};

int check_virt(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
/* virt's steal item, run after every other group so that its window covers
 * the whole run (check_list_sort_groups() restores the order). */
int check_virt_steal(const struct sysroot *sr, const struct check_options *o, struct check_list *l);
/* Record the start of the steal window (live only; harmless otherwise). */
void check_steal_window_start(const struct sysroot *sr, struct check_options *o);
/* Stable-sort items into check_groups[] order. */
int check_list_sort_groups(struct check_list *l);
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
