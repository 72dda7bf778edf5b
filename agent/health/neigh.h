/* SPDX-License-Identifier: MIT */
/*
 * Neighbour (ARP/NDP) table entries per family, counted over rtnetlink with
 * libnl, the way the kernel counts them against gc_thresh3.
 */
#pragma once

#include <stdint.h>

enum { NEIGH_V4, NEIGH_V6, _NEIGH_FAMILY_MAX };

/* Entries that count against gc_thresh3 (not permanent, not externally
 * learned), per family. Negative errno when the dump fails. */
int neigh_count(uint64_t ret_entries[_NEIGH_FAMILY_MAX]);
