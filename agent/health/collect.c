/* SPDX-License-Identifier: MIT */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "../basic/parse.h"
#include "../tune/engine.h"
#include "../tune/sysctl.h"
#include "../probe/steal.h"
#include "../probe/virt.h"

#define PROC_FILE_MAX (256 * 1024)

struct health_collector {
        const struct sysroot *sr;
        const struct health_config *c;
        struct disk_probe *disk;
        int steal_feature;              /* probed once: it cannot change while running */
        struct nvme_health nvme;        /* cached between SMART polls */
        double nvme_at;
        struct k3s_health k3s;          /* cached between ladder runs */
        double k3s_at;
        struct openfaas_health openfaas;
        double openfaas_at;
        struct gateway_check gateway;
        double gateway_at;
        char vm[32], container[32];
};

static const char *const psi_names[_PSI_MAX] = { "cpu", "io", "memory" };
static const char *const family_names[_NEIGH_FAMILY_MAX] = { "ipv4", "ipv6" };

const char *psi_resource_name(int i) {
        return i >= 0 && i < _PSI_MAX ? psi_names[i] : "?";
}

const char *neigh_family_name(int i) {
        return i >= 0 && i < _NEIGH_FAMILY_MAX ? family_names[i] : "?";
}

static double clock_seconds(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The VM and container layers cannot change while we run: probed once. */
static int probe_virt(struct health_collector *col) {
        struct virt_info vi;
        int r = virt_detect(col->sr, &vi);

        if (r < 0)
                return r;
        snprintf(col->vm, sizeof(col->vm), "%s", vi.vm[0] ? vi.vm : "unknown");
        snprintf(col->container, sizeof(col->container), "%s", vi.container[0] ? vi.container : "unknown");
        col->steal_feature = vi.steal_feature < 0 ? -ENODATA : vi.steal_feature > 0;
        return 0;
}

int health_collector_new(const struct sysroot *sr, const struct health_config *c, struct health_collector **ret) {
        _cleanup_free_ struct health_collector *col = calloc(1, sizeof(*col));
        int r;

        if (!col)
                return -ENOMEM;
        col->sr = sr;
        col->c = c;
        r = disk_probe_new(&col->disk);
        if (r < 0)
                return r;
        r = probe_virt(col);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(col);
        return 0;
}

struct health_collector *health_collector_free(struct health_collector *col) {
        if (!col)
                return NULL;
        disk_probe_free(col->disk);
        free(col);
        return NULL;
}

static int read_proc(const struct sysroot *sr, const char *path, char **ret) {
        return sysroot_read_file(sr, path, PROC_FILE_MAX, ret, NULL);
}

/* The first bytes of a file: /proc/stat's "cpu" line comes first, and the
 * rest (one interrupt counter per IRQ) can be large. */
static int read_head(const struct sysroot *sr, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = sysroot_open(sr, path, O_RDONLY | O_NOCTTY, 0);
        ssize_t n;

        if (fd < 0)
                return fd;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return 0;
}

static int read_u64_sysctl(const struct sysroot *sr, const char *name, uint64_t *ret) {
        _cleanup_free_ char *v = NULL;
        int r = sysctl_read(sr, name, &v);

        if (r < 0)
                return r;
        return safe_atou64(v, ret) < 0 ? -EBADMSG : 0;
}

static void collect_neigh(struct health_collector *col, struct health_figures *f) {
        static const char *const stat_files[] = { "/proc/net/stat/arp_cache", "/proc/net/stat/ndisc_cache" };
        static const char *const thresh_keys[] = { "net.ipv4.neigh.default.gc_thresh3",
                                                   "net.ipv6.neigh.default.gc_thresh3" };

        /* Netlink sees the live kernel only; a fixture tree has no socket. */
        f->neigh_err = col->sr->live ? neigh_count(f->neigh_entries) : -EOPNOTSUPP;
        f->thresh_override = col->c->neighbour_gc_thresh3 > 0;
        for (int i = 0; i < _NEIGH_FAMILY_MAX; i++) {
                _cleanup_free_ char *buf = NULL;

                if (f->thresh_override)
                        f->gc_thresh3[i] = col->c->neighbour_gc_thresh3;
                else
                        f->thresh_err[i] = read_u64_sysctl(col->sr, thresh_keys[i], &f->gc_thresh3[i]);
                f->fulls_err[i] = read_proc(col->sr, stat_files[i], &buf);
                if (f->fulls_err[i] >= 0)
                        f->fulls_err[i] = procfs_lnstat_sum(buf, "table_fulls", &f->table_fulls[i]);
        }
}

static void collect_conntrack(struct health_collector *col, struct health_figures *f) {
        _cleanup_free_ char *buf = NULL;
        int r;

        f->ct_err = read_u64_sysctl(col->sr, "net.netfilter.nf_conntrack_count", &f->ct_count);
        if (f->ct_err >= 0)
                f->ct_err = read_u64_sysctl(col->sr, "net.netfilter.nf_conntrack_max", &f->ct_max);
        r = read_proc(col->sr, "/proc/net/stat/nf_conntrack", &buf);
        if (r >= 0)
                r = procfs_lnstat_sum(buf, "insert_failed", &f->ct_insert_failed);
        if (r >= 0)
                r = procfs_lnstat_sum(buf, "drop", &f->ct_drop);
        if (r >= 0)
                r = procfs_lnstat_sum(buf, "early_drop", &f->ct_early_drop);
        f->ct_stat_err = r;
}

static void collect_files(struct health_collector *col, struct health_figures *f) {
        _cleanup_free_ char *buf = NULL;

        f->fd_err = read_proc(col->sr, "/proc/sys/fs/file-nr", &buf);
        if (f->fd_err >= 0)
                f->fd_err = procfs_file_nr(buf, &f->fd_allocated, &f->fd_max);
}

static void collect_netstat(struct health_collector *col, struct health_figures *f) {
        _cleanup_free_ char *buf = NULL;

        f->netstat_err = read_proc(col->sr, "/proc/net/netstat", &buf);
        if (f->netstat_err >= 0)
                f->netstat_err = procfs_netstat_get(buf, "TcpExt", "ListenOverflows", &f->listen_overflows);
        if (f->netstat_err >= 0)
                f->netstat_err = procfs_netstat_get(buf, "TcpExt", "ListenDrops", &f->listen_drops);
}

static void collect_cpu(struct health_collector *col, struct health_figures *f) {
        char buf[1024];

        f->steal_feature = col->steal_feature;
        f->cpu_err = read_head(col->sr, "/proc/stat", buf, sizeof(buf));
        if (f->cpu_err >= 0)
                f->cpu_err = cpu_ticks_parse(buf, &f->cpu);
}

static void collect_psi(struct health_collector *col, struct health_figures *f) {
        static const char *const files[_PSI_MAX] = { "/proc/pressure/cpu", "/proc/pressure/io",
                                                     "/proc/pressure/memory" };

        for (int i = 0; i < _PSI_MAX; i++) {
                char buf[512];

                f->psi_err[i] = read_head(col->sr, files[i], buf, sizeof(buf));
                if (f->psi_err[i] >= 0)
                        f->psi_err[i] = procfs_psi(buf, &f->psi_some[i], &f->psi_full[i]);
        }
}

static int collect_drift(struct health_collector *col, struct health_figures *f) {
        _cleanup_(tune_verify_result_done) struct tune_verify_result result = {};
        _cleanup_free_ const char **drifted = NULL;
        int r;

        r = tune_verify(col->sr, &result, &f->drift_error);
        if (r < 0) {
                f->drift_err = r;
                return r == -ENOMEM ? r : 0;
        }
        f->profile = TAKE_PTR(result.profile);
        f->drift_checked = (unsigned) (result.n_keys + result.n_files + result.n_modules);
        r = tune_verify_drifted(&result, &drifted);
        if (r < 0)
                return r;
        f->drifted = calloc(result.n_drifted + 1, sizeof(char *));
        if (!f->drifted)
                return -ENOMEM;
        /* Copies: the names live in result, freed here. */
        for (size_t i = 0; drifted[i]; i++)
                if (!(f->drifted[i] = strdup(drifted[i])))
                        return -ENOMEM;
        return 0;
}

int health_collect(struct health_collector *col, struct health_figures *ret) {
        const bool *on = col->c->enabled;
        struct health_figures f = {};
        int r = 0;

        f.time = clock_seconds(CLOCK_REALTIME);
        f.mono = clock_seconds(CLOCK_MONOTONIC);
        collect_neigh(col, &f);
        collect_conntrack(col, &f);
        collect_files(col, &f);
        collect_netstat(col, &f);
        collect_cpu(col, &f);
        collect_psi(col, &f);
        if (on[HC_DATA_DISK]) {
                f.disk_probed = true;
                r = disk_probe_run(col->disk, col->sr, col->c->data_dir, col->c->canary_timeout_ms, &f.disk);
        }
        if (on[HC_NVME_HEALTH]) {
                if (col->nvme_at == 0 || f.mono - col->nvme_at >= NVME_HEALTH_PERIOD_SEC) {
                        nvme_health_collect(col->sr, &col->nvme);
                        col->nvme_at = f.mono;
                }
                f.nvme = col->nvme;
        }
        if (on[HC_K3S]) {
                if (col->k3s_at == 0 || f.mono - col->k3s_at >= K3S_HEALTH_PERIOD_SEC) {
                        k3s_health_collect(col->sr, &col->k3s);
                        col->k3s_at = f.mono;
                }
                f.k3s = col->k3s;
        }
        if (on[HC_OPENFAAS]) {
                if (col->openfaas_at == 0 || f.mono - col->openfaas_at >= OPENFAAS_HEALTH_PERIOD_SEC) {
                        openfaas_health_collect(col->sr, &col->openfaas);
                        col->openfaas_at = f.mono;
                }
                f.openfaas = col->openfaas;
        }
        if (on[HC_GATEWAY]) {
                if (col->gateway_at == 0 || f.mono - col->gateway_at >= GATEWAY_HEALTH_PERIOD_SEC) {
                        gateway_check_collect(col->sr, &col->gateway);
                        col->gateway_at = f.mono;
                }
                f.gateway = col->gateway;
        }
        memcpy(f.vm, col->vm, sizeof(f.vm));
        memcpy(f.container, col->container, sizeof(f.container));
        if (r >= 0 && on[HC_PROFILE_DRIFT])
                r = collect_drift(col, &f);
        if (r < 0) {
                health_figures_done(&f);
                return r;
        }
        process_figures_sample(&f.process);
        f.duration = clock_seconds(CLOCK_MONOTONIC) - f.mono;
        *ret = f;
        return 0;
}

void health_figures_done(struct health_figures *f) {
        disk_result_done(&f->disk);
        free(f->drift_error);
        free(f->profile);
        strv_free(f->drifted);
        *f = (struct health_figures) {};
}
