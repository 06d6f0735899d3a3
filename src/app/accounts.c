/* accounts.c - see accounts.h. */
#include "app/accounts.h"

#include <sodium.h>
#include <string.h>

#include "app/txn.h"

/* ---- users ------------------------------------------------------------------- */

int pd_app_user_add(pd_store *s, const pd_clock *clock, pd_user *u, const char *pw, size_t len,
                    pd_pwcost cost, pd_error *err)
{
    char hash[PD_PASSWORD_HASH_MAX];
    int rc = pd_password_hash(pw, len, cost, hash, err);
    if (rc)
        return rc;
    u->created_at = pd_clock_now(clock);
    pd_db *db;
    rc = pd_app_txn_begin(s, &db, err);
    if (rc == PD_OK)
        rc = pd_app_txn_end(s, db, pd_db_user_add(db, u, hash, err), err);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int pd_app_user_set_disabled(pd_store *s, const char *name, int disabled, pd_error *err)
{
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    return pd_app_txn_end(s, db, pd_db_user_set_disabled(db, name, disabled, err), err);
}

int pd_app_user_list(pd_store *s, int (*each)(void *ctx, const pd_user *u), void *ctx,
                     pd_error *err)
{
    pd_db *db;
    int rc = pd_app_read_begin(s, &db, err);
    if (rc)
        return rc;
    return pd_app_read_finish(s, db, pd_db_user_list(db, each, ctx, err));
}

/* ---- signing in and out -------------------------------------------------------- */

/* The identity of device proof `proof` for `name`, into id: 1 when it is
 * good, else 0 (no key yet, a proof for another account, expired, forged);
 * -1 when the store fails. */
static int shown_device(pd_db *db, const char *name, const char *proof, int64_t now,
                        uint8_t id[PD_DEVICE_ID_BYTES], pd_error *err)
{
    uint8_t key[PD_DEVICE_KEY_BYTES];
    int rc = pd_db_server_key(db, PD_DEVICE_KEY_NAME, NULL, sizeof key, key, err);
    int good = rc == PD_OK && pd_device_verify(key, name, proof, strlen(proof), now, id);
    sodium_memzero(key, sizeof key);
    return rc == PD_OK || rc == PD_ENOTFOUND ? good : -1;
}

/* A new device proof for `name` into text (the key made and stored at the
 * first sign-in ever). */
static int new_device(pd_db *db, const char *name, int64_t now, char text[PD_DEVICE_TEXT_MAX],
                      pd_error *err)
{
    uint8_t fresh[PD_DEVICE_KEY_BYTES], key[PD_DEVICE_KEY_BYTES];
    randombytes_buf(fresh, sizeof fresh);
    int rc = pd_db_server_key(db, PD_DEVICE_KEY_NAME, fresh, sizeof key, key, err);
    if (rc == PD_OK)
        rc = pd_device_issue(key, name, now, text, err);
    sodium_memzero(fresh, sizeof fresh);
    sodium_memzero(key, sizeof key);
    return rc;
}

/* The password check: the user of that name, verified, and enabled. */
static int check_password(pd_app_accounts *a, pd_db *db, const pd_app_sign_in_req *r, pd_user *u,
                          pd_error *err)
{
    char hash[PD_HASH_MAX];
    int rc = pd_db_user_by_name(db, r->name, u, hash, err);
    if (rc == PD_ENOTFOUND) {
        /* as slow as a real check, so that timing does not tell names */
        pd_password_verify_absent(r->password, r->pwlen, a->cost, err);
        rc = PD_EAUTH;
    } else if (rc == PD_OK) {
        rc = pd_password_verify(hash, r->password, r->pwlen, err);
    }
    sodium_memzero(hash, sizeof hash);
    if (rc == PD_EAUTH)
        return pd_error_set(err, PD_EAUTH, "wrong name or password");
    if (rc == PD_OK && u->disabled)
        return pd_error_set(err, PD_EAUTH, "this account is disabled: ask an operator");
    return rc;
}

int pd_app_sign_in(pd_app_accounts *a, const pd_app_sign_in_req *r, pd_app_session *out,
                   pd_error *err)
{
    int64_t now = pd_clock_now(a->clock);
    memset(out, 0, sizeof *out);
    if (!a->limiter)
        return pd_error_set(err, PD_EINTERNAL, "signing in needs a rate limiter");
    pd_db *db;
    int rc = pd_store_acquire(a->store, &db, err);
    if (rc)
        return rc;
    uint8_t device[PD_DEVICE_ID_BYTES];
    int shown = r->device ? shown_device(db, r->name, r->device, now, device, err) : 0;
    pd_ratelimit_who who = {
        .account = r->name, .address = r->address, .device = shown == 1 ? device : NULL};
    int64_t wait = 0;
    rc = shown < 0 ? (int)err->code : pd_ratelimit_check(a->limiter, &who, now, &wait, err);
    if (rc == PD_EBUSY)
        out->retry_after = wait > 0 ? wait : 1;
    if (rc == PD_OK)
        rc = check_password(a, db, r, &out->user, err);
    if (rc == PD_OK)
        pd_ratelimit_success(a->limiter, &who, now);
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
        rc = pd_app_txn_settle(db, pd_db_token_add(db, th, out->user.id, now + ttl, err), err);
    /* A proof of this sign-in for the client to show next time (a new one
     * each time: it is good for PD_DEVICE_TTL from now). Without one (the
     * database busy storing the first key, say) the sign-in still stands:
     * the client is only counted as a new one next time. */
    pd_error ignored;
    if (rc == PD_OK && new_device(db, out->user.name, now, out->device, &ignored) != PD_OK)
        out->device[0] = '\0';
    pd_store_release(a->store, db);
    if (rc) {
        pd_token_wipe(&t);
        sodium_memzero(out, sizeof *out);
        return rc;
    }
    pd_token_format(&t, out->token);
    pd_token_wipe(&t);
    out->expires_at = now + ttl;
    return PD_OK;
}

int pd_app_sign_out(pd_app_accounts *a, const pd_token *t, pd_error *err)
{
    uint8_t hash[PD_TOKEN_HASH_BYTES];
    pd_token_hash(t, hash);
    pd_db *db;
    int rc = pd_app_txn_begin(a->store, &db, err);
    if (rc)
        return rc;
    return pd_app_txn_end(a->store, db, pd_db_token_delete(db, hash, err), err);
}

/* ---- the token check ------------------------------------------------------------ */

/* The user of a token. With a version (not NULL), the answer is looked up
 * in, and kept in, the cache: the same token at the same version of the
 * data (no login, logout, disabling or any other write since) has the same
 * user, and is only checked against the clock again. The version may be
 * one only peeked at (*open 0, nothing open): a token not kept under it is
 * read in a read transaction begun here, whose version replaces it.
 * Without a version, the token is read in no transaction. */
static int check_token(pd_app_accounts *a, pd_db *db, int64_t now, uint64_t *version, int *open,
                       const uint8_t hash[PD_TOKEN_HASH_BYTES], pd_user *u, pd_error *err)
{
    pd_app_token_check tc;
    int cached = version && a->cache.get;
    for (;;) {
        if (cached && a->cache.get(a->cache.ctx, db, *version, hash, &tc)) {
            if (tc.expires_at <= now)
                return pd_error_set(err, PD_ENOTFOUND, "unknown or expired token");
            *u = tc.u;
            return PD_OK;
        }
        if (!version || *open)
            break;
        int rc = pd_db_read_begin(db, version, err);
        if (rc)
            return rc;
        *open = 1;
    }
    int rc = pd_db_token_user(db, hash, now, u, &tc.expires_at, err);
    if (rc == PD_OK && cached && a->cache.put) {
        tc.u = *u;
        a->cache.put(a->cache.ctx, db, *version, hash, &tc);
    }
    return rc;
}

int pd_app_authenticate(pd_app_accounts *a, const uint8_t hash[PD_TOKEN_HASH_BYTES],
                        pd_app_read *keep, pd_user *u, pd_error *err)
{
    int64_t now = pd_clock_now(a->clock);
    pd_db *db;
    int rc = pd_store_acquire(a->store, &db, err);
    if (rc)
        return rc;
    /* A kept read: when nothing has been committed since the connection's
     * last read, its version is known without one (pd_db_read_peek): a kept
     * token (and the handler's kept page) then answer without touching the
     * database at all. */
    uint64_t version = 0;
    int open = 0;
    if (keep && !pd_db_read_peek(db, &version)) {
        if ((rc = pd_db_read_begin(db, &version, err)) != PD_OK) {
            pd_store_release(a->store, db);
            return rc;
        }
        open = 1;
    }
    rc = check_token(a, db, now, keep ? &version : NULL, &open, hash, u, err);
    if (keep && rc == PD_OK) {
        *keep = (pd_app_read){.store = a->store, .db = db, .version = version, .open = open};
        return PD_OK;
    }
    if (keep)
        pd_db_read_end(db);
    pd_store_release(a->store, db);
    return rc;
}

int pd_app_read_open(pd_app_read *r, uint64_t *version, pd_error *err)
{
    if (!r->open) {
        int rc = pd_db_read_begin(r->db, &r->version, err);
        if (rc)
            return rc;
        r->open = 1;
    }
    *version = r->version;
    return PD_OK;
}

void pd_app_read_end(pd_app_read *r)
{
    pd_db_read_end(r->db);
    pd_store_release(r->store, r->db);
}
