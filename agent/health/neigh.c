/* SPDX-License-Identifier: MIT */
#include "neigh.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "../shared/dl-nl.h"

/* Counting goes over the raw dump: libnl's object cache builds an rtnl_neigh
 * (with nl_addr allocations) for each entry, ~6k instructions an entry, to
 * read two bytes of struct ndmsg. Walking the messages in libnl's receive
 * buffer costs a few dozen. */

/* The kernel sizes a dump's skb to at most 32 KiB (netlink_dump(),
 * NLMSG_DEFAULT_SIZE grows to max_recvmsg_len); a larger buffer never
 * truncates a message. */
#define NEIGH_RECV_BUFFER (64 * 1024)
/* A dump of the kernel's own table never stalls; the timeout only guards
 * against a reader that would otherwise wait for ever. */
#define NEIGH_RECV_TIMEOUT_SEC 2
/* gc_thresh3 caps the table; this caps the loop, whatever the kernel sends. */
#define NEIGH_DUMP_MESSAGES_MAX (16u * 1024 * 1024)
/* The kernel marks a dump NLM_F_DUMP_INTR when the table changed under it. */
#define NEIGH_DUMP_TRIES 3

/* libnl's -NLE_* codes, mapped at the boundary to errno. */
static int nle_to_errno(int e) {
        switch (-e) {
        case NLE_NOMEM: return -ENOMEM;
        case NLE_PERM: return -EPERM;
        case NLE_AF_NOSUPPORT:
        case NLE_OPNOTSUPP: return -EOPNOTSUPP;
        case NLE_AGAIN: return -ETIMEDOUT;
        default: return -EIO;
        }
}

static void count_entry(const struct nlmsghdr *h, struct neigh_tally *t) {
        const struct ndmsg *ndm;

        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)))
                return;
        ndm = nlmsg_data(h);
        /* Since Linux 4.19 the kernel exempts permanent and externally
         * learned entries from gc_entries, the number gc_thresh3 caps. */
        if (ndm->ndm_state & NUD_PERMANENT)
                return;
        if (ndm->ndm_flags & NTF_EXT_LEARNED)
                return;
        if (ndm->ndm_family == AF_INET)
                t->n[NEIGH_V4]++;
        else if (ndm->ndm_family == AF_INET6)
                t->n[NEIGH_V6]++;
}

int neigh_tally_buffer(const void *buf, size_t size, struct neigh_tally *t) {
        /* nlmsg_next() takes a mutable header; it only reads it. */
        struct nlmsghdr *h = (struct nlmsghdr *) buf;
        int len, r;

        r = dlopen_nl(NULL);
        if (r < 0)
                return r;
        if (size > NEIGH_RECV_BUFFER)
                return -EFBIG;
        len = (int) size;
        for (; !t->done && nlmsg_ok(h, len); h = nlmsg_next(h, &len)) {
                if (++t->messages > NEIGH_DUMP_MESSAGES_MAX)
                        return -EFBIG;
                if (h->nlmsg_flags & NLM_F_DUMP_INTR)
                        t->interrupted = true;
                switch (h->nlmsg_type) {
                case NLMSG_DONE:
                        t->done = true;
                        return 0;
                case NLMSG_ERROR: {
                        const struct nlmsgerr *e = nlmsg_data(h);

                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                return -EBADMSG;
                        return e->error < 0 ? e->error : -EIO;
                }
                case RTM_NEWNEIGH:
                        count_entry(h, t);
                        break;
                default:
                        break;
                }
        }
        return 0;
}

static int dump_once(struct nl_sock *sk, struct neigh_tally *t) {
        struct ndmsg req = { .ndm_family = AF_UNSPEC };
        int r;

        r = nl_send_simple(sk, RTM_GETNEIGH, NLM_F_DUMP, &req, sizeof(req));
        if (r < 0)
                return nle_to_errno(r);
        while (!t->done) {
                struct sockaddr_nl peer;
                unsigned char *buf = NULL;

                r = nl_recv(sk, &peer, &buf, NULL);
                if (r <= 0) {
                        free(buf);
                        return r == 0 ? -ETIMEDOUT : nle_to_errno(r);  /* 0: SO_RCVTIMEO ran out */
                }
                r = neigh_tally_buffer(buf, (size_t) r, t);
                free(buf);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int socket_open(struct nl_sock **ret) {
        struct timeval tv = { .tv_sec = NEIGH_RECV_TIMEOUT_SEC };
        struct nl_sock *sk;
        int r;

        sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        r = nl_connect(sk, NETLINK_ROUTE);
        if (r >= 0)
                r = nl_socket_set_msg_buf_size(sk, NEIGH_RECV_BUFFER);
        if (r < 0) {
                nl_socket_free(sk);
                return nle_to_errno(r);
        }
        if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
                r = -errno;
                nl_socket_free(sk);
                return r;
        }
        *ret = sk;
        return 0;
}

int neigh_count(uint64_t ret_entries[_NEIGH_FAMILY_MAX]) {
        struct nl_sock *sk = NULL;
        struct neigh_tally t = {};
        int r;

        r = dlopen_nl(NULL);
        if (r < 0)
                return r;
        r = socket_open(&sk);
        if (r < 0)
                return r;
        for (int try = 0; try < NEIGH_DUMP_TRIES; try++) {
                t = (struct neigh_tally) {};
                r = dump_once(sk, &t);
                if (r < 0 || !t.interrupted)
                        break;
                r = -EAGAIN;
        }
        nl_socket_free(sk);
        if (r < 0)
                return r;
        for (int i = 0; i < _NEIGH_FAMILY_MAX; i++)
                ret_entries[i] = t.n[i];
        return 0;
}
