/* SPDX-License-Identifier: MIT */
/* Unit tests for the pure parts of agent/probe: signatures and vendors,
 * uid_map, steal arithmetic, sysfs link parsing and disk classes, kernel
 * config lookup, /proc/net parsers, NOFILE syntax, the NVMe SMART page,
 * and the mountinfo table (libmount) on streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "basic/cleanup.h"
#include "probe/blockdev.h"
#include "probe/kernel.h"
#include "probe/limits.h"
#include "probe/mountinfo.h"
#include "probe/net.h"
#include "probe/nvme.h"
#include "probe/steal.h"
#include "probe/sysfs.h"
#include "probe/virt.h"
#include "verdict/verdict-rules.h"

static void test_cpuid_signatures(void **state) {
        assert_string_equal(virt_vm_from_cpuid_signature("KVMKVMKVM"), "kvm");
        assert_string_equal(virt_vm_from_cpuid_signature("Linux KVM Hv"), "kvm");
        assert_string_equal(virt_vm_from_cpuid_signature("TCGTCGTCGTCG"), "qemu-tcg");
        assert_string_equal(virt_vm_from_cpuid_signature("Microsoft Hv"), "microsoft");
        assert_string_equal(virt_vm_from_cpuid_signature("VMwareVMware"), "vmware");
        assert_string_equal(virt_vm_from_cpuid_signature("XenVMMXenVMM"), "xen");
        assert_string_equal(virt_vm_from_cpuid_signature("NoSuchThing!"), "other");
}

static void test_dmi_vendors(void **state) {
        assert_string_equal(virt_vm_from_dmi_vendor("QEMU"), "qemu");
        assert_string_equal(virt_vm_from_dmi_vendor("Amazon EC2"), "amazon");
        assert_string_equal(virt_vm_from_dmi_vendor("VMware, Inc."), "vmware");
        assert_string_equal(virt_vm_from_dmi_vendor("innotek GmbH"), "oracle");
        assert_null(virt_vm_from_dmi_vendor("Supermicro"));
        assert_null(virt_vm_from_dmi_vendor(""));
}

static void test_uid_map(void **state) {
        assert_int_equal(virt_uid_map_is_full("         0          0 4294967295\n"), 1);
        assert_int_equal(virt_uid_map_is_full("0 100000 65536\n"), 0);
        assert_int_equal(virt_uid_map_is_full("0 0 4294967295\n1000 1000 1\n"), 0);
        assert_int_equal(virt_uid_map_is_full(""), -EINVAL);
        assert_int_equal(virt_uid_map_is_full("junk"), -EINVAL);
}

static void test_steal(void **state) {
        struct cpu_ticks a, b;
        double pct;

        assert_int_equal(cpu_ticks_parse("cpu  100 0 100 700 0 0 0 100 0 0\ncpu0 1 2 3\n", &a), 0);
        assert_int_equal(a.total, 1000);
        assert_int_equal(a.steal, 100);
        assert_int_equal(cpu_ticks_parse("cpu  200 0 200 1300 0 0 0 300 0 0\n", &b), 0);
        assert_int_equal(steal_percent(&a, &b, &pct), 0);
        assert_true(pct > 19.9 && pct < 20.1);
        /* Counters going backwards (node_exporter #742) are refused. */
        assert_int_equal(steal_percent(&b, &a, &pct), -ERANGE);
        assert_int_equal(steal_percent(&a, &a, &pct), -ERANGE);
        /* Steal beyond the window is clamped. */
        b = (struct cpu_ticks) { .total = a.total + 10, .steal = a.steal + 50 };
        assert_int_equal(steal_percent(&a, &b, &pct), 0);
        assert_true(pct <= 100.0);
        assert_int_equal(cpu_ticks_parse("cpu0 1 2 3 4 5 6 7 8\n", &a), -EINVAL);
        assert_int_equal(cpu_ticks_parse("cpu  1 2 3\n", &a), -EINVAL);
        assert_int_equal(cpu_ticks_parse("cpu  18446744073709551615 1 0 0 0 0 0 0\n", &a), -ERANGE);
}

static void test_link_names(void **state) {
        char name[32], parent[32];

        assert_int_equal(blockdev_name_from_link("../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda", name,
                                                 sizeof(name), parent, sizeof(parent)), 0);
        assert_string_equal(name, "vda");
        assert_string_equal(parent, "block");
        assert_int_equal(blockdev_name_from_link("../../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p1",
                                                 name, sizeof(name), parent, sizeof(parent)), 0);
        assert_string_equal(name, "nvme0n1p1");
        assert_string_equal(parent, "nvme0n1");
        assert_int_equal(blockdev_name_from_link("sda", name, sizeof(name), parent, sizeof(parent)), 0);
        assert_string_equal(parent, "");
        assert_int_equal(blockdev_name_from_link("../..", name, sizeof(name), NULL, 0), -EINVAL);
        assert_int_equal(blockdev_name_from_link("x/", name, sizeof(name), NULL, 0), -EINVAL);
}

static void test_classify(void **state) {
        assert_int_equal(blockdev_classify("vda", "../../devices/pci0000:00/0000:00:02.0/virtio1/block/vda"),
                         DISK_VIRTIO_BLK);
        assert_int_equal(blockdev_classify("sda", "../../devices/pci0000:00/0000:00:03.0/virtio2/host0/target0:0:0/0:0:0:0/block/sda"),
                         DISK_VIRTIO_SCSI);
        assert_int_equal(blockdev_classify("sda", "../../devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"),
                         DISK_SCSI);
        assert_int_equal(blockdev_classify("nvme0n1", "../../devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1"),
                         DISK_NVME);
        assert_int_equal(blockdev_classify("xvda", "../../devices/vbd-51712/block/xvda"), DISK_XEN);
        assert_int_equal(blockdev_classify("loop0", "../../devices/virtual/block/loop0"), DISK_LOOP);
        assert_int_equal(blockdev_classify("zram0", "../../devices/virtual/block/zram0"), DISK_RAM);
        assert_int_equal(blockdev_classify("hda", "../../devices/whatever/block/hda"), DISK_OTHER);
}

static void test_describe(void **state) {
        struct blockdev_disk d = { .name = "vda", .kind = DISK_VIRTIO_BLK, .rotational = 1 };
        char buf[256];

        blockdev_describe_disk(&d, buf, sizeof(buf));
        assert_string_equal(buf, "vda: virtual disk (virtio-blk): media unknown, SMART n/a");
}

static void test_kconfig(void **state) {
        const char *c = "CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\nCONFIG_AB=y\nXCONFIG_D=y\n";

        assert_int_equal(kconfig_get(c, "A"), 'y');
        assert_int_equal(kconfig_get(c, "B"), 0);
        assert_int_equal(kconfig_get(c, "C"), 'm');
        assert_int_equal(kconfig_get(c, "D"), 0);
        assert_int_equal(kconfig_get("", "A"), 0);

        {
                const char *const opts[] = { "A", "B", "C", "D", "AB" };
                char got[5];

                kconfig_get_many(c, opts, 5, got);
                assert_int_equal(got[0], 'y');
                assert_int_equal(got[1], 0);
                assert_int_equal(got[2], 'm');
                assert_int_equal(got[3], 0);
                assert_int_equal(got[4], 'y');
                kconfig_get_many("CONFIG_A\nCONFIG_=y\n=", opts, 5, got);
                assert_int_equal(got[0], 0);
        }
}

static void test_routes(void **state) {
        struct route_info ri = {};

        assert_int_equal(net_parse_proc_route("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                                              "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n", &ri), 0);
        assert_true(ri.v4);
        assert_string_equal(ri.dev4, "eth0");
        assert_string_equal(ri.via4, "192.168.2.1");
        ri = (struct route_info) {};
        assert_int_equal(net_parse_proc_route("Iface\n", &ri), 0);
        assert_false(ri.v4);
        assert_int_equal(net_parse_proc_ipv6_route("00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
                                                   "fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eno1\n", &ri), 0);
        assert_true(ri.v6);
        assert_string_equal(ri.dev6, "eno1");
}

static void test_tcp_listen(void **state) {
        const char *t = "  sl  local_address rem_address   st\n"
                        "   0: 00000000:192B 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
                        "   1: 0100007F:280A 0100007F:9999 01 00000000:00000000 00:00000000 00000000 0 0 2 1\n";

        assert_true(net_parse_tcp_listen(t, 6443));
        assert_false(net_parse_tcp_listen(t, 10250));  /* established, not listening */
        assert_false(net_parse_tcp_listen("", 6443));
}

static void test_nofile(void **state) {
        uint64_t s, h;

        assert_int_equal(limits_parse_nofile("1024:524288", &s, &h), 0);
        assert_int_equal(s, 1024);
        assert_int_equal(h, 524288);
        assert_int_equal(limits_parse_nofile("65536", &s, &h), 0);
        assert_int_equal(h, 65536);
        assert_int_equal(limits_parse_nofile("infinity", &s, &h), 0);
        assert_true(h == LIMIT_INFINITY);
        assert_int_equal(limits_parse_nofile("10:5", &s, &h), -EINVAL);
        assert_true(limits_parse_nofile("lots", &s, &h) < 0);
}

static void test_smart(void **state) {
        uint8_t buf[512] = {};
        struct verdict_thresholds th;
        struct nvme_smart s;
        char why[96];

        verdict_thresholds_init(&th);
        buf[0] = 0;
        buf[1] = 0x3c, buf[2] = 0x01;   /* 316 K = 43 C */
        buf[3] = 100, buf[4] = 10, buf[5] = 3;
        buf[144] = 7;                   /* unsafe shutdowns */
        assert_int_equal(nvme_smart_parse(buf, sizeof(buf), &s), 0);
        assert_int_equal(s.temperature_celsius, 43);
        assert_int_equal(s.unsafe_shutdowns, 7);
        assert_int_equal(verdict_nvme_smart(&s, &th, why, sizeof(why)), CHECK_OK);
        buf[160] = 2;                   /* media errors */
        assert_int_equal(nvme_smart_parse(buf, sizeof(buf), &s), 0);
        assert_int_equal(verdict_nvme_smart(&s, &th, why, sizeof(why)), CHECK_FAIL);
        assert_string_equal(why, "2 media errors");
        buf[175] = 1;                   /* beyond 64 bits: saturates */
        assert_int_equal(nvme_smart_parse(buf, sizeof(buf), &s), 0);
        assert_true(s.media_errors == UINT64_MAX);
        buf[3] = 5;                     /* spare below threshold */
        assert_int_equal(nvme_smart_parse(buf, sizeof(buf), &s), 0);
        assert_int_equal(verdict_nvme_smart(&s, &th, why, sizeof(why)), CHECK_FAIL);
        assert_int_equal(nvme_smart_parse(buf, 100, &s), -EBADMSG);
}

/* A mock of the NVMe admin passthru, in the manner of libnvme's
 * test/ioctl/mock.c: the executable's ioctl() wins over libc's, so the probe
 * library's call lands here. Every other ioctl goes to the kernel. */
static int mock_mode;   /* 0 off, 1 healthy log, 2 EACCES, 3 NVMe status */
static struct nvme_admin_cmd mock_seen;

int ioctl(int fd, unsigned long request, ...) {
        va_list ap;
        void *arg;

        va_start(ap, request);
        arg = va_arg(ap, void *);
        va_end(ap);
        if (mock_mode && request == NVME_IOCTL_ADMIN_CMD) {
                struct nvme_admin_cmd *cmd = arg;
                uint8_t *log = (uint8_t *) (uintptr_t) cmd->addr;

                mock_seen = *cmd;
                if (mock_mode == 2) {
                        errno = EACCES;
                        return -1;
                }
                if (mock_mode == 3)
                        return 0x4002;  /* Invalid Log Page, DNR */
                memset(log, 0, cmd->data_len);
                log[1] = 0x3c, log[2] = 0x01;   /* 316 K */
                log[3] = 100, log[4] = 10, log[5] = 1;
                log[144] = 3;                   /* unsafe shutdowns */
                return 0;
        }
        return (int) syscall(SYS_ioctl, fd, request, arg);
}

static void test_smart_passthru(void **state) {
        struct nvme_smart s;
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        mock_mode = 1;
        assert_int_equal(nvme_smart_read_fd(fd, &s), 0);
        /* The command nvme-cli sends for smart-log. */
        assert_int_equal(mock_seen.opcode, 0x02);
        assert_int_equal(mock_seen.nsid, 0xffffffff);
        assert_int_equal(mock_seen.data_len, 512);
        assert_int_equal(mock_seen.cdw10, 0x007f0002);
        assert_int_equal(s.temperature_celsius, 43);
        assert_int_equal(s.unsafe_shutdowns, 3);
        mock_mode = 2;
        assert_int_equal(nvme_smart_read_fd(fd, &s), -EACCES);
        mock_mode = 3;
        assert_int_equal(nvme_smart_read_fd(fd, &s), -EIO);
        mock_mode = 0;
        close(fd);
}

static void test_bracketed(void **state) {
        _cleanup_free_ char *s = NULL;

        assert_int_equal(sysfs_bracketed("none [mq-deadline] kyber", &s), 0);
        assert_string_equal(s, "mq-deadline");
        assert_int_equal(sysfs_bracketed("none", &s), -EINVAL);
        assert_int_equal(sysfs_bracketed("[]", &s), -EINVAL);
}

static int parse(const char *text, struct mount_table **ret) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        int r;

        assert_non_null(f);
        r = mount_table_parse_stream(f, "test", ret);
        fclose(f);
        return r;
}

static void test_mountinfo(void **state) {
        _cleanup_(mount_table_freep) struct mount_table *mt = NULL;
        struct mount_entry e;
        const char *text =
                "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                "52 27 254:2 / /var/lib ro,relatime - ext4 /dev/mapper/vg0-var--lib rw\n"
                "53 27 254:3 / /var/lib/rancher/k3s2 rw - ext4 /dev/vdb rw\n"
                "31 23 0:28 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                "1386 22 0:66 /proc/cpuinfo /proc/cpuinfo rw - fuse.lxcfs lxcfs rw\n";

        assert_int_equal(parse(text, &mt), 0);
        assert_int_equal(mount_table_size(mt), 6);
        /* Longest prefix by whole components: k3s2 is not a prefix of k3s. */
        assert_int_equal(mount_table_find(mt, "/var/lib/rancher/k3s", &e), 0);
        assert_string_equal(e.target, "/var/lib");
        assert_true(e.read_only);
        assert_int_equal(major(e.devno), 254);
        assert_int_equal(minor(e.devno), 2);
        mount_entry_done(&e);
        assert_int_equal(mount_table_find(mt, "/nonexistent/on/host", &e), 0);
        assert_string_equal(e.target, "/");
        mount_entry_done(&e);
        assert_true(mount_table_has_fstype_under(mt, "fuse.lxcfs", "/proc"));
        assert_false(mount_table_has_fstype_under(mt, "fuse.lxcfs", "/sys"));
        assert_string_equal(mount_table_fstype_at(mt, "/sys/fs/cgroup"), "cgroup2");
        assert_string_equal(mount_table_cgroup1_with(mt, "memory"), "/sys/fs/cgroup/memory");
        assert_null(mount_table_cgroup1_with(mt, "cpuset"));
}

static void test_mountinfo_junk(void **state) {
        struct mount_table *mt = NULL;

        assert_int_equal(parse("", &mt), -ENODATA);
        /* fstab-looking junk is not mountinfo. */
        assert_int_equal(parse("a b c d\n\x01\x02 \x03\n", &mt), -EBADMSG);
        assert_int_equal(parse("27 1 254:0 / / rw - ext4 /dev/vda rw\ngarbage line here x\n", &mt), 0);
        assert_int_equal(mount_table_size(mt), 1);
        assert_true(mount_table_bad_lines(mt) >= 1);
        mount_table_free(mt);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cpuid_signatures), cmocka_unit_test(test_dmi_vendors),
                cmocka_unit_test(test_uid_map),          cmocka_unit_test(test_steal),
                cmocka_unit_test(test_link_names),       cmocka_unit_test(test_classify),
                cmocka_unit_test(test_describe),         cmocka_unit_test(test_kconfig),
                cmocka_unit_test(test_routes),           cmocka_unit_test(test_tcp_listen),
                cmocka_unit_test(test_nofile),           cmocka_unit_test(test_smart),
                cmocka_unit_test(test_smart_passthru),
                cmocka_unit_test(test_bracketed),        cmocka_unit_test(test_mountinfo),
                cmocka_unit_test(test_mountinfo_junk),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
