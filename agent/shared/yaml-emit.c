/* SPDX-License-Identifier: MIT */
#include "yaml-emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dl-yaml.h"

static int out_write(void *data, unsigned char *buffer, size_t size) {
        struct yaml_out *o = data;
        char *n = realloc(o->data, o->size + size + 1);

        if (!n)
                return 0;
        memcpy(n + o->size, buffer, size);
        o->size += size;
        n[o->size] = 0;
        o->data = n;
        return 1;
}

static void emit(struct yaml_out *o, yaml_event_t *ev, int initialized) {
        if (o->error < 0)
                return;
        if (!initialized)
                o->error = -ENOMEM;
        else if (!yaml_emitter_emit(&o->emitter, ev))
                o->error = -EIO;
}

int yaml_out_begin(struct yaml_out *o) {
        yaml_event_t ev;
        int r;

        *o = (struct yaml_out) {};
        r = dlopen_yaml(NULL);
        if (r < 0)
                return r;
        if (!yaml_emitter_initialize(&o->emitter))
                return -ENOMEM;
        o->initialized = true;
        yaml_emitter_set_output(&o->emitter, out_write, o);
        yaml_emitter_set_unicode(&o->emitter, 1);
        emit(o, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
        return o->error;
}

int yaml_out_finish(struct yaml_out *o, char **ret, size_t *ret_size) {
        yaml_event_t ev;

        emit(o, &ev, yaml_stream_end_event_initialize(&ev));
        if (o->error < 0)
                return o->error;
        if (!o->data)
                return -EIO;
        *ret = o->data;
        *ret_size = o->size;
        o->data = NULL;
        o->size = 0;
        return 0;
}

void yaml_out_done(struct yaml_out *o) {
        if (o->initialized)
                yaml_emitter_delete(&o->emitter);
        free(o->data);
        *o = (struct yaml_out) {};
}

static void doc_start(struct yaml_out *o, int implicit) {
        yaml_event_t ev;

        emit(o, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, implicit));
}

void yaml_out_doc_start(struct yaml_out *o) {
        /* implicit=0: every document starts with "---", as kubectl writes them. */
        doc_start(o, 0);
}

void yaml_out_doc_start_implicit(struct yaml_out *o) {
        doc_start(o, 1);
}

void yaml_out_doc_end(struct yaml_out *o) {
        yaml_event_t ev;

        emit(o, &ev, yaml_document_end_event_initialize(&ev, 1));
}

void yaml_out_map_start(struct yaml_out *o) {
        yaml_event_t ev;

        emit(o, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
}

void yaml_out_map_end(struct yaml_out *o) {
        yaml_event_t ev;

        emit(o, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void seq_start(struct yaml_out *o, yaml_sequence_style_t style) {
        yaml_event_t ev;

        emit(o, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, style));
}

void yaml_out_seq_start(struct yaml_out *o) {
        seq_start(o, YAML_BLOCK_SEQUENCE_STYLE);
}

void yaml_out_flow_seq_start(struct yaml_out *o) {
        seq_start(o, YAML_FLOW_SEQUENCE_STYLE);
}

void yaml_out_seq_end(struct yaml_out *o) {
        yaml_event_t ev;

        emit(o, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void scalar(struct yaml_out *o, const char *s, int plain_implicit, int quoted_implicit,
                   yaml_scalar_style_t style) {
        yaml_event_t ev;

        emit(o, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) strlen(s),
                                                  plain_implicit, quoted_implicit, style));
}

void yaml_out_str(struct yaml_out *o, const char *s) {
        /* libyaml picks plain style when the text allows it; it does not know
         * that a reader types true or 60, so such strings go through
         * yaml_out_quoted(). */
        scalar(o, s, 1, 1, YAML_ANY_SCALAR_STYLE);
}

void yaml_out_quoted(struct yaml_out *o, const char *s) {
        scalar(o, s, 1, 1, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
}

void yaml_out_plain(struct yaml_out *o, const char *s) {
        scalar(o, s, 1, 0, YAML_PLAIN_SCALAR_STYLE);
}

void yaml_out_literal(struct yaml_out *o, const char *s) {
        scalar(o, s, 1, 1, YAML_LITERAL_SCALAR_STYLE);
}

void yaml_out_kv(struct yaml_out *o, const char *key, const char *value) {
        yaml_out_str(o, key);
        yaml_out_str(o, value);
}

void yaml_out_kv_quoted(struct yaml_out *o, const char *key, const char *value) {
        yaml_out_str(o, key);
        yaml_out_quoted(o, value);
}

void yaml_out_kv_plain(struct yaml_out *o, const char *key, const char *value) {
        yaml_out_str(o, key);
        yaml_out_plain(o, value);
}
