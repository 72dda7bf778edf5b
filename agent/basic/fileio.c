/* SPDX-License-Identifier: MIT */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int read_fd_capped(int fd, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                ssize_t n;

                if (alloc - size < 2) {
                        size_t want = alloc ? alloc * 2 : 4096;
                        char *nb;

                        if (want > max_size + 2)
                                want = max_size + 2;
                        if (want <= alloc)
                                return -EFBIG;
                        nb = realloc(buf, want);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        alloc = want;
                }
                n = read(fd, buf + size, alloc - size - 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return -EFBIG;
        }
        if (!buf) {
                buf = malloc(1);
                if (!buf)
                        return -ENOMEM;
        }
        buf[size] = 0;
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = size;
        return 0;
}

int write_all(int fd, const void *buf, size_t size) {
        const char *p = buf;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const char *content, size_t size, mode_t mode) {
        char tmp[300];
        uint64_t rnd = 0;
        _cleanup_close_ int fd = -1;
        int r;

        if (strchr(name, '/') || strlen(name) > 200)
                return -EINVAL;
        if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
                rnd = (uint64_t) getpid() ^ (uint64_t) (uintptr_t) &rnd;
        snprintf(tmp, sizeof(tmp), ".#%s.%016llx", name, (unsigned long long) rnd);

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;

        r = write_all(fd, content, size);
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dirfd, tmp, 0);
                return r;
        }
        return fsync(dirfd) < 0 ? -errno : 0;
}

int read_one_line_file(const char *path, size_t max_size, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *s = NULL;
        size_t n;
        int r;

        if (fd < 0)
                return -errno;
        r = read_fd_capped(fd, max_size + 2, &s, &n);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        while (n > 0 && strchr("\r\n \t", s[n - 1]))
                s[--n] = 0;
        if (!s || n == 0 || n > max_size || strlen(s) != n || strpbrk(s, "\r\n"))
                return -EBADMSG;
        *ret = TAKE_PTR(s);
        return 0;
}
