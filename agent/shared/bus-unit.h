/* SPDX-License-Identifier: MIT */
/*
 * The unit's life cycle over sd-bus (systemd's Manager API), with our own
 * deadline: the K3s unit has TimeoutStartSec=0, so `systemctl restart` would
 * wait for READY=1 forever (k3s#1356). We wait for our job's JobRemoved
 * signal until the deadline, and on failure collect what an operator needs:
 * ActiveState, SubState, NRestarts and the unit's last journal lines.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

struct unit_state {
        char active[32];        /* ActiveState */
        char sub[32];           /* SubState */
        char unit_file[32];     /* UnitFileState (enabled, disabled, ...) */
        uint32_t n_restarts;
        char *journal;          /* last lines, "\n"-separated; may be NULL */
};

void unit_state_done(struct unit_state *s);

/* systemd is PID 1 of the system we act on (never under --root). */
bool unit_manager_available(const struct sysroot *sr);

/* Reload, EnableUnitFiles, then RestartUnit (restart) or StartUnit, and wait
 * for the job until timeout_sec. -ETIMEDOUT at the deadline, -EIO when the
 * job result is not "done" (ret_result: "failed", "canceled", ...). */
int unit_enable_start(const char *unit, bool restart, unsigned timeout_sec, char **ret_result);

/* Reload, EnableUnitFiles, Reload: up at the next boot, not started now
 * (install.sh's INSTALL_K3S_SKIP_START). */
int unit_enable(const char *unit);

/* StopUnit (waited for), DisableUnitFiles, Reload. A unit that is not
 * loaded is not an error. */
int unit_stop_disable(const char *unit, unsigned timeout_sec);

/* StopUnit only, waited for (k3s-killall.sh stops every k3s*.service). */
int unit_stop(const char *unit, unsigned timeout_sec);

/* One job on a unit (method: "ReloadOrRestartUnit", "StartUnit", ...) with
 * mode "replace", waited for like enable_start. */
int unit_job(const char *method, const char *unit, unsigned timeout_sec, char **ret_result);

/* Reload only (after unit files were removed). */
int unit_daemon_reload(void);

/* Properties, plus the last n journal lines when n > 0. */
int unit_state_get(const char *unit, unsigned n_journal, struct unit_state *ret);

/* The last n MESSAGE= lines of the unit (and of systemd about it). */
int unit_journal_tail(const char *unit, unsigned n, char **ret);
