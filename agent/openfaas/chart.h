/* SPDX-License-Identifier: MIT */
/*
 * The chart: a Helm repository index.yaml (helm pkg/repo/index.go: entries ->
 * name -> [{version, digest, urls}]) read with libyaml, and the .tgz, held in
 * memory and accepted only when its sha256 equals the index's digest (or,
 * for a --chart-file without a repository, the digest pinned at build time).
 * Nothing is written here.
 */
#pragma once

#include <stddef.h>

#include "openfaas.h"

struct chart_entry {
        char version[64];
        char digest[65];
        char *url;              /* as the index has it: absolute or relative */
};

/* entries[name][] with that version. -ENOENT when absent, -EBADMSG when the
 * index or the entry is malformed (digest not 64 hex). A fuzz target. */
int chart_index_find(const char *text, size_t size, const char *name, const char *version,
                     struct chart_entry *ret, char **ret_error);
void chart_entry_done(struct chart_entry *e);

struct chart {
        char *data;
        size_t size;
        char sha256[65];
        char source[512];       /* URL or file, for messages */
};

/* Fetch (or read) and verify. -EBADMSG on a digest mismatch, both named. */
int chart_obtain(const struct openfaas_options *o, struct chart *ret, char **ret_error);
void chart_done(struct chart *c);
