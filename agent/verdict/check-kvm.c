/* SPDX-License-Identifier: MIT */
/* The kvm group: can this node run VMs? Informational for K3s: absence is
 * n/a, not a failure. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../probe/kvm.h"
#include "../probe/sysfs.h"
#include "check-groups.h"

#define G "kvm"

static int check_usable(const struct sysroot *sr, const struct kvm_info *k, struct check_list *l) {
        const char *explain = k->cpu_vmx || k->cpu_svm ? "" :
                              !k->cpuinfo_error ? "; no vmx/svm in /proc/cpuinfo (nested virtualization not offered)" : "";

        if (!sr->live)
                return check_add(l, G, "usable", CHECK_NA, "/dev/kvm ioctls", NULL,
                                 "the functional probe is " CHECK_SKIPPED_ROOT "; /dev/kvm %s in the fixture%s",
                                 k->dev_present ? "present" : "absent", explain);
        if (k->usable) {
                char vcpus[48] = "";

                if (k->nr_vcpus > 0)
                        bufprintf(vcpus, sizeof(vcpus), ", %d vCPUs recommended", k->nr_vcpus);
                return check_add(l, G, "usable", CHECK_OK,
                                 "open(/dev/kvm, O_RDWR), KVM_GET_API_VERSION, KVM_CREATE_VM", NULL,
                                 "usable: API version 12, KVM_CREATE_VM succeeded%s", vcpus);
        }
        if (k->open_errno == ENOENT)
                return check_add(l, G, "usable", CHECK_NA, "open(/dev/kvm, O_RDWR)",
                                 "for VMs on this node: a host with nested virtualization, or bare metal",
                                 "no /dev/kvm: this node cannot run VMs itself%s", explain);
        if (k->open_errno)
                return check_add(l, G, "usable", CHECK_WARN, "open(/dev/kvm, O_RDWR)",
                                 k->open_errno == EACCES || k->open_errno == EPERM ?
                                 "run as root or add the user to the kvm group" : NULL,
                                 "/dev/kvm exists but cannot be opened: %s%s", strerror(k->open_errno),
                                 k->open_errno == EACCES || k->open_errno == EPERM ? "" : explain);
        if (k->api_version != 12)
                return check_add(l, G, "usable", CHECK_WARN, "KVM_GET_API_VERSION", NULL,
                                 "/dev/kvm answers API version %d, not 12", k->api_version);
        return check_add(l, G, "usable", CHECK_WARN, "KVM_CREATE_VM",
                         k->create_vm_errno == EBUSY ? "another hypervisor (VirtualBox?) holds VMX" : NULL,
                         "KVM_CREATE_VM failed: %s%s", strerror(k->create_vm_errno), explain);
}

static int check_flags(const struct kvm_info *k, struct check_list *l) {
        if (k->cpuinfo_error)
                return check_add(l, G, "cpu-flags", CHECK_UNKNOWN, "/proc/cpuinfo", NULL, "unknown: /proc/cpuinfo %s",
                                 check_errno_reason(-k->cpuinfo_error));
        if (k->cpu_vmx || k->cpu_svm)
                return check_add(l, G, "cpu-flags", CHECK_OK, "/proc/cpuinfo", NULL, "%s present",
                                 k->cpu_vmx ? "vmx (Intel VT-x)" : "svm (AMD-V)");
        return check_add(l, G, "cpu-flags", k->usable ? CHECK_OK : CHECK_NA, "/proc/cpuinfo", NULL,
                         "no vmx/svm flag%s", k->usable ?
                         ", yet /dev/kvm works (nested KVM such as PVM: kvm-ok and virt-host-validate are wrong here)" : "");
}

static int check_modules(const struct kvm_info *k, struct check_list *l) {
        if (!k->modules[0])
                return check_add(l, G, "modules", k->usable ? CHECK_OK : CHECK_NA, "/sys/module", NULL,
                                 "no kvm module in /sys/module%s", k->usable ? " (built in)" : "");
        return check_add(l, G, "modules", CHECK_OK, "/sys/module", NULL, "loaded: %s%s%s", k->modules,
                         k->nested[0] ? "; nested " : "", k->nested);
}

int check_kvm(const struct sysroot *sr, const struct check_options *o, struct check_list *l) {
        struct kvm_info k;
        int r;

        (void) o;
        r = kvm_probe(sr, &k);
        if (r < 0)
                return r;
        if ((r = check_usable(sr, &k, l)) < 0 || (r = check_flags(&k, l)) < 0 || (r = check_modules(&k, l)) < 0)
                return r;
        return 0;
}
