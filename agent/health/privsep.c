/* SPDX-License-Identifier: MIT */
#include "privsep.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* glibc before 2.34 (Debian 11) has no SYS_close_range; its kernel headers
 * (5.10) have the number. */
#if !defined(SYS_close_range) && defined(__NR_close_range)
#define SYS_close_range __NR_close_range
#endif

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../shared/dl-microhttpd.h"
#include "route.h"
#include "wire.h"

#define CHILD_LISTEN_FD 3
#define CHILD_IPC_FD 4
#define START_TIMEOUT_MS 10000

struct health_frontend {
        struct health_server *inproc;   /* not root: no split */
        pid_t child;
        int ipc;
};

static int send_snapshot(int fd, const struct health_snapshot *s) {
        _cleanup_free_ char *buf = NULL;
        size_t n;
        uint32_t len;
        int r = health_snapshot_encode(s, &buf, &n);

        if (r < 0)
                return r;
        len = (uint32_t) n;
        r = write_all(fd, &len, sizeof(len));
        return r < 0 ? r : write_all(fd, buf, n);
}

static int read_exact(int fd, void *p, size_t n) {
        while (n > 0) {
                ssize_t k = read(fd, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EPIPE;
                p = (char *) p + k;
                n -= (size_t) k;
        }
        return 0;
}

static int recv_snapshot(int fd, struct health_snapshot **ret) {
        _cleanup_free_ char *buf = NULL;
        uint32_t len;
        int r = read_exact(fd, &len, sizeof(len));

        if (r < 0)
                return r;
        if (len > WIRE_MAX)
                return -EBADMSG;
        buf = malloc(len ? len : 1);
        if (!buf)
                return -ENOMEM;
        r = read_exact(fd, buf, len);
        return r < 0 ? r : health_snapshot_decode(buf, len, ret);
}

/* No uid 0, no capabilities in any set, no way back (setuid binaries,
 * file capabilities). Checked, not assumed. */
static int drop_privileges(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {};
        const struct passwd *pw = getpwnam("nobody");
        uid_t uid = pw ? pw->pw_uid : 65534;
        gid_t gid = pw ? pw->pw_gid : 65534;

        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                return -errno;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        if (d[0].effective || d[1].effective || d[0].permitted || d[1].permitted || getuid() == 0 || geteuid() == 0)
                return -EPERM;
        return 0;
}

static _Noreturn void child_main(struct health_server_options o) {
        struct health_server *srv = NULL;
        struct health_snapshot *snap = NULL;
        int r, status = 0;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        r = drop_privileges();
        if (r < 0) {
                fprintf(stderr, "nodeprep: serve: cannot drop privileges for the network process: %s\n",
                        strerror(-r));
                _exit(1);
        }
        r = recv_snapshot(CHILD_IPC_FD, &snap);
        if (r >= 0) {
                o.listen_fd = CHILD_LISTEN_FD;
                r = health_server_start(&o, snap, &srv);
                health_snapshot_unref(snap);
        }
        status = r < 0 ? -r : 0;
        if (write_all(CHILD_IPC_FD, &status, sizeof(status)) < 0 || r < 0)
                _exit(1);
        /* Serve until the parent closes its end (it stopped, or died). */
        for (;;) {
                r = recv_snapshot(CHILD_IPC_FD, &snap);
                if (r < 0)
                        break;
                if (health_server_publish(srv, snap) < 0)
                        fprintf(stderr, "nodeprep: serve: publishing a snapshot failed: out of memory\n");
                health_snapshot_unref(snap);
        }
        health_server_stop(srv);
        _exit(r == -EPIPE ? 0 : 1);
}

static int bind_listener(const char *listen_addr) {
        struct sockaddr_storage ss;
        socklen_t sl = 0;
        int one = 1, fd, r = listen_address_parse(listen_addr, &ss, &sl);

        if (r < 0)
                return r;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
            bind(fd, (struct sockaddr *) &ss, sl) < 0 || listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* Wait for the child's start status (0, or the errno of its failure). */
static int wait_started(int ipc) {
        struct pollfd p = { .fd = ipc, .events = POLLIN };
        int status, r;

        r = poll(&p, 1, START_TIMEOUT_MS);
        if (r <= 0)
                return r == 0 ? -ETIMEDOUT : -errno;
        r = read_exact(ipc, &status, sizeof(status));
        if (r < 0)
                return -ECHILD;         /* it exited: the reason is on stderr */
        return -status;
}

static int start_child(const struct health_server_options *o, struct health_snapshot *first,
                       struct health_frontend *fe) {
        _cleanup_close_ int listen_fd = -1;
        int sp[2], r;

        /* Loaded here, so a missing libmicrohttpd is the parent's error and
         * not a child that dies (the child's health_server_start() finds it
         * loaded). */
        r = dlopen_microhttpd(NULL);
        if (r < 0)
                return r;
        listen_fd = o->listen_fd >= 0 ? fcntl(o->listen_fd, F_DUPFD_CLOEXEC, 3) : bind_listener(o->listen);
        if (listen_fd < 0)
                return o->listen_fd >= 0 ? -errno : listen_fd;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                return -errno;
        fe->child = fork();
        if (fe->child < 0) {
                r = -errno;
                close(sp[0]);
                close(sp[1]);
                return r;
        }
        if (fe->child == 0) {
                /* Only the listener and our end stay open: nothing of the
                 * collector's (root dirfd, netlink sockets, files) crosses. */
                if (dup2(listen_fd, CHILD_LISTEN_FD) < 0 || dup2(sp[1], CHILD_IPC_FD) < 0)
                        _exit(1);
                if (syscall(SYS_close_range, CHILD_IPC_FD + 1, ~0U, 0) < 0)     /* kernels before 5.9 */
                        for (long fd = CHILD_IPC_FD + 1, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
                                (void) close((int) fd);
                child_main(*o);
        }
        close(sp[1]);
        fe->ipc = sp[0];
        r = send_snapshot(fe->ipc, first);
        return r < 0 ? r : wait_started(fe->ipc);
}

int health_frontend_start(const struct health_server_options *o, struct health_snapshot *first,
                          struct health_frontend **ret) {
        struct health_frontend *fe = calloc(1, sizeof(*fe));
        int r;

        if (!fe)
                return -ENOMEM;
        fe->ipc = -1;
        if (geteuid() != 0)
                r = health_server_start(o, first, &fe->inproc);
        else
                r = start_child(o, first, fe);
        if (r < 0) {
                health_frontend_stop(fe);
                return r;
        }
        *ret = fe;
        return 0;
}

int health_frontend_publish(struct health_frontend *fe, struct health_snapshot *snap) {
        if (fe->inproc)
                return health_server_publish(fe->inproc, snap);
        return send_snapshot(fe->ipc, snap);
}

static void reap(pid_t pid) {
        for (int i = 0; i < 100; i++) {
                if (waitpid(pid, NULL, WNOHANG) != 0)
                        return;
                nanosleep(&(struct timespec) { .tv_nsec = 50 * 1000000L }, NULL);
        }
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

struct health_frontend *health_frontend_stop(struct health_frontend *fe) {
        if (!fe)
                return NULL;
        health_server_stop(fe->inproc);
        if (fe->ipc >= 0)
                close(fe->ipc);         /* the child sees the end and stops */
        if (fe->child > 0)
                reap(fe->child);
        free(fe);
        return NULL;
}
