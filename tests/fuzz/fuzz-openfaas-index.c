/* SPDX-License-Identifier: MIT */
/* Fuzz target: the chart repository index.yaml reader (libyaml). */
#include <stdint.h>
#include <stdlib.h>

#include "openfaas/chart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct chart_entry e;
        char *err = NULL;

        if (size > OPENFAAS_INDEX_MAX)
                return 0;
        if (chart_index_find((const char *) data, size, "openfaas", OPENFAAS_CHART_VERSION, &e, &err) >= 0)
                chart_entry_done(&e);
        free(err);
        return 0;
}
