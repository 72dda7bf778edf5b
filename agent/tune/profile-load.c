/* SPDX-License-Identifier: MIT */
/* Finding profiles on the search path and resolving their includes. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/parse.h"
#include "profile.h"

static bool valid_profile_name(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > PROFILE_NAME_MAX || s[0] == '.')
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
                        return false;
        return true;
}

static bool is_regular(const char *path) {
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Turn a name or a path into the file to read. Paths (with '/') are taken
 * relative to base_dir when given (an include), else to the cwd. */
static int locate(const char *name, const char *base_dir, char * const *search, char **ret) {
        char *p;

        if (strchr(name, '/')) {
                if (name[0] != '/' && base_dir) {
                        if (asprintf(&p, "%s/%s", base_dir, name) < 0)
                                return -ENOMEM;
                } else if (!(p = strdup(name)))
                        return -ENOMEM;
                if (!is_regular(p)) {
                        free(p);
                        return -ENOENT;
                }
                *ret = p;
                return 0;
        }
        if (!valid_profile_name(name))
                return -EINVAL;
        for (size_t i = 0; search && search[i]; i++) {
                if (asprintf(&p, "%s/%s.ini", search[i], name) < 0)
                        return -ENOMEM;
                if (is_regular(p)) {
                        *ret = p;
                        return 0;
                }
                free(p);
        }
        return -ENOENT;
}

static int merge_entry(struct profile *acc, struct profile_entry *e) {
        struct profile_entry *ne;

        for (size_t i = 0; i < acc->n_entries; i++)
                if (streq(acc->entries[i].key, e->key)) {
                        /* Later wins: replace value and origin in place. */
                        free(acc->entries[i].key);
                        free(acc->entries[i].value);
                        free(acc->entries[i].origin.file);
                        acc->entries[i] = *e;
                        *e = (struct profile_entry) {};
                        return 0;
                }
        if (acc->n_entries >= PROFILE_KEYS_MAX)
                return -E2BIG;
        ne = realloc(acc->entries, (acc->n_entries + 1) * sizeof(*ne));
        if (!ne)
                return -ENOMEM;
        acc->entries = ne;
        ne[acc->n_entries++] = *e;
        *e = (struct profile_entry) {};
        return 0;
}

static int take_origin(struct origin *dst, struct origin *src) {
        free(dst->file);
        *dst = *src;
        *src = (struct origin) {};
        return 0;
}

static int merge(struct profile *acc, struct profile *p, char **ret_error) {
        int r;

        if (p->description) {
                free(acc->description);
                acc->description = TAKE_PTR(p->description);
        }
        for (size_t i = 0; i < p->n_entries; i++) {
                const char *file = p->entries[i].origin.file;
                unsigned line = p->entries[i].origin.line;

                r = merge_entry(acc, &p->entries[i]);
                if (r == -E2BIG)
                        return error_msg(ret_error, r, "%s:%u: too many sysctl keys after includes (max %d)",
                                    file, line, PROFILE_KEYS_MAX);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; p->modules && p->modules[i]; i++)
                if (!strv_contains(acc->modules, p->modules[i]) && strv_extend(&acc->modules, p->modules[i]) < 0)
                        return -ENOMEM;
        if (p->modules_origin.file)
                take_origin(&acc->modules_origin, &p->modules_origin);
        if (p->nofile) {
                acc->nofile = p->nofile;
                take_origin(&acc->nofile_origin, &p->nofile_origin);
        }
        return 0;
}

struct resolve {
        char * const *search;
        char **stack;           /* real paths being loaded: cycle detection */
        struct profile *acc;
        char **error;
};

static int resolve_file(struct resolve *rs, const char *path, const char *site_file, unsigned site_line);

static int resolve_name(struct resolve *rs, const char *name, const char *base_dir,
                        const char *site_file, unsigned site_line) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = locate(name, base_dir, rs->search, &path);
        if (r == -EINVAL)
                return site_file ?
                        error_msg(rs->error, r, "%s:%u: invalid profile name '%s'", site_file, site_line, name) :
                        error_msg(rs->error, r, "invalid profile name '%s'", name);
        if (r == -ENOENT)
                return site_file ?
                        error_msg(rs->error, r, "%s:%u: included profile '%s' not found", site_file, site_line, name) :
                        error_msg(rs->error, r, "profile '%s' not found on the profile path", name);
        if (r < 0)
                return r;
        return resolve_file(rs, path, site_file, site_line);
}

static int resolve_file(struct resolve *rs, const char *path, const char *site_file, unsigned site_line) {
        _cleanup_free_ char *real = NULL, *dir = NULL;
        _cleanup_profile_ struct profile *p = NULL;
        _cleanup_strv_free_ char **includes = NULL;
        _cleanup_free_ unsigned *lines = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char *slash;
        int r;

        real = realpath(path, NULL);
        if (!real)
                return error_msg(rs->error, -errno, "%s: %m", path);
        if (strv_contains(rs->stack, real))
                return error_msg(rs->error, -ELOOP, "%s:%u: include cycle: '%s' is already being loaded",
                            site_file, site_line, path);
        if (strv_length(rs->stack) >= PROFILE_INCLUDE_DEPTH)
                return error_msg(rs->error, -ELOOP, "%s:%u: includes nested deeper than %d",
                            site_file, site_line, PROFILE_INCLUDE_DEPTH);

        f = fopen(path, "re");
        if (!f)
                return error_msg(rs->error, -errno, "%s: %m", path);
        r = profile_check_trust(fileno(f), real, rs->error);
        if (r < 0)
                return r;
        r = profile_parse_stream(f, path, &p, &includes, &lines, rs->error);
        if (r < 0)
                return r;

        if (strv_extend(&rs->stack, real) < 0)
                return -ENOMEM;
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash)
                *slash = 0;
        for (size_t i = 0; includes[i]; i++) {
                r = resolve_name(rs, includes[i], slash ? dir : ".", path, lines[i]);
                if (r < 0)
                        return r;
        }
        /* Pop ourselves: a diamond (two parents sharing a grandparent) is fine. */
        free(rs->stack[strv_length(rs->stack) - 1]);
        rs->stack[strv_length(rs->stack) - 1] = NULL;

        if (strv_extend(&rs->acc->chain, path) < 0)
                return -ENOMEM;
        return merge(rs->acc, p, rs->error);
}

int profile_load(const char *name_or_path, char * const *search_path,
                 struct profile **ret, char **ret_error) {
        _cleanup_profile_ struct profile *acc = NULL;
        _cleanup_strv_free_ char **stack = NULL;
        struct resolve rs = { .search = search_path, .error = ret_error };
        const char *base;
        char *dot;
        int r;

        *ret_error = NULL;
        /* The name and path are echoed into the header of every persisted
         * file and into messages: no line breaks or other controls. */
        for (const unsigned char *q = (const unsigned char *) name_or_path; *q; q++)
                if (*q < 0x20 || *q == 0x7f)
                        return error_msg(ret_error, -EINVAL, "profile path has a control character (0x%02x); "
                                         "rename the file", *q);
        acc = calloc(1, sizeof(*acc));
        if (!acc)
                return -ENOMEM;
        rs.acc = acc;
        rs.stack = stack;
        r = resolve_name(&rs, name_or_path, NULL, NULL, 0);
        stack = rs.stack;
        if (r < 0) {
                if (!*ret_error)
                        error_msg(ret_error, r, "%s: %s", name_or_path, strerror(-r));
                return r;
        }

        acc->file = strdup(acc->chain[strv_length(acc->chain) - 1]);
        base = strrchr(name_or_path, '/');
        acc->name = strdup(base ? base + 1 : name_or_path);
        if (!acc->file || !acc->name)
                return -ENOMEM;
        dot = strrchr(acc->name, '.');
        if (dot && streq(dot, ".ini"))
                *dot = 0;
        *ret = TAKE_PTR(acc);
        return 0;
}

/* The source tree's profiles/ when this binary was built there (./nodeprep
 * or build/nodeprep in a checkout), so "./nodeprep plan serverless" works
 * from a checkout. This reads the binary's own location, not the node. */
static int source_tree_profiles(char **ret) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1); /* root-context: exempt (this binary, not the node) */

        if (n <= 0)
                return -ENOENT;
        exe[n] = 0;
        for (int up = 0; up < 2; up++) {
                char *slash = strrchr(exe, '/'), *p;

                if (!slash || slash == exe)
                        return -ENOENT;
                *slash = 0;
                if (asprintf(&p, "%s/agent/main.c", exe) < 0)
                        return -ENOMEM;
                if (!is_regular(p)) {
                        free(p);
                        continue;
                }
                free(p);
                if (asprintf(&p, "%s/profiles", exe) < 0)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        return -ENOENT;
}

int profile_default_search_path(const char *root_host_path, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *etc = NULL, *usr = NULL, *src = NULL;
        const char *root = streq(root_host_path, "/") ? "" : root_host_path;

        if (asprintf(&etc, "%s/etc/nodeprep/profiles", root) < 0)
                return -ENOMEM;
        if (strv_extend(&l, etc) < 0)
                return -ENOMEM;
        if (source_tree_profiles(&src) >= 0) {
                if (strv_extend(&l, src) < 0)
                        return -ENOMEM;
        } else {
                if (asprintf(&usr, "%s/usr/share/nodeprep/profiles", root) < 0)
                        return -ENOMEM;
                if (strv_extend(&l, usr) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char * const *) a, *(char * const *) b);
}

int profile_list(char * const *search_path, char ***ret_names, char ***ret_files) {
        _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **files = calloc(1, sizeof(char *));
        _cleanup_strv_free_ char **sorted = NULL;

        if (!names || !files)
                return -ENOMEM;
        for (size_t i = 0; search_path && search_path[i]; i++) {
                DIR *d = opendir(search_path[i]);
                struct dirent *de;

                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        size_t n = strlen(de->d_name);
                        _cleanup_free_ char *name = NULL, *file = NULL;

                        if (n <= 4 || !streq(de->d_name + n - 4, ".ini"))
                                continue;
                        name = strndup(de->d_name, n - 4);
                        if (!name || asprintf(&file, "%s/%s", search_path[i], de->d_name) < 0) {
                                closedir(d);
                                return -ENOMEM;
                        }
                        if (!valid_profile_name(name) || strv_contains(names, name) || !is_regular(file))
                                continue;
                        if (strv_extend(&names, name) < 0 || strv_extend(&files, file) < 0) {
                                closedir(d);
                                return -ENOMEM;
                        }
                }
                closedir(d);
        }
        /* Sort names, keeping files aligned. */
        {
                size_t n = strv_length(names);
                _cleanup_strv_free_ char **sf = calloc(n + 1, sizeof(char *));

                sorted = calloc(n + 1, sizeof(char *));
                if (!sorted || !sf)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        sorted[i] = names[i];
                qsort(sorted, n, sizeof(char *), cmp_str);
                for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < n; j++)
                                if (names[j] == sorted[i]) {
                                        sf[i] = files[j];
                                        files[j] = NULL;
                                }
                free(names);  /* the strings moved to sorted */
                names = NULL;
                strv_free(files);
                files = NULL;
                *ret_names = TAKE_PTR(sorted);
                *ret_files = TAKE_PTR(sf);
        }
        return 0;
}
