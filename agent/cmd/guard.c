/* SPDX-License-Identifier: MIT */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../basic/cleanup.h"

int cli_guard_root(const struct cli *cli, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (!cli->sr->live || geteuid() == 0)
                return 0;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                msg = NULL;
        return cli_error(cli, EXIT_NOT_PERMITTED, "%s", msg ? msg : "must run as root");
}

/* Same network namespace as PID 1? Both links are read under the root. Where
 * PID 1's namespace cannot be inspected (a sandbox that hides it), fall back to
 * a key the kernel registers only in the initial namespace (arp_init
 * registers the neigh "default" table once, for init_net). */
static int in_host_netns(const struct cli *cli) {
        _cleanup_close_ int self = -1, init = -1;
        struct stat a, b;

        self = sysroot_open(cli->sr, "/proc/self/ns/net", O_RDONLY, 0);
        init = sysroot_open(cli->sr, "/proc/1/ns/net", O_RDONLY, 0);
        if (self >= 0 && init >= 0) {
                if (fstat(self, &a) < 0 || fstat(init, &b) < 0)
                        return -errno;
                return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        }
        if (init != -EACCES && init != -EPERM)
                return self < 0 ? self : init;
        return sysroot_access(cli->sr, "/proc/sys/net/ipv4/neigh/default/gc_thresh1", F_OK) >= 0;
}

int cli_guard_sysctl_write(const struct cli *cli, bool allow_netns, bool *ret_only_per_netns) {
        _cleanup_close_ int fd = -1;
        struct statvfs sv;
        int host, r;

        *ret_only_per_netns = false;
        if (!cli->sr->live)
                return 0;
        r = cli_guard_root(cli, "not permitted: writing kernel settings needs root");
        if (r != 0)
                return r;
        fd = sysroot_open(cli->sr, "/proc/sys", O_PATH | O_DIRECTORY, 0);
        if (fd < 0 || fstatvfs(fd, &sv) < 0)
                return cli_error(cli, EXIT_NOT_PERMITTED, "not permitted: /proc/sys is not available");
        if (sv.f_flag & ST_RDONLY)
                return cli_error(cli, EXIT_NOT_PERMITTED, "not permitted: /proc/sys is mounted read-only "
                                 "(a container without privileges?)");
        host = in_host_netns(cli);
        if (host < 0)
                return cli_error(cli, EXIT_NOT_PERMITTED, "not permitted: cannot compare network namespaces: %s",
                                 strerror(-host));
        if (!host && !allow_netns)
                return cli_error(cli, EXIT_NOT_PERMITTED, "not permitted: not in the host network namespace "
                                 "(per-netns keys would be set for this namespace only)");
        *ret_only_per_netns = !host;
        return 0;
}
