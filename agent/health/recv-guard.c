/* SPDX-License-Identifier: MIT */
/* recv() is defined below: glibc's fortified inline recv() must not exist here. */
#undef _FORTIFY_SOURCE
#include "recv-guard.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "route.h"

enum {
        FD_UNWATCHED,
        FD_CLEAN,
        FD_TAINTED,
};

/* By fd number: connections are accepted sockets, so the numbers are small
 * and dense (bounded by RLIMIT_NOFILE). */
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char *fd_state;
static size_t fd_state_size;
static unsigned watched;                /* atomic: none watched, recv() is recvfrom() alone */

int recv_guard_watch(int fd) {
        int r = 0;

        if (fd < 0)
                return -EBADF;
        pthread_mutex_lock(&guard_lock);
        if ((size_t) fd >= fd_state_size) {
                size_t n = fd_state_size ? fd_state_size : 256;
                unsigned char *p;

                while (n <= (size_t) fd)
                        n *= 2;
                p = realloc(fd_state, n);
                if (!p)
                        r = -ENOMEM;
                else {
                        memset(p + fd_state_size, FD_UNWATCHED, n - fd_state_size);
                        fd_state = p;
                        fd_state_size = n;
                }
        }
        if (r >= 0) {
                if (fd_state[fd] == FD_UNWATCHED)
                        __atomic_add_fetch(&watched, 1, __ATOMIC_RELEASE);
                fd_state[fd] = FD_CLEAN;
        }
        pthread_mutex_unlock(&guard_lock);
        return r;
}

void recv_guard_unwatch(int fd) {
        pthread_mutex_lock(&guard_lock);
        if (fd >= 0 && (size_t) fd < fd_state_size && fd_state[fd] != FD_UNWATCHED) {
                fd_state[fd] = FD_UNWATCHED;
                __atomic_sub_fetch(&watched, 1, __ATOMIC_RELEASE);
        }
        pthread_mutex_unlock(&guard_lock);
}

bool recv_guard_tainted(int fd) {
        bool tainted;

        pthread_mutex_lock(&guard_lock);
        tainted = fd >= 0 && (size_t) fd < fd_state_size && fd_state[fd] == FD_TAINTED;
        pthread_mutex_unlock(&guard_lock);
        return tainted;
}

bool recv_guard_bound(void) {
        return dlsym(RTLD_DEFAULT, "recv") == (void *) recv;
}

static void check_received(int fd, const void *buf, size_t n) {
        pthread_mutex_lock(&guard_lock);
        if ((size_t) fd < fd_state_size && fd_state[fd] == FD_CLEAN && request_bytes_have_control(buf, n))
                fd_state[fd] = FD_TAINTED;
        pthread_mutex_unlock(&guard_lock);
}

/* The scan only reads what was received (MSG_PEEK bytes are seen again
 * later: a second look changes nothing); errno is recvfrom()'s. */
ssize_t recv(int fd, void *buf, size_t len, int flags) {
        ssize_t n = recvfrom(fd, buf, len, flags, NULL, NULL);

        if (n > 0 && fd >= 0 && __atomic_load_n(&watched, __ATOMIC_ACQUIRE) > 0)
                check_received(fd, buf, (size_t) n);
        return n;
}
