/* SPDX-License-Identifier: MIT */
/*
 * The nginx configuration, rendered from validated options only (options.c
 * keeps every value free of nginx syntax). Each directive is nginx's own
 * (https://nginx.org/en/docs/dirindex.html: ngx_http_proxy_module,
 * ngx_http_limit_req_module, ngx_http_limit_conn_module,
 * ngx_http_realip_module, ngx_http_ssl_module); why each is set is said
 * beside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "internal.h"

/* RFC 7919 ffdhe2048, the group Mozilla's intermediate profile names for its
 * DHE-RSA suites (`openssl genpkey -genparam -algorithm DH -pkeyopt
 * group:ffdhe2048`; `openssl pkeyparam -text` prints "GROUP: ffdhe2048"). */
static const char ffdhe2048_pem[] =
        "-----BEGIN DH PARAMETERS-----\n"
        "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
        "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
        "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
        "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
        "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
        "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
        "-----END DH PARAMETERS-----\n";

/* Mozilla Server Side TLS 5.7, "intermediate", for nginx 1.22 and OpenSSL 3
 * (ssl-config.mozilla.org): TLS 1.2 suites; TLS 1.3 suites are OpenSSL's. */
static const char mozilla_intermediate_ciphers[] =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

void gw_desired_set_done(struct gw_desired_set *s) {
        for (unsigned i = 0; i < s->n; i++)
                free(s->files[i].content);
        s->n = 0;
}

void gw_cert_paths(const struct gateway_options *o, char cert[GATEWAY_PATH_MAX], char key[GATEWAY_PATH_MAX]) {
        if (o->tls == GATEWAY_TLS_CERT) {
                snprintf(cert, GATEWAY_PATH_MAX, "%s", o->cert_file);
                snprintf(key, GATEWAY_PATH_MAX, "%s", o->key_file);
                return;
        }
        snprintf(cert, GATEWAY_PATH_MAX, GW_LE_LIVE "/%s/fullchain.pem", o->domain);
        snprintf(key, GATEWAY_PATH_MAX, GW_LE_LIVE "/%s/privkey.pem", o->domain);
}

/* nginx sizes: the largest exact unit. */
static void size_str(uint64_t v, char ret[32]) {
        if (v % (1u << 30) == 0)
                snprintf(ret, 32, "%" PRIu64 "g", v >> 30);
        else if (v % (1u << 20) == 0)
                snprintf(ret, 32, "%" PRIu64 "m", v >> 20);
        else if (v % 1024 == 0)
                snprintf(ret, 32, "%" PRIu64 "k", v >> 10);
        else
                snprintf(ret, 32, "%" PRIu64, v);
}

static void render_zones(FILE *f, const struct gateway_options *o) {
        fprintf(f, "%s\n"
                "# http-level zones and the upstream of the OpenFaaS gateway (nodeprep gateway).\n"
                "limit_req_zone $binary_remote_addr zone=nodeprep_fn:10m rate=%ur/%c;\n"
                "limit_conn_zone $binary_remote_addr zone=nodeprep_addr:10m;\n"
                "upstream nodeprep_openfaas {\n"
                "    server %s;\n"
                "    keepalive 32;\n"
                "}\n",
                GW_MARKER, o->rate, o->rate_unit, o->upstream);
}

/* Proxying, repeated per location: a location that sets any
 * proxy_set_header inherits none from the server (ngx_http_proxy_module). */
static void render_proxy(FILE *f, const struct gateway_options *o, bool async) {
        struct gateway_timeouts t;

        gateway_timeouts_from(o->function_timeout, &t);
        fprintf(f,
                "        proxy_pass http://nodeprep_openfaas;\n"
                "        proxy_http_version 1.1;\n"
                "        proxy_set_header Connection \"\";\n"
                "        proxy_set_header Host $host;\n"
                "        proxy_set_header X-Real-IP $remote_addr;\n"
                "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
                "        proxy_set_header X-Forwarded-Proto $scheme;\n");
        if (async)
                /* The queue-worker POSTs the result to X-Callback-Url: from
                 * the internet that is a request to any URL (SSRF). */
                fprintf(f, "        proxy_set_header X-Callback-Url \"\";\n");
        fprintf(f,
                "        proxy_connect_timeout 5s;\n"
                "        # T=%us: gateway upstream_timeout %us < read/write_timeout %us < nginx %us\n"
                "        proxy_send_timeout %us;\n"
                "        proxy_read_timeout %us;\n",
                o->function_timeout, t.upstream, t.read_write, t.nginx, t.nginx, t.nginx);
}

static void render_allow(FILE *f, const struct gateway_options *o) {
        for (unsigned i = 0; i < o->n_allow_system; i++)
                fprintf(f, "        allow %s;\n", o->allow_system[i]);
        fprintf(f, "        deny all;\n");
}

static void render_locations(FILE *f, const struct gateway_options *o) {
        static const char *const system_paths[] = { "/system/", "/ui/" };

        fprintf(f, "    location = /healthz {\n");
        render_proxy(f, o, false);
        fprintf(f, "    }\n    location /function/ {\n");
        render_proxy(f, o, false);
        /* NATS Streaming's 1 MB message limit (faas#1794). */
        fprintf(f, "    }\n    location /async-function/ {\n        client_max_body_size 1m;\n");
        render_proxy(f, o, true);
        fprintf(f, "    }\n");
        for (size_t i = 0; i < ELEMENTSOF(system_paths); i++) {
                /* Basic auth alone guards these (gateway/main.go
                 * DecorateWithBasicAuth): an allow-list in front. */
                fprintf(f, "    location %s {\n", system_paths[i]);
                render_allow(f, o);
                render_proxy(f, o, false);
                fprintf(f, "    }\n");
        }
        fprintf(f, "    location / {\n        return 404;\n    }\n");
}

static void render_server_common(FILE *f, const struct gateway_options *o) {
        char body[32];

        size_str(o->max_body, body);
        fprintf(f, "    server_name %s;\n    server_tokens off;\n", o->domain);
        if (o->n_trusted_proxy > 0) {
                for (unsigned i = 0; i < o->n_trusted_proxy; i++)
                        fprintf(f, "    set_real_ip_from %s;\n", o->trusted_proxy[i]);
                fprintf(f, "    real_ip_header X-Forwarded-For;\n    real_ip_recursive on;\n");
        }
        fprintf(f,
                "    # X-Served-By carries the gateway's edition and version (gateway/handlers/callid_middleware.go).\n"
                "    proxy_hide_header X-Served-By;\n"
                "    client_max_body_size %s;\n"
                "    client_body_buffer_size 128k;\n"
                "    limit_req zone=nodeprep_fn burst=%u nodelay;\n"
                "    limit_req_status 429;\n"
                "    limit_conn nodeprep_addr %u;\n"
                "    limit_conn_status 429;\n",
                body, o->burst, (unsigned) GW_CONN_PER_ADDR);
}

static void render_port80(FILE *f, const struct gateway_options *o) {
        fprintf(f, "server {\n    listen 80;\n    listen [::]:80;\n");
        render_server_common(f, o);
        if (o->tls == GATEWAY_TLS_NONE) {
                render_locations(f, o);
                fprintf(f, "}\n");
                return;
        }
        if (o->tls == GATEWAY_TLS_ACME)
                fprintf(f, "    location ^~ /.well-known/acme-challenge/ {\n"
                        "        root " GW_WEBROOT ";\n"
                        "        default_type text/plain;\n"
                        "    }\n");
        fprintf(f, "    location / {\n        return 301 https://$host$request_uri;\n    }\n}\n");
}

static void render_port443(FILE *f, const struct gateway_options *o) {
        char cert[GATEWAY_PATH_MAX], key[GATEWAY_PATH_MAX];

        gw_cert_paths(o, cert, key);
        fprintf(f,
                "server {\n"
                "    # nginx 1.22: http2 is a listen parameter (the http2 directive is 1.25.1+).\n"
                "    listen 443 ssl http2;\n"
                "    listen [::]:443 ssl http2;\n"
                "    ssl_certificate %s;\n"
                "    ssl_certificate_key %s;\n"
                "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                "    ssl_ecdh_curve X25519:prime256v1:secp384r1;\n"
                "    ssl_ciphers %s;\n"
                "    ssl_prefer_server_ciphers off;\n"
                "    ssl_dhparam " GW_DHPARAM_PATH ";\n"
                "    ssl_session_timeout 1d;\n"
                "    ssl_session_cache shared:nodeprep_tls:10m;\n"
                "    ssl_session_tickets off;\n"
                "    # Let's Encrypt ended OCSP (2025): no stapling.\n"
                "    ssl_stapling off;\n"
                "    add_header Strict-Transport-Security \"max-age=63072000\" always;\n",
                cert, key, mozilla_intermediate_ciphers);
        render_server_common(f, o);
        render_locations(f, o);
        fprintf(f, "}\n");
}

static void render_site(FILE *f, const struct gateway_options *o, int phase) {
        fprintf(f, "%s\n# The public gateway for %s (phase %d of 2).\n", GW_MARKER, o->domain, phase);
        render_port80(f, o);
        if (phase >= 2 && o->tls != GATEWAY_TLS_NONE)
                render_port443(f, o);
}

/* certbot runs every executable in renewal-hooks/deploy after an issuance or
 * renewal, with RENEWED_LINEAGE set (certbot docs, "Renewing certificates").
 * Reload only when the configuration still passes. */
static void render_hook(FILE *f, const struct gateway_options *o) {
        fprintf(f, "#!/bin/sh\n%s\n"
                "case \"$RENEWED_LINEAGE\" in\n"
                "*/live/%s) ;;\n"
                "*) exit 0 ;;\n"
                "esac\n"
                GW_NGINX_BIN " -t -q || exit 1\n"
                "exec systemctl reload nginx.service\n",
                GW_MARKER, o->domain);
}

typedef void (*render_fn)(FILE *f, const struct gateway_options *o);

static int add(struct gw_desired_set *s, const char *path, enum gateway_file_kind kind, mode_t mode,
               const char *literal, render_fn fn, const struct gateway_options *o, int phase) {
        struct gw_desired *d = &s->files[s->n];
        char *buf = NULL;
        size_t size = 0;

        if (s->n >= GW_FILES_MAX)
                return -E2BIG;
        *d = (struct gw_desired) { .kind = kind, .mode = mode };
        snprintf(d->path, sizeof(d->path), "%s", path);
        if (kind != GATEWAY_DIR) {
                FILE *f = open_memstream(&buf, &size);

                if (!f)
                        return -ENOMEM;
                if (literal)
                        fputs(literal, f);
                else if (fn)
                        fn(f, o);
                else
                        render_site(f, o, phase);
                if (fclose(f) != 0) {
                        free(buf);
                        return -ENOMEM;
                }
                d->content = buf;
        }
        s->n++;
        return 0;
}

int gw_render(const struct gateway_options *o, int phase, struct gw_desired_set *ret) {
        struct gw_desired_set s = {};
        bool acme = o->tls == GATEWAY_TLS_ACME, tls = o->tls != GATEWAY_TLS_NONE;
        int r = 0;

        if (!acme)
                phase = 2;
        r = add(&s, GW_ZONES_PATH, GATEWAY_FILE, 0644, NULL, render_zones, o, phase);
        if (r >= 0 && tls)
                r = add(&s, GW_DHPARAM_PATH, GATEWAY_FILE, 0644, GW_MARKER "\n", NULL, o, phase);
        if (r >= 0)
                r = add(&s, GW_SITE_PATH, GATEWAY_FILE, 0644, NULL, NULL, o, phase);
        if (r >= 0)
                r = add(&s, GW_SITE_LINK, GATEWAY_LINK, 0777, GW_SITE_PATH, NULL, o, phase);
        if (r >= 0 && acme)
                r = add(&s, GW_WEBROOT, GATEWAY_DIR, 0755, NULL, NULL, o, phase);
        if (r >= 0 && acme)
                r = add(&s, GW_HOOK_PATH, GATEWAY_FILE, 0755, NULL, render_hook, o, phase);
        if (r < 0) {
                gw_desired_set_done(&s);
                return r;
        }
        /* The dhparam file: marker line, then the PEM (PEM readers skip
         * text before "-----BEGIN"). */
        for (unsigned i = 0; i < s.n; i++)
                if (streq(s.files[i].path, GW_DHPARAM_PATH)) {
                        char *c = NULL;

                        if (asprintf(&c, "%s\n%s", GW_MARKER, ffdhe2048_pem) < 0) {
                                gw_desired_set_done(&s);
                                return -ENOMEM;
                        }
                        free(s.files[i].content);
                        s.files[i].content = c;
                }
        *ret = s;
        return 0;
}
