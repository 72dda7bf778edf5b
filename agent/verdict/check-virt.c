/* SPDX-License-Identifier: MIT */
/* The virt group: VM layer, container layer, steal time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "check-groups.h"
#include "../probe/mountinfo.h"
#include "../probe/steal.h"
#include "../probe/sysfs.h"
#include "../probe/virt.h"
#include "verdict-rules.h"

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
                                 strstr(v->container_note, "/.dockerenv present") ? " (stray /.dockerenv ignored)" :
                                 strstr(v->container_note, ".containerenv present") ? " (stray /run/.containerenv ignored)" : "");
        if (streq(v->container, "container-other"))
                return check_add(l, G, "container", CHECK_WARN, ev,
                                 "if this is a container VPS, K3s will not run well; ask for a KVM plan",
                                 "%s: probably a container of unknown type", v->container_evidence);
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

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

void check_steal_window_start(const struct sysroot *sr, struct check_options *o) {
        struct cpu_ticks t;

        if (!sr->live || read_ticks(sr, &t) < 0)
                return;
        o->steal_start_valid = true;
        o->steal_start_total = t.total;
        o->steal_start_steal = t.steal;
        o->steal_start_usec = now_usec();
}

/* The window from the start of the run to now (sleeping up to the asked
 * window): "…, 0.0% over 1000 ms (200 ticks)". Returns the % or -1. */
static double window_sample(const struct sysroot *sr, const struct check_options *o, char *buf, size_t size) {
        struct cpu_ticks a, b;
        uint64_t elapsed;
        double win;

        if (!sr->live) {
                bufprintf(buf, size, "; the window sample is " CHECK_SKIPPED_ROOT);
                return -1;
        }
        if (!o->steal_start_valid) {
                bufprintf(buf, size, "; no window sample");
                return -1;
        }
        a = (struct cpu_ticks) { .total = o->steal_start_total, .steal = o->steal_start_steal };
        elapsed = now_usec() - o->steal_start_usec;
        if (elapsed < (uint64_t) o->steal_window_ms * 1000) {
                uint64_t rest = (uint64_t) o->steal_window_ms * 1000 - elapsed;
                struct timespec ts = { (time_t) (rest / 1000000), (long) (rest % 1000000) * 1000 };

                nanosleep(&ts, NULL);
        }
        elapsed = now_usec() - o->steal_start_usec;
        if (read_ticks(sr, &b) < 0 || steal_percent(&a, &b, &win) < 0) {
                bufprintf(buf, size, "; over this run (%llu ms) the counters did not move (--steal-window 1000 samples longer)",
                          (unsigned long long) (elapsed / 1000));
                return -1;
        }
        if (b.total - a.total < CHECK_STEAL_MIN_TICKS) {
                bufprintf(buf, size, "; %.1f%% over %llu ms, only %llu tick(s): too coarse to judge (--steal-window 1000)",
                          win, (unsigned long long) (elapsed / 1000), (unsigned long long) (b.total - a.total));
                return -1;
        }
        bufprintf(buf, size, "; %.1f%% over %llu ms (%llu ticks)", win, (unsigned long long) (elapsed / 1000),
                  (unsigned long long) (b.total - a.total));
        return win;
}

/* PSI's view of the same thing: time runnable tasks waited for a CPU
 * ("; cpu pressure some avg60 0.00%"), when the kernel has PSI on. */
static void cpu_pressure(const struct sysroot *sr, char *buf, size_t size) {
        _cleanup_free_ char *s = NULL;
        double a10, a60, a300;

        buf[0] = 0;
        if (sysfs_read_attr(sr, "/proc/pressure/cpu", &s) < 0 ||
            sscanf(s, "some avg10=%lf avg60=%lf avg300=%lf", &a10, &a60, &a300) != 3 ||
            a10 < 0 || a60 < 0 || a300 < 0 || a10 > 100 || a60 > 100 || a300 > 100)
                return;
        bufprintf(buf, size, "; cpu pressure some avg10 %.2f%%, avg60 %.2f%%", a10, a60);
}

static bool is_lxcfs(const struct sysroot *sr) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;

        return mount_table_load(sr, &mt) >= 0 && mount_table_has_fstype_under(mt, "fuse.lxcfs", "/proc");
}

/* The KVM steal-time feature: 1, 0, or -1 when it cannot be told. */
static int steal_feature(const struct sysroot *sr) {
        struct virt_info v;

        if (virt_detect(sr, &v) < 0 || !streq(v.vm, "kvm"))
                return -1;
        return v.steal_feature;
}

int check_virt_steal(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        const struct verdict_thresholds *t = check_thresholds(o);
        struct cpu_ticks zero = {}, a;
        double boot, win;
        char window[160], psi[96], hint[128];
        enum check_status st;
        bool lxcfs;
        int r, feature;

        r = read_ticks(sr, &a);
        if (r < 0)
                return check_add(l, G, "steal", CHECK_UNKNOWN, "/proc/stat", NULL, "unknown: /proc/stat %s",
                                 check_errno_reason(r));
        if (steal_percent(&zero, &a, &boot) < 0)
                return check_add(l, G, "steal", CHECK_UNKNOWN, "/proc/stat", NULL, "unknown: empty cpu counters");
        win = window_sample(sr, o, window, sizeof(window));
        feature = steal_feature(sr);
        if (feature == 0)
                return check_add(l, G, "steal", CHECK_NA, "/proc/stat", NULL,
                                 "steal %.1f%% since boot, but this guest does not account steal time", boot);
        lxcfs = is_lxcfs(sr);
        cpu_pressure(sr, psi, sizeof(psi));
        st = verdict_steal(feature, boot, win, t);
        bufprintf(hint, sizeof(hint), "above %u%% for long means an overcommitted host; compare with /proc/pressure/cpu",
                  t->steal_percent);
        if (st == CHECK_WARN)
                return check_add(l, G, "steal", CHECK_WARN, "/proc/stat", hint,
                                 "steal %.1f%% since boot%s%s%s", boot, window, lxcfs ? " (lxcfs-virtualized)" : "", psi);
        return check_add(l, G, "steal", st, psi[0] ? "/proc/stat, /proc/pressure/cpu" : "/proc/stat", NULL,
                         "steal %.1f%% since boot%s%s%s", boot, window, lxcfs ? " (lxcfs-virtualized)" : "", psi);
}

int check_virt(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        struct virt_info v;
        int r;

        r = virt_detect(sr, &v);
        if (r < 0)
                return r;
        if ((r = check_vm(sr, &v, l)) < 0 || (r = check_container(&v, l)) < 0 ||
            (r = check_steal_feature(sr, &v, l)) < 0)
                return r;
        return 0;
}
