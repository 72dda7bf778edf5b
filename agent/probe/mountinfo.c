/* SPDX-License-Identifier: MIT */
#include "mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "../basic/cleanup.h"
#include "../shared/dl-mount.h"

struct mount_table {
        struct libmnt_table *tb;
        unsigned bad_lines;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_iter *, mnt_free_iter)

/* libmount's parser error callback: count and skip the line (return > 0
 * means "recoverable"), so one garbage line does not lose the table. */
static int on_parse_error(struct libmnt_table *tb, const char *filename, int line) {
        struct mount_table *mt = mnt_table_get_userdata(tb);

        (void) filename, (void) line;
        if (mt)
                mt->bad_lines++;
        return 1;
}

static int table_new(struct mount_table **ret) {
        struct mount_table *mt;
        int r;

        /* Loaded here, at the one way into libmount, so a command loads it
         * only when a probe really reads the mount table. */
        r = dlopen_mount(NULL);
        if (r < 0)
                return r;
        mt = calloc(1, sizeof(*mt));
        if (!mt)
                return -ENOMEM;
        mt->tb = mnt_new_table();
        if (!mt->tb) {
                free(mt);
                return -ENOMEM;
        }
        mnt_table_set_userdata(mt->tb, mt);
        mnt_table_set_parser_errcb(mt->tb, on_parse_error);
        *ret = mt;
        return 0;
}

static bool printable(const char *s) {
        for (; s && *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

/* libmount guesses the format per line and takes a line that is not
 * mountinfo as fstab ("source target type options"), so binary junk turns
 * into entries. A mountinfo entry has a mount ID and an absolute target:
 * drop (and count) everything else. */
static int keep_mountinfo_entries(struct mount_table *mt) {
        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs;

        if (!it)
                return -ENOMEM;
        while (mnt_table_next_fs(mt->tb, it, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs);

                if (mnt_fs_get_id(fs) > 0 && t && t[0] == '/' && printable(t) && printable(mnt_fs_get_fstype(fs)))
                        continue;
                mt->bad_lines++;
                if (mnt_table_remove_fs(mt->tb, fs) < 0)
                        return -ENOMEM;
        }
        if (mnt_table_get_nents(mt->tb) == 0)
                return mt->bad_lines ? -EBADMSG : -ENODATA;
        return 0;
}

int mount_table_parse_stream(FILE *f, const char *name, struct mount_table **ret) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;
        int r;

        r = table_new(&mt);
        if (r < 0)
                return r;
        r = mnt_table_parse_stream(mt->tb, f, name);
        if (r < 0)
                return r;
        r = keep_mountinfo_entries(mt);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(mt);
        return 0;
}

int mount_table_load(const struct sysroot *sr, struct mount_table **ret) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        /* A size cap first: libmount reads any amount. procfs reports size 0. */
        fd = sysroot_open(sr, "/proc/self/mountinfo", O_RDONLY, 0);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size > MOUNTINFO_MAX_SIZE)
                return -EFBIG;
        r = sysroot_host_path(sr, "/proc/self/mountinfo", &path);
        if (r < 0)
                return r;
        r = table_new(&mt);
        if (r < 0)
                return r;
        /* The root-prefixed path, never NULL (which would mean the host's). */
        r = mnt_table_parse_file(mt->tb, path);
        if (r < 0)
                return r;
        r = keep_mountinfo_entries(mt);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(mt);
        return 0;
}

struct mount_table *mount_table_free(struct mount_table *mt) {
        if (!mt)
                return NULL;
        mnt_unref_table(mt->tb);
        free(mt);
        return NULL;
}

void mount_table_freep(struct mount_table **mt) {
        mount_table_free(*mt);
}

unsigned mount_table_bad_lines(const struct mount_table *mt) {
        return mt->bad_lines;
}

unsigned mount_table_size(const struct mount_table *mt) {
        return (unsigned) mnt_table_get_nents(mt->tb);
}

static int dup_opt(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

void mount_entry_done(struct mount_entry *e) {
        free(e->target), free(e->source), free(e->fstype), free(e->options);
        *e = (struct mount_entry) {};
}

/* Longest mountpoint prefix, topmost of a stack. libmount's own
 * mnt_table_find_mountpoint() stat()s the path on the host first, which is
 * wrong under --root, so walk up by string only: mnt_table_find_target()
 * without a cache compares strings and never touches the filesystem. */
static struct libmnt_fs *find_covering(struct libmnt_table *tb, const char *path) {
        _cleanup_free_ char *p = strdup(path);

        if (!p || p[0] != '/')
                return NULL;
        for (;;) {
                struct libmnt_fs *fs = mnt_table_find_target(tb, p, MNT_ITER_BACKWARD);
                char *slash;

                if (fs)
                        return fs;
                if (streq(p, "/"))
                        return NULL;
                slash = strrchr(p, '/');
                if (slash == p)
                        p[1] = 0;
                else
                        *slash = 0;
        }
}

int mount_table_find(const struct mount_table *mt, const char *path, struct mount_entry *ret) {
        struct mount_entry e = {};
        struct libmnt_fs *fs;
        const char *vfs;

        fs = find_covering(mt->tb, path);
        if (!fs || !mnt_fs_get_target(fs))
                return -ENOENT;
        if (dup_opt(mnt_fs_get_target(fs), &e.target) < 0 || dup_opt(mnt_fs_get_source(fs), &e.source) < 0 ||
            dup_opt(mnt_fs_get_fstype(fs), &e.fstype) < 0 || dup_opt(mnt_fs_get_options(fs), &e.options) < 0) {
                mount_entry_done(&e);
                return -ENOMEM;
        }
        e.devno = mnt_fs_get_devno(fs);
        vfs = mnt_fs_get_vfs_options(fs);
        e.read_only = vfs && mnt_optstr_get_option(vfs, "ro", NULL, NULL) == 0;
        *ret = e;
        return 0;
}

static bool under(const char *target, const char *prefix) {
        size_t n = strlen(prefix);

        return strneq(target, prefix, n) && (target[n] == 0 || target[n] == '/');
}

bool mount_table_has_fstype_under(const struct mount_table *mt, const char *fstype, const char *prefix) {
        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs;

        if (!it)
                return false;
        while (mnt_table_next_fs(mt->tb, it, &fs) == 0) {
                const char *t = mnt_fs_get_target(fs), *ty = mnt_fs_get_fstype(fs);

                if (t && ty && streq(ty, fstype) && under(t, prefix))
                        return true;
        }
        return false;
}

const char *mount_table_fstype_at(const struct mount_table *mt, const char *target) {
        struct libmnt_fs *fs = mnt_table_find_target(mt->tb, target, MNT_ITER_BACKWARD);

        return fs ? mnt_fs_get_fstype(fs) : NULL;
}

const char *mount_table_cgroup1_with(const struct mount_table *mt, const char *controller) {
        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
        struct libmnt_fs *fs;

        if (!it)
                return NULL;
        while (mnt_table_next_fs(mt->tb, it, &fs) == 0) {
                const char *ty = mnt_fs_get_fstype(fs), *opts = mnt_fs_get_fs_options(fs);

                if (ty && streq(ty, "cgroup") && opts &&
                    mnt_optstr_get_option(opts, controller, NULL, NULL) == 0)
                        return mnt_fs_get_target(fs);
        }
        return NULL;
}
