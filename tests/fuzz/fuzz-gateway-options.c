/* SPDX-License-Identifier: MIT */
/* Fuzz target: gateway option values (hostile: they end up in nginx
 * configuration). Input: lines "OPTION VALUE"; every accepted set of values
 * must render files in which no value added nginx syntax: the rendered site
 * has exactly the braces and semicolons of the same options' canonical form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/internal.h"

typedef int (*setter)(struct gateway_options *o, const char *s, char **ret_error);

static const struct {
        const char *name;
        setter fn;
} setters[] = {
        { "domain", gateway_set_domain }, { "email", gateway_set_email }, { "tls", gateway_set_tls },
        { "acme-server", gateway_set_acme_server }, { "acme-ca-file", gateway_set_acme_ca_file },
        { "upstream", gateway_set_upstream }, { "rate", gateway_set_rate }, { "burst", gateway_set_burst },
        { "max-body", gateway_set_max_body }, { "function-timeout", gateway_set_function_timeout },
        { "allow-system", gateway_add_allow_system }, { "trusted-proxy", gateway_add_trusted_proxy },
};

static size_t count(const char *s, char c) {
        size_t n = 0;

        for (; *s; s++)
                n += *s == c;
        return n;
}

/* Structure of a rendering: braces, semicolons and lines, which a value
 * that smuggled syntax in would change. */
static void shape(const struct gw_desired_set *set, size_t ret[3]) {
        ret[0] = ret[1] = ret[2] = 0;
        for (unsigned i = 0; i < set->n; i++)
                if (set->files[i].content && set->files[i].kind == GATEWAY_FILE) {
                        ret[0] += count(set->files[i].content, '{');
                        ret[1] += count(set->files[i].content, ';');
                        ret[2] += count(set->files[i].content, '\n');
                }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct gateway_options o, ref;
        char *text, *line, *save = NULL;

        if (size > 4096)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        gateway_options_init(&o);
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' '), *err = NULL;

                if (!sp)
                        continue;
                *sp = 0;
                for (size_t i = 0; i < sizeof(setters) / sizeof(setters[0]); i++)
                        if (strcmp(line, setters[i].name) == 0)
                                (void) setters[i].fn(&o, sp + 1, &err);
                free(err);
        }
        {
                char *err = NULL;

                if (gateway_options_finish(&o, &err) >= 0) {
                        struct gw_desired_set a, b;
                        size_t sa[3], sb[3];

                        /* The same structure as a reference with plain
                         * values and the same lists' lengths. */
                        gateway_options_init(&ref);
                        strcpy(ref.domain, "a.example.com");
                        ref.tls = o.tls;
                        if (o.tls == GATEWAY_TLS_CERT) {
                                strcpy(ref.cert_file, "/c");
                                strcpy(ref.key_file, "/k");
                        }
                        for (unsigned i = 0; i < o.n_allow_system; i++)
                                ref.allow_system[ref.n_allow_system++] = strdup("10.0.0.0/8");
                        for (unsigned i = 0; i < o.n_trusted_proxy; i++)
                                ref.trusted_proxy[ref.n_trusted_proxy++] = strdup("10.0.0.0/8");
                        for (int phase = 1; phase <= 2; phase++)
                                if (gw_render(&o, phase, &a) >= 0) {
                                        if (gw_render(&ref, phase, &b) < 0)
                                                abort();
                                        shape(&a, sa);
                                        shape(&b, sb);
                                        if (memcmp(sa, sb, sizeof(sa)) != 0)
                                                abort();
                                        gw_desired_set_done(&a);
                                        gw_desired_set_done(&b);
                                }
                        gateway_options_done(&ref);
                }
                free(err);
        }
        gateway_options_done(&o);
        free(text);
        return 0;
}
