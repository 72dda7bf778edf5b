/* SPDX-License-Identifier: MIT */
/* The limits group: file handles in the kernel and the service manager,
 * and whether they agree with each other and with the applied profile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../tune/tune-state.h"
#include "check-groups.h"
#include "../probe/sysfs.h"
#include "../probe/limits.h"
#include "verdict-rules.h"

#define G "limits"

static void fmt_limit(uint64_t v, char *buf, size_t size) {
        if (v == LIMIT_INFINITY)
                bufprintf(buf, size, "infinity");
        else
                bufprintf(buf, size, "%llu", (unsigned long long) v);
}

static int check_kernel(const struct limits_info *li, const struct verdict_thresholds *t, struct check_list *l) {
        enum check_status st;
        int r;

        if (li->file_max_error < 0)
                r = check_add(l, G, "file-max", CHECK_UNKNOWN, "/proc/sys/fs/file-max", NULL, "unknown: %s",
                              check_errno_reason(li->file_max_error));
        else {
                char hint[80];

                st = verdict_file_max(li->file_max, t);
                bufprintf(hint, sizeof(hint), "set fs.file-max >= %llu (nodeprep apply k3s-node)",
                          (unsigned long long) t->file_max_min);
                r = check_add(l, G, "file-max", st, "/proc/sys/fs/file-max", st != CHECK_OK ? hint : NULL,
                              "fs.file-max %llu", (unsigned long long) li->file_max);
        }
        if (r < 0)
                return r;
        if (li->nr_open_error < 0)
                r = check_add(l, G, "nr-open", CHECK_UNKNOWN, "/proc/sys/fs/nr_open", NULL, "unknown: %s",
                              check_errno_reason(li->nr_open_error));
        else
                r = check_add(l, G, "nr-open", CHECK_OK, "/proc/sys/fs/nr_open", NULL,
                              "fs.nr_open %llu (the ceiling of every process's RLIMIT_NOFILE)",
                              (unsigned long long) li->nr_open);
        if (r < 0)
                return r;
        if (li->file_nr_error < 0 || li->file_max_error < 0 || li->file_max == 0)
                return check_add(l, G, "file-nr", CHECK_UNKNOWN, "/proc/sys/fs/file-nr", NULL, "unknown: %s",
                                 check_errno_reason(li->file_nr_error < 0 ? li->file_nr_error : -EINVAL));
        st = verdict_file_nr(li->files_allocated, li->file_max, t);
        return check_add(l, G, "file-nr", st, "/proc/sys/fs/file-nr",
                         st != CHECK_OK ? "raise fs.file-max, or find the leak" : NULL,
                         "%llu file handles allocated (%.1f%% of fs.file-max)", (unsigned long long) li->files_allocated,
                         100.0 * (double) li->files_allocated / (double) li->file_max);
}

static int check_manager(const struct limits_info *li, struct check_list *l) {
        char soft[24], hard[24];
        const char *ev = li->manager_file[0] ? li->manager_file : "/etc/systemd/system.conf (+ system.conf.d)";

        if (li->manager_error)
                return check_add(l, G, "manager-nofile", CHECK_UNKNOWN, ev, NULL,
                                 "unknown: DefaultLimitNOFILE in %s is %s", li->manager_file,
                                 check_errno_reason(li->manager_error));
        if (!li->manager_set)
                return check_add(l, G, "manager-nofile", li->systemd_running ? CHECK_OK : CHECK_NA, ev, NULL,
                                 "DefaultLimitNOFILE not set (systemd's default 1024:524288)%s",
                                 li->systemd_running ? "" : "; no systemd manager running here");
        fmt_limit(li->manager_soft, soft, sizeof(soft));
        fmt_limit(li->manager_hard, hard, sizeof(hard));
        if (li->nr_open_error >= 0 && li->manager_hard != LIMIT_INFINITY && li->manager_hard > li->nr_open)
                return check_add(l, G, "manager-nofile", CHECK_FAIL, ev,
                                 "raise fs.nr_open to at least the hard limit (nodeprep keeps them consistent)",
                                 "DefaultLimitNOFILE=%s:%s above fs.nr_open %llu: services fail to start", soft, hard,
                                 (unsigned long long) li->nr_open);
        return check_add(l, G, "manager-nofile", li->systemd_running ? CHECK_OK : CHECK_NA, ev, NULL,
                         "DefaultLimitNOFILE=%s:%s%s", soft, hard,
                         li->systemd_running ? "" : "; no systemd manager running here");
}

/* The applied profile's value of key, or NULL. */
static const char *applied_value(const struct tune_applied *a, const char *key) {
        const struct tune_applied_key *k = tune_applied_find(a, key);

        return k ? k->value : NULL;
}

static int check_profile(const struct sysroot *sr, const struct limits_info *li, struct check_list *l) {
        _cleanup_(tune_applied_done) struct tune_applied applied = {};
        _cleanup_free_ char *error = NULL;      /* the reason is the errno's, as for every unknown */
        char problems[512] = "";
        size_t off = 0;
        uint64_t want, nofile;
        const char *s;
        int r;

        r = tune_applied_load(sr, &applied, &error);
        if (r == -ENOENT)
                return check_add(l, G, "profile", CHECK_NA, STATE_APPLIED, NULL, "no profile applied");
        if (r < 0)
                return check_add(l, G, "profile", CHECK_UNKNOWN, STATE_APPLIED, NULL, "unknown: %s",
                                 check_errno_reason(r));
#define PROBLEM(...) do { int k_ = snprintf(problems + off, sizeof(problems) - off, __VA_ARGS__); \
                if (k_ > 0 && off + (size_t) k_ < sizeof(problems)) off += (size_t) k_; } while (0)
        /* The record keeps the modifier apart: the value is the number. */
        if ((s = applied_value(&applied, "fs.file-max")) && safe_atou64(s, &want) >= 0 &&
            li->file_max_error >= 0 && li->file_max < want)
                PROBLEM("fs.file-max %llu below the profile's %s; ", (unsigned long long) li->file_max, s);
        if ((s = applied_value(&applied, "fs.nr_open")) && safe_atou64(s, &want) >= 0 &&
            li->nr_open_error >= 0 && li->nr_open < want)
                PROBLEM("fs.nr_open %llu below the profile's %s; ", (unsigned long long) li->nr_open, s);
        nofile = applied.nofile;
        if (nofile && li->nr_open_error >= 0 && li->nr_open < nofile)
                PROBLEM("fs.nr_open %llu below [limits] nofile %llu; ", (unsigned long long) li->nr_open,
                        (unsigned long long) nofile);
        if (nofile && (!li->manager_set || li->manager_hard != nofile))
                PROBLEM("DefaultLimitNOFILE hard limit is not the profile's %llu; ", (unsigned long long) nofile);
#undef PROBLEM
        if (off) {
                problems[off - 2] = 0;  /* drop the last "; " */
                return check_add(l, G, "profile", CHECK_FAIL, STATE_APPLIED, "nodeprep verify; then nodeprep apply again",
                                 "inconsistent with the applied profile %s: %s", applied.profile, problems);
        }
        return check_add(l, G, "profile", CHECK_OK, STATE_APPLIED, NULL, "consistent with the applied profile %s",
                         applied.profile);
}

int check_limits(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        struct limits_info li;
        int r;

        r = limits_probe(sr, &li);
        if (r < 0)
                return r;
        if ((r = check_kernel(&li, check_thresholds(o), l)) < 0 || (r = check_manager(&li, l)) < 0)
                return r;
        return check_profile(sr, &li, l);
}
