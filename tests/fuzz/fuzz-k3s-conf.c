/* SPDX-License-Identifier: MIT */
/* Fuzz target: K3s's config.yaml(.d) reader and the EnvironmentFile= lookup
 * that find the node name and the kubelet healthz address. */
#include <stdint.h>
#include <stdlib.h>

#include "k3s/k3sconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct k3s_conf c = {};
        char *err = NULL, *v = NULL;

        /* Twice into one set: the second pass exercises replace and "+". */
        if (k3s_conf_merge_text(&c, "fuzz.yaml", (const char *) data, size, &err) >= 0)
                (void) k3s_conf_merge_text(&c, "fuzz2.yaml", (const char *) data, size, &err);
        (void) k3s_conf_scalar(&c, "node-name");
        (void) k3s_conf_true(&c, "with-node-id");
        k3s_conf_done(&c);
        free(err);
        if (k3s_envfile_lookup((const char *) data, size, "K3S_NODE_NAME", &v) >= 0)
                free(v);
        return 0;
}
