/* accounts.c - see accounts.h. */
#include "api/accounts.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/views.h"
#include "auth/device.h"
#include "auth/token.h"
#include "core/instant.h"
#include "http/request.h"
#include "util/jsonw.h"

/* The token cache (app/accounts.h) over the server's page cache. */
static int cache_get(void *ctx, const void *owner, uint64_t version,
                     const uint8_t hash[PD_TOKEN_HASH_BYTES], pd_app_token_check *out)
{
    return pd_pagecache_copy(ctx, owner, version, (const char *)hash, PD_TOKEN_HASH_BYTES, out,
                             sizeof *out);
}

static void cache_put(void *ctx, const void *owner, uint64_t version,
                      const uint8_t hash[PD_TOKEN_HASH_BYTES], const pd_app_token_check *c)
{
    pd_pagecache_put(ctx, owner, version, (const char *)hash, PD_TOKEN_HASH_BYTES, (const char *)c,
                     sizeof *c);
}

/* The use cases' view of a. */
static pd_app_accounts app_of(const pd_accounts *a)
{
    pd_app_accounts app = {.store = a->store,
                           .clock = a->clock,
                           .limiter = a->limiter,
                           .cost = a->cost,
                           .token_ttl = a->token_ttl};
    if (a->tokens)
        app.cache = (pd_app_token_cache){.get = cache_get, .put = cache_put, .ctx = a->tokens};
    return app;
}

const pd_user *pd_req_user(const pd_req *req)
{
    return pd_req_principal(req);
}

/* Origin names this server: "http://" or "https://", then the Host header
 * exactly (a browser sends both for a page of ours; a page of another
 * site cannot make its Origin match our Host). */
static int same_origin(const pd_req *req)
{
    const char *origin = pd_req_header(req, "Origin");
    const char *host = pd_req_header(req, "Host");
    if (!origin || !host || !host[0])
        return 0;
    const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                             : NULL;
    return rest && strcmp(rest, host) == 0;
}

/* The value of cookie `name` in req's Cookie header, or NULL. Lives as
 * long as the request. */
static const char *cookie_value(pd_req *req, const char *name)
{
    const char *h = pd_req_header(req, "Cookie");
    size_t nlen = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == '\t' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nlen && strncmp(h, name, nlen) == 0 && h[nlen] == '=') {
            const char *v = h + nlen + 1;
            size_t vlen = len - nlen - 1;
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            return pd_req_strndup(req, v, vlen);
        }
        h = end;
    }
    return NULL;
}

const char *pd_accounts_session_cookie(pd_req *req)
{
    return cookie_value(req, PD_SESSION_COOKIE);
}

/* The read a reads_only route's handler is handed (pd_accounts_read):
 * the one the token was checked in (app/accounts.h, pd_app_read). */
static void release_read(void *p)
{
    pd_app_read_end(p);
}

int pd_accounts_read(pd_req *req, pd_db **db, uint64_t *version)
{
    const pd_app_read *h = pd_req_held(req);
    if (!h)
        return 0;
    *db = h->db;
    *version = h->version;
    return 1;
}

int pd_accounts_read_open(pd_req *req, uint64_t *version, pd_error *err)
{
    pd_app_read *h = pd_req_held(req);
    if (!h)
        return pd_error_set(err, PD_EINTERNAL, "no read is held for this request");
    return pd_app_read_open(h, version, err);
}

/* The user behind the request's bearer token or, without an Authorization
 * header, its session cookie (web pages). A request authenticated by the
 * cookie that may change something must come from one of our own pages. */
static int authenticate(pd_req *req, pd_accounts *a, const pd_route *route, pd_error *err)
{
    const char *h = pd_req_header(req, "Authorization");
    const char *cookie = h ? NULL : pd_accounts_session_cookie(req);
    if (!h && !cookie)
        return pd_error_set(err, PD_EAUTH,
                            "sign in first: send 'Authorization: Bearer <token>' with a token "
                            "from POST /api/login");
    pd_token t;
    int rc =
        h ? pd_token_parse_header(h, &t, err) : pd_token_parse(cookie, strlen(cookie), &t, err);
    if (rc)
        return rc;
    if (cookie && !pd_req_safe_method(req) && !same_origin(req)) {
        pd_token_wipe(&t);
        return pd_error_set(err, PD_EDENIED,
                            "signed in by cookie: a %s must come from a page of this site "
                            "(the Origin header is missing or names another site)",
                            pd_req_method(req));
    }
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, hash);
    pd_token_wipe(&t);
    pd_user *u = pd_req_alloc(req, sizeof *u);
    if (!u)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    /* A route that only reads gets the read transaction the token was
     * checked in: one snapshot, one connection for the whole request (a
     * kept token and a kept page may answer without touching the database
     * at all: app/accounts.h, pd_app_authenticate). */
    int keep = route->reads_only && pd_req_safe_method(req);
    pd_app_read *held = keep ? pd_req_alloc(req, sizeof *held) : NULL;
    if (keep && !held)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_app_accounts app = app_of(a);
    rc = pd_app_authenticate(&app, hash, held, u, err);
    if (keep && rc == PD_OK)
        pd_req_hold(req, held, release_read);
    if (rc == PD_ENOTFOUND)
        return pd_error_set(err, PD_EAUTH,
                            "this token is not valid (expired, signed out, or the account "
                            "is disabled): sign in again");
    if (rc)
        return rc;
    pd_req_set_principal(req, u);
    return PD_OK;
}

/* ---- creator access (CREATOR_OWNER, CREATOR_PRIVATE) ----------------------------------------
 *
 * An operator may act on any creator id, known or not: the handler then
 * answers 404 for an unknown one. Anyone else is refused with the same 403
 * whether the creator exists or not, so that probing ids tells nothing. */

int pd_access_creator_owner(const pd_user *u, int64_t creator_id)
{
    return u && (u->role == PD_ROLE_OPERATOR ||
                 (u->role == PD_ROLE_CREATOR && u->creator_id == creator_id));
}

int pd_access_mcn(const pd_user *u, int64_t mcn_id)
{
    return u && (u->role == PD_ROLE_OPERATOR ||
                 (u->role == PD_ROLE_MCN && mcn_id > 0 && u->mcn_id == mcn_id));
}

int pd_access_creator_private(pd_db *db, const pd_user *u, int64_t creator_id, int *allowed,
                              pd_error *err)
{
    *allowed = pd_access_creator_owner(u, creator_id);
    if (*allowed || !u || u->role != PD_ROLE_MCN || creator_id < 1)
        return PD_OK;
    pd_creator_rec *c = malloc(sizeof *c); /* 1.3 KiB: not on a server thread's stack */
    if (!c)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = pd_db_creator_get(db, creator_id, c, err);
    if (rc == PD_OK)
        *allowed = c->mcn_id != 0 && c->mcn_id == u->mcn_id;
    else if (rc == PD_ENOTFOUND)
        rc = PD_OK; /* not allowed, and not told */
    free(c);
    return rc;
}

/* Whether u may see creator id's private data: a lookup (app/views.h). */
struct private_check {
    const pd_user *u;
    int64_t id;
    int allowed;
};

static int check_private(void *ctx, pd_db *db, pd_error *err)
{
    struct private_check *c = ctx;
    return pd_access_creator_private(db, c->u, c->id, &c->allowed, err);
}
static int guard_creator(pd_req *req, const pd_route *route, pd_accounts *a, pd_error *err)
{
    const pd_user *u = pd_req_user(req);
    int64_t id = pd_req_param_int(req, "id");
    if (id < 0)
        return pd_error_set(err, PD_EINTERNAL, "route %s: a creator access rule needs {id:int}",
                            route->name);
    const char *refused = route->access == PD_ACCESS_CREATOR_OWNER
                              ? "only creator %lld themselves or an operator may do this"
                              : "only creator %lld themselves, their MCN or an operator may see "
                                "this";
    if (route->access == PD_ACCESS_CREATOR_OWNER)
        return pd_access_creator_owner(u, id)
                   ? PD_OK
                   : pd_error_set(err, PD_EDENIED, refused, (long long)id);
    struct private_check c = {.u = u, .id = id};
    int rc = pd_app_lookup(a->store, check_private, &c, err);
    if (rc)
        return rc;
    return c.allowed ? PD_OK : pd_error_set(err, PD_EDENIED, refused, (long long)id);
}

/* A web page asked for without a session: 303 to the sign-in page, which
 * comes back to the page (next) after signing in. */
static int redirect_to_sign_in(pd_req *req)
{
    const char *path = pd_req_safe_method(req) ? pd_req_path(req) : "";
    size_t n = strlen(path);
    char *loc = pd_req_alloc(req, 3 * n + 32);
    if (!loc)
        return PD_ENOMEM;
    static const char hex[] = "0123456789ABCDEF";
    memcpy(loc, "/login", 6);
    char *o = loc + 6;
    if (n > 0) {
        memcpy(o, "?next=", 6);
        o += 6;
        for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '/' || *p == '-' || *p == '_' || *p == '.') {
                *o++ = (char)*p;
            } else {
                *o++ = '%';
                *o++ = hex[*p >> 4];
                *o++ = hex[*p & 15];
            }
        }
    }
    *o = '\0';
    pd_req_status(req, 303);
    pd_req_content_type(req, "text/plain; charset=utf-8");
    if (pd_req_header_add(req, "Location", loc) < 0 ||
        pd_req_header_add(req, "Cache-Control", "no-store") < 0)
        return PD_EINTERNAL;
    pd_buf_puts(pd_req_out(req), "Sign in first: /login\n");
    return PD_GUARD_ANSWERED;
}

int pd_accounts_guard(pd_req *req, const pd_route *route, void *ctx, pd_error *err)
{
    pd_accounts *a = ctx;
    switch (route->access) {
    case PD_ACCESS_PUBLIC: return PD_OK;
    case PD_ACCESS_SIGNED_IN: return authenticate(req, a, route, err);
    case PD_ACCESS_OPERATOR: {
        int rc = authenticate(req, a, route, err);
        if (rc)
            return rc;
        if (pd_req_user(req)->role != PD_ROLE_OPERATOR)
            return pd_error_set(err, PD_EDENIED, "only operators may do this");
        return PD_OK;
    }
    case PD_ACCESS_PAGE: {
        int rc = authenticate(req, a, route, err);
        if (rc == PD_EAUTH) {
            rc = redirect_to_sign_in(req);
            if (rc == PD_ENOMEM)
                pd_error_set(err, PD_ENOMEM, "out of memory");
            else if (rc == PD_EINTERNAL)
                pd_error_set(err, PD_EINTERNAL, "cannot set the sign-in redirect");
        }
        return rc;
    }
    case PD_ACCESS_CREATOR_OWNER:
    case PD_ACCESS_CREATOR_PRIVATE: {
        int rc = authenticate(req, a, route, err);
        if (rc)
            return rc;
        return guard_creator(req, route, a, err);
    }
    case PD_ACCESS_MCN: {
        int rc = authenticate(req, a, route, err);
        if (rc)
            return rc;
        int64_t id = pd_req_param_int(req, "id");
        if (id < 0)
            return pd_error_set(err, PD_EINTERNAL, "route %s: the MCN access rule needs {id:int}",
                                route->name);
        return pd_access_mcn(pd_req_user(req), id)
                   ? PD_OK
                   : pd_error_set(err, PD_EDENIED,
                                  "only the managers of MCN %lld or an operator may see this",
                                  (long long)id);
    }
    default:
        return pd_error_set(err, PD_EINTERNAL, "route %s declares no access rule", route->name);
    }
}

size_t pd_accounts_guard_responses(const pd_route *r, pd_openapi_response *out, size_t max)
{
    if (r->access == PD_ACCESS_PUBLIC || max < 2)
        return 0;
    size_t n = 0;
    out[n++] = r->access == PD_ACCESS_PAGE ? (pd_openapi_response){"303", "SignInRedirect"}
                                           : (pd_openapi_response){"401", "Unauthorized"};
    int writes = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
    if (writes || r->access == PD_ACCESS_OPERATOR || r->access == PD_ACCESS_CREATOR_OWNER ||
        r->access == PD_ACCESS_CREATOR_PRIVATE || r->access == PD_ACCESS_MCN)
        out[n++] = (pd_openapi_response){"403", "Forbidden"};
    return n;
}

static void write_user(pd_jsonw *w, const pd_user *u)
{
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", u->id);
    pd_jsonw_kstr(w, "name", u->name);
    pd_jsonw_kstr(w, "role", pd_role_name(u->role));
    if (u->role == PD_ROLE_BRAND)
        pd_jsonw_kint(w, "brand_id", u->brand_id);
    if (u->role == PD_ROLE_CREATOR)
        pd_jsonw_kint(w, "creator_id", u->creator_id);
    if (u->role == PD_ROLE_MCN)
        pd_jsonw_kint(w, "mcn_id", u->mcn_id);
    pd_jsonw_obj_end(w);
}

static int login(pd_req *req, void *ctx, pd_error *err)
{
    pd_accounts *a = ctx;
    json_t *body;
    int rc = pd_req_json_body(req, &body, err);
    if (rc)
        return rc;
    static const char *const fields[] = {"name", "password", NULL};
    const char *name, *password;
    if ((rc = pd_req_json_only(body, fields, err)) ||
        (rc = pd_req_json_str(body, "name", 1, PD_NAME_MAX - 1, &name, err)) ||
        (rc = pd_req_json_str(body, "password", 1, 1024, &password, err))) {
        json_decref(body);
        return rc;
    }
    pd_user u;
    char text[PD_TOKEN_TEXT_MAX], expires[PD_INSTANT_FMT_MAX];
    int64_t expires_at = 0;
    rc = pd_accounts_sign_in(a, req, name, password, strlen(password), &u, text, &expires_at, err);
    json_decref(body); /* name and password lived in it */
    if (rc)
        return rc;
    pd_instant_format((pd_instant){.sec = expires_at, .nsec = 0}, expires);
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "token", text);
    pd_jsonw_kstr(w, "expires_at", expires);
    pd_jsonw_key(w, "user");
    write_user(w, &u);
    pd_jsonw_obj_end(w);
    memset(text, 0, sizeof text);
    return PD_OK;
}

int pd_accounts_sign_in(pd_accounts *a, pd_req *req, const char *name, const char *password,
                        size_t pwlen, pd_user *out, char text[PD_TOKEN_TEXT_MAX],
                        int64_t *expires_at, pd_error *err)
{
    pd_app_accounts app = app_of(a);
    pd_app_sign_in_req r = {.name = name,
                            .password = password,
                            .pwlen = pwlen,
                            .address = pd_req_client(req),
                            .device = cookie_value(req, PD_DEVICE_COOKIE)};
    pd_app_session *s = pd_req_alloc(req, sizeof *s);
    if (!s)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = pd_app_sign_in(&app, &r, s, err);
    if (rc == PD_EBUSY)
        pd_req_set_retry_after(req, (unsigned)s->retry_after);
    if (rc == PD_OK && s->device[0]) {
        /* A proof of this sign-in for the client to show next time; a
         * cookie that cannot be set only makes it a new client then. */
        char cookie[PD_DEVICE_TEXT_MAX + 96];
        snprintf(cookie, sizeof cookie, "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d",
                 PD_DEVICE_COOKIE, s->device, PD_DEVICE_TTL);
        (void)pd_req_header_add(req, "Set-Cookie", cookie);
        sodium_memzero(cookie, sizeof cookie);
    }
    if (rc == PD_OK) {
        *out = s->user;
        memcpy(text, s->token, PD_TOKEN_TEXT_MAX);
        *expires_at = s->expires_at;
    }
    sodium_memzero(s, sizeof *s);
    return rc;
}

static int logout(pd_req *req, void *ctx, pd_error *err)
{
    pd_accounts *a = ctx;
    pd_token t;
    /* The session the request was signed in with: the bearer token, or
     * the page's cookie (its Origin was checked by authenticate). */
    const char *h = pd_req_header(req, "Authorization");
    const char *cookie = h ? NULL : pd_accounts_session_cookie(req);
    int rc = h || !cookie ? pd_token_parse_header(h, &t, err)
                          : pd_token_parse(cookie, strlen(cookie), &t, err);
    if (rc)
        return rc;
    rc = pd_accounts_sign_out(a, &t, err);
    pd_token_wipe(&t);
    if (rc)
        return rc;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kbool(w, "signed_out", 1);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

int pd_accounts_sign_out(pd_accounts *a, const pd_token *t, pd_error *err)
{
    pd_app_accounts app = app_of(a);
    return pd_app_sign_out(&app, t, err);
}

static int me(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    write_user(pd_req_jsonw(req), pd_req_user(req));
    return PD_OK;
}

static const pd_route account_routes[] = {
    {.method = "POST",
     .pattern = "/api/login",
     .name = "accounts.login",
     .summary = "Sign in with a name and a password; returns a bearer token",
     .access = PD_ACCESS_PUBLIC,
     .handler = login,
     .sign_in = 1},
    {.method = "POST",
     .pattern = "/api/logout",
     .name = "accounts.logout",
     .summary = "Sign out: the request's token stops working",
     .access = PD_ACCESS_SIGNED_IN,
     .handler = logout},
    {.method = "GET",
     .pattern = "/api/me",
     .name = "accounts.me",
     .summary = "The signed-in user",
     .access = PD_ACCESS_SIGNED_IN,
     .handler = me,
     .quick = 1},
};

int pd_accounts_routes(pd_router *r, pd_accounts *a, pd_error *err)
{
    return pd_router_add(r, account_routes, PD_ROUTES_COUNT(account_routes), a, err);
}
