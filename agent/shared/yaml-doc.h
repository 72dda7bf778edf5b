/* SPDX-License-Identifier: MIT */
/*
 * Reading YAML through libyaml's document API: one document loaded as a node
 * graph (aliases are references, never expanded, so an alias bomb costs
 * nothing), then looked up by key. Input size is capped by the caller; the
 * loader itself is not recursive.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct yaml_doc {
        yaml_document_t doc;
        bool loaded;
};

/* Load the first document of text. -EBADMSG with "line:column: problem"
 * in ret_error when the text is not YAML; an empty stream is -ENODATA. */
int yaml_doc_load(struct yaml_doc *d, const char *text, size_t size, char **ret_error);
void yaml_doc_done(struct yaml_doc *d);

yaml_node_t *yaml_doc_root(struct yaml_doc *d);
/* The value of key in a mapping node (NULL when node is no mapping or has
 * no such key). */
yaml_node_t *yaml_doc_get(struct yaml_doc *d, yaml_node_t *map, const char *key);
/* The scalar's text, NUL-terminated by libyaml (NULL when no scalar). */
const char *yaml_doc_scalar(yaml_node_t *n);
/* The string value of key, or NULL. */
const char *yaml_doc_get_str(struct yaml_doc *d, yaml_node_t *map, const char *key);
/* Items of a sequence node: count, and item i (NULL when out of range). */
size_t yaml_doc_seq_len(yaml_node_t *seq);
yaml_node_t *yaml_doc_seq_item(struct yaml_doc *d, yaml_node_t *seq, size_t i);
