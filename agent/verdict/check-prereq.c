/* SPDX-License-Identifier: MIT */
/*
 * The k3s-prereq group: what K3s needs from the kernel and the host, after
 * k3s's contrib/util/check-config.sh and its requirements page: memory
 * cgroup, br_netfilter and overlay, a default route, a sane iptables,
 * /dev/kmsg, CPU and memory for the role, free ports, inotify and keys
 * limits, and the kernel config options.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../basic/spawn.h"
#include "../probe/kernel.h"
#include "../probe/net.h"
#include "../probe/sysfs.h"
#include "../shared/kmod-util.h"
#include "check-groups.h"

#define G "k3s-prereq"

static int check_cgroups(const struct sysroot *sr, struct check_list *l) {
        struct cgroup_info c;
        int r;

        r = cgroup_probe(sr, &c);
        if (r < 0)
                return r;
        if (c.error)
                return check_add(l, G, "cgroups", CHECK_UNKNOWN, c.evidence, NULL, "unknown: %s %s", c.evidence,
                                 check_errno_reason(c.error));
        if (!c.memory)
                return check_add(l, G, "cgroups", CHECK_FAIL, c.evidence,
                                 "enable the memory controller (cgroup_enable=memory cgroup_memory=1 on the kernel command line)",
                                 "cgroup %s: memory controller missing (kubelet: \"failed to find memory cgroup\")",
                                 cgroup_mode_to_string(c.mode));
        if (c.mode == CGROUP_V2 && (!c.cpu || !c.cpuset))
                return check_add(l, G, "cgroups", CHECK_FAIL, c.evidence,
                                 "delegate cpu and cpuset to the root cgroup (check cgroup.subtree_control)",
                                 "cgroup v2 without %s%s%s", !c.cpu ? "cpu" : "", !c.cpu && !c.cpuset ? " and " : "",
                                 !c.cpuset ? "cpuset" : "");
        return check_add(l, G, "cgroups", CHECK_OK, c.evidence, NULL, "cgroup %s with the memory controller%s",
                         cgroup_mode_to_string(c.mode), c.mode == CGROUP_V2 ? ", cpu and cpuset" : "");
}

static int check_module(const struct sysroot *sr, const char *name, struct check_list *l) {
        char ev[192], hint[96];
        enum module_state a = module_state_find(sr, name, ev, sizeof(ev));

        bufprintf(hint, sizeof(hint), "install the kernel's modules package, or use a kernel with %s", name);
        return check_add(l, G, name, a == MODULE_MISSING ? CHECK_FAIL : CHECK_OK, ev,
                         a == MODULE_MISSING ? hint : NULL, "%s %s", name, module_state_to_words(a));
}

static int check_route(const struct sysroot *sr, struct check_list *l) {
        struct route_info ri;
        char v4[160] = "", v6[160] = "";
        int r;

        r = net_default_route(sr, &ri);
        if (r < 0)
                return check_add(l, G, "default-route", CHECK_UNKNOWN, "/proc/net/route", NULL, "unknown: %s",
                                 check_errno_reason(r));
        if (!ri.v4 && !ri.v6)
                return check_add(l, G, "default-route", CHECK_FAIL, ri.source,
                                 "add a default route (even a dummy one for air-gapped nodes; k3s #1144)",
                                 "no default route: K3s cannot pick a node IP%s", sr->live ? "" : " (read from the fixture)");
        if (ri.v4)
                bufprintf(v4, sizeof(v4), "IPv4 via %s dev %s", ri.via4[0] ? ri.via4 : "(direct)", ri.dev4[0] ? ri.dev4 : "?");
        if (ri.v6)
                bufprintf(v6, sizeof(v6), "%sIPv6 dev %s", ri.v4 ? ", " : "", ri.dev6[0] ? ri.dev6 : "?");
        return check_add(l, G, "default-route", CHECK_OK, ri.source, NULL, "%s%s%s", v4, v6,
                         sr->live ? "" : " (read from the fixture; netlink is " CHECK_SKIPPED_ROOT ")");
}

#define DPKG_QUERY_TIMEOUT_MS 10000
#define DPKG_QUERY_OUTPUT_MAX 4096

/*
 * The installed iptables version, as dpkg-query answers it. The database is
 * the root's: the root directory is opened through the root context and
 * handed to dpkg-query as fd 3 (--root=/proc/self/fd/3), so a fixture tree or
 * a chroot is asked, never this machine's when --root points elsewhere.
 * -ENOENT: not installed, or no dpkg database at all (dpkg-query then finds
 * no package either).
 */
static int iptables_version(const struct sysroot *sr, char *buf, size_t size) {
        _cleanup_close_ int root = -1;
        _cleanup_free_ char *out = NULL;
        char *argv[] = { (char *) "dpkg-query", (char *) "--root=/proc/self/fd/3", (char *) "--show",
                         (char *) "--showformat=${db:Status-Abbrev}|${Version}\\n", (char *) "iptables", NULL };
        char *version;
        int status, r;

        root = sysroot_open(sr, "/", O_RDONLY | O_DIRECTORY, 0);
        if (root < 0)
                return root;
        r = spawn_capture(argv, &(const struct spawn_options) { .max_output = DPKG_QUERY_OUTPUT_MAX,
                                                                 .timeout_ms = DPKG_QUERY_TIMEOUT_MS, .pass_fd = root },
                          &out, &status);
        if (r < 0)
                return r;
        if (status == 1)
                return -ENOENT;         /* "no packages found matching iptables" */
        if (status != 0)
                return -EBADMSG;        /* a database dpkg-query cannot read */
        /* "ii |1.8.9-2": wanted install, installed, no error flag. */
        version = strchr(out, '|');
        if (!version)
                return -EBADMSG;
        if (!strneq(out, "ii ", 3))
                return -ENOENT;
        version[strcspn(version, "\n")] = 0;
        bufprintf(buf, size, "%s", version + 1);
        return 0;
}

static int check_iptables(const struct sysroot *sr, struct check_list *l) {
        _cleanup_free_ char *alt = NULL;
        char version[64];
        const char *mode = "unknown mode";
        unsigned a = 0, b = 0, c = 0;
        int r;

        r = iptables_version(sr, version, sizeof(version));
        if (r == -ENOENT)
                return check_add(l, G, "iptables", CHECK_OK, "dpkg-query", NULL,
                                 "no iptables package installed: K3s uses its bundled iptables");
        if (r < 0)
                return check_add(l, G, "iptables", CHECK_UNKNOWN, "dpkg-query", NULL, "unknown: %s",
                                 check_errno_reason(r));
        if (sysfs_readlink(sr, "/etc/alternatives/iptables", &alt) >= 0)
                mode = strstr(alt, "nft") ? "nft" : strstr(alt, "legacy") ? "legacy" : "unknown mode";
        if (sscanf(version, "%u.%u.%u", &a, &b, &c) == 3 && a == 1 && b == 8 && c <= 4 && streq(mode, "nft"))
                return check_add(l, G, "iptables", CHECK_WARN, "dpkg-query, /etc/alternatives/iptables",
                                 "start K3s with --prefer-bundled-bin, or: update-alternatives --set iptables /usr/sbin/iptables-legacy",
                                 "iptables %s in nft mode: 1.8.0-1.8.4 accumulate duplicate rules", version);
        return check_add(l, G, "iptables", CHECK_OK, "dpkg-query, /etc/alternatives/iptables", NULL,
                         "iptables %s (%s)", version, mode);
}

static int check_kmsg(const struct sysroot *sr, struct check_list *l) {
        if (sysfs_exists(sr, "/dev/kmsg"))
                return check_add(l, G, "kmsg", CHECK_OK, "/dev/kmsg", NULL, "/dev/kmsg present");
        return check_add(l, G, "kmsg", CHECK_FAIL, "/dev/kmsg", "containers often lack it; K3s needs a VM",
                         "/dev/kmsg missing: the kubelet exits with \"open /dev/kmsg: no such file or directory\"");
}

/* /proc/swaps: a header and one line per swap area. */
#define PROC_SWAPS_MAX (1024u * 1024)

static int check_swap(const struct sysroot *sr, struct check_list *l) {
        _cleanup_free_ char *s = NULL;
        unsigned long long total = 0;
        unsigned devices = 0;
        size_t n;
        int r;

        r = sysroot_read_file(sr, "/proc/swaps", PROC_SWAPS_MAX, &s, &n);
        if (r < 0 || !text_is_printable(s, n))
                return check_add(l, G, "swap", CHECK_UNKNOWN, "/proc/swaps", NULL, "unknown: /proc/swaps %s",
                                 check_errno_reason(r < 0 ? r : -EBADMSG));
        for (const char *line = strchr(s, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
                unsigned long long size;

                if (sscanf(line + 1, "%*s %*s %llu", &size) == 1) {
                        total += size;
                        devices++;
                }
        }
        if (!devices)
                return check_add(l, G, "swap", CHECK_OK, "/proc/swaps", NULL, "no swap");
        return check_add(l, G, "swap", CHECK_OK, "/proc/swaps", NULL,
                         "%u swap device(s), %.1f GiB (K3s runs the kubelet with --fail-swap-on=false)", devices,
                         (double) total / (1024.0 * 1024.0));
}

/* "0-3,8-11" → 8 */
static int count_cpu_list(const char *s, unsigned *ret) {
        unsigned n = 0;

        for (const char *p = s; *p;) {
                unsigned a, b;
                int k = 0;

                if (sscanf(p, "%u-%u%n", &a, &b, &k) == 2 && k > 0 && b >= a && b - a < 65536)
                        n += b - a + 1;
                else if (sscanf(p, "%u%n", &a, &k) == 1 && k > 0)
                        n++;
                else
                        return -EINVAL;
                p += k;
                if (*p == ',')
                        p++;
                else if (*p)
                        return -EINVAL;
        }
        if (n == 0)
                return -EINVAL;
        *ret = n;
        return 0;
}

/* /proc/meminfo is about 1.5 KiB on 6.x kernels: 1 MiB only bounds junk. */
#define PROC_MEMINFO_MAX (1024u * 1024)

static int check_resources(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        _cleanup_free_ char *online = NULL, *meminfo = NULL;
        bool server = !o->role || streq(o->role, "server");
        unsigned cpus = 0, need_cpus = server ? 2 : 1;
        unsigned long long kb = 0, need_mb = server ? 2048 : 512;
        const char *p;
        int r;

        r = sysfs_read_attr(sr, "/sys/devices/system/cpu/online", &online);
        if (r >= 0)
                r = count_cpu_list(online, &cpus);
        if (r < 0)
                r = check_add(l, G, "cpu", CHECK_UNKNOWN, "/sys/devices/system/cpu/online", NULL, "unknown: %s",
                              check_errno_reason(r));
        else
                r = check_add(l, G, "cpu", cpus < need_cpus ? CHECK_FAIL : CHECK_OK, "/sys/devices/system/cpu/online",
                              cpus < need_cpus ? "resize the VPS" : NULL, "%u CPU(s) online; a K3s %s needs %u", cpus,
                              server ? "server" : "agent", need_cpus);
        if (r < 0)
                return r;

        r = sysroot_read_file(sr, "/proc/meminfo", PROC_MEMINFO_MAX, &meminfo, NULL);
        if (r >= 0 && (!(p = strstr(meminfo, "MemTotal:")) || sscanf(p + 9, "%llu", &kb) != 1 || kb == 0))
                r = -EINVAL;
        if (r < 0)
                return check_add(l, G, "memory", CHECK_UNKNOWN, "/proc/meminfo", NULL, "unknown: MemTotal %s",
                                 check_errno_reason(r));
        /* MemTotal excludes what firmware and the kernel reserve: allow 10%. */
        return check_add(l, G, "memory", kb < need_mb * 1024 * 9 / 10 ? CHECK_FAIL : CHECK_OK, "/proc/meminfo",
                         kb < need_mb * 1024 * 9 / 10 ? "resize the VPS" : NULL, "%.1f GiB; a K3s %s needs %llu MiB",
                         (double) kb / (1024.0 * 1024.0), server ? "server" : "agent", need_mb);
}

static int check_port(const struct sysroot *sr, uint16_t port, const char *what, struct check_list *l) {
        char name[32];
        bool k3s = sysfs_exists(sr, "/usr/local/bin/k3s");
        int r = net_tcp_port_listening(sr, port);

        bufprintf(name, sizeof(name), "port-%u", port);
        if (r < 0)
                r = check_add(l, G, name, CHECK_UNKNOWN, "/proc/net/tcp, /proc/net/tcp6", NULL, "unknown: %s",
                              check_errno_reason(r));
        else if (r == 0)
                r = check_add(l, G, name, CHECK_OK, "/proc/net/tcp, /proc/net/tcp6", NULL, "TCP %u (%s) free", port, what);
        else
                r = check_add(l, G, name, k3s ? CHECK_OK : CHECK_FAIL, "/proc/net/tcp, /proc/net/tcp6",
                              k3s ? NULL : "find the listener with: ss -ltnp", "TCP %u (%s) in use%s", port, what,
                              k3s ? " (K3s is installed: probably K3s itself)" : "");
        if (r >= 0)
                l->items[l->n - 1].port = port; /* bootstrap tells K3s's own ports by it */
        return r;
}

static int check_sysctl_min(const struct sysroot *sr, const char *name, const char *path, uint64_t min,
                            enum check_status below, const char *hint, const char *why, struct check_list *l) {
        uint64_t v;
        int r = sysfs_read_u64(sr, path, &v);

        if (r < 0)
                return check_add(l, G, name, CHECK_UNKNOWN, path, NULL, "unknown: %s", check_errno_reason(r));
        if (v < min)
                return check_add(l, G, name, below, path, hint, "%llu, below %llu: %s", (unsigned long long) v,
                                 (unsigned long long) min, why);
        return check_add(l, G, name, CHECK_OK, path, NULL, "%llu (>= %llu)", (unsigned long long) v,
                         (unsigned long long) min);
}

/* k3s check-config's lists (contrib/util/check-config.sh). */
static const char *const kconfig_required[] = {
        "NAMESPACES", "NET_NS", "PID_NS", "IPC_NS", "UTS_NS", "CGROUPS", "CGROUP_CPUACCT", "CGROUP_DEVICE",
        "CGROUP_FREEZER", "CGROUP_SCHED", "CPUSETS", "MEMCG", "SECCOMP", "KEYS", "VETH", "BRIDGE",
        "BRIDGE_NETFILTER", "IP_NF_FILTER", "IP_NF_TARGET_MASQUERADE", "IP_NF_TARGET_REJECT",
        "NETFILTER_XT_MATCH_ADDRTYPE", "NETFILTER_XT_MATCH_CONNTRACK", "NETFILTER_XT_MATCH_IPVS",
        "NETFILTER_XT_MATCH_COMMENT", "NETFILTER_XT_MATCH_MULTIPORT", "NETFILTER_XT_MATCH_STATISTIC",
        "IP_NF_NAT", "NF_NAT", "POSIX_MQUEUE",
};
static const char *const kconfig_optional[] = {
        "USER_NS", "BLK_CGROUP", "BLK_DEV_THROTTLING", "CGROUP_PERF", "CGROUP_HUGETLB", "NET_CLS_CGROUP",
        "CGROUP_NET_PRIO", "CFS_BANDWIDTH", "FAIR_GROUP_SCHED", "IP_NF_TARGET_REDIRECT", "IP_SET", "IP_VS",
        "IP_VS_NFCT", "IP_VS_PROTO_TCP", "IP_VS_PROTO_UDP", "IP_VS_RR", "EXT4_FS", "VXLAN", "OVERLAY_FS",
        "CRYPTO_GCM", "CRYPTO_SEQIV", "XFRM_USER", "INET_ESP",
};

static void missing_list(const char *config, const char *const *opts, size_t n, char *buf, size_t size,
                         unsigned *count) {
        char set[64] = {};
        size_t off = 0;

        buf[0] = 0;
        *count = 0;
        kconfig_get_many(config, opts, n < sizeof(set) ? n : sizeof(set), set);
        for (size_t i = 0; i < n && i < sizeof(set); i++) {
                int k;

                if (set[i])
                        continue;
                (*count)++;
                k = snprintf(buf + off, off < size ? size - off : 0, "%s%s", *count > 1 ? " " : "", opts[i]);
                if (k > 0 && off + (size_t) k < size)
                        off += (size_t) k;
        }
}

static int check_kconfig(const struct sysroot *sr, struct check_list *l) {
        _cleanup_free_ char *config = NULL;
        const char *source = NULL;
        char missing[1024], optional[1024];
        unsigned nreq, nopt;
        int r;

        r = kconfig_load(sr, &config, &source);
        if (r == -ENOENT)
                return check_add(l, G, "kernel-config", CHECK_UNKNOWN, "/boot/config-$(uname -r), /proc/config.gz", NULL,
                                 "unknown: no kernel config available (neither /boot/config-$(uname -r) nor /proc/config.gz)");
        if (r < 0)
                return check_add(l, G, "kernel-config", CHECK_UNKNOWN, "/boot/config-$(uname -r), /proc/config.gz", NULL,
                                 "unknown: kernel config %s", check_errno_reason(r));
        missing_list(config, kconfig_required, ELEMENTSOF(kconfig_required), missing, sizeof(missing), &nreq);
        missing_list(config, kconfig_optional, ELEMENTSOF(kconfig_optional), optional, sizeof(optional), &nopt);
        if (nreq)
                return check_add(l, G, "kernel-config", CHECK_FAIL, source, "use a kernel built with these options",
                                 "%u required option(s) missing: %s%s%s", nreq, missing, nopt ? "; optional missing: " : "",
                                 optional);
        if (nopt)
                return check_add(l, G, "kernel-config", CHECK_WARN, source, NULL,
                                 "all %zu required options set; %u optional missing: %s", ELEMENTSOF(kconfig_required),
                                 nopt, optional);
        return check_add(l, G, "kernel-config", CHECK_OK, source, NULL, "all %zu required and %zu optional options set",
                         ELEMENTSOF(kconfig_required), ELEMENTSOF(kconfig_optional));
}

int check_k3s_prereq(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        int r;

        if ((r = check_cgroups(sr, l)) < 0 || (r = check_module(sr, "br_netfilter", l)) < 0 ||
            (r = check_module(sr, "overlay", l)) < 0 || (r = check_route(sr, l)) < 0 ||
            (r = check_iptables(sr, l)) < 0 || (r = check_kmsg(sr, l)) < 0 || (r = check_swap(sr, l)) < 0 ||
            (r = check_resources(sr, o, l)) < 0 || (r = check_port(sr, 6443, "API server", l)) < 0 ||
            (r = check_port(sr, 10250, "kubelet", l)) < 0)
                return r;
        if ((r = check_sysctl_min(sr, "inotify-instances", "/proc/sys/fs/inotify/max_user_instances", 8192, CHECK_WARN,
                                  "nodeprep apply k3s-node raises it", "containerd-shim runs out (\"too many open files\", k3s #10020)", l)) < 0 ||
            (r = check_sysctl_min(sr, "inotify-watches", "/proc/sys/fs/inotify/max_user_watches", 524288, CHECK_WARN,
                                  "nodeprep apply k3s-node raises it", "kubelet and log tailing run out of watches", l)) < 0 ||
            (r = check_sysctl_min(sr, "keys-root-maxkeys", "/proc/sys/kernel/keys/root_maxkeys", 10001, CHECK_FAIL,
                                  "sysctl kernel.keys.root_maxkeys=1000000", "k3s check-config requires more than 10000", l)) < 0)
                return r;
        return check_kconfig(sr, l);
}
