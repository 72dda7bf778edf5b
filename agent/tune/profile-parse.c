/* SPDX-License-Identifier: MIT */
#include "profile.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/linereader.h"
#include "../basic/parse.h"
#include "sysctl.h"

struct parse_ctx {
        struct line_reader lr;  /* first: inih's stream */
        const char *filename;
        struct profile *p;
        char **includes;
        unsigned *include_lines;
        size_t n_includes;
        bool seen_description;
        char *error;            /* first error, "file:line: message" */
};

static void set_error(struct parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct parse_ctx *c, const char *fmt, ...) {
        va_list ap;

        c->lr.stop = true;
        if (c->error)
                return;
        va_start(ap, fmt);
        (void) error_atv(&c->error, 0, c->filename, c->lr.lineno, fmt, ap);
        va_end(ap);
}

static const struct profile_entry *find_entry(const struct profile_entry *entries, size_t n, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (streq(entries[i].key, key))
                        return &entries[i];
        return NULL;
}

const struct profile_entry *profile_find(const struct profile *p, const char *key) {
        return find_entry(p->entries, p->n_entries, key);
}

static bool valid_module_name(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > 56)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
                        return false;
        return true;
}

static bool printable(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

static void entry_clear(struct profile_entry *e) {
        free(e->key);
        free(e->value);
        free(e->origin.file);
}

/* Split an optional modifier off the value. */
static enum modifier take_modifier(char **value) {
        char *v = *value;

        if (strneq(v, ">=", 2)) {
                memmove(v, v + 2, strlen(v + 2) + 1);
                normalize_blanks(v);
                return MOD_AT_LEAST;
        }
        if (strneq(v, "<=", 2)) {
                memmove(v, v + 2, strlen(v + 2) + 1);
                normalize_blanks(v);
                return MOD_AT_MOST;
        }
        if (streq(v, "auto"))
                return MOD_OWNER;
        return MOD_EXACT;
}

static int check_known(struct parse_ctx *c, const struct known_key *k, enum modifier mod, const char *value) {
        _cleanup_free_ char *why = NULL;
        const char *owner = key_owner_to_string(k->owner);

        if (mod == MOD_OWNER) {
                if (k->owner == OWNER_NODEPREP || k->owner_value) {
                        set_error(c, "%s: 'auto' is only for keys whose owner sizes them at run time", k->name);
                        return -EINVAL;
                }
                return 0;
        }
        if (k->owner != OWNER_NODEPREP) {
                if (!k->owner_value) {
                        set_error(c, "%s is owned by %s, which sizes it at run time; write 'auto' to observe it",
                                  k->name, owner);
                        return -EINVAL;
                }
                if (mod != MOD_EXACT || !streq(value, k->owner_value)) {
                        set_error(c, "%s is owned by %s, which writes %s; any other value makes both sides "
                                  "overwrite each other", k->name, owner, k->owner_value);
                        return -EINVAL;
                }
        }
        if (mod != MOD_EXACT && k->type != KEY_INT) {
                set_error(c, "%s: '%s' applies only to integer keys", k->name, modifier_to_string(mod));
                return -EINVAL;
        }
        if (known_key_check_value(k, value, &why) < 0) {
                set_error(c, "%s: %s", k->name, why ? why : "invalid value");
                return -EINVAL;
        }
        return 0;
}

static int handle_sysctl(struct parse_ctx *c, const char *name, const char *raw, bool unchecked) {
        _cleanup_free_ char *key = NULL, *value = NULL, *file = NULL;
        const struct known_key *k;
        const struct profile_entry *dup;
        struct profile_entry *ne;
        enum modifier mod;
        int64_t dummy;

        if (name[0] == '?') {
                unchecked = true;
                name++;
        }
        if (sysctl_normalize_name(name, &key) < 0) {
                set_error(c, "invalid sysctl key name '%s'", name);
                return -EINVAL;
        }
        value = strdup(raw);
        if (!value)
                return -ENOMEM;
        normalize_blanks(value);
        mod = take_modifier(&value);
        if (!*value) {
                set_error(c, "%s: empty value", key);
                return -EINVAL;
        }
        if (!printable(value)) {
                set_error(c, "%s: value contains control characters", key);
                return -EINVAL;
        }

        /* Checked or not: writing one of these is running a program as root. */
        if (key_runs_program(key, value)) {
                set_error(c, "%s: %s; nodeprep does not write it", key, key_runs_program(key, value));
                return -EINVAL;
        }
        k = known_key_find(key);
        if (!k && !unchecked) {
                set_error(c, "unknown sysctl key '%s' (prefix it with '?' or put it in [sysctl.unchecked] "
                          "to set it anyway)", key);
                return -EINVAL;
        }
        if (k && check_known(c, k, mod, value) < 0)
                return -EINVAL;
        if (!k && mod == MOD_OWNER) {
                set_error(c, "%s: 'auto' is only for known keys owned by another component", key);
                return -EINVAL;
        }
        if (!k && mod != MOD_EXACT && safe_atoi64(value, &dummy) < 0) {
                set_error(c, "%s: '%s' needs an integer", key, modifier_to_string(mod));
                return -EINVAL;
        }

        dup = find_entry(c->p->entries, c->p->n_entries, key);
        if (dup) {
                set_error(c, "%s is set twice in this file (first at line %u)", key, dup->origin.line);
                return -EINVAL;
        }
        if (c->p->n_entries >= PROFILE_KEYS_MAX) {
                set_error(c, "too many sysctl keys (max %d)", PROFILE_KEYS_MAX);
                return -E2BIG;
        }
        file = strdup(c->filename);
        if (!file)
                return -ENOMEM;
        ne = realloc(c->p->entries, (c->p->n_entries + 1) * sizeof(*ne));
        if (!ne)
                return -ENOMEM;
        c->p->entries = ne;
        ne[c->p->n_entries++] = (struct profile_entry) {
                .key = TAKE_PTR(key),
                .value = TAKE_PTR(value),
                .mod = mod,
                .unchecked = !k,
                .known = k,
                .origin = { .file = TAKE_PTR(file), .line = c->lr.lineno },
        };
        return 0;
}

static int set_origin(struct origin *o, const struct parse_ctx *c) {
        char *f = strdup(c->filename);

        if (!f)
                return -ENOMEM;
        free(o->file);
        o->file = f;
        o->line = c->lr.lineno;
        return 0;
}

static int handle_profile(struct parse_ctx *c, const char *name, const char *value) {
        _cleanup_strv_free_ char **words = NULL;

        if (streq(name, "description")) {
                if (c->seen_description) {
                        set_error(c, "description is set twice");
                        return -EINVAL;
                }
                c->seen_description = true;
                if (strlen(value) > 160 || !printable(value)) {
                        set_error(c, "description must be printable and at most 160 bytes");
                        return -EINVAL;
                }
                free(c->p->description);
                c->p->description = strdup(value);
                return c->p->description ? 0 : -ENOMEM;
        }
        if (!streq(name, "include")) {
                set_error(c, "unknown key '%s' in [profile] (known: description, include)", name);
                return -EINVAL;
        }
        if (split_words(value, &words) < 0)
                return -ENOMEM;
        if (!words[0]) {
                set_error(c, "include names no profile");
                return -EINVAL;
        }
        for (char **w = words; *w; w++) {
                unsigned *nl;

                if (c->n_includes >= PROFILE_INCLUDE_DEPTH) {
                        set_error(c, "too many includes (max %d)", PROFILE_INCLUDE_DEPTH);
                        return -E2BIG;
                }
                if (strv_extend(&c->includes, *w) < 0)
                        return -ENOMEM;
                nl = realloc(c->include_lines, (c->n_includes + 1) * sizeof(unsigned));
                if (!nl)
                        return -ENOMEM;
                c->include_lines = nl;
                nl[c->n_includes++] = c->lr.lineno;
        }
        return 0;
}

static int handle_modules(struct parse_ctx *c, const char *name, const char *value) {
        _cleanup_strv_free_ char **words = NULL;

        if (!streq(name, "load")) {
                set_error(c, "unknown key '%s' in [modules] (known: load)", name);
                return -EINVAL;
        }
        if (split_words(value, &words) < 0)
                return -ENOMEM;
        for (char **w = words; *w; w++) {
                if (!valid_module_name(*w)) {
                        set_error(c, "invalid module name '%s'", *w);
                        return -EINVAL;
                }
                if (strv_length(c->p->modules) >= 64) {
                        set_error(c, "too many modules (max 64)");
                        return -E2BIG;
                }
                if (!strv_contains(c->p->modules, *w) && strv_extend(&c->p->modules, *w) < 0)
                        return -ENOMEM;
        }
        return set_origin(&c->p->modules_origin, c);
}

static int handle_limits(struct parse_ctx *c, const char *name, const char *value) {
        uint64_t v;

        if (!streq(name, "nofile")) {
                set_error(c, "unknown key '%s' in [limits] (known: nofile)", name);
                return -EINVAL;
        }
        if (safe_atou64(value, &v) < 0) {
                set_error(c, "nofile: '%s' is not an integer", value);
                return -EINVAL;
        }
        /* The hard limit can never exceed fs.nr_open's ceiling. */
        if (v < 1024 || v > 2147483584) {
                set_error(c, "nofile: %s is out of range [1024, 2147483584]", value);
                return -EINVAL;
        }
        c->p->nofile = v;
        return set_origin(&c->p->nofile_origin, c);
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_ctx *c = user;
        int r;

        if (c->error)
                return 0;
        if (!*section)
                r = (set_error(c, "'%s' appears before any [section]", name), -EINVAL);
        else if (streq(section, "profile"))
                r = handle_profile(c, name, value);
        else if (streq(section, "sysctl"))
                r = handle_sysctl(c, name, value, false);
        else if (streq(section, "sysctl.unchecked"))
                r = handle_sysctl(c, name, value, true);
        else if (streq(section, "modules"))
                r = handle_modules(c, name, value);
        else if (streq(section, "limits"))
                r = handle_limits(c, name, value);
        else
                r = (set_error(c, "unknown section [%s] (known: profile, sysctl, sysctl.unchecked, "
                               "modules, limits)", section), -EINVAL);
        if (r == -ENOMEM)
                set_error(c, "out of memory");
        return r >= 0;
}

struct profile *profile_free(struct profile *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_entries; i++)
                entry_clear(&p->entries[i]);
        free(p->entries);
        free(p->name);
        free(p->description);
        free(p->file);
        strv_free(p->chain);
        strv_free(p->modules);
        free(p->modules_origin.file);
        free(p->nofile_origin.file);
        free(p);
        return NULL;
}

void profile_freep(struct profile **p) {
        profile_free(*p);
}

int profile_parse_stream(FILE *f, const char *filename, struct profile **ret,
                         char ***ret_includes, unsigned **ret_include_lines, char **ret_error) {
        struct parse_ctx c = {
                .lr = { .f = f, .max_line = PROFILE_LINE_MAX, .max_lines = PROFILE_LINES_MAX },
                .filename = filename,
        };
        _cleanup_profile_ struct profile *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        c.p = p;
        r = ini_parse_stream(line_reader_read, &c.lr, handler, &c);
        if (!c.error)
                (void) line_reader_ini_error(&c.lr, r, c.filename, &c.error);
        if (c.error) {
                strv_free(c.includes);
                free(c.include_lines);
                *ret_error = c.error;
                return -EINVAL;
        }
        *ret = TAKE_PTR(p);
        *ret_includes = c.includes ? c.includes : calloc(1, sizeof(char *));
        *ret_include_lines = c.include_lines;
        return *ret_includes ? 0 : -ENOMEM;
}

const char *modifier_to_string(enum modifier m) {
        switch (m) {
        case MOD_EXACT: return "exact";
        case MOD_AT_LEAST: return ">=";
        case MOD_AT_MOST: return "<=";
        case MOD_OWNER: return "auto";
        }
        return "?";
}

int profile_entry_format(const struct profile_entry *e, char **ret) {
        const char *prefix = e->mod == MOD_AT_LEAST ? ">=" : e->mod == MOD_AT_MOST ? "<=" : "";

        if (e->mod == MOD_OWNER)
                return (*ret = strdup("auto")) ? 0 : -ENOMEM;
        return asprintf(ret, "%s%s", prefix, e->value) < 0 ? -ENOMEM : 0;
}
