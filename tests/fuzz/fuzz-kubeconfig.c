/* SPDX-License-Identifier: MIT */
/* Fuzz target: the kubeconfig parser (libyaml, base64 PEM fields). */
#include <stdint.h>
#include <stdlib.h>

#include "kube/kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct kubeconfig k;
        char *err = NULL;

        if (size > KUBECONFIG_MAX_SIZE)
                return 0;
        if (kubeconfig_parse((const char *) data, size, &k, &err) >= 0)
                kubeconfig_done(&k);
        free(err);
        return 0;
}
