/* SPDX-License-Identifier: MIT */
/*
 * Profiles are code run as root (they write kernel settings and persist
 * them), so a profile anyone else could have written is refused, like sshd's
 * StrictModes (auth.c secure_filename(): the file and each directory up to
 * the root owned by root or the user, not group- or world-writable).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "profile.h"

static const char *owner_name(uid_t uid, char *buf, size_t size) {
        struct passwd *pw = getpwuid(uid);

        if (pw && pw->pw_name)
                snprintf(buf, size, "%s", pw->pw_name);
        else
                snprintf(buf, size, "uid %u", (unsigned) uid);
        return buf;
}

static int check_one(const struct stat *st, const char *profile, const char *dir, char **ret_error) {
        bool owner_ok = st->st_uid == 0 || st->st_uid == geteuid();
        /* In a sticky directory nobody else can rename or remove what we
         * own, so a world-writable /tmp above the profile is fine. */
        bool mode_ok = (st->st_mode & (S_IWGRP | S_IWOTH)) == 0 || (dir && (st->st_mode & S_ISVTX));
        char who[64];

        if (owner_ok && mode_ok)
                return 0;
        return error_msg(ret_error, -EPERM, "%s: refusing the profile: %s%s is %s (mode %04o, owner %s); "
                         "a profile and its directories must be owned by root and writable by nobody else",
                         profile, dir ? "its directory " : "the file", dir ? dir : "",
                         !owner_ok ? "not owned by root" : "writable by group or others",
                         (unsigned) (st->st_mode & 07777), owner_name(st->st_uid, who, sizeof(who)));
}

int profile_check_trust(int fd, const char *real_path, char **ret_error) {
        char buf[4096];
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return error_msg(ret_error, -errno, "%s: %m", real_path);
        r = check_one(&st, real_path, NULL, ret_error);
        if (r < 0)
                return r;
        if (strlen(real_path) >= sizeof(buf) || real_path[0] != '/')
                return error_msg(ret_error, -EINVAL, "%s: not an absolute path", real_path);
        strcpy(buf, real_path);
        for (char *slash = strrchr(buf, '/'); slash; slash = strrchr(buf, '/')) {
                *slash = 0;
                if (stat(buf[0] ? buf : "/", &st) < 0)
                        return error_msg(ret_error, -errno, "%s: %m", buf[0] ? buf : "/");
                r = check_one(&st, real_path, buf[0] ? buf : "/", ret_error);
                if (r < 0)
                        return r;
                if (!buf[0])
                        break;
        }
        return 0;
}
