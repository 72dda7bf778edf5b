/* SPDX-License-Identifier: MIT */
#include "ready.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/log.h"
#include "../shared/bus-unit.h"
#include "../shared/curl-util.h"
#include "../shared/dl-curl.h"
#include "k3sconf.h"

#define TLS_DIR K3S_DATA_DIR "/server/tls"
#define AGENT_DIR K3S_DATA_DIR "/agent"

/* A real Node object is 5-100 KB (managedFields, annotations, and
 * status.images listing every image on the node); a busy node's is larger.
 * Bodies are read up to this cap, and an answer over it is reported as such,
 * never parsed cut off. */
#define PROBE_BODY_MAX (16u << 20)

struct probe {
        long status;
        char *body;             /* NUL-terminated; "" when none came */
        size_t len;
        bool over_cap;
        char error[CURL_ERROR_SIZE];
};

static void probe_done(struct probe *p) {
        free(p->body);
        p->body = NULL;
}

static size_t probe_write(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct probe *p = userdata;
        size_t n = size * nmemb;
        char *b;

        if (n > PROBE_BODY_MAX - p->len) {
                p->over_cap = true;
                return 0;       /* CURLE_WRITE_ERROR ends the transfer */
        }
        b = realloc(p->body, p->len + n + 1);
        if (!b)
                return 0;
        memcpy(b + p->len, ptr, n);
        p->body = b;
        p->len += n;
        p->body[p->len] = 0;
        return n;
}

/* The body for messages: never NULL. */
static const char *probe_text(const struct probe *p) {
        return p->body ? p->body : "";
}

/* One short GET. ca/cert/key are host paths or NULL. Returns 0 when an
 * HTTP answer came (any status), -errno on a transport error (-EFBIG: the
 * body is over PROBE_BODY_MAX). The caller frees p with probe_done(). */
static int probe_get(const char *url, const char *ca, const char *cert, const char *key, struct probe *p) {
        CURL *c;
        CURLcode cc;
        int r;

        *p = (struct probe) {};
        /* The health server reaches this only once K3s is installed: libcurl
         * is loaded then, not at its start (its RSS stays small without K3s). */
        r = dlopen_curl(NULL);
        if (r < 0)
                return r;
        c = curl_easy_init();
        if (!c)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_allow_protocols(c, false, true);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
        /* Loopback or the cluster network: 16 MiB take well under this. */
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
        /* Local endpoints: never through a proxy. */
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, probe_write);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, p);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, p->error);
        if (ca)
                curl_easy_setopt(c, CURLOPT_CAINFO, ca);
        if (cert)
                curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
        if (key)
                curl_easy_setopt(c, CURLOPT_SSLKEY, key);
        cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p->status);
        curl_easy_cleanup(c);
        if (p->over_cap) {
                snprintf(p->error, sizeof(p->error), "HTTP %ld, body larger than the %u MiB cap", p->status,
                         PROBE_BODY_MAX >> 20);
                return -EFBIG;
        }
        if (cc != CURLE_OK) {
                if (!p->error[0])
                        snprintf(p->error, sizeof(p->error), "%s", curl_easy_strerror(cc));
                return -EIO;
        }
        return 0;
}

int k3s_node_ready_from_json(const char *text, size_t size, bool *ret_ready) {
        json_tokener *tok = json_tokener_new();
        json_object *o, *status, *conds;
        int r = -EBADMSG;

        if (size > PROBE_BODY_MAX)
                return -EFBIG;
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int) size);
        json_tokener_free(tok);
        if (!o)
                return -EBADMSG;
        if (json_object_object_get_ex(o, "status", &status) &&
            json_object_object_get_ex(status, "conditions", &conds) &&
            json_object_is_type(conds, json_type_array))
                for (size_t i = 0; i < json_object_array_length(conds); i++) {
                        json_object *c = json_object_array_get_idx(conds, i), *t, *s;

                        if (json_object_object_get_ex(c, "type", &t) && json_object_is_type(t, json_type_string) &&
                            streq(json_object_get_string(t), "Ready") &&
                            json_object_object_get_ex(c, "status", &s) && json_object_is_type(s, json_type_string)) {
                                *ret_ready = streq(json_object_get_string(s), "True");
                                r = 0;
                                break;
                        }
                }
        json_object_put(o);
        return r;
}

struct creds {
        char *ca, *cert, *key;
};

static void creds_done(struct creds *c) {
        free(c->ca);
        free(c->cert);
        free(c->key);
}

static int creds_get(const struct sysroot *sr, const char *dir, const char *ca, const char *cert,
                     const char *key, struct creds *ret) {
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        if (asprintf(&a, "%s/%s", dir, ca) < 0 || asprintf(&b, "%s/%s", dir, cert) < 0 ||
            asprintf(&c, "%s/%s", dir, key) < 0)
                return -ENOMEM;
        *ret = (struct creds) {};
        if (sysroot_host_path(sr, a, &ret->ca) < 0 || sysroot_host_path(sr, b, &ret->cert) < 0 ||
            sysroot_host_path(sr, c, &ret->key) < 0) {
                creds_done(ret);
                return -ENOMEM;
        }
        return 0;
}

static bool rung_unit(const struct sysroot *sr, enum k3s_role role, struct k3s_result *steps) {
        struct unit_state st;
        bool ok;

        if (!unit_manager_available(sr)) {
                k3s_step(steps, "unit-active", K3S_STEP_SKIPPED, "no systemd as PID 1%s", sr->live ? "" : " (--root)");
                return sr->live ? false : true;
        }
        if (unit_state_get(k3s_unit_name(role), 0, &st) < 0) {
                k3s_step(steps, "unit-active", K3S_STEP_FAILED, "cannot ask systemd about %s", k3s_unit_name(role));
                return false;
        }
        ok = streq(st.active, "active");
        k3s_step(steps, "unit-active", ok ? K3S_STEP_OK : K3S_STEP_WAITING, "%s: ActiveState=%s SubState=%s NRestarts=%u",
             k3s_unit_name(role), st.active, st.sub, st.n_restarts);
        unit_state_done(&st);
        return ok;
}

static bool rung_http(struct k3s_result *steps, const char *name, const char *url, const struct creds *c,
                      long want_status, const char *want_body) {
        struct probe p;
        bool ok = false;

        if (probe_get(url, c ? c->ca : NULL, c ? c->cert : NULL, c ? c->key : NULL, &p) < 0)
                k3s_step(steps, name, K3S_STEP_WAITING, "%s: %s", url, p.error);
        else if (p.status != want_status || (want_body && !strneq(probe_text(&p), want_body, strlen(want_body))))
                k3s_step(steps, name, K3S_STEP_WAITING, "%s: HTTP %ld %.60s", url, p.status, probe_text(&p));
        else {
                k3s_step(steps, name, K3S_STEP_OK, "%s: HTTP %ld %.40s", url, p.status, probe_text(&p));
                ok = true;
        }
        probe_done(&p);
        return ok;
}

/* 1: Ready, 0: not Ready (or not known yet), -EHOSTUNREACH when the API
 * cannot be asked. The node is the one K3s registers (k3sconf.h). */
static int rung_node(const struct sysroot *sr, enum k3s_role role, struct k3s_result *steps, const char *api,
                     const struct creds *c) {
        _cleanup_free_ char *name = NULL, *err = NULL, *url = NULL;
        struct probe p;
        bool ready = false;
        int r;

        r = k3s_node_name(sr, role, &name, &err);
        if (r < 0) {
                k3s_step(steps, "node-ready", r == -EAGAIN ? K3S_STEP_WAITING : K3S_STEP_FAILED, "node name: %s",
                     err ? err : strerror(-r));
                return 0;
        }
        if (asprintf(&url, "%s/api/v1/nodes/%s", api, name) < 0) {
                url = NULL;
                return -ENOMEM;
        }
        if (probe_get(url, c->ca, c->cert, c->key, &p) < 0) {
                k3s_step(steps, "node-ready", K3S_STEP_WAITING, "%s: %s", url, p.error);
                probe_done(&p);
                return p.status ? 0 : -EHOSTUNREACH;
        }
        r = p.status == 200 ? k3s_node_ready_from_json(probe_text(&p), p.len, &ready) : -ENOENT;
        if (r < 0)
                k3s_step(steps, "node-ready", K3S_STEP_WAITING, "node %s: HTTP %ld, %zu bytes%s", name, p.status, p.len,
                     p.status == 200 ? ", no Ready condition in it" : "");
        else
                k3s_step(steps, "node-ready", ready ? K3S_STEP_OK : K3S_STEP_WAITING, "node %s Ready=%s (%zu bytes)", name,
                     ready ? "True" : "False", p.len);
        probe_done(&p);
        return r < 0 ? 0 : ready;
}

static bool rung_traefik(const struct sysroot *sr, struct k3s_result *steps, const char *api, const struct creds *c) {
        static const char *const paths[] = {
                "/apis/helm.cattle.io/v1/namespaces/kube-system/helmcharts/traefik",
                "/apis/apps/v1/namespaces/kube-system/deployments/traefik",
        };

        if (sysroot_access(sr, K3S_DATA_DIR "/server/manifests/traefik.yaml", F_OK) >= 0) {
                k3s_step(steps, "traefik-absent", K3S_STEP_WAITING, "server/manifests/traefik.yaml still present");
                return false;
        }
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                char url[512];
                struct probe p;
                bool gone;

                snprintf(url, sizeof(url), "%s%s", api, paths[i]);
                gone = probe_get(url, c->ca, c->cert, c->key, &p) >= 0 && p.status == 404;
                probe_done(&p);
                if (!gone) {
                        k3s_step(steps, "traefik-absent", K3S_STEP_WAITING, "%s: HTTP %ld", paths[i], p.status);
                        return false;
                }
        }
        k3s_step(steps, "traefik-absent", K3S_STEP_OK, "no traefik HelmChart, Deployment or manifest");
        return true;
}

static bool ladder_server(const struct sysroot *sr, const struct k3s_ready_target *t, struct k3s_result *steps) {
        const char *api = t->api ? t->api : "https://127.0.0.1:6443";
        _cleanup_free_ char *url = NULL;
        struct creds c;
        bool ok;

        if (!rung_unit(sr, t->role, steps))
                return false;
        if (!sr->live) {
                _cleanup_free_ char *name = NULL, *err = NULL;

                (void) k3s_node_name(sr, t->role, &name, &err);
                k3s_step(steps, "api", K3S_STEP_SKIPPED, "--root: no live endpoints (node name: %s)",
                     name ? name : err ? err : "?");
                return false;
        }
        if (creds_get(sr, TLS_DIR, "server-ca.crt", "client-admin.crt", "client-admin.key", &c) < 0)
                return false;
        ok = asprintf(&url, "%s/ping", api) >= 0 &&
             rung_http(steps, "ping", url, &(struct creds) { .ca = c.ca }, 200, "pong");
        free(url);
        url = NULL;
        ok = ok && asprintf(&url, "%s/readyz", api) >= 0 && rung_http(steps, "readyz", url, &c, 200, "ok");
        ok = ok && rung_node(sr, t->role, steps, api, &c) == 1;
        if (ok && t->traefik_disabled)
                ok = rung_traefik(sr, steps, api, &c);
        creds_done(&c);
        return ok;
}

static bool ladder_agent(const struct sysroot *sr, const struct k3s_ready_target *t, struct k3s_result *steps) {
        _cleanup_free_ char *healthz = NULL;
        struct creds c;
        int r;

        if (!rung_unit(sr, t->role, steps))
                return false;
        if (!t->kubelet_healthz) {
                _cleanup_free_ char *err = NULL;

                r = k3s_kubelet_healthz_url(sr, &healthz, &err);
                if (r < 0) {
                        k3s_step(steps, "kubelet-healthz", K3S_STEP_FAILED, "%s", err ? err : strerror(-r));
                        return false;
                }
        }
        if (!sr->live) {
                _cleanup_free_ char *name = NULL, *err = NULL;

                (void) k3s_node_name(sr, t->role, &name, &err);
                k3s_step(steps, "kubelet", K3S_STEP_SKIPPED, "--root: no live endpoints (kubelet healthz: %s, node name: %s)",
                     t->kubelet_healthz ? t->kubelet_healthz : healthz, name ? name : err ? err : "?");
                return false;
        }
        if (!rung_http(steps, "kubelet-healthz", t->kubelet_healthz ? t->kubelet_healthz : healthz, NULL, 200, "ok"))
                return false;
        if (!t->server) {
                k3s_step(steps, "node-ready", K3S_STEP_SKIPPED, "no server URL recorded");
                return true;
        }
        if (creds_get(sr, AGENT_DIR, "server-ca.crt", "client-kubelet.crt", "client-kubelet.key", &c) < 0)
                return false;
        r = rung_node(sr, t->role, steps, t->server, &c);
        creds_done(&c);
        /* "When reachable": a server we cannot ask does not make the agent unready. */
        return r != 0;
}

int k3s_ready_ladder(const struct sysroot *sr, const struct k3s_ready_target *t, unsigned wait_sec,
                     struct k3s_result *res) {
        time_t deadline = time(NULL) + (time_t) wait_sec;

        for (;;) {
                struct k3s_result round;
                bool ok;
                int r;

                k3s_result_init(&round);
                ok = t->role == K3S_ROLE_SERVER ? ladder_server(sr, t, &round) : ladder_agent(sr, t, &round);
                if (ok || wait_sec == 0 || time(NULL) >= deadline || !sr->live) {
                        r = k3s_result_move_steps(res, &round);
                        k3s_result_done(&round);
                        if (r < 0)
                                return r;
                        res->ready = ok;
                        return 0;
                }
                k3s_result_done(&round);
                sleep(1);
        }
}
