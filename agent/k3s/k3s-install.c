/* SPDX-License-Identifier: MIT */
/*
 * k3s install: the official installer's steps (install.sh, from
 * verify_system and download_and_verify to service_enable_and_start:
 * https://github.com/k3s-io/k3s/blob/master/install.sh) in order, each
 * recorded as a step: resolve the release, fetch
 * and verify the hash file, the binary (skipped when the installed one
 * already has the right hash), air-gap images, links, token, config drop-in,
 * env file, unit, the manifest of what we wrote, then start over sd-bus and
 * climb the readiness ladder.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../basic/fileio.h"
#include "../basic/parse.h"
#include "../shared/blob.h"
#include "../shared/bus-unit.h"
#include "join.h"
#include "k3s-config.h"
#include "k3sconf.h"
#include "manifest.h"
#include "ready.h"
#include "release.h"
#include "unit.h"

#define HASH_FILE_MAX (1024 * 1024)
#define TOKEN_MAX 4096

void k3s_install_options_init(struct k3s_install_options *o) {
        *o = (struct k3s_install_options) { .timeout_sec = K3S_DEFAULT_TIMEOUT_SEC };
        fetch_options_init(&o->fetch);
}

int k3s_install_options_check(const struct k3s_install_options *o, char **ret_error) {
        const char *msg = NULL;

        if (o->version && o->channel)
                msg = "--version and --channel exclude each other";
        else if (o->version && !k3s_version_valid(o->version))
                msg = "--version must look like v1.31.4+k3s1";
        else if (o->channel && !k3s_channel_valid(o->channel))
                msg = "--channel must be stable, latest, testing or v<major>.<minor>";
        else if (o->cluster_init && o->datastore_endpoint)
                msg = "--cluster-init and --datastore-endpoint exclude each other";
        else if (o->role == K3S_ROLE_AGENT && (!o->server || !(o->token_file || o->token_value)))
                msg = "an agent needs --server URL (or K3S_URL) and --token-file FILE (or K3S_TOKEN)";
        else if (o->role == K3S_ROLE_AGENT && (o->cluster_init || o->datastore_endpoint || o->tls_san || o->disable))
                msg = "--cluster-init, --datastore-endpoint, --tls-san and --disable are server options";
        else if (o->server && !string_has_prefix(o->server, "https://"))
                msg = "--server must be an https:// URL";
        else if (o->server && o->role == K3S_ROLE_SERVER && !(o->token_file || o->token_value))
                msg = "an additional server needs --token-file FILE (or K3S_TOKEN)";
        else if (o->no_start && o->no_enable)
                msg = "--no-enable already implies not starting; give one of --no-start, --no-enable";
        else if (o->server && o->cluster_init)
                msg = "--cluster-init is for the first server only";
        else if (o->timeout_sec == 0)
                msg = "--timeout must be positive";
        if (!msg)
                return 0;
        if (ret_error)
                *ret_error = strdup(msg);
        return -EINVAL;
}

static void fail(struct k3s_result *res, const char *step, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct k3s_result *res, const char *step, const char *fmt, ...) {
        char *msg;
        va_list ap;

        va_start(ap, fmt);
        (void) error_msgv(&msg, 0, fmt, ap);
        va_end(ap);
        k3s_step(res, step, K3S_STEP_FAILED, "%s", msg ? msg : "out of memory");
        free(res->error);
        res->error = msg;
}

static int resolve_version(const struct k3s_install_options *o, struct k3s_result *res) {
        const char *base = o->channel_url ? o->channel_url : K3S_DEFAULT_CHANNEL_URL;
        const char *channel = o->channel ? o->channel : "stable";
        _cleanup_free_ char *url = NULL, *loc = NULL, *err = NULL;
        long status = 0;
        size_t n = strlen(base);
        int r;

        if (o->version) {
                res->version = strdup(o->version);
                k3s_step(res, "release", K3S_STEP_OK, "version %s (pinned)", o->version);
                return res->version ? 0 : -ENOMEM;
        }
        while (n > 0 && base[n - 1] == '/')
                n--;
        if (asprintf(&url, "%.*s/%s", (int) n, base, channel) < 0) {
                url = NULL;
                return -ENOMEM;
        }
        r = fetch_redirect(&o->fetch, url, &status, &loc, &err);
        if (r < 0) {
                fail(res, "release", "channel server: %s", err ? err : strerror(-r));
                return r;
        }
        if (!loc) {
                fail(res, "release", "channel server answered HTTP %ld without a redirect for %s; "
                     "refusing to guess a version", status, url);
                return -EBADMSG;
        }
        r = k3s_version_from_location(loc, &res->version);
        if (r < 0) {
                fail(res, "release", "channel %s redirected to %.200s, which names no K3s version", channel, loc);
                return r;
        }
        k3s_step(res, "release", K3S_STEP_OK, "channel %s -> %s", channel, res->version);
        return 0;
}

static int read_airgap_file(const char *dir, const char *name, size_t max, char **ret, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -1;

        if (asprintf(&path, "%s/%s", dir, name) < 0) {
                path = NULL;
                return -ENOMEM;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_fd_capped(fd, max, ret, ret_size);
}

static int hash_text_download(const struct k3s_install_options *o, const struct k3s_arch *arch,
                              struct k3s_result *res, char **ret, size_t *ret_size) {
        _cleanup_free_ char *url = NULL;
        int r;

        r = k3s_asset_url(o->mirror ? o->mirror : K3S_DEFAULT_RELEASE_URL, res->version, arch->hash_file, &url);
        if (r < 0)
                return r;
        /* Declared here, not above: gcc 12's analyzer loses the NULL
         * initializer across the early return (a false positive). */
        _cleanup_free_ char *err = NULL;
        r = fetch_small(&o->fetch, url, HASH_FILE_MAX, ret, ret_size, &err);
        if (r < 0)
                fail(res, "hash-file", "%s", err ? err : strerror(-r));
        return r;
}

static int hash_text_airgap(const struct k3s_install_options *o, const struct k3s_arch *arch,
                            struct k3s_result *res, char **ret, size_t *ret_size) {
        int r = read_airgap_file(o->airgap_dir, arch->hash_file, HASH_FILE_MAX, ret, ret_size);

        if (r < 0)
                fail(res, "hash-file", "%s/%s: %s", o->airgap_dir, arch->hash_file, strerror(-r));
        return r;
}

static int expected_hash(const struct k3s_install_options *o, const struct k3s_arch *arch,
                         struct k3s_result *res, char **ret_text, size_t *ret_size, char hash[65]) {
        char *text = NULL;
        size_t size = 0;
        int r;

        r = o->airgap_dir ? hash_text_airgap(o, arch, res, &text, &size)
                          : hash_text_download(o, arch, res, &text, &size);
        if (r < 0)
                return r;
        r = k3s_hash_file_find(text, size, arch->asset, hash);
        if (r == -ENOENT) {
                fail(res, "hash-file", "%s has no line for %s (wrong architecture or release?)",
                     arch->hash_file, arch->asset);
                r = -EBADMSG;
        } else if (r < 0)
                fail(res, "hash-file", "%s is malformed", arch->hash_file);
        if (r < 0) {
                free(text);
                return r;
        }
        k3s_step(res, "hash-file", K3S_STEP_OK, "%s: %s %s", arch->hash_file, hash, arch->asset);
        *ret_text = text;
        *ret_size = size;
        return 0;
}

static int open_dir(const struct sysroot *sr, const char *path, mode_t mode) {
        int r = sysroot_mkdir_p(sr, path, mode);

        return r < 0 ? r : sysroot_open(sr, path, O_DIRECTORY | O_RDONLY, 0);
}

static int install_binary(const struct sysroot *sr, const struct k3s_install_options *o,
                          const struct k3s_arch *arch, const char *hash, struct k3s_result *res,
                          bool *ret_changed) {
        _cleanup_close_ int dfd = -1, src = -1;
        _cleanup_free_ char *url = NULL, *err = NULL, *path = NULL;
        struct fetch_file_result fr;
        char have[65] = "", got[65] = "";
        int r;

        *ret_changed = false;
        dfd = open_dir(sr, K3S_BIN_DIR, 0755);
        if (dfd < 0) {
                fail(res, "binary", "%s: %s", K3S_BIN_DIR, strerror(-dfd));
                return dfd;
        }
        if (blob_hash_file(dfd, "k3s", have) >= 0 && streq(have, hash)) {
                k3s_step(res, "binary", K3S_STEP_UNCHANGED, "%s already has sha256 %s", K3S_BIN, hash);
                return 0;
        }
        if (o->airgap_dir) {
                if (asprintf(&path, "%s/%s", o->airgap_dir, arch->asset) < 0)
                        return -ENOMEM;
                src = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (src < 0) {
                        fail(res, "binary", "%s: %m", path);
                        return -errno;
                }
                r = blob_copy_verified(src, dfd, "k3s", hash, 0755, got);
                if (r == -EBADMSG)
                        fail(res, "binary", "%s: sha256 mismatch: expected %s, got %s; %s untouched",
                             path, hash, got, K3S_BIN);
                else if (r < 0)
                        fail(res, "binary", "installing %s: %s", path, strerror(-r));
                if (r < 0)
                        return r;
                k3s_step(res, "binary", K3S_STEP_CHANGED, "%s from %s (sha256 %s)", K3S_BIN, path, got);
        } else {
                r = k3s_asset_url(o->mirror ? o->mirror : K3S_DEFAULT_RELEASE_URL, res->version, arch->asset, &url);
                if (r < 0)
                        return r;
                r = fetch_file(&o->fetch, url, dfd, "k3s", hash, 0755, K3S_BINARY_MAX, &fr, &err);
                if (r < 0) {
                        fail(res, "binary", "%s; %s untouched", err ? err : strerror(-r), K3S_BIN);
                        return r;
                }
                k3s_step(res, "binary", K3S_STEP_CHANGED, "%s: %llu bytes, sha256 %s, %u attempt(s), %u resumed",
                         K3S_BIN, (unsigned long long) fr.size, fr.sha256, fr.attempts, fr.resumes);
        }
        *ret_changed = true;
        return 0;
}

/* Air-gap image tarballs for our architecture, verified when the hash file
 * lists them, copied to agent/images/ where K3s imports them at start. */
static int install_images(const struct sysroot *sr, const struct k3s_install_options *o,
                          const struct k3s_arch *arch, const char *hashes, size_t hashes_size,
                          struct k3s_manifest *m, struct k3s_result *res) {
        _cleanup_close_ int dfd = -1;
        DIR *d;
        struct dirent *de;
        unsigned n = 0;
        int r = 0;

        d = opendir(o->airgap_dir);
        if (!d) {
                fail(res, "images", "%s: %m", o->airgap_dir);
                return -errno;
        }
        while ((de = readdir(d))) {
                _cleanup_free_ char *src_path = NULL, *dst = NULL;
                _cleanup_close_ int src = -1;
                char want[65], got[65];
                bool listed;

                if (!string_has_prefix(de->d_name, arch->images) ||
                    !(strstr(de->d_name, ".tar") && (string_has_prefix(strstr(de->d_name, ".tar"), ".tar"))))
                        continue;
                if (dfd < 0) {
                        dfd = open_dir(sr, K3S_IMAGES_DIR, 0755);
                        if (dfd < 0) {
                                r = dfd;
                                break;
                        }
                }
                listed = k3s_hash_file_find(hashes, hashes_size, de->d_name, want) >= 0;
                if (asprintf(&src_path, "%s/%s", o->airgap_dir, de->d_name) < 0 ||
                    asprintf(&dst, "%s/%s", K3S_IMAGES_DIR, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                src = open(src_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (src < 0) {
                        r = -errno;
                        break;
                }
                r = blob_copy_verified(src, dfd, de->d_name, listed ? want : NULL, 0644, got);
                if (r == -EBADMSG) {
                        fail(res, "images", "%s: sha256 mismatch: expected %s, got %s", src_path, want, got);
                        break;
                }
                if (r < 0)
                        break;
                k3s_manifest_add_file(m, dst, got);
                k3s_step(res, "images", K3S_STEP_CHANGED, "%s (%s)", dst, listed ? "verified" : "not in the hash file");
                n++;
        }
        closedir(d);
        if (r < 0 && !res->error)
                fail(res, "images", "%s", strerror(-r));
        if (r >= 0 && n == 0)
                k3s_step(res, "images", K3S_STEP_SKIPPED, "no %s.tar* in %s", arch->images, o->airgap_dir);
        return r;
}

/* Where a command is found on PATH (the installer's, as install.sh's
 * `command -v`), other than in our bin dir: the path, or NULL. */
static char *on_path(const struct sysroot *sr, const char *name) {
        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = strdup(path && path[0] ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        char *save = NULL;

        if (!copy)
                return NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *full = NULL;

                if (dir[0] != '/' || streq(dir, K3S_BIN_DIR))
                        continue;
                if (asprintf(&full, "%s/%s", dir, name) < 0)
                        return NULL;
                if (sysroot_access(sr, full, X_OK) >= 0)
                        return full;
                free(full);
        }
        return NULL;
}

/* kubectl, crictl, ctr -> k3s (relative), the way install.sh's
 * create_symlinks decides: auto links a name only when nothing is in the
 * bin dir and the command is not on PATH; force replaces; skip makes none. */
static int install_links(const struct sysroot *sr, enum k3s_symlink_mode mode, struct k3s_manifest *m,
                         struct k3s_result *res) {
        static const char *const names[] = { "kubectl", "crictl", "ctr" };
        _cleanup_close_ int dfd = sysroot_open(sr, K3S_BIN_DIR, O_DIRECTORY | O_RDONLY, 0);

        if (dfd < 0)
                return dfd;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *elsewhere = NULL;
                char target[64], path[128];
                ssize_t n = readlinkat(dfd, names[i], target, sizeof(target) - 1);
                bool exists = n >= 0 || errno != ENOENT;

                snprintf(path, sizeof(path), K3S_BIN_DIR "/%s", names[i]);
                if (n >= 0) {
                        target[n] = 0;
                        if (streq(target, "k3s") && k3s_manifest_has_link(m, path)) {
                                k3s_step(res, "link", K3S_STEP_UNCHANGED, "%s -> k3s", path);
                                continue;
                        }
                }
                if (mode == K3S_SYMLINK_SKIP) {
                        k3s_step(res, "link", K3S_STEP_SKIPPED, "%s: --symlink skip", path);
                        continue;
                }
                if (exists && mode != K3S_SYMLINK_FORCE) {
                        k3s_step(res, "link", K3S_STEP_SKIPPED, "%s exists%s%s%s; not ours, kept (--symlink force replaces it)",
                                 path, n >= 0 ? " (-> " : " and is no link", n >= 0 ? target : "", n >= 0 ? ")" : "");
                        continue;
                }
                if (!exists && mode == K3S_SYMLINK_AUTO && (elsewhere = on_path(sr, names[i]))) {
                        k3s_step(res, "link", K3S_STEP_SKIPPED, "%s: %s is on PATH at %s, not shadowed (--symlink force "
                                 "links it anyway)", path, names[i], elsewhere);
                        continue;
                }
                if (exists && unlinkat(dfd, names[i], 0) < 0)
                        return -errno;
                if (symlinkat("k3s", dfd, names[i]) < 0)
                        return -errno;
                k3s_manifest_add_link(m, path);
                k3s_step(res, "link", K3S_STEP_CHANGED, "%s -> k3s%s", path, exists ? " (--symlink force replaced it)" : "");
        }
        return fsync(dfd) < 0 ? -errno : 0;
}

/* What install writes (unit, env file, config drop-in, token) is at most
 * a few KiB: a bigger file there is not ours and gets rewritten. */
#define WRITTEN_FILE_MAX (1024u * 1024)

/* Write path unless it already holds exactly content with that mode. */
static int write_if_changed(const struct sysroot *sr, const char *path, const char *content, mode_t mode,
                            bool secret, struct k3s_manifest *m, bool *ret_changed) {
        _cleanup_free_ char *old = NULL;
        _cleanup_close_ int fd = -1;
        char hash[65];
        struct stat st;
        size_t n = 0;
        int r;

        *ret_changed = true;
        if (sysroot_read_file(sr, path, WRITTEN_FILE_MAX, &old, &n) >= 0 && n == strlen(content) &&
            memcmp(old, content, n) == 0) {
                fd = sysroot_open(sr, path, O_PATH, 0);
                if (fd >= 0 && fstat(fd, &st) >= 0 && (st.st_mode & 07777) == mode)
                        *ret_changed = false;
        }
        if (*ret_changed) {
                r = sysroot_write_atomic(sr, path, content, strlen(content), mode);
                if (r < 0)
                        return r;
        }
        r = blob_sha256_mem(content, strlen(content), hash);
        if (r < 0)
                return r;
        /* A hash of a secret in a readable file is a test for guesses. */
        if (secret)
                k3s_manifest_add_secret_file(m, path, hash);
        else
                k3s_manifest_add_file(m, path, hash);
        if (old)
                explicit_bzero(old, n);
        return 0;
}

/* The token from --token-file, or $K3S_TOKEN, as one line. */
static int read_token(const struct k3s_install_options *o, char **ret) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = 0;
        int r = 0;

        if (o->token_file) {
                fd = open(o->token_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return -errno;
                r = read_fd_capped(fd, TOKEN_MAX, &buf, &n);
                if (r < 0)
                        return r;
        } else {
                n = strlen(o->token_value);
                if (n >= TOKEN_MAX)
                        return -EFBIG;
                buf = strdup(o->token_value);
                if (!buf)
                        return -ENOMEM;
        }
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
                buf[--n] = 0;
        if (n == 0 || strchr(buf, '\n') || memchr(buf, 0, n))
                r = -EBADMSG;
        else if (asprintf(ret, "%s\n", buf) < 0) {
                *ret = NULL;
                r = -ENOMEM;
        }
        /* No copy of the secret outlives its use. */
        explicit_bzero(buf, n);
        return r;
}

struct written {
        bool token, config, env, unit, scripts;
};

/* k3s-killall.sh and <unit>-uninstall.sh, the names operators type on
 * every K3s node (install.sh create_killall, create_uninstall), as thin
 * scripts over nodeprep. install.sh's uninstall script removes the data
 * too, so ours purges. */
static int write_scripts(const struct sysroot *sr, enum k3s_role role, struct k3s_manifest *m, bool *ret_changed) {
        static const char fmt[] =
                "#!/bin/sh\n"
                "# Written by nodeprep (k3s install): does what install.sh's %s does, natively.\n"
                "[ \"$(id -u)\" -eq 0 ] || exec sudo \"$0\" \"$@\"\n"
                "for np in \"$(command -v nodeprep)\" /usr/local/sbin/nodeprep /usr/sbin/nodeprep; do\n"
                "        [ -x \"$np\" ] && exec \"$np\" k3s %s \"$@\"\n"
                "done\n"
                "echo \"%s: nodeprep is not installed\" >&2\n"
                "exit 1\n";
        const char *uninstall = role == K3S_ROLE_AGENT ? "k3s-agent-uninstall.sh" : "k3s-uninstall.sh";
        const struct {
                const char *name, *command;
        } scripts[] = { { "k3s-killall.sh", "killall" }, { uninstall, "uninstall --purge" } };
        int r;

        *ret_changed = false;
        for (size_t i = 0; i < ELEMENTSOF(scripts); i++) {
                _cleanup_free_ char *text = NULL, *path = NULL;
                bool changed;

                if (asprintf(&text, fmt, scripts[i].name, scripts[i].command, scripts[i].name) < 0 ||
                    asprintf(&path, K3S_BIN_DIR "/%s", scripts[i].name) < 0)
                        return -ENOMEM;
                r = write_if_changed(sr, path, text, 0755, false, m, &changed);
                if (r < 0)
                        return r;
                *ret_changed = *ret_changed || changed;
        }
        return 0;
}

static bool has_token(const struct k3s_install_options *o) {
        return o->token_file || o->token_value;
}

static int write_files(const struct sysroot *sr, const struct k3s_install_options *o, struct k3s_manifest *m,
                       struct k3s_result *res, struct written *w) {
        _cleanup_free_ char *token = NULL, *config = NULL, *env = NULL, *unit = NULL, *unit_path = NULL,
                            *env_path = NULL, *kept = NULL, *err = NULL;
        struct k3s_conf op = {};
        const char *uname = k3s_unit_name(o->role);
        uint64_t nofile = o->nofile ? o->nofile : K3S_DEFAULT_NOFILE;
        int r;

        r = sysroot_mkdir_p(sr, K3S_CONFIG_DIR "/config.yaml.d", 0755);
        if (r < 0) {
                fail(res, "config", "%s: %s", K3S_CONFIG_DIR, strerror(-r));
                return r;
        }
        if (has_token(o)) {
                r = read_token(o, &token);
                if (r < 0) {
                        /* The file's name only, never its content. */
                        fail(res, "token", "%s: %s", o->token_file ? o->token_file : "$K3S_TOKEN",
                             r == -EBADMSG ? "not a one-line token" : strerror(-r));
                        return r;
                }
                r = write_if_changed(sr, K3S_TOKEN_COPY, token, 0600, true, m, &w->token);
                explicit_bzero(token, strlen(token));
                if (r < 0) {
                        fail(res, "token", "%s: %s", K3S_TOKEN_COPY, strerror(-r));
                        return r;
                }
                k3s_step(res, "token", w->token ? K3S_STEP_CHANGED : K3S_STEP_UNCHANGED, "%s (0600)", K3S_TOKEN_COPY);
        }
        /* The operator's own settings (every file but ours) stay in force. */
        r = k3s_conf_load(sr, K3S_CONFIG_DROPIN, &op, &err);
        if (r < 0) {
                fail(res, "config", "%s", err ? err : strerror(-r));
                return r == -EBADMSG || r == -E2BIG ? -EINVAL : r;
        }
        r = k3s_config_render(o, has_token(o) ? K3S_TOKEN_COPY : NULL, &op, &config, &kept);
        k3s_conf_done(&op);
        /* Secret: a datastore-endpoint carries its password. */
        if (r >= 0)
                r = write_if_changed(sr, K3S_CONFIG_DROPIN, config, 0600, true, m, &w->config);
        if (r < 0) {
                fail(res, "config", "%s: %s", K3S_CONFIG_DROPIN, strerror(-r));
                return r;
        }
        k3s_step(res, "config", w->config ? K3S_STEP_CHANGED : K3S_STEP_UNCHANGED, "%s (0600)%s%s", K3S_CONFIG_DROPIN,
                 kept ? "; the operator's settings win: " : "", kept ? kept : "");

        if (asprintf(&unit_path, K3S_SYSTEMD_DIR "/%s", uname) < 0 ||
            asprintf(&env_path, K3S_SYSTEMD_DIR "/%s.env", uname) < 0)
                return -ENOMEM;
        r = sysroot_mkdir_p(sr, K3S_SYSTEMD_DIR, 0755);
        if (r >= 0)
                r = k3s_env_render(environ, &env);
        if (r >= 0)
                r = write_if_changed(sr, env_path, env, 0600, true, m, &w->env);
        if (r < 0) {
                fail(res, "env", "%s: %s", env_path, strerror(-r));
                return r;
        }
        k3s_step(res, "env", w->env ? K3S_STEP_CHANGED : K3S_STEP_UNCHANGED, "%s (0600: K3S_*, CONTAINERD_*, proxy variables)",
                 env_path);

        r = k3s_unit_render(o->role, nofile, &unit);
        if (r >= 0)
                r = write_if_changed(sr, unit_path, unit, 0644, false, m, &w->unit);
        if (r < 0) {
                fail(res, "unit", "%s: %s", unit_path, strerror(-r));
                return r;
        }
        k3s_step(res, "unit", w->unit ? K3S_STEP_CHANGED : K3S_STEP_UNCHANGED, "%s (LimitNOFILE=%llu)", unit_path,
                 (unsigned long long) nofile);

        r = write_scripts(sr, o->role, m, &w->scripts);
        if (r < 0) {
                fail(res, "scripts", "%s: %s", K3S_BIN_DIR, strerror(-r));
                return r;
        }
        k3s_step(res, "scripts", w->scripts ? K3S_STEP_CHANGED : K3S_STEP_UNCHANGED, K3S_BIN_DIR "/k3s-killall.sh, "
                 K3S_BIN_DIR "/%s (-> nodeprep k3s killall, uninstall --purge)",
                 o->role == K3S_ROLE_AGENT ? "k3s-agent-uninstall.sh" : "k3s-uninstall.sh");
        return 0;
}

static int start_unit(const struct sysroot *sr, const struct k3s_install_options *o, bool changed,
                      struct k3s_result *res, unsigned *ret_left) {
        const char *unit = k3s_unit_name(o->role);
        _cleanup_free_ char *job = NULL;
        struct unit_state st = {};
        time_t t0 = time(NULL);
        bool restart = changed || o->force;
        int r;

        *ret_left = o->timeout_sec;
        if (!restart && unit_state_get(unit, 0, &st) >= 0 && streq(st.active, "active")) {
                k3s_step(res, "start", K3S_STEP_UNCHANGED, "%s active and nothing changed: not restarted", unit);
                return 0;
        }
        unit_state_done(&st);
        r = unit_enable_start(unit, restart, o->timeout_sec, &job);
        if (r < 0) {
                (void) unit_state_get(unit, 15, &st);
                fail(res, "start", "%s %s: %s; ActiveState=%s SubState=%s NRestarts=%u; last journal lines:\n%s",
                     restart ? "restart" : "start", unit,
                     r == -ETIMEDOUT ? "no READY=1 before the deadline" : job ? job : strerror(-r),
                     st.active[0] ? st.active : "unknown", st.sub[0] ? st.sub : "unknown", st.n_restarts,
                     st.journal ? st.journal : "(none)");
                unit_state_done(&st);
                return r;
        }
        res->started = true;
        res->changed = true;
        k3s_step(res, "start", K3S_STEP_CHANGED, "%s %s (enabled)", restart ? "restarted" : "started", unit);
        *ret_left = o->timeout_sec > (unsigned) (time(NULL) - t0) ? o->timeout_sec - (unsigned) (time(NULL) - t0) : 1;
        return 0;
}

static bool disables_traefik(const struct k3s_install_options *o) {
        return o->role == K3S_ROLE_SERVER && (!o->disable || strv_contains(o->disable, "traefik"));
}

/* Before anything is written for a join: is the server the one the token
 * names (join.h)? A mismatch ends the install, both hashes shown. */
static int check_server_ca(const struct sysroot *sr, const struct k3s_install_options *o, struct k3s_result *res) {
        _cleanup_free_ char *token = NULL, *err = NULL;
        char want[65], got[65];
        int r;

        if (!o->server || !has_token(o))
                return 0;
        r = read_token(o, &token);
        if (r < 0 || !token) {
                fail(res, "token", "%s: %s", o->token_file ? o->token_file : "$K3S_TOKEN",
                     r == -EBADMSG ? "not a one-line token" : strerror(r < 0 ? -r : ENOMEM));
                return r == -EBADMSG ? -EINVAL : r < 0 ? r : -ENOMEM;
        }
        r = k3s_token_ca_hash(token, want);
        explicit_bzero(token, strlen(token));
        if (r == -ENOENT) {
                k3s_step(res, "ca-check", K3S_STEP_SKIPPED, "a short token names no CA: K3s trusts %s's CA on first "
                         "contact", o->server);
                return 0;
        }
        if (r < 0) {
                fail(res, "ca-check", "the token starts with K10 but holds no sha256 of a CA before \"::\"");
                return -EINVAL;
        }
        if (!sr->live) {
                k3s_step(res, "ca-check", K3S_STEP_SKIPPED, "--root: %s not contacted", o->server);
                return 0;
        }
        r = k3s_server_ca_hash(o->server, got, &err);
        if (r == -EHOSTUNREACH) {
                k3s_step(res, "ca-check", K3S_STEP_SKIPPED, "%s; K3s checks the CA again at every start", err ? err : "");
                return 0;
        }
        if (r < 0)
                return r;
        if (!streq(want, got)) {
                fail(res, "ca-check", "%s/cacerts has sha256 %s, the token names %s: not the server the token "
                     "belongs to; nothing written", o->server, got, want);
                return -EACCES;
        }
        k3s_step(res, "ca-check", K3S_STEP_OK, "%s/cacerts matches the token's CA hash %.16s...", o->server, want);
        return 0;
}

/* What systemctl enable does for WantedBy=multi-user.target, for a tree
 * with no systemd running (--root, or a chroot): the wants link. */
static int enable_offline(const struct sysroot *sr, const char *unit, struct k3s_manifest *m, struct k3s_result *res) {
        _cleanup_free_ char *link = NULL, *target = NULL, *host = NULL;
        _cleanup_close_ int dfd = -1;
        char have[256];
        ssize_t n;
        int r;

        if (asprintf(&link, K3S_SYSTEMD_DIR "/multi-user.target.wants/%s", unit) < 0 ||
            asprintf(&target, K3S_SYSTEMD_DIR "/%s", unit) < 0)
                return -ENOMEM;
        r = sysroot_mkdir_p(sr, K3S_SYSTEMD_DIR "/multi-user.target.wants", 0755);
        if (r < 0)
                return r;
        dfd = sysroot_open(sr, K3S_SYSTEMD_DIR "/multi-user.target.wants", O_DIRECTORY | O_RDONLY, 0);
        if (dfd < 0)
                return dfd;
        n = readlinkat(dfd, unit, have, sizeof(have) - 1);
        if (n >= 0) {
                have[n] = 0;
                if (!streq(have, target)) {
                        k3s_step(res, "enable", K3S_STEP_SKIPPED, "%s points to %s; not ours, kept", link, have);
                        return 0;
                }
        } else if (symlinkat(target, dfd, unit) < 0)
                return -errno;
        k3s_manifest_add_link(m, link);
        k3s_step(res, "enable", n >= 0 ? K3S_STEP_UNCHANGED : K3S_STEP_CHANGED, "%s -> %s (no systemd running: linked "
                 "for the next boot)", link, target);
        return 0;
}

/* The steps up to the unit file; m is loaded (or new) and saved by the
 * caller. */
static int install_files(const struct sysroot *sr, const struct k3s_install_options *o, struct k3s_manifest *m,
                         struct k3s_result *res, bool *ret_changed) {
        _cleanup_free_ char *hashes = NULL;
        const struct k3s_arch *arch;
        struct written w = {};
        struct utsname u;
        size_t hashes_size = 0;
        char hash[65];
        bool bin_changed = false;
        int r;

        r = check_server_ca(sr, o, res);
        if (r < 0)
                return r;
        if (!o->arch && uname(&u) < 0)
                return -errno;
        r = k3s_arch_lookup(o->arch ? o->arch : u.machine, &arch);
        if (r < 0) {
                fail(res, "arch", "architecture %s is not released by K3s", o->arch ? o->arch : u.machine);
                return -EINVAL;
        }
        if (o->airgap_dir && !o->version) {
                res->version = strdup("airgap");
                k3s_step(res, "release", K3S_STEP_SKIPPED, "air-gap: the version is what %s holds", o->airgap_dir);
        } else {
                r = resolve_version(o, res);
                if (r < 0)
                        return r;
        }
        r = expected_hash(o, arch, res, &hashes, &hashes_size, hash);
        if (r < 0)
                return r;
        (void) k3s_clean_download_leftovers(sr, res);
        r = install_binary(sr, o, arch, hash, res, &bin_changed);
        if (r < 0)
                return r;
        if (o->airgap_dir) {
                r = install_images(sr, o, arch, hashes, hashes_size, m, res);
                if (r < 0)
                        return r;
        }
        k3s_manifest_add_file(m, K3S_BIN, hash);
        r = install_links(sr, o->symlink, m, res);
        if (r < 0) {
                fail(res, "link", "%s: %s", K3S_BIN_DIR, strerror(-r));
                return r;
        }
        r = write_files(sr, o, m, res, &w);
        if (r < 0)
                return r;
        *ret_changed = bin_changed || w.token || w.config || w.env || w.unit;
        return 0;
}

static void record(struct k3s_manifest *m, const struct k3s_install_options *o, const struct k3s_result *res) {
        k3s_manifest_set(m, "version", res->version);
        k3s_manifest_set(m, "role", k3s_role_to_string(o->role));
        k3s_manifest_set(m, "unit", k3s_unit_name(o->role));
        k3s_manifest_set(m, "server", o->server);
        k3s_manifest_set_bool(m, "traefik_disabled", disables_traefik(o));
}

int k3s_install(const struct sysroot *sr, const struct k3s_install_options *o, struct k3s_result *res) {
        _cleanup_free_ char *err = NULL;
        struct k3s_manifest m = {};
        const char *unit = k3s_unit_name(o->role);
        bool changed = false;
        unsigned left;
        int r, k;

        res->role = o->role;
        /* A manifest install cannot have written is refused before anything
         * is touched: uninstall would act on it later. */
        r = k3s_manifest_load(sr, &m, &err);
        if (r == -ENOENT)
                k3s_manifest_new(&m);
        else if (r < 0) {
                fail(res, "manifest", "%s", err ? err : strerror(-r));
                return r == -EBADMSG ? -EINVAL : r;
        }
        r = install_files(sr, o, &m, res, &changed);
        if (r >= 0 && !o->no_enable && (!unit_manager_available(sr) || o->no_start)) {
                if (unit_manager_available(sr)) {
                        k = unit_enable(unit);
                        if (k < 0)
                                fail(res, "enable", "%s: %s", unit, strerror(-k));
                        else
                                k3s_step(res, "enable", K3S_STEP_CHANGED, "%s enabled, not started (--no-start): it "
                                         "starts at the next boot", unit);
                } else
                        k = enable_offline(sr, unit, &m, res);
                if (k < 0 && !res->error)
                        fail(res, "enable", "%s: %s", unit, strerror(-k));
                r = k < 0 ? k : r;
        }
        /* Saved even after a failed step: uninstall must know what got written. */
        record(&m, o, res);
        k = k3s_manifest_save(sr, &m);
        k3s_manifest_done(&m);
        if (r < 0)
                return r;
        if (k < 0) {
                fail(res, "manifest", "%s: %s", K3S_MANIFEST, strerror(-k));
                return k;
        }

        res->changed = changed;
        if (o->no_start || o->no_enable) {
                k3s_step(res, "start", K3S_STEP_SKIPPED, "%s", o->no_enable ? "--no-enable: neither enabled nor started"
                                                                     : "--no-start");
                return 0;
        }
        if (!unit_manager_available(sr)) {
                res->no_systemd = true;
                k3s_step(res, "start", K3S_STEP_SKIPPED, "no systemd as PID 1%s: files written, nothing started",
                         sr->live ? "" : " (--root)");
                return 0;
        }
        r = start_unit(sr, o, res->changed, res, &left);
        if (r < 0)
                return r;
        r = k3s_ready_ladder(sr, &(struct k3s_ready_target) {
                        .role = o->role, .server = o->server, .traefik_disabled = disables_traefik(o) },
                        left, res);
        if (r < 0)
                return r;
        if (!res->ready) {
                free(res->error);
                res->error = strdup("K3s did not become ready before the deadline (see the steps)");
                return -ETIMEDOUT;
        }
        return 0;
}

/* ".k3s.XXXXXX": blob.h's temporary name, and install.sh's mktemp form. */
static bool download_leftover(const char *name) {
        if (!string_has_prefix(name, ".k3s.") || strlen(name) != 11)
                return false;
        for (const char *p = name + 5; *p; p++)
                if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                        return false;
        return true;
}

int k3s_clean_download_leftovers(const struct sysroot *sr, struct k3s_result *res) {
        int fd = sysroot_open(sr, K3S_BIN_DIR, O_DIRECTORY | O_RDONLY, 0), n = 0;
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return fd == -ENOENT ? 0 : fd;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                struct stat st;

                if (!download_leftover(de->d_name) ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0)
                        k3s_step(res, "leftover", K3S_STEP_FAILED, K3S_BIN_DIR "/%s: %m", de->d_name);
                else {
                        k3s_step(res, "leftover", K3S_STEP_CHANGED, K3S_BIN_DIR "/%s removed (%llu bytes of a download "
                                 "that was cut off)", de->d_name, (unsigned long long) st.st_size);
                        n++;
                }
        }
        closedir(d);
        return n;
}
