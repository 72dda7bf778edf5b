/* SPDX-License-Identifier: MIT */
/*
 * The per-fact rules: one function per fact, figures in, a verdict out.
 * `nodeprep check` (verdict/check-*.c) and the health server
 * (health/health-checks.c and friends) both call these, so the two can only
 * differ where verdict/verdict-facts.h says they do. Reasons and hints stay
 * with the callers: they word the same verdict for a table or an HTTP body.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../probe/nvme.h"
#include "checklist.h"
#include "thresholds.h"

/* part/whole at or above percent, in integers: no rounding at the edge. */
bool verdict_over_percent(uint64_t part, uint64_t whole, unsigned percent);

/* Steal as a noisy-neighbour signal. feature: the KVM steal-time feature
 * (1 present, 0 absent, negative: could not be confirmed, judged anyway);
 * since_boot, window: percentages, negative when not measured. n/a when the
 * guest does not account steal; unknown when nothing was measured; warn when
 * either figure is at or above t->steal_percent. */
enum check_status verdict_steal(int feature, double since_boot, double window, const struct verdict_thresholds *t);

/* Allocated file handles against fs.file-max. */
enum check_status verdict_file_nr(uint64_t allocated, uint64_t file_max, const struct verdict_thresholds *t);
/* fs.file-max itself: warn below t->file_max_min. */
enum check_status verdict_file_max(uint64_t file_max, const struct verdict_thresholds *t);

/* Free space of the data dir's filesystem (bytes available to non-root). */
enum check_status verdict_disk_free(uint64_t avail, uint64_t total, const struct verdict_thresholds *t);
/* A read-only data dir: fail. */
enum check_status verdict_disk_writable(bool readonly);
/* The measured write+fdatasync p99. */
enum check_status verdict_disk_latency(double p99_ms, const struct verdict_thresholds *t);

/* An NVMe controller's sysfs state: "live" (or not reported) is ok; any other
 * state (resetting, connecting, deleting, dead) warns. */
enum check_status verdict_nvme_state(const char *state);
/* SMART: fail when the drive reports a condition that needs attention
 * (critical warning, spare below threshold, endurance used up, media
 * errors), with why filled in; else ok. */
enum check_status verdict_nvme_smart(const struct nvme_smart *s, const struct verdict_thresholds *t, char *why,
                                     size_t size);

/* The K3s readiness ladder (k3s/ready.h): n/a when K3s is not installed
 * (err == -ENOENT), unknown when the ladder could not run (err < 0) or
 * stopped at a rung it could not run (skipped), ok when ready, else fail. */
enum check_status verdict_k3s_ready(int err, bool ready, bool skipped);
