/* SPDX-License-Identifier: MIT */
#include "dl-all.h"

#include "../basic/cleanup.h"
#include "dl-crypto.h"
#include "dl-curl.h"
#include "dl-kmod.h"
#include "dl-microhttpd.h"
#include "dl-mount.h"
#include "dl-nl.h"
#include "dl-systemd.h"
#include "dl-yaml.h"

int dlopen_libs(unsigned mask, const char **ret_error) {
        static const struct {
                unsigned bit;
                int (*load)(const char **ret_error);
        } loaders[] = {
                { DL_CURL, dlopen_curl },
                { DL_SYSTEMD, dlopen_systemd },
                { DL_MICROHTTPD, dlopen_microhttpd },
                { DL_NL, dlopen_nl },
                { DL_MOUNT, dlopen_mount },
                { DL_YAML, dlopen_yaml },
                { DL_CRYPTO, dlopen_crypto },
                { DL_KMOD, dlopen_kmod },
        };

        for (size_t i = 0; i < ELEMENTSOF(loaders); i++) {
                int r;

                if (!(mask & loaders[i].bit))
                        continue;
                r = loaders[i].load(ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

int dlopen_all(const char **ret_error) {
        return dlopen_libs(DL_ALL, ret_error);
}
