/* SPDX-License-Identifier: MIT */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "sysfs.h"

#define PROC_NET_MAX (8 * 1024 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cache *, nl_cache_free)

struct route_walk {
        struct route_info *ri;
};

static void on_route(struct nl_object *obj, void *arg) {
        struct route_info *ri = ((struct route_walk *) arg)->ri;
        struct rtnl_route *route = (struct rtnl_route *) obj;
        struct nl_addr *dst = rtnl_route_get_dst(route);
        struct rtnl_nexthop *nh;
        int family = rtnl_route_get_family(route);
        char ifname[IF_NAMESIZE] = "", gw[64] = "";

        if (rtnl_route_get_table(route) != RT_TABLE_MAIN || rtnl_route_get_type(route) != RTN_UNICAST)
                return;
        if (dst && nl_addr_get_prefixlen(dst) != 0)
                return;
        nh = rtnl_route_nexthop_n(route, 0);
        if (nh) {
                struct nl_addr *g = rtnl_route_nh_get_gateway(nh);

                if (!if_indextoname((unsigned) rtnl_route_nh_get_ifindex(nh), ifname))
                        ifname[0] = 0;
                if (g)
                        nl_addr2str(g, gw, sizeof(gw));
        }
        if (family == AF_INET && !ri->v4) {
                ri->v4 = true;
                bufprintf(ri->dev4, sizeof(ri->dev4), "%s", ifname);
                bufprintf(ri->via4, sizeof(ri->via4), "%s", gw);
        } else if (family == AF_INET6 && !ri->v6) {
                ri->v6 = true;
                bufprintf(ri->dev6, sizeof(ri->dev6), "%s", ifname);
                bufprintf(ri->via6, sizeof(ri->via6), "%s", gw);
        }
}

static int route_netlink(struct route_info *ri) {
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        struct route_walk w = { ri };
        int r;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0)
                return -EIO;    /* libnl's -NLE_* are not errnos */
        r = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache);
        if (r < 0)
                return -EIO;
        nl_cache_foreach(cache, on_route, &w);
        ri->source = "rtnetlink";
        return 0;
}

int net_parse_proc_route(const char *content, struct route_info *ret) {
        const char *line = strchr(content, '\n');      /* skip the header */

        while (line && *++line) {
                char ifname[IF_NAMESIZE + 1];
                unsigned dst, gw, flags, mask;

                if (sscanf(line, "%16s %x %x %x %*d %*d %*d %x", ifname, &dst, &gw, &flags, &mask) == 5 &&
                    dst == 0 && mask == 0 && (flags & 0x1) /* RTF_UP */) {
                        struct in_addr a = { .s_addr = gw };

                        ret->v4 = true;
                        bufprintf(ret->dev4, sizeof(ret->dev4), "%s", ifname);
                        if (gw == 0 || !inet_ntop(AF_INET, &a, ret->via4, sizeof(ret->via4)))
                                ret->via4[0] = 0;       /* on-link (venet0, point-to-point) */
                        return 0;
                }
                line = strchr(line, '\n');
        }
        return 0;
}

int net_parse_proc_ipv6_route(const char *content, struct route_info *ret) {
        for (const char *line = content; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                char dst[33], ifname[IF_NAMESIZE + 1];
                unsigned plen, flags;

                /* dst plen src splen nexthop metric refcnt use flags ifname */
                if (sscanf(line, "%32s %x %*s %*x %*s %*x %*x %*x %x %16s", dst, &plen, &flags, ifname) == 4 &&
                    plen == 0 && streq(dst, "00000000000000000000000000000000") && (flags & 0x1) &&
                    !streq(ifname, "lo")) {
                        ret->v6 = true;
                        bufprintf(ret->dev6, sizeof(ret->dev6), "%s", ifname);
                        return 0;
                }
        }
        return 0;
}

int net_default_route(const struct sysroot *sr, struct route_info *ret) {
        _cleanup_free_ char *v4 = NULL, *v6 = NULL;
        struct route_info ri = {};
        int r;

        if (sr->live) {
                r = route_netlink(&ri);
                if (r >= 0) {
                        *ret = ri;
                        return 0;
                }
        }
        /* From a fixture (or when netlink is unavailable). */
        r = sysroot_read_file(sr, "/proc/net/route", PROC_NET_MAX, &v4, NULL);
        if (r < 0)
                return r;
        if (!text_is_printable(v4, strlen(v4)))
                return -EBADMSG;
        net_parse_proc_route(v4, &ri);
        if (sysroot_read_file(sr, "/proc/net/ipv6_route", PROC_NET_MAX, &v6, NULL) >= 0 &&
            text_is_printable(v6, strlen(v6)))
                net_parse_proc_ipv6_route(v6, &ri);
        ri.source = "/proc/net/route";
        *ret = ri;
        return 0;
}

bool net_parse_tcp_listen(const char *content, uint16_t port) {
        for (const char *line = content; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                char local[64];
                unsigned st;
                const char *colon;
                unsigned long p;

                /* "  0: 0100007F:1F90 00000000:0000 0A ..." */
                if (sscanf(line, " %*u: %63s %*s %x", local, &st) != 2 || st != 0x0A)
                        continue;
                colon = strrchr(local, ':');
                if (!colon)
                        continue;
                p = strtoul(colon + 1, NULL, 16);
                if (p == port)
                        return true;
        }
        return false;
}

int net_tcp_port_listening(const struct sysroot *sr, uint16_t port) {
        static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
        int seen = 0, err = 0;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *s = NULL;
                int r = sysroot_read_file(sr, files[i], PROC_NET_MAX, &s, NULL);

                if (r < 0 || !text_is_printable(s, strlen(s))) {
                        if (!err)
                                err = r < 0 ? r : -EBADMSG;
                        continue;
                }
                seen++;
                if (net_parse_tcp_listen(s, port))
                        return 1;
        }
        return seen ? 0 : err;
}
