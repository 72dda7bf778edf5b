/* SPDX-License-Identifier: MIT */
/*
 * POST the bootstrap result to a provisioner (--report-url). cloud-init's
 * phone_home carries no success or failure, so this is how a provisioner
 * learns how the bootstrap ended. Same URL policy as the release downloads
 * (fetch_url_allowed): https, or http only to loopback or with --allow-http.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/redact.h"
#include "../shared/curl-util.h"
#include "../shared/dl-curl.h"
#include "../shared/fetch.h"
#include "../shared/url-redact.h"
#include "bootstrap.h"

#define REPORT_ATTEMPTS 3

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata) {
        (void) ptr, (void) userdata;
        return size * nmemb;
}

static void curl_easy_cleanupp(CURL **c) {
        if (*c)
                curl_easy_cleanup(*c);
}

static void curl_slist_free_allp(struct curl_slist **l) {
        if (*l)
                curl_slist_free_all(*l);
}

static int post_once(const char *url, const char *body, unsigned timeout_sec, long *ret_status, char **ret_error) {
        /* Messages name the URL without its userinfo and query. */
        _cleanup_free_ char *redacted = url_redact(url);
        const char *shown = redacted ? redacted : "--report-url";
        __attribute__((cleanup(curl_easy_cleanupp))) CURL *c = curl_easy_init();
        __attribute__((cleanup(curl_slist_free_allp))) struct curl_slist *h = NULL;
        char errbuf[CURL_ERROR_SIZE] = "";
        CURLcode cc;
        long status = 0;

        if (!c)
                return -ENOMEM;
        h = curl_slist_append(NULL, "Content-Type: application/json");
        if (!h)
                return -ENOMEM;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(body));
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long) timeout_sec);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long) (timeout_sec < 10 ? timeout_sec : 10));
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "nodeprep-bootstrap");
        /* A redirect would turn the POST into a GET elsewhere: report it instead. */
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_allow_protocols(c, false, true);

        cc = curl_easy_perform(c);
        if (cc != CURLE_OK) {
                if (ret_error && asprintf(ret_error, "POST %s: %s", shown, errbuf[0] ? errbuf : curl_easy_strerror(cc)) < 0)
                        *ret_error = NULL;
                return -EIO;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        *ret_status = status;
        if (status < 200 || status > 299) {
                if (ret_error && asprintf(ret_error, "POST %s: HTTP status %ld", shown, status) < 0)
                        *ret_error = NULL;
                return -EPROTO;
        }
        return 0;
}

int bootstrap_report_post(const char *url, bool allow_http, const char *body, unsigned timeout_sec,
                          long *ret_status, char **ret_error) {
        struct fetch_options fo;
        const char *why = NULL;
        long status = 0;
        int r;

        r = dlopen_curl(&why);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "%s", why ? why : "libcurl is not available") < 0)
                        *ret_error = NULL;
                return r;
        }
        fetch_options_init(&fo);
        fo.allow_http = allow_http;
        if (fetch_url_allowed(&fo, url) < 0) {
                _cleanup_free_ char *shown = url_redact(url);

                if (ret_error && asprintf(ret_error, "%s: only https (plain http to loopback, or with --allow-http)",
                                          shown ? shown : "--report-url") < 0)
                        *ret_error = NULL;
                return -EPROTONOSUPPORT;
        }
        for (unsigned attempt = 0; attempt < REPORT_ATTEMPTS; attempt++) {
                _cleanup_free_ char *err = NULL;

                if (attempt > 0)
                        sleep(attempt);
                r = post_once(url, body, timeout_sec ? timeout_sec : 10, &status, &err);
                if (r >= 0 || (r == -EPROTO && status >= 400 && status < 500)) {
                        /* Success, or a client error another attempt will not fix. */
                        if (r < 0 && ret_error)
                                *ret_error = TAKE_PTR(err);
                        break;
                }
                if (attempt + 1 == REPORT_ATTEMPTS && ret_error)
                        *ret_error = TAKE_PTR(err);
        }
        if (ret_status)
                *ret_status = status;
        return r;
}
