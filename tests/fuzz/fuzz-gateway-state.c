/* SPDX-License-Identifier: MIT */
/* Fuzz target: /var/lib/nodeprep/gateway.json, which `gateway remove` trusts
 * to decide what to delete. Whatever it accepts names only gateway paths.
 * The same input as OpenFaaS's gateway.json, whose upstream goes into
 * nginx's configuration: whatever it accepts carries no nginx syntax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct gw_state s;
        char *text, *err = NULL;

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;
        if (gw_state_parse(text, size, &s, &err) >= 0) {
                if (s.n > GW_FILES_MAX || !gateway_domain_valid(s.domain))
                        abort();
                for (unsigned i = 0; i < s.n; i++)
                        if (!gw_path_known(s.files[i].path, NULL) || strlen(s.files[i].sha) != 64)
                                abort();
        }
        free(err);
        err = NULL;
        {
                char up[GATEWAY_UPSTREAM_MAX];

                if (gw_openfaas_upstream_parse(text, size, up, &err) >= 0 &&
                    (!up[0] || strpbrk(up, " ;{}\"'#\\\t\r\n") || !strchr(up, ':')))
                        abort();
        }
        free(err);
        free(text);
        return 0;
}
