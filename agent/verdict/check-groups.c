/* SPDX-License-Identifier: MIT */
#include "check-groups.h"

#include <errno.h>
#include <stdlib.h>

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

int check_list_sort_groups(struct check_list *l) {
        struct check_item *sorted;
        size_t k = 0;

        if (l->n == 0)
                return 0;
        sorted = calloc(l->allocated, sizeof(*sorted));
        if (!sorted)
                return -ENOMEM;
        for (const struct check_group *g = check_groups; g->name; g++)
                for (size_t i = 0; i < l->n; i++)
                        if (streq(l->items[i].group, g->name))
                                sorted[k++] = l->items[i];
        /* Items of groups not in the table keep their relative order, last. */
        for (size_t i = 0; i < l->n; i++)
                if (!check_group_find(l->items[i].group))
                        sorted[k++] = l->items[i];
        free(l->items);
        l->items = sorted;
        return 0;
}
