/* SPDX-License-Identifier: MIT */
/*
 * What install.sh's k3s-killall.sh does, natively, on the live node: the
 * K3s unit has KillMode=process, so stopping it leaves the containerd-shim
 * trees running, their mounts in place, and the CNI links, namespaces and
 * iptables rules K3s made. In the script's order:
 *
 *   1. stop every k3s*.service unit file in /etc/systemd/system;
 *   2. SIGKILL every process tree whose command line runs
 *      <data-dir>/data/<hash>/bin/containerd-shim*, and wait until gone;
 *   3. unmount (deepest first) and remove what is mounted under /run/k3s,
 *      /var/lib/kubelet/pods, /var/lib/kubelet/plugins, /run/netns/cni-;
 *   4. remove the cni-* network namespaces, the links enslaved to cni0 and
 *      cni0, flannel.1, flannel-v6.1, kube-ipvs0, flannel-wg, flannel-wg-v6
 *      (libnl);
 *   5. remove /var/lib/cni;
 *   6. drop the KUBE-, CNI- and flannel rules and chains from iptables and
 *      ip6tables (their save/restore tools, as the script does).
 *
 * Each action is a step; what could not be undone is appended to failed,
 * so the caller exits 1 and names it. Under --root nothing is live: the
 * steps say so and nothing is done.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../basic/sysroot.h"
#include "k3s.h"

int k3s_killall(const struct sysroot *sr, struct k3s_result *res, char ***failed);

/* res->error = "could not remove: A, B (see the failed steps)". */
void k3s_result_failed_list(struct k3s_result *res, char * const *failed);

/* The shim test of step 2 on one command line (NUL-separated argv, as
 * /proc/PID/cmdline): does an argument run data/<x>/bin/containerd-shim*? */
bool k3s_cmdline_is_shim(const char *cmdline, size_t size, const char *data_dir);

/* Step 6 on one line of iptables-save output: keep it? */
bool k3s_iptables_line_kept(const char *line);

/* rm -rf that never crosses into another filesystem (-EBUSY there): a
 * kubelet volume mount must not be emptied through us. */
int k3s_rm_rf_at(int parent, const char *name, dev_t dev);
int k3s_rm_rf(const struct sysroot *sr, const char *path);
