/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers for the procfs files the health checks read. They take a
 * NUL-terminated buffer and return -EBADMSG on anything unexpected, so a
 * garbage or truncated file makes its check "unknown", never a wrong number.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* /proc/net/stat/{arp_cache,ndisc_cache,nf_conntrack}: a header of column
 * names, then one row of hex numbers per CPU. Sums column over all rows;
 * -ENOENT when the column does not exist. */
int procfs_lnstat_sum(const char *buf, const char *column, uint64_t *ret);

/* /proc/net/netstat and /proc/net/snmp: "Prefix: names" then "Prefix: values". */
int procfs_netstat_get(const char *buf, const char *prefix, const char *name, uint64_t *ret);

/* /proc/sys/fs/file-nr: "allocated unused maximum". */
int procfs_file_nr(const char *buf, uint64_t *ret_allocated, uint64_t *ret_max);

struct psi_line {
        bool present;
        double avg10, avg60, avg300;
        uint64_t total_us;
};

/* /proc/pressure/{cpu,io,memory}: "some ..." and optionally "full ...". */
int procfs_psi(const char *buf, struct psi_line *ret_some, struct psi_line *ret_full);
