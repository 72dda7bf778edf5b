/* SPDX-License-Identifier: MIT */
/*
 * The kubeconfig K3s writes (/etc/rancher/k3s/k3s.yaml, k3s
 * pkg/cli/server/server.go writeKubeConfig via clientcmd): the current
 * context's cluster server and CA, and its user's client certificate and key,
 * all embedded as *-data (base64 PEM). Parsed with libyaml; a fuzz target.
 */
#pragma once

#include <stddef.h>

#include "../basic/sysroot.h"

#define K3S_KUBECONFIG "/etc/rancher/k3s/k3s.yaml"
#define KUBECONFIG_MAX_SIZE (1u << 20)

struct kubeconfig {
        char *server;           /* https://127.0.0.1:6443 */
        char *ca_pem;
        char *cert_pem;
        char *key_pem;
};

/* -EBADMSG with the missing or broken key named in ret_error. */
int kubeconfig_parse(const char *text, size_t size, struct kubeconfig *ret, char **ret_error);
/* Read through the root context and parse; -ENOENT when there is none. */
int kubeconfig_load(const struct sysroot *sr, const char *path, struct kubeconfig *ret, char **ret_error);
void kubeconfig_done(struct kubeconfig *k);
