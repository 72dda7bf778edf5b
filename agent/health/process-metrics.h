/* SPDX-License-Identifier: MIT */
/*
 * process_* metrics about the agent itself, with the names and units every
 * Prometheus client library exports (client_golang's process collector):
 * process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds and
 * process_start_time_seconds. They describe this process, never the node, so
 * they are read from the live /proc/self even under --root.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>

struct process_figures {
        int err;                        /* of /proc/self/statm; the rest come from syscalls */
        double cpu_seconds;             /* user + system, all threads */
        uint64_t resident_bytes, virtual_bytes;
        int fds_err;
        uint64_t open_fds;
        uint64_t max_fds;               /* RLIMIT_NOFILE soft limit */
        double start_time;              /* Unix time the process started */
};

void process_figures_sample(struct process_figures *ret);
void process_metrics_render(FILE *f, const struct process_figures *p);

/* The first two fields of /proc/PID/statm: program size and resident set, in
 * pages. -EINVAL for anything else. */
int statm_parse(const char *s, uint64_t *ret_size_pages, uint64_t *ret_resident_pages);
