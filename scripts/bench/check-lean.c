/* SPDX-License-Identifier: MIT */
/*
 * For scripts/bench/check.sh only: `nodeprep check` linked against just the
 * libraries the check uses (libmount, libnl, json-c, inih; libkmod and zlib
 * by dlopen), to show how much of nodeprep's wall time is the dynamic
 * loader mapping libcurl, libsystemd and libcrypto for other commands.
 */
#include "cmd/cli.h"

int main(int argc, char **argv) {
        struct cli cli = { .argv0 = argv[0] };
        int r;

        if (sysroot_new(NULL, &cli.sr) < 0)
                return EXIT_FAILED;
        r = cmd_check(&cli, argc - 1, argv + 1);
        sysroot_free(cli.sr);
        return r;
}
