/* SPDX-License-Identifier: MIT */
/* Inside the gateway domain: paths, the desired file set, the state file,
 * and the processes (nginx -t, certbot) it runs. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "gateway.h"

#define GW_MARKER "# nodeprep-gateway: managed file; \"nodeprep gateway remove\" takes it away"
#define GW_ZONES_PATH "/etc/nginx/conf.d/nodeprep-ratelimit.conf"
#define GW_SITE_PATH "/etc/nginx/sites-available/nodeprep-gateway.conf"
#define GW_SITE_LINK "/etc/nginx/sites-enabled/nodeprep-gateway.conf"
#define GW_DHPARAM_PATH "/etc/nginx/nodeprep-ffdhe2048.pem"
#define GW_WEBROOT "/var/lib/nodeprep/acme"
#define GW_HOOK_PATH "/etc/letsencrypt/renewal-hooks/deploy/50-nodeprep-nginx"
#define GW_STATE_PATH "/var/lib/nodeprep/gateway.json"
#define GW_LE_LIVE "/etc/letsencrypt/live"
#define GW_NGINX_BIN "/usr/sbin/nginx"
#define GW_CERTBOT_BIN "/usr/bin/certbot"
#define GW_FILE_MAX (256 * 1024)        /* cap on any file we read back */
#define GW_FILES_MAX 8

/* Connections per client address (limit_conn): generous for browsers and
 * HTTP/2 multiplexing, small enough that one address cannot hold the
 * gateway's connection pool. */
#define GW_CONN_PER_ADDR 32

struct gw_desired {
        char path[GATEWAY_PATH_MAX];
        enum gateway_file_kind kind;
        mode_t mode;
        char *content;          /* file content, or link target; NULL for a dir */
};

struct gw_desired_set {
        struct gw_desired files[GW_FILES_MAX];
        unsigned n;
};

void gw_desired_set_done(struct gw_desired_set *s);

/* The files for phase 1 (port 80: webroot + redirect) or 2 (plus :443).
 * TLS none and cert: are always phase 2 (no ACME, no webroot, no hook). */
int gw_render(const struct gateway_options *o, int phase, struct gw_desired_set *ret);

/* Where certbot puts the lineage (certonly --cert-name DOMAIN). */
void gw_cert_paths(const struct gateway_options *o, char cert[GATEWAY_PATH_MAX], char key[GATEWAY_PATH_MAX]);

/* The state file: what apply wrote (paths from the fixed set above, with
 * sha256 of content or link target). Read as hostile input: unknown paths,
 * bad hashes, oversized or malformed JSON are -EBADMSG with a message. */
struct gw_state_entry {
        char path[GATEWAY_PATH_MAX];
        enum gateway_file_kind kind;
        char sha[65];
};
struct gw_state {
        char domain[GATEWAY_DOMAIN_MAX + 1];
        int phase;
        unsigned function_timeout;
        bool tls;
        struct gw_state_entry files[GW_FILES_MAX];
        unsigned n;
};
int gw_state_parse(const char *text, size_t size, struct gw_state *ret, char **ret_error);
/* -ENOENT when absent. */
int gw_state_load(const struct sysroot *sr, struct gw_state *ret, char **ret_error);
int gw_state_save(const struct sysroot *sr, const struct gw_state *s);
bool gw_path_known(const char *path, enum gateway_file_kind *ret_kind);

/* What is at a path now: content (or link target), whether it carries our
 * marker (links: whether they point at our site file; dirs: always), sha. */
struct gw_current {
        bool exists;
        enum gateway_file_kind kind;
        char *content;
        bool ours;
        char sha[65];
};
int gw_current_read(const struct sysroot *sr, const char *path, struct gw_current *ret);
void gw_current_done(struct gw_current *c);
int gw_sha256_str(const char *s, char ret[65]);

/* Put one desired entry in place (atomic for files). */
int gw_put(const struct sysroot *sr, const struct gw_desired *d);
/* Put back what gw_current_read() saw (or remove what was absent). */
int gw_restore(const struct sysroot *sr, const char *path, const struct gw_current *was);
/* Remove an entry (dirs: only when nothing but empty directories is inside). */
int gw_remove_entry(const struct sysroot *sr, const char *path, enum gateway_file_kind kind);

/* Run argv with a deadline; stdout+stderr captured (capped). ret_status is
 * the exit status, or -1 when killed at the deadline. */
int gw_spawn(char * const *argv, char * const *extra_env, unsigned timeout_sec, int *ret_status, char **ret_output);

/* nginx -t; 0 when it passes, -EBADMSG with nginx's message otherwise. */
int gw_nginx_test(char **ret_message);
/* ReloadOrRestartUnit nginx.service over sd-bus, waited for. */
int gw_nginx_reload(const struct sysroot *sr, char **ret_error);
bool gw_unit_active(const char *unit, char state[32]);
bool gw_unit_enabled(const char *unit);

/* Certificate facts: notAfter, serial (hex), and whether the certificate
 * names the domain (SAN dNSName). */
struct gw_cert_info {
        int64_t not_after;
        char serial[80];
        bool names_domain;
};
int gw_cert_read(const struct sysroot *sr, const char *path, const char *domain, struct gw_cert_info *ret,
                 char **ret_error);

/* The upstream nginx proxies to: --upstream when given, else the address
 * `nodeprep openfaas install` recorded (the gateway's ClusterIP), else
 * 127.0.0.1:8080. *ret is a shallow copy of *o with that upstream (it shares
 * o's lists: never gateway_options_done() it); *ret_from says which. */
int gw_options_resolve(const struct sysroot *sr, const struct gateway_options *o, struct gateway_options *ret,
                       const char **ret_from, char **ret_error);
/* OpenFaaS's gateway.json, hostile: {"upstream":"ADDR:PORT",...}; the address
 * in the canonical form --upstream would give. -EBADMSG with a message. */
int gw_openfaas_upstream_parse(const char *text, size_t size, char ret[GATEWAY_UPSTREAM_MAX], char **ret_error);
