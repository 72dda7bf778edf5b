/* SPDX-License-Identifier: MIT */
#include "limits.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "sysfs.h"

/* system.conf drop-ins, lowest precedence first; a name in a later dir
 * masks the same name in an earlier one (systemd's conf_files_list). */
static const char *const dropin_dirs[] = {
        "/usr/lib/systemd/system.conf.d",
        "/usr/local/lib/systemd/system.conf.d",
        "/run/systemd/system.conf.d",
        "/etc/systemd/system.conf.d",
};

static int parse_one(const char *s, uint64_t *ret) {
        if (streq(s, "infinity")) {
                *ret = LIMIT_INFINITY;
                return 0;
        }
        return safe_atou64(s, ret);
}

int limits_parse_nofile(const char *s, uint64_t *soft, uint64_t *hard) {
        _cleanup_free_ char *copy = strdup(s);
        char *colon;
        int r;

        if (!copy)
                return -ENOMEM;
        colon = strchr(copy, ':');
        if (colon)
                *colon = 0;
        r = parse_one(copy, soft);
        if (r < 0)
                return r;
        if (!colon) {
                *hard = *soft;
                return 0;
        }
        r = parse_one(colon + 1, hard);
        if (r < 0)
                return r;
        return *soft > *hard ? -EINVAL : 0;
}

struct conf_state {
        struct limits_info *li;
        const char *file;
};

static int on_ini(void *user, const char *section, const char *name, const char *value) {
        struct conf_state *st = user;
        uint64_t soft, hard;

        if (!streq(section, "Manager") || !streq(name, "DefaultLimitNOFILE"))
                return 1;
        if (!*value) {  /* an empty assignment resets to the default */
                st->li->manager_set = false;
                return 1;
        }
        if (limits_parse_nofile(value, &soft, &hard) < 0) {
                st->li->manager_error = -EINVAL;
                bufprintf(st->li->manager_file, sizeof(st->li->manager_file), "%s", st->file);
                return 1;
        }
        st->li->manager_set = true;
        st->li->manager_soft = soft;
        st->li->manager_hard = hard;
        bufprintf(st->li->manager_file, sizeof(st->li->manager_file), "%s", st->file);
        return 1;
}

/* system.conf and its drop-ins are a few KiB of comments and keys. */
#define UNIT_FILE_MAX (1024u * 1024)

static void parse_conf(const struct sysroot *sr, const char *path, struct limits_info *li) {
        _cleanup_free_ char *text = NULL;
        struct conf_state st = { li, path };
        size_t n;

        if (sysroot_read_file(sr, path, UNIT_FILE_MAX, &text, &n) < 0)
                return;
        if (!text_is_printable(text, n)) {
                li->manager_error = -EBADMSG;
                bufprintf(li->manager_file, sizeof(li->manager_file), "%s", path);
                return;
        }
        (void) ini_parse_string(text, on_ini, &st);
}

/* A drop-in directory holds a few files; more than 256 is not a
 * configuration anyone wrote by hand. */
#define DROPIN_DIR_MAX_ENTRIES 256

/* The drop-in file names in precedence order, later dirs masking earlier. */
static void parse_dropins(const struct sysroot *sr, struct limits_info *li) {
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));

        if (!names)
                return;
        for (size_t d = 0; d < ELEMENTSOF(dropin_dirs); d++) {
                _cleanup_strv_free_ char **l = NULL;

                if (sysfs_list_dir(sr, dropin_dirs[d], DROPIN_DIR_MAX_ENTRIES, &l) < 0)
                        continue;
                for (char **i = l; *i; i++)
                        if (strlen(*i) > 5 && streq(*i + strlen(*i) - 5, ".conf") && !strv_contains(names, *i))
                                (void) strv_extend(&names, *i);
        }
        /* Sorted by name across directories. */
        for (size_t i = 0; names[i]; i++)
                for (size_t j = i + 1; names[j]; j++)
                        if (strcmp(names[i], names[j]) > 0) {
                                char *t = names[i];
                                names[i] = names[j];
                                names[j] = t;
                        }
        for (char **i = names; *i; i++)
                for (size_t d = ELEMENTSOF(dropin_dirs); d-- > 0;) {
                        char path[256];

                        bufprintf(path, sizeof(path), "%s/%s", dropin_dirs[d], *i);
                        if (sysfs_exists(sr, path)) {
                                parse_conf(sr, path, li);
                                break;
                        }
                }
}

int limits_probe(const struct sysroot *sr, struct limits_info *ret) {
        _cleanup_free_ char *filenr = NULL;
        struct limits_info li = {};
        unsigned long long alloc, unused, max;

        li.file_max_error = sysfs_read_u64(sr, "/proc/sys/fs/file-max", &li.file_max);
        li.nr_open_error = sysfs_read_u64(sr, "/proc/sys/fs/nr_open", &li.nr_open);
        li.file_nr_error = sysfs_read_attr(sr, "/proc/sys/fs/file-nr", &filenr);
        if (li.file_nr_error >= 0) {
                if (sscanf(filenr, "%llu %llu %llu", &alloc, &unused, &max) == 3)
                        li.files_allocated = alloc;
                else
                        li.file_nr_error = -EINVAL;
        }
        li.systemd_running = sysfs_exists(sr, "/run/systemd/system");
        parse_conf(sr, "/etc/systemd/system.conf", &li);
        parse_dropins(sr, &li);
        *ret = li;
        return 0;
}
