/* SPDX-License-Identifier: MIT */
/* nginx and systemd as the gateway sees them: `nginx -t`, a reload over
 * sd-bus, and unit states (nginx.service, certbot.timer). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../k3s/systemd.h"
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

/* ReloadOrRestartUnit: a running nginx gets SIGHUP (ExecReload), so the old
 * workers finish their requests while new ones take the new files; a
 * stopped one is started. */
int gw_nginx_reload(char **ret_error) {
        _cleanup_free_ char *result = NULL;
        int r;

        r = k3s_systemd_unit_job("ReloadOrRestartUnit", "nginx.service", NGINX_RELOAD_TIMEOUT, &result);
        if (r < 0)
                return error_msg(ret_error, r, "reload nginx.service: %s%s%s", strerror(-r),
                                 result ? ", job result " : "", result ? result : "");
        return 0;
}

bool gw_unit_active(const char *unit, char state[32]) {
        struct unit_state s;

        if (k3s_systemd_unit_state(unit, 0, &s) < 0) {
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

        if (k3s_systemd_unit_state(unit, 0, &s) < 0)
                return false;
        enabled = streq(s.unit_file, "enabled");
        unit_state_done(&s);
        return enabled;
}
