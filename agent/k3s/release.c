/* SPDX-License-Identifier: MIT */
#include "release.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../basic/cleanup.h"
#include "../shared/curl-cleanup.h"

static const struct k3s_arch arches[] = {
        { "amd64", "k3s", "sha256sum-amd64.txt", "k3s-airgap-images-amd64" },
        { "arm64", "k3s-arm64", "sha256sum-arm64.txt", "k3s-airgap-images-arm64" },
        /* The armhf binary is listed in the "-arm" hash file. */
        { "arm", "k3s-armhf", "sha256sum-arm.txt", "k3s-airgap-images-arm" },
};

int k3s_arch_lookup(const char *machine, const struct k3s_arch **ret) {
        const char *name;

        if (streq(machine, "x86_64") || streq(machine, "amd64"))
                name = "amd64";
        else if (streq(machine, "aarch64") || streq(machine, "arm64"))
                name = "arm64";
        else if (strneq(machine, "arm", 3))
                name = "arm";
        else
                return -ENOTSUP;
        for (size_t i = 0; i < ELEMENTSOF(arches); i++)
                if (streq(arches[i].name, name)) {
                        *ret = &arches[i];
                        return 0;
                }
        return -ENOTSUP;
}

/* A decimal number without a leading zero (except "0"); returns the end. */
static const char *number(const char *p) {
        const char *start = p;

        while (isdigit((unsigned char) *p))
                p++;
        if (p == start || (p - start > 1 && *start == '0') || p - start > 9)
                return NULL;
        return p;
}

static const char *literal(const char *p, const char *lit) {
        size_t n = strlen(lit);

        return p && strneq(p, lit, n) ? p + n : NULL;
}

bool k3s_version_valid(const char *v) {
        const char *p;

        if (!v || strlen(v) >= K3S_VERSION_MAX)
                return false;
        p = literal(v, "v");
        p = p ? number(p) : NULL;
        p = literal(p, ".");
        p = p ? number(p) : NULL;
        p = literal(p, ".");
        p = p ? number(p) : NULL;
        if (p && strneq(p, "-rc", 3))
                p = number(p + 3);
        p = literal(p, "+k3s");
        p = p ? number(p) : NULL;
        return p && *p == 0;
}

bool k3s_channel_valid(const char *c) {
        const char *p;

        if (!c)
                return false;
        if (streq(c, "stable") || streq(c, "latest") || streq(c, "testing"))
                return true;
        p = literal(c, "v");
        p = p ? number(p) : NULL;
        p = literal(p, ".");
        p = p ? number(p) : NULL;
        return p && *p == 0;
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char) tolower((unsigned char) c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int k3s_version_from_location(const char *location, char **ret) {
        _cleanup_(curl_url_cleanupp) CURLU *u = NULL;
        _cleanup_(curl_freep) char *path = NULL;
        _cleanup_free_ char *version = NULL;
        const char *end, *start;

        int r;

        if (!location)
                return -EBADMSG;
        r = dlopen_curl(NULL);
        if (r < 0)
                return r;
        u = curl_url();
        if (!u)
                return -ENOMEM;
        /* libcurl's URL parser takes the path apart from query and fragment
         * and percent-decodes it; it refuses %00 and other control bytes,
         * which would cut the version short unseen. */
        if (curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
            curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK)
                return -EBADMSG;
        end = path + strlen(path);
        while (end > path && end[-1] == '/')
                end--;
        start = end;
        while (start > path && start[-1] != '/')
                start--;
        if (end - start > K3S_VERSION_MAX || end == start)
                return -EBADMSG;
        version = strndup(start, (size_t) (end - start));
        if (!version)
                return -ENOMEM;
        if (!k3s_version_valid(version))
                return -EBADMSG;
        *ret = TAKE_PTR(version);
        return 0;
}

int k3s_asset_url(const char *base, const char *version, const char *asset, char **ret) {
        char enc[3 * K3S_VERSION_MAX];
        size_t n = 0, blen;

        if (!k3s_version_valid(version))
                return -EINVAL;
        for (const char *p = version; *p; p++) {
                if (*p == '+') {
                        memcpy(enc + n, "%2B", 3);
                        n += 3;
                } else
                        enc[n++] = *p;
        }
        enc[n] = 0;
        blen = strlen(base);
        while (blen > 0 && base[blen - 1] == '/')
                blen--;
        if (asprintf(ret, "%.*s/download/%s/%s", (int) blen, base, enc, asset) < 0) {
                *ret = NULL;    /* undefined after a failed asprintf() */
                return -ENOMEM;
        }
        return 0;
}

/* One line "<hash> <sep><name>", sep " " (text) or "*" (binary); returns
 * whether it names asset and, if so, copies the hash. */
static int hash_line(const char *line, size_t len, const char *asset, char hash[65]) {
        size_t alen = strlen(asset), i;

        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
                len--;
        if (len < 64 + 2 + alen)
                return 0;
        if (memcmp(line + len - alen, asset, alen) != 0)
                return 0;
        /* The name must stand alone: preceded by "  " or " *" after the hash. */
        if (len != 64 + 2 + alen || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
                return 0;
        for (i = 0; i < 64; i++) {
                if (hexval(line[i]) < 0)
                        return -EBADMSG;
                hash[i] = (char) tolower((unsigned char) line[i]);
        }
        hash[64] = 0;
        return 1;
}

int k3s_hash_file_find(const char *text, size_t size, const char *asset, char ret[65]) {
        char found[65] = "";
        const char *p = text, *end = text + size;

        if (!asset || !*asset || memchr(text, 0, size))
                return -EBADMSG;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                char h[65];
                int r = hash_line(p, len, asset, h);

                if (r < 0)
                        return r;
                if (r > 0) {
                        if (found[0] && !streq(found, h))
                                return -EBADMSG;
                        memcpy(found, h, sizeof(found));
                }
                p += len + (nl ? 1 : 0);
        }
        if (!found[0])
                return -ENOENT;
        memcpy(ret, found, 65);
        return 0;
}
