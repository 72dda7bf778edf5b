/* SPDX-License-Identifier: MIT */
#include "yaml-doc.h"

#include <errno.h>
#include <string.h>

#include "../basic/errmsg.h"
#include "dl-yaml.h"

int yaml_doc_load(struct yaml_doc *d, const char *text, size_t size, char **ret_error) {
        yaml_parser_t p;
        int r = 0;

        *d = (struct yaml_doc) {};
        r = dlopen_yaml(NULL);
        if (r < 0)
                return error_msg(ret_error, r, "libyaml is not available");
        if (!yaml_parser_initialize(&p))
                return -ENOMEM;
        yaml_parser_set_input_string(&p, (const unsigned char *) text, size);
        if (!yaml_parser_load(&p, &d->doc)) {
                r = error_msg(ret_error, -EBADMSG, "%zu:%zu: %s", p.problem_mark.line + 1,
                              p.problem_mark.column + 1, p.problem ? p.problem : "not YAML");
                yaml_parser_delete(&p);
                return r;
        }
        yaml_parser_delete(&p);
        d->loaded = true;
        if (!yaml_document_get_root_node(&d->doc)) {
                yaml_doc_done(d);
                return error_msg(ret_error, -ENODATA, "empty document");
        }
        return 0;
}

void yaml_doc_done(struct yaml_doc *d) {
        if (d->loaded)
                yaml_document_delete(&d->doc);
        d->loaded = false;
}

yaml_node_t *yaml_doc_root(struct yaml_doc *d) {
        return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

const char *yaml_doc_scalar(yaml_node_t *n) {
        return n && n->type == YAML_SCALAR_NODE ? (const char *) n->data.scalar.value : NULL;
}

yaml_node_t *yaml_doc_get(struct yaml_doc *d, yaml_node_t *map, const char *key) {
        if (!map || map->type != YAML_MAPPING_NODE)
                return NULL;
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                const char *k = yaml_doc_scalar(yaml_document_get_node(&d->doc, p->key));

                if (k && strcmp(k, key) == 0)
                        return yaml_document_get_node(&d->doc, p->value);
        }
        return NULL;
}

const char *yaml_doc_get_str(struct yaml_doc *d, yaml_node_t *map, const char *key) {
        return yaml_doc_scalar(yaml_doc_get(d, map, key));
}

size_t yaml_doc_seq_len(yaml_node_t *seq) {
        if (!seq || seq->type != YAML_SEQUENCE_NODE)
                return 0;
        return (size_t) (seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *yaml_doc_seq_item(struct yaml_doc *d, yaml_node_t *seq, size_t i) {
        if (i >= yaml_doc_seq_len(seq))
                return NULL;
        return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}
