/* SPDX-License-Identifier: MIT */
/*
 * Network facts for K3s: the default route (rtnetlink through libnl when
 * live; /proc/net/route and /proc/net/ipv6_route from a fixture) and whether
 * a TCP port already has a listener (sock_diag netlink when live,
 * /proc/net/tcp{,6} from a fixture).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

struct route_info {
        bool v4, v6;
        char dev4[32], dev6[32];
        char via4[64], via6[64];
        const char *source;     /* "rtnetlink" or "/proc/net/route" */
};

int net_default_route(const struct sysroot *sr, struct route_info *ret);

/* Pure: parse /proc/net/route content for a default route. */
int net_parse_proc_route(const char *content, struct route_info *ret);
/* Pure: parse /proc/net/ipv6_route content for ::/0. */
int net_parse_proc_ipv6_route(const char *content, struct route_info *ret);

/* 1 when something listens on TCP port (v4 or v6), 0 when not. */
int net_tcp_port_listening(const struct sysroot *sr, uint16_t port);
/* Pure: scan /proc/net/tcp{,6} content for a LISTEN socket on port. */
bool net_parse_tcp_listen(const char *content, uint16_t port);
