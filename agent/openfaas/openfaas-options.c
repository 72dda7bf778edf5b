/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "openfaas.h"

static const char *const expose_names[] = {
        [OPENFAAS_EXPOSE_CLUSTERIP] = "clusterip",
        [OPENFAAS_EXPOSE_LOADBALANCER] = "loadbalancer",
        [OPENFAAS_EXPOSE_NODEPORT] = "nodeport",
};

const char *openfaas_expose_to_string(enum openfaas_expose e) {
        return (size_t) e < ELEMENTSOF(expose_names) ? expose_names[e] : "?";
}

int openfaas_expose_from_string(const char *s, enum openfaas_expose *ret) {
        for (size_t i = 0; i < ELEMENTSOF(expose_names); i++)
                if (streq(s, expose_names[i])) {
                        *ret = (enum openfaas_expose) i;
                        return 0;
                }
        return -EINVAL;
}

void openfaas_options_init(struct openfaas_options *o) {
        *o = (struct openfaas_options) {
                .function_timeout_sec = OPENFAAS_DEFAULT_FUNCTION_TIMEOUT,
                .canary_image = "ghcr.io/openfaas/alpine:latest",
        };
        fetch_options_init(&o->fetch);
}

int openfaas_parse_duration(const char *s, unsigned *ret_sec) {
        unsigned long long total = 0;
        bool any = false;

        if (!s || !*s)
                return -EINVAL;
        while (*s) {
                unsigned long long v = 0, mult;

                if (!isdigit((unsigned char) *s))
                        return -EINVAL;
                for (; isdigit((unsigned char) *s); s++) {
                        v = v * 10 + (unsigned) (*s - '0');
                        if (v > 86400ULL * 60)
                                return -ERANGE;
                }
                if (*s == 'h')
                        mult = 3600;
                else if (*s == 'm')
                        mult = 60;
                else if (*s == 's')
                        mult = 1;
                else if (!*s && !any)
                        mult = 1;       /* bare seconds */
                else
                        return -EINVAL;
                if (*s)
                        s++;
                total += v * mult;
                any = true;
                if (total > 86400)
                        return -ERANGE;
        }
        if (total == 0)
                return -ERANGE;
        *ret_sec = (unsigned) total;
        return 0;
}

int openfaas_options_check(const struct openfaas_options *o, char **ret_error) {
        if (!o->license_file && !o->accept_ce_eula)
                return error_msg(ret_error, -EINVAL,
                                 "OpenFaaS CE is licensed under its EULA (%s): it may not be redistributed or "
                                 "installed for a client commercially, and is limited to 15 functions and 5 "
                                 "replicas; pass --accept-ce-eula to accept it, or --license-file F for Pro",
                                 OPENFAAS_CE_EULA_URL);
        if (o->license_file && o->accept_ce_eula)
                return error_msg(ret_error, -EINVAL, "--accept-ce-eula and --license-file exclude each other");
        if (o->airgap && !o->license_file)
                return error_msg(ret_error, -EINVAL,
                                 "--airgap: OpenFaaS CE cannot run offline (faas-netes exits at start when "
                                 "https://checkip.amazonaws.com is unreachable, pkg/config/connectivity.go)");
        if (o->airgap && !o->chart_file)
                return error_msg(ret_error, -EINVAL, "--airgap needs --chart-file (no chart download offline)");
        if (o->function_timeout_sec == 0 || o->function_timeout_sec > 86400)
                return error_msg(ret_error, -EINVAL, "--function-timeout must be between 1s and 24h");
        if (o->chart_url && fetch_url_allowed(&o->fetch, o->chart_url) < 0)
                return error_msg(ret_error, -EINVAL, "--chart-url %s: only https (or http to a loopback mirror)",
                                 o->chart_url);
        return 0;
}
