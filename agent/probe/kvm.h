/* SPDX-License-Identifier: MIT */
/*
 * Can this node run VMs itself? The functional probe is the truth: open
 * /dev/kvm read-write, KVM_GET_API_VERSION must be 12, KVM_CREATE_VM must
 * succeed. kvm-ok and virt-host-validate look at CPU flags first and are
 * wrong on nested setups (PVM); here flags, modules and the nesting
 * parameters only explain a failure.
 */
#pragma once

#include <stdbool.h>

#include "../basic/sysroot.h"

struct kvm_info {
        bool probed;            /* the ioctl probe ran (live only) */
        bool usable;
        int open_errno;         /* 0, or why open("/dev/kvm") failed */
        int api_version;        /* -1 when not read */
        int create_vm_errno;    /* 0, or why KVM_CREATE_VM failed */
        int nr_vcpus;           /* KVM_CAP_NR_VCPUS, -1 unknown */
        bool dev_present;       /* /dev/kvm exists (fixtures: a placeholder file) */
        /* Explanations. */
        bool cpu_vmx, cpu_svm;
        int cpuinfo_error;      /* 0, or why /proc/cpuinfo was unusable */
        char modules[128];      /* loaded kvm* modules, space separated */
        char nested[32];        /* kvm_intel/kvm_amd nested parameter, "" if absent */
};

int kvm_probe(const struct sysroot *sr, struct kvm_info *ret);
