/* SPDX-License-Identifier: MIT */
/*
 * The gateway check: n/a when `nodeprep gateway` installed nothing; else
 * nginx.service active, and with TLS the served certificate's days left (its
 * notAfter is also a metric, for alerting). Collected every
 * GATEWAY_HEALTH_PERIOD_SEC: the certificate changes once in months.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

#define GATEWAY_HEALTH_PERIOD_SEC 60
/* certbot renews at 30 days left; at 14 renewal has failed for two weeks. */
#define GATEWAY_CERT_FAIL_DAYS 14

struct gateway_check {
        int err;                /* -ENOENT: no gateway installed */
        bool nginx_known;       /* false under --root: unit states are live-only */
        bool nginx_active;
        char nginx_state[32];
        char domain[254];
        bool tls;
        int64_t cert_not_after; /* 0: unknown */
        int cert_days_left;
        char problem[200];      /* why the certificate could not be read */
};

void gateway_check_collect(const struct sysroot *sr, struct gateway_check *ret);

struct health_check_result;
void gateway_check_evaluate(const struct gateway_check *g, struct health_check_result *r);
