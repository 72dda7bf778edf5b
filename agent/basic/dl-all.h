/* SPDX-License-Identifier: MIT */
/* Load every dlopen()ed library at once: for commands that use most of them. */
#pragma once

int dlopen_all(const char **ret_error);
