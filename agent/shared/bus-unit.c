/* SPDX-License-Identifier: MIT */
#include "bus-unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "../basic/log.h"
#include "dl-systemd.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

void unit_state_done(struct unit_state *s) {
        free(s->journal);
        s->journal = NULL;
}

bool unit_manager_available(const struct sysroot *sr) {
        return sr->live && dlopen_systemd(NULL) >= 0 && sd_booted() > 0;
}

/* NULL when libsystemd never loaded: the cleanups must not call it then. */
static void bus_unrefp(sd_bus **b) {
        if (*b)
                sd_bus_flush_close_unref(*b);
}

static void msg_unrefp(sd_bus_message **m) {
        if (*m)
                sd_bus_message_unref(*m);
}

static void slot_unrefp(sd_bus_slot **s) {
        if (*s)
                sd_bus_slot_unref(*s);
}

/* systemd's private socket first (works without dbus-daemon, as systemctl
 * does for root), the system bus otherwise. Every bus call starts here, so
 * this loads libsystemd (shared/dlopen.h). */
static int bus_open(sd_bus **ret) {
        _cleanup_(bus_unrefp) sd_bus *b = NULL;
        int r;

        r = dlopen_systemd(NULL);
        if (r < 0)
                return r;
        r = sd_bus_new(&b);
        if (r < 0)
                return r;
        r = sd_bus_set_address(b, "unix:path=/run/systemd/private");
        if (r >= 0)
                r = sd_bus_start(b);
        if (r >= 0) {
                *ret = TAKE_PTR(b);
                return 0;
        }
        log_debug_errno(r, "systemd private socket: %m; trying the system bus");
        return sd_bus_open_system(ret);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int call_simple(sd_bus *bus, const char *method, const char *types, ...) {
        _cleanup_(msg_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        r = sd_bus_call(bus, m, 0, &err, &reply);
        if (r < 0)
                log_debug("%s: %s", method, err.message ? err.message : strerror(-r));
        sd_bus_error_free(&err);
        return r;
}

static int unit_files_call(sd_bus *bus, const char *method, const char *unit, bool enable) {
        _cleanup_(msg_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(m, (char *[]) { (char *) unit, NULL });
        if (r >= 0)
                r = enable ? sd_bus_message_append(m, "bb", 0, 1) : sd_bus_message_append(m, "b", 0);
        if (r < 0)
                return r;
        r = sd_bus_call(bus, m, 0, &err, &reply);
        if (r < 0)
                log_debug("%s %s: %s", method, unit, err.message ? err.message : strerror(-r));
        sd_bus_error_free(&err);
        return r;
}

struct job_wait {
        const char *job;
        char *result;
        bool done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct job_wait *w = userdata;
        const char *path = NULL, *unit = NULL, *result = NULL;
        uint32_t id;

        (void) ret_error;
        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && path && streq(path, w->job)) {
                w->done = true;
                w->result = strdup(result ? result : "unknown");
        }
        return 0;
}

/* Queue method(unit, "replace") and wait for its JobRemoved. */
static int run_job(sd_bus *bus, const char *method, const char *unit, uint64_t deadline, char **ret_result) {
        _cleanup_(msg_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(slot_unrefp) sd_bus_slot *slot = NULL;
        sd_bus_error err = SD_BUS_ERROR_NULL;
        struct job_wait w = {};
        const char *job;
        int r;

        r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return r;
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &err, &reply, "ss", unit, "replace");
        if (r < 0) {
                log_debug("%s %s: %s", method, unit, err.message ? err.message : strerror(-r));
                sd_bus_error_free(&err);
                return r;
        }
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = job;
        while (!w.done) {
                uint64_t now = now_usec();

                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline - now);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        if (ret_result)
                *ret_result = w.result;
        else
                free(w.result);
        if (!w.result)
                return -ENOMEM;
        return streq(w.result, "done") ? 0 : -EIO;
}

static int enable(sd_bus *bus, const char *unit) {
        int r = call_simple(bus, "Reload", NULL);

        if (r >= 0)
                r = unit_files_call(bus, "EnableUnitFiles", unit, true);
        if (r >= 0)
                r = call_simple(bus, "Reload", NULL);
        return r;
}

int unit_enable(const char *unit) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        int r = bus_open(&bus);

        return r < 0 ? r : enable(bus, unit);
}

/* A bus with job signals subscribed, and the deadline of the job to come. */
static int bus_open_for_job(unsigned timeout_sec, sd_bus **ret_bus, uint64_t *ret_deadline) {
        uint64_t deadline = now_usec() + (uint64_t) timeout_sec * 1000000u;
        int r = bus_open(ret_bus);

        if (r < 0)
                return r;
        (void) call_simple(*ret_bus, "Subscribe", NULL);
        *ret_deadline = deadline;
        return 0;
}

int unit_enable_start(const char *unit, bool restart, unsigned timeout_sec, char **ret_result) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        uint64_t deadline;
        int r;

        r = bus_open_for_job(timeout_sec, &bus, &deadline);
        if (r < 0)
                return r;
        r = enable(bus, unit);
        if (r < 0)
                return r;
        return run_job(bus, restart ? "RestartUnit" : "StartUnit", unit, deadline, ret_result);
}

/* StopUnit, waited for until timeout_sec; bus left open for more calls. */
static int stop(const char *unit, unsigned timeout_sec, sd_bus **ret_bus) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        uint64_t deadline;
        int r;

        r = bus_open_for_job(timeout_sec, &bus, &deadline);
        if (r < 0)
                return r;
        r = run_job(bus, "StopUnit", unit, deadline, NULL);
        /* Not loaded (no unit file) is fine: nothing to stop. */
        if (r < 0 && r != -ENOENT && r != -ENOLINK && r != -EBADR)
                log_debug_errno(r, "StopUnit %s: %m", unit);
        *ret_bus = TAKE_PTR(bus);
        return r == -ETIMEDOUT ? r : 0;
}

int unit_stop_disable(const char *unit, unsigned timeout_sec) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        int r = stop(unit, timeout_sec, &bus);

        if (!bus)
                return r;
        (void) unit_files_call(bus, "DisableUnitFiles", unit, false);
        (void) call_simple(bus, "ResetFailedUnit", "s", unit);
        return r;
}

int unit_stop(const char *unit, unsigned timeout_sec) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;

        return stop(unit, timeout_sec, &bus);
}

int unit_job(const char *method, const char *unit, unsigned timeout_sec, char **ret_result) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        uint64_t deadline;
        int r;

        r = bus_open_for_job(timeout_sec, &bus, &deadline);
        if (r < 0)
                return r;
        return run_job(bus, method, unit, deadline, ret_result);
}

int unit_daemon_reload(void) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        int r = bus_open(&bus);

        return r < 0 ? r : call_simple(bus, "Reload", NULL);
}

static void copy_prop(sd_bus *bus, const char *path, const char *iface, const char *name, char *buf, size_t size) {
        sd_bus_error err = SD_BUS_ERROR_NULL;
        char *v = NULL;

        if (sd_bus_get_property_string(bus, SD_DEST, path, iface, name, &err, &v) >= 0 && v)
                snprintf(buf, size, "%s", v);
        else
                snprintf(buf, size, "unknown");
        free(v);
        sd_bus_error_free(&err);
}

/* The unit's D-Bus object path: systemd's escaping (bus_label_escape):
 * every byte but [A-Za-z0-9] becomes _xx. */
static int unit_object_path(const char *unit, char *buf, size_t size) {
        static const char prefix[] = "/org/freedesktop/systemd1/unit/";
        size_t n = sizeof(prefix) - 1;

        if (size < n + 1)
                return -ENAMETOOLONG;
        memcpy(buf, prefix, n);
        for (const char *p = unit; *p; p++) {
                if (n + 4 > size)
                        return -ENAMETOOLONG;
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
                        buf[n++] = *p;
                else
                        n += (size_t) snprintf(buf + n, size - n, "_%02x", (unsigned char) *p);
        }
        buf[n] = 0;
        return 0;
}

int unit_state_get(const char *unit, unsigned n_journal, struct unit_state *ret) {
        _cleanup_(bus_unrefp) sd_bus *bus = NULL;
        _cleanup_(msg_unrefp) sd_bus_message *reply = NULL;
        char path[512];
        sd_bus_error err = SD_BUS_ERROR_NULL;
        int r;

        *ret = (struct unit_state) {};
        r = unit_object_path(unit, path, sizeof(path));
        if (r < 0)
                return r;
        r = bus_open(&bus);
        if (r < 0)
                return r;
        copy_prop(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState", ret->active, sizeof(ret->active));
        copy_prop(bus, path, "org.freedesktop.systemd1.Unit", "SubState", ret->sub, sizeof(ret->sub));
        copy_prop(bus, path, "org.freedesktop.systemd1.Unit", "UnitFileState", ret->unit_file, sizeof(ret->unit_file));
        r = sd_bus_get_property(bus, SD_DEST, path, "org.freedesktop.systemd1.Service", "NRestarts", &err, &reply, "u");
        if (r >= 0)
                (void) sd_bus_message_read(reply, "u", &ret->n_restarts);
        sd_bus_error_free(&err);
        if (n_journal > 0)
                (void) unit_journal_tail(unit, n_journal, &ret->journal);
        return 0;
}

static void journal_closep(sd_journal **j) {
        if (*j)
                sd_journal_close(*j);
}

int unit_journal_tail(const char *unit, unsigned n, char **ret) {
        _cleanup_(journal_closep) sd_journal *j = NULL;
        char m1[300], m2[300];
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        if (n == 0 || n > 1000 || strlen(unit) > 256)
                return -EINVAL;
        r = dlopen_systemd(NULL);
        if (r < 0)
                return r;
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;
        snprintf(m1, sizeof(m1), "_SYSTEMD_UNIT=%s", unit);
        snprintf(m2, sizeof(m2), "UNIT=%s", unit);
        if ((r = sd_journal_add_match(j, m1, 0)) < 0 || (r = sd_journal_add_disjunction(j)) < 0 ||
            (r = sd_journal_add_match(j, m2, 0)) < 0 || (r = sd_journal_seek_tail(j)) < 0)
                return r;
        /* Back n entries from the tail, then forward: oldest first. */
        r = sd_journal_previous_skip(j, n);
        if (r < 0)
                return r;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        for (int k = r; k > 0; k--) {
                const void *data;
                size_t len;

                if (sd_journal_get_data(j, "MESSAGE", &data, &len) >= 0 && len >= 8)
                        fprintf(f, "%.*s\n", (int) (len - 8), (const char *) data + 8);
                if (k > 1 && sd_journal_next(j) <= 0)
                        break;
        }
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
