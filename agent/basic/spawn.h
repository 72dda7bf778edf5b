/* SPDX-License-Identifier: MIT */
/*
 * Run a program and capture its standard output: posix_spawn (PATH lookup),
 * no shell, stdin and stderr on /dev/null, output capped, a deadline after
 * which the child is killed. For tools whose answer is the interface (dpkg-query).
 */
#pragma once

#include <stddef.h>

struct spawn_options {
        size_t max_output;      /* more is -EFBIG */
        unsigned timeout_ms;    /* then SIGKILL and -ETIMEDOUT */
        int pass_fd;            /* >= 0: given to the child as fd 3 */
};

/* ret_status: the exit status (0-255), or 128 + signal. -ENOENT when the
 * program is not found. */
int spawn_capture(char *const argv[], const struct spawn_options *o, char **ret_output, int *ret_status);
