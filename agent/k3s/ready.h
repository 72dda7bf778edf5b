/* SPDX-License-Identifier: MIT */
/*
 * The readiness ladder: each rung only means something when the one below
 * holds. Server: unit active -> /ping on 6443 -> /readyz with the
 * client-admin certificate (anonymous gets 401, k3s#3576) -> this node Ready
 * -> no traefik HelmChart or Deployment (when traefik is disabled). Agent:
 * unit active -> kubelet :10248/healthz -> this node Ready as the server sees
 * it (when the server is reachable). The official installer waits for none
 * of this (k3s#12598).
 */
#pragma once

#include <stddef.h>
#include <stdbool.h>

#include "../basic/sysroot.h"
#include "k3s.h"

struct k3s_ready_target {
        enum k3s_role role;
        const char *server;             /* agent: https://host:6443 */
        bool traefik_disabled;
        const char *api;                /* default https://127.0.0.1:6443 (tests may move it) */
        const char *kubelet_healthz;    /* default http://127.0.0.1:10248/healthz */
};

/* Run the ladder until every rung holds or wait_sec passed (0: once).
 * The rungs of the last round are appended to res->steps, res->ready says
 * whether all held. */
int k3s_ready_ladder(const struct sysroot *sr, const struct k3s_ready_target *t, unsigned wait_sec,
                     struct k3s_result *res);

/* Parse a Node object: is condition Ready "True"? -EBADMSG when no such
 * condition can be found. (A fuzz target.) */
int k3s_node_ready_from_json(const char *text, size_t size, bool *ret_ready);
