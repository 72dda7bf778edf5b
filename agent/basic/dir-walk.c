/* SPDX-License-Identifier: MIT */
#include "dir-walk.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

int dir_walk_at(int parent, const char *name, bool keep_going, dir_entry_fn fn, void *userdata) {
        _cleanup_close_ int fd = -1;
        struct dirent *de;
        DIR *d;
        int r = 0;

        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        fd = -1;        /* owned by d now */
        while ((keep_going || r >= 0) && (de = readdir(d))) {
                int k;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                k = fn(dirfd(d), de, userdata);
                if (k < 0 && r == 0)
                        r = k;
        }
        closedir(d);
        return r;
}
