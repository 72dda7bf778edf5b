/* SPDX-License-Identifier: MIT */
/* Strict parsing of numbers and words; no atoi(), no silent truncation. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole string must be a decimal integer (optional leading '-' for the signed
 * variant); no spaces, no trailing junk. -EINVAL or -ERANGE otherwise. */
int safe_atoi64(const char *s, int64_t *ret);
int safe_atou64(const char *s, uint64_t *ret);

/* Collapse runs of blanks to one space and trim both ends, in place. This is
 * how the kernel prints vector values ("32768\t60999"), so "32768 60999" and
 * "32768   60999" compare equal. */
char *normalize_blanks(char *s);

/* Split on blanks and commas into a NULL-terminated vector. */
int split_words(const char *s, char ***ret);

size_t strv_length(char * const *l);
bool strv_contains(char * const *l, const char *s);
/* Append a copy of s; the vector stays NULL-terminated. */
int strv_extend(char ***l, const char *s);

bool string_has_prefix(const char *s, const char *prefix);

/* word is one of the space-separated words of list (a line may end in '\n'):
 * cgroup.controllers, /proc/cmdline. */
bool word_in_list(const char *list, const char *word);
