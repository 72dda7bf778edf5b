/* SPDX-License-Identifier: MIT */
#include "neigh.h"

#include <errno.h>
#include <linux/neighbour.h>
#include "../basic/dl-nl.h"
#include <sys/socket.h>

struct tally {
        uint64_t n[_NEIGH_FAMILY_MAX];
};

static void count_one(struct nl_object *obj, void *arg) {
        struct rtnl_neigh *n = (struct rtnl_neigh *) obj;
        struct tally *t = arg;
        int fam = rtnl_neigh_get_family(n);

        /* Since Linux 4.19 the kernel exempts permanent and externally
         * learned entries from gc_entries, the number gc_thresh3 caps. */
        if (rtnl_neigh_get_state(n) & NUD_PERMANENT)
                return;
        if (rtnl_neigh_get_flags(n) & NTF_EXT_LEARNED)
                return;
        if (fam == AF_INET)
                t->n[NEIGH_V4]++;
        else if (fam == AF_INET6)
                t->n[NEIGH_V6]++;
}

/* libnl's -NLE_* codes, mapped at the boundary to errno. */
static int nle_to_errno(int e) {
        switch (-e) {
        case NLE_NOMEM: return -ENOMEM;
        case NLE_PERM: return -EPERM;
        case NLE_AF_NOSUPPORT:
        case NLE_OPNOTSUPP: return -EOPNOTSUPP;
        default: return -EIO;
        }
}

int neigh_count(uint64_t ret_entries[_NEIGH_FAMILY_MAX]) {
        struct nl_sock *sk;
        struct nl_cache *cache = NULL;
        struct tally t = {};
        int r;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(sk);
                return nle_to_errno(r);
        }
        r = rtnl_neigh_alloc_cache(sk, &cache);
        if (r < 0) {
                nl_socket_free(sk);
                return nle_to_errno(r);
        }
        nl_cache_foreach(cache, count_one, &t);
        nl_cache_free(cache);
        nl_socket_free(sk);
        for (int i = 0; i < _NEIGH_FAMILY_MAX; i++)
                ret_entries[i] = t.n[i];
        return 0;
}
