/* SPDX-License-Identifier: MIT */
/*
 * The order in which sysctl writes happen. ip_forward goes first (changing it
 * resets other per-interface settings, ip-sysctl.rst). The neighbour-table
 * thresholds must satisfy gc_thresh1 <= gc_thresh2 <= gc_thresh3 at every
 * moment: raises go 3, 2, 1 and lowers go 1, 2, 3. Everything else keeps the
 * profile's order.
 */
#pragma once

#include <stddef.h>

struct write_op {
        const char *key;
        const char *from;       /* live value before the write */
        const char *to;
};

/* Fill ret_order (n entries) with indexes into ops in write order. */
void order_writes(const struct write_op *ops, size_t n, size_t *ret_order);
