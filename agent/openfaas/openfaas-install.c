/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../kube/kube.h"
#include "../shared/blob.h"
#include "chart.h"
#include "ladder.h"
#include "openfaas-files.h"
#include "openfaas-render.h"
#include "record.h"

#define CHART_NAME "openfaas-" OPENFAAS_CHART_VERSION ".tgz"
#define CHART_PATH OPENFAAS_CHARTS_DIR "/" CHART_NAME
#define LICENSE_MAX (64u << 10)

struct plan {
        struct kubeconfig kc;
        bool api;
        struct chart chart;             /* data NULL: the installed chart is already ours */
        char *password;
        bool password_new;
        char *license;
        char *manifest;
        size_t manifest_size;
};

static void plan_done(struct plan *p) {
        kubeconfig_done(&p->kc);
        chart_done(&p->chart);
        if (p->password)
                explicit_bzero(p->password, strlen(p->password));
        free(p->password);
        free(p->license);
        free(p->manifest);
}

int openfaas_api_open(const struct sysroot *sr, struct kubeconfig *kc, bool *ret_api, struct openfaas_result *res) {
        _cleanup_free_ char *err = NULL;
        int r = kubeconfig_load(sr, K3S_KUBECONFIG, kc, &err);

        *ret_api = false;
        if (r == -ENOENT && !sr->live) {
                res->api_skipped = true;
                openfaas_step(res, "api", STEP_SKIPPED, "--root without %s: nothing live asked", K3S_KUBECONFIG);
                return 0;
        }
        if (r < 0)
                return openfaas_fail(res, r, "kubeconfig", "%s", err ? err : strerror(-r));
        *ret_api = true;
        return 0;
}

/* No HelmChart CRD: K3s runs with --disable-helm-controller (or is not up). */
static int check_helm_controller(const struct kubeconfig *kc, struct openfaas_result *res) {
        _cleanup_free_ char *err = NULL;
        struct http_response a;
        long status;
        int r;

        r = kube_request(kc, NULL, "/apis/helm.cattle.io/v1", NULL, &a, &err);
        if (r < 0)
                return openfaas_fail(res, r, "helm-controller", "%s", err ? err : strerror(-r));
        status = a.status;
        http_response_done(&a);
        if (status == 404)
                return openfaas_fail(res, -ENOENT, "helm-controller",
                                     "no helm.cattle.io/v1 API (HelmChart CRD): K3s runs with "
                                     "--disable-helm-controller, and OpenFaaS needs it");
        if (status != 200)
                return openfaas_fail(res, -EIO, "helm-controller", "GET /apis/helm.cattle.io/v1: HTTP %ld", status);
        openfaas_step(res, "helm-controller", STEP_OK, "helm.cattle.io/v1 served");
        return 0;
}

static int read_license(const char *path, char **ret, struct openfaas_result *res) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        size_t size;
        int r;

        if (fd < 0)
                return openfaas_fail(res, -EINVAL, "license", "%s: %s", path, strerror(errno));
        r = read_fd_capped(fd, LICENSE_MAX, ret, &size);
        if (r < 0)
                return openfaas_fail(res, -EINVAL, "license", "%s: %s", path, r == -EFBIG ? "too large" : strerror(-r));
        while (size && strchr(" \t\r\n", (*ret)[size - 1]))
                (*ret)[--size] = 0;
        if (size == 0 || memchr(*ret, 0, size))
                return openfaas_fail(res, -EINVAL, "license", "%s: empty or binary", path);
        return 0;
}

/* Everything decided and verified before the first write. */
static int prepare(const struct sysroot *sr, const struct openfaas_options *o, const struct openfaas_record *old,
                   struct plan *p, struct openfaas_result *res) {
        _cleanup_free_ char *err = NULL;
        const char *recorded = old->obj ? openfaas_record_file(old, CHART_PATH) : NULL;
        char have[65];
        int r;

        if (sysroot_access(sr, OPENFAAS_K3S_SERVER_DIR, F_OK) < 0)
                return openfaas_fail(res, -ENOENT, "k3s-server",
                                     "no %s: OpenFaaS goes onto a K3s server (nodeprep k3s install first)",
                                     OPENFAAS_K3S_SERVER_DIR);
        r = openfaas_api_open(sr, &p->kc, &p->api, res);
        if (r < 0)
                return r;
        if (p->api) {
                r = check_helm_controller(&p->kc, res);
                if (r < 0)
                        return r;
        }
        if (recorded && !o->chart_file && openfaas_file_hash(sr, CHART_PATH, have) >= 0 && streq(have, recorded))
                openfaas_step(res, "chart", STEP_UNCHANGED, "%s sha256 %.12s... as installed", CHART_PATH, have);
        else {
                r = chart_obtain(o, &p->chart, &err);
                if (r < 0)
                        return openfaas_fail(res, r, "chart", "%s", err ? err : strerror(-r));
        }
        if (o->license_file) {
                r = read_license(o->license_file, &p->license, res);
                if (r < 0)
                        return r;
        }
        r = openfaas_password_get(sr, &p->password, &p->password_new);
        if (r < 0)
                return openfaas_fail(res, r, "password", "%s: %s", OPENFAAS_PASSWORD_FILE,
                                     r == -EBADMSG ? "not 32-256 alphanumerics" : strerror(-r));
        r = openfaas_render_manifest(&(struct render_input) {
                                             .password = p->password, .license = p->license, .expose = o->expose,
                                             .function_timeout_sec = o->function_timeout_sec, .chart_name = CHART_NAME },
                                     &p->manifest, &p->manifest_size);
        if (r < 0)
                return openfaas_fail(res, r, "manifest", "cannot render: %s", strerror(-r));
        return 0;
}

static int put(const struct sysroot *sr, const char *step, const char *path, const char *content, size_t size,
               mode_t mode, struct openfaas_record *rec, struct openfaas_result *res) {
        char sha[65];
        int r = openfaas_file_put(sr, path, content, size, mode, sha);

        if (r < 0)
                return openfaas_fail(res, r, step, "%s: %s", path, strerror(-r));
        openfaas_step(res, step, r ? STEP_CHANGED : STEP_UNCHANGED, "%s (%04o, sha256 %.12s...)", path, mode, sha);
        openfaas_record_add_file(rec, path, sha);
        return 0;
}

static int write_all_files(const struct sysroot *sr, const struct openfaas_options *o, const struct openfaas_record *old,
                           struct plan *p, struct openfaas_record *rec, struct openfaas_result *res) {
        int r;

        openfaas_record_set(rec, "edition", res->edition);
        openfaas_record_set(rec, "chart_version", OPENFAAS_CHART_VERSION);
        openfaas_record_set(rec, "expose", openfaas_expose_to_string(o->expose));
        openfaas_record_set_int(rec, "function_timeout_sec", (int) o->function_timeout_sec);
        if (p->chart.data) {
                r = sysroot_mkdir_p(sr, OPENFAAS_CHARTS_DIR, 0755);
                if (r < 0)
                        return openfaas_fail(res, r, "chart", "%s: %s", OPENFAAS_CHARTS_DIR, strerror(-r));
                r = put(sr, "chart", CHART_PATH, p->chart.data, p->chart.size, 0644, rec, res);
                if (r < 0)
                        return r;
        } else
                openfaas_record_add_file(rec, CHART_PATH, openfaas_record_file(old, CHART_PATH));
        r = sysroot_mkdir_p(sr, OPENFAAS_STATE_DIR, 0700);
        if (r < 0)
                return openfaas_fail(res, r, "password", "%s: %s", OPENFAAS_STATE_DIR, strerror(-r));
        r = put(sr, "password", OPENFAAS_PASSWORD_FILE, p->password, strlen(p->password), 0600, rec, res);
        if (r < 0)
                return r;
        r = sysroot_mkdir_p(sr, OPENFAAS_K3S_SERVER_DIR "/manifests", 0700);
        if (r < 0)
                return openfaas_fail(res, r, "manifest", "%s/manifests: %s", OPENFAAS_K3S_SERVER_DIR, strerror(-r));
        r = put(sr, "manifest", OPENFAAS_MANIFEST, p->manifest, p->manifest_size, 0600, rec, res);
        if (r < 0)
                return r;
        r = openfaas_record_save(sr, rec);
        if (r < 0)
                return openfaas_fail(res, r, "record", "%s: %s", OPENFAAS_RECORD, strerror(-r));
        return 0;
}

/* Where nginx (the gateway issue) finds the gateway and how long to wait. */
static int write_gateway_file(const struct sysroot *sr, struct openfaas_record *rec, struct openfaas_result *res) {
        _cleanup_free_ char *text = NULL;
        unsigned t = res->function_timeout_sec;
        int r;

        if (!res->gateway)
                return 0;
        if (asprintf(&text, "{\"upstream\":\"%s\",\"function_timeout_sec\":%u,\"gateway_write_timeout_sec\":%u}\n",
                     res->gateway, t, openfaas_rw_timeout(t)) < 0)
                return -ENOMEM;
        r = put(sr, "gateway-address", OPENFAAS_GATEWAY_FILE, text, strlen(text), 0644, rec, res);
        if (r >= 0)
                r = openfaas_record_save(sr, rec);
        return r;
}

int openfaas_install(const struct sysroot *sr, const struct openfaas_options *o, struct openfaas_result *res) {
        struct openfaas_record old = {}, rec;
        struct plan p = {};
        char msha[65];
        int r;

        res->edition = o->license_file ? "pro" : "ce";
        res->chart_version = strdup(OPENFAAS_CHART_VERSION);
        res->function_timeout_sec = o->function_timeout_sec;
        if (o->expose != OPENFAAS_EXPOSE_CLUSTERIP) {
                r = asprintf(&res->warning, "--expose %s: the gateway is plain HTTP on %s of every node address, "
                             "bypassing nginx", openfaas_expose_to_string(o->expose),
                             o->expose == OPENFAAS_EXPOSE_LOADBALANCER ? "port 8080 (ServiceLB)" : "NodePort 31112");
                if (r < 0)
                        res->warning = NULL;
        }
        (void) openfaas_record_load(sr, &old);
        openfaas_record_new(&rec);
        r = prepare(sr, o, &old, &p, res);
        if (r >= 0)
                r = write_all_files(sr, o, &old, &p, &rec, res);
        if (r >= 0 && p.api) {
                (void) blob_sha256_mem(p.manifest, p.manifest_size, msha);
                r = openfaas_ladder(&p.kc, &(struct ladder_target) {
                                            .manifest_sha256 = msha, .password = p.password, .canary = o->canary,
                                            .canary_image = o->canary_image, .wait_cap_sec = o->timeout_sec },
                                    res);
                if (r >= 0)
                        r = write_gateway_file(sr, &rec, res);
        } else if (r >= 0)
                openfaas_step(res, "ladder", STEP_SKIPPED, "no Kubernetes API under --root");
        plan_done(&p);
        openfaas_record_done(&rec);
        openfaas_record_done(&old);
        return r;
}
