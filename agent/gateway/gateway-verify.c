/* SPDX-License-Identifier: MIT */
/*
 * verify: the files are still ours and unchanged and match the options,
 * nginx -t passes, nginx is active, the certificate names the domain with
 * more than 30 days left, certbot.timer is enabled, and the timeout layers
 * are ordered: gateway upstream_timeout < read/write_timeout < nginx's
 * proxy_read_timeout, across our site file and the deployed gateway values.
 * Each finding is a step; any failed step is drift (exit 3).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "internal.h"

#define CERT_MIN_DAYS 30
/* The OpenFaaS manifest nodeprep writes (../shared/design.md, Locations). */
#define OPENFAAS_MANIFEST "/var/lib/rancher/k3s/server/manifests/nodeprep-openfaas.yaml"

static void fail(struct gateway_result *r, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void fail(struct gateway_result *r, const char *name, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        r->drift = true;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        gateway_result_step(r, name, "failed", "%s", msg ? msg : "?");
}

static void verify_files(const struct sysroot *sr, const struct gateway_options *o, const struct gw_state *s,
                         struct gateway_result *r) {
        struct gw_desired_set want = {};
        unsigned bad = 0;

        for (unsigned i = 0; i < s->n; i++) {
                struct gw_current c;

                if (gw_current_read(sr, s->files[i].path, &c) < 0 || !c.exists || !c.ours ||
                    (s->files[i].kind != GATEWAY_DIR && !streq(c.sha, s->files[i].sha))) {
                        fail(r, "files", "%s changed or missing since apply", s->files[i].path);
                        bad++;
                }
                gw_current_done(&c);
        }
        /* The same options render the same files: anything else is drift
         * between what the operator asks for and what is served. */
        if (gw_render(o, s->phase, &want) >= 0)
                for (unsigned i = 0; i < want.n; i++) {
                        struct gw_current c;

                        if (want.files[i].kind == GATEWAY_DIR)
                                continue;
                        if (gw_current_read(sr, want.files[i].path, &c) < 0 || !c.content ||
                            !streq(c.content, want.files[i].content)) {
                                fail(r, "options", "%s differs from what these options render (run apply)",
                                     want.files[i].path);
                                bad++;
                        }
                        gw_current_done(&c);
                }
        gw_desired_set_done(&want);
        if (!bad)
                gateway_result_step(r, "files", "ok", "%u files ours and unchanged (phase %d)", s->n, s->phase);
}

/* The seconds of the first "proxy_read_timeout Ns;" in our site file. */
static int site_read_timeout(const struct sysroot *sr, unsigned *ret) {
        _cleanup_free_ char *text = NULL;
        const char *p;
        size_t size;
        unsigned v = 0;
        int r;

        r = sysroot_read_file(sr, GW_SITE_PATH, GW_FILE_MAX, &text, &size);
        if (r < 0)
                return r;
        p = strstr(text, "proxy_read_timeout ");
        if (!p)
                return -ENOENT;
        for (p += strlen("proxy_read_timeout "); isdigit(*p) && v < 1000000; p++)
                v = v * 10 + (unsigned) (*p - '0');
        if (*p != 's' || v == 0)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* "key: value" from the OpenFaaS manifest's valuesContent (a duration). */
static int manifest_duration(const char *text, const char *key, unsigned *ret) {
        char val[40];
        const char *p = strstr(text, key);
        size_t n = 0;

        if (!p)
                return -ENOENT;
        p += strlen(key);
        while (*p == ' ' || *p == '"' || *p == '\'')
                p++;
        while (p[n] && !strchr(" \"'\r\n#", p[n]) && n < sizeof(val) - 1)
                n++;
        memcpy(val, p, n);
        val[n] = 0;
        return gateway_parse_duration(val, ret);
}

static void verify_timeouts(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r) {
        _cleanup_free_ char *manifest = NULL;
        struct gateway_timeouts want;
        unsigned nginx = 0, up = 0, rd = 0, wr = 0;
        size_t size;

        gateway_timeouts_from(o->function_timeout, &want);
        if (site_read_timeout(sr, &nginx) < 0)
                return fail(r, "timeouts", "%s: no proxy_read_timeout", GW_SITE_PATH);
        if (sysroot_read_file(sr, OPENFAAS_MANIFEST, 1 << 20, &manifest, &size) < 0) {
                up = want.upstream, rd = wr = want.read_write;
                gateway_result_step(r, "gateway-values", "skipped",
                                    "no %s: assuming the gateway runs with upstream %us, read/write %us",
                                    OPENFAAS_MANIFEST, up, rd);
        } else if (manifest_duration(manifest, "upstreamTimeout:", &up) < 0 ||
                   manifest_duration(manifest, "readTimeout:", &rd) < 0 ||
                   manifest_duration(manifest, "writeTimeout:", &wr) < 0)
                return fail(r, "timeouts", "%s: upstreamTimeout/readTimeout/writeTimeout not found",
                            OPENFAAS_MANIFEST);
        if (!(up < rd && up < wr && rd < nginx && wr < nginx)) {
                r->drift = true;
                gateway_result_step(r, "timeouts", "failed",
                                    "order broken: gateway upstream %us, read %us, write %us, nginx %us "
                                    "(need upstream < read/write < nginx)", up, rd, wr, nginx);
                return;
        }
        gateway_result_step(r, "timeouts", "ok", "gateway upstream %us < read %us, write %us < nginx %us", up, rd, wr,
                            nginx);
}

static void verify_cert(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r) {
        char cert[GATEWAY_PATH_MAX], key[GATEWAY_PATH_MAX];
        _cleanup_free_ char *err = NULL;
        struct gw_cert_info info = {};

        gw_cert_paths(o, cert, key);
        if (gw_cert_read(sr, cert, o->domain, &info, &err) < 0)
                return fail(r, "certificate", "%s", err ? err : cert);
        r->cert_not_after = info.not_after;
        r->cert_days_left = (int) ((info.not_after - (int64_t) time(NULL)) / 86400);
        snprintf(r->cert_serial, sizeof(r->cert_serial), "%s", info.serial);
        if (!info.names_domain)
                return fail(r, "certificate", "%s does not name the domain", cert);
        if (r->cert_days_left <= CERT_MIN_DAYS) {
                r->drift = true;
                gateway_result_step(r, "certificate", "failed", "%d days left (need more than %d)", r->cert_days_left,
                                    CERT_MIN_DAYS);
                return;
        }
        gateway_result_step(r, "certificate", "ok", "names %s, %d days left, serial %s", o->domain, r->cert_days_left,
                            info.serial);
}

static void verify_live(const struct gateway_options *o, struct gateway_result *r) {
        _cleanup_free_ char *msg = NULL;
        char state[32];

        if (gw_nginx_test(&msg) < 0)
                fail(r, "nginx-test", "%s", msg ? msg : "nginx -t failed");
        else
                gateway_result_step(r, "nginx-test", "ok", "configuration test passed");
        if (!gw_unit_active("nginx.service", state))
                fail(r, "nginx-active", "nginx.service is %s", state);
        else
                gateway_result_step(r, "nginx-active", "ok", "nginx.service active");
        if (o->tls != GATEWAY_TLS_ACME)
                return;
        if (!gw_unit_enabled("certbot.timer"))
                fail(r, "renewal", "%s", "certbot.timer is not enabled");
        else
                gateway_result_step(r, "renewal", "ok", "certbot.timer enabled");
}

int gateway_verify(const struct sysroot *sr, const struct gateway_options *given, struct gateway_result *r) {
        struct gateway_options eff;
        const struct gateway_options *o = &eff;
        struct gw_state s;
        int k;

        k = gw_options_resolve(sr, given, &eff, &r->upstream_from, &r->error);
        if (k < 0)
                return k;
        memcpy(r->upstream, eff.upstream, sizeof(r->upstream));
        gateway_timeouts_from(o->function_timeout, &r->timeouts);
        k = gw_state_load(sr, &s, &r->error);
        if (k == -ENOENT) {
                fail(r, "installed", "%s", "no gateway installed by nodeprep (" GW_STATE_PATH " is absent)");
                return 0;
        }
        if (k < 0)
                return k;
        if (!streq(s.domain, o->domain)) {
                fail(r, "installed", "the gateway is installed for %s", s.domain);
                return 0;
        }
        r->phase = s.phase;
        verify_files(sr, o, &s, r);
        if (o->tls == GATEWAY_TLS_ACME && s.phase < 2)
                fail(r, "phase", "%s", "phase 1 only: no certificate was obtained yet (run apply)");
        verify_timeouts(sr, o, r);
        if (o->tls != GATEWAY_TLS_NONE && s.phase == 2)
                verify_cert(sr, o, r);
        if (sr->live)
                verify_live(o, r);
        else
                gateway_result_step(r, "nginx", "skipped", "--root: nginx -t and unit states are live-only");
        return 0;
}

void gateway_health_done(struct gateway_health *h) {
        free(h->error);
        h->error = NULL;
}

int gateway_health_read(const struct sysroot *sr, struct gateway_health *ret) {
        struct gateway_health h = {};
        struct gw_state s;
        int k;

        k = gw_state_load(sr, &s, &h.error);
        if (k < 0) {
                *ret = h;
                return k;
        }
        snprintf(h.domain, sizeof(h.domain), "%s", s.domain);
        h.tls = s.tls && s.phase == 2;
        if (sr->live)
                h.nginx_active = gw_unit_active("nginx.service", h.nginx_state);
        else
                snprintf(h.nginx_state, sizeof(h.nginx_state), "unknown");
        if (h.tls) {
                char cert[GATEWAY_PATH_MAX];
                struct gw_cert_info info = {};
                _cleanup_free_ char *err = NULL;

                /* The site file names the certificate (cert: or ACME). */
                k = 0;
                {
                        _cleanup_free_ char *site = NULL;
                        size_t size;
                        const char *p;

                        if (sysroot_read_file(sr, GW_SITE_PATH, GW_FILE_MAX, &site, &size) >= 0 &&
                            (p = strstr(site, "ssl_certificate ")) && sscanf(p, "ssl_certificate %1023[^;];", cert) == 1)
                                k = gw_cert_read(sr, cert, s.domain, &info, &err);
                        else
                                k = -ENOENT;
                }
                if (k >= 0) {
                        h.cert_not_after = info.not_after;
                        h.cert_days_left = (int) ((info.not_after - (int64_t) time(NULL)) / 86400);
                } else if (!h.error)
                        h.error = err ? TAKE_PTR(err) : strdup("certificate not found in " GW_SITE_PATH);
        }
        *ret = h;
        return 0;
}
