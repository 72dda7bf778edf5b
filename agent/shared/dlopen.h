/* SPDX-License-Identifier: MIT */
/*
 * Loading heavy libraries only when a command needs them (systemd's
 * dlfcn-util pattern). Linking libkmod, libcurl, libsystemd, libmicrohttpd,
 * libnl and libmount directly costs every invocation ~11 ms of loader work
 * (50 shared objects, measured on Debian 12), ten times what `sysctl -p`
 * takes; `nodeprep plan` needs none of them.
 *
 * A wrapper header per library (dl-kmod.h, ...) declares a sym_NAME pointer
 * per function and renames NAME to sym_NAME for its users, so call sites keep
 * the library's own names; dlopen_NAME() fills the pointers once.
 */
#pragma once

#include <stddef.h>

#define DLSYM_PROTOTYPE(symbol) extern __typeof__(symbol) *sym_##symbol;
#define DLSYM_DEFINE(symbol) __typeof__(symbol) *sym_##symbol = NULL;
#define DLSYM_ARG(symbol) { (void **) &sym_##symbol, #symbol },

struct dlsym_entry {
        void **ptr;
        const char *name;
};

/* dlopen() soname once and resolve every entry; on failure nothing is kept
 * and ret_error (static storage) says which library or symbol is missing.
 * Thread-safe only when first called before threads start. */
int dlopen_symbols(void **handle, const char *soname, const struct dlsym_entry *syms, size_t n,
                   const char **ret_error);
