/* SPDX-License-Identifier: MIT */
/*
 * What the node runs on: the VM layer (hypervisor) and the container layer,
 * reported separately, because a KVM guest can carry a stray /.dockerenv and
 * a container can sit on a VM. systemd's virt.c decides "docker" from the
 * file alone; we count it only when something corroborates it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "../basic/sysroot.h"

#define VIRT_STR 256

struct virt_info {
        /* VM layer. vm: "none", "kvm", "qemu" (TCG), "microsoft", "vmware",
         * "xen", "amazon", "google", "oracle", "parallels", "bhyve", "other",
         * "qemu-tcg" (CPUID says TCG), "qemu" (DMI only: KVM or TCG unknown),
         * or "" when nothing could be read. */
        char vm[32];
        char vm_decided_by[VIRT_STR];   /* which evidence decided */
        char vm_detail[VIRT_STR];       /* DMI vendor/product, signature */
        bool cpuid_read;                /* live x86 only */
        bool cpuid_hypervisor_bit;
        char cpuid_signature[13];
        /* KVM PV steal time (CPUID 0x40000001 EAX bit 5): -1 unknown. */
        int steal_feature;
        char steal_feature_evidence[VIRT_STR];

        /* Container layer. container: "none", "openvz", "lxc", "docker",
         * "podman", "systemd-nspawn", "wsl", "container-other", or the
         * value of container=. */
        char container[32];
        char container_evidence[VIRT_STR];
        char container_note[VIRT_STR];  /* e.g. why /.dockerenv was ignored */
        bool lxcfs;                     /* lxcfs mounted over /proc files */
        int uid_map_full;               /* 1 full, 0 partial, -1 unreadable */
        int cgroupns_initial;           /* 1, 0, -1 unknown */
};

/* Never fails for missing files: absence is evidence. Only -ENOMEM. */
int virt_detect(const struct sysroot *sr, struct virt_info *ret);

/* Pure helpers (unit-tested). */
const char *virt_vm_from_cpuid_signature(const char *sig);
const char *virt_vm_from_dmi_vendor(const char *vendor);
/* uid_map content: 1 when it maps the whole range 0..2^32-1, 0 when partial,
 * -EINVAL when unparsable. */
int virt_uid_map_is_full(const char *content);
