/* SPDX-License-Identifier: MIT */
#include "persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"

#define PERSIST_MAX (1024 * 1024)

const char *persisted_file_path(enum persisted_file f) {
        switch (f) {
        case PERSIST_SYSCTL: return NODEPREP_SYSCTL_DROPIN;
        case PERSIST_MODULES: return NODEPREP_MODULES_FILE;
        case PERSIST_MANAGER: return NODEPREP_MANAGER_FILE;
        default: return NULL;
        }
}

int persisted_file_probe(const struct sysroot *sr, const char *path, bool *ret_exists, bool *ret_ours) {
        _cleanup_free_ char *buf = NULL;
        int r;

        r = sysroot_read_file(sr, path, PERSIST_MAX, &buf, NULL);
        if (r == -ENOENT) {
                *ret_exists = false;
                *ret_ours = false;
                return 0;
        }
        *ret_exists = true;
        if (r == -EFBIG) {
                *ret_ours = false;
                return 0;
        }
        if (r < 0)
                return r;
        *ret_ours = strneq(buf, NODEPREP_MARKER, strlen(NODEPREP_MARKER));
        return 0;
}

static int header(const char *profile, const char *what, FILE *f) {
        /* The name comes from a file name: never let it end the comment line
         * (profile_load() refuses control characters; this is the backstop). */
        fprintf(f, "%s from profile '", NODEPREP_MARKER);
        for (const unsigned char *p = (const unsigned char *) profile; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        fprintf(f, "\\x%02x", *p);
                else
                        fputc(*p, f);
        return fprintf(f, "' (%s).\n"
                       "# Do not edit: 'nodeprep apply' rewrites it and 'nodeprep rollback' removes it.\n",
                       what) < 0 ? -EIO : 0;
}

typedef int (*render_body_t)(FILE *f, const void *userdata);

static int render(const char *profile, const char *what, render_body_t body, const void *userdata, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return -ENOMEM;
        r = header(profile, what, f);
        if (r >= 0)
                r = body(f, userdata);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}

struct lines {
        const struct sysctl_line *l;
        size_t n;
};

static int sysctl_body(FILE *f, const void *userdata) {
        const struct lines *ls = userdata;

        for (size_t i = 0; i < ls->n; i++)
                if (fprintf(f, "%s = %s\n", ls->l[i].key, ls->l[i].value) < 0)
                        return -EIO;
        return 0;
}

int render_sysctl_dropin(const char *profile, const struct sysctl_line *lines, size_t n, char **ret) {
        const struct lines ls = { lines, n };

        return render(profile, "sysctl.d, sorts after 99-sysctl.conf", sysctl_body, &ls, ret);
}

static int modules_body(FILE *f, const void *userdata) {
        char * const *m = userdata;

        for (size_t i = 0; m && m[i]; i++)
                if (fprintf(f, "%s\n", m[i]) < 0)
                        return -EIO;
        return 0;
}

int render_modules(const char *profile, char * const *modules, char **ret) {
        return render(profile, "modules-load.d", modules_body, modules, ret);
}

static int manager_body(FILE *f, const void *userdata) {
        const uint64_t *nofile = userdata;

        /* Soft limit stays 1024 for select() users (systemd.exec(5)); services
         * that need more raise it up to the hard limit themselves. */
        return fprintf(f, "[Manager]\nDefaultLimitNOFILE=1024:%llu\n", (unsigned long long) *nofile) < 0 ? -EIO : 0;
}

int render_manager(const char *profile, uint64_t nofile, char **ret) {
        return render(profile, "systemd manager limits", manager_body, &nofile, ret);
}

int persist_write(const struct sysroot *sr, const char *path, const char *content, bool *ret_changed) {
        _cleanup_free_ char *old = NULL, *dir = NULL;
        char *slash;
        int r;

        r = sysroot_read_file(sr, path, PERSIST_MAX, &old, NULL);
        if (r >= 0 && streq(old, content)) {
                *ret_changed = false;
                return 0;
        }
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash)
                *slash = 0;
        r = sysroot_mkdir_p(sr, dir, 0755);
        if (r < 0)
                return r;
        r = sysroot_write_atomic(sr, path, content, strlen(content), 0644);
        if (r < 0)
                return r;
        *ret_changed = true;
        return 0;
}
