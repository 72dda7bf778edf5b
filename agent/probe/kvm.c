/* SPDX-License-Identifier: MIT */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "sysfs.h"

static void functional_probe(const struct sysroot *sr, struct kvm_info *k) {
        _cleanup_close_ int fd = -1, vm = -1;
        int v;

        k->probed = true;
        fd = sysroot_open(sr, "/dev/kvm", O_RDWR, 0);
        if (fd < 0) {
                k->open_errno = -fd;
                return;
        }
        v = ioctl(fd, KVM_GET_API_VERSION, 0);
        k->api_version = v;
        if (v != KVM_API_VERSION)
                return;
        v = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
        k->nr_vcpus = v > 0 ? v : -1;
        vm = ioctl(fd, KVM_CREATE_VM, 0);
        if (vm < 0) {
                k->create_vm_errno = errno;
                return;
        }
        k->usable = true;
}

/* /proc/cpuinfo is ~1.5 KiB per CPU on x86 (the flags line): 4 MiB holds
 * a few thousand CPUs. */
#define CPUINFO_MAX (4u * 1024 * 1024)

static void cpu_flags(const struct sysroot *sr, struct kvm_info *k) {
        _cleanup_free_ char *ci = NULL;
        size_t n;
        int r;

        r = sysroot_read_file(sr, "/proc/cpuinfo", CPUINFO_MAX, &ci, &n);
        if (r >= 0 && (n == 0 || !text_is_printable(ci, n)))
                r = n == 0 ? -ENODATA : -EBADMSG;
        if (r < 0) {
                k->cpuinfo_error = -r;
                return;
        }
        /* Whole words on a flags line of the first CPU. */
        char *save = NULL;

        for (char *line = strtok_r(ci, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *colon = strchr(line, ':'), *wsave = NULL;

                if (!strneq(line, "flags", 5) || !colon)
                        continue;
                for (char *w = strtok_r(colon + 1, " \t", &wsave); w; w = strtok_r(NULL, " \t", &wsave)) {
                        if (streq(w, "vmx"))
                                k->cpu_vmx = true;
                        else if (streq(w, "svm"))
                                k->cpu_svm = true;
                }
                break;
        }
}

static void modules(const struct sysroot *sr, struct kvm_info *k) {
        static const char *const names[] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char path[64];

                bufprintf(path, sizeof(path), "/sys/module/%s", names[i]);
                if (!sysfs_exists(sr, path))
                        continue;
                if (k->modules[0])
                        strncat(k->modules, " ", sizeof(k->modules) - strlen(k->modules) - 1);
                strncat(k->modules, names[i], sizeof(k->modules) - strlen(k->modules) - 1);
                if (i == 1 || i == 2) {
                        _cleanup_free_ char *s = NULL;

                        bufprintf(path, sizeof(path), "/sys/module/%s/parameters/nested", names[i]);
                        if (sysfs_read_attr(sr, path, &s) >= 0)
                                bufprintf(k->nested, sizeof(k->nested), "%.20s=%.8s", names[i], s);
                }
        }
}

int kvm_probe(const struct sysroot *sr, struct kvm_info *ret) {
        struct kvm_info k = { .api_version = -1, .nr_vcpus = -1 };

        k.dev_present = sysfs_exists(sr, "/dev/kvm");
        if (sr->live)
                functional_probe(sr, &k);
        cpu_flags(sr, &k);
        modules(sr, &k);
        *ret = k;
        return 0;
}
