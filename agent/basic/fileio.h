/* SPDX-License-Identifier: MIT */
/* File helpers: capped reads and crash-safe atomic replacement. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Read all of fd, at most max_size bytes; -EFBIG when there is more.
 * The result is NUL-terminated. */
int read_fd_capped(int fd, size_t max_size, char **ret, size_t *ret_size);

/* Write content to dirfd/name via a temporary file in the same directory:
 * write, fsync, fchmod, rename over name, fsync the directory. After a crash
 * the file is either the old or the new version, never a mix. */
int write_file_atomic_at(int dirfd, const char *name, const char *content, size_t size, mode_t mode);

/* write() all of buf, retrying on EINTR and short writes. */
/* A secret kept in a file (a token, a datastore endpoint with a password):
 * one line of at most max_size bytes, trailing blanks and line end removed.
 * -EBADMSG when empty, multi-line, longer, or holding a NUL. */
int read_one_line_file(const char *path, size_t max_size, char **ret);

int write_all(int fd, const void *buf, size_t size);
