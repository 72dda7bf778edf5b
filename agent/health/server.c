/* SPDX-License-Identifier: MIT */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "../basic/log.h"
#include "../shared/dl-microhttpd.h"
#include "accept-encoding.h"
#include "recv-guard.h"
#include "route.h"

#define MAX_EXCLUDES 32
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CT_JSON "application/json"

/* The responses of one snapshot. MHD counts references to each response, so
 * one built here is shared by every connection that sends it; each holds a
 * snapshot reference that its free callback drops. */
struct published {
        unsigned refs;          /* the server's, plus handlers running */
        struct health_snapshot *snap;
        struct MHD_Response *metrics, *metrics_gzip, *status, *readyz, *readyz_verbose, *check[_HC_MAX];
};

enum fixed {
        FIX_LIVEZ,
        FIX_LIVEZ_VERBOSE,
        FIX_404,
        FIX_405,
        FIX_413,
        FIX_401,
        FIX_503,
        FIX_400,
        _FIX_MAX,
};

/* One accepted connection (MHD's socket context): its slot, and when it
 * started waiting for request headers, for the header deadline. */
struct conn {
        struct conn *prev, *next;
        int fd;
        bool slot;
        bool in_headers;        /* waiting for (the rest of) a request's headers */
        bool cut;               /* shut down by the header deadline */
        bool bad_escape;        /* the URL had a %00 (or other control) escape */
        bool guarded;           /* its bytes are checked for control bytes (recv-guard.h) */
        double headers_since;
        unsigned char addr[17]; /* family byte + IPv4/IPv6 address: whose share the slot counts in */
};

struct health_server {
        struct MHD_Daemon *daemon;
        pthread_mutex_t lock;
        struct published *current;
        struct MHD_Response *fixed[_FIX_MAX];
        unsigned admitted;              /* atomic: connections holding a slot */
        unsigned long rejected;         /* atomic */
        unsigned max_connections;
        unsigned stale_after_sec;
        unsigned header_deadline_sec;
        char *token;
        bool activated;                 /* the listening socket is systemd's (nodeprep.socket) */
        bool tls;                       /* recv() sees ciphertext: no control-byte guard */
        /* The connections, for the header-deadline sweeper. */
        pthread_mutex_t conns_lock;
        struct conn *conns;
        pthread_t sweeper;
        bool sweeper_started;
        bool stopping;                  /* under conns_lock */
        pthread_cond_t wake;
};

/* The RFC 9110 name arrived in libmicrohttpd 0.9.74; Debian 11 has 0.9.72. */
#ifndef MHD_HTTP_CONTENT_TOO_LARGE
#define MHD_HTTP_CONTENT_TOO_LARGE MHD_HTTP_PAYLOAD_TOO_LARGE
#endif

static const struct {
        unsigned code;
        const char *body;
} fixed_bodies[_FIX_MAX] = {
        [FIX_LIVEZ] = { MHD_HTTP_OK, "ok" },
        [FIX_LIVEZ_VERBOSE] = { MHD_HTTP_OK, "[+]ping ok\nlivez check passed\n" },
        [FIX_404] = { MHD_HTTP_NOT_FOUND, "404 page not found\n" },
        [FIX_405] = { MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed: only GET and HEAD\n" },
        [FIX_413] = { MHD_HTTP_CONTENT_TOO_LARGE, "request bodies are not accepted\n" },
        [FIX_401] = { MHD_HTTP_UNAUTHORIZED, "unauthorized: a bearer token is required\n" },
        [FIX_503] = { MHD_HTTP_SERVICE_UNAVAILABLE, "too many connections\n" },
        [FIX_400] = { MHD_HTTP_BAD_REQUEST, "bad request\n" },
};

static void add_common(struct MHD_Response *r, const char *content_type) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
}

static void snapshot_unref_cb(void *cls) {
        health_snapshot_unref(cls);
}

static struct MHD_Response *from_body(struct health_snapshot *snap, const struct body *b, const char *ct) {
        struct MHD_Response *r;

#if DL_HAS_MHD_FREE_CALLBACK_CLS
        r = MHD_create_response_from_buffer_with_free_callback_cls(b->size, b->data, snapshot_unref_cb,
                                                                   health_snapshot_ref(snap));
        if (!r) {
                health_snapshot_unref(snap);
                return NULL;
        }
#else
        /* No free callback with a closure before libmicrohttpd 0.9.73 (Debian
         * 11): the response keeps its own copy instead of the snapshot. */
        (void) snapshot_unref_cb;
        r = MHD_create_response_from_buffer(b->size, (void *) b->data, MHD_RESPMEM_MUST_COPY);
        if (!r)
                return NULL;
#endif
        add_common(r, ct);
        return r;
}

/* /metrics comes in two encodings: caches must key on Accept-Encoding. */
static void add_gzip_headers(struct MHD_Response *identity, struct MHD_Response *gzip) {
        MHD_add_response_header(identity, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        if (!gzip)
                return;
        MHD_add_response_header(gzip, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        MHD_add_response_header(gzip, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
}

static void destroy(struct MHD_Response *r) {
        if (r)
                MHD_destroy_response(r);
}

static void published_unref(struct published *p) {
        if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0)
                return;
        destroy(p->metrics);
        destroy(p->metrics_gzip);
        destroy(p->status);
        destroy(p->readyz);
        destroy(p->readyz_verbose);
        for (int i = 0; i < _HC_MAX; i++)
                destroy(p->check[i]);
        health_snapshot_unref(p->snap);
        free(p);
}

static int published_new(struct health_snapshot *snap, struct published **ret) {
        struct published *p = calloc(1, sizeof(*p));
        bool ok;

        if (!p)
                return -ENOMEM;
        p->refs = 1;
        p->snap = health_snapshot_ref(snap);
        p->metrics = from_body(snap, &snap->metrics, CT_METRICS);
        p->status = from_body(snap, &snap->status, CT_JSON);
        p->readyz = from_body(snap, &snap->readyz, CT_TEXT);
        p->readyz_verbose = from_body(snap, &snap->readyz_verbose, CT_TEXT);
        if (snap->metrics_gzip.size > 0)
                p->metrics_gzip = from_body(snap, &snap->metrics_gzip, CT_METRICS);
        ok = p->metrics && p->status && p->readyz && p->readyz_verbose &&
             (snap->metrics_gzip.size == 0 || p->metrics_gzip);
        if (ok)
                add_gzip_headers(p->metrics, p->metrics_gzip);
        for (int i = 0; i < _HC_MAX; i++)
                if (snap->enabled[i] && !(p->check[i] = from_body(snap, &snap->check[i], CT_TEXT)))
                        ok = false;
        if (!ok) {
                published_unref(p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

static struct published *current_ref(struct health_server *s) {
        struct published *p;

        pthread_mutex_lock(&s->lock);
        p = s->current;
        __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&s->lock);
        return p;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned code, struct MHD_Response *r) {
        return MHD_queue_response(c, code, r);
}

/* A body made for this request only (?exclude=, stale snapshot). */
static enum MHD_Result queue_dynamic(struct MHD_Connection *c, unsigned code, struct body *b) {
        struct MHD_Response *r = MHD_create_response_from_buffer(b->size, b->data, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret;

        if (!r) {
                free(b->data);
                return MHD_NO;
        }
        add_common(r, CT_TEXT);
        ret = MHD_queue_response(c, code, r);
        MHD_destroy_response(r);
        return ret;
}

struct query {
        char *excludes[MAX_EXCLUDES + 1];
        size_t n;
        bool verbose;
        bool too_many;
};

static enum MHD_Result query_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
        struct query *q = cls;

        (void) kind;
        if (streq(key, "verbose"))
                q->verbose = true;
        else if (streq(key, "exclude") && value) {
                if (q->n >= MAX_EXCLUDES) {
                        q->too_many = true;
                        return MHD_NO;
                }
                /* MHD owns value until the request ends: no copy needed. */
                q->excludes[q->n++] = (char *) value;
        }
        return MHD_YES;
}

static double mono_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static enum MHD_Result serve_readyz(struct health_server *s, struct MHD_Connection *c, struct published *p) {
        struct query q = {};
        struct body b;
        char stale[96];
        double age = mono_now() - p->snap->fig.mono;
        bool is_stale = age > (double) __atomic_load_n(&s->stale_after_sec, __ATOMIC_RELAXED);
        int code;

        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_iter, &q);
        if (q.too_many)
                return queue(c, MHD_HTTP_BAD_REQUEST, s->fixed[FIX_400]);
        if (!is_stale && q.n == 0 && !q.too_many)
                return queue(c, p->snap->ready ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR,
                             q.verbose ? p->readyz_verbose : p->readyz);
        if (is_stale)
                snprintf(stale, sizeof(stale), "the last snapshot is %.0fs old", age);
        code = health_readyz_render(p->snap, q.excludes, q.verbose, is_stale ? stale : NULL, &b);
        if (code < 0)
                return MHD_NO;
        return queue_dynamic(c, (unsigned) code, &b);
}

static bool has_body(struct MHD_Connection *c, size_t upload_size) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

        if (upload_size > 0)
                return true;
        if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
                return true;
        return cl && !streq(cl, "0");
}

static enum MHD_Result respond(struct health_server *s, struct MHD_Connection *c, const char *url);

static struct conn *conn_of(struct MHD_Connection *c) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        return ci ? ci->socket_context : NULL;
}

static bool admitted(struct MHD_Connection *c) {
        struct conn *k = conn_of(c);

        return k && k->slot;
}

static void set_in_headers(struct health_server *s, struct conn *k, bool in_headers) {
        if (!k)
                return;
        pthread_mutex_lock(&s->conns_lock);
        k->in_headers = in_headers;
        k->headers_since = mono_now();
        pthread_mutex_unlock(&s->conns_lock);
}

static void headers_done(struct health_server *s, struct MHD_Connection *c) {
        set_in_headers(s, conn_of(c), false);
}

/* What nginx refuses and a lenient parser lets through (request smuggling,
 * a token compared only up to a NUL): each is a 400. A NUL or other control
 * byte anywhere in the request line or headers is seen as it is received
 * (recv-guard.h): libmicrohttpd 0.9.x cuts values at a NUL before they get
 * here. */
struct header_scan {
        unsigned content_length;
        bool bad;
};

static bool token_chars(const char *s, size_t n) {
        static const char tchar[] = "!#$%&'*+-.^_`|~";

        if (n == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                      strchr(tchar, s[i])) || s[i] == 0)
                        return false;
        return true;
}

static enum MHD_Result header_iter(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size) {
        struct header_scan *h = cls;

        (void) kind;
        /* A name with a blank ("Transfer-Encoding :") or other non-token
         * byte, or a NUL inside a value where libmicrohttpd keeps it. */
        if (!token_chars(key, key_size) || (value && strnlen(value, value_size) != value_size)) {
                h->bad = true;
                return MHD_NO;
        }
        if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
                h->content_length++;
        return MHD_YES;
}

static bool request_is_malformed(struct MHD_Connection *c, const char *version) {
        struct header_scan h = {};
        struct conn *k = conn_of(c);

        if (k && (k->bad_escape || (k->guarded && recv_guard_tainted(k->fd))))
                return true;
        MHD_get_connection_values_n(c, MHD_HEADER_KIND, header_iter, &h);
        if (h.bad || h.content_length > 1)      /* two lengths: which one frames the body? */
                return true;
        return streq(version, MHD_HTTP_VERSION_1_1) &&
               !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
}

/* URL unescaping that refuses escapes of control bytes: "%00" would cut
 * "/readyz%00/../metrics" to "/readyz" in every C string after it. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *uri) {
        struct conn *k = conn_of(c);

        (void) cls;
        for (const char *p = strchr(uri, '%'); p; p = strchr(p + 1, '%'))
                if ((p[1] == '0' || p[1] == '1') && p[2] && strchr("0123456789abcdefABCDEF", p[2]) && k)
                        k->bad_escape = true;
        if (strstr(uri, "%7f") || strstr(uri, "%7F"))
                if (k)
                        k->bad_escape = true;
        return MHD_http_unescape(uri);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls) {
        struct health_server *s = cls;

        (void) upload_data;
        if (*con_cls) {
                /* The second call, once the (empty) body is known. */
                if (*upload_data_size > 0) {
                        *upload_data_size = 0;  /* not reached: bodies are refused below */
                        return MHD_YES;
                }
                return respond(s, c, url);
        }
        /* The first call, on the headers: refuse early what we never serve
         * (MHD then closes the connection). Answering good requests here
         * would close them too, so they wait for the second call, which
         * keeps the connection alive. */
        *con_cls = s;
        headers_done(s, c);
        if (!admitted(c)) {
                __atomic_add_fetch(&s->rejected, 1, __ATOMIC_RELAXED);
                return queue(c, MHD_HTTP_SERVICE_UNAVAILABLE, s->fixed[FIX_503]);
        }
        if (request_is_malformed(c, version))
                return queue(c, MHD_HTTP_BAD_REQUEST, s->fixed[FIX_400]);
        if (!streq(method, MHD_HTTP_METHOD_GET) && !streq(method, MHD_HTTP_METHOD_HEAD))
                return queue(c, MHD_HTTP_METHOD_NOT_ALLOWED, s->fixed[FIX_405]);
        if (has_body(c, *upload_data_size))
                return queue(c, MHD_HTTP_CONTENT_TOO_LARGE, s->fixed[FIX_413]);
        return MHD_YES;
}

static enum MHD_Result respond(struct health_server *s, struct MHD_Connection *c, const char *url) {
        struct route rt = route_parse(url);
        struct published *p;
        enum MHD_Result ret;

        if (rt.kind == ROUTE_NONE)
                return queue(c, MHD_HTTP_NOT_FOUND, s->fixed[FIX_404]);
        if (rt.kind == ROUTE_LIVEZ) {
                bool verbose = MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, "verbose", 7, NULL, NULL);

                return queue(c, MHD_HTTP_OK, s->fixed[verbose ? FIX_LIVEZ_VERBOSE : FIX_LIVEZ]);
        }
        if (s->token && !bearer_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                                    MHD_HTTP_HEADER_AUTHORIZATION), s->token))
                return queue(c, MHD_HTTP_UNAUTHORIZED, s->fixed[FIX_401]);

        p = current_ref(s);
        switch (rt.kind) {
        case ROUTE_METRICS:
                ret = queue(c, MHD_HTTP_OK, p->metrics_gzip && accept_encoding_allows_gzip(
                                    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                                MHD_HTTP_HEADER_ACCEPT_ENCODING)) ?
                            p->metrics_gzip : p->metrics);
                break;
        case ROUTE_STATUS:
                ret = queue(c, MHD_HTTP_OK, p->status);
                break;
        case ROUTE_READYZ:
                ret = serve_readyz(s, c, p);
                break;
        case ROUTE_READYZ_CHECK:
                ret = p->check[rt.check] ?
                        queue(c, p->snap->checks[rt.check].status == CHECK_FAIL ? MHD_HTTP_INTERNAL_SERVER_ERROR :
                              MHD_HTTP_OK, p->check[rt.check]) :
                        queue(c, MHD_HTTP_NOT_FOUND, s->fixed[FIX_404]);       /* disabled */
                break;
        default:
                ret = queue(c, MHD_HTTP_NOT_FOUND, s->fixed[FIX_404]);
        }
        published_unref(p);
        return ret;
}

/* A fair share per address once half the slots are taken: an eighth (at
 * least a few, for small settings). Beyond it, an address's connections are
 * told 503 like any beyond the cap. */
static unsigned per_address_share(unsigned max_connections) {
        return max_connections / 8 > 4 ? max_connections / 8 : 4;
}

static void client_address(struct MHD_Connection *c, unsigned char key[static 17]) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;

        memset(key, 0, 17);
        if (sa && sa->sa_family == AF_INET) {
                key[0] = AF_INET;
                memcpy(key + 1, &((const struct sockaddr_in *) sa)->sin_addr, 4);
        } else if (sa && sa->sa_family == AF_INET6) {
                key[0] = AF_INET6;
                memcpy(key + 1, &((const struct sockaddr_in6 *) sa)->sin6_addr, 16);
        }
}

/* Slots held by one address; under conns_lock. Linear: connections are
 * capped (hard_cap) and this runs once per accept. */
static unsigned slots_of(struct health_server *s, const unsigned char key[static 17]) {
        unsigned n = 0;

        for (struct conn *k = s->conns; k; k = k->next)
                n += k->slot && memcmp(k->addr, key, 17) == 0;
        return n;
}

/* Slots are handed out in accept order: the first max_connections
 * connections are served, later ones are told 503 until slots free up. No
 * address gets more than its fair share (MHD's per-IP limit, set in
 * health_server_start), and a connection that has not sent its request
 * headers within the deadline loses its slot (the sweeper below), so slow
 * clients cannot keep other addresses' scrapes out. */
static void notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe) {
        struct health_server *s = cls;
        struct conn *k = *socket_context;

        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

                k = calloc(1, sizeof(*k));
                if (!k)
                        return;         /* no slot: told 503 */
                k->fd = ci ? ci->connect_fd : -1;
                k->in_headers = true;
                k->headers_since = mono_now();
                client_address(c, k->addr);
                /* Before its first read. Unchecked is unserved: no slot. */
                k->guarded = !s->tls && recv_guard_watch(k->fd) >= 0;
                pthread_mutex_lock(&s->conns_lock);
                /* Half the slots go to whoever comes; beyond that only to an
                 * address below its share, so a few busy addresses cannot
                 * keep the others out. */
                if ((k->guarded || s->tls) &&
                    (__atomic_load_n(&s->admitted, __ATOMIC_RELAXED) < s->max_connections / 2 ||
                     slots_of(s, k->addr) < per_address_share(s->max_connections))) {
                        if (__atomic_add_fetch(&s->admitted, 1, __ATOMIC_RELAXED) <= s->max_connections)
                                k->slot = true;
                        else
                                __atomic_sub_fetch(&s->admitted, 1, __ATOMIC_RELAXED);
                }
                k->next = s->conns;
                if (s->conns)
                        s->conns->prev = k;
                s->conns = k;
                pthread_mutex_unlock(&s->conns_lock);
                *socket_context = k;
        } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && k) {
                /* MHD closes the fd only after this returns: while the
                 * sweeper holds conns_lock, every fd on the list is open. */
                pthread_mutex_lock(&s->conns_lock);
                if (k->prev)
                        k->prev->next = k->next;
                else
                        s->conns = k->next;
                if (k->next)
                        k->next->prev = k->prev;
                pthread_mutex_unlock(&s->conns_lock);
                if (k->slot)
                        __atomic_sub_fetch(&s->admitted, 1, __ATOMIC_RELAXED);
                if (k->guarded)
                        recv_guard_unwatch(k->fd);
                free(k);
                *socket_context = NULL;
        }
}

/* A request answered: on a kept-alive connection the next one's headers are
 * due within the deadline too. */
static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                              enum MHD_RequestTerminationCode toe) {
        (void) con_cls, (void) toe;
        set_in_headers(cls, conn_of(c), true);
}

/* The header deadline (libmicrohttpd 0.9.75 has only an inactivity timeout,
 * which a byte every few seconds resets): shut down connections still
 * waiting for headers after header_deadline_sec; MHD then sees the end of
 * the stream and closes them, freeing the slot. */
static void *sweeper(void *arg) {
        struct health_server *s = arg;

        pthread_mutex_lock(&s->conns_lock);
        while (!s->stopping) {
                struct timespec ts;
                double now = mono_now();

                for (struct conn *k = s->conns; k; k = k->next)
                        if (k->in_headers && !k->cut && k->fd >= 0 &&
                            now - k->headers_since > (double) s->header_deadline_sec) {
                                (void) shutdown(k->fd, SHUT_RDWR);
                                k->cut = true;
                        }
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_nsec += 250 * 1000000L;
                if (ts.tv_nsec >= 1000000000L) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000L;
                }
                (void) pthread_cond_timedwait(&s->wake, &s->conns_lock, &ts);
        }
        pthread_mutex_unlock(&s->conns_lock);
        return NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
        char buf[256];

        (void) cls;
        vsnprintf(buf, sizeof(buf), fmt, ap);
        buf[strcspn(buf, "\n")] = 0;
        log_debug("libmicrohttpd: %s", buf);
}

static int make_fixed(struct health_server *s) {
        for (int i = 0; i < _FIX_MAX; i++) {
                s->fixed[i] = MHD_create_response_from_buffer(strlen(fixed_bodies[i].body),
                                                              (void *) fixed_bodies[i].body, MHD_RESPMEM_PERSISTENT);
                if (!s->fixed[i])
                        return -ENOMEM;
                add_common(s->fixed[i], CT_TEXT);
        }
        MHD_add_response_header(s->fixed[FIX_405], MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        MHD_add_response_header(s->fixed[FIX_413], MHD_HTTP_HEADER_CONNECTION, "close");
        MHD_add_response_header(s->fixed[FIX_401], MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
        MHD_add_response_header(s->fixed[FIX_503], MHD_HTTP_HEADER_CONNECTION, "close");
        MHD_add_response_header(s->fixed[FIX_400], MHD_HTTP_HEADER_CONNECTION, "close");
        MHD_add_response_header(s->fixed[FIX_503], MHD_HTTP_HEADER_RETRY_AFTER, "1");
        return 0;
}

/* Sockets beyond max_connections must still be accepted to be told 503, so
 * the hard cap (MHD closes beyond it) sits well above, within RLIMIT_NOFILE. */
static unsigned hard_cap(unsigned max_connections) {
        struct rlimit rl;
        unsigned cap = max_connections * 16 > 4096 ? max_connections * 16 : 4096;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
                if (rl.rlim_cur < rl.rlim_max) {
                        rl.rlim_cur = rl.rlim_max;
                        (void) setrlimit(RLIMIT_NOFILE, &rl);
                        (void) getrlimit(RLIMIT_NOFILE, &rl);
                }
                if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t) cap + 64)
                        cap = rl.rlim_cur > 128 ? (unsigned) rl.rlim_cur - 64 : 64;
        }
        return cap > max_connections ? cap : max_connections;
}

int health_server_start(const struct health_server_options *o, struct health_snapshot *snap,
                        struct health_server **ret) {
        struct health_server *s;
        struct sockaddr_storage ss;
        socklen_t sl = 0;
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
        struct MHD_OptionItem opts[16];
        size_t n = 0;
        int r;

        r = dlopen_microhttpd(NULL);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        pthread_mutex_init(&s->lock, NULL);
        pthread_mutex_init(&s->conns_lock, NULL);
        {
                pthread_condattr_t ca;

                pthread_condattr_init(&ca);
                pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
                pthread_cond_init(&s->wake, &ca);
                pthread_condattr_destroy(&ca);
        }
        s->header_deadline_sec = o->timeout_sec;
        s->max_connections = o->max_connections;
        s->stale_after_sec = o->stale_after_sec;
        if (o->token && !(s->token = strdup(o->token))) {
                health_server_stop(s);
                return -ENOMEM;
        }
        r = make_fixed(s);
        if (r >= 0)
                r = published_new(snap, &s->current);
        if (r >= 0 && o->listen_fd < 0) {
                r = listen_address_parse(o->listen, &ss, &sl);
                if (r >= 0 && ss.ss_family == AF_INET6)
                        flags |= MHD_USE_IPv6;
        }
        if (r < 0) {
                health_server_stop(s);
                return r;
        }
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_LIMIT, hard_cap(o->max_connections), NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_sec, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->max_request_bytes, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t) notify_connection, s };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) request_completed, s };
        /* Sockets per address: a quarter of what the process may hold, so
         * one address cannot use up the fds others need to be told 503. */
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                              hard_cap(o->max_connections) / 4, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t) unescape, NULL };
        /* HTTP/1.1 without Host, blanks in the URL: refused by MHD itself. */
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL };
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) mhd_log, NULL };
        if (o->listen_fd >= 0) {
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_LISTEN_SOCKET, o->listen_fd, NULL };
                /* For MHD_quiesce_daemon() at stop (health_server_stop()). */
                flags |= MHD_USE_ITC;
                s->activated = true;
        }
        else
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_SOCK_ADDR, 0, &ss };
        if (o->tls_cert_pem && o->tls_key_pem) {
                flags |= MHD_USE_TLS;
                s->tls = true;
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *) o->tls_cert_pem };
                opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *) o->tls_key_pem };
        }
        opts[n++] = (struct MHD_OptionItem) { MHD_OPTION_END, 0, NULL };

        if (!s->tls && !recv_guard_bound())
                log_debug("recv() is not this executable's: control bytes in requests are not refused "
                          "(built without the Makefile's export of recv?)");
        errno = 0;
        s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handler, s, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
        if (!s->daemon) {
                r = errno > 0 ? -errno : -EADDRNOTAVAIL;
                health_server_stop(s);
                return r;
        }
        r = -pthread_create(&s->sweeper, NULL, sweeper, s);
        if (r < 0) {
                health_server_stop(s);
                return r;
        }
        s->sweeper_started = true;
        *ret = s;
        return 0;
}

int health_server_publish(struct health_server *s, struct health_snapshot *snap) {
        struct published *p, *old;
        int r = published_new(snap, &p);

        if (r < 0)
                return r;
        pthread_mutex_lock(&s->lock);
        old = s->current;
        s->current = p;
        pthread_mutex_unlock(&s->lock);
        published_unref(old);
        return 0;
}

void health_server_set_stale_after(struct health_server *s, unsigned sec) {
        __atomic_store_n(&s->stale_after_sec, sec, __ATOMIC_RELAXED);
}

unsigned long health_server_rejected(const struct health_server *s) {
        return __atomic_load_n(&s->rejected, __ATOMIC_RELAXED);
}

struct health_server *health_server_stop(struct health_server *s) {
        if (!s)
                return NULL;
        if (s->sweeper_started) {
                pthread_mutex_lock(&s->conns_lock);
                s->stopping = true;
                pthread_cond_signal(&s->wake);
                pthread_mutex_unlock(&s->conns_lock);
                pthread_join(s->sweeper, NULL);
        }
        /* An activated socket stays systemd's: MHD_stop_daemon() would
         * shutdown() it, and nodeprep.socket would fail with POLLHUP instead
         * of starting the next instance. Quiescing hands it back untouched. */
        if (s->daemon && s->activated)
                (void) MHD_quiesce_daemon(s->daemon);
        if (s->daemon)
                MHD_stop_daemon(s->daemon);
        published_unref(s->current);
        for (int i = 0; i < _FIX_MAX; i++)
                destroy(s->fixed[i]);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->conns_lock);
        pthread_cond_destroy(&s->wake);
        free(s->token);
        free(s);
        return NULL;
}
