/* SPDX-License-Identifier: MIT */
/* Fuzz target: /var/lib/nodeprep/gateway.json, which `gateway remove` trusts
 * to decide what to delete. Whatever it accepts names only gateway paths. */
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
        free(text);
        return 0;
}
