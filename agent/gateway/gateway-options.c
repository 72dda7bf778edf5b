/* SPDX-License-Identifier: MIT */
/*
 * Option values are hostile: they end up inside nginx configuration (where a
 * ';', '{', quote or newline would inject directives) or on certbot's
 * command line. Each value is parsed into a canonical form and only that
 * form is ever rendered, so what reaches a file is made of characters this
 * file produced.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "gateway.h"

void gateway_options_init(struct gateway_options *o) {
        *o = (struct gateway_options) {
                .tls = GATEWAY_TLS_ACME,
                .rate = 10, .rate_unit = 's',
                .burst = 20,
                .max_body = 50ull << 20,        /* the usual guide's client_max_body_size 50M */
                .function_timeout = 60,         /* the chart's gateway.upstreamTimeout 1m */
        };
        strcpy(o->upstream, "127.0.0.1:8080");
}

static void strv_clear(char **l, unsigned *n) {
        for (unsigned i = 0; i < *n; i++) {
                free(l[i]);
                l[i] = NULL;
        }
        *n = 0;
}

void gateway_options_done(struct gateway_options *o) {
        strv_clear(o->allow_system, &o->n_allow_system);
        strv_clear(o->trusted_proxy, &o->n_trusted_proxy);
}

/* RFC 1123 host names: labels of letters, digits and '-', 1..63 long, not
 * starting or ending with '-'; at least two labels; a last label that is
 * not all digits (so an IPv4 address is not a domain). */
bool gateway_domain_valid(const char *s) {
        size_t len = strlen(s), label = 0, labels = 1;
        bool last_all_digits = true;

        if (len == 0 || len > GATEWAY_DOMAIN_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];

                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        labels++;
                        last_all_digits = true;
                        continue;
                }
                if (!(isascii(c) && (isalnum(c) || c == '-')))
                        return false;
                if (c == '-' && label == 0)
                        return false;
                if (!isdigit(c))
                        last_all_digits = false;
                if (++label > 63)
                        return false;
        }
        return label > 0 && s[len - 1] != '-' && labels >= 2 && !last_all_digits;
}

/* Paths rendered into nginx configuration or passed to certbot: absolute,
 * printable, and none of the characters nginx treats as syntax. */
bool gateway_path_safe(const char *s) {
        size_t len = strlen(s);

        if (len < 2 || len >= GATEWAY_PATH_MAX || s[0] != '/')
                return false;
        for (const char *p = s; *p; p++)
                if (!isascii(*p) || !isgraph(*p) || strchr(";{}\"'\\$#`", *p))
                        return false;
        return !strstr(s, "/../") && !string_has_prefix(s + len - (len >= 3 ? 3 : len), "/..");
}

/* ADDR or ADDR/PREFIX, IPv4 or IPv6, printed back by inet_ntop with the
 * host bits cleared check: "10.0.0.1/8" is refused (it means something else
 * than it says). */
int gateway_cidr_canonical(const char *s, char ret[64]) {
        char addr[INET6_ADDRSTRLEN + 1], out[INET6_ADDRSTRLEN];
        unsigned char bin[16];
        const char *slash = strchr(s, '/');
        size_t alen = slash ? (size_t) (slash - s) : strlen(s);
        int family, maxbits;
        uint64_t prefix;

        if (alen == 0 || alen >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, alen);
        addr[alen] = 0;
        if (inet_pton(AF_INET, addr, bin) == 1)
                family = AF_INET, maxbits = 32;
        else if (inet_pton(AF_INET6, addr, bin) == 1)
                family = AF_INET6, maxbits = 128;
        else
                return -EINVAL;
        prefix = (uint64_t) maxbits;
        if (slash && (safe_atou64(slash + 1, &prefix) < 0 || prefix > (uint64_t) maxbits || slash[1] == '+'))
                return -EINVAL;
        for (int bit = (int) prefix; bit < maxbits; bit++)
                if (bin[bit / 8] & (0x80 >> (bit % 8)))
                        return -EINVAL;
        if (!inet_ntop(family, bin, out, sizeof(out)))
                return -EINVAL;
        snprintf(ret, 64, "%s/%u", out, (unsigned) prefix);
        return 0;
}

/* nginx's size syntax: N, Nk, Nm, Ng (either case). */
int gateway_parse_size(const char *s, uint64_t *ret) {
        char digits[24];
        size_t len = strlen(s);
        uint64_t v, mult = 1;

        if (len == 0 || len >= sizeof(digits))
                return -EINVAL;
        memcpy(digits, s, len + 1);
        switch (digits[len - 1]) {
        case 'k': case 'K': mult = 1ull << 10; digits[--len] = 0; break;
        case 'm': case 'M': mult = 1ull << 20; digits[--len] = 0; break;
        case 'g': case 'G': mult = 1ull << 30; digits[--len] = 0; break;
        }
        if (len == 0 || !isdigit(digits[0]) || safe_atou64(digits, &v) < 0)
                return -EINVAL;
        if (v > (64ull << 30) / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

/* The gateway reads its timeouts with parseIntOrDurationValue()
 * (openfaas/faas gateway/types/readconfig.go): a bare integer is seconds,
 * anything else Go's time.ParseDuration. We accept the integer form and
 * h/m/s sequences ("65", "1m5s", "1m05s", "2h"); sub-second units are not
 * meaningful for nginx's second-granular proxy timeouts. */
int gateway_parse_duration(const char *s, unsigned *ret_sec) {
        uint64_t total = 0, v;
        const char *p = s;

        if (!*s || strlen(s) > 32)
                return -EINVAL;
        if (safe_atou64(s, &v) == 0 && isdigit(s[0]))
                total = v;
        else
                while (*p) {
                        char num[16];
                        size_t n = 0;

                        while (n < sizeof(num) - 1 && isdigit((unsigned char) p[n]))
                                n++;
                        if (n == 0 || n >= sizeof(num) - 1)
                                return -EINVAL;
                        memcpy(num, p, n);
                        num[n] = 0;
                        if (safe_atou64(num, &v) < 0)
                                return -EINVAL;
                        switch (p[n]) {
                        case 'h': v *= 3600; break;
                        case 'm': v *= 60; break;
                        case 's': break;
                        default: return -EINVAL;
                        }
                        total += v;
                        if (total > 86400)
                                return -ERANGE;
                        p += n + 1;
                }
        if (total == 0 || total > 86400)
                return -ERANGE;
        *ret_sec = (unsigned) total;
        return 0;
}

static int copy_checked(char *dst, size_t size, const char *s) {
        if (strlen(s) >= size)
                return -E2BIG;
        strcpy(dst, s);
        return 0;
}

int gateway_set_domain(struct gateway_options *o, const char *s, char **ret_error) {
        char lower[GATEWAY_DOMAIN_MAX + 1];
        size_t len = strlen(s);

        if (len > GATEWAY_DOMAIN_MAX)
                return error_msg(ret_error, -EINVAL, "--domain: longer than %d characters", GATEWAY_DOMAIN_MAX);
        for (size_t i = 0; i <= len; i++)
                lower[i] = (char) tolower((unsigned char) s[i]);
        if (!gateway_domain_valid(lower))
                return error_msg(ret_error, -EINVAL,
                                 "--domain '%.80s': not a host name (letters, digits, '-' in dot-separated labels)", s);
        strcpy(o->domain, lower);
        return 0;
}

int gateway_set_email(struct gateway_options *o, const char *s, char **ret_error) {
        const char *at = strrchr(s, '@');
        char domain[GATEWAY_DOMAIN_MAX + 1];

        if (!at || at == s || (size_t) (at - s) > 64 || strlen(at + 1) > GATEWAY_DOMAIN_MAX)
                return error_msg(ret_error, -EINVAL, "--email '%.80s': not an address (local@domain)", s);
        for (const char *p = s; p < at; p++)
                if (!isascii(*p) || !(isalnum(*p) || strchr(".+-_%", *p)))
                        return error_msg(ret_error, -EINVAL, "--email '%.80s': unexpected character in the local part", s);
        strcpy(domain, at + 1);
        for (char *p = domain; *p; p++)
                *p = (char) tolower((unsigned char) *p);
        if (!gateway_domain_valid(domain))
                return error_msg(ret_error, -EINVAL, "--email '%.80s': not a valid domain after '@'", s);
        return copy_checked(o->email, sizeof(o->email), s);
}

static int set_path(char *dst, const char *opt, const char *s, char **ret_error) {
        if (!gateway_path_safe(s))
                return error_msg(ret_error, -EINVAL,
                                 "%s '%.80s': needs an absolute path without blanks, quotes, ';', '{', '}', '$', '#' or '..'",
                                 opt, s);
        strcpy(dst, s);
        return 0;
}

int gateway_set_tls(struct gateway_options *o, const char *s, char **ret_error) {
        const char *comma;
        char cert[GATEWAY_PATH_MAX];

        if (streq(s, "acme")) {
                o->tls = GATEWAY_TLS_ACME;
                return 0;
        }
        if (streq(s, "none")) {
                o->tls = GATEWAY_TLS_NONE;
                return 0;
        }
        if (!string_has_prefix(s, "cert:") || !(comma = strchr(s + 5, ',')) || (size_t) (comma - s - 5) >= sizeof(cert))
                return error_msg(ret_error, -EINVAL, "--tls '%.80s': acme, none or cert:CERT,KEY", s);
        memcpy(cert, s + 5, (size_t) (comma - s - 5));
        cert[comma - s - 5] = 0;
        if (set_path(o->cert_file, "--tls cert:", cert, ret_error) < 0 ||
            set_path(o->key_file, "--tls cert:...,", comma + 1, ret_error) < 0)
                return -EINVAL;
        o->tls = GATEWAY_TLS_CERT;
        return 0;
}

/* certbot --server: an https URL (a private ACME server such as pebble), no
 * blanks or control characters; it is an argv entry, never a shell word. */
int gateway_set_acme_server(struct gateway_options *o, const char *s, char **ret_error) {
        const char *host = s + 8;

        if (!string_has_prefix(s, "https://") || strlen(s) >= sizeof(o->acme_server) || !*host || *host == '/')
                return error_msg(ret_error, -EINVAL, "--acme-server '%.80s': needs an https:// URL", s);
        for (const char *p = s; *p; p++)
                if (!isascii(*p) || !isgraph(*p) || strchr("\"'\\`<>{}|^", *p))
                        return error_msg(ret_error, -EINVAL, "--acme-server: unexpected character at offset %zu",
                                         (size_t) (p - s));
        strcpy(o->acme_server, s);
        return 0;
}

int gateway_set_acme_ca_file(struct gateway_options *o, const char *s, char **ret_error) {
        return set_path(o->acme_ca_file, "--acme-ca-file", s, ret_error);
}

/* HOST:PORT with HOST an IPv4 address, [IPv6] or a host name ("localhost"
 * too): what nginx's upstream `server` takes. */
int gateway_set_upstream(struct gateway_options *o, const char *s, char **ret_error) {
        const char *colon = strrchr(s, ':');
        char host[GATEWAY_DOMAIN_MAX + 3], ip[64];
        uint64_t port;
        size_t hlen;

        if (!colon || safe_atou64(colon + 1, &port) < 0 || port == 0 || port > 65535 || !isdigit(colon[1]))
                goto bad;
        hlen = (size_t) (colon - s);
        if (hlen == 0 || hlen >= sizeof(host))
                goto bad;
        memcpy(host, s, hlen);
        host[hlen] = 0;
        if (host[0] == '[') {
                if (hlen < 3 || host[hlen - 1] != ']')
                        goto bad;
                host[hlen - 1] = 0;
                if (gateway_cidr_canonical(host + 1, ip) < 0 || !strchr(host + 1, ':') || !string_has_prefix(ip, host + 1))
                        goto bad;
                host[hlen - 1] = ']';
        } else if (gateway_cidr_canonical(host, ip) < 0) {
                if (strchr(host, ':') || (!gateway_domain_valid(host) && !streq(host, "localhost")))
                        goto bad;
        } else if (strchr(host, ':'))
                goto bad;       /* IPv6 needs brackets */
        snprintf(o->upstream, sizeof(o->upstream), "%s:%u", host, (unsigned) port);
        o->upstream_given = true;
        return 0;
bad:
        return error_msg(ret_error, -EINVAL, "--upstream '%.80s': needs ADDR:PORT (IPv4, [IPv6] or a host name)", s);
}

/* N/s or N/m, nginx's limit_req_zone rate (r/s, r/m). */
int gateway_set_rate(struct gateway_options *o, const char *s, char **ret_error) {
        char num[16];
        const char *slash = strchr(s, '/');
        uint64_t v;

        if (!slash || (size_t) (slash - s) >= sizeof(num) || !(streq(slash, "/s") || streq(slash, "/m")))
                goto bad;
        memcpy(num, s, (size_t) (slash - s));
        num[slash - s] = 0;
        if (!isdigit(num[0]) || safe_atou64(num, &v) < 0 || v == 0 || v > 100000)
                goto bad;
        o->rate = (unsigned) v;
        o->rate_unit = slash[1];
        return 0;
bad:
        return error_msg(ret_error, -EINVAL, "--rate '%.80s': needs N/s or N/m with N from 1 to 100000", s);
}

int gateway_set_burst(struct gateway_options *o, const char *s, char **ret_error) {
        uint64_t v;

        if (!isdigit(s[0]) || safe_atou64(s, &v) < 0 || v > 100000)
                return error_msg(ret_error, -EINVAL, "--burst '%.80s': needs a number from 0 to 100000", s);
        o->burst = (unsigned) v;
        return 0;
}

int gateway_set_max_body(struct gateway_options *o, const char *s, char **ret_error) {
        uint64_t v;

        if (gateway_parse_size(s, &v) < 0 || v < 1024)
                return error_msg(ret_error, -EINVAL, "--max-body '%.80s': needs a size from 1k to 64g (N, Nk, Nm, Ng)", s);
        o->max_body = v;
        return 0;
}

int gateway_set_function_timeout(struct gateway_options *o, const char *s, char **ret_error) {
        unsigned t;

        if (gateway_parse_duration(s, &t) < 0)
                return error_msg(ret_error, -EINVAL,
                                 "--function-timeout '%.80s': needs seconds or a duration like 1m30s, from 1s to 24h", s);
        o->function_timeout = t;
        return 0;
}

static int add_cidr(char **l, unsigned *n, const char *opt, const char *s, char **ret_error) {
        char canon[64];

        if (*n >= GATEWAY_CIDR_MAX)
                return error_msg(ret_error, -E2BIG, "%s: at most %d entries", opt, GATEWAY_CIDR_MAX);
        if (gateway_cidr_canonical(s, canon) < 0)
                return error_msg(ret_error, -EINVAL, "%s '%.80s': needs ADDR or ADDR/PREFIX with no host bits set", opt, s);
        for (unsigned i = 0; i < *n; i++)
                if (streq(l[i], canon))
                        return 0;
        l[*n] = strdup(canon);
        if (!l[*n])
                return -ENOMEM;
        (*n)++;
        return 0;
}

int gateway_add_allow_system(struct gateway_options *o, const char *s, char **ret_error) {
        return add_cidr(o->allow_system, &o->n_allow_system, "--allow-system", s, ret_error);
}

int gateway_add_trusted_proxy(struct gateway_options *o, const char *s, char **ret_error) {
        return add_cidr(o->trusted_proxy, &o->n_trusted_proxy, "--trusted-proxy", s, ret_error);
}

int gateway_options_finish(struct gateway_options *o, char **ret_error) {
        int r;

        if (!o->domain[0])
                return error_msg(ret_error, -EINVAL, "--domain NAME is required");
        if (o->tls != GATEWAY_TLS_ACME && (o->acme_server[0] || o->acme_ca_file[0] || o->email[0]))
                return error_msg(ret_error, -EINVAL, "--email, --acme-server and --acme-ca-file need --tls acme");
        if (o->n_allow_system == 0) {
                /* /system/ and /ui/ are guarded by basic auth alone. */
                r = gateway_add_allow_system(o, "127.0.0.1/32", ret_error);
                if (r >= 0)
                        r = gateway_add_allow_system(o, "::1/128", ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

void gateway_timeouts_from(unsigned t, struct gateway_timeouts *ret) {
        /* The chart's defaults: upstreamTimeout 1m, readTimeout/writeTimeout
         * 1m05s (faas-netes chart/openfaas/values.yaml: "upstream must be
         * smaller than read/write"). nginx must outlast the gateway's own
         * server deadline (write_timeout, gateway/main.go http.Server), so the
         * answer to a slow call is the gateway's 502, never nginx's 504. */
        ret->upstream = t;
        ret->read_write = t + 5;
        ret->nginx = ret->read_write + 10;
}
