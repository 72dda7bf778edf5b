/* SPDX-License-Identifier: MIT */
#include "sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

/* glibc 2.31 (Debian 11) has no SYS_openat2; its kernel headers do. */
#ifndef SYS_openat2
#define SYS_openat2 __NR_openat2
#endif

int sysroot_new(const char *root, struct sysroot **ret) {
        _cleanup_free_ struct sysroot *sr = NULL;
        const char *p = root ? root : "/";
        int fd;

        if (!*p)
                return -EINVAL;
        fd = open(p, O_DIRECTORY | O_PATH | O_CLOEXEC);
        if (fd < 0)
                return -errno;

        sr = calloc(1, sizeof(*sr));
        if (!sr) {
                close(fd);
                return -ENOMEM;
        }
        sr->dirfd = fd;
        sr->live = !root || streq(root, "/");
        sr->path = realpath(p, NULL);
        if (!sr->path) {
                close(fd);
                return -errno;
        }
        *ret = TAKE_PTR(sr);
        return 0;
}

struct sysroot *sysroot_free(struct sysroot *sr) {
        if (!sr)
                return NULL;
        if (sr->dirfd >= 0)
                close(sr->dirfd);
        free(sr->path);
        free(sr);
        return NULL;
}

void sysroot_freep(struct sysroot **sr) {
        sysroot_free(*sr);
}

static const char *relative(const char *path) {
        while (*path == '/')
                path++;
        return *path ? path : ".";
}

int sysroot_host_path(const struct sysroot *sr, const char *path, char **ret) {
        char *s;

        if (sr->live)
                s = strdup(path);
        else if (asprintf(&s, "%s/%s", sr->path, relative(path)) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* How often a lookup raced by a rename elsewhere is tried again. */
#define SYSROOT_OPENAT2_RETRIES 64

int sysroot_open(const struct sysroot *sr, const char *path, int flags, mode_t mode) {
        int fd;

        if (path[0] != '/')
                return -EINVAL;

        if (!sr->live) {
                /* Under a fixture root, absolute and ".." symlinks resolve
                 * inside the root, never on the host. */
                struct open_how how = {
                        .flags = (unsigned) (flags | O_CLOEXEC),
                        .mode = (flags & O_CREAT) ? mode : 0,
                        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
                };
                /* openat2(2): with RESOLVE_IN_ROOT a ".." component gives
                 * EAGAIN when a rename or mount anywhere on the system raced
                 * the lookup; the kernel asks the caller to retry. Fixture
                 * trees are full of ".." symlinks (sysfs's device links), so
                 * a busy machine hits it now and then. */
                for (unsigned attempt = 0; attempt < SYSROOT_OPENAT2_RETRIES; attempt++) {
                        fd = (int) syscall(SYS_openat2, sr->dirfd, relative(path), &how, sizeof(how));
                        if (fd >= 0 || errno != EAGAIN)
                                break;
                }
                if (fd >= 0 || errno != ENOSYS)
                        return fd >= 0 ? fd : -errno;
        }
        fd = openat(sr->dirfd, relative(path), flags | O_CLOEXEC, mode);
        return fd >= 0 ? fd : -errno;
}

int sysroot_read_file(const struct sysroot *sr, const char *path, size_t max_size,
                      char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;

        fd = sysroot_open(sr, path, O_RDONLY | O_NOCTTY, 0);
        if (fd < 0)
                return fd;
        return read_fd_capped(fd, max_size, ret, ret_size);
}

int sysroot_read_string(const struct sysroot *sr, const char *path, char **ret) {
        char *s;
        size_t n;
        int r;

        /* sysfs and procfs attributes are small; anything bigger is junk. */
        r = sysroot_read_file(sr, path, 64 * 1024, &s, &n);
        if (r < 0)
                return r;
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = 0;
        if (memchr(s, 0, n)) {
                free(s);
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

int sysroot_access(const struct sysroot *sr, const char *path, int mode) {
        _cleanup_close_ int fd = -1;

        if (mode == F_OK) {
                fd = sysroot_open(sr, path, O_PATH, 0);
                return fd < 0 ? fd : 0;
        }
        if (!sr->live) {
                fd = sysroot_open(sr, path, O_PATH, 0);
                if (fd < 0)
                        return fd;
                return faccessat(fd, "", mode, AT_EMPTY_PATH) < 0 ? -errno : 0;
        }
        return faccessat(sr->dirfd, relative(path), mode, 0) < 0 ? -errno : 0;
}

/* mkdir of the last component of path, its parent resolved like every other
 * path (inside the root under --root: a fixture's absolute /var symlink
 * leads to the fixture's target, not the host's). mkdirat() itself never
 * follows a symlink in the last component (EEXIST), and the next component's
 * parent is resolved again by sysroot_open(). */
static int mkdir_component(const struct sysroot *sr, const char *path, mode_t mode) {
        _cleanup_close_ int dfd = -1;
        const char *base;

        if (sr->live)
                return mkdirat(sr->dirfd, relative(path), mode) < 0 && errno != EEXIST ? -errno : 0;
        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd < 0)
                return dfd;
        return mkdirat(dfd, base, mode) < 0 && errno != EEXIST ? -errno : 0;
}

int sysroot_mkdir_p(const struct sysroot *sr, const char *path, mode_t mode) {
        char buf[PATH_MAX];
        size_t len = strlen(path);

        if (path[0] != '/' || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, path, len + 1);

        for (char *p = buf + 1;; p++) {
                char saved = *p;

                if (saved != '/' && saved != 0)
                        continue;
                if (p[-1] != '/') {     /* "a//b": no empty component */
                        int r;

                        *p = 0;
                        r = mkdir_component(sr, buf, mode);
                        if (r < 0)
                                return r;
                        *p = saved;
                }
                if (!saved)
                        break;
        }
        return 0;
}

int sysroot_open_parent(const struct sysroot *sr, const char *path, const char **ret_base) {
        char buf[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t dlen;

        if (!slash || path[0] != '/' || !slash[1])
                return -EINVAL;
        dlen = (size_t) (slash - path);
        if (dlen >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, dlen);
        buf[dlen] = 0;
        *ret_base = slash + 1;
        return sysroot_open(sr, dlen ? buf : "/", O_DIRECTORY | O_RDONLY, 0);
}

int sysroot_write_atomic(const struct sysroot *sr, const char *path,
                         const char *content, size_t size, mode_t mode) {
        _cleanup_close_ int dfd = -1;
        const char *base;

        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd < 0)
                return dfd;
        return write_file_atomic_at(dfd, base, content, size, mode);
}

int sysroot_unlink(const struct sysroot *sr, const char *path) {
        _cleanup_close_ int dfd = -1;
        const char *base;

        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        if (unlinkat(dfd, base, 0) < 0)
                return errno == ENOENT ? 0 : -errno;
        return fsync(dfd) < 0 ? -errno : 0;
}

int sysroot_unlink_atomic_leftovers(const struct sysroot *sr, const char *path) {
        _cleanup_close_ int dfd = -1;
        char prefix[256];
        const char *base;
        struct dirent *de;
        DIR *d;
        int n = 0;

        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        snprintf(prefix, sizeof(prefix), ".#%s.", base);
        d = fdopendir(dfd);
        if (!d)
                return -errno;
        dfd = -1;  /* owned by d now */
        while ((de = readdir(d)))
                if (strneq(de->d_name, prefix, strlen(prefix)) && unlinkat(dirfd(d), de->d_name, 0) >= 0)
                        n++;
        if (n > 0)
                (void) fsync(dirfd(d));
        closedir(d);
        return n;
}
