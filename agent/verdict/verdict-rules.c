/* SPDX-License-Identifier: MIT */
#include "verdict-rules.h"

#include <errno.h>

#include "../basic/cleanup.h"
#include "../probe/sysfs.h"

bool verdict_over_percent(uint64_t part, uint64_t whole, unsigned percent) {
        return whole > 0 && (__uint128_t) part * 100 >= (__uint128_t) whole * percent;
}

/* avail below percent of total. */
static bool under_percent(uint64_t avail, uint64_t total, unsigned percent) {
        return (__uint128_t) avail * 100 < (__uint128_t) total * percent;
}

enum check_status verdict_steal(int feature, double since_boot, double window, const struct verdict_thresholds *t) {
        if (feature == 0)
                return CHECK_NA;
        if (since_boot < 0 && window < 0)
                return CHECK_UNKNOWN;
        if (since_boot >= (double) t->steal_percent || window >= (double) t->steal_percent)
                return CHECK_WARN;
        return CHECK_OK;
}

enum check_status verdict_file_nr(uint64_t allocated, uint64_t file_max, const struct verdict_thresholds *t) {
        if (file_max == 0)
                return CHECK_UNKNOWN;
        if (verdict_over_percent(allocated, file_max, t->file_nr_fail_percent))
                return CHECK_FAIL;
        if (verdict_over_percent(allocated, file_max, t->file_nr_warn_percent))
                return CHECK_WARN;
        return CHECK_OK;
}

enum check_status verdict_file_max(uint64_t file_max, const struct verdict_thresholds *t) {
        return file_max < t->file_max_min ? CHECK_WARN : CHECK_OK;
}

enum check_status verdict_disk_free(uint64_t avail, uint64_t total, const struct verdict_thresholds *t) {
        if (under_percent(avail, total, t->disk_fail_percent) || avail < t->disk_fail_bytes)
                return CHECK_FAIL;
        if (under_percent(avail, total, t->disk_warn_percent) || avail < t->disk_warn_bytes)
                return CHECK_WARN;
        return CHECK_OK;
}

enum check_status verdict_disk_writable(bool readonly) {
        return readonly ? CHECK_FAIL : CHECK_OK;
}

enum check_status verdict_disk_latency(double p99_ms, const struct verdict_thresholds *t) {
        return p99_ms > t->latency_p99_warn_ms ? CHECK_WARN : CHECK_OK;
}

enum check_status verdict_nvme_state(const char *state) {
        return !state || !state[0] || streq(state, "live") ? CHECK_OK : CHECK_WARN;
}

enum check_status verdict_nvme_smart(const struct nvme_smart *s, const struct verdict_thresholds *t, char *why,
                                     size_t size) {
        if (s->critical_warning)
                bufprintf(why, size, "critical warning 0x%02x", s->critical_warning);
        else if (s->available_spare < s->spare_threshold)
                bufprintf(why, size, "available spare %u%% below threshold %u%%", s->available_spare,
                          s->spare_threshold);
        else if (s->percent_used >= t->nvme_percent_used_fail)
                bufprintf(why, size, "%u%% of rated endurance used", s->percent_used);
        else if (s->media_errors > 0)
                bufprintf(why, size, "%llu media errors", (unsigned long long) s->media_errors);
        else
                return CHECK_OK;
        return CHECK_FAIL;
}

enum check_status verdict_k3s_ready(int err, bool ready, bool skipped) {
        if (err == -ENOENT)
                return CHECK_NA;
        if (err < 0 || (!ready && skipped))
                return CHECK_UNKNOWN;
        return ready ? CHECK_OK : CHECK_FAIL;
}
