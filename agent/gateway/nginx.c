/* SPDX-License-Identifier: MIT */
/* nginx and systemd as the gateway sees them: `nginx -t`, a reload over
 * sd-bus, and unit states (nginx.service, certbot.timer). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "../shared/bus-unit.h"
#include "internal.h"

#define NGINX_TEST_TIMEOUT 60
#define NGINX_RELOAD_TIMEOUT 90

/* nginx -t checks the whole configuration as nginx would load it, the
 * certificates and the dhparam file included, without touching the running
 * master. Its "[emerg]" lines name file:line. */
int gw_nginx_test(char **ret_message) {
        char *argv[] = { (char *) GW_NGINX_BIN, (char *) "-t", (char *) "-q", NULL };
        _cleanup_free_ char *out = NULL;
        int status, r;

        r = gw_spawn(argv, NULL, NGINX_TEST_TIMEOUT, &status, &out);
        if (r < 0)
                return error_msg(ret_message, r, GW_NGINX_BIN " -t: %s", strerror(-r));
        if (status == 0)
                return 0;
        /* Trim the trailing newline so the message quotes cleanly. */
        for (size_t n = strlen(out); n > 0 && out[n - 1] == '\n'; n--)
                out[n - 1] = 0;
        if (status < 0)
                return error_msg(ret_message, -ETIMEDOUT, GW_NGINX_BIN " -t: no answer within %ds",
                                 NGINX_TEST_TIMEOUT);
        return error_msg(ret_message, -EBADMSG, "%s", *out ? out : "nginx -t failed without a message");
}

#define WORKERS_MAX 256
#define WORKER_TITLE "nginx: worker process"

/* /proc/PID/stat is one line (~300 bytes); a worker's cmdline is its
 * title, "nginx: worker process": a page holds either. */
#define NGINX_PROC_FILE_MAX 4096

/* The master's workers that still accept connections: children of the PID in
 * /run/nginx.pid (Debian's nginx.service PIDFile=) whose title is the
 * worker's, not "... is shutting down" (ngx_process_cycle.c sets that title
 * when a worker stops accepting). */
static size_t accepting_workers(const struct sysroot *sr, pid_t *pids, size_t max) {
        _cleanup_free_ char *pidfile = NULL;
        _cleanup_close_ int fd = -1;
        uint64_t master;
        struct dirent *e;
        size_t n = 0;
        DIR *d;

        if (sysroot_read_string(sr, "/run/nginx.pid", &pidfile) < 0 || safe_atou64(pidfile, &master) < 0)
                return 0;
        fd = sysroot_open(sr, "/proc", O_RDONLY | O_DIRECTORY, 0);
        if (fd < 0 || !(d = fdopendir(fd)))
                return 0;
        fd = -1;
        while (n < max && (e = readdir(d))) {
                _cleanup_free_ char *stat = NULL, *cmd = NULL;
                char path[64];
                const char *p;
                uint64_t pid;
                unsigned long ppid;
                size_t size;

                if (safe_atou64(e->d_name, &pid) < 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long) pid);
                if (sysroot_read_file(sr, path, NGINX_PROC_FILE_MAX, &stat, &size) < 0 || !(p = strrchr(stat, ')')) ||
                    sscanf(p, ") %*c %lu", &ppid) != 1 || ppid != master)
                        continue;
                snprintf(path, sizeof(path), "/proc/%llu/cmdline", (unsigned long long) pid);
                if (sysroot_read_file(sr, path, NGINX_PROC_FILE_MAX, &cmd, &size) < 0 || !string_has_prefix(cmd, WORKER_TITLE) ||
                    strstr(cmd, "shutting down"))
                        continue;
                pids[n++] = (pid_t) pid;
        }
        closedir(d);
        return n;
}

static bool contains_pid(const pid_t *pids, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* The reload job is done when `nginx -s reload` has sent SIGHUP; the master
 * then reads the files, starts new workers and only afterwards tells the old
 * ones to stop accepting. Wait for that (no worker from before still
 * accepting, at least one new one), so the caller's next step (certbot's
 * HTTP-01 validation, a client) meets the new configuration. */
static int wait_reloaded(const struct sysroot *sr, const pid_t *old, size_t n_old) {
        for (unsigned i = 0; i < NGINX_RELOAD_TIMEOUT * 20; i++) {
                pid_t now[WORKERS_MAX];
                size_t n = accepting_workers(sr, now, WORKERS_MAX);
                bool stale = false;

                for (size_t k = 0; k < n; k++)
                        stale = stale || contains_pid(old, n_old, now[k]);
                if (n > 0 && !stale)
                        return 0;
                usleep(50 * 1000);
        }
        return -ETIMEDOUT;
}

/* ReloadOrRestartUnit: a running nginx gets SIGHUP (ExecReload), so the old
 * workers finish their requests while new ones take the new files; a
 * stopped one is started. */
int gw_nginx_reload(const struct sysroot *sr, char **ret_error) {
        _cleanup_free_ char *result = NULL;
        pid_t old[WORKERS_MAX];
        size_t n_old = accepting_workers(sr, old, WORKERS_MAX);
        int r;

        r = unit_job("ReloadOrRestartUnit", "nginx.service", NGINX_RELOAD_TIMEOUT, &result);
        if (r < 0)
                return error_msg(ret_error, r, "reload nginx.service: %s%s%s", strerror(-r),
                                 result ? ", job result " : "", result ? result : "");
        r = wait_reloaded(sr, old, n_old);
        if (r < 0)
                return error_msg(ret_error, r, "nginx.service reloaded, but its workers did not take the new "
                                 "configuration within %ds", NGINX_RELOAD_TIMEOUT);
        return 0;
}

bool gw_unit_active(const char *unit, char state[32]) {
        struct unit_state s;

        if (unit_state_get(unit, 0, &s) < 0) {
                snprintf(state, 32, "unknown");
                return false;
        }
        snprintf(state, 32, "%s", s.active);
        unit_state_done(&s);
        return streq(state, "active");
}

bool gw_unit_enabled(const char *unit) {
        struct unit_state s;
        bool enabled;

        if (unit_state_get(unit, 0, &s) < 0)
                return false;
        enabled = streq(s.unit_file, "enabled");
        unit_state_done(&s);
        return enabled;
}
