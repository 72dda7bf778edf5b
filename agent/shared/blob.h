/* SPDX-License-Identifier: MIT */
/*
 * A verified file replacement: bytes stream into a temporary file in the
 * target directory while they are hashed (SHA-256); only when the hash matches
 * is the file fsynced, chmod'ed and renamed over the target, and the directory
 * fsynced. Until then the old file is untouched, and abort removes the
 * temporary file, so no partial file is ever left behind. SHA-256 through
 * libcrypto: the functions that start a hash load it (-EOPNOTSUPP without).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct blob_sink;

/* Open a sink for dirfd/name; the temporary file is ".name.XXXXXX". */
int blob_sink_open(int dirfd, const char *name, struct blob_sink **ret);
int blob_sink_write(struct blob_sink *s, const void *buf, size_t size);
/* Start over (a server that ignored our Range request). */
int blob_sink_reset(struct blob_sink *s);
uint64_t blob_sink_size(const struct blob_sink *s);
/* The hash of what was written so far does not change the stream. */
int blob_sink_hash(const struct blob_sink *s, char ret[65]);
/* Verify against expected (64 hex), then fsync, fchmod, rename, fsync dir.
 * -EBADMSG on mismatch, with the hash we got in ret_got. The sink stays open
 * either way; free it with blob_sink_free(), which removes an uncommitted
 * temporary file. */
int blob_sink_commit(struct blob_sink *s, const char *expected, mode_t mode, char ret_got[65]);
struct blob_sink *blob_sink_free(struct blob_sink *s);
void blob_sink_freep(struct blob_sink **s);
#define _cleanup_blob_sink_ __attribute__((cleanup(blob_sink_freep)))

/* SHA-256 of dirfd/name, streamed (the K3s binary is ~70 MB; the small-file
 * helpers of tune/persist.h read whole files). -ENOENT when absent. */
int blob_hash_file(int dirfd, const char *name, char ret[65]);

/* Copy an open file into dirfd/name through a sink, verified against
 * expected (NULL: no check, the hash is still returned in ret_got). */
int blob_copy_verified(int srcfd, int dirfd, const char *name, const char *expected,
                       mode_t mode, char ret_got[65]);

/* SHA-256 of a buffer as 64 hex digits. */
int blob_sha256_mem(const void *data, size_t size, char ret[65]);
