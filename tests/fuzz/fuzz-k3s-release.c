/* SPDX-License-Identifier: MIT */
/* Fuzz target: the channel redirect parser (Location -> K3s version) and the
 * version/channel validators and asset URL builder it feeds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k3s/release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s, *version = NULL, *url = NULL;

        if (size > 4096)
                return 0;
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;
        (void) k3s_channel_valid(s);
        if (k3s_version_from_location(s, &version) >= 0) {
                /* Whatever came out must be a valid version and make a URL
                 * without a raw '+'. */
                if (!k3s_version_valid(version))
                        abort();
                if (k3s_asset_url("https://example.invalid/releases", version, "k3s", &url) < 0 ||
                    strchr(url, '+'))
                        abort();
        }
        free(url);
        free(version);
        free(s);
        return 0;
}
