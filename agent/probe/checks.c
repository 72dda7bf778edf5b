/* SPDX-License-Identifier: MIT */
#include "checks.h"

#include "../basic/cleanup.h"

const struct check_group check_groups[] = {
        { "virt", check_virt },
        { "kvm", check_kvm },
        { "nvme", check_nvme },
        { "disk", check_disk },
        { "k3s-prereq", check_k3s_prereq },
        { "limits", check_limits },
        { NULL, NULL },
};

const struct check_group *check_group_find(const char *name) {
        for (const struct check_group *g = check_groups; g->name; g++)
                if (streq(g->name, name))
                        return g;
        return NULL;
}
