/* SPDX-License-Identifier: MIT */
#include "health-checks.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../verdict/verdict-facts.h"
#include "../verdict/verdict-rules.h"

#define STEAL_SAMPLES 256

/* A monotonic kernel counter: baseline, and when it last increased. */
struct counter {
        bool have;
        uint64_t last;
        double increased_at;    /* CLOCK_MONOTONIC seconds; 0: never seen rising */
        uint64_t increase;      /* by how much, that time */
};

enum {
        CNT_FULLS_V4,
        CNT_FULLS_V6,
        CNT_CT_INSERT_FAILED,
        CNT_CT_DROP,
        CNT_LISTEN_OVERFLOWS,
        CNT_LISTEN_DROPS,
        _CNT_MAX,
};

struct steal_sample {
        double mono;
        struct cpu_ticks t;
};

struct health_eval {
        struct counter cnt[_CNT_MAX];
        struct steal_sample steal[STEAL_SAMPLES];
        size_t n_steal, steal_head;     /* ring: head is the oldest */
};

int health_eval_new(struct health_eval **ret) {
        struct health_eval *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        *ret = e;
        return 0;
}

struct health_eval *health_eval_free(struct health_eval *e) {
        free(e);
        return NULL;
}

static void set(struct health_check_result *r, enum check_status s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void set(struct health_check_result *r, enum check_status s, const char *fmt, ...) {
        va_list ap;

        r->status = s;
        va_start(ap, fmt);
        vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
        va_end(ap);
}

/* Append "; ..." to a reason (several findings in one check). */
static void append(struct health_check_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct health_check_result *r, const char *fmt, ...) {
        size_t n = strlen(r->reason);
        va_list ap;

        if (n > 0 && n + 2 < sizeof(r->reason)) {
                memcpy(r->reason + n, "; ", 3);
                n += 2;
        }
        va_start(ap, fmt);
        vsnprintf(r->reason + n, sizeof(r->reason) - n, fmt, ap);
        va_end(ap);
}

/* Feed a counter; true when it rose within the last hold seconds. */
static bool counter_rising(struct counter *c, int err, uint64_t v, double now, unsigned hold) {
        if (err < 0)
                return false;
        if (c->have && v > c->last) {
                c->increased_at = now;
                c->increase = v - c->last;
        }
        /* A counter that went backwards was reset: a new baseline. */
        c->have = true;
        c->last = v;
        return c->increased_at > 0 && now - c->increased_at <= (double) hold;
}

static double pct(uint64_t part, uint64_t whole) {
        return whole ? 100.0 * (double) part / (double) whole : 0.0;
}

static void check_drift(const struct health_figures *f, struct health_check_result *r) {
        size_t n = strv_length(f->drifted);

        if (f->drift_err == -ENOENT) {
                set(r, CHECK_NA, "no profile has been applied");
                return;
        }
        if (f->drift_err < 0) {
                set(r, CHECK_UNKNOWN, "%s", f->drift_error ? f->drift_error : strerror(-f->drift_err));
                return;
        }
        if (n == 0) {
                set(r, CHECK_OK, "profile %s: %u items in sync", f->profile ? f->profile : "?", f->drift_checked);
                return;
        }
        set(r, CHECK_FAIL, "profile %s: %zu of %u drifted:", f->profile ? f->profile : "?", n, f->drift_checked);
        for (size_t i = 0; i < n && i < 8; i++) {
                size_t len = strlen(r->reason);

                snprintf(r->reason + len, sizeof(r->reason) - len, "%s %s", i ? "," : "", f->drifted[i]);
        }
}

static void check_neigh(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                        struct health_check_result *r) {
        bool fail = false, known = false;

        set(r, CHECK_OK, "%s", "");
        for (int i = 0; i < _NEIGH_FAMILY_MAX; i++) {
                const char *fam = neigh_family_name(i);

                if (counter_rising(&e->cnt[CNT_FULLS_V4 + i], f->fulls_err[i], f->table_fulls[i], f->mono,
                                   c->counter_hold_sec)) {
                        fail = true;
                        append(r, "%s table overflowed: table_fulls +%" PRIu64, fam,
                               e->cnt[CNT_FULLS_V4 + i].increase);
                }
                if (f->neigh_err < 0)
                        continue;
                if (f->thresh_err[i] == -ENOENT && f->neigh_entries[i] == 0)
                        continue;       /* family disabled, or not the host netns */
                if (f->thresh_err[i] < 0) {
                        append(r, "%s gc_thresh3 unreadable (%s)", fam, strerror(-f->thresh_err[i]));
                        continue;
                }
                known = true;
                if (verdict_over_percent(f->neigh_entries[i], f->gc_thresh3[i], c->neighbour_fail_percent)) {
                        fail = true;
                        append(r, "%s %" PRIu64 "/%" PRIu64 " entries (%.0f%%) >= %u%% of gc_thresh3", fam,
                               f->neigh_entries[i], f->gc_thresh3[i], pct(f->neigh_entries[i], f->gc_thresh3[i]),
                               c->neighbour_fail_percent);
                } else
                        append(r, "%s %" PRIu64 "/%" PRIu64 " entries", fam, f->neigh_entries[i], f->gc_thresh3[i]);
        }
        if (fail)
                r->status = CHECK_FAIL;
        else if (f->neigh_err < 0)
                set(r, CHECK_UNKNOWN, "neighbour dump: %s",
                    f->neigh_err == -EOPNOTSUPP ? "netlink not used under --root" : strerror(-f->neigh_err));
        else if (!known)
                r->status = CHECK_UNKNOWN;
}

static void check_conntrack(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                            struct health_check_result *r) {
        bool ins = counter_rising(&e->cnt[CNT_CT_INSERT_FAILED], f->ct_stat_err, f->ct_insert_failed, f->mono,
                                  c->counter_hold_sec);
        bool drop = counter_rising(&e->cnt[CNT_CT_DROP], f->ct_stat_err, f->ct_drop, f->mono, c->counter_hold_sec);

        if (f->ct_err == -ENOENT) {
                set(r, CHECK_NA, "nf_conntrack is not loaded");
                return;
        }
        if (f->ct_err < 0) {
                set(r, CHECK_UNKNOWN, "nf_conntrack_count/max: %s", strerror(-f->ct_err));
                return;
        }
        if (verdict_over_percent(f->ct_count, f->ct_max, c->conntrack_fail_percent))
                set(r, CHECK_FAIL, "%" PRIu64 "/%" PRIu64 " entries (%.0f%%) >= %u%% of nf_conntrack_max",
                    f->ct_count, f->ct_max, pct(f->ct_count, f->ct_max), c->conntrack_fail_percent);
        else
                set(r, CHECK_OK, "%" PRIu64 "/%" PRIu64 " entries", f->ct_count, f->ct_max);
        if (ins) {
                r->status = CHECK_FAIL;
                append(r, "insert_failed +%" PRIu64, e->cnt[CNT_CT_INSERT_FAILED].increase);
        }
        if (drop) {
                r->status = CHECK_FAIL;
                append(r, "drop +%" PRIu64, e->cnt[CNT_CT_DROP].increase);
        }
}

static void check_files(const struct health_config *c, const struct health_figures *f,
                        struct health_check_result *r) {
        enum check_status st;

        if (f->fd_err < 0) {
                set(r, CHECK_UNKNOWN, "file-nr: %s", strerror(-f->fd_err));
                return;
        }
        st = verdict_file_nr(f->fd_allocated, f->fd_max, &c->th);
        if (st == CHECK_FAIL)
                set(r, CHECK_FAIL, "%" PRIu64 "/%" PRIu64 " file handles (%.0f%%) >= %u%% of file-max",
                    f->fd_allocated, f->fd_max, pct(f->fd_allocated, f->fd_max), c->th.file_nr_fail_percent);
        else if (st == CHECK_WARN)
                set(r, verdict_serve(VERDICT_FACT_FILE_NR, st),
                    "%" PRIu64 "/%" PRIu64 " file handles (%.0f%%; `nodeprep check` warns from %u%%)", f->fd_allocated,
                    f->fd_max, pct(f->fd_allocated, f->fd_max), c->th.file_nr_warn_percent);
        else if (st == CHECK_UNKNOWN)
                set(r, CHECK_UNKNOWN, "file-nr: fs.file-max is 0");
        else
                set(r, CHECK_OK, "%" PRIu64 "/%" PRIu64 " file handles", f->fd_allocated, f->fd_max);
}

static void check_listen(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                         struct health_check_result *r) {
        bool ovf = counter_rising(&e->cnt[CNT_LISTEN_OVERFLOWS], f->netstat_err, f->listen_overflows, f->mono,
                                  c->counter_hold_sec);
        bool drp = counter_rising(&e->cnt[CNT_LISTEN_DROPS], f->netstat_err, f->listen_drops, f->mono,
                                  c->counter_hold_sec);

        if (f->netstat_err < 0) {
                set(r, CHECK_UNKNOWN, "TcpExt in /proc/net/netstat: %s", strerror(-f->netstat_err));
                return;
        }
        set(r, CHECK_OK, "ListenOverflows %" PRIu64 ", ListenDrops %" PRIu64 ", no increase in the last %us",
            f->listen_overflows, f->listen_drops, c->counter_hold_sec);
        if (!ovf && !drp)
                return;
        set(r, CHECK_FAIL, "accept queues overflowed within the last %us:", c->counter_hold_sec);
        if (ovf) {
                size_t n = strlen(r->reason);

                snprintf(r->reason + n, sizeof(r->reason) - n, " ListenOverflows +%" PRIu64,
                         e->cnt[CNT_LISTEN_OVERFLOWS].increase);
        }
        if (drp) {
                size_t n = strlen(r->reason);

                snprintf(r->reason + n, sizeof(r->reason) - n, "%s ListenDrops +%" PRIu64, ovf ? "," : "",
                         e->cnt[CNT_LISTEN_DROPS].increase);
        }
}

/* Steal over the window: from the oldest sample still inside it. */
static int steal_over_window(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                             double *ret, double *ret_span, uint64_t *ret_ticks) {
        const struct steal_sample *base = NULL;
        size_t tail;

        if (f->cpu_err < 0)
                return f->cpu_err;
        if (e->n_steal == STEAL_SAMPLES) {
                e->steal_head = (e->steal_head + 1) % STEAL_SAMPLES;
                e->n_steal--;
        }
        tail = (e->steal_head + e->n_steal) % STEAL_SAMPLES;
        e->steal[tail] = (struct steal_sample) { .mono = f->mono, .t = f->cpu };
        e->n_steal++;
        /* Drop samples older than the window, keeping one at or before it. */
        while (e->n_steal > 1) {
                size_t next = (e->steal_head + 1) % STEAL_SAMPLES;

                if (f->mono - e->steal[next].mono < (double) c->steal_window_sec)
                        break;
                e->steal_head = next;
                e->n_steal--;
        }
        if (e->n_steal < 2)
                return -EAGAIN;
        base = &e->steal[e->steal_head];
        *ret_span = f->mono - base->mono;
        *ret_ticks = f->cpu.total >= base->t.total ? f->cpu.total - base->t.total : 0;
        return steal_percent(&base->t, &f->cpu, ret);
}

static void check_steal(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                        struct health_check_result *r, double *ret_pct) {
        static const struct cpu_ticks zero = {};
        double p = -1, span = 0, boot = -1;
        uint64_t ticks = 0;
        int k = steal_over_window(e, c, f, &p, &span, &ticks);
        bool window = k >= 0 && ticks >= VERDICT_STEAL_MIN_TICKS;
        enum check_status st;

        *ret_pct = k >= 0 ? p : -1;
        if (f->steal_feature == 0) {
                set(r, CHECK_NA, "this guest does not account steal time");
                return;
        }
        /* Until the window holds enough ticks: since boot, as check does. */
        if (!window && f->cpu_err >= 0 && steal_percent(&zero, &f->cpu, &boot) < 0)
                boot = -1;
        st = verdict_serve(VERDICT_FACT_STEAL, verdict_steal(f->steal_feature, boot, window ? p : -1, &c->th));
        if (st == CHECK_UNKNOWN)
                set(r, CHECK_UNKNOWN, "/proc/stat: %s", strerror(f->cpu_err < 0 ? -f->cpu_err : EINVAL));
        else if (window && st == CHECK_FAIL)
                set(r, st, "steal %.1f%% over the last %.0fs >= %u%%", p, span, c->th.steal_percent);
        else if (window)
                set(r, st, "steal %.1f%% over the last %.0fs", p, span);
        else if (st == CHECK_FAIL)
                set(r, st, "steal %.1f%% since boot >= %u%% (no window of %us yet)", boot, c->th.steal_percent,
                    c->steal_window_sec);
        else
                set(r, st, "steal %.1f%% since boot (no window of %us yet)", boot, c->steal_window_sec);
        if (f->steal_feature < 0)
                append(r, "steal-time accounting not confirmed (%s)", strerror(-f->steal_feature));
}

static void check_pressure(const struct health_config *c, const struct health_figures *f,
                           struct health_check_result *r) {
        bool any = false, fail = false;

        set(r, CHECK_OK, "%s", "");
        for (int i = 0; i < _PSI_MAX; i++) {
                const struct psi_line *s = &f->psi_some[i];
                const char *name = psi_resource_name(i);

                if (f->psi_err[i] == -ENOENT || f->psi_err[i] == -EOPNOTSUPP)
                        continue;
                if (f->psi_err[i] < 0) {
                        append(r, "%s: %s", name, strerror(-f->psi_err[i]));
                        continue;
                }
                any = true;
                if (s->avg10 >= c->pressure_avg10_fail || s->avg60 >= c->pressure_avg60_fail) {
                        fail = true;
                        append(r, "%s some avg10=%.2f avg60=%.2f over the limits %.0f/%.0f", name, s->avg10,
                               s->avg60, c->pressure_avg10_fail, c->pressure_avg60_fail);
                } else
                        append(r, "%s some avg10=%.2f avg60=%.2f", name, s->avg10, s->avg60);
        }
        if (fail)
                r->status = CHECK_FAIL;
        else if (!any && !r->reason[0])
                set(r, CHECK_NA, "PSI is not available (kernel without CONFIG_PSI or psi=0)");
        else if (!any)
                r->status = CHECK_UNKNOWN;
}

static void format_bytes(uint64_t b, char *buf, size_t size) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
        double v = (double) b;
        size_t u = 0;

        while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024;
                u++;
        }
        snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void check_disk(const struct health_config *c, const struct health_figures *f,
                       struct health_check_result *r) {
        const struct disk_result *d = &f->disk;
        char avail[32], size[32];
        enum check_status space;

        if (d->err < 0) {
                set(r, CHECK_UNKNOWN, "%s: %s", d->path ? d->path : c->data_dir, strerror(-d->err));
                return;
        }
        format_bytes(d->avail_bytes, avail, sizeof(avail));
        format_bytes(d->size_bytes, size, sizeof(size));
        space = verdict_serve(VERDICT_FACT_DISK_FREE, verdict_disk_free(d->avail_bytes, d->size_bytes, &c->th));
        if (!d->exists) {
                /* The nearest existing ancestor may be read-only by design
                 * (ProtectSystem=strict): only its space is judged. */
                if (space == CHECK_FAIL)
                        set(r, CHECK_FAIL, "%s does not exist yet; %s: %s free of %s (%.1f%%), below the minimum",
                            c->data_dir, d->path, avail, size, pct(d->avail_bytes, d->size_bytes));
                else
                        set(r, space, "%s does not exist yet; %s: %s free of %s (%.1f%%), no canary written",
                            c->data_dir, d->path, avail, size, pct(d->avail_bytes, d->size_bytes));
                return;
        }
        if (verdict_serve(VERDICT_FACT_DISK_WRITABLE, verdict_disk_writable(d->readonly || d->canary_err == -EROFS)) ==
            CHECK_FAIL) {
                set(r, CHECK_FAIL, "%s is read-only", d->path);
                return;
        }
        if (d->canary_err == -ETIMEDOUT)
                set(r, CHECK_FAIL, "%s: canary write+fsync did not finish within %u ms", d->path, c->canary_timeout_ms);
        else if (d->canary_err == -EBUSY)
                set(r, CHECK_FAIL, "%s: canary write+fsync stuck for %.0fs", d->path, d->stuck_seconds);
        else if (d->canary_err < 0)
                set(r, CHECK_FAIL, "%s: canary write+fsync failed: %s", d->path, strerror(-d->canary_err));
        else if (space == CHECK_FAIL)
                set(r, CHECK_FAIL, "%s: %s free of %s (%.1f%%), below the minimum", d->path, avail, size,
                    pct(d->avail_bytes, d->size_bytes));
        /* Inodes: serve's alone (check does not judge them), against the same percentage. */
        else if (d->files > 0 && (__uint128_t) d->files_avail * 100 < (__uint128_t) d->files * c->th.disk_fail_percent)
                set(r, CHECK_FAIL, "%s: %" PRIu64 " of %" PRIu64 " inodes free", d->path, d->files_avail, d->files);
        else
                set(r, space, "%s: %s free of %s (%.1f%%), canary %.1f ms", d->path, avail, size,
                    pct(d->avail_bytes, d->size_bytes), d->canary_seconds * 1000);
}

void health_evaluate(struct health_eval *e, const struct health_config *c, const struct health_figures *f,
                     struct health_check_result out[_HC_MAX], double *ret_steal_percent) {
        for (int i = 0; i < _HC_MAX; i++)
                set(&out[i], CHECK_NA, "disabled");
        /* Counters and samples are fed every round, enabled or not, so
         * enabling a check never sees a stale baseline. */
        check_neigh(e, c, f, &out[HC_NEIGHBOUR_TABLE]);
        check_conntrack(e, c, f, &out[HC_CONNTRACK]);
        check_listen(e, c, f, &out[HC_LISTEN_QUEUE]);
        check_steal(e, c, f, &out[HC_STEAL], ret_steal_percent);
        check_files(c, f, &out[HC_FILE_HANDLES]);
        check_pressure(c, f, &out[HC_PRESSURE]);
        if (c->enabled[HC_PROFILE_DRIFT])
                check_drift(f, &out[HC_PROFILE_DRIFT]);
        if (c->enabled[HC_DATA_DISK])
                check_disk(c, f, &out[HC_DATA_DISK]);
        if (c->enabled[HC_NVME_HEALTH])
                nvme_health_evaluate(&f->nvme, &out[HC_NVME_HEALTH]);
        if (c->enabled[HC_K3S])
                k3s_health_evaluate(&f->k3s, &out[HC_K3S]);
        if (c->enabled[HC_OPENFAAS])
                openfaas_health_evaluate(&f->openfaas, &out[HC_OPENFAAS]);
        if (c->enabled[HC_GATEWAY])
                gateway_check_evaluate(&f->gateway, &out[HC_GATEWAY]);
        for (int i = 0; i < _HC_MAX; i++)
                if (!c->enabled[i])
                        set(&out[i], CHECK_NA, "disabled");
}
