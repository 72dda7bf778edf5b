/* SPDX-License-Identifier: MIT */
/*
 * Neighbour (ARP/NDP) table entries per family, counted over rtnetlink with
 * libnl, the way the kernel counts them against gc_thresh3.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { NEIGH_V4, NEIGH_V6, _NEIGH_FAMILY_MAX };

/* Entries that count against gc_thresh3 (not permanent, not externally
 * learned), per family. Negative errno when the dump fails. */
int neigh_count(uint64_t ret_entries[_NEIGH_FAMILY_MAX]);

/* One RTM_GETNEIGH dump in progress: entries counted so far, and whether
 * the kernel has said NLMSG_DONE or marked the dump inconsistent. */
struct neigh_tally {
        uint64_t n[_NEIGH_FAMILY_MAX];
        bool interrupted;
        bool done;
        unsigned messages;
};

/* Walk one receive buffer of the dump (netlink messages as the kernel sent
 * them) into t. 0 to read on, or negative errno (a kernel error message, a
 * malformed one, too many messages). Exposed for the fuzz target. */
int neigh_tally_buffer(const void *buf, size_t len, struct neigh_tally *t);
