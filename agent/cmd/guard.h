/* SPDX-License-Identifier: MIT */
/*
 * The guards of the commands that change this machine (tune's apply and
 * rollback, k3s, openfaas, gateway, bootstrap): one place that says who may
 * and where. Under --root they are not about this machine and pass. Each
 * returns 0, or EXIT_NOT_PERMITTED after printing the error (cli_error()).
 */
#pragma once

#include <stdbool.h>

#include "cli.h"

/* Root, or the error fmt says (its own wording per command, kept stable). */
int cli_guard_root(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writing sysctls: root, a writable /proc/sys, and the host network
 * namespace (or allow_netns: then *ret_only_per_netns, the keys this
 * namespace has of its own are the only ones written). */
int cli_guard_sysctl_write(const struct cli *cli, bool allow_netns, bool *ret_only_per_netns);
