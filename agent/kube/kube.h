/* SPDX-License-Identifier: MIT */
/*
 * A small Kubernetes API client: requests to the kubeconfig's server with its
 * client certificate (http.h does the transfer), answers parsed with json-c
 * into the few fields callers need. Answers are capped (HTTP_MAX_BODY_DEFAULT,
 * and a cut answer is an error that says so) and every request has its own
 * deadline.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "kubeconfig.h"

#define KUBE_REQUEST_TIMEOUT_MS 10000u

/* method NULL: GET. path starts with "/". 0 when an answer came (any
 * status); -EFBIG when it was larger than the cap. */
int kube_request(const struct kubeconfig *kc, const char *method, const char *path, const char *body,
                 struct http_response *ret, char **ret_error);

/* Parse an API answer (objects nest far less than 64 deep). -EBADMSG. */
int kube_json_parse(const char *text, size_t size, json_object **ret);

/* The "message" of a Status answer (404, 409, 422...), or NULL. */
char *kube_status_message(const char *text, size_t size);

struct kube_condition {
        bool found;
        bool is_true;           /* status == "True" */
        char reason[128];
        char message[512];
};

/* The condition of that type in obj.status.conditions. */
void kube_condition_get(json_object *obj, const char *type, struct kube_condition *ret);

/* obj[a][b]... as a string (NULL at the first missing or non-string step). */
const char *kube_str(json_object *obj, const char *const *path);
#define KUBE_STR(obj, ...) kube_str((obj), (const char *const[]) { __VA_ARGS__, NULL })
/* The same for an integer (def when absent or not a number). */
int64_t kube_int(json_object *obj, const char *const *path, int64_t def);
#define KUBE_INT(obj, def, ...) kube_int((obj), (const char *const[]) { __VA_ARGS__, NULL }, (def))
/* obj["items"] when it is an array, else NULL. */
json_object *kube_items(json_object *list);
