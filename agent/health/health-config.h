/* SPDX-License-Identifier: MIT */
/*
 * The [health] section of /etc/nodeprep/nodeprep.conf: which checks run,
 * their thresholds, and the server's limits. Parsed with inih through the
 * line-counting reader, validated completely at start: any unknown key, bad
 * value or unknown check name is an error with file:line. Other sections
 * belong to other commands and are skipped.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../basic/sysroot.h"
#include "../verdict/thresholds.h"

#define HEALTH_CONFIG_PATH "/etc/nodeprep/nodeprep.conf"
#define HEALTH_CONFIG_LINE_MAX 1024
#define HEALTH_CONFIG_LINES_MAX 2000

enum health_check_id {
        HC_PROFILE_DRIFT,
        HC_NEIGHBOUR_TABLE,
        HC_CONNTRACK,
        HC_FILE_HANDLES,
        HC_LISTEN_QUEUE,
        HC_STEAL,
        HC_PRESSURE,
        HC_DATA_DISK,
        HC_NVME_HEALTH,
        HC_K3S,
        HC_OPENFAAS,
        HC_GATEWAY,
        _HC_MAX,
};

const char *health_check_name(enum health_check_id id);
/* -ENOENT for an unknown name. */
int health_check_from_name(const char *name);

struct health_config {
        bool enabled[_HC_MAX];
        char *listen;                   /* "ADDR:PORT"; NULL = default */
        unsigned interval_sec;          /* collection period */
        char *token_file;
        char *tls_cert, *tls_key;

        /* Server limits. */
        unsigned max_connections;       /* beyond: 503 */
        unsigned timeout_sec;           /* idle/header timeout */
        unsigned max_request_bytes;     /* request line + headers; beyond: 431 */

        /* The thresholds `nodeprep check` uses too, from the same defaults;
         * these keys override some: file_handles_fail_percent ->
         * file_nr_fail_percent, steal_fail_percent -> steal_percent,
         * data_disk_min_free_percent -> disk_fail_percent (also the inodes),
         * data_disk_min_free_bytes -> disk_fail_bytes. */
        struct verdict_thresholds th;
        /* Thresholds of serve's own checks (counters and gauges `check`
         * does not judge); percentages are of the limit the kernel enforces. */
        unsigned neighbour_fail_percent;
        uint64_t neighbour_gc_thresh3;  /* 0: read net.ipv{4,6}.neigh.default.gc_thresh3 */
        unsigned conntrack_fail_percent;
        unsigned counter_hold_sec;      /* a counter increase keeps its check failed this long */
        unsigned steal_window_sec;
        double pressure_avg10_fail;     /* PSI "some" avg10, percent */
        double pressure_avg60_fail;
        char *data_dir;                 /* K3s's (verdict_k3s_data_dir()) unless data_dir is set */
        bool data_dir_set;
        unsigned canary_timeout_ms;
};

/* Defaults for everything; the checks all enabled. */
int health_config_init(struct health_config *c);
void health_config_done(struct health_config *c);

/* Parse a stream into c (which holds defaults). -EINVAL with
 * "file:line: message" in ret_error. */
int health_config_parse_stream(struct health_config *c, FILE *f, const char *filename, char **ret_error);

/* Load path (resolved under the root unless host_path is set); a missing file
 * keeps the defaults. Without data_dir in the file, the data dir K3s uses. */
int health_config_load(struct health_config *c, const struct sysroot *sr, const char *path, bool host_path,
                       char **ret_error);
