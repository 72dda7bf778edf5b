/* SPDX-License-Identifier: MIT */
#include "sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"

bool text_is_printable(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];

                if (c == 0 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\n'))
                        return false;
        }
        return true;
}

int sysfs_read_attr(const struct sysroot *sr, const char *path, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n, start = 0;
        int r;

        r = sysroot_read_file(sr, path, SYSFS_ATTR_MAX, &s, &n);
        if (r < 0)
                return r;
        if (!text_is_printable(s, n))
                return -EBADMSG;
        while (n > 0 && strchr(" \t\n", s[n - 1]))
                s[--n] = 0;
        while (start < n && strchr(" \t\n", s[start]))
                start++;
        if (start == n)
                return -ENODATA;
        if (start > 0)
                memmove(s, s + start, n - start + 1);
        *ret = TAKE_PTR(s);
        return 0;
}

int sysfs_read_u64(const struct sysroot *sr, const char *path, uint64_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = sysfs_read_attr(sr, path, &s);
        if (r < 0)
                return r;
        return safe_atou64(s, ret);
}

int sysfs_readlink(const struct sysroot *sr, const char *path, char **ret) {
        _cleanup_close_ int dfd = -1;
        char buf[PATH_MAX];
        const char *base;
        ssize_t n;
        char *s;

        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd < 0)
                return dfd;
        n = readlinkat(dfd, base, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int sysfs_list_dir(const struct sysroot *sr, const char *path, size_t max, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = 0;
        DIR *d;
        struct dirent *de;

        fd = sysroot_open(sr, path, O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;        /* owned by d now */
        l = calloc(1, sizeof(char *));
        if (!l) {
                closedir(d);
                return -ENOMEM;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (n >= max) {
                        closedir(d);
                        return -E2BIG;
                }
                if (strv_extend(&l, de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }
                n++;
        }
        closedir(d);
        qsort(l, n, sizeof(char *), cmp_str);
        *ret = TAKE_PTR(l);
        return 0;
}

bool sysfs_exists(const struct sysroot *sr, const char *path) {
        return sysroot_access(sr, path, F_OK) >= 0;
}

int sysfs_bracketed(const char *s, char **ret) {
        const char *a = strchr(s, '['), *b;
        char *t;

        if (!a || !(b = strchr(a, ']')) || b == a + 1)
                return -EINVAL;
        t = strndup(a + 1, (size_t) (b - a - 1));
        if (!t)
                return -ENOMEM;
        *ret = t;
        return 0;
}

int bufprintf(char *buf, size_t size, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        return n < 0 ? -EINVAL : (size_t) n >= size ? -ENAMETOOLONG : 0;
}
