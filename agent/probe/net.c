/* SPDX-License-Identifier: MIT */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../shared/dl-nl.h"
#include "sysfs.h"

#define PROC_NET_MAX (8 * 1024 * 1024)

static int proc_tcp_listening(const struct sysroot *sr, uint16_t port);

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

        r = dlopen_nl(NULL);
        if (r < 0)
                return r;
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

/* Listening TCP sockets on port for one family, from NETLINK_SOCK_DIAG with
 * a LISTEN-only state filter: the kernel walks the listening hash only,
 * where /proc/net/tcp walks every bucket of the established table (17 ms
 * here, with a few hundred TIME_WAIT sockets about). 1, 0 or -errno. */
static int diag_listening(int family, uint16_t port) {
        _cleanup_close_ int fd = -1;
        struct {
                struct nlmsghdr nlh;
                struct inet_diag_req_v2 req;
        } msg = {
                .nlh = {
                        .nlmsg_len = sizeof(msg),
                        .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                },
                .req = {
                        .sdiag_family = (uint8_t) family,
                        .sdiag_protocol = IPPROTO_TCP,
                        .idiag_states = 1U << 10,       /* TCP_LISTEN */
                },
        };
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        long buf[8192 / sizeof(long)];
        int found = 0;

        fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0)
                return -errno;
        if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);
                struct nlmsghdr *h = (struct nlmsghdr *) buf;

                if (n < 0)
                        return errno == EINTR ? 0 : -errno;
                for (; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
                        const struct inet_diag_msg *m;

                        if (h->nlmsg_type == NLMSG_DONE)
                                return found;
                        if (h->nlmsg_type == NLMSG_ERROR)
                                return -EPROTO;
                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
                                continue;
                        m = NLMSG_DATA(h);
                        if (ntohs(m->id.idiag_sport) == port)
                                found = 1;
                }
        }
}

int net_tcp_port_listening(const struct sysroot *sr, uint16_t port) {
        if (sr->live) {
                int a = diag_listening(AF_INET, port), b = a > 0 ? 0 : diag_listening(AF_INET6, port);

                if (a > 0 || b > 0)
                        return 1;
                if (a == 0 && (b == 0 || b == -EAFNOSUPPORT || b == -ENOENT))
                        return 0;
                /* No sock_diag (module missing, seccomp): the proc files. */
        }
        return proc_tcp_listening(sr, port);
}

static int proc_tcp_listening(const struct sysroot *sr, uint16_t port) {
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
