/* SPDX-License-Identifier: MIT */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../shared/dl-zlib.h"
#include "mountinfo.h"
#include "sysfs.h"

#define KCONFIG_MAX (4 * 1024 * 1024)

const char *cgroup_mode_to_string(enum cgroup_mode m) {
        switch (m) {
        case CGROUP_V1: return "v1";
        case CGROUP_HYBRID: return "hybrid";
        case CGROUP_V2: return "v2";
        default: return "unknown";
        }
}

/* v1: /proc/cgroups says the controller is enabled, and a hierarchy with it
 * is mounted. */
static bool v1_controller(const struct sysroot *sr, const struct mount_table *mt, const char *cgroups,
                          const char *name) {
        char needle[32];
        const char *p;
        unsigned hier, num, enabled;

        if (!mount_table_cgroup1_with(mt, name))
                return false;
        bufprintf(needle, sizeof(needle), "\n%s\t", name);
        p = strstr(cgroups, needle);
        (void) sr;
        return p && sscanf(p + strlen(needle), "%u %u %u", &hier, &num, &enabled) == 3 && enabled == 1;
}

/* /proc/cgroups: one line per controller (about 15). */
#define PROC_CGROUPS_MAX (64u * 1024)

int cgroup_probe(const struct sysroot *sr, struct cgroup_info *ret) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;
        _cleanup_free_ char *controllers = NULL, *cgroups = NULL;
        struct cgroup_info c = {};
        const char *root_type, *unified_type;
        int r;

        r = mount_table_load(sr, &mt);
        if (r < 0) {
                c.error = r;
                bufprintf(c.evidence, sizeof(c.evidence), "/proc/self/mountinfo");
                *ret = c;
                return 0;
        }
        root_type = mount_table_fstype_at(mt, "/sys/fs/cgroup");
        unified_type = mount_table_fstype_at(mt, "/sys/fs/cgroup/unified");
        if (root_type && streq(root_type, "cgroup2")) {
                c.mode = CGROUP_V2;
                r = sysfs_read_attr(sr, "/sys/fs/cgroup/cgroup.controllers", &controllers);
                if (r < 0 && r != -ENODATA) {
                        c.error = r;
                        bufprintf(c.evidence, sizeof(c.evidence), "/sys/fs/cgroup/cgroup.controllers");
                        *ret = c;
                        return 0;
                }
                if (controllers) {
                        c.memory = word_in_list(controllers, "memory");
                        c.cpu = word_in_list(controllers, "cpu");
                        c.cpuset = word_in_list(controllers, "cpuset");
                }
                bufprintf(c.evidence, sizeof(c.evidence), "/sys/fs/cgroup/cgroup.controllers: %s",
                         controllers ? controllers : "(empty)");
                *ret = c;
                return 0;
        }
        r = sysroot_read_file(sr, "/proc/cgroups", PROC_CGROUPS_MAX, &cgroups, NULL);
        if (r < 0 || !text_is_printable(cgroups, strlen(cgroups))) {
                c.error = r < 0 ? r : -EBADMSG;
                bufprintf(c.evidence, sizeof(c.evidence), "/proc/cgroups");
                *ret = c;
                return 0;
        }
        c.mode = unified_type && streq(unified_type, "cgroup2") ? CGROUP_HYBRID :
                 mount_table_cgroup1_with(mt, "memory") || mount_table_cgroup1_with(mt, "cpu") ? CGROUP_V1 :
                 CGROUP_UNKNOWN;
        c.memory = v1_controller(sr, mt, cgroups, "memory");
        c.cpu = v1_controller(sr, mt, cgroups, "cpu");
        c.cpuset = v1_controller(sr, mt, cgroups, "cpuset");
        bufprintf(c.evidence, sizeof(c.evidence), "/proc/cgroups + cgroup v1 mounts in /proc/self/mountinfo");
        *ret = c;
        return 0;
}

/* Decompress a gzip stream from fd (zlib via dlopen), at most max bytes. */
static int gunzip_fd(int fd, size_t max, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 64 * 1024;
        gzFile gz;
        int k, dfd;

        if (dlopen_zlib(NULL) < 0)
                return -EOPNOTSUPP;
        dfd = dup(fd);  /* gzclose() closes what gzdopen() got */
        if (dfd < 0)
                return -errno;
        gz = gzdopen(dfd, "rb");
        if (!gz) {
                close(dfd);
                return -ENOMEM;
        }
        buf = malloc(allocated + 1);
        while (buf) {
                if (n == allocated) {
                        char *p;

                        if (allocated >= max)
                                break;
                        allocated = allocated * 2 > max ? max : allocated * 2;
                        p = realloc(buf, allocated + 1);
                        if (!p)
                                break;
                        buf = p;
                }
                k = gzread(gz, buf + n, (unsigned) (allocated - n));
                if (k <= 0) {
                        gzclose(gz);
                        if (k < 0)
                                return -EBADMSG;
                        buf[n] = 0;
                        *ret = TAKE_PTR(buf);
                        return 0;
                }
                n += (size_t) k;
        }
        gzclose(gz);
        return buf ? -EFBIG : -ENOMEM;
}

int kconfig_load(const struct sysroot *sr, char **ret, const char **ret_source) {
        _cleanup_free_ char *release = NULL, *path = NULL, *text = NULL;
        _cleanup_close_ int fd = -1;
        size_t n;
        int r;

        if (sysfs_read_attr(sr, "/proc/sys/kernel/osrelease", &release) >= 0 && !strchr(release, '/') &&
            asprintf(&path, "/boot/config-%s", release) >= 0) {
                r = sysroot_read_file(sr, path, KCONFIG_MAX, &text, &n);
                if (r >= 0) {
                        if (!text_is_printable(text, n))
                                return -EBADMSG;
                        *ret = TAKE_PTR(text);
                        *ret_source = "/boot/config-$(uname -r)";
                        return 0;
                }
        }
        fd = sysroot_open(sr, "/proc/config.gz", O_RDONLY, 0);
        if (fd < 0)
                return fd;
        r = gunzip_fd(fd, KCONFIG_MAX, &text);
        if (r < 0)
                return r;
        if (!text)
                return -ENOMEM;
        if (!text_is_printable(text, strlen(text)))
                return -EBADMSG;
        *ret = TAKE_PTR(text);
        *ret_source = "/proc/config.gz";
        return 0;
}

char kconfig_get(const char *config, const char *option) {
        char needle[96];
        size_t n;

        n = (size_t) snprintf(needle, sizeof(needle), "CONFIG_%s=", option);
        if (n >= sizeof(needle))
                return 0;
        for (const char *p = config; (p = strstr(p, needle)); p += n)
                if (p == config || p[-1] == '\n')
                        return p[n] == 'y' || p[n] == 'm' ? p[n] : 0;
        return 0;
}

void kconfig_get_many(const char *config, const char *const *options, size_t n, char *ret) {
        size_t lens[128];

        memset(ret, 0, n);
        if (n > ELEMENTSOF(lens))
                n = ELEMENTSOF(lens);
        for (size_t i = 0; i < n; i++)
                lens[i] = strlen(options[i]);
        /* One pass: for each "CONFIG_NAME=v" line, compare NAME with the
         * options of the same length only. */
        for (const char *line = config; *line;) {
                const char *eol = strchrnul(line, '\n'), *name = line + 7, *eq;

                if (eol - line > 7 && strneq(line, "CONFIG_", 7) &&
                    (eq = memchr(name, '=', (size_t) (eol - name))) && eq + 1 < eol)
                        for (size_t i = 0; i < n; i++)
                                if (lens[i] == (size_t) (eq - name) && memcmp(name, options[i], lens[i]) == 0)
                                        ret[i] = eq[1] == 'y' || eq[1] == 'm' ? eq[1] : 0;
                line = *eol ? eol + 1 : eol;
        }
}
