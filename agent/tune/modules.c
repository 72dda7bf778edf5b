/* SPDX-License-Identifier: MIT */
#include "modules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../shared/dl-kmod.h"

/* A module compiled into the kernel has no /sys/module entry when it takes
 * no parameters, and kernels without /lib/modules have no modules.builtin:
 * what the module provides is then the evidence. */
static const struct {
        const char *module;
        const char *witness;
} witnesses[] = {
        { "br_netfilter", "/proc/sys/net/bridge/bridge-nf-call-iptables" },
        { "nf_conntrack", "/proc/sys/net/netfilter/nf_conntrack_max" },
        { "overlay", "/sys/fs/overlay" },
};

/* modules.builtin lists every built-in module by path: ~100 KiB on
 * Debian's kernels, a few hundred KiB on a kernel built with everything =y. */
#define MODULES_BUILTIN_MAX (4u * 1024 * 1024)

static bool in_modules_builtin(const struct sysroot *sr, const char *name) {
        _cleanup_free_ char *release = NULL, *path = NULL, *list = NULL, *needle = NULL;

        if (sysroot_read_string(sr, "/proc/sys/kernel/osrelease", &release) < 0 || strchr(release, '/'))
                return false;
        if (asprintf(&path, "/lib/modules/%s/modules.builtin", release) < 0 ||
            asprintf(&needle, "/%s.ko\n", name) < 0)
                return false;
        if (sysroot_read_file(sr, path, MODULES_BUILTIN_MAX, &list, NULL) < 0)
                return false;
        return strstr(list, needle) != NULL;
}

enum module_state module_state_get(const struct sysroot *sr, const char *name) {
        char path[128];

        snprintf(path, sizeof(path), "/sys/module/%s", name);
        if (sysroot_access(sr, path, F_OK) >= 0)
                return MODULE_LOADED;
        if (in_modules_builtin(sr, name))
                return MODULE_BUILTIN;
        for (size_t i = 0; i < ELEMENTSOF(witnesses); i++)
                if (streq(witnesses[i].module, name) && sysroot_access(sr, witnesses[i].witness, F_OK) >= 0)
                        return MODULE_BUILTIN;
        return MODULE_NOT_LOADED;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_unref_list)

int module_load(const char *name) {
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        struct kmod_list *it;
        int r;

        r = dlopen_kmod(NULL);
        if (r < 0)
                return r;
        ctx = kmod_new(NULL, NULL);
        if (!ctx)
                return -ENOMEM;
        r = kmod_module_new_from_lookup(ctx, name, &list);
        if (r < 0)
                return r;
        if (!list)
                return -ENOENT;
        kmod_list_foreach(it, list) {
                struct kmod_module *mod = kmod_module_get_module(it);

                r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);
                kmod_module_unref(mod);
                if (r == KMOD_PROBE_APPLY_BLACKLIST)
                        return -EPERM;
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

const char *module_state_to_string(enum module_state s) {
        switch (s) {
        case MODULE_LOADED: return "loaded";
        case MODULE_BUILTIN: return "built-in";
        case MODULE_NOT_LOADED: return "not-loaded";
        }
        return "?";
}
