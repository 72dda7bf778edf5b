/* SPDX-License-Identifier: MIT */
/*
 * File-handle limits: the kernel's (fs.file-max, fs.nr_open, fs.file-nr) and
 * the service manager's DefaultLimitNOFILE, read from system.conf and its
 * drop-ins with inih in systemd's precedence order.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

#define LIMIT_INFINITY UINT64_MAX

struct limits_info {
        uint64_t file_max, nr_open;
        int file_max_error, nr_open_error;
        uint64_t files_allocated;       /* fs.file-nr first field */
        int file_nr_error;
        /* DefaultLimitNOFILE: soft and hard; set false when no file sets it. */
        bool manager_set;
        uint64_t manager_soft, manager_hard;
        char manager_file[160];         /* the file whose value wins */
        int manager_error;              /* a file that sets it unparsably */
        bool systemd_running;           /* /run/systemd/system exists */
};

int limits_probe(const struct sysroot *sr, struct limits_info *ret);

/* "1024:524288", "65536", "infinity": soft and hard (systemd's rlimit
 * syntax, without the unit suffixes that do not apply to NOFILE). */
int limits_parse_nofile(const char *s, uint64_t *soft, uint64_t *hard);
