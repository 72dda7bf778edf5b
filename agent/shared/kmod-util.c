/* SPDX-License-Identifier: MIT */
#include "kmod-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "dl-kmod.h"

/* modules.builtin lists every built-in module by path: ~100 KiB on
 * Debian's kernels, a few hundred KiB on a kernel built with everything =y. */
#define MODULES_BUILTIN_MAX (4u * 1024 * 1024)
/* The kernel caps its command line at COMMAND_LINE_SIZE (2048 bytes on
 * x86, 4096 on arm64; include/uapi/asm-generic/setup.h and per arch). */
#define CMDLINE_MAX (64u * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_ctx *, kmod_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct kmod_list *, kmod_module_unref_list)

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

/* The running kernel's release as the root says, usable in a path. */
static int kernel_release(const struct sysroot *sr, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n;
        int r;

        r = sysroot_read_string(sr, "/proc/sys/kernel/osrelease", &s);
        if (r < 0)
                return r;
        n = strlen(s);
        while (n > 0 && strchr(" \t", s[n - 1]))
                s[--n] = 0;
        if (n == 0 || strchr(s, '/'))
                return -EBADMSG;
        *ret = TAKE_PTR(s);
        return 0;
}

static bool in_modules_builtin(const struct sysroot *sr, const char *name) {
        _cleanup_free_ char *release = NULL, *path = NULL, *list = NULL, *needle = NULL;

        if (kernel_release(sr, &release) < 0)
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

/* Module loading switched off: "nomodule" on the command line (Firecracker
 * kernels) or kernel.modules_disabled=1. */
static bool loading_disabled(const struct sysroot *sr) {
        _cleanup_free_ char *cmdline = NULL, *disabled = NULL;

        if (sysroot_read_string(sr, "/proc/sys/kernel/modules_disabled", &disabled) >= 0 && streq(disabled, "1"))
                return true;
        return sysroot_read_file(sr, "/proc/cmdline", CMDLINE_MAX, &cmdline, NULL) >= 0 && word_in_list(cmdline, "nomodule");
}

/* Found in the root's modules index? libkmod reads /lib/modules/<release>
 * under the root, with the root's modprobe.d as configuration. */
static bool kmod_findable(const struct sysroot *sr, const char *release, const char *name) {
        _cleanup_(kmod_unrefp) struct kmod_ctx *ctx = NULL;
        _cleanup_(kmod_module_unref_listp) struct kmod_list *list = NULL;
        _cleanup_free_ char *dir = NULL, *conf = NULL, *rel = NULL;
        const char *config[] = { NULL, NULL };

        if (asprintf(&rel, "/lib/modules/%s/modules.dep", release) < 0)
                return false;
        /* No index, nothing to find (and libkmod would complain on stderr). */
        if (sysroot_access(sr, rel, F_OK) < 0)
                return false;
        rel[strlen(rel) - strlen("/modules.dep")] = 0;
        if (dlopen_kmod(NULL) < 0)
                return false;
        if (sysroot_host_path(sr, rel, &dir) < 0 || sysroot_host_path(sr, "/etc/modprobe.d", &conf) < 0)
                return false;
        config[0] = conf;
        ctx = kmod_new(dir, config);
        if (!ctx)
                return false;
        /* Builtins were ruled out before: a hit is an entry of modules.dep. */
        return kmod_module_new_from_lookup(ctx, name, &list) >= 0 && list;
}

enum module_state module_state_find(const struct sysroot *sr, const char *name, char *evidence, size_t size) {
        _cleanup_free_ char *release = NULL;

        switch (module_state_get(sr, name)) {
        case MODULE_LOADED:
                snprintf(evidence, size, "/sys/module/%s", name);
                return MODULE_LOADED;
        case MODULE_BUILTIN:
                snprintf(evidence, size, "modules.builtin or what %s provides", name);
                return MODULE_BUILTIN;
        default:
                break;
        }
        if (kernel_release(sr, &release) < 0) {
                snprintf(evidence, size, "/proc/sys/kernel/osrelease unreadable");
                return MODULE_MISSING;
        }
        if (loading_disabled(sr)) {
                snprintf(evidence, size, "module loading disabled (nomodule or kernel.modules_disabled)");
                return MODULE_MISSING;
        }
        if (kmod_findable(sr, release, name)) {
                snprintf(evidence, size, "/lib/modules/%s (libkmod lookup)", release);
                return MODULE_LOADABLE;
        }
        snprintf(evidence, size, "not in /sys/module, modules.builtin or /lib/modules/%s", release);
        return MODULE_MISSING;
}

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
        case MODULE_LOADABLE: return "loadable";
        case MODULE_MISSING: return "missing";
        }
        return "?";
}

const char *module_state_to_words(enum module_state s) {
        return s == MODULE_BUILTIN ? "built in" : module_state_to_string(s);
}
