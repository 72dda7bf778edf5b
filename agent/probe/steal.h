/* SPDX-License-Identifier: MIT */
/*
 * CPU steal time from /proc/stat: the share of time the hypervisor ran
 * someone else while this guest wanted the CPU (a noisy-neighbour signal).
 */
#pragma once

#include <stdint.h>

struct cpu_ticks {
        uint64_t total;         /* user..steal (the first 8 fields), USER_HZ */
        uint64_t steal;
};

/* Parse the aggregate "cpu " line of /proc/stat content. */
int cpu_ticks_parse(const char *stat, struct cpu_ticks *ret);

/* Steal % between two samples in [0, 100], or -ERANGE when the counters
 * went backwards or the window is empty (node_exporter #742: kernel bugs
 * produce bogus negative deltas, so they are refused, not reported). */
int steal_percent(const struct cpu_ticks *a, const struct cpu_ticks *b, double *ret);
