/* SPDX-License-Identifier: MIT */
#include "order.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"

/* 1..3 for net.ipvX.neigh.default.gc_threshN, else 0. */
static int gc_index(const char *key) {
        static const char *const prefixes[] = { "net.ipv4.neigh.default.gc_thresh", "net.ipv6.neigh.default.gc_thresh" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (string_has_prefix(key, prefixes[i])) {
                        const char *n = key + strlen(prefixes[i]);

                        if (n[0] >= '1' && n[0] <= '3' && !n[1])
                                return n[0] - '0';
                }
        return 0;
}

static bool is_forwarding(const char *key) {
        return streq(key, "net.ipv4.ip_forward") || strstr(key, ".forwarding") != NULL;
}

static bool raises(const struct write_op *op) {
        int64_t a, b;

        if (!op->from || safe_atoi64(op->from, &a) < 0 || safe_atoi64(op->to, &b) < 0)
                return true;
        return b >= a;
}

void order_writes(const struct write_op *ops, size_t n, size_t *ret_order) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                if (is_forwarding(ops[i].key))
                        ret_order[k++] = i;
        for (size_t i = 0; i < n; i++)
                if (!is_forwarding(ops[i].key) && gc_index(ops[i].key) == 0)
                        ret_order[k++] = i;
        /* Raises, highest threshold first. */
        for (int t = 3; t >= 1; t--)
                for (size_t i = 0; i < n; i++)
                        if (gc_index(ops[i].key) == t && raises(&ops[i]))
                                ret_order[k++] = i;
        /* Then lowers, lowest threshold first. */
        for (int t = 1; t <= 3; t++)
                for (size_t i = 0; i < n; i++)
                        if (gc_index(ops[i].key) == t && !raises(&ops[i]))
                                ret_order[k++] = i;
}
