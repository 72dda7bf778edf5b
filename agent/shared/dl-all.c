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
#include "dl-zlib.h"

int dlopen_all(const char **ret_error) {
        static int (*const loaders[])(const char **ret_error) = {
                dlopen_curl, dlopen_systemd, dlopen_microhttpd, dlopen_nl, dlopen_mount,
                dlopen_yaml, dlopen_crypto, dlopen_kmod, dlopen_zlib,
        };

        for (size_t i = 0; i < ELEMENTSOF(loaders); i++) {
                int r = loaders[i](ret_error);

                if (r < 0)
                        return r;
        }
        return 0;
}
