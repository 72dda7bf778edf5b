/* SPDX-License-Identifier: MIT */
#include "gzip.h"

#include <errno.h>
#include <stdlib.h>

#include "../shared/dl-zlib.h"

/* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
#define GZIP_WINDOW_BITS (15 + 16)
#define GZIP_MEM_LEVEL 8

int body_gzip(const struct body *in, struct body *ret) {
        z_stream z = {};
        uLong bound;
        char *out;
        int r;

        if (dlopen_zlib(NULL) < 0)
                return -EOPNOTSUPP;
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
                         Z_DEFAULT_STRATEGY) != Z_OK)
                return -ENOMEM;
        /* deflateBound() covers the zlib wrapper; the gzip one is 18 bytes against 6. */
        bound = deflateBound(&z, (uLong) in->size) + 18;
        out = malloc(bound);
        if (!out) {
                deflateEnd(&z);
                return -ENOMEM;
        }
        z.next_in = (Bytef *) in->data;
        z.avail_in = (uInt) in->size;
        z.next_out = (Bytef *) out;
        z.avail_out = (uInt) bound;
        r = deflate(&z, Z_FINISH);
        deflateEnd(&z);
        if (r != Z_STREAM_END) {
                free(out);
                return -ENOBUFS;
        }
        *ret = (struct body) { .data = out, .size = bound - z.avail_out };
        return 0;
}
