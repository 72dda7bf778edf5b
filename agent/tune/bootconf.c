/* SPDX-License-Identifier: MIT */
#include "bootconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/linereader.h"
#include "../basic/parse.h"
#include "sysctl.h"

#define BOOT_FILES_MAX 512
#define BOOT_ASSIGNMENTS_MAX 65536

static const char *const sysctl_dirs[] = {
        "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d",
};

struct boot_file {
        char *basename;
        char *path;     /* node path */
};

struct boot_config {
        struct boot_file *files;        /* sorted by basename */
        size_t n_files;
        struct sysctl_assignment *a;           /* in application order */
        size_t n_a;
        struct sysctl_assignment *sysctl_conf; /* /etc/sysctl.conf, for procps */
        size_t n_sysctl_conf;
        /* Built once per scan, so a lookup costs a binary search instead of a
         * pass over every assignment: indices into a[] of the explicit
         * assignments sorted by key, then application order, and of the globs
         * in application order. */
        size_t *explicit_by_key;
        size_t n_explicit;
        size_t *globs;
        size_t n_globs;
};

struct file_ctx {
        struct line_reader lr;
        struct sysctl_assignment **a;
        size_t *n;
        size_t file;
};

static int on_line(void *user, const char *section, const char *name, const char *value) {
        struct file_ctx *c = user;
        _cleanup_free_ char *key = NULL, *v = NULL;
        struct sysctl_assignment *na;
        bool glob;

        (void) section;
        if (*name == '-')
                name++;
        glob = strpbrk(name, "*?[") != NULL;
        if (glob)
                key = strdup(name);
        else if (sysctl_normalize_name(name, &key) < 0)
                return 1;  /* systemd-sysctl ignores what it cannot use; so do we */
        v = strdup(value);
        if (!key || !v)
                return 0;
        if (*c->n >= BOOT_ASSIGNMENTS_MAX) {
                c->lr.stop = true;
                return 0;
        }
        na = realloc(*c->a, (*c->n + 1) * sizeof(*na));
        if (!na)
                return 0;
        *c->a = na;
        na[(*c->n)++] = (struct sysctl_assignment) {
                .key = TAKE_PTR(key), .value = normalize_blanks(TAKE_PTR(v)), .file = c->file, .glob = glob,
        };
        return 1;
}

int sysctl_conf_parse_stream(FILE *f, struct sysctl_assignment **a, size_t *n, size_t file_index) {
        struct file_ctx c = {
                .lr = { .f = f, .max_line = 4096, .max_lines = 100000, .strip_leading = true },
                .a = a, .n = n, .file = file_index,
        };

        /* Lines inih cannot use (a bare "-key" glob exclusion) are skipped,
         * as they assign nothing. */
        (void) ini_parse_stream(line_reader_read, &c.lr, on_line, &c);
        return c.lr.error;
}

static void parse_file(const struct sysroot *sr, const char *path, size_t index,
                       struct sysctl_assignment **a, size_t *n) {
        _cleanup_close_ int fd = -1;
        _cleanup_fclose_ FILE *f = NULL;

        fd = sysroot_open(sr, path, O_RDONLY | O_NOCTTY, 0);
        if (fd < 0)
                return;
        f = fdopen(fd, "re");
        if (!f)
                return;
        TAKE_FD(fd);
        (void) sysctl_conf_parse_stream(f, a, n, index);
}

static bool is_masked(int dfd, const char *name) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

        if (n <= 0)
                return false;
        target[n] = 0;
        return streq(target, "/dev/null");
}

static int collect(const struct sysroot *sr, struct boot_config *bc) {
        for (size_t d = 0; d < ELEMENTSOF(sysctl_dirs); d++) {
                _cleanup_close_ int dfd = sysroot_open(sr, sysctl_dirs[d], O_DIRECTORY | O_RDONLY, 0);
                DIR *dir;
                struct dirent *de;

                if (dfd < 0)
                        continue;
                dir = fdopendir(dfd);
                if (!dir)
                        continue;
                TAKE_FD(dfd);
                while ((de = readdir(dir))) {
                        size_t len = strlen(de->d_name);
                        bool seen = false;
                        struct boot_file *nf;

                        if (len < 6 || !streq(de->d_name + len - 5, ".conf") || de->d_name[0] == '.')
                                continue;
                        for (size_t i = 0; i < bc->n_files; i++)
                                seen = seen || streq(bc->files[i].basename, de->d_name);
                        if (seen)
                                continue;  /* an earlier directory has this basename */
                        if (bc->n_files >= BOOT_FILES_MAX)
                                break;
                        nf = realloc(bc->files, (bc->n_files + 1) * sizeof(*nf));
                        if (!nf) {
                                closedir(dir);
                                return -ENOMEM;
                        }
                        bc->files = nf;
                        nf[bc->n_files].basename = strdup(de->d_name);
                        if (asprintf(&nf[bc->n_files].path, "%s/%s", sysctl_dirs[d], de->d_name) < 0)
                                nf[bc->n_files].path = NULL;
                        if (!nf[bc->n_files].basename || !nf[bc->n_files].path) {
                                free(nf[bc->n_files].basename);
                                free(nf[bc->n_files].path);
                                closedir(dir);
                                return -ENOMEM;
                        }
                        /* A masked file still claims its basename, but has no content. */
                        if (is_masked(dirfd(dir), de->d_name)) {
                                free(nf[bc->n_files].path);
                                nf[bc->n_files].path = NULL;
                        }
                        bc->n_files++;
                }
                closedir(dir);
        }
        return 0;
}

static int cmp_files(const void *a, const void *b) {
        return strcmp(((const struct boot_file *) a)->basename, ((const struct boot_file *) b)->basename);
}

/* qsort_r's context: the assignments the indices point into. */
static int cmp_explicit(const void *x, const void *y, void *arg) {
        const struct sysctl_assignment *a = arg;
        size_t i = *(const size_t *) x, j = *(const size_t *) y;
        int c = strcmp(a[i].key, a[j].key);

        return c ? c : (i > j) - (i < j);
}

static int build_index(struct boot_config *bc) {
        if (bc->n_a == 0)
                return 0;
        bc->explicit_by_key = calloc(bc->n_a, sizeof(size_t));
        bc->globs = calloc(bc->n_a, sizeof(size_t));
        if (!bc->explicit_by_key || !bc->globs)
                return -ENOMEM;
        for (size_t i = 0; i < bc->n_a; i++)
                if (bc->a[i].glob)
                        bc->globs[bc->n_globs++] = i;
                else
                        bc->explicit_by_key[bc->n_explicit++] = i;
        if (bc->n_explicit > 0)
                qsort_r(bc->explicit_by_key, bc->n_explicit, sizeof(size_t), cmp_explicit, bc->a);
        return 0;
}

/* The first position in explicit_by_key whose key is not below key. */
static size_t explicit_lower_bound(const struct boot_config *bc, const char *key) {
        size_t lo = 0, hi = bc->n_explicit;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(bc->a[bc->explicit_by_key[mid]].key, key) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int boot_config_scan(const struct sysroot *sr, struct boot_config **ret) {
        _cleanup_boot_config_ struct boot_config *bc = calloc(1, sizeof(*bc));
        int r;

        if (!bc)
                return -ENOMEM;
        r = collect(sr, bc);
        if (r < 0)
                return r;
        if (bc->n_files > 0)  /* qsort's base must not be NULL, even for 0 elements */
                qsort(bc->files, bc->n_files, sizeof(*bc->files), cmp_files);
        for (size_t i = 0; i < bc->n_files; i++)
                if (bc->files[i].path)
                        parse_file(sr, bc->files[i].path, i, &bc->a, &bc->n_a);
        parse_file(sr, "/etc/sysctl.conf", 0, &bc->sysctl_conf, &bc->n_sysctl_conf);
        r = build_index(bc);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bc);
        return 0;
}

void sysctl_assignments_free(struct sysctl_assignment *a, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(a[i].key);
                free(a[i].value);
        }
        free(a);
}

struct boot_config *boot_config_free(struct boot_config *bc) {
        if (!bc)
                return NULL;
        for (size_t i = 0; i < bc->n_files; i++) {
                free(bc->files[i].basename);
                free(bc->files[i].path);
        }
        free(bc->files);
        free(bc->explicit_by_key);
        free(bc->globs);
        sysctl_assignments_free(bc->a, bc->n_a);
        sysctl_assignments_free(bc->sysctl_conf, bc->n_sysctl_conf);
        free(bc);
        return NULL;
}

void boot_config_freep(struct boot_config **bc) {
        boot_config_free(*bc);
}

static bool after_file(const struct boot_config *bc, const struct sysctl_assignment *a, const char *after) {
        return !after || strcmp(bc->files[a->file].basename, after) > 0;
}

/* Last matching assignment among files whose basename sorts after `after`
 * (NULL: all files), explicit assignments beating globs. */
static const struct sysctl_assignment *last_assignment(const struct boot_config *bc, const char *key,
                                                const char *after, bool *ret_explicit_anywhere) {
        const struct sysctl_assignment *explicit = NULL, *glob = NULL;
        size_t first = explicit_lower_bound(bc, key), end = first;

        while (end < bc->n_explicit && streq(bc->a[bc->explicit_by_key[end]].key, key))
                end++;
        /* The range is in application order: the last one that counts wins. */
        for (size_t k = end; k > first && !explicit; k--) {
                const struct sysctl_assignment *a = &bc->a[bc->explicit_by_key[k - 1]];

                if (after_file(bc, a, after))
                        explicit = a;
        }
        for (size_t k = 0; k < bc->n_globs; k++) {
                const struct sysctl_assignment *a = &bc->a[bc->globs[k]];

                if (fnmatch(a->key, key, 0) == 0 && after_file(bc, a, after))
                        glob = a;
        }
        if (ret_explicit_anywhere)
                *ret_explicit_anywhere = end > first;
        return explicit ? explicit : glob;
}

const char *boot_config_winner(const struct boot_config *bc, const char *key, const char **ret_value) {
        bool explicit_anywhere;
        const struct sysctl_assignment *a = last_assignment(bc, key, NULL, &explicit_anywhere);

        if (!a || (a->glob && explicit_anywhere))
                return NULL;
        if (ret_value)
                *ret_value = a->value;
        return bc->files[a->file].path;
}

const char *boot_config_overrider(const struct boot_config *bc, const char *key, const char *ours) {
        /* Ours is an explicit assignment, so only an explicit assignment in a
         * later-sorting file overrides it; globs never do. */
        const struct sysctl_assignment *a = last_assignment(bc, key, ours, NULL);

        if (!a || a->glob)
                return NULL;
        return bc->files[a->file].path;
}

const char *boot_config_procps_overrider(const struct boot_config *bc, const char *key) {
        for (size_t i = 0; i < bc->n_sysctl_conf; i++)
                if (!bc->sysctl_conf[i].glob && streq(bc->sysctl_conf[i].key, key))
                        return "/etc/sysctl.conf";
        return NULL;
}
