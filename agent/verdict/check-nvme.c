/* SPDX-License-Identifier: MIT */
/* The nvme group: one item per controller (identity, state, namespaces)
 * and one per controller for SMART. No NVMe is n/a, never an error. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "check-groups.h"
#include "../probe/sysfs.h"
#include "../probe/nvme.h"
#include "verdict-rules.h"

#define G "nvme"

static void describe_ns(const struct nvme_ctrl *c, char *buf, size_t size) {
        size_t off = 0;

        buf[0] = 0;
        for (size_t i = 0; i < c->n_ns && off < size; i++) {
                const struct nvme_ns *ns = &c->ns[i];
                int n = snprintf(buf + off, size - off, "%s%s %.1f GB, %s, rotational=%d, lbs %llu/%llu, %s",
                                 i ? "; " : "", ns->name, (double) ns->size_bytes / 1e9,
                                 ns->scheduler[0] ? ns->scheduler : "scheduler ?", ns->rotational,
                                 (unsigned long long) ns->logical_block_size,
                                 (unsigned long long) ns->physical_block_size,
                                 ns->write_cache[0] ? ns->write_cache : "write cache ?");
                if (n < 0)
                        break;
                off += (size_t) n;
        }
}

static int check_ctrl(const struct nvme_ctrl *c, struct check_list *l) {
        char ev[128], ns[1024], temp[32] = "";
        enum check_status st;

        bufprintf(ev, sizeof(ev), "/sys/class/nvme/%s", c->name);
        if (c->error)
                return check_add(l, G, c->name, CHECK_UNKNOWN, ev, NULL, "unknown: %s %s", c->error_attr,
                                 check_errno_reason(c->error));
        for (size_t i = 0; i < c->n_ns; i++)
                if (c->ns[i].error)
                        return check_add(l, G, c->name, CHECK_UNKNOWN, ev, NULL, "unknown: %s %s %s", c->ns[i].name,
                                         c->ns[i].error_attr, check_errno_reason(c->ns[i].error));
        describe_ns(c, ns, sizeof(ns));
        if (c->temp_millicelsius != INT32_MIN)
                bufprintf(temp, sizeof(temp), ", %d °C (hwmon)", c->temp_millicelsius / 1000);
        st = verdict_nvme_state(c->state);
        return check_add(l, G, c->name, st, ev, st == CHECK_WARN ? "a controller not 'live' is resetting or dead; see dmesg" : NULL,
                         "%s%s%s%s, fw %s, %s, state %s%s; %s%s", c->model[0] ? c->model : "model ?",
                         c->emulated ? " (virtual: " : "", c->emulated ? c->emulated : "", c->emulated ? ")" : "",
                         c->firmware[0] ? c->firmware : "?", c->transport[0] ? c->transport : "transport ?",
                         c->state[0] ? c->state : "?", temp, c->n_ns ? ns : "no namespaces",
                         c->emulated ? "; SMART data is synthetic" : "");
}

static int check_smart(const struct sysroot *sr, const struct check_options *o, const struct nvme_ctrl *c,
                       struct check_list *l) {
        struct nvme_smart s;
        char name[48], ev[96], why[96];
        int r;

        bufprintf(name, sizeof(name), "%s-smart", c->name);
        bufprintf(ev, sizeof(ev), "NVME_IOCTL_ADMIN_CMD log 0x02 on /dev/%s", c->name);
        if (!sr->live)
                return check_add(l, G, name, CHECK_NA, ev, NULL, "SMART passthru is " CHECK_SKIPPED_ROOT);
        r = nvme_smart_read(sr, c->name, &s);
        if (r == -EPERM || r == -EACCES)
                return check_add(l, G, name, CHECK_NA, ev, "run as root (CAP_SYS_ADMIN)", "needs CAP_SYS_ADMIN");
        if (r == -ENOENT)
                return check_add(l, G, name, CHECK_NA, ev, NULL, "no /dev/%s device node", c->name);
        if (r < 0)
                return check_add(l, G, name, CHECK_UNKNOWN, ev, NULL, "unknown: %s", strerror(-r));
        if (verdict_nvme_smart(&s, check_thresholds(o), why, sizeof(why)) == CHECK_FAIL)
                return check_add(l, G, name, CHECK_FAIL, ev, "back up and replace the drive (or ask the provider)",
                                 "%s; %d °C, spare %u%%/%u%%, used %u%%, media errors %llu, unsafe shutdowns %llu", why,
                                 s.temperature_celsius, s.available_spare, s.spare_threshold, s.percent_used,
                                 (unsigned long long) s.media_errors, (unsigned long long) s.unsafe_shutdowns);
        return check_add(l, G, name, CHECK_OK, ev, NULL,
                         "healthy%s: %d °C, spare %u%% (threshold %u%%), used %u%%, media errors %llu, unsafe shutdowns %llu",
                         c->emulated ? " (synthetic: virtual controller)" : "", s.temperature_celsius,
                         s.available_spare, s.spare_threshold, s.percent_used, (unsigned long long) s.media_errors,
                         (unsigned long long) s.unsafe_shutdowns);
}

int check_nvme(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        struct nvme_list nl = {};
        int r;

        r = nvme_enumerate(sr, &nl);
        if (r == -ENOENT || (r >= 0 && nl.n == 0)) {
                nvme_list_done(&nl);
                return check_add(l, G, "controllers", CHECK_NA, "/sys/class/nvme", NULL, "no NVMe controllers");
        }
        if (r < 0)
                return check_add(l, G, "controllers", CHECK_UNKNOWN, "/sys/class/nvme", NULL, "unknown: %s",
                                 check_errno_reason(r));
        for (size_t i = 0; i < nl.n && r >= 0; i++) {
                r = check_ctrl(&nl.ctrls[i], l);
                if (r >= 0)
                        r = check_smart(sr, o, &nl.ctrls[i], l);
        }
        nvme_list_done(&nl);
        return r < 0 ? r : 0;
}
