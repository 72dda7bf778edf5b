/* SPDX-License-Identifier: MIT */
#include "ladder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../kube/kube.h"
#include "api.h"
#include "openfaas-render.h"

enum rung_result {
        RUNG_OK,
        RUNG_WAIT,
        RUNG_FATAL,     /* waiting cannot help: end now */
};

struct ctx {
        const struct kubeconfig *kc;
        const struct ladder_target *t;
        struct openfaas_result *res;
        char *gateway;                  /* http://IP:PORT */
        char detail[1024];
};

#define SAY(c, ...) snprintf((c)->detail, sizeof((c)->detail), __VA_ARGS__)

/* GET path; the answer in *ret. RUNG_WAIT with the reason when there is none. */
static enum rung_result get(struct ctx *c, const char *path, struct http_response *ret) {
        _cleanup_free_ char *err = NULL;

        if (kube_request(c->kc, NULL, path, NULL, ret, &err) < 0) {
                SAY(c, "%s", err ? err : path);
                return RUNG_WAIT;
        }
        return RUNG_OK;
}

static enum rung_result not_found(struct ctx *c, struct http_response *a, const char *what) {
        _cleanup_free_ char *msg = kube_status_message(a->body, a->size);

        SAY(c, "%s: HTTP %ld%s%s", what, a->status, msg ? ": " : "", msg ? msg : "");
        http_response_done(a);
        return RUNG_WAIT;
}

static enum rung_result rung_addon(struct ctx *c) {
        struct http_response a;
        char sum[65];

        if (get(c, "/apis/k3s.cattle.io/v1/namespaces/kube-system/addons/" OPENFAAS_ADDON_NAME, &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status != 200)
                return not_found(c, &a, "AddOn kube-system/" OPENFAAS_ADDON_NAME);
        if (api_addon_checksum(a.body, a.size, sum) < 0)
                SAY(c, "AddOn " OPENFAAS_ADDON_NAME ": no spec.checksum yet");
        else if (!streq(sum, c->t->manifest_sha256))
                SAY(c, "AddOn checksum %.12s..., our file %.12s... (not applied yet)", sum, c->t->manifest_sha256);
        else
                SAY(c, "AddOn " OPENFAAS_ADDON_NAME " checksum %.12s... = our manifest", sum);
        http_response_done(&a);
        return strstr(c->detail, "= our manifest") ? RUNG_OK : RUNG_WAIT;
}

static enum rung_result rung_job_created(struct ctx *c) {
        struct helmchart_state h;
        struct http_response a;
        enum rung_result rr = RUNG_WAIT;

        if (get(c, "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/openfaas", &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status != 200)
                return not_found(c, &a, "HelmChart kube-system/openfaas");
        if (api_helmchart_state(a.body, a.size, &h) < 0)
                SAY(c, "HelmChart kube-system/openfaas: unreadable answer");
        else if (h.failed) {
                SAY(c, "HelmChart condition Failed=True: %s: %s", h.reason, h.message);
                rr = RUNG_FATAL;
        } else if (!h.job_created)
                SAY(c, "HelmChart: JobCreated not True yet%s%s", h.message[0] ? ": " : "", h.message);
        else {
                SAY(c, "%s", h.message[0] ? h.message : "JobCreated=True");
                rr = RUNG_OK;
        }
        http_response_done(&a);
        return rr;
}

static void describe_pods(struct ctx *c, char *buf, size_t n) {
        struct http_response a;
        struct pod_state p;

        buf[0] = 0;
        if (kube_request(c->kc, NULL, "/api/v1/namespaces/kube-system/pods?labelSelector=helmcharts.helm.cattle.io%2Fchart%3Dopenfaas",
                         NULL, &a, NULL) < 0)
                return;
        if (a.status == 200 && api_pods_state(a.body, a.size, &p) >= 0 && p.pod[0])
                snprintf(buf, n, "pod %.100s %.20s%s%.60s%s%.200s%s restarts=%ld%s%.300s%s", p.pod, p.phase,
                         p.waiting_reason[0] ? " waiting " : "", p.waiting_reason,
                         p.waiting_message[0] ? " (\"" : "", p.waiting_message, p.waiting_message[0] ? "\")" : "",
                         p.restarts,
                         p.terminated_message[0] ? " last termination: \"" : "", p.terminated_message,
                         p.terminated_message[0] ? "\"" : "");
        /* helm-controller jobs restart on failure (restartPolicy OnFailure,
         * backoffLimit 1000): with failurePolicy abort a crash loop only ends
         * when helm's state changes, so three restarts are an answer. */
        if (a.status == 200 && api_pods_state(a.body, a.size, &p) >= 0 &&
            streq(p.waiting_reason, "CrashLoopBackOff") && p.restarts >= 3)
                snprintf(buf + strlen(buf), n - strlen(buf), " (crash loop)");
        http_response_done(&a);
}

static enum rung_result rung_job_complete(struct ctx *c) {
        struct http_response a;
        struct job_state j;
        char pods[900];
        enum rung_result rr = RUNG_WAIT;

        if (get(c, "/apis/batch/v1/namespaces/kube-system/jobs/helm-install-openfaas", &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status != 200)
                return not_found(c, &a, "Job kube-system/helm-install-openfaas");
        if (api_job_state(a.body, a.size, &j) < 0) {
                http_response_done(&a);
                SAY(c, "Job helm-install-openfaas: unreadable answer");
                return RUNG_WAIT;
        }
        http_response_done(&a);
        if (j.complete) {
                SAY(c, "Job helm-install-openfaas Complete");
                return RUNG_OK;
        }
        describe_pods(c, pods, sizeof(pods));
        if (j.failed) {
                SAY(c, "Job helm-install-openfaas Failed: %.100s %.200s%s%.600s", j.reason, j.message, pods[0] ? "; " : "", pods);
                return RUNG_FATAL;
        }
        SAY(c, "Job helm-install-openfaas running (active=%ld)%s%.900s", j.active, pods[0] ? ": " : "", pods);
        if (strstr(pods, "(crash loop)"))
                rr = RUNG_FATAL;
        return rr;
}

static enum rung_result rung_release(struct ctx *c) {
        struct release_state rel;
        struct http_response a;
        enum rung_result rr = RUNG_WAIT;

        if (get(c, "/api/v1/namespaces/openfaas/secrets?labelSelector=owner%3Dhelm%2Cname%3Dopenfaas", &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status != 200)
                return not_found(c, &a, "Helm release secrets in openfaas");
        if (api_release_state(a.body, a.size, &rel) < 0)
                SAY(c, "release records: unreadable answer");
        else if (rel.version == 0)
                SAY(c, "no Helm release openfaas recorded yet");
        else {
                SAY(c, "release openfaas v%ld %s", rel.version, rel.status);
                if (streq(rel.status, "deployed"))
                        rr = RUNG_OK;
                else if (streq(rel.status, "failed"))
                        rr = RUNG_FATAL;
        }
        http_response_done(&a);
        return rr;
}

/* "65s", "1m05s" -> seconds (0 when unreadable). */
static unsigned seconds_of(const char *s) {
        unsigned v = 0;

        return s && openfaas_parse_duration(s, &v) >= 0 ? v : 0;
}

static enum rung_result rung_deployments(struct ctx *c) {
        struct deployments_state d;
        struct http_response a;
        enum rung_result rr = RUNG_WAIT;

        if (get(c, "/apis/apps/v1/namespaces/openfaas/deployments?labelSelector=release%3Dopenfaas", &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status != 200)
                return not_found(c, &a, "Deployments in openfaas");
        if (api_deployments_state(a.body, a.size, &d) < 0)
                SAY(c, "Deployments: unreadable answer");
        else if (d.n == 0)
                SAY(c, "no Deployments of release openfaas yet");
        else if (d.n_available < d.n)
                SAY(c, "%zu of %zu Available; not: %s (%s)", d.n_available, d.n, d.unavailable, d.reason);
        else {
                unsigned up = seconds_of(d.upstream_timeout), rd = seconds_of(d.read_timeout),
                         wr = seconds_of(d.write_timeout);

                /* The documented order: upstream_timeout < read/write_timeout
                 * (docs tutorials/expanded-timeouts.md); a HelmChartConfig can break it. */
                if (!up || up >= rd || up >= wr) {
                        SAY(c, "gateway timeouts out of order: upstream_timeout=%s read_timeout=%s write_timeout=%s "
                               "(upstream must be below read/write)", d.upstream_timeout, d.read_timeout, d.write_timeout);
                        rr = RUNG_FATAL;
                } else {
                        SAY(c, "%zu Deployments Available; gateway upstream_timeout=%s < read/write %s/%s", d.n,
                            d.upstream_timeout, d.read_timeout, d.write_timeout);
                        c->res->function_timeout_sec = up;
                        rr = RUNG_OK;
                }
        }
        http_response_done(&a);
        return rr;
}

int openfaas_gateway_address(const struct kubeconfig *kc, char **ret, char **ret_error) {
        struct http_response a;
        char ip[64];
        int port, r;

        r = kube_request(kc, NULL, "/api/v1/namespaces/openfaas/services/gateway", NULL, &a, ret_error);
        if (r < 0)
                return r;
        if (a.status != 200) {
                r = error_msg(ret_error, -ENOENT, "Service openfaas/gateway: HTTP %ld", a.status);
        } else if (api_service_address(a.body, a.size, ip, &port) < 0)
                r = error_msg(ret_error, -EBADMSG, "Service openfaas/gateway: no clusterIP and port");
        else
                r = asprintf(ret, strchr(ip, ':') ? "http://[%s]:%d" : "http://%s:%d", ip, port) < 0 ? -ENOMEM : 0;
        http_response_done(&a);
        return r;
}

/* A request to the gateway; RUNG_WAIT with the reason when no answer came. */
static enum rung_result gw(struct ctx *c, const char *method, const char *path, const char *body, bool auth,
                           const char *capture, struct http_response *ret) {
        _cleanup_free_ char *url = NULL, *err = NULL;
        struct http_request req = {
                .method = method, .body = body, .user = auth ? "admin" : NULL, .password = c->t->password,
                .timeout_ms = 10000, .max_body = 1u << 20, .capture_header = capture,
        };

        if (asprintf(&url, "%s%s", c->gateway, path) < 0)
                return RUNG_WAIT;
        req.url = url;
        if (http_do(&req, ret, &err) < 0) {
                SAY(c, "%s", err ? err : url);
                return RUNG_WAIT;
        }
        return RUNG_OK;
}

static enum rung_result rung_healthz(struct ctx *c) {
        _cleanup_free_ char *err = NULL;
        struct http_response a;
        bool ok;

        if (!c->gateway && openfaas_gateway_address(c->kc, &c->gateway, &err) < 0) {
                SAY(c, "%s", err ? err : "no gateway Service");
                return RUNG_WAIT;
        }
        free(c->res->gateway);
        c->res->gateway = strdup(c->gateway + strlen("http://"));
        if (gw(c, NULL, "/healthz", NULL, false, NULL, &a) != RUNG_OK)
                return RUNG_WAIT;
        ok = a.status == 200;
        SAY(c, "%s/healthz: HTTP %ld %.60s", c->gateway, a.status, a.body);
        http_response_done(&a);
        return ok ? RUNG_OK : RUNG_WAIT;
}

static enum rung_result rung_info(struct ctx *c) {
        struct gateway_info info;
        struct http_response a;
        enum rung_result rr = RUNG_WAIT;

        if (gw(c, NULL, "/system/info", NULL, true, NULL, &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status == 401) {
                SAY(c, "/system/info: 401 with our basic-auth password (Secret openfaas/basic-auth changed?)");
                rr = RUNG_FATAL;
        } else if (a.status != 200 || api_gateway_info(a.body, a.size, &info) < 0)
                SAY(c, "/system/info: HTTP %ld %.80s", a.status, a.body);
        else {
                SAY(c, "provider %s (%s), gateway %s", info.provider, info.orchestration, info.release);
                rr = RUNG_OK;
        }
        http_response_done(&a);
        return rr;
}

#define CANARY "nodeprep-canary"

static void canary_delete(struct ctx *c) {
        struct http_response a;

        if (gw(c, "DELETE", "/system/functions", "{\"functionName\":\"" CANARY "\"}", true, NULL, &a) == RUNG_OK)
                http_response_done(&a);
}

static enum rung_result canary_invoke(struct ctx *c) {
        struct http_response a;
        bool sync_ok, async_ok;
        char sync_id[80];

        /* The gateway answers every call with X-Call-Id (handlers/callid_middleware.go). */
        if (gw(c, "POST", "/function/" CANARY, "nodeprep", false, "X-Call-Id", &a) != RUNG_OK)
                return RUNG_WAIT;
        sync_ok = a.status == 200 && a.header;
        snprintf(sync_id, sizeof(sync_id), "%s", a.header ? a.header : "none");
        if (!sync_ok) {
                SAY(c, "POST /function/" CANARY ": HTTP %ld X-Call-Id %s %.80s", a.status, sync_id, a.body);
                http_response_done(&a);
                return RUNG_WAIT;
        }
        http_response_done(&a);
        /* Async: 202 Accepted once queued to NATS (handlers/queue_proxy.go). */
        if (gw(c, "POST", "/async-function/" CANARY, "nodeprep", false, "X-Call-Id", &a) != RUNG_OK)
                return RUNG_WAIT;
        async_ok = a.status == 202 && a.header;
        SAY(c, "sync 200 (X-Call-Id %s), async HTTP %ld (X-Call-Id %s)", sync_id, a.status,
            a.header ? a.header : "none");
        http_response_done(&a);
        return async_ok ? RUNG_OK : RUNG_WAIT;
}

static enum rung_result rung_canary(struct ctx *c) {
        _cleanup_free_ char *body = NULL;
        struct http_response a;
        long avail = 0;

        if (gw(c, NULL, "/system/function/" CANARY, NULL, true, NULL, &a) != RUNG_OK)
                return RUNG_WAIT;
        if (a.status == 404) {
                http_response_done(&a);
                if (asprintf(&body, "{\"service\":\"%s\",\"image\":\"%s\",\"envProcess\":\"cat\","
                                    "\"labels\":{\"app.kubernetes.io/managed-by\":\"nodeprep\"}}",
                             CANARY, c->t->canary_image) < 0)
                        return RUNG_WAIT;
                if (gw(c, "POST", "/system/functions", body, true, NULL, &a) != RUNG_OK)
                        return RUNG_WAIT;
                long status = a.status;

                SAY(c, "deploy %s: HTTP %ld %.120s", c->t->canary_image, a.status, a.body);
                http_response_done(&a);
                /* faas-netes answers 400 for the CE rules (private image, 15
                 * functions): no retry changes that (pkg/handlers/deploy.go). */
                return status == 400 ? RUNG_FATAL : RUNG_WAIT;
        }
        if (a.status != 200 || api_function_available(a.body, a.size, &avail) < 0 || avail < 1) {
                SAY(c, "function " CANARY ": HTTP %ld, not available yet", a.status);
                http_response_done(&a);
                return RUNG_WAIT;
        }
        http_response_done(&a);
        return canary_invoke(c);
}

struct rung {
        const char *name;
        unsigned deadline_sec;
        enum rung_result (*fn)(struct ctx *c);
};

static const struct rung rungs[] = {
        { "addon-applied", 120, rung_addon },
        { "job-created", 60, rung_job_created },
        /* The HelmChart's own timeout is 600s, plus image pulls. */
        { "job-complete", 900, rung_job_complete },
        { "release-deployed", 60, rung_release },
        { "deployments-available", 600, rung_deployments },
        { "gateway-healthz", 120, rung_healthz },
        { "system-info", 60, rung_info },
        { "canary", 300, rung_canary },
};

static enum rung_result climb(struct ctx *c, const struct rung *g) {
        unsigned limit = c->t->wait_cap_sec && c->t->wait_cap_sec < g->deadline_sec ? c->t->wait_cap_sec : g->deadline_sec;
        time_t deadline = time(NULL) + (time_t) limit;

        for (;;) {
                enum rung_result rr;

                c->detail[0] = 0;
                rr = g->fn(c);
                if (rr != RUNG_WAIT || c->t->once)
                        return rr;
                if (time(NULL) >= deadline) {
                        char last[sizeof(c->detail)];

                        snprintf(last, sizeof(last), "%s", c->detail);
                        SAY(c, "not within %us: %.990s", limit, last);
                        return RUNG_FATAL;
                }
                sleep(1);
        }
}

int openfaas_ladder(const struct kubeconfig *kc, const struct ladder_target *t, struct openfaas_result *res) {
        struct ctx c = { .kc = kc, .t = t, .res = res };
        int r = 0;

        res->ready = false;
        for (size_t i = 0; i < ELEMENTSOF(rungs); i++) {
                const struct rung *g = &rungs[i];
                enum rung_result rr;

                if (streq(g->name, "canary") && !t->canary)
                        break;
                rr = climb(&c, g);
                if (rr == RUNG_OK) {
                        openfaas_step(res, g->name, STEP_OK, "%s", c.detail);
                        continue;
                }
                if (rr == RUNG_WAIT) {          /* once: not there yet */
                        openfaas_step(res, g->name, STEP_WAITING, "%s", c.detail);
                        goto out;
                }
                r = openfaas_fail(res, -ETIMEDOUT, g->name, "%s", c.detail);
                goto out;
        }
        res->ready = true;
out:
        if (t->canary && c.gateway)
                canary_delete(&c);
        free(c.gateway);
        return r;
}
