/* SPDX-License-Identifier: MIT */
/*
 * VM detection order, and why (systemd's detect_vm() orders similarly):
 *  1. CPUID leaf 1 ECX bit 31 and leaf 0x40000000's vendor signature: the
 *     hypervisor says who it is. Live only; Firecracker has no DMI at all.
 *     "Microsoft Hv" is deferred to DMI, because QEMU/KVM can fake it for
 *     Windows guests.
 *  2. DMI (/sys/class/dmi/id): vendor and product strings, which clouds set.
 *  3. /sys/hypervisor/type: Xen only in practice.
 *  4. Under --root, or on non-x86: the cpuinfo "hypervisor" flag and the
 *     paravirtual clocksource (kvm-clock, hyperv_clocksource_tsc_page, xen).
 * Containers are a separate layer (detect_container()).
 */
#include "virt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "mountinfo.h"
#include "sysfs.h"

/* PROC_CGROUP_INIT_INO from include/linux/proc_ns.h: the initial cgroup
 * namespace always has this inode number. */
#define CGROUP_NS_INIT_LINK "cgroup:[4026531835]"

static const struct {
        const char *sig;
        const char *vm;
} cpuid_vendors[] = {
        { "KVMKVMKVM", "kvm" },
        { "Linux KVM Hv", "kvm" },      /* KVM with Hyper-V enlightenments */
        { "TCGTCGTCGTCG", "qemu-tcg" }, /* QEMU without KVM */
        { "Microsoft Hv", "microsoft" },
        { "VMwareVMware", "vmware" },
        { "XenVMMXenVMM", "xen" },
        { "bhyve bhyve ", "bhyve" },
        { "ACRNACRNACRN", "acrn" },
        { " lrpepyh vr", "parallels" }, /* sic: Parallels' byte order */
};

const char *virt_vm_from_cpuid_signature(const char *sig) {
        for (size_t i = 0; i < ELEMENTSOF(cpuid_vendors); i++)
                if (streq(sig, cpuid_vendors[i].sig))
                        return cpuid_vendors[i].vm;
        return "other";
}

/* Prefixes of DMI sys_vendor/product_name/board_vendor/bios_vendor. */
static const struct {
        const char *prefix;
        const char *vm;
} dmi_vendors[] = {
        { "KVM", "kvm" },
        { "OpenStack", "kvm" },
        { "KubeVirt", "kvm" },
        { "Amazon EC2", "amazon" },
        { "QEMU", "qemu" },
        { "VMware", "vmware" },
        { "VMW", "vmware" },
        { "innotek GmbH", "oracle" },
        { "VirtualBox", "oracle" },
        { "Xen", "xen" },
        { "Bochs", "bochs" },
        { "Parallels", "parallels" },
        { "BHYVE", "bhyve" },
        { "Hyper-V", "microsoft" },
        { "Google Compute Engine", "google" },
        { "Apple Virtualization", "apple" },
};

const char *virt_vm_from_dmi_vendor(const char *vendor) {
        for (size_t i = 0; i < ELEMENTSOF(dmi_vendors); i++)
                if (string_has_prefix(vendor, dmi_vendors[i].prefix))
                        return dmi_vendors[i].vm;
        return NULL;
}

int virt_uid_map_is_full(const char *content) {
        unsigned long long inner, outer, count;
        int consumed = 0;
        const char *rest;

        if (sscanf(content, " %llu %llu %llu%n", &inner, &outer, &count, &consumed) != 3)
                return -EINVAL;
        rest = content + consumed;
        rest += strspn(rest, " \t\n");
        /* One line covering all 2^32-1 ids from 0 to 0: the initial user ns. */
        return inner == 0 && outer == 0 && count == 4294967295ULL && !*rest;
}

static void cpuid_probe(struct virt_info *v) {
#if defined(__x86_64__) || defined(__i386__)
        unsigned a, b, c, d;
        union {
                unsigned regs[3];
                char text[13];
        } sig = {};

        if (!__get_cpuid(1, &a, &b, &c, &d))
                return;
        v->cpuid_read = true;
        v->cpuid_hypervisor_bit = c & (1U << 31);
        if (!v->cpuid_hypervisor_bit)
                return;
        __cpuid(0x40000000, a, sig.regs[0], sig.regs[1], sig.regs[2]);
        sig.text[12] = 0;
        if (!text_is_printable(sig.text, strlen(sig.text)))
                sig.text[0] = 0;
        bufprintf(v->cpuid_signature, sizeof(v->cpuid_signature), "%s", sig.text);
        if (streq(sig.text, "KVMKVMKVM") && a >= 0x40000001) {
                __cpuid(0x40000001, a, b, c, d);
                v->steal_feature = (a >> 5) & 1;    /* KVM_FEATURE_STEAL_TIME */
                bufprintf(v->steal_feature_evidence, sizeof(v->steal_feature_evidence),
                         "CPUID 0x40000001 EAX=0x%x (bit 5 steal time)", a);
        }
#else
        (void) v;
#endif
}

static bool dmi_vm(const struct sysroot *sr, struct virt_info *v) {
        static const char *const files[] = { "sys_vendor", "product_name", "board_vendor", "bios_vendor",
                                             "product_version" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *s = NULL;
                char path[96];
                const char *vm;

                bufprintf(path, sizeof(path), "/sys/class/dmi/id/%s", files[i]);
                if (sysfs_read_attr(sr, path, &s) < 0)
                        continue;
                vm = virt_vm_from_dmi_vendor(s);
                if (!vm) {
                        /* Hyper-V: "Microsoft Corporation" + "Virtual Machine". */
                        if (!streq(files[i], "product_name") || !streq(s, "Virtual Machine"))
                                continue;
                        vm = "microsoft";
                }
                bufprintf(v->vm, sizeof(v->vm), "%s", vm);
                bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "DMI %s", path);
                return true;
        }
        return false;
}

static bool dmi_present(const struct sysroot *sr) {
        return sysfs_exists(sr, "/sys/class/dmi/id/sys_vendor") || sysfs_exists(sr, "/sys/class/dmi/id/product_name");
}

static bool cpuinfo_has_flag(const char *cpuinfo, const char *flag) {
        const char *p = cpuinfo;
        size_t fl = strlen(flag);

        /* Only the "flags" lines, and whole words. */
        while ((p = strstr(p, "\nflags"))) {
                const char *eol = strchr(p + 1, '\n');
                const char *w = strchr(p, ':');

                if (!w || (eol && w > eol))
                        return false;
                for (w++; w && (!eol || w < eol);) {
                        while (*w == ' ')
                                w++;
                        if (strneq(w, flag, fl) && (w[fl] == ' ' || w[fl] == '\n' || w[fl] == 0))
                                return true;
                        w = strchr(w, ' ');
                }
                return false;   /* the first CPU is enough */
        }
        return false;
}

/* Fallbacks that work from a fixture: the cpuinfo flag and the clocksource. */
static void fallback_vm(const struct sysroot *sr, struct virt_info *v, bool with_hv_flag) {
        _cleanup_free_ char *cs = NULL;

        if (sysfs_read_attr(sr, "/sys/devices/system/clocksource/clocksource0/available_clocksource", &cs) >= 0) {
                static const struct {
                        const char *cs, *vm;
                } clocks[] = {
                        { "kvm-clock", "kvm" },
                        { "hyperv_clocksource", "microsoft" },
                        { "xen", "xen" },
                        { "vmware-tsc", "vmware" },
                };
                for (size_t i = 0; i < ELEMENTSOF(clocks); i++)
                        if (strstr(cs, clocks[i].cs)) {
                                bufprintf(v->vm, sizeof(v->vm), "%s", clocks[i].vm);
                                bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by),
                                         "%sclocksource %s", with_hv_flag ? "cpuinfo hypervisor flag + " : "",
                                         clocks[i].cs);
                                return;
                        }
        }
        if (with_hv_flag) {
                bufprintf(v->vm, sizeof(v->vm), "other");
                bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "cpuinfo hypervisor flag (vendor unknown)");
        }
}

/* Step 1: the hypervisor's own CPUID signature (deferring "Microsoft Hv"). */
static bool decide_by_cpuid(const struct sysroot *sr, struct virt_info *v) {
        if (!v->cpuid_read || !v->cpuid_hypervisor_bit || !v->cpuid_signature[0] ||
            streq(v->cpuid_signature, "Microsoft Hv"))
                return false;
        bufprintf(v->vm, sizeof(v->vm), "%s", virt_vm_from_cpuid_signature(v->cpuid_signature));
        bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "CPUID 0x40000000 \"%s\"", v->cpuid_signature);
        return true;
}

/* Step 2: DMI. "QEMU" is set with and without KVM; a kvm-clock clocksource
 * tells them apart. */
static bool decide_by_dmi(const struct sysroot *sr, struct virt_info *v) {
        struct virt_info f = {};

        if (!dmi_vm(sr, v))
                return false;
        if (streq(v->vm, "qemu")) {
                fallback_vm(sr, &f, false);
                if (streq(f.vm, "kvm")) {
                        bufprintf(v->vm, sizeof(v->vm), "kvm");
                        bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "DMI \"QEMU\" + clocksource kvm-clock");
                }
        }
        return true;
}

/* /proc/cpuinfo is ~1.5 KiB per CPU on x86 (the flags line): 4 MiB holds
 * a few thousand CPUs. */
#define CPUINFO_MAX (4u * 1024 * 1024)

/* Step 4: what a fixture (or a non-x86 node) can show. */
static void decide_from_files(const struct sysroot *sr, struct virt_info *v) {
        _cleanup_free_ char *cpuinfo = NULL, *nl = NULL;
        bool hv_flag = false, cpuinfo_ok;

        cpuinfo_ok = sysroot_read_file(sr, "/proc/cpuinfo", CPUINFO_MAX, &cpuinfo, NULL) >= 0 &&
                     text_is_printable(cpuinfo, strlen(cpuinfo));
        /* cpuinfo_has_flag() looks for "\nflags"; prepend a newline. */
        if (cpuinfo_ok && asprintf(&nl, "\n%s", cpuinfo) >= 0)
                hv_flag = cpuinfo_has_flag(nl, "hypervisor");
        fallback_vm(sr, v, hv_flag);
        if (v->vm[0] || !cpuinfo_ok || !nl || !strstr(nl, "\nflags"))
                return;
        bufprintf(v->vm, sizeof(v->vm), "none");
        bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "cpuinfo: no hypervisor flag%s",
                  dmi_present(sr) ? ", DMI shows no VM vendor" : "");
}

/* The machine's name as DMI gives it ("Hetzner vServer", "Amazon EC2
 * m5.large"): detail for the reason, whoever decided. */
static void dmi_summary(const struct sysroot *sr, struct virt_info *v) {
        _cleanup_free_ char *vendor = NULL, *product = NULL;

        (void) sysfs_read_attr(sr, "/sys/class/dmi/id/sys_vendor", &vendor);
        (void) sysfs_read_attr(sr, "/sys/class/dmi/id/product_name", &product);
        if (vendor || product)
                bufprintf(v->vm_detail, sizeof(v->vm_detail), "DMI: %.60s%s%.60s", vendor ? vendor : "",
                          vendor && product ? " " : "", product ? product : "");
}

static void detect_vm(const struct sysroot *sr, struct virt_info *v) {
        _cleanup_free_ char *hv = NULL;

        dmi_summary(sr, v);
        if (sr->live)
                cpuid_probe(v);
        if (decide_by_cpuid(sr, v) || decide_by_dmi(sr, v))
                return;
        if (v->cpuid_read && v->cpuid_hypervisor_bit && v->cpuid_signature[0]) {
                bufprintf(v->vm, sizeof(v->vm), "microsoft");
                bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "CPUID 0x40000000 \"Microsoft Hv\"");
                return;
        }
        /* Step 3: Xen's own sysfs directory. */
        if (sysfs_read_attr(sr, "/sys/hypervisor/type", &hv) >= 0) {
                bufprintf(v->vm, sizeof(v->vm), "%.31s", hv);
                bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "/sys/hypervisor/type");
                return;
        }
        if (v->cpuid_read && !v->cpuid_hypervisor_bit) {
                bufprintf(v->vm, sizeof(v->vm), "none");
                bufprintf(v->vm_decided_by, sizeof(v->vm_decided_by), "CPUID leaf 1: hypervisor bit clear");
                return;
        }
        decide_from_files(sr, v);
}

/* PID 1's environment: container managers set a handful of variables
 * (container=, container_uuid=); systemd as PID 1 starts with almost none. */
#define PID1_ENVIRON_MAX (64u * 1024)

/* The environment of PID 1: container=... (needs ptrace access to PID 1). */
static int pid1_container_env(const struct sysroot *sr, char *buf, size_t size) {
        _cleanup_free_ char *env = NULL;
        size_t n;
        int r;

        r = sysroot_read_file(sr, "/proc/1/environ", PID1_ENVIRON_MAX, &env, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i += strlen(env + i) + 1)
                if (strneq(env + i, "container=", 10)) {
                        if (!text_is_printable(env + i + 10, strlen(env + i + 10)) || !env[i + 10])
                                return -EBADMSG;
                        bufprintf(buf, size, "%s", env + i + 10);
                        return 1;
                }
        return 0;
}

static int cgroupns_initial(const struct sysroot *sr) {
        _cleanup_free_ char *link = NULL;

        if (sysfs_readlink(sr, "/proc/self/ns/cgroup", &link) < 0)
                return -1;
        return streq(link, CGROUP_NS_INIT_LINK);
}

static void set_container(struct virt_info *v, const char *what, const char *evidence) {
        bufprintf(v->container, sizeof(v->container), "%s", what);
        bufprintf(v->container_evidence, sizeof(v->container_evidence), "%s", evidence);
}

static bool detect_container_files(const struct sysroot *sr, struct virt_info *v, const char *pid1env, int pid1r) {
        _cleanup_free_ char *osrel = NULL, *s = NULL;

        /* OpenVZ/Virtuozzo: /proc/vz exists on the host too, /proc/bc only there. */
        if (sysfs_exists(sr, "/proc/vz") && !sysfs_exists(sr, "/proc/bc")) {
                set_container(v, "openvz", sysfs_exists(sr, "/proc/user_beancounters") ?
                              "/proc/vz without /proc/bc; /proc/user_beancounters present" :
                              "/proc/vz without /proc/bc");
                return true;
        }
        if (sysfs_read_attr(sr, "/proc/sys/kernel/osrelease", &osrel) >= 0 &&
            (strstr(osrel, "Microsoft") || strstr(osrel, "WSL"))) {
                set_container(v, "wsl", "/proc/sys/kernel/osrelease");
                return true;
        }
        if (sysfs_read_attr(sr, "/run/host/container-manager", &s) >= 0) {
                set_container(v, s, "/run/host/container-manager");
                return true;
        }
        if (pid1r > 0) {
                set_container(v, streq(pid1env, "systemd-nspawn") ? "systemd-nspawn" : pid1env,
                              "container= in /proc/1/environ");
                return true;
        }
        free(s), s = NULL;
        if (sysfs_read_attr(sr, "/run/systemd/container", &s) >= 0) {
                set_container(v, s, "/run/systemd/container");
                return true;
        }
        if (v->lxcfs) {
                set_container(v, "lxc", "fuse.lxcfs mounted over /proc (mountinfo)");
                return true;
        }
        return false;
}

static void detect_container(const struct sysroot *sr, const struct mount_table *mt, struct virt_info *v) {
        _cleanup_free_ char *uidmap = NULL;
        char pid1env[64] = "";
        int pid1r;

        v->lxcfs = mt && mount_table_has_fstype_under(mt, "fuse.lxcfs", "/proc");
        v->cgroupns_initial = cgroupns_initial(sr);
        v->uid_map_full = -1;
        if (sysfs_read_attr(sr, "/proc/self/uid_map", &uidmap) >= 0) {
                int r = virt_uid_map_is_full(uidmap);
                v->uid_map_full = r < 0 ? -1 : r;
        }
        pid1r = pid1_container_env(sr, pid1env, sizeof(pid1env));

        if (detect_container_files(sr, v, pid1env, pid1r))
                return;

        /* /.dockerenv (and podman's /run/.containerenv) can be left in any
         * image built by those tools: count them only with a witness of
         * actual containment. */
        for (size_t i = 0; i < 2; i++) {
                static const char *const marker[] = { "/.dockerenv", "/run/.containerenv" };
                static const char *const engine[] = { "docker", "podman" };
                char ev[VIRT_STR];

                if (!sysfs_exists(sr, marker[i]))
                        continue;
                if (v->cgroupns_initial == 0 || v->uid_map_full == 0) {
                        bufprintf(ev, sizeof(ev), "%s + %s", marker[i], v->cgroupns_initial == 0 ?
                                  "non-initial cgroup namespace" : "partial /proc/self/uid_map");
                        set_container(v, engine[i], ev);
                        return;
                }
                bufprintf(v->container_note, sizeof(v->container_note),
                          "%s present but ignored: nothing corroborates it%s", marker[i],
                          pid1r == 0 ? "" : " (PID 1's environment unreadable)");
        }
        if (v->cgroupns_initial == 0) {
                set_container(v, "container-other", "non-initial cgroup namespace (/proc/self/ns/cgroup)");
                return;
        }
        if (v->uid_map_full == 0) {
                set_container(v, "container-other", "partial /proc/self/uid_map (a user namespace)");
                return;
        }
        set_container(v, "none", v->cgroupns_initial == 1 && v->uid_map_full == 1 ?
                      "initial cgroup namespace, full uid_map; no /proc/vz, container=, lxcfs or container-manager file" :
                      "no /proc/vz, container=, lxcfs or container-manager file");
        if (pid1r < 0 && !v->container_note[0])
                bufprintf(v->container_note, sizeof(v->container_note), "PID 1's environment unreadable (%s)",
                         strerror(-pid1r));
}

/* The kernel caps its command line at COMMAND_LINE_SIZE (2048 bytes on
 * x86, 4096 on arm64; include/uapi/asm-generic/setup.h and per arch). */
#define PROC_CMDLINE_MAX (64u * 1024)

static void detect_steal_feature(const struct sysroot *sr, struct virt_info *v) {
        _cleanup_free_ char *cmdline = NULL;

        if (sysroot_read_file(sr, "/proc/cmdline", PROC_CMDLINE_MAX, &cmdline, NULL) >= 0 && strstr(cmdline, "no-steal-acc")) {
                v->steal_feature = 0;
                bufprintf(v->steal_feature_evidence, sizeof(v->steal_feature_evidence),
                         "no-steal-acc on /proc/cmdline: steal accounting off");
        }
}

int virt_detect(const struct sysroot *sr, struct virt_info *ret) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;
        struct virt_info v = { .steal_feature = -1 };

        detect_vm(sr, &v);
        (void) mount_table_load(sr, &mt);
        detect_container(sr, mt, &v);
        detect_steal_feature(sr, &v);
        *ret = v;
        return 0;
}
