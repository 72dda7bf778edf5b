/* SPDX-License-Identifier: MIT */
/*
 * The gateway's files on disk: what is there now (never following a symlink
 * at the path itself), whether it is ours, putting desired content in place
 * atomically, putting back what was there, and removing our own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/dir-walk.h"
#include "../basic/fileio.h"
#include "../basic/parse.h"
#include "../shared/blob.h"
#include "internal.h"

int gw_sha256_str(const char *s, char ret[65]) {
        return blob_sha256_mem(s, strlen(s), ret);
}

void gw_current_done(struct gw_current *c) {
        free(c->content);
        c->content = NULL;
}

static bool has_marker(const char *content) {
        const char *line = content;

        /* The marker is the first line, or the second after a "#!" line. */
        if (string_has_prefix(line, "#!")) {
                line = strchr(line, '\n');
                if (!line)
                        return false;
                line++;
        }
        return string_has_prefix(line, GW_MARKER "\n");
}

int gw_current_read(const struct sysroot *sr, const char *path, struct gw_current *ret) {
        _cleanup_close_ int dfd = -1, fd = -1;
        struct gw_current c = {};
        const char *base;
        struct stat st;
        size_t size;
        int r;

        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd == -ENOENT) {
                *ret = c;
                return 0;
        }
        if (dfd < 0)
                return dfd;
        if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        return -errno;
                *ret = c;
                return 0;
        }
        c.exists = true;
        if (S_ISLNK(st.st_mode)) {
                char target[GATEWAY_PATH_MAX];
                ssize_t n = readlinkat(dfd, base, target, sizeof(target) - 1);

                if (n < 0)
                        return -errno;
                target[n] = 0;
                c.kind = GATEWAY_LINK;
                c.content = strdup(target);
                if (!c.content)
                        return -ENOMEM;
                c.ours = streq(target, GW_SITE_PATH);
        } else if (S_ISDIR(st.st_mode)) {
                c.kind = GATEWAY_DIR;
                c.ours = true;  /* a directory carries no marker; the state file says */
                r = blob_sha256_mem("", 0, c.sha);
                if (r < 0)
                        return r;
                *ret = c;
                return 0;
        } else if (S_ISREG(st.st_mode)) {
                fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                r = read_fd_capped(fd, GW_FILE_MAX, &c.content, &size);
                if (r == -EFBIG) {
                        /* Too big to be ours: refuse to touch it. */
                        c.kind = GATEWAY_FILE;
                        *ret = c;
                        return 0;
                }
                if (r < 0)
                        return r;
                c.kind = GATEWAY_FILE;
                c.ours = strlen(c.content) == size && has_marker(c.content);
        } else {
                c.kind = GATEWAY_FILE;  /* a device or socket: not ours */
                *ret = c;
                return 0;
        }
        r = gw_sha256_str(c.content, c.sha);
        if (r < 0) {
                gw_current_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

static int put_link(const struct sysroot *sr, const char *path, const char *target) {
        _cleanup_close_ int dfd = -1;
        char tmp[256];
        const char *base;

        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd < 0)
                return dfd;
        /* A new link under a temporary name, renamed over: atomic, like
         * the files. */
        snprintf(tmp, sizeof(tmp), ".#%s.%d", base, (int) getpid());
        (void) unlinkat(dfd, tmp, 0);
        if (symlinkat(target, dfd, tmp) < 0)
                return -errno;
        if (renameat(dfd, tmp, dfd, base) < 0) {
                int r = -errno;

                (void) unlinkat(dfd, tmp, 0);
                return r;
        }
        return fsync(dfd) < 0 ? -errno : 0;
}

static int parent_mkdir(const struct sysroot *sr, const char *path) {
        char dir[GATEWAY_PATH_MAX];
        const char *slash = strrchr(path, '/');

        if (!slash || (size_t) (slash - path) >= sizeof(dir))
                return -EINVAL;
        memcpy(dir, path, (size_t) (slash - path));
        dir[slash - path] = 0;
        return sysroot_mkdir_p(sr, dir, 0755);
}

int gw_put(const struct sysroot *sr, const struct gw_desired *d) {
        int r;

        r = parent_mkdir(sr, d->path);
        if (r < 0)
                return r;
        switch (d->kind) {
        case GATEWAY_DIR:
                return sysroot_mkdir_p(sr, d->path, d->mode);
        case GATEWAY_LINK:
                return put_link(sr, d->path, d->content);
        case GATEWAY_FILE:
                return sysroot_write_atomic(sr, d->path, d->content, strlen(d->content), d->mode);
        }
        return -EINVAL;
}

static int rmdir_if_only_dirs(int dfd, const char *name, unsigned depth);

static int rmdir_entry(int dfd, const struct dirent *e, void *userdata) {
        const unsigned *depth = userdata;

        return e->d_type == DT_DIR ? rmdir_if_only_dirs(dfd, e->d_name, *depth + 1) : -ENOTEMPTY;
}

/* Only empty directories inside (certbot leaves .well-known/acme-challenge
 * behind after cleaning up its tokens). */
static int rmdir_if_only_dirs(int dfd, const char *name, unsigned depth) {
        int r;

        if (depth > 4)
                return -ENOTEMPTY;
        r = dir_walk_at(dfd, name, /* keep_going= */ false, rmdir_entry, &depth);
        if (r < 0)
                return r;
        return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int gw_remove_entry(const struct sysroot *sr, const char *path, enum gateway_file_kind kind) {
        _cleanup_close_ int dfd = -1;
        const char *base;

        if (kind != GATEWAY_DIR)
                return sysroot_unlink(sr, path);
        dfd = sysroot_open_parent(sr, path, &base);
        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        {
                int r = rmdir_if_only_dirs(dfd, base, 0);

                return r == -ENOENT ? 0 : r;
        }
}

int gw_restore(const struct sysroot *sr, const char *path, const struct gw_current *was) {
        struct gw_desired d = { .kind = was->kind, .mode = 0644, .content = was->content };

        if (!was->exists) {
                enum gateway_file_kind k = GATEWAY_FILE;

                (void) gw_path_known(path, &k);
                return gw_remove_entry(sr, path, k);
        }
        if (was->kind == GATEWAY_DIR)
                return 0;
        if (streq(path, GW_HOOK_PATH))
                d.mode = 0755;
        snprintf(d.path, sizeof(d.path), "%s", path);
        return gw_put(sr, &d);
}
