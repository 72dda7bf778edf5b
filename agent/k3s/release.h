/* SPDX-License-Identifier: MIT */
/*
 * K3s release naming: versions, channels, architectures, asset URLs and the
 * sha256sum file. Pure string logic, no I/O, so every parser here has a fuzz
 * target. The official installer trusted whatever the channel server said
 * (a 503 page became the version "stable", k3s#2531); we accept only a tag
 * of the K3s pattern.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define K3S_DEFAULT_RELEASE_URL "https://github.com/k3s-io/k3s/releases"
#define K3S_DEFAULT_CHANNEL_URL "https://update.k3s.io/v1-release/channels"
#define K3S_VERSION_MAX 64

struct k3s_arch {
        const char *name;       /* amd64, arm64, arm */
        const char *asset;      /* k3s, k3s-arm64, k3s-armhf */
        const char *hash_file;  /* sha256sum-<name>.txt */
        const char *images;     /* k3s-airgap-images-<name> (without .tar...) */
};

/* uname -m (or a Debian arch name) to the release naming; -ENOTSUP otherwise. */
int k3s_arch_lookup(const char *machine, const struct k3s_arch **ret);

/* v<maj>.<min>.<patch>[-rcN]+k3sN, digits without leading zeros. */
bool k3s_version_valid(const char *v);

/* stable, latest, testing or v<maj>.<min>. */
bool k3s_channel_valid(const char *c);

/* The version in a channel redirect: the last path segment of the Location,
 * percent-decoded, without query or fragment. -EBADMSG when it is no version
 * (the "stable" bug of the shell installer). */
int k3s_version_from_location(const char *location, char **ret);

/* base/download/VERSION/asset with '+' sent as %2B. */
int k3s_asset_url(const char *base, const char *version, const char *asset, char **ret);

/* Find the line "<64 hex>  <asset>" (or " *<asset>", binary mode) in a
 * sha256sum file and return the lower-case hash. The name must match
 * exactly: "k3s" never matches "k3s-airgap-images-amd64.tar". -ENOENT when
 * no line names the asset, -EBADMSG on a malformed file (NUL bytes, a
 * matching line with a bad hash, or two lines that disagree). */
int k3s_hash_file_find(const char *text, size_t size, const char *asset, char ret[65]);
