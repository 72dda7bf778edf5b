/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the parsers of /proc and /sys content behind `nodeprep
 * check`. The first byte picks the parser, the rest is the file content:
 * 0 /proc/stat, 1 uid_map, 2 /proc/net/route, 3 ipv6_route, 4 /proc/net/tcp,
 * 5 kernel config, 6 DefaultLimitNOFILE, 7 a sysfs link target, 8 the
 * scheduler list, 9 the NVMe SMART page, 10 printable-text check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe/blockdev.h"
#include "probe/kernel.h"
#include "probe/limits.h"
#include "probe/net.h"
#include "probe/nvme.h"
#include "probe/steal.h"
#include "probe/sysfs.h"
#include "probe/virt.h"
#include "verdict/verdict-rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct route_info ri = {};
        struct cpu_ticks a, b = {};
        struct verdict_thresholds th;
        struct nvme_smart s;
        uint64_t soft, hard;
        char name[32], parent[32], why[96], *t, *out = NULL;
        double pct;

        if (size < 1 || size > 256 * 1024)
                return 0;
        verdict_thresholds_init(&th);
        /* The readers hand parsers NUL-terminated text. */
        t = malloc(size);
        if (!t)
                return 0;
        memcpy(t, data + 1, size - 1);
        t[size - 1] = 0;
        switch (data[0] % 11) {
        case 0:
                if (cpu_ticks_parse(t, &a) >= 0)
                        (void) steal_percent(&b, &a, &pct);
                break;
        case 1: (void) virt_uid_map_is_full(t); break;
        case 2: (void) net_parse_proc_route(t, &ri); break;
        case 3: (void) net_parse_proc_ipv6_route(t, &ri); break;
        case 4: (void) net_parse_tcp_listen(t, 6443); break;
        case 5: {
                static const char *const opts[] = { "MEMCG", "NETFILTER_XT_MATCH_IPVS", "A", "" };
                char got[4];

                (void) kconfig_get(t, "MEMCG");
                kconfig_get_many(t, opts, 4, got);
                break;
        }
        case 6: (void) limits_parse_nofile(t, &soft, &hard); break;
        case 7:
                if (blockdev_name_from_link(t, name, sizeof(name), parent, sizeof(parent)) >= 0)
                        (void) blockdev_classify(name, t);
                break;
        case 8:
                if (sysfs_bracketed(t, &out) >= 0)
                        free(out);
                break;
        case 9:
                if (nvme_smart_parse(data + 1, size - 1, &s) >= 0)
                        (void) verdict_nvme_smart(&s, &th, why, sizeof(why));
                break;
        default:
                (void) text_is_printable((const char *) data + 1, size - 1);
                (void) virt_vm_from_cpuid_signature(t);
                (void) virt_vm_from_dmi_vendor(t);
                break;
        }
        free(t);
        return 0;
}
