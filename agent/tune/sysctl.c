/* SPDX-License-Identifier: MIT */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../basic/parse.h"

static int valid_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                strchr("_-.:@+/", c);
}

int sysctl_normalize_name(const char *name, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n = strlen(name);
        size_t first = strcspn(name, "./");
        bool swap = name[first] == '/';

        if (n == 0 || n >= SYSCTL_NAME_MAX)
                return -EINVAL;
        s = strdup(name);
        if (!s)
                return -ENOMEM;
        for (char *p = s; *p; p++) {
                if (!valid_char(*p))
                        return -EINVAL;
                if (swap && *p == '/')
                        *p = '.';
                else if (swap && *p == '.')
                        *p = '/';
        }
        /* Every component non-empty and not made of '/' alone: those would
         * be "." or ".." in the /proc/sys path. */
        for (const char *c = s;; c++) {
                size_t len = strcspn(c, ".");

                if (len == 0 || strspn(c, "/") >= len)
                        return -EINVAL;
                c += len;
                if (!*c)
                        break;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int sysctl_path(const char *name, char **ret) {
        char *p;

        if (asprintf(&p, "/proc/sys/%s", name) < 0)
                return -ENOMEM;
        for (char *c = p + strlen("/proc/sys/"); *c; c++) {
                if (*c == '.')
                        *c = '/';
                else if (*c == '/')
                        *c = '.';
        }
        *ret = p;
        return 0;
}

int sysctl_read(const struct sysroot *sr, const char *name, char **ret) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t n;
        int r;

        r = sysctl_path(name, &path);
        if (r < 0)
                return r;
        r = sysroot_read_file(sr, path, SYSCTL_VALUE_MAX, &buf, &n);
        if (r == -EISDIR)
                return -ENOENT;  /* a directory is not a key */
        if (r < 0)
                return r;
        if (memchr(buf, 0, n))
                return -EBADMSG;
        normalize_blanks(buf);
        *ret = TAKE_PTR(buf);
        return 0;
}

int sysctl_write(const struct sysroot *sr, const char *name, const char *value) {
        _cleanup_free_ char *path = NULL, *line = NULL;
        _cleanup_close_ int fd = -1;
        int r, n;

        r = sysctl_path(name, &path);
        if (r < 0)
                return r;
        n = asprintf(&line, "%s\n", value);
        if (n < 0)
                return -ENOMEM;
        fd = sysroot_open(sr, path, O_WRONLY | O_TRUNC | O_NOCTTY | O_NOFOLLOW, 0);
        if (fd < 0)
                return fd;
        /* One unbuffered write: procfs parses each write(2) on its own. */
        r = write_all(fd, line, (size_t) n);
        if (r < 0)
                return r;
        return close(TAKE_FD(fd)) < 0 ? -errno : 0;
}

int sysctl_write_verify(const struct sysroot *sr, const char *name, const char *value) {
        _cleanup_free_ char *back = NULL;
        int r;

        r = sysctl_write(sr, name, value);
        if (r < 0)
                return r;
        r = sysctl_read(sr, name, &back);
        if (r < 0)
                return r;
        return sysctl_value_equal(back, value) ? 0 : -EIO;
}

int sysctl_value_equal(const char *a, const char *b) {
        return streq(a, b);
}
