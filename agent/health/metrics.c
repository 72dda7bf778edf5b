/* SPDX-License-Identifier: MIT */
/*
 * /metrics in the Prometheus text format 0.0.4, rendered once per snapshot:
 * one "nodeprep_" prefix, base units (seconds, bytes, ratios), "_total" on
 * counters, one HELP and TYPE per family, every family's samples together
 * and every name+labels pair once. The raw figures behind each check are
 * exported beside its verdict, so a dashboard can draw what the check saw.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "snapshot.h"

#ifndef NODEPREP_VERSION
#define NODEPREP_VERSION "0.1.0"
#endif

static void family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP nodeprep_%s %s\n# TYPE nodeprep_%s %s\n", name, help, name, type);
}

static void put_double(FILE *f, double v) {
        if (isnan(v))
                fputs("NaN", f);
        else if (isinf(v))
                fputs(v > 0 ? "+Inf" : "-Inf", f);
        else if (v == floor(v) && fabs(v) < 1e15)
                fprintf(f, "%.0f", v);
        else
                fprintf(f, "%.9g", v);
}

/* labels: already formatted 'a="b",c="d"' or NULL. */
static void sample_d(FILE *f, const char *name, const char *labels, double v) {
        fprintf(f, "nodeprep_%s%s%s%s ", name, labels ? "{" : "", labels ? labels : "", labels ? "}" : "");
        put_double(f, v);
        fputc('\n', f);
}

static void sample_u(FILE *f, const char *name, const char *labels, uint64_t v) {
        fprintf(f, "nodeprep_%s%s%s%s %" PRIu64 "\n", name, labels ? "{" : "", labels ? labels : "",
                labels ? "}" : "", v);
}

/* A label value with \\, \" and \n escaped, into buf. */
static const char *esc(const char *s, char *buf, size_t size) {
        size_t n = 0;

        for (; *s && n + 3 < size; s++) {
                if (*s == '\\' || *s == '"') {
                        buf[n++] = '\\';
                        buf[n++] = *s;
                } else if (*s == '\n') {
                        buf[n++] = '\\';
                        buf[n++] = 'n';
                } else
                        buf[n++] = *s;
        }
        buf[n] = 0;
        return buf;
}

static void render_meta(FILE *f, const struct health_snapshot *s) {
        const struct health_figures *g = &s->fig;
        char l[256];

        family(f, "build_info", "gauge", "nodeprep version; always 1.");
        snprintf(l, sizeof(l), "version=\"%s\"", NODEPREP_VERSION);
        sample_u(f, "build_info", l, 1);
        family(f, "collections_total", "counter", "Snapshots collected since start.");
        sample_u(f, "collections_total", NULL, s->seq);
        family(f, "collect_duration_seconds", "gauge", "Time the last collection took.");
        sample_d(f, "collect_duration_seconds", NULL, g->duration);
        family(f, "collect_timestamp_seconds", "gauge", "When the last collection started (Unix time).");
        fprintf(f, "nodeprep_collect_timestamp_seconds %.3f\n", g->time);
        family(f, "collect_interval_seconds", "gauge", "Configured collection interval.");
        sample_u(f, "collect_interval_seconds", NULL, s->interval_sec);
        family(f, "ready", "gauge", "1 when no enabled check fails (what /readyz answers).");
        sample_u(f, "ready", NULL, s->ready);
        family(f, "virt_info", "gauge", "VM and container layer the node runs on; always 1.");
        {
                char a[64], b[64];

                snprintf(l, sizeof(l), "vm=\"%s\",container=\"%s\"", esc(g->vm, a, sizeof(a)),
                         esc(g->container, b, sizeof(b)));
        }
        sample_u(f, "virt_info", l, 1);
}

static void render_checks(FILE *f, const struct health_snapshot *s) {
        static const enum check_status all[] = { CHECK_OK, CHECK_FAIL, CHECK_UNKNOWN, CHECK_NA };
        char l[128];

        /* No NaN: an alert on "== 0" must see an unknown check too. */
        family(f, "check_ok", "gauge", "1 when the check passes or does not apply; 0 when it fails or its state "
               "is unknown (nodeprep_check_status says which).");
        for (int i = 0; i < _HC_MAX; i++) {
                enum check_status st = s->checks[i].status;

                if (!s->enabled[i])
                        continue;
                snprintf(l, sizeof(l), "check=\"%s\"", health_check_name(i));
                sample_u(f, "check_ok", l, st == CHECK_OK || st == CHECK_NA);
        }
        /* A state set (OpenMetrics' stateset, as gauges in text format 0.0.4):
         * one series per status, exactly one of them 1. */
        family(f, "check_status", "gauge", "The check's state as a state set: one series per status "
               "(ok, fail, unknown, n/a), 1 for the current one, 0 for the others.");
        for (int i = 0; i < _HC_MAX; i++) {
                if (!s->enabled[i])
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(all); k++) {
                        snprintf(l, sizeof(l), "check=\"%s\",status=\"%s\"", health_check_name(i),
                                 check_status_to_string(all[k]));
                        sample_u(f, "check_status", l, s->checks[i].status == all[k]);
                }
        }
}

static void render_neigh(FILE *f, const struct health_figures *g) {
        char l[64];

        if (g->neigh_err >= 0) {
                family(f, "neighbour_entries", "gauge", "Neighbour entries counted against gc_thresh3 (netlink).");
                for (int i = 0; i < _NEIGH_FAMILY_MAX; i++) {
                        snprintf(l, sizeof(l), "family=\"%s\"", neigh_family_name(i));
                        sample_u(f, "neighbour_entries", l, g->neigh_entries[i]);
                }
        }
        if (g->thresh_err[0] >= 0 || g->thresh_err[1] >= 0)
                family(f, "neighbour_entries_limit", "gauge", "gc_thresh3: the hard limit of the neighbour table.");
        for (int i = 0; i < _NEIGH_FAMILY_MAX; i++)
                if (g->thresh_err[i] >= 0) {
                        snprintf(l, sizeof(l), "family=\"%s\"", neigh_family_name(i));
                        sample_u(f, "neighbour_entries_limit", l, g->gc_thresh3[i]);
                }
        if (g->fulls_err[0] >= 0 || g->fulls_err[1] >= 0)
                family(f, "neighbour_table_fulls_total", "counter",
                       "Times the neighbour table was full (table_fulls in /proc/net/stat).");
        for (int i = 0; i < _NEIGH_FAMILY_MAX; i++)
                if (g->fulls_err[i] >= 0) {
                        snprintf(l, sizeof(l), "family=\"%s\"", neigh_family_name(i));
                        sample_u(f, "neighbour_table_fulls_total", l, g->table_fulls[i]);
                }
}

static void render_kernel(FILE *f, const struct health_figures *g) {
        if (g->ct_err >= 0) {
                family(f, "conntrack_entries", "gauge", "nf_conntrack_count.");
                sample_u(f, "conntrack_entries", NULL, g->ct_count);
                family(f, "conntrack_entries_limit", "gauge", "nf_conntrack_max.");
                sample_u(f, "conntrack_entries_limit", NULL, g->ct_max);
        }
        if (g->ct_stat_err >= 0) {
                family(f, "conntrack_insert_failed_total", "counter", "Conntrack inserts that failed.");
                sample_u(f, "conntrack_insert_failed_total", NULL, g->ct_insert_failed);
                family(f, "conntrack_drop_total", "counter", "Packets dropped because conntrack was full.");
                sample_u(f, "conntrack_drop_total", NULL, g->ct_drop);
                family(f, "conntrack_early_drop_total", "counter", "Entries evicted early to make room.");
                sample_u(f, "conntrack_early_drop_total", NULL, g->ct_early_drop);
        }
        if (g->fd_err >= 0) {
                family(f, "file_handles_allocated", "gauge", "Allocated file handles (file-nr).");
                sample_u(f, "file_handles_allocated", NULL, g->fd_allocated);
                family(f, "file_handles_limit", "gauge", "fs.file-max.");
                sample_u(f, "file_handles_limit", NULL, g->fd_max);
        }
        if (g->netstat_err >= 0) {
                family(f, "tcp_listen_overflows_total", "counter", "TcpExt ListenOverflows: accept queue full.");
                sample_u(f, "tcp_listen_overflows_total", NULL, g->listen_overflows);
                family(f, "tcp_listen_drops_total", "counter", "TcpExt ListenDrops.");
                sample_u(f, "tcp_listen_drops_total", NULL, g->listen_drops);
        }
}

static void render_cpu(FILE *f, const struct health_snapshot *s) {
        const struct health_figures *g = &s->fig;
        long hz = sysconf(_SC_CLK_TCK);

        if (g->cpu_err >= 0 && hz > 0) {
                family(f, "cpu_steal_seconds_total", "counter", "CPU time stolen by the hypervisor, all CPUs.");
                sample_d(f, "cpu_steal_seconds_total", NULL, (double) g->cpu.steal / (double) hz);
        }
        if (s->steal_percent >= 0) {
                family(f, "cpu_steal_ratio", "gauge", "Steal over the steal window, 0..1.");
                sample_d(f, "cpu_steal_ratio", NULL, s->steal_percent / 100.0);
        }
        if (g->psi_err[0] < 0 && g->psi_err[1] < 0 && g->psi_err[2] < 0)
                return;
        /* As node_exporter's pressure collector: the kernel's stall-time
         * counters, in seconds, per resource; "some" is waiting, "full"
         * stalled. Averages are rate() of these, over any window. */
        for (int i = 0; i < _PSI_MAX; i++) {
                char name[64], help[160];

                if (g->psi_err[i] < 0)
                        continue;
                snprintf(name, sizeof(name), "pressure_%s_waiting_seconds_total", psi_resource_name(i));
                snprintf(help, sizeof(help), "Total time in seconds that processes have waited for %s (PSI some).",
                         psi_resource_name(i));
                family(f, name, "counter", help);
                sample_d(f, name, NULL, (double) g->psi_some[i].total_us / 1e6);
                if (!g->psi_full[i].present)
                        continue;
                snprintf(name, sizeof(name), "pressure_%s_stalled_seconds_total", psi_resource_name(i));
                snprintf(help, sizeof(help), "Total time in seconds no process could make progress on %s (PSI full).",
                         psi_resource_name(i));
                family(f, name, "counter", help);
                sample_d(f, name, NULL, (double) g->psi_full[i].total_us / 1e6);
        }
}

static void render_disk(FILE *f, const struct health_figures *g) {
        const struct disk_result *d = &g->disk;
        char l[600], p[512];

        if (!g->disk_probed || d->err < 0)
                return;
        snprintf(l, sizeof(l), "path=\"%s\"", esc(d->path, p, sizeof(p)));
        family(f, "data_disk_size_bytes", "gauge", "Size of the filesystem holding the data directory.");
        sample_u(f, "data_disk_size_bytes", l, d->size_bytes);
        family(f, "data_disk_available_bytes", "gauge", "Space available to unprivileged users.");
        sample_u(f, "data_disk_available_bytes", l, d->avail_bytes);
        family(f, "data_disk_files", "gauge", "Inodes of the filesystem.");
        sample_u(f, "data_disk_files", l, d->files);
        family(f, "data_disk_files_available", "gauge", "Inodes available.");
        sample_u(f, "data_disk_files_available", l, d->files_avail);
        family(f, "data_disk_readonly", "gauge", "1 when the filesystem is mounted read-only.");
        sample_u(f, "data_disk_readonly", l, d->readonly);
        if (!d->exists)
                return;         /* no canary before data_dir exists */
        family(f, "data_disk_canary_ok", "gauge", "1 when the canary write+fsync succeeded in time.");
        sample_u(f, "data_disk_canary_ok", l, d->canary_err >= 0);
        if (d->canary_err >= 0) {
                family(f, "data_disk_canary_duration_seconds", "gauge", "How long the canary write+fsync took.");
                sample_d(f, "data_disk_canary_duration_seconds", l, d->canary_seconds);
        }
}

static void render_drift(FILE *f, const struct health_figures *g) {
        char l[160], p[128];

        if (g->drift_err < 0)
                return;
        snprintf(l, sizeof(l), "profile=\"%s\"", esc(g->profile ? g->profile : "", p, sizeof(p)));
        family(f, "profile_items", "gauge", "Keys, files and modules of the applied profile that verify compares.");
        sample_u(f, "profile_items", l, g->drift_checked);
        family(f, "profile_drifted_items", "gauge", "Of those, the ones out of sync.");
        sample_u(f, "profile_drifted_items", l, strv_length(g->drifted));
}

static void render_nvme(FILE *f, const struct health_figures *g) {
        const struct nvme_health *h = &g->nvme;
        char l[400], a[80], b[80];

        if (h->err < 0 || h->n == 0)
                return;
        family(f, "nvme_info", "gauge", "NVMe controller; always 1.");
        for (size_t i = 0; i < h->n; i++) {
                snprintf(l, sizeof(l), "controller=\"%s\",model=\"%s\",state=\"%s\"", h->c[i].name,
                         esc(h->c[i].model, a, sizeof(a)), esc(h->c[i].state, b, sizeof(b)));
                sample_u(f, "nvme_info", l, 1);
        }
        family(f, "nvme_critical_warning", "gauge", "SMART critical warning bits (0 is healthy).");
        for (size_t i = 0; i < h->n; i++)
                if (h->c[i].smart_err >= 0) {
                        snprintf(l, sizeof(l), "controller=\"%s\"", h->c[i].name);
                        sample_u(f, "nvme_critical_warning", l, h->c[i].smart.critical_warning);
                }
        family(f, "nvme_available_spare_ratio", "gauge", "SMART available spare, 0..1.");
        for (size_t i = 0; i < h->n; i++)
                if (h->c[i].smart_err >= 0) {
                        snprintf(l, sizeof(l), "controller=\"%s\"", h->c[i].name);
                        sample_d(f, "nvme_available_spare_ratio", l, h->c[i].smart.available_spare / 100.0);
                }
        family(f, "nvme_endurance_used_ratio", "gauge", "SMART percentage used of rated endurance, 0..2.55.");
        for (size_t i = 0; i < h->n; i++)
                if (h->c[i].smart_err >= 0) {
                        snprintf(l, sizeof(l), "controller=\"%s\"", h->c[i].name);
                        sample_d(f, "nvme_endurance_used_ratio", l, h->c[i].smart.percent_used / 100.0);
                }
        family(f, "nvme_media_errors_total", "counter", "SMART media and data integrity errors.");
        for (size_t i = 0; i < h->n; i++)
                if (h->c[i].smart_err >= 0) {
                        snprintf(l, sizeof(l), "controller=\"%s\"", h->c[i].name);
                        sample_u(f, "nvme_media_errors_total", l, h->c[i].smart.media_errors);
                }
}

static void render_k3s(FILE *f, const struct health_figures *g) {
        char l[200], a[80], b[32];

        if (g->k3s.err < 0)
                return;
        family(f, "k3s_info", "gauge", "Installed K3s; always 1.");
        snprintf(l, sizeof(l), "role=\"%s\",version=\"%s\"", esc(g->k3s.role, b, sizeof(b)),
                 esc(g->k3s.version, a, sizeof(a)));
        sample_u(f, "k3s_info", l, 1);
        family(f, "k3s_ready", "gauge", "1 when every rung of the K3s readiness ladder holds.");
        sample_u(f, "k3s_ready", NULL, g->k3s.ready);
}

static void render_openfaas(FILE *f, const struct health_figures *g) {
        if (g->openfaas.err < 0)
                return;
        family(f, "openfaas_ready", "gauge", "1 when every rung of the OpenFaaS readiness ladder holds.");
        sample_u(f, "openfaas_ready", NULL, g->openfaas.ready);
}

static void render_gateway(FILE *f, const struct health_figures *g) {
        char l[300], d[270];

        if (g->gateway.err < 0)
                return;
        family(f, "gateway_nginx_active", "gauge", "1 when nginx.service in front of the gateway is active.");
        sample_u(f, "gateway_nginx_active", NULL, g->gateway.nginx_active);
        if (!g->gateway.cert_not_after)
                return;
        family(f, "gateway_certificate_expiry_timestamp_seconds", "gauge",
               "notAfter of the certificate nginx serves for the gateway, Unix time.");
        snprintf(l, sizeof(l), "domain=\"%s\"", esc(g->gateway.domain, d, sizeof(d)));
        sample_u(f, "gateway_certificate_expiry_timestamp_seconds", l, (uint64_t) g->gateway.cert_not_after);
}

int health_metrics_render(const struct health_snapshot *s, struct body *ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        render_meta(f, s);
        render_checks(f, s);
        render_neigh(f, &s->fig);
        render_kernel(f, &s->fig);
        render_cpu(f, s);
        render_disk(f, &s->fig);
        render_drift(f, &s->fig);
        if (s->enabled[HC_NVME_HEALTH])
                render_nvme(f, &s->fig);
        if (s->enabled[HC_K3S])
                render_k3s(f, &s->fig);
        if (s->enabled[HC_OPENFAAS])
                render_openfaas(f, &s->fig);
        if (s->enabled[HC_GATEWAY])
                render_gateway(f, &s->fig);
        process_metrics_render(f, &s->fig.process);
        if (ferror(f) | fclose(f)) {
                free(buf);
                return -ENOMEM;
        }
        *ret = (struct body) { .data = buf, .size = size };
        return 0;
}
