/* accounts.c - see accounts.h. */
#include "http/accounts.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

#include "auth/token.h"
#include "core/instant.h"
#include "http/request.h"
#include "util/jsonw.h"

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

const pd_user *pd_req_user(const pd_req *req)
{
    return pd_req_principal(req);
}

/* The user behind the request's bearer token. */
static int authenticate(pd_req *req, pd_accounts *a, pd_error *err)
{
    const char *h = pd_req_header(req, "Authorization");
    if (!h)
        return pd_error_set(err, PD_EAUTH,
                            "sign in first: send 'Authorization: Bearer <token>' with a token "
                            "from POST /api/login");
    pd_token t;
    int rc = pd_token_parse_header(h, &t, err);
    if (rc)
        return rc;
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, hash);
    pd_token_wipe(&t);
    pd_user *u = pd_req_alloc(req, sizeof *u);
    if (!u)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_db *db;
    if ((rc = pd_store_acquire(a->store, &db, err)))
        return rc;
    rc = pd_db_token_user(db, hash, now_s(), u, err);
    pd_store_release(a->store, db);
    if (rc == PD_ENOTFOUND)
        return pd_error_set(err, PD_EAUTH,
                            "this token is not valid (expired, signed out, or the account "
                            "is disabled): sign in again");
    if (rc)
        return rc;
    pd_req_set_principal(req, u);
    return PD_OK;
}

int pd_accounts_guard(pd_req *req, const pd_route *route, void *ctx, pd_error *err)
{
    pd_accounts *a = ctx;
    switch (route->access) {
    case PD_ACCESS_PUBLIC:
        return PD_OK;
    case PD_ACCESS_SIGNED_IN:
        return authenticate(req, a, err);
    case PD_ACCESS_OPERATOR: {
        int rc = authenticate(req, a, err);
        if (rc)
            return rc;
        if (pd_req_user(req)->role != PD_ROLE_OPERATOR)
            return pd_error_set(err, PD_EDENIED, "only operators may do this");
        return PD_OK;
    }
    default:
        return pd_error_set(err, PD_EINTERNAL, "route %s declares no access rule",
                            route->name);
    }
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
    size_t pwlen = strlen(password);
    int64_t now = now_s();
    int64_t wait = 0;
    rc = pd_ratelimit_check(a->limiter, name, pd_req_client(req), now, &wait, err);
    if (rc) {
        if (rc == PD_EBUSY)
            pd_req_set_retry_after(req, wait > 0 ? (unsigned)wait : 1);
        json_decref(body);
        return rc;
    }

    pd_user u;
    char hash[PD_HASH_MAX];
    pd_db *db;
    if ((rc = pd_store_acquire(a->store, &db, err))) {
        json_decref(body);
        return rc;
    }
    rc = pd_db_user_by_name(db, name, &u, hash, err);
    if (rc == PD_ENOTFOUND) {
        /* as slow as a real check, so that timing does not tell names */
        pd_password_verify_absent(password, pwlen, a->cost, err);
        rc = PD_EAUTH;
    } else if (rc == PD_OK) {
        rc = pd_password_verify(hash, password, pwlen, err);
    }
    if (rc == PD_EAUTH)
        rc = pd_error_set(err, PD_EAUTH, "wrong name or password");
    else if (rc == PD_OK && u.disabled)
        rc = pd_error_set(err, PD_EAUTH, "this account is disabled: ask an operator");
    if (rc == PD_OK)
        pd_ratelimit_success(a->limiter, name, pd_req_client(req), now);
    json_decref(body); /* name and password lived in it */
    if (rc) {
        pd_store_release(a->store, db);
        return rc;
    }

    pd_token t;
    uint8_t th[PD_TOKEN_HASH_BYTES];
    int64_t ttl = a->token_ttl ? a->token_ttl : PD_TOKEN_TTL_DEFAULT;
    if ((rc = pd_token_new(&t, err))) {
        pd_store_release(a->store, db);
        return rc;
    }
    pd_token_hash(&t, th);
    rc = pd_db_begin(db, err);
    if (rc == PD_OK)
        rc = pd_db_token_add(db, th, u.id, now + ttl, err);
    if (rc == PD_OK)
        rc = pd_db_commit(db, err);
    else
        pd_db_rollback(db);
    pd_store_release(a->store, db);
    if (rc) {
        pd_token_wipe(&t);
        return rc;
    }
    char text[PD_TOKEN_TEXT_MAX], expires[PD_INSTANT_FMT_MAX];
    pd_token_format(&t, text);
    pd_token_wipe(&t);
    pd_instant_format((pd_instant){.sec = now + ttl, .nsec = 0}, expires);
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

static int logout(pd_req *req, void *ctx, pd_error *err)
{
    pd_accounts *a = ctx;
    pd_token t;
    int rc = pd_token_parse_header(pd_req_header(req, "Authorization"), &t, err);
    if (rc)
        return rc;
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, hash);
    pd_token_wipe(&t);
    pd_db *db;
    if ((rc = pd_store_acquire(a->store, &db, err)))
        return rc;
    rc = pd_db_begin(db, err);
    if (rc == PD_OK)
        rc = pd_db_token_delete(db, hash, err);
    if (rc == PD_OK)
        rc = pd_db_commit(db, err);
    else
        pd_db_rollback(db);
    pd_store_release(a->store, db);
    if (rc)
        return rc;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kbool(w, "signed_out", 1);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

static int me(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    write_user(pd_req_jsonw(req), pd_req_user(req));
    return PD_OK;
}

static const pd_route account_routes[] = {
    {.method = "POST", .pattern = "/api/login", .name = "accounts.login",
     .summary = "Sign in with a name and a password; returns a bearer token",
     .access = PD_ACCESS_PUBLIC, .handler = login},
    {.method = "POST", .pattern = "/api/logout", .name = "accounts.logout",
     .summary = "Sign out: the request's token stops working",
     .access = PD_ACCESS_SIGNED_IN, .handler = logout},
    {.method = "GET", .pattern = "/api/me", .name = "accounts.me",
     .summary = "The signed-in user", .access = PD_ACCESS_SIGNED_IN, .handler = me},
};

int pd_accounts_routes(pd_router *r, pd_accounts *a, pd_error *err)
{
    return pd_router_add(r, account_routes, PD_ROUTES_COUNT(account_routes), a, err);
}
