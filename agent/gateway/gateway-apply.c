/* SPDX-License-Identifier: MIT */
/*
 * plan, apply and remove. apply writes candidates, has nginx test them, and
 * only then reloads; on a failed test every file and the state file are put
 * back as they were, and the running nginx never saw the candidate. With
 * ACME it runs twice: phase 1 (port 80: webroot and redirect), certbot
 * certonly --webroot, phase 2 (the 443 server), because nginx refuses to
 * load an ssl_certificate that does not exist yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../basic/cleanup.h"
#include "../basic/errmsg.h"
#include "internal.h"

#define CERTBOT_TIMEOUT 300

/* nginx and certbot come from Debian (the shipped cloud-init lists them). */
static int check_packages(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r) {
        bool nginx = sysroot_access(sr, GW_NGINX_BIN, F_OK) == 0;
        bool certbot = o->tls != GATEWAY_TLS_ACME || sysroot_access(sr, GW_CERTBOT_BIN, F_OK) == 0;

        if (nginx && certbot)
                return 0;
        free(r->hint);
        r->hint = strdup(o->tls == GATEWAY_TLS_ACME ? "apt-get install -y nginx certbot" : "apt-get install -y nginx");
        return error_msg(&r->error, -EPERM, "%s%s%s not installed; run: %s", nginx ? "" : GW_NGINX_BIN,
                         !nginx && !certbot ? " and " : "", certbot ? "" : GW_CERTBOT_BIN,
                         r->hint ? r->hint : "apt-get install nginx certbot");
}

static bool cert_present(const struct sysroot *sr, const struct gateway_options *o) {
        char cert[GATEWAY_PATH_MAX], key[GATEWAY_PATH_MAX];

        gw_cert_paths(o, cert, key);
        return sysroot_access(sr, cert, F_OK) == 0 && sysroot_access(sr, key, F_OK) == 0;
}

static int desired_phase(const struct sysroot *sr, const struct gateway_options *o) {
        return o->tls != GATEWAY_TLS_ACME || cert_present(sr, o) ? 2 : 1;
}

static struct gateway_file_change *change_for(struct gateway_result *r, const char *path, bool *ret_new) {
        struct gateway_file_change *c;

        *ret_new = false;
        for (unsigned i = 0; i < r->n_files; i++)
                if (streq(r->files[i].path, path))
                        return &r->files[i];
        c = realloc(r->files, (r->n_files + 1) * sizeof(*c));
        if (!c)
                return NULL;
        r->files = c;
        c = &r->files[r->n_files];
        *c = (struct gateway_file_change) { .path = strdup(path) };
        if (!c->path)
                return NULL;
        r->n_files++;
        *ret_new = true;
        return c;
}

static int set_str(char **dst, const char *s) {
        free(*dst);
        *dst = NULL;
        if (s && !(*dst = strdup(s)))
                return -ENOMEM;
        return 0;
}

/* Record one path in the result: `before` from the first look, `after` from
 * the latest phase; the action compares the two. */
static int note(struct gateway_result *r, const char *path, enum gateway_file_kind kind, const struct gw_current *cur,
                const char *after, enum gateway_action forced) {
        bool first;
        struct gateway_file_change *c = change_for(r, path, &first);
        int k;

        if (!c)
                return -ENOMEM;
        c->kind = kind;
        if (first) {
                if (cur->exists && (k = set_str(&c->before, cur->content ? cur->content : "")) < 0)
                        return k;
                memcpy(c->before_sha, cur->exists ? cur->sha : "", cur->exists ? 65 : 1);
        }
        if ((k = set_str(&c->after, after)) < 0)
                return k;
        c->after_sha[0] = 0;
        if (after && (k = gw_sha256_str(after, c->after_sha)) < 0)
                return k;
        if (forced == GATEWAY_CONFLICT || forced == GATEWAY_MODIFIED || forced == GATEWAY_REMOVE)
                c->action = forced;
        else if (!c->before_sha[0])
                c->action = after ? GATEWAY_CREATE : GATEWAY_KEEP;
        else
                c->action = after && streq(c->before_sha, c->after_sha) ? GATEWAY_KEEP : GATEWAY_UPDATE;
        return 0;
}

/* One phase, as a transaction over the desired set plus what the previous
 * state had and this set no longer wants. */
struct txn {
        struct gw_desired_set want;
        struct gw_current cur[GW_FILES_MAX * 2];
        char paths[GW_FILES_MAX * 2][GATEWAY_PATH_MAX];
        enum gateway_file_kind kinds[GW_FILES_MAX * 2];
        bool remove[GW_FILES_MAX * 2];
        unsigned n;
        bool changes;
};

static void txn_done(struct txn *t) {
        gw_desired_set_done(&t->want);
        for (unsigned i = 0; i < t->n; i++)
                gw_current_done(&t->cur[i]);
        t->n = 0;
}

static int txn_diff(const struct sysroot *sr, const struct gateway_options *o, int phase, const struct gw_state *old,
                    struct txn *t, struct gateway_result *r) {
        int k;

        k = gw_render(o, phase, &t->want);
        if (k < 0)
                return k;
        for (unsigned i = 0; i < t->want.n; i++) {
                const struct gw_desired *d = &t->want.files[i];
                struct gw_current *c = &t->cur[t->n];
                bool mine;

                k = gw_current_read(sr, d->path, c);
                if (k < 0)
                        return error_msg(&r->error, k, "%s: %s", d->path, strerror(-k));
                {
                        /* Not snprintf(): d lives in t too, and gcc's
                         * -Wrestrict cannot tell the two apart. */
                        size_t len = strnlen(d->path, GATEWAY_PATH_MAX - 1);

                        memcpy(t->paths[t->n], d->path, len);
                        t->paths[t->n][len] = 0;
                }
                t->kinds[t->n] = d->kind;
                t->n++;
                mine = !c->exists || (c->ours && c->kind == d->kind);
                if (!mine) {
                        note(r, d->path, d->kind, c, NULL, GATEWAY_CONFLICT);
                        return error_msg(&r->error, -EEXIST,
                                         "%s exists and was not written by nodeprep (no marker line); "
                                         "nothing was changed: move it away, or pick another setup", d->path);
                }
                k = note(r, d->path, d->kind, c, d->kind == GATEWAY_DIR ? "" : d->content, GATEWAY_KEEP);
                if (k < 0)
                        return k;
                if (!c->exists || (d->kind != GATEWAY_DIR && !streq(c->content, d->content)))
                        t->changes = true;
        }
        /* What the previous state had and this set does not (TLS mode
         * changed): ours to remove when unchanged since apply. */
        for (unsigned i = 0; old && i < old->n; i++) {
                const struct gw_state_entry *e = &old->files[i];
                struct gw_current *c = &t->cur[t->n];
                bool wanted = false;

                for (unsigned j = 0; j < t->want.n; j++)
                        wanted = wanted || streq(t->want.files[j].path, e->path);
                if (wanted)
                        continue;
                k = gw_current_read(sr, e->path, c);
                if (k < 0)
                        return k;
                snprintf(t->paths[t->n], GATEWAY_PATH_MAX, "%s", e->path);
                t->kinds[t->n] = e->kind;
                t->remove[t->n] = c->exists && c->ours && (e->kind == GATEWAY_DIR || streq(c->sha, e->sha));
                t->n++;
                if (!c->exists)
                        continue;
                note(r, e->path, e->kind, c, NULL, t->remove[t->n - 1] ? GATEWAY_REMOVE : GATEWAY_MODIFIED);
                t->changes = t->changes || t->remove[t->n - 1];
        }
        return 0;
}

static void fill_state(const struct gateway_options *o, int phase, const struct txn *t, struct gw_state *s) {
        *s = (struct gw_state) { .phase = phase, .function_timeout = o->function_timeout,
                                 .tls = o->tls != GATEWAY_TLS_NONE };
        snprintf(s->domain, sizeof(s->domain), "%s", o->domain);
        for (unsigned i = 0; i < t->want.n && s->n < GW_FILES_MAX; i++) {
                const struct gw_desired *d = &t->want.files[i];
                struct gw_state_entry *e = &s->files[s->n++];

                snprintf(e->path, sizeof(e->path), "%s", d->path);
                e->kind = d->kind;
                (void) gw_sha256_str(d->kind == GATEWAY_DIR ? "" : d->content, e->sha);
        }
}

static void txn_rollback(const struct sysroot *sr, struct txn *t, const struct gw_state *old) {
        for (unsigned i = t->n; i-- > 0;)
                (void) gw_restore(sr, t->paths[i], &t->cur[i]);
        if (old)
                (void) gw_state_save(sr, old);
        else
                (void) sysroot_unlink(sr, GW_STATE_PATH);
}

/* Write the set, test it, reload. On success *old becomes the new state. */
static int txn_commit(const struct sysroot *sr, const struct gateway_options *o, int phase, struct txn *t,
                      struct gw_state *old, bool have_old, struct gateway_result *r) {
        struct gw_state next;
        int k;

        fill_state(o, phase, t, &next);
        /* The state first: after a crash, remove still knows every path. */
        k = gw_state_save(sr, &next);
        if (k < 0)
                return error_msg(&r->error, k, GW_STATE_PATH ": %s", strerror(-k));
        for (unsigned i = 0; i < t->want.n && k >= 0; i++) {
                k = gw_put(sr, &t->want.files[i]);
                if (k < 0)
                        error_msg(&r->error, k, "%s: %s", t->want.files[i].path, strerror(-k));
        }
        if (k >= 0 && sr->live) {
                k = gw_nginx_test(&r->nginx_message);
                if (k < 0) {
                        txn_rollback(sr, t, have_old ? old : NULL);
                        gateway_result_step(r, "nginx-test", "failed", "phase %d: %s", phase, r->nginx_message);
                        return error_msg(&r->error, -EIO, "nginx -t rejected the new configuration; "
                                         "the previous files are back and nginx was not reloaded: %s",
                                         r->nginx_message ? r->nginx_message : "?");
                }
                gateway_result_step(r, "nginx-test", "ok", "phase %d: configuration test passed", phase);
        } else if (k >= 0)
                gateway_result_step(r, "nginx-test", "skipped", "--root: nginx -t runs on the live system only");
        if (k < 0) {
                txn_rollback(sr, t, have_old ? old : NULL);
                return k;
        }
        for (unsigned i = 0; i < t->n; i++)
                if (t->remove[i])
                        (void) gw_remove_entry(sr, t->paths[i], t->kinds[i]);
        if (sr->live) {
                _cleanup_free_ char *err = NULL;

                k = gw_nginx_reload(sr, &err);
                if (k < 0) {
                        gateway_result_step(r, "nginx-reload", "failed", "%s", err ? err : strerror(-k));
                        return error_msg(&r->error, k, "%s", err ? err : "nginx reload failed");
                }
                gateway_result_step(r, "nginx-reload", "ok", "phase %d served (ReloadOrRestartUnit nginx.service)",
                                    phase);
        }
        *old = next;
        r->changed = true;
        return 0;
}

static int run_phase(const struct sysroot *sr, const struct gateway_options *o, int phase, struct gw_state *state,
                     bool *have_state, bool dry_run, struct gateway_result *r) {
        struct txn t = {};
        int k;

        r->phase = phase;
        k = txn_diff(sr, o, phase, *have_state ? state : NULL, &t, r);
        if (k >= 0 && !t.changes && *have_state && state->phase == phase)
                gateway_result_step(r, "files", "ok", "phase %d: every file already as desired", phase);
        else if (k >= 0 && dry_run) {
                r->changed = true;
                gateway_result_step(r, "files", "changed", "phase %d: would write", phase);
        }
        else if (k >= 0) {
                k = txn_commit(sr, o, phase, &t, state, *have_state, r);
                if (k >= 0) {
                        *have_state = true;
                        gateway_result_step(r, "files", "changed", "phase %d written", phase);
                }
        }
        txn_done(&t);
        return k;
}

/* Quote the end of certbot's output: its reason is in the last lines. */
static const char *tail_lines(const char *s, unsigned n) {
        const char *p = s + strlen(s);

        while (p > s && p[-1] == '\n')
                p--;
        while (p > s && n > 0)
                if (*--p == '\n')
                        n--;
        return p == s ? p : p + 1;
}

static int run_certbot(const struct gateway_options *o, struct gateway_result *r) {
        char *argv[32], env_ca[GATEWAY_PATH_MAX + 32], *env[2] = {};
        _cleanup_free_ char *out = NULL;
        size_t n = 0;
        int status, k;

        argv[n++] = (char *) GW_CERTBOT_BIN;
        argv[n++] = (char *) "certonly";
        argv[n++] = (char *) "--webroot";
        argv[n++] = (char *) "-w";
        argv[n++] = (char *) GW_WEBROOT;
        argv[n++] = (char *) "-d";
        argv[n++] = (char *) o->domain;
        argv[n++] = (char *) "--cert-name";
        argv[n++] = (char *) o->domain;
        argv[n++] = (char *) "--non-interactive";
        argv[n++] = (char *) "--agree-tos";
        argv[n++] = (char *) "--keep-until-expiring";
        if (o->email[0]) {
                argv[n++] = (char *) "--email";
                argv[n++] = (char *) o->email;
        } else
                argv[n++] = (char *) "--register-unsafely-without-email";
        if (o->acme_server[0]) {
                argv[n++] = (char *) "--server";
                argv[n++] = (char *) o->acme_server;
        }
        argv[n] = NULL;
        if (o->acme_ca_file[0]) {
                /* certbot talks to the ACME server through python-requests. */
                snprintf(env_ca, sizeof(env_ca), "REQUESTS_CA_BUNDLE=%s", o->acme_ca_file);
                env[0] = env_ca;
        }
        k = gw_spawn(argv, env, CERTBOT_TIMEOUT, &status, &out);
        if (k < 0)
                return error_msg(&r->error, k, "certbot: %s", strerror(-k));
        if (status != 0) {
                gateway_result_step(r, "certbot", "failed", "%s", tail_lines(out, 6));
                return error_msg(&r->error, -EIO,
                                 "certbot certonly %s (port 80 keeps serving the webroot; details in "
                                 "/var/log/letsencrypt/letsencrypt.log): %s",
                                 status < 0 ? "did not finish in time" : "failed", tail_lines(out, 6));
        }
        gateway_result_step(r, "certbot", "changed", "certificate issued for %s", o->domain);
        return 0;
}

static int load_state(const struct sysroot *sr, const struct gateway_options *o, struct gw_state *s, bool *ret_have,
                      struct gateway_result *r) {
        int k = gw_state_load(sr, s, &r->error);

        *ret_have = k >= 0;
        if (k == -ENOENT)
                return 0;
        if (k < 0)
                return k;
        if (o && !streq(s->domain, o->domain))
                return error_msg(&r->error, -EEXIST,
                                 "the gateway is installed for %s; run `nodeprep gateway remove --domain %s` first",
                                 s->domain, s->domain);
        return 0;
}

static int plan_or_apply(const struct sysroot *sr, const struct gateway_options *given, bool dry_run,
                         struct gateway_result *r) {
        struct gateway_options eff;
        const struct gateway_options *o = &eff;
        struct gw_state state = {};
        bool have = false;
        int k, phase;

        k = gw_options_resolve(sr, given, &eff, &r->upstream_from, &r->error);
        if (k < 0)
                return k;
        memcpy(r->upstream, eff.upstream, sizeof(r->upstream));
        gateway_timeouts_from(o->function_timeout, &r->timeouts);
        k = check_packages(sr, o, r);
        if (k < 0)
                return k;
        k = load_state(sr, o, &state, &have, r);
        if (k < 0)
                return k;
        phase = desired_phase(sr, o);
        k = run_phase(sr, o, phase, &state, &have, dry_run, r);
        if (k < 0 || phase == 2)
                return k;
        if (dry_run)
                return gateway_result_step(r, "certbot", "changed",
                                           "would run certbot certonly --webroot for %s, then write phase 2", o->domain);
        if (!sr->live)
                return gateway_result_step(r, "certbot", "skipped", "--root: certbot runs on the live system only");
        k = run_certbot(o, r);
        if (k < 0)
                return k;
        if (!cert_present(sr, o))
                return error_msg(&r->error, -EIO, "certbot succeeded but %s/%s/ has no certificate", GW_LE_LIVE,
                                 o->domain);
        return run_phase(sr, o, 2, &state, &have, false, r);
}

int gateway_plan(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r) {
        return plan_or_apply(sr, o, true, r);
}

int gateway_apply(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r) {
        return plan_or_apply(sr, o, false, r);
}

/* The link first (nginx stops loading the site), the webroot last. */
static int remove_order(enum gateway_file_kind k) {
        return k == GATEWAY_LINK ? 0 : k == GATEWAY_FILE ? 1 : 2;
}

int gateway_remove(const struct sysroot *sr, const struct gateway_options *o, struct gateway_result *r) {
        struct gw_state state = {};
        bool have = false, kept = false;
        int k;

        k = load_state(sr, o, &state, &have, r);
        if (k < 0)
                return k;
        if (!have)
                return gateway_result_step(r, "files", "ok", "no gateway installed by nodeprep");
        for (int pass = 0; pass < 3; pass++)
                for (unsigned i = 0; i < state.n; i++) {
                        const struct gw_state_entry *e = &state.files[i];
                        struct gw_current c;

                        if (remove_order(e->kind) != pass)
                                continue;
                        k = gw_current_read(sr, e->path, &c);
                        if (k < 0)
                                return error_msg(&r->error, k, "%s: %s", e->path, strerror(-k));
                        if (!c.exists) {
                                gw_current_done(&c);
                                continue;
                        }
                        if (c.ours && (e->kind == GATEWAY_DIR || streq(c.sha, e->sha))) {
                                k = gw_remove_entry(sr, e->path, e->kind);
                                note(r, e->path, e->kind, &c, NULL, k < 0 ? GATEWAY_MODIFIED : GATEWAY_REMOVE);
                                kept = kept || k < 0;
                        } else {
                                note(r, e->path, e->kind, &c, c.content, GATEWAY_MODIFIED);
                                kept = true;
                        }
                        gw_current_done(&c);
                        r->changed = true;
                }
        if (kept)
                gateway_result_step(r, "files", "changed",
                                    "files changed since apply (or not empty) were kept: see action \"modified\"");
        k = sysroot_unlink(sr, GW_STATE_PATH);
        if (k < 0)
                return error_msg(&r->error, k, GW_STATE_PATH ": %s", strerror(-k));
        r->changed = true;
        if (sr->live) {
                char st[32];
                _cleanup_free_ char *err = NULL;

                if (!gw_unit_active("nginx.service", st))
                        return gateway_result_step(r, "nginx-reload", "skipped", "nginx.service is %s", st);
                k = gw_nginx_test(&r->nginx_message);
                if (k >= 0)
                        k = gw_nginx_reload(sr, &err);
                if (k < 0)
                        return error_msg(&r->error, k, "after removing the gateway files: %s",
                                         r->nginx_message ? r->nginx_message : err ? err : strerror(-k));
                gateway_result_step(r, "nginx-reload", "ok", "nginx reloaded without the gateway");
        }
        if (state.tls && have)
                gateway_result_step(r, "certificate", "ok", "kept in %s/%s (revoke or delete it with certbot)",
                                    GW_LE_LIVE, state.domain);
        return 0;
}
