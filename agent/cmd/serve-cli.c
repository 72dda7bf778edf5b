/* SPDX-License-Identifier: MIT */
/*
 * serve: collect on a timer, publish immutable snapshots, answer /livez,
 * /readyz, /metrics and /status from them. Policy lives here: which address
 * may be bound without protection, the systemd protocol (socket activation,
 * READY=1, STATUS=, WATCHDOG=1), signals, and what reaches the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/fileio.h"
#include "../basic/log.h"
#include "../basic/parse.h"
#include "../health/collect.h"
#include "../health/health-checks.h"
#include "../health/health-config.h"
#include "../health/privsep.h"
#include "../health/route.h"
#include "../health/server.h"
#include "../health/snapshot.h"
#include "../shared/dl-systemd.h"
#include "cli.h"

#define DEFAULT_LISTEN "127.0.0.1:9470"
#define SECRET_FILE_MAX (64 * 1024)

struct serve_args {
        const char *config;
        const char *listen;
        long interval;
        const char *token_file, *tls_cert, *tls_key;
        bool insecure;
        bool once;
};

static bool journal;    /* stderr is the journal: log there with priorities */

/* slog(): the journal records the caller's CODE_FILE, CODE_LINE and
 * CODE_FUNC (as sd_journal_print() would at the call site), not this wrapper's. */
#define slog(priority, ...) \
        slog_at("CODE_FILE=" __FILE__, "CODE_LINE=" _SD_STRINGIFY(__LINE__), __func__, priority, __VA_ARGS__)

static void slog_at(const char *file, const char *line, const char *func, int priority, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static void slog_at(const char *file, const char *line, const char *func, int priority, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (journal)
                sd_journal_print_with_location(priority, file, line, func, "%s", buf);
        else if (priority <= LOG_ERR)
                log_error("%s", buf);
        else if (priority <= LOG_WARNING)
                log_warning("%s", buf);
        else
                log_notice("%s", buf);
}

static const struct cli_option serve_options[] = {
        { "listen", required_argument, 'l', "ADDR:PORT", "where to listen (default 127.0.0.1:9470)", NULL },
        { "interval", required_argument, 'i', "SEC", "collection interval, 1-3600 seconds", NULL },
        { "config", required_argument, 'c', "FILE", "the config file (default /etc/nodeprep/nodeprep.conf)",
          CLI_COMPLETE_FILE },
        { "token-file", required_argument, 't', "F", "require this bearer token for /metrics and /status",
          CLI_COMPLETE_FILE },
        { "tls-cert", required_argument, 'C', "F", "serve https with this certificate (with --tls-key)",
          CLI_COMPLETE_FILE },
        { "tls-key", required_argument, 'K', "F", "the certificate's private key", CLI_COMPLETE_FILE },
        { "insecure", no_argument, 'I', NULL, "allow a non-loopback address without TLS", NULL },
        { "once", no_argument, 'o', NULL, "collect once, print the status and exit", NULL },
        CLI_OPTION_END,
};

const struct cli_verb serve_verb = {
        .name = "serve",
        .summary = "Node health over HTTP: /livez /readyz /metrics /status",
        .description = "Collects on a timer and serves from a cache. SIGHUP reloads the config file.",
        .options = serve_options,
};

static int parse_args(struct cli *cli, int argc, char **argv, struct serve_args *a) {
        int c;

        optind = 0;
        while ((c = cli_getopt(argc, argv, "+", serve_options)) >= 0)
                switch (c) {
                case 'l': a->listen = optarg; break;
                case 'i': {
                        uint64_t v;

                        if (safe_atou64(optarg, &v) < 0 || v < 1 || v > 3600)
                                return cli_error(cli, EXIT_INVALID, "--interval: '%s' is not in [1, 3600] seconds",
                                                 optarg);
                        a->interval = (long) v;
                        break;
                }
                case 'c': a->config = optarg; break;
                case 't': a->token_file = optarg; break;
                case 'C': a->tls_cert = optarg; break;
                case 'K': a->tls_key = optarg; break;
                case 'I': a->insecure = true; break;
                case 'o': a->once = true; break;
                default:
                        return cli_error(cli, EXIT_INVALID, "invalid option '%s'", argv[optind - 1]);
                }
        if (optind < argc)
                return cli_error(cli, EXIT_INVALID, "unexpected argument '%s'", argv[optind]);
        return 0;
}

/* Command-line values win over the config file. */
static int merge_args(struct health_config *c, const struct serve_args *a) {
        const struct { const char *v; char **dst; } s[] = {
                { a->listen, &c->listen }, { a->token_file, &c->token_file },
                { a->tls_cert, &c->tls_cert }, { a->tls_key, &c->tls_key },
        };

        for (size_t i = 0; i < ELEMENTSOF(s); i++)
                if (s[i].v) {
                        free(*s[i].dst);
                        if (!(*s[i].dst = strdup(s[i].v)))
                                return -ENOMEM;
                }
        if (!c->listen && !(c->listen = strdup(DEFAULT_LISTEN)))
                return -ENOMEM;
        if (a->interval > 0)
                c->interval_sec = (unsigned) a->interval;
        return 0;
}

static int read_secret(struct cli *cli, const char *what, const char *path, bool trim, char **ret) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        char *s;
        size_t n;
        int r;

        if (fd < 0)
                return cli_error(cli, EXIT_INVALID, "%s %s: %s", what, path, strerror(errno));
        /* A token or key others can read is no secret: say so, once. */
        if (fstat(fd, &st) == 0 && (st.st_mode & 0044) && !streq(what, "--tls-cert"))
                slog(LOG_WARNING, "%s %s is readable by group or others (mode %04o); chmod 0600 it", what, path,
                     (unsigned) (st.st_mode & 07777));
        r = read_fd_capped(fd, SECRET_FILE_MAX, &s, &n);
        if (r < 0)
                return cli_error(cli, EXIT_INVALID, "%s %s: %s", what, path, strerror(-r));
        if (trim)
                while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
                        s[--n] = 0;
        if (n == 0 || strlen(s) != n) {
                free(s);
                return cli_error(cli, EXIT_INVALID, "%s %s: empty or contains NUL bytes", what, path);
        }
        if (trim && strpbrk(s, "\r\n")) {
                free(s);
                return cli_error(cli, EXIT_INVALID, "%s %s: must be one line", what, path);
        }
        if (streq(what, "--token-file") && n < HEALTH_TOKEN_MIN) {
                free(s);
                return cli_error(cli, EXIT_INVALID, "%s %s: a token needs at least %d bytes (it has %zu); "
                                 "e.g. openssl rand -hex 32", what, path, HEALTH_TOKEN_MIN, n);
        }
        *ret = s;
        return 0;
}

/* Socket activation: exactly one listening stream socket, or none. */
static int activation_fd(struct cli *cli, int *ret_fd) {
        int n = sd_listen_fds(1);

        *ret_fd = -1;
        if (n < 0)
                return cli_error(cli, EXIT_FAILED, "sd_listen_fds: %s", strerror(-n));
        if (n == 0)
                return 0;
        if (n > 1)
                return cli_error(cli, EXIT_INVALID, "socket activation passed %d sockets; expected one", n);
        if (sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
                return cli_error(cli, EXIT_INVALID, "socket activation: fd %d is not a listening stream socket",
                                 SD_LISTEN_FDS_START);
        *ret_fd = SD_LISTEN_FDS_START;
        return 0;
}

/* Anything but loopback needs a token or TLS, unless --insecure. */
static int guard_exposure(struct cli *cli, const struct health_config *c, int fd, bool insecure) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);

        if (fd >= 0) {
                if (getsockname(fd, (struct sockaddr *) &ss, &sl) < 0)
                        return cli_error(cli, EXIT_FAILED, "getsockname: %s", strerror(errno));
        } else if (listen_address_parse(c->listen, &ss, &sl) < 0)
                return cli_error(cli, EXIT_INVALID, "--listen: '%s' is not ADDR:PORT or [V6ADDR]:PORT", c->listen);
        if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
                return 0;       /* a unix socket from systemd: its file mode protects it */
        /* TLS hides the traffic but lets anyone in: only a token (or the
         * operator's explicit --insecure) authorises a non-loopback bind. */
        if (sockaddr_is_loopback((struct sockaddr *) &ss) || c->token_file || insecure)
                return 0;
        return cli_error(cli, EXIT_INVALID, "refusing to serve node health on non-loopback %s without "
                         "--token-file (TLS is not authentication; or --insecure)",
                         fd >= 0 ? "activated socket" : c->listen);
}

struct loop {
        struct cli *cli;
        const struct serve_args *args;  /* for a reload: command-line values still win */
        struct health_config *cfg;
        struct health_collector *col;
        struct health_eval *eval;
        struct health_snapshot *snap;   /* the latest */
        uint64_t seq;
        enum check_status last[_HC_MAX];
        bool quiet;                     /* --once: the listing says it all */
};

static void log_transitions(struct loop *l) {
        for (int i = 0; i < _HC_MAX; i++) {
                const struct health_check_result *c = &l->snap->checks[i];

                if (!l->cfg->enabled[i] || (l->seq > 1 && c->status == l->last[i]))
                        continue;
                if (!l->quiet && (l->seq > 1 || c->status == CHECK_FAIL))
                        slog(c->status == CHECK_FAIL ? LOG_WARNING : LOG_NOTICE, "check %s: %s: %s",
                             health_check_name(i), check_status_to_string(c->status), c->reason);
                l->last[i] = c->status;
        }
}

static int collect_once(struct loop *l) {
        struct health_check_result checks[_HC_MAX];
        struct health_figures f;
        struct health_snapshot *s;
        double steal = -1;
        int r;

        r = health_collect(l->col, &f);
        if (r < 0)
                return r;
        health_evaluate(l->eval, l->cfg, &f, checks, &steal);
        r = health_snapshot_new(++l->seq, l->cfg, &f, checks, steal, &s);
        health_figures_done(&f);
        if (r < 0)
                return r;
        health_snapshot_unref(l->snap);
        l->snap = s;
        log_transitions(l);
        return 0;
}

static void notify_status(const struct loop *l) {
        unsigned failing = 0;
        char names[256] = "";

        for (int i = 0; i < _HC_MAX; i++)
                if (l->snap->enabled[i] && l->snap->checks[i].status == CHECK_FAIL) {
                        size_t n = strlen(names);

                        snprintf(names + n, sizeof(names) - n, "%s%s", failing++ ? ", " : "", health_check_name(i));
                }
        if (failing)
                sd_notifyf(0, "STATUS=not ready: %u failing (%s)", failing, names);
        else
                sd_notify(0, "STATUS=ready: all checks pass");
}

/* --once: two collections half a second apart (steal needs two samples),
 * then the verbose /readyz listing or, with --json, /status. */
static int run_once(struct loop *l) {
        int r = collect_once(l);

        if (r >= 0) {
                (void) nanosleep(&(struct timespec) { .tv_nsec = 500 * 1000 * 1000 }, NULL);
                r = collect_once(l);
        }
        if (r < 0)
                return cli_error(l->cli, EXIT_FAILED, "collection failed: %s", strerror(-r));
        if (l->cli->json)
                fwrite(l->snap->status.data, 1, l->snap->status.size, stdout);
        else
                fwrite(l->snap->readyz_verbose.data, 1, l->snap->readyz_verbose.size, stdout);
        return l->snap->ready ? EXIT_OK : EXIT_DRIFT;
}

static double mono(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Three missed collections, plus a canary that may be timing out. */
static unsigned stale_after_sec(const struct health_config *c) {
        return 3 * c->interval_sec + c->canary_timeout_ms / 1000 + 5;
}

/* What the running server was started with: a reload cannot change it. */
static bool same_string(const char *a, const char *b) {
        return (!a && !b) || (a && b && streq(a, b));
}

static void keep_server_settings(struct health_config *new, const struct health_config *old) {
        const struct { const char *name; char **new_value; char *const *old_value; } strings[] = {
                { "listen", &new->listen, &old->listen },
                { "token_file", &new->token_file, &old->token_file },
                { "tls_cert", &new->tls_cert, &old->tls_cert },
                { "tls_key", &new->tls_key, &old->tls_key },
        };
        const struct { const char *name; unsigned *new_value; unsigned old_value; } numbers[] = {
                { "max_connections", &new->max_connections, old->max_connections },
                { "timeout", &new->timeout_sec, old->timeout_sec },
                { "max_request_bytes", &new->max_request_bytes, old->max_request_bytes },
        };

        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (!same_string(*strings[i].new_value, *strings[i].old_value)) {
                        slog(LOG_WARNING, "reload: %s changed; it takes effect when the service restarts",
                             strings[i].name);
                        free(*strings[i].new_value);
                        *strings[i].new_value = *strings[i].old_value ? strdup(*strings[i].old_value) : NULL;
                }
        for (size_t i = 0; i < ELEMENTSOF(numbers); i++)
                if (*numbers[i].new_value != numbers[i].old_value) {
                        slog(LOG_WARNING, "reload: %s changed; it takes effect when the service restarts",
                             numbers[i].name);
                        *numbers[i].new_value = numbers[i].old_value;
                }
}

/*
 * SIGHUP: read the config file again, as at start (command-line values still
 * win). A file that does not parse keeps the running configuration and says
 * why; the checks and thresholds of a good one apply from the next collection,
 * the server's own settings (address, token, TLS, limits) at the next restart.
 */
static void reload_config(struct loop *l) {
        const char *path = l->args->config ? l->args->config : HEALTH_CONFIG_PATH;
        _cleanup_free_ char *error = NULL;
        struct health_config new, old;
        int r;

        sd_notify(0, "RELOADING=1");
        r = health_config_init(&new);
        if (r >= 0)
                r = health_config_load(&new, l->cli->sr, path, l->args->config != NULL, &error);
        if (r >= 0)
                r = merge_args(&new, l->args);
        if (r < 0) {
                slog(LOG_ERR, "reload failed, keeping the running configuration: %s",
                     error ? error : strerror(-r));
                health_config_done(&new);
                sd_notify(0, "READY=1");
                return;
        }
        keep_server_settings(&new, l->cfg);
        /* The collector and the evaluator hold l->cfg: its contents are swapped, not the pointer. */
        old = *l->cfg;
        *l->cfg = new;
        health_config_done(&old);
        slog(LOG_NOTICE, "reloaded %s", path);
        sd_notify(0, "READY=1");
}

static int run_loop(struct loop *l, struct health_frontend *srv, const sigset_t *mask) {
        uint64_t wd_usec = 0;
        bool watchdog = sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0;
        double next = mono() + l->cfg->interval_sec;

        for (;;) {
                double now = mono(), wait = next - now;
                struct timespec ts;
                int sig, r;

                if (watchdog && wait > (double) wd_usec / 2e6)
                        wait = (double) wd_usec / 2e6;
                if (wait < 0)
                        wait = 0;
                ts.tv_sec = (time_t) wait;
                ts.tv_nsec = (long) ((wait - (double) ts.tv_sec) * 1e9);
                sig = sigtimedwait(mask, NULL, &ts);
                if (sig == SIGHUP) {
                        reload_config(l);
                        next = mono();  /* collect now: the new checks show at once */
                        continue;
                }
                if (sig > 0) {
                        slog(LOG_NOTICE, "signal %d: stopping", sig);
                        return EXIT_OK;
                }
                if (watchdog)
                        sd_notify(0, "WATCHDOG=1");
                if (mono() < next)
                        continue;
                next += l->cfg->interval_sec;
                r = collect_once(l);
                /* A collection that overran (a hung source came back) skips the
                 * ticks it missed instead of running them back to back. */
                if (next < mono())
                        next = mono() + l->cfg->interval_sec;
                if (r < 0) {
                        slog(LOG_ERR, "collection failed: out of memory; serving the previous snapshot");
                        continue;
                }
                r = health_frontend_publish(srv, l->snap);
                if (r == -EPIPE || r == -ECONNRESET) {
                        slog(LOG_ERR, "the network process is gone; stopping");
                        return EXIT_FAILED;
                }
                if (r < 0)
                        slog(LOG_ERR, "publishing the snapshot failed: %s", strerror(-r));
                notify_status(l);
        }
}

static int serve(struct cli *cli, struct health_config *cfg, const struct serve_args *a) {
        _cleanup_free_ char *token = NULL, *cert = NULL, *key = NULL;
        struct loop l = { .cli = cli, .args = a, .cfg = cfg };
        struct health_frontend *srv = NULL;
        struct health_server_options so;
        const char *why = NULL;
        sigset_t mask;
        int fd = -1, r, ret;

        /* sd_notify(), socket activation and the journal (shared/dlopen.h). */
        if (dlopen_systemd(&why) < 0)
                return cli_error(cli, EXIT_FAILED, "%s", why ? why : "libsystemd is not available");
        if (!a->once) {
                if (activation_fd(cli, &fd) != 0 || guard_exposure(cli, cfg, fd, a->insecure) != 0)
                        return EXIT_INVALID;
                if (cfg->token_file && read_secret(cli, "--token-file", cfg->token_file, true, &token) != 0)
                        return EXIT_INVALID;
                if (cfg->tls_cert && (read_secret(cli, "--tls-cert", cfg->tls_cert, false, &cert) != 0 ||
                                      read_secret(cli, "--tls-key", cfg->tls_key, false, &key) != 0))
                        return EXIT_INVALID;
        }
        /* Signals are taken synchronously by the loop; the server thread
         * inherits this mask. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = health_collector_new(cli->sr, cfg, &l.col);
        if (r >= 0)
                r = health_eval_new(&l.eval);
        if (r < 0) {
                ret = cli_error(cli, EXIT_FAILED, "%s", strerror(-r));
                goto out;
        }
        if (a->once) {
                l.quiet = true;
                ret = run_once(&l);
                goto out;
        }
        r = collect_once(&l);
        if (r < 0) {
                ret = cli_error(cli, EXIT_FAILED, "collection failed: %s", strerror(-r));
                goto out;
        }
        so = (struct health_server_options) {
                .listen = cfg->listen,
                .listen_fd = fd,
                .max_connections = cfg->max_connections,
                .timeout_sec = cfg->timeout_sec,
                .max_request_bytes = cfg->max_request_bytes,
                .stale_after_sec = stale_after_sec(cfg),
                .token = token,
                .tls_cert_pem = cert,
                .tls_key_pem = key,
        };
        /* As root, libmicrohttpd runs in a child without root or
         * capabilities (health/privsep.h). */
        r = health_frontend_start(&so, l.snap, &srv);
        if (r < 0) {
                ret = cli_error(cli, r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "cannot serve on %s: %s",
                                fd >= 0 ? "the activated socket" : cfg->listen, strerror(-r));
                goto out;
        }
        slog(LOG_NOTICE, "serving node health on %s%s every %us", fd >= 0 ? "the activated socket" : cfg->listen,
             cert ? " (TLS)" : "", cfg->interval_sec);
        sd_notify(0, "READY=1");
        notify_status(&l);
        ret = run_loop(&l, srv, &mask);
        sd_notify(0, "STOPPING=1");
out:
        health_frontend_stop(srv);
        health_snapshot_unref(l.snap);
        health_eval_free(l.eval);
        health_collector_free(l.col);
        return ret;
}

int cmd_serve(struct cli *cli, int argc, char **argv) {
        struct serve_args a = {};
        struct health_config cfg;
        _cleanup_free_ char *error = NULL;
        int r, ret;

        journal = getenv("JOURNAL_STREAM") != NULL;
        r = parse_args(cli, argc, argv, &a);
        if (r != 0)
                return r;
        if (health_config_init(&cfg) < 0)
                return cli_error(cli, EXIT_FAILED, "out of memory");
        r = health_config_load(&cfg, cli->sr, a.config ? a.config : HEALTH_CONFIG_PATH, a.config != NULL, &error);
        if (r >= 0)
                r = merge_args(&cfg, &a);
        if (r < 0)
                ret = cli_error(cli, r == -EINVAL ? EXIT_INVALID : EXIT_FAILED, "%s",
                                error ? error : strerror(-r));
        else if ((!cfg.tls_cert) != (!cfg.tls_key))
                ret = cli_error(cli, EXIT_INVALID, "--tls-cert and --tls-key must be given together");
        else
                ret = serve(cli, &cfg, &a);
        health_config_done(&cfg);
        return ret;
}
