/* SPDX-License-Identifier: MIT */
/* /status: the whole snapshot as one JSON object (json-c), rendered once. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "snapshot.h"

#ifndef NODEPREP_VERSION
#define NODEPREP_VERSION "0.1.0"
#endif

static void add(json_object *o, const char *k, json_object *v) {
        json_object_object_add(o, k, v);
}

/* Doubles printed the way they were measured, not to 17 digits. */
static json_object *dbl(double v, int digits) {
        char buf[64];

        snprintf(buf, sizeof(buf), "%.*f", digits, v);
        return json_object_new_double_s(v, buf);
}

static json_object *u64(uint64_t v) {
        return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t) v);
}

/* A figure, or null when its source failed. */
static json_object *fig(int err, uint64_t v) {
        return err < 0 ? NULL : u64(v);
}

static json_object *checks_json(const struct health_snapshot *s) {
        json_object *a = json_object_new_array();

        for (int i = 0; a && i < _HC_MAX; i++) {
                json_object *c = json_object_new_object();

                if (!c)
                        break;
                add(c, "name", json_object_new_string(health_check_name(i)));
                add(c, "enabled", json_object_new_boolean(s->enabled[i]));
                add(c, "status", json_object_new_string(check_status_to_string(s->checks[i].status)));
                add(c, "reason", json_object_new_string(s->checks[i].reason));
                json_object_array_add(a, c);
        }
        return a;
}

static json_object *neigh_json(const struct health_figures *g) {
        json_object *o = json_object_new_object();

        for (int i = 0; o && i < _NEIGH_FAMILY_MAX; i++) {
                json_object *n = json_object_new_object();

                if (!n)
                        break;
                add(n, "entries", fig(g->neigh_err, g->neigh_entries[i]));
                add(n, "gc_thresh3", fig(g->thresh_err[i], g->gc_thresh3[i]));
                add(n, "table_fulls", fig(g->fulls_err[i], g->table_fulls[i]));
                add(o, neigh_family_name(i), n);
        }
        if (o)
                add(o, "gc_thresh3_from_config", json_object_new_boolean(g->thresh_override));
        return o;
}

static json_object *figures_json(const struct health_snapshot *s) {
        const struct health_figures *g = &s->fig;
        json_object *o = json_object_new_object(), *x;

        if (!o)
                return NULL;
        add(o, "neighbour", neigh_json(g));
        if ((x = json_object_new_object())) {
                add(x, "entries", fig(g->ct_err, g->ct_count));
                add(x, "max", fig(g->ct_err, g->ct_max));
                add(x, "insert_failed", fig(g->ct_stat_err, g->ct_insert_failed));
                add(x, "drop", fig(g->ct_stat_err, g->ct_drop));
                add(x, "early_drop", fig(g->ct_stat_err, g->ct_early_drop));
                add(o, "conntrack", x);
        }
        if ((x = json_object_new_object())) {
                add(x, "allocated", fig(g->fd_err, g->fd_allocated));
                add(x, "max", fig(g->fd_err, g->fd_max));
                add(o, "file_handles", x);
        }
        if ((x = json_object_new_object())) {
                add(x, "listen_overflows", fig(g->netstat_err, g->listen_overflows));
                add(x, "listen_drops", fig(g->netstat_err, g->listen_drops));
                add(o, "tcp", x);
        }
        if ((x = json_object_new_object())) {
                add(x, "steal_ticks", fig(g->cpu_err, g->cpu.steal));
                add(x, "total_ticks", fig(g->cpu_err, g->cpu.total));
                add(x, "steal_percent", s->steal_percent >= 0 ? dbl(s->steal_percent, 2) : NULL);
                add(o, "cpu", x);
        }
        if ((x = json_object_new_object())) {
                for (int i = 0; i < _PSI_MAX; i++) {
                        json_object *p;

                        if (g->psi_err[i] < 0 || !(p = json_object_new_object())) {
                                add(x, psi_resource_name(i), NULL);
                                continue;
                        }
                        add(p, "some_avg10", dbl(g->psi_some[i].avg10, 2));
                        add(p, "some_avg60", dbl(g->psi_some[i].avg60, 2));
                        add(p, "some_avg300", dbl(g->psi_some[i].avg300, 2));
                        add(p, "some_total_us", u64(g->psi_some[i].total_us));
                        add(x, psi_resource_name(i), p);
                }
                add(o, "pressure", x);
        }
        if (g->disk_probed && (x = json_object_new_object())) {
                const struct disk_result *d = &g->disk;

                add(x, "path", d->path ? json_object_new_string(d->path) : NULL);
                add(x, "size_bytes", fig(d->err, d->size_bytes));
                add(x, "available_bytes", fig(d->err, d->avail_bytes));
                add(x, "files_available", fig(d->err, d->files_avail));
                add(x, "readonly", d->err < 0 ? NULL : json_object_new_boolean(d->readonly));
                add(x, "data_dir_exists", json_object_new_boolean(d->exists));
                add(x, "canary", json_object_new_string(!d->exists ? "skipped" : d->canary_err >= 0 ? "ok" :
                                                        strerror(-d->canary_err)));
                add(x, "canary_seconds", d->canary_err >= 0 ? dbl(d->canary_seconds, 6) : NULL);
                add(o, "data_disk", x);
        }
        return o;
}

static json_object *profile_json(const struct health_figures *g) {
        json_object *o = json_object_new_object(), *a;

        if (!o)
                return NULL;
        add(o, "applied", json_object_new_boolean(g->drift_err != -ENOENT));
        add(o, "name", g->profile ? json_object_new_string(g->profile) : NULL);
        add(o, "items", g->drift_err < 0 ? NULL : u64(g->drift_checked));
        if ((a = json_object_new_array()))
                for (size_t i = 0; g->drifted && g->drifted[i]; i++)
                        json_object_array_add(a, json_object_new_string(g->drifted[i]));
        add(o, "drifted", a);
        if (g->drift_error)
                add(o, "error", json_object_new_string(g->drift_error));
        return o;
}

static json_object *nvme_json(const struct nvme_health *h) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && h->err >= 0 && i < h->n; i++) {
                const struct nvme_health_ctrl *c = &h->c[i];
                json_object *o = json_object_new_object();

                if (!o)
                        break;
                add(o, "controller", json_object_new_string(c->name));
                add(o, "model", json_object_new_string(c->model));
                add(o, "state", json_object_new_string(c->state));
                add(o, "smart", json_object_new_string(c->smart_err >= 0 ? (c->unhealthy ? c->why : "ok") :
                                                       strerror(-c->smart_err)));
                if (c->smart_err >= 0) {
                        add(o, "critical_warning", json_object_new_int(c->smart.critical_warning));
                        add(o, "percent_used", json_object_new_int(c->smart.percent_used));
                        add(o, "available_spare", json_object_new_int(c->smart.available_spare));
                        add(o, "media_errors", u64(c->smart.media_errors));
                        add(o, "temperature_celsius", json_object_new_int(c->smart.temperature_celsius));
                }
                json_object_array_add(a, o);
        }
        return a;
}

static json_object *k3s_json(const struct k3s_health *k) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        add(o, "installed", json_object_new_boolean(k->err != -ENOENT));
        if (k->err < 0)
                return o;
        add(o, "role", json_object_new_string(k->role));
        add(o, "version", json_object_new_string(k->version));
        add(o, "ready", json_object_new_boolean(k->ready));
        add(o, "rungs_ok", json_object_new_string(k->rungs));
        if (k->first_failure[0])
                add(o, "first_failure", json_object_new_string(k->first_failure));
        return o;
}

static json_object *gateway_json(const struct gateway_check *g) {
        json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        add(o, "installed", json_object_new_boolean(g->err != -ENOENT));
        if (g->err < 0)
                return o;
        add(o, "domain", json_object_new_string(g->domain));
        add(o, "nginx_active", json_object_new_boolean(g->nginx_active));
        add(o, "tls", json_object_new_boolean(g->tls));
        if (g->cert_not_after) {
                add(o, "certificate_not_after", json_object_new_int64(g->cert_not_after));
                add(o, "certificate_days_left", json_object_new_int(g->cert_days_left));
        }
        return o;
}

int health_status_render(const struct health_snapshot *s, struct body *ret) {
        json_object *o = json_object_new_object(), *v;
        const char *text;
        char *copy;

        if (!o)
                return -ENOMEM;
        add(o, "version", json_object_new_string(NODEPREP_VERSION));
        add(o, "time", dbl(s->fig.time, 3));
        add(o, "collection", u64(s->seq));
        add(o, "interval", json_object_new_int((int) s->interval_sec));
        add(o, "ready", json_object_new_boolean(s->ready));
        add(o, "checks", checks_json(s));
        add(o, "figures", figures_json(s));
        add(o, "profile", profile_json(&s->fig));
        if (s->enabled[HC_K3S])
                add(o, "k3s", k3s_json(&s->fig.k3s));
        if (s->enabled[HC_GATEWAY])
                add(o, "gateway", gateway_json(&s->fig.gateway));
        if ((v = json_object_new_object())) {
                add(v, "vm", json_object_new_string(s->fig.vm));
                add(v, "container", json_object_new_string(s->fig.container));
                add(v, "steal_feature", s->fig.steal_feature < 0 ? NULL :
                    json_object_new_boolean(s->fig.steal_feature > 0));
                add(o, "virt", v);
        }
        if (s->enabled[HC_NVME_HEALTH])
                add(o, "nvme", nvme_json(&s->fig.nvme));
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text || asprintf(&copy, "%s\n", text) < 0)
                copy = NULL;
        json_object_put(o);
        if (!copy)
                return -ENOMEM;
        *ret = (struct body) { .data = copy, .size = strlen(copy) };
        return 0;
}
