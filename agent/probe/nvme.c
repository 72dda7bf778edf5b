/* SPDX-License-Identifier: MIT */
#include "nvme.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nvme_ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/parse.h"
#include "sysfs.h"

static void read_str(const struct sysroot *sr, const char *dir, const char *attr, char *buf, size_t size,
                     int *error, char *error_attr, size_t ea_size) {
        _cleanup_free_ char *s = NULL;
        char path[PATH_MAX];
        int r;

        bufprintf(path, sizeof(path), "%s/%s", dir, attr);
        r = sysfs_read_attr(sr, path, &s);
        if (r < 0) {
                buf[0] = 0;
                if (r != -ENOENT && *error == 0) {
                        *error = r;
                        bufprintf(error_attr, ea_size, "%s", attr);
                }
                return;
        }
        bufprintf(buf, size, "%s", s);
}

/* Virtual "NVMe" that says so: its SMART data is synthetic. */
static const char *emulated_reason(const char *model) {
        static const struct {
                const char *prefix, *why;
        } table[] = {
                { "QEMU NVMe", "emulated by QEMU" },
                { "Amazon Elastic Block Store", "Amazon EBS volume (network storage)" },
                { "Google EphemeralDisk", "Google Cloud local SSD (virtual controller)" },
                { "Google PersistentDisk", "Google persistent disk (network storage)" },
                { "Microsoft NVMe Direct Disk", "Azure direct disk (virtual controller)" },
                { "VMware Virtual NVMe", "emulated by VMware" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strneq(model, table[i].prefix, strlen(table[i].prefix)))
                        return table[i].why;
        return NULL;
}

static bool is_ns_name(const char *ctrl, const char *name) {
        size_t n = strlen(ctrl);
        const char *p = name;

        /* nvme0n1, or the hidden multipath path nvme0c0n1 (which starts with
         * "nvme<subsys>c<ctrl>", not necessarily the controller's name). */
        if (strneq(name, ctrl, n) && name[n] == 'n' && name[n + 1] >= '0' && name[n + 1] <= '9')
                return true;
        if (!strneq(p, "nvme", 4))
                return false;
        p += 4 + strspn(p + 4, "0123456789");
        if (*p != 'c')
                return false;
        p += 1 + strspn(p + 1, "0123456789");
        return *p == 'n' && p[1] >= '0' && p[1] <= '9';
}

static void read_ns(const struct sysroot *sr, const char *dir, struct nvme_ns *ns) {
        _cleanup_free_ char *sched = NULL;
        char path[PATH_MAX], buf[64];
        uint64_t v;
        int r;

        ns->rotational = -1;
        bufprintf(path, sizeof(path), "%s/size", dir);
        if ((r = sysfs_read_u64(sr, path, &v)) >= 0)
                ns->size_bytes = v <= UINT64_MAX / 512 ? v * 512 : UINT64_MAX;
        else if (r != -ENOENT && !ns->error)
                ns->error = r, snprintf(ns->error_attr, sizeof(ns->error_attr), "size");
        bufprintf(path, sizeof(path), "%s/queue/rotational", dir);
        if (sysfs_read_u64(sr, path, &v) >= 0 && v <= 1)
                ns->rotational = (int) v;
        bufprintf(path, sizeof(path), "%s/queue/logical_block_size", dir);
        (void) sysfs_read_u64(sr, path, &ns->logical_block_size);
        bufprintf(path, sizeof(path), "%s/queue/physical_block_size", dir);
        (void) sysfs_read_u64(sr, path, &ns->physical_block_size);
        read_str(sr, dir, "queue/write_cache", ns->write_cache, sizeof(ns->write_cache), &ns->error,
                 ns->error_attr, sizeof(ns->error_attr));
        read_str(sr, dir, "queue/scheduler", buf, sizeof(buf), &ns->error, ns->error_attr, sizeof(ns->error_attr));
        if (buf[0] && sysfs_bracketed(buf, &sched) >= 0)
                bufprintf(ns->scheduler, sizeof(ns->scheduler), "%s", sched);
        else
                bufprintf(ns->scheduler, sizeof(ns->scheduler), "%s", buf);
}

static void read_hwmon_temp(const struct sysroot *sr, const char *dir, struct nvme_ctrl *c) {
        _cleanup_strv_free_ char **l = NULL;

        if (sysfs_list_dir(sr, dir, 512, &l) < 0)
                return;
        for (char **i = l; *i; i++) {
                char path[PATH_MAX];
                _cleanup_free_ char *s = NULL;
                long long t;
                char *end;

                if (!strneq(*i, "hwmon", 5))
                        continue;
                bufprintf(path, sizeof(path), "%s/%s/temp1_input", dir, *i);
                if (sysfs_read_attr(sr, path, &s) < 0)
                        continue;
                errno = 0;
                t = strtoll(s, &end, 10);
                if (errno == 0 && !*end && t > -273150 && t < 1000000)
                        c->temp_millicelsius = (int) t;
                return;
        }
}

static int read_ctrl(const struct sysroot *sr, const char *name, struct nvme_ctrl *c) {
        _cleanup_strv_free_ char **entries = NULL;
        char dir[PATH_MAX];
        int r;

        bufprintf(c->name, sizeof(c->name), "%s", name);
        c->temp_millicelsius = INT32_MIN;
        bufprintf(dir, sizeof(dir), "/sys/class/nvme/%s", name);
#define ATTR(a, f) read_str(sr, dir, a, c->f, sizeof(c->f), &c->error, c->error_attr, sizeof(c->error_attr))
        ATTR("model", model);
        ATTR("serial", serial);
        ATTR("firmware_rev", firmware);
        ATTR("transport", transport);
        ATTR("state", state);
        ATTR("address", address);
#undef ATTR
        c->emulated = emulated_reason(c->model);
        read_hwmon_temp(sr, dir, c);

        r = sysfs_list_dir(sr, dir, 512, &entries);
        if (r < 0)
                return r;
        for (char **i = entries; *i && c->n_ns < NVME_MAX_NS; i++) {
                char nsdir[PATH_MAX];

                if (!is_ns_name(name, *i))
                        continue;
                bufprintf(c->ns[c->n_ns].name, sizeof(c->ns[0].name), "%s", *i);
                bufprintf(nsdir, sizeof(nsdir), "%s/%s", dir, *i);
                read_ns(sr, nsdir, &c->ns[c->n_ns]);
                c->n_ns++;
        }
        return 0;
}

int nvme_enumerate(const struct sysroot *sr, struct nvme_list *ret) {
        _cleanup_strv_free_ char **names = NULL;
        struct nvme_list l = {};
        int r;

        r = sysfs_list_dir(sr, "/sys/class/nvme", NVME_MAX_CTRLS, &names);
        if (r < 0)
                return r;
        l.ctrls = calloc(strv_length(names) + 1, sizeof(struct nvme_ctrl));
        if (!l.ctrls)
                return -ENOMEM;
        for (char **i = names; *i; i++) {
                struct nvme_ctrl *c = &l.ctrls[l.n];

                if (!strneq(*i, "nvme", 4))
                        continue;
                r = read_ctrl(sr, *i, c);
                if (r < 0 && !c->error) {
                        c->error = r;
                        bufprintf(c->error_attr, sizeof(c->error_attr), "namespaces");
                }
                l.n++;
        }
        *ret = l;
        return 0;
}

void nvme_list_done(struct nvme_list *l) {
        free(l->ctrls);
        *l = (struct nvme_list) {};
}

static uint64_t le_u128_saturated(const uint8_t *p) {
        uint64_t lo = 0;

        for (int i = 8; i < 16; i++)
                if (p[i])
                        return UINT64_MAX;
        for (int i = 7; i >= 0; i--)
                lo = (lo << 8) | p[i];
        return lo;
}

int nvme_smart_parse(const uint8_t *buf, size_t size, struct nvme_smart *ret) {
        struct nvme_smart s = {};

        if (size < 512)
                return -EBADMSG;
        s.critical_warning = buf[0];
        s.temperature_celsius = (int) (buf[1] | (buf[2] << 8)) - 273;
        s.available_spare = buf[3];
        s.spare_threshold = buf[4];
        s.percent_used = buf[5];
        /* 16-byte counters from offset 32: data read/written, host read/write
         * commands, busy time, power cycles, power-on hours, unsafe
         * shutdowns, media errors, error log entries. */
        s.power_on_hours = le_u128_saturated(buf + 128);
        s.unsafe_shutdowns = le_u128_saturated(buf + 144);
        s.media_errors = le_u128_saturated(buf + 160);
        s.error_log_entries = le_u128_saturated(buf + 176);
        *ret = s;
        return 0;
}

int nvme_smart_read_fd(int fd, struct nvme_smart *ret) {
        uint8_t buf[512] __attribute__((aligned(8))) = {};
        struct nvme_admin_cmd cmd = {
                .opcode = 0x02,                 /* Get Log Page */
                .nsid = 0xffffffff,             /* controller-wide */
                .addr = (uint64_t) (uintptr_t) buf,
                .data_len = sizeof(buf),
                /* LID 02h; NUMDL = dwords - 1 = 127 in bits 31:16. */
                .cdw10 = 0x02 | (((uint32_t) sizeof(buf) / 4 - 1) << 16),
        };
        int r;

        r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
        if (r < 0)
                return -errno;
        if (r > 0)      /* an NVMe status code: the drive refused the command */
                return -EIO;
        return nvme_smart_parse(buf, sizeof(buf), ret);
}

int nvme_smart_read(const struct sysroot *sr, const char *name, struct nvme_smart *ret) {
        _cleanup_close_ int fd = -1;
        char path[64];

        if (!sr->live)
                return -EOPNOTSUPP;
        if (!strneq(name, "nvme", 4) || strchr(name, '/') || strlen(name) > 32)
                return -EINVAL;
        bufprintf(path, sizeof(path), "/dev/%s", name);
        fd = sysroot_open(sr, path, O_RDONLY, 0);
        if (fd < 0)
                return fd;
        return nvme_smart_read_fd(fd, ret);
}
