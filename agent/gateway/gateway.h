/* SPDX-License-Identifier: MIT */
/*
 * The public gateway: nginx in front of the OpenFaaS gateway, with TLS from
 * certbot (webroot), rate and connection limits, body limits, and proxy
 * timeouts derived from the one function timeout T so that nginx always
 * waits longer than the gateway (../shared/reference/openfaas-gateway.md §4,
 * §5). Typed results only; cmd/gateway-cli.c turns them into JSON or text.
 *
 * Every file carries a marker line, is written atomically, and is recorded
 * with its sha256 in /var/lib/nodeprep/gateway.json; a file without the
 * marker is never replaced, and remove takes away only what still has the
 * recorded hash.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

enum gateway_tls {
        GATEWAY_TLS_ACME,       /* certbot certonly --webroot, two phases */
        GATEWAY_TLS_NONE,       /* port 80 proxies (behind a TLS-terminating balancer) */
        GATEWAY_TLS_CERT,       /* an operator's certificate and key */
};

#define GATEWAY_DOMAIN_MAX 253
#define GATEWAY_CIDR_MAX 16     /* --allow-system / --trusted-proxy entries each */
#define GATEWAY_PATH_MAX 1024
#define GATEWAY_UPSTREAM_MAX 300        /* "[IPv6]:PORT" or a 253-byte host name and a port */

struct gateway_options {
        char domain[GATEWAY_DOMAIN_MAX + 1];    /* lower case, validated */
        char email[321];                        /* empty: register without email */
        enum gateway_tls tls;
        char cert_file[GATEWAY_PATH_MAX], key_file[GATEWAY_PATH_MAX];  /* --tls cert: */
        char acme_server[2049];                 /* empty: certbot's default */
        char acme_ca_file[GATEWAY_PATH_MAX];
        char upstream[GATEWAY_UPSTREAM_MAX];    /* HOST:PORT, as nginx reads it */
        bool upstream_given;                    /* --upstream: the OpenFaaS record is not consulted */
        unsigned rate;                          /* requests per rate_unit */
        char rate_unit;                         /* 's' or 'm' */
        unsigned burst;
        uint64_t max_body;                      /* bytes */
        unsigned function_timeout;              /* T, seconds */
        char *allow_system[GATEWAY_CIDR_MAX + 1];   /* canonical CIDRs, NULL-terminated */
        char *trusted_proxy[GATEWAY_CIDR_MAX + 1];
        unsigned n_allow_system, n_trusted_proxy;
};

void gateway_options_init(struct gateway_options *o);
void gateway_options_done(struct gateway_options *o);

/* Option setters: each validates a hostile string (it ends up in nginx
 * configuration or on certbot's command line) and returns -EINVAL with a
 * message naming the option. */
int gateway_set_domain(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_email(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_tls(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_acme_server(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_acme_ca_file(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_upstream(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_rate(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_burst(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_max_body(struct gateway_options *o, const char *s, char **ret_error);
int gateway_set_function_timeout(struct gateway_options *o, const char *s, char **ret_error);
int gateway_add_allow_system(struct gateway_options *o, const char *s, char **ret_error);
int gateway_add_trusted_proxy(struct gateway_options *o, const char *s, char **ret_error);
/* After all setters: cross-option rules (domain given, loopback default for
 * --allow-system, --acme-* only with --tls acme). */
int gateway_options_finish(struct gateway_options *o, char **ret_error);

/* Pure validators, exported for the fuzz target and unit tests. */
bool gateway_domain_valid(const char *s);
int gateway_cidr_canonical(const char *s, char ret[64]);
int gateway_parse_size(const char *s, uint64_t *ret);
int gateway_parse_duration(const char *s, unsigned *ret_sec);
bool gateway_path_safe(const char *s);

/* The timeout layers derived from T (the function timeout). */
struct gateway_timeouts {
        unsigned upstream;      /* gateway upstream_timeout = T */
        unsigned read_write;    /* gateway read_timeout/write_timeout = T + 5 s */
        unsigned nginx;         /* nginx proxy_read/send_timeout = read_write + 10 s */
};
void gateway_timeouts_from(unsigned function_timeout, struct gateway_timeouts *ret);

enum gateway_file_kind { GATEWAY_FILE, GATEWAY_LINK, GATEWAY_DIR };

enum gateway_action {
        GATEWAY_KEEP,           /* already as desired */
        GATEWAY_CREATE,
        GATEWAY_UPDATE,
        GATEWAY_REMOVE,
        GATEWAY_CONFLICT,       /* exists, not ours: never replaced */
        GATEWAY_MODIFIED,       /* ours, changed since apply: kept by remove, drift for verify */
};
const char *gateway_action_to_string(enum gateway_action a);

struct gateway_file_change {
        char *path;
        enum gateway_file_kind kind;
        enum gateway_action action;
        char *before, *after;   /* content (link target for links); NULL: absent */
        char before_sha[65], after_sha[65];
};

struct gateway_step {
        char name[32];
        char status[16];        /* ok, changed, skipped, failed */
        char *detail;
};

struct gateway_result {
        bool changed;
        int phase;                      /* 1: port 80 only, 2: the 443 server */
        struct gateway_file_change *files;
        unsigned n_files;
        struct gateway_step *steps;
        unsigned n_steps;
        struct gateway_timeouts timeouts;
        char upstream[GATEWAY_UPSTREAM_MAX];    /* what nginx proxies to, and where that came from */
        const char *upstream_from;      /* "--upstream", OpenFaaS's gateway.json or "default" */
        int64_t cert_not_after;         /* unix time; 0 unknown */
        int cert_days_left;
        char cert_serial[80];
        bool drift;                     /* verify: something does not hold */
        char *nginx_message;            /* nginx -t output on failure */
        char *hint;                     /* e.g. the apt-get command */
        char *error;
};

void gateway_result_init(struct gateway_result *r);
void gateway_result_done(struct gateway_result *r);
int gateway_result_step(struct gateway_result *r, const char *name, const char *status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* The commands. Each returns 0 or -errno with r->error set:
 *   -EINVAL invalid input, -EPERM not permitted here (r->hint says why),
 *   -EEXIST a file that is not ours is in the way, others: failed. */
int gateway_plan(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r);
int gateway_apply(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r);
int gateway_verify(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r);
int gateway_remove(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r);

/* For serve: nginx active, certificate days left (from the state file; no
 * options needed). -ENOENT when no gateway is installed. */
struct gateway_health {
        bool nginx_active;
        char nginx_state[32];
        char domain[GATEWAY_DOMAIN_MAX + 1];
        bool tls;
        int64_t cert_not_after;
        int cert_days_left;
        char *error;
};
int gateway_health_read(const struct sysroot *sr, struct gateway_health *ret);
void gateway_health_done(struct gateway_health *h);
