/* SPDX-License-Identifier: MIT */
/* The served certificate: expiry, serial, and whether it names the domain
 * (libcrypto; the first certificate of a fullchain file is the leaf). */
#include <errno.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "../shared/dl-crypto.h"
#include "internal.h"

int gw_cert_read(const struct sysroot *sr, const char *path, const char *domain, struct gw_cert_info *ret,
                 char **ret_error) {
        _cleanup_free_ char *pem = NULL;
        struct gw_cert_info info = {};
        const ASN1_TIME *not_after;
        struct tm tm = {};
        BIGNUM *bn = NULL;
        char *hex = NULL;
        X509 *x = NULL;
        BIO *bio = NULL;
        size_t size;
        int r;

        r = sysroot_read_file(sr, path, GW_FILE_MAX, &pem, &size);
        if (r < 0)
                return error_msg(ret_error, r, "%s: %s", path, strerror(-r));
        r = dlopen_crypto(NULL);
        if (r < 0)
                return error_msg(ret_error, r, "libcrypto is not available");
        bio = BIO_new_mem_buf(pem, (int) size);
        if (!bio)
                return -ENOMEM;
        x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!x)
                return error_msg(ret_error, -EBADMSG, "%s: no PEM certificate", path);
        not_after = X509_get0_notAfter(x);
        if (!not_after || ASN1_TIME_to_tm(not_after, &tm) != 1) {
                X509_free(x);
                return error_msg(ret_error, -EBADMSG, "%s: unreadable notAfter", path);
        }
        info.not_after = (int64_t) timegm(&tm);
        bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(x), NULL);
        hex = bn ? BN_bn2hex(bn) : NULL;
        if (hex)
                snprintf(info.serial, sizeof(info.serial), "%s", hex);
        OPENSSL_free(hex);
        BN_free(bn);
        info.names_domain = X509_check_host(x, domain, strlen(domain), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
        X509_free(x);
        *ret = info;
        return 0;
}
