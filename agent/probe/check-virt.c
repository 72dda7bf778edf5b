/* SPDX-License-Identifier: MIT */
/* The virt group: VM layer, container layer, steal time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "checks.h"
#include "steal.h"
#include "sysfs.h"
#include "virt.h"

#define G "virt"

static const char *vm_label(const char *vm) {
        static const struct {
                const char *vm, *label;
        } t[] = {
                { "kvm", "KVM guest" }, { "qemu", "QEMU guest (KVM or TCG: not known)" },
                { "qemu-tcg", "QEMU guest without KVM (TCG: emulated, slow)" },
                { "microsoft", "Hyper-V guest" }, { "vmware", "VMware guest" }, { "xen", "Xen guest" },
                { "amazon", "Amazon EC2 guest" }, { "google", "Google Compute Engine guest" },
                { "oracle", "VirtualBox guest" }, { "parallels", "Parallels guest" }, { "bhyve", "bhyve guest" },
                { "none", "bare metal (no hypervisor)" }, { "other", "guest of an unidentified hypervisor" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (streq(vm, t[i].vm))
                        return t[i].label;
        return vm;
}

static int check_vm(const struct sysroot *sr, const struct virt_info *v, struct check_list *l) {
        char reason[512];

        if (!v->vm[0])
                return check_add(l, G, "vm", CHECK_UNKNOWN, "CPUID, /sys/class/dmi/id, /proc/cpuinfo", NULL,
                                 "unknown: no CPUID%s, no DMI and no usable /proc/cpuinfo",
                                 sr->live ? "" : " (CPUID is " CHECK_SKIPPED_ROOT ")");
        bufprintf(reason, sizeof(reason), "%s (%s%s%s)", vm_label(v->vm), v->vm_decided_by,
                  v->vm_detail[0] ? "; " : "", v->vm_detail);
        return check_add(l, G, "vm", streq(v->vm, "qemu-tcg") ? CHECK_WARN : CHECK_OK, v->vm_decided_by,
                         streq(v->vm, "qemu-tcg") ? "TCG emulation is an order of magnitude slower; ask for a KVM plan" : NULL,
                         "%s%s", reason, sr->live ? "" : "; CPUID is " CHECK_SKIPPED_ROOT);
}

static int check_container(const struct virt_info *v, struct check_list *l) {
        static const struct {
                const char *c, *why;
        } t[] = {
                { "openvz", "OpenVZ/Virtuozzo container: no own kernel, so overlay and br_netfilter cannot be loaded" },
                { "lxc", "LXC container: shared kernel, lxcfs-virtualized /proc, often no /dev/kmsg" },
                { "lxc-libvirt", "LXC (libvirt) container: shared kernel" },
                { "docker", "Docker container: shared kernel" },
                { "podman", "Podman container: shared kernel" },
                { "systemd-nspawn", "systemd-nspawn container: shared kernel" },
                { "wsl", "WSL: not a server kernel" },
        };
        const char *why = NULL;
        char ev[512];

        bufprintf(ev, sizeof(ev), "%s%s%s", v->container_evidence, v->container_note[0] ? "; " : "",
                 v->container_note);
        if (streq(v->container, "none"))
                return check_add(l, G, "container", CHECK_OK, ev, NULL, "no container%s",
                                 strstr(v->container_note, ".dockerenv") ? " (stray /.dockerenv ignored)" : "");
        if (streq(v->container, "container-other"))
                return check_add(l, G, "container", CHECK_WARN, ev,
                                 "if this is a container VPS, K3s will not run well; ask for a KVM plan",
                                 "in a non-initial cgroup namespace: probably a container of unknown type");
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (streq(v->container, t[i].c))
                        why = t[i].why;
        return check_add(l, G, "container", CHECK_FAIL, ev,
                         "K3s needs its own kernel: a KVM VM or bare metal, not a container VPS",
                         "%s%s%s", why ? why : "container (", why ? "" : v->container, why ? "" : "): shared kernel");
}

static int check_steal_feature(const struct sysroot *sr, const struct virt_info *v, struct check_list *l) {
        if (!streq(v->vm, "kvm"))
                return check_add(l, G, "steal-feature", CHECK_NA, NULL, NULL, "not a KVM guest");
        if (v->steal_feature == 1)
                return check_add(l, G, "steal-feature", CHECK_OK, v->steal_feature_evidence, NULL,
                                 "KVM steal-time feature present: steal is accounted");
        if (v->steal_feature == 0)
                return check_add(l, G, "steal-feature", CHECK_WARN, v->steal_feature_evidence,
                                 "ask the provider to expose KVM_FEATURE_STEAL_TIME; drop no-steal-acc",
                                 "steal time not accounted: noisy neighbours are invisible");
        return check_add(l, G, "steal-feature", sr->live ? CHECK_UNKNOWN : CHECK_NA, "CPUID 0x40000001", NULL,
                         "%s", sr->live ? "unknown: CPUID leaf 0x40000001 not readable" : "CPUID is " CHECK_SKIPPED_ROOT);
}

static int read_ticks(const struct sysroot *sr, struct cpu_ticks *t) {
        _cleanup_free_ char *s = NULL;
        size_t n;
        int r;

        r = sysroot_read_file(sr, "/proc/stat", 4 * 1024 * 1024, &s, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return -ENODATA;
        if (!text_is_printable(s, n))
                return -EBADMSG;
        return cpu_ticks_parse(s, t);
}

static int check_steal(const struct sysroot *sr, const struct check_options *o, const struct virt_info *v,
                       struct check_list *l) {
        struct cpu_ticks zero = {}, a, b;
        double boot, win = -1;
        char window[96] = "";
        int r;

        r = read_ticks(sr, &a);
        if (r < 0)
                return check_add(l, G, "steal", CHECK_UNKNOWN, "/proc/stat", NULL, "unknown: /proc/stat %s",
                                 check_errno_reason(r));
        if (steal_percent(&zero, &a, &boot) < 0)
                return check_add(l, G, "steal", CHECK_UNKNOWN, "/proc/stat", NULL, "unknown: empty cpu counters");
        if (sr->live && o->steal_window_ms > 0) {
                struct timespec ts = { o->steal_window_ms / 1000, (long) (o->steal_window_ms % 1000) * 1000000L };

                nanosleep(&ts, NULL);
                if (read_ticks(sr, &b) >= 0 && steal_percent(&a, &b, &win) >= 0)
                        bufprintf(window, sizeof(window), ", %.1f%% over %u ms", win, o->steal_window_ms);
                else
                        bufprintf(window, sizeof(window), ", window sample discarded (counters went backwards or did not move)");
        } else if (!sr->live)
                bufprintf(window, sizeof(window), "; the window sample is " CHECK_SKIPPED_ROOT);
        if (boot > 10.0 || win > 10.0)
                return check_add(l, G, "steal", CHECK_WARN, "/proc/stat",
                                 "above 10% for long means an overcommitted host; compare with /proc/pressure/cpu",
                                 "steal %.1f%% since boot%s%s", boot, window, v->lxcfs ? " (lxcfs-virtualized)" : "");
        return check_add(l, G, "steal", CHECK_OK, "/proc/stat", NULL, "steal %.1f%% since boot%s%s", boot, window,
                         v->lxcfs ? " (lxcfs-virtualized)" : "");
}

int check_virt(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        struct virt_info v;
        int r;

        r = virt_detect(sr, &v);
        if (r < 0)
                return r;
        if ((r = check_vm(sr, &v, l)) < 0 || (r = check_container(&v, l)) < 0 ||
            (r = check_steal_feature(sr, &v, l)) < 0 || (r = check_steal(sr, o, &v, l)) < 0)
                return r;
        return 0;
}
