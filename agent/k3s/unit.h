/* SPDX-License-Identifier: MIT */
/*
 * The systemd unit and its environment file, as the official installer
 * writes them (install.sh's create_env_file and create_service_file,
 * https://github.com/k3s-io/k3s/blob/master/install.sh), with LimitNOFILE taken
 * from the tuning profile so the unit, DefaultLimitNOFILE and fs.nr_open
 * agree. The command line carries only the role: everything else is in the
 * config drop-in, so no secret ever reaches /proc/PID/cmdline.
 */
#pragma once

#include <stdint.h>

#include "k3s.h"

int k3s_unit_render(enum k3s_role role, uint64_t nofile, char **ret);

/* The .env file (0600), as install.sh fills it: the K3S_* and CONTAINERD_*
 * variables of envp except K3S_TOKEN (that one becomes the token file), and
 * HTTP_PROXY, HTTPS_PROXY, NO_PROXY in either case. Empty string when there
 * are none. Values with a newline are skipped. */
int k3s_env_render(char * const *envp, char **ret);
