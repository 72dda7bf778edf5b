/* SPDX-License-Identifier: MIT */
#include "keys.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"

/*
 * Ranges are what makes sense on a node, inside what the kernel accepts
 * (Documentation/networking/ip-sysctl.rst, fs/file.c, kernel/pid.c). The
 * kernel accepts some nonsense (ip_forward=2, somaxconn=INT_MAX), so the table
 * is the check, not EINVAL.
 */
#define I32 INT32_MAX
static const struct known_key keys[] = {
        /* Forwarding: K3s sets conf.{all,default}.forwarding itself. */
        { "net.ipv4.ip_forward", KEY_BOOL, 0, 1, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.conf.all.forwarding", KEY_BOOL, 0, 1, SCOPE_PER_NETNS, OWNER_K3S, "1", NULL },
        { "net.ipv4.conf.default.forwarding", KEY_BOOL, 0, 1, SCOPE_PER_NETNS, OWNER_K3S, "1", NULL },
        { "net.ipv6.conf.all.forwarding", KEY_BOOL, 0, 1, SCOPE_PER_NETNS, OWNER_K3S, "1", NULL },
        { "net.ipv6.conf.default.forwarding", KEY_BOOL, 0, 1, SCOPE_PER_NETNS, OWNER_K3S, "1", NULL },

        /* Listen queues. somaxconn is an int since 5.4; the cap is AKS's. */
        { "net.core.somaxconn", KEY_INT, 128, 3240000, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.tcp_max_syn_backlog", KEY_INT, 128, 3240000, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.core.netdev_max_backlog", KEY_INT, 1, 1000000, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.tcp_syncookies", KEY_INT, 0, 2, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.tcp_fin_timeout", KEY_INT, 1, 600, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.tcp_tw_reuse", KEY_INT, 0, 2, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.tcp_keepalive_time", KEY_INT, 1, 32767, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.ip_local_port_range", KEY_INT_PAIR, 1, 65535, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.ip_local_reserved_ports", KEY_PORT_LIST, 0, 65535, SCOPE_PER_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.core.rmem_max", KEY_INT, 4096, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.core.wmem_max", KEY_INT, 4096, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },

        /* Neighbour tables: registered once, in init_net only (arp_init). */
        { "net.ipv4.neigh.default.gc_thresh1", KEY_INT, 0, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.neigh.default.gc_thresh2", KEY_INT, 0, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv4.neigh.default.gc_thresh3", KEY_INT, 0, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv6.neigh.default.gc_thresh1", KEY_INT, 0, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv6.neigh.default.gc_thresh2", KEY_INT, 0, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },
        { "net.ipv6.neigh.default.gc_thresh3", KEY_INT, 0, I32, SCOPE_INIT_NETNS, OWNER_NODEPREP, NULL, NULL },

        /* br_netfilter: K3s syssetup sets these to 1. */
        { "net.bridge.bridge-nf-call-iptables", KEY_BOOL, 0, 1, SCOPE_MODULE, OWNER_K3S, "1", "br_netfilter" },
        { "net.bridge.bridge-nf-call-ip6tables", KEY_BOOL, 0, 1, SCOPE_MODULE, OWNER_K3S, "1", "br_netfilter" },

        /* Conntrack: kube-proxy sizes nf_conntrack_max from the CPU count and
         * sets the timeouts (cmd/kube-proxy/app/conntrack.go). */
        { "net.netfilter.nf_conntrack_max", KEY_INT, 1, I32, SCOPE_MODULE, OWNER_KUBE_PROXY, NULL, "nf_conntrack" },
        { "net.netfilter.nf_conntrack_tcp_timeout_established", KEY_INT, 1, I32, SCOPE_MODULE, OWNER_KUBE_PROXY, "86400", "nf_conntrack" },
        { "net.netfilter.nf_conntrack_tcp_timeout_close_wait", KEY_INT, 1, I32, SCOPE_MODULE, OWNER_KUBE_PROXY, "3600", "nf_conntrack" },

        /* File handles: fs.nr_open bounds are sysctl_nr_open_min/max. */
        { "fs.file-max", KEY_INT, 8192, INT64_MAX, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "fs.nr_open", KEY_INT, 1024, 2147483584, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "fs.inotify.max_user_instances", KEY_INT, 128, 1048576, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "fs.inotify.max_user_watches", KEY_INT, 8192, 67108864, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "fs.aio-max-nr", KEY_INT, 65536, INT64_MAX, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "kernel.pid_max", KEY_INT, 301, 4194304, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "vm.max_map_count", KEY_INT, 65530, I32, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },
        { "vm.swappiness", KEY_INT, 0, 200, SCOPE_GLOBAL, OWNER_NODEPREP, NULL, NULL },

        /* kubelet setupKernelTunables (pkg/kubelet/cm/container_manager_linux.go). */
        { "vm.overcommit_memory", KEY_INT, 0, 2, SCOPE_GLOBAL, OWNER_KUBELET, "1", NULL },
        { "vm.panic_on_oom", KEY_INT, 0, 2, SCOPE_GLOBAL, OWNER_KUBELET, "0", NULL },
        { "kernel.panic", KEY_INT, -1, 86400, SCOPE_GLOBAL, OWNER_KUBELET, "10", NULL },
        { "kernel.panic_on_oops", KEY_BOOL, 0, 1, SCOPE_GLOBAL, OWNER_KUBELET, "1", NULL },
        { "kernel.keys.root_maxkeys", KEY_INT, 200, I32, SCOPE_GLOBAL, OWNER_KUBELET, "1000000", NULL },
        { "kernel.keys.root_maxbytes", KEY_INT, 20000, I32, SCOPE_GLOBAL, OWNER_KUBELET, "25000000", NULL },
};

const struct known_key *known_key_find(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(keys[i].name, name))
                        return &keys[i];
        return NULL;
}

const char *key_scope_to_string(enum key_scope s) {
        static const char *const t[_SCOPE_MAX] = {
                [SCOPE_GLOBAL] = "global",
                [SCOPE_INIT_NETNS] = "init-netns",
                [SCOPE_PER_NETNS] = "per-netns",
                [SCOPE_MODULE] = "module",
        };
        return (unsigned) s < _SCOPE_MAX ? t[s] : "?";
}

const char *key_owner_to_string(enum key_owner o) {
        static const char *const t[_OWNER_MAX] = {
                [OWNER_NODEPREP] = "nodeprep",
                [OWNER_K3S] = "k3s",
                [OWNER_KUBELET] = "kubelet",
                [OWNER_KUBE_PROXY] = "kube-proxy",
        };
        return (unsigned) o < _OWNER_MAX ? t[o] : "?";
}

const char *key_type_to_string(enum key_type t) {
        switch (t) {
        case KEY_INT: return "integer";
        case KEY_BOOL: return "boolean (0 or 1)";
        case KEY_INT_PAIR: return "two integers";
        case KEY_PORT_LIST: return "port list";
        }
        return "?";
}

int parse_int_pair(const char *value, int64_t *ret_a, int64_t *ret_b) {
        _cleanup_free_ char *copy = strdup(value);
        char *sp;
        int64_t a, b;

        if (!copy)
                return -ENOMEM;
        sp = strchr(copy, ' ');
        if (!sp)
                return -EINVAL;
        *sp = 0;
        if (safe_atoi64(copy, &a) < 0 || safe_atoi64(sp + 1, &b) < 0)
                return -EINVAL;
        *ret_a = a;
        *ret_b = b;
        return 0;
}

/* Walk "a-b,c" calling visit for each range; returns -EINVAL on junk. */
static int port_list_walk(const char *list, int (*visit)(int64_t, int64_t, void *), void *userdata) {
        _cleanup_free_ char *copy = strdup(list);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                char *dash = strchr(tok, '-');
                int64_t lo, hi;
                int r;

                if (dash) {
                        *dash = 0;
                        if (safe_atoi64(tok, &lo) < 0 || safe_atoi64(dash + 1, &hi) < 0)
                                return -EINVAL;
                } else if (safe_atoi64(tok, &lo) < 0)
                        return -EINVAL;
                else
                        hi = lo;
                if (lo < 0 || hi > 65535 || lo > hi)
                        return -ERANGE;
                r = visit(lo, hi, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int visit_nothing(int64_t lo, int64_t hi, void *userdata) {
        (void) lo, (void) hi, (void) userdata;
        return 0;
}

int port_list_check(const char *list) {
        if (!*list)
                return 0;  /* the kernel's empty list */
        if (strchr(list, ' '))
                return -EINVAL;
        return port_list_walk(list, visit_nothing, NULL);
}

static int mark_ports(int64_t lo, int64_t hi, void *userdata) {
        unsigned char *bits = userdata;

        for (int64_t p = lo; p <= hi; p++)
                bits[p / 8] |= (unsigned char) (1u << (p % 8));
        return 0;
}

bool port_list_covers(const char *list, int64_t lo, int64_t hi) {
        unsigned char bits[65536 / 8] = {};

        if (!*list || port_list_walk(list, mark_ports, bits) < 0)
                return false;
        for (int64_t p = lo; p <= hi; p++)
                if (!(bits[p / 8] & (1u << (p % 8))))
                        return false;
        return true;
}

static int reason(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reason(char **ret, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) error_msgv(ret, 0, fmt, ap);
        va_end(ap);
        return 0;
}

int known_key_check_value(const struct known_key *k, const char *value, char **ret_reason) {
        int64_t a, b;

        switch (k->type) {
        case KEY_INT:
        case KEY_BOOL:
                if (safe_atoi64(value, &a) < 0) {
                        reason(ret_reason, "'%s' is not %s %s", value,
                               k->type == KEY_INT ? "an" : "a", key_type_to_string(k->type));
                        return -EINVAL;
                }
                if (a < k->min || a > k->max) {
                        reason(ret_reason, "%s is out of range [%lld, %lld]", value,
                               (long long) k->min, (long long) k->max);
                        return -ERANGE;
                }
                return 0;
        case KEY_INT_PAIR:
                if (parse_int_pair(value, &a, &b) < 0) {
                        reason(ret_reason, "'%s' is not two integers", value);
                        return -EINVAL;
                }
                if (a < k->min || a > k->max || b < k->min || b > k->max) {
                        reason(ret_reason, "'%s' is out of range [%lld, %lld]", value,
                               (long long) k->min, (long long) k->max);
                        return -ERANGE;
                }
                return 0;
        case KEY_PORT_LIST: {
                int r = port_list_check(value);

                if (r == -ERANGE) {
                        reason(ret_reason, "'%s' has a port or range outside 0-65535", value);
                        return r;
                }
                if (r < 0) {
                        reason(ret_reason, "'%s' is not a port list like 30000-32767,6443", value);
                        return -EINVAL;
                }
                return 0;
        }
        }
        return -EINVAL;
}

const char *key_runs_program(const char *name, const char *value) {
        /* The kernel execs these as root (usermode helper): writing one is
         * running code, whatever the profile or journal claims. */
        static const char *const helpers[] = {
                "kernel.modprobe", "kernel.hotplug", "kernel.poweroff_cmd",
        };

        for (size_t i = 0; i < ELEMENTSOF(helpers); i++)
                if (streq(name, helpers[i]))
                        return "the kernel runs this program as root";
        if (streq(name, "kernel.core_pattern") && value && value[strspn(value, " \t")] == '|')
                return "a core_pattern starting with '|' makes the kernel run a program";
        return NULL;
}
