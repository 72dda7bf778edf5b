/* SPDX-License-Identifier: MIT */
/* Fuzz target: /proc/self/mountinfo through libmount and our lookups
 * (the longest-prefix walk, fstype and cgroup queries, junk filtering). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const paths[] = { "/var/lib/rancher/k3s", "/", "/proc/meminfo", "/sys/fs/cgroup",
                                             "/a/b/c/d/e/f" };
        struct mount_table *mt = NULL;
        FILE *f;

        if (size == 0 || size > 1024 * 1024)
                return 0;
        f = fmemopen((void *) data, size, "r");
        if (!f)
                return 0;
        if (mount_table_parse_stream(f, "fuzz", &mt) >= 0) {
                for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                        struct mount_entry e;

                        if (mount_table_find(mt, paths[i], &e) >= 0)
                                mount_entry_done(&e);
                }
                (void) mount_table_has_fstype_under(mt, "fuse.lxcfs", "/proc");
                (void) mount_table_fstype_at(mt, "/sys/fs/cgroup");
                (void) mount_table_cgroup1_with(mt, "memory");
                (void) mount_table_bad_lines(mt);
                mount_table_free(mt);
        }
        fclose(f);
        return 0;
}
