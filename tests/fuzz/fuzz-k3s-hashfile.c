/* SPDX-License-Identifier: MIT */
/* Fuzz target: the sha256sum file parser (exact asset line match). */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k3s/release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const assets[] = { "k3s", "k3s-arm64", "k3s-armhf", "k3s-airgap-images-amd64.tar.zst" };
        char hash[65];

        for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
                if (k3s_hash_file_find((const char *) data, size, assets[i], hash) >= 0) {
                        if (strlen(hash) != 64)
                                abort();
                        for (size_t j = 0; j < 64; j++)
                                if (!isxdigit((unsigned char) hash[j]) || isupper((unsigned char) hash[j]))
                                        abort();
                }
        return 0;
}
