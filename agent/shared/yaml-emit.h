/* SPDX-License-Identifier: MIT */
/*
 * Writing YAML through libyaml's emitter into memory, so quoting is always
 * libyaml's (a value never turns into a bool, an octal or a second key).
 * Calls record the first failure and do nothing afterwards; yaml_out_finish()
 * reports it once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct yaml_out {
        yaml_emitter_t emitter;
        char *data;
        size_t size;
        int error;              /* first failure, negative errno */
        bool initialized;
};

int yaml_out_begin(struct yaml_out *o);
/* End the stream; the text is handed to *ret (NUL-terminated). */
int yaml_out_finish(struct yaml_out *o, char **ret, size_t *ret_size);
void yaml_out_done(struct yaml_out *o);

void yaml_out_doc_start(struct yaml_out *o);
/* A document without the "---" line: a config file holding one document. */
void yaml_out_doc_start_implicit(struct yaml_out *o);
void yaml_out_doc_end(struct yaml_out *o);
void yaml_out_map_start(struct yaml_out *o);
void yaml_out_map_end(struct yaml_out *o);
void yaml_out_seq_start(struct yaml_out *o);
/* A flow sequence on the key's line: "key: [a, b]". */
void yaml_out_flow_seq_start(struct yaml_out *o);
void yaml_out_seq_end(struct yaml_out *o);
/* A plain scalar where YAML reads it as a string, else quoted by libyaml. */
void yaml_out_str(struct yaml_out *o, const char *s);
/* Always double-quoted: for values that must stay strings ("true", "0600"). */
void yaml_out_quoted(struct yaml_out *o, const char *s);
/* An untagged plain scalar the reader types itself (true, 60, null). */
void yaml_out_plain(struct yaml_out *o, const char *s);
/* A literal block scalar (|): embedded YAML such as valuesContent. */
void yaml_out_literal(struct yaml_out *o, const char *s);
/* key: value shorthands. */
void yaml_out_kv(struct yaml_out *o, const char *key, const char *value);
void yaml_out_kv_quoted(struct yaml_out *o, const char *key, const char *value);
void yaml_out_kv_plain(struct yaml_out *o, const char *key, const char *value);
