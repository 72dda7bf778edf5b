/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../kube/kube.h"
#include "api.h"
#include "ladder.h"
#include "openfaas-files.h"
#include "record.h"

/* Remove a file we wrote while it still holds what we wrote. */
static int remove_ours(const struct sysroot *sr, const struct openfaas_record *rec, const char *path,
                       struct openfaas_result *res) {
        const char *want = openfaas_record_file(rec, path);
        char sha[65];
        int r;

        if (!want)
                return 0;
        r = openfaas_file_hash(sr, path, sha);
        if (r == -ENOENT) {
                openfaas_step(res, "remove", STEP_UNCHANGED, "%s already gone", path);
                return 0;
        }
        if (r < 0)
                return openfaas_fail(res, r, "remove", "%s: %s", path, strerror(-r));
        if (!streq(sha, want))
                return openfaas_fail(res, -EEXIST, "remove", "%s changed since nodeprep wrote it; left in place", path);
        r = sysroot_unlink(sr, path);
        if (r < 0)
                return openfaas_fail(res, r, "remove", "%s: %s", path, strerror(-r));
        openfaas_step(res, "remove", STEP_CHANGED, "%s", path);
        return 0;
}

static long api_status(const struct kubeconfig *kc, const char *method, const char *path, char **ret_body) {
        struct http_response a;
        long s;

        if (kube_request(kc, method, path, NULL, &a, NULL) < 0)
                return -1;
        s = a.status;
        if (ret_body)
                *ret_body = TAKE_PTR(a.body);
        http_response_done(&a);
        return s;
}

/* DELETE, then wait until GET says 404. */
static int delete_and_wait(const struct kubeconfig *kc, const char *what, const char *path, unsigned wait_sec,
                           const char *job, struct openfaas_result *res) {
        time_t deadline = time(NULL) + (time_t) wait_sec;
        long s = api_status(kc, "DELETE", path, NULL);
        char why[600] = "";

        if (s == 404) {
                openfaas_step(res, "delete", STEP_UNCHANGED, "%s: not there", what);
                return 0;
        }
        if (s != 200 && s != 202)
                return openfaas_fail(res, -EIO, "delete", "%s: DELETE answered %ld", what, s);
        for (;;) {
                if (api_status(kc, NULL, path, NULL) == 404) {
                        openfaas_step(res, "delete", STEP_CHANGED, "%s", what);
                        return 0;
                }
                if (job) {
                        _cleanup_free_ char *body = NULL;
                        char jp[256];
                        struct job_state j;

                        snprintf(jp, sizeof(jp), "/apis/batch/v1/namespaces/kube-system/jobs/%s", job);
                        if (api_status(kc, NULL, jp, &body) == 200 && api_job_state(body, strlen(body), &j) >= 0)
                                snprintf(why, sizeof(why), "; job %s %s%s%s", job,
                                         j.complete ? "Complete" : j.failed ? "Failed" : "running",
                                         j.failed ? ": " : "", j.reason);
                }
                if (time(NULL) >= deadline)
                        return openfaas_fail(res, -ETIMEDOUT, "delete", "%s still there after %us%s", what, wait_sec, why);
                sleep(1);
        }
}

static int uninstall_api(const struct kubeconfig *kc, unsigned timeout_sec, struct openfaas_result *res) {
        static const struct { const char *what, *path; } after[] = {
                { "Secret openfaas/basic-auth", "/api/v1/namespaces/openfaas/secrets/basic-auth" },
                { "Secret openfaas/openfaas-license", "/api/v1/namespaces/openfaas/secrets/openfaas-license" },
                { "Namespace openfaas-fn", "/api/v1/namespaces/openfaas-fn" },
                { "Namespace openfaas", "/api/v1/namespaces/openfaas" },
                { "AddOn kube-system/" OPENFAAS_ADDON_NAME,
                  "/apis/k3s.cattle.io/v1/namespaces/kube-system/addons/" OPENFAAS_ADDON_NAME },
        };
        unsigned wait = timeout_sec ? timeout_sec : 300;
        int r;

        /* helm-controller runs Job helm-delete-openfaas (helm uninstall) and
         * removes its finalizer afterwards (chart.go OnRemove). */
        r = delete_and_wait(kc, "HelmChart kube-system/openfaas (helm uninstall by helm-delete-openfaas)",
                            "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/openfaas", wait,
                            "helm-delete-openfaas", res);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(after); i++)
                r = delete_and_wait(kc, after[i].what, after[i].path, wait, NULL, res);
        return r;
}

int openfaas_uninstall(const struct sysroot *sr, unsigned timeout_sec, struct openfaas_result *res) {
        struct openfaas_record rec;
        struct kubeconfig kc = {};
        bool api;
        int r;

        r = openfaas_record_load(sr, &rec);
        if (r == -ENOENT) {
                openfaas_step(res, "installed", STEP_UNCHANGED, "nodeprep installed no OpenFaaS here");
                return 0;
        }
        if (r < 0)
                return openfaas_fail(res, r, "record", "%s: %s", OPENFAAS_RECORD, strerror(-r));
        r = openfaas_api_open(sr, &kc, &api, res);
        /* The manifest first: while it exists K3s re-creates the HelmChart
         * at every start (pkg/deploy/controller.go applies every file). */
        if (r >= 0)
                r = remove_ours(sr, &rec, OPENFAAS_MANIFEST, res);
        if (r >= 0 && api)
                r = uninstall_api(&kc, timeout_sec, res);
        if (r >= 0)
                r = remove_ours(sr, &rec, OPENFAAS_CHARTS_DIR "/openfaas-" OPENFAAS_CHART_VERSION ".tgz", res);
        if (r >= 0)
                r = remove_ours(sr, &rec, OPENFAAS_GATEWAY_FILE, res);
        if (r >= 0)
                r = remove_ours(sr, &rec, OPENFAAS_PASSWORD_FILE, res);
        if (r >= 0) {
                _cleanup_close_ int dfd = -1;
                const char *base;

                /* Only when empty: never what we did not write. */
                dfd = sysroot_open_parent(sr, OPENFAAS_STATE_DIR, &base);
                if (dfd >= 0)
                        (void) unlinkat(dfd, base, AT_REMOVEDIR);
                r = openfaas_record_remove(sr);
                if (r >= 0)
                        openfaas_step(res, "record", STEP_CHANGED, "%s removed", OPENFAAS_RECORD);
        }
        kubeconfig_done(&kc);
        openfaas_record_done(&rec);
        return r;
}
