/* SPDX-License-Identifier: MIT */
#include "gateway-health.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../gateway/gateway.h"
#include "health-checks.h"

void gateway_check_collect(const struct sysroot *sr, struct gateway_check *ret) {
        struct gateway_check g = {};
        struct gateway_health h;

        g.err = gateway_health_read(sr, &h);
        if (g.err >= 0) {
                g.nginx_known = sr->live;
                g.nginx_active = h.nginx_active;
                snprintf(g.nginx_state, sizeof(g.nginx_state), "%s", h.nginx_state);
                snprintf(g.domain, sizeof(g.domain), "%s", h.domain);
                g.tls = h.tls;
                g.cert_not_after = h.cert_not_after;
                g.cert_days_left = h.cert_days_left;
        }
        if (h.error)
                snprintf(g.problem, sizeof(g.problem), "%s", h.error);
        gateway_health_done(&h);
        *ret = g;
}

void gateway_check_evaluate(const struct gateway_check *g, struct health_check_result *r) {
        char cert[120] = "no TLS";

        if (g->err == -ENOENT) {
                r->status = CHECK_NA;
                snprintf(r->reason, sizeof(r->reason), "no gateway installed by nodeprep");
                return;
        }
        if (g->err < 0) {
                r->status = CHECK_UNKNOWN;
                snprintf(r->reason, sizeof(r->reason), "gateway state: %s", g->problem[0] ? g->problem : strerror(-g->err));
                return;
        }
        if (g->tls && g->cert_not_after)
                snprintf(cert, sizeof(cert), "certificate %d days left", g->cert_days_left);
        else if (g->tls)
                snprintf(cert, sizeof(cert), "certificate unreadable: %.90s", g->problem);
        if (!g->nginx_known)
                r->status = CHECK_UNKNOWN;
        else if (!g->nginx_active)
                r->status = CHECK_FAIL;
        else if (g->tls && (!g->cert_not_after || g->cert_days_left <= GATEWAY_CERT_FAIL_DAYS))
                r->status = CHECK_FAIL;
        else
                r->status = CHECK_OK;
        snprintf(r->reason, sizeof(r->reason), "%.160s: nginx %.31s, %.110s", g->domain, g->nginx_state, cert);
}
