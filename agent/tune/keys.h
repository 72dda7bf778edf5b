/* SPDX-License-Identifier: MIT */
/*
 * The table of sysctl keys nodeprep knows: value type, accepted range, the
 * network-namespace scope, and who owns the key. Keys owned by K3s, kubelet or
 * kube-proxy are only ever written with the owner's value, otherwise the two
 * sides overwrite each other forever (tuned issue #816).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum key_type {
        KEY_INT,        /* one integer in [min, max] */
        KEY_BOOL,       /* 0 or 1 (the kernel often accepts more) */
        KEY_INT_PAIR,   /* two integers, e.g. ip_local_port_range */
        KEY_PORT_LIST,  /* "30000-32767,6443" as in ip_local_reserved_ports */
};

enum key_scope {
        SCOPE_GLOBAL,       /* one value for the whole kernel (fs.*, kernel.*, vm.*) */
        SCOPE_INIT_NETNS,   /* net.* key that exists only in the initial netns */
        SCOPE_PER_NETNS,    /* net.* key with a value per network namespace */
        SCOPE_MODULE,       /* appears only once a module is loaded */
        _SCOPE_MAX,
};

enum key_owner {
        OWNER_NODEPREP,
        OWNER_K3S,
        OWNER_KUBELET,
        OWNER_KUBE_PROXY,
        _OWNER_MAX,
};

struct known_key {
        const char *name;
        enum key_type type;
        int64_t min, max;
        enum key_scope scope;
        enum key_owner owner;
        /* The value the owner writes; NULL when the owner sizes it at run time
         * (nf_conntrack_max), in which case nodeprep never writes the key. */
        const char *owner_value;
        const char *module;  /* for SCOPE_MODULE */
};

const struct known_key *known_key_find(const char *name);
const char *key_scope_to_string(enum key_scope s);
const char *key_owner_to_string(enum key_owner o);
const char *key_type_to_string(enum key_type t);

/* Check a normalized value against the key's type and range. On failure
 * returns -EINVAL (type) or -ERANGE (range) and describes why in ret_reason
 * (static or heap string in *ret_reason, always heap). */
int known_key_check_value(const struct known_key *k, const char *value, char **ret_reason);

/* Why writing name = value makes the kernel run a program (kernel.modprobe,
 * kernel.hotplug, kernel.poweroff_cmd, a '|' core_pattern), or NULL. Such a
 * key is refused in profiles, checked or not. */
const char *key_runs_program(const char *name, const char *value);

/* Parse "a b" into two integers. */
int parse_int_pair(const char *value, int64_t *ret_a, int64_t *ret_b);

/* Does a port-list value ("30000-32767,6443") cover every port in [lo, hi]? */
bool port_list_covers(const char *list, int64_t lo, int64_t hi);
int port_list_check(const char *list);
