/*
 * accounts.h - the use cases of accounts: adding a user, disabling and
 * enabling one, listing them, signing in and out, and finding the user of
 * a bearer token (what the HTTP guard asks on every request).
 *
 * Each function owns its transaction (acquires a store connection, begins,
 * commits or rolls back, releases) and its clock reading: the time it
 * decides by (token expiry, rate-limit windows, device proofs, created_at)
 * is read once from the clock it is given (util/clock.h), never from the
 * system. The HTTP routes (api/accounts.c), the sign-in page and the CLI
 * (`partnerd user`) only parse, call these, and answer.
 *
 * Memory: a pd_app_accounts is owned by the caller and borrows the store,
 * the clock, the limiter and the token cache, which must outlive it. Users,
 * tokens and proofs come back in caller storage; tokens and proofs are
 * secrets to wipe when done (pd_token_wipe, sodium_memzero).
 */
#ifndef PD_APP_ACCOUNTS_H
#define PD_APP_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "auth/device.h"
#include "auth/password.h"
#include "auth/ratelimit.h"
#include "auth/token.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"

#define PD_TOKEN_TTL_DEFAULT (7 * 24 * 3600) /* seconds a token works */

/* What the token cache keeps for a token hash: its user and expiry. */
typedef struct pd_app_token_check {
    pd_user u;
    int64_t expires_at;
} pd_app_token_check;

/* A cache of token checks, kept per (connection, version of the data): the
 * same token at the same version has the same user, so only the clock is
 * asked again. The server gives one over its page cache (api/accounts.c);
 * get NULL: no cache. get answers 1 and fills *out when it keeps one. */
typedef struct pd_app_token_cache {
    int (*get)(void *ctx, const void *owner, uint64_t version,
               const uint8_t hash[PD_TOKEN_HASH_BYTES], pd_app_token_check *out);
    void (*put)(void *ctx, const void *owner, uint64_t version,
                const uint8_t hash[PD_TOKEN_HASH_BYTES], const pd_app_token_check *c);
    void *ctx;
} pd_app_token_cache;

typedef struct pd_app_accounts {
    pd_store *store;
    const pd_clock *clock;    /* NULL: the system clock                        */
    pd_ratelimit *limiter;    /* sign-in attempts; required by pd_app_sign_in */
    pd_pwcost cost;           /* for hashing on behalf of missing users       */
    int64_t token_ttl;        /* seconds; 0: PD_TOKEN_TTL_DEFAULT             */
    pd_app_token_cache cache; /* token checks; get NULL: none                 */
} pd_app_accounts;

/* ---- users --------------------------------------------------------------- */

/* Adds user u (name, role and its link set by the caller) with password pw
 * (len bytes), hashed at `cost` by auth/password.h; u->created_at is the
 * clock's now and u->id is set. PD_EINPUT when the password breaks the
 * policy or the link names nothing; PD_ECONFLICT when the name is taken. */
int pd_app_user_add(pd_store *s, const pd_clock *clock, pd_user *u, const char *pw, size_t len,
                    pd_pwcost cost, pd_error *err);

/* Disables (1) or enables (0) the user of that name; a disabled user's
 * tokens stop working at once. PD_ENOTFOUND for an unknown name. */
int pd_app_user_set_disabled(pd_store *s, const char *name, int disabled, pd_error *err);

/* Every user in name order, read in one read transaction; stops when each
 * returns non-zero (and returns that value). */
int pd_app_user_list(pd_store *s, int (*each)(void *ctx, const pd_user *u), void *ctx,
                     pd_error *err);

/* ---- sessions ------------------------------------------------------------ */

/* Who signs in, and from where. */
typedef struct pd_app_sign_in_req {
    const char *name;
    const char *password;
    size_t pwlen;
    const char *address; /* the client's address, for the rate limits         */
    const char *device;  /* the device proof the client shows, or NULL         */
} pd_app_sign_in_req;

typedef struct pd_app_session {
    pd_user user;
    char token[PD_TOKEN_TEXT_MAX];   /* a secret: wipe it when done            */
    int64_t expires_at;              /* when the token stops working          */
    char device[PD_DEVICE_TEXT_MAX]; /* a new device proof, or "" (secret)    */
    int64_t retry_after;             /* on PD_EBUSY: seconds to wait (>= 1)   */
} pd_app_session;

/* Signs r->name in: the rate limits (per account and address, per account,
 * per address, or per device proof for a client showing a good one:
 * docs/internals/sign-in.md), the password check (as slow for a name that
 * does not exist), then a new token stored for the ttl, and a new device
 * proof. PD_OK with *out filled; PD_EAUTH ("wrong name or password", or a
 * disabled account); PD_EBUSY when the limits say wait (out->retry_after);
 * store errors otherwise. */
int pd_app_sign_in(pd_app_accounts *a, const pd_app_sign_in_req *r, pd_app_session *out,
                   pd_error *err);

/* Ends the session of token t: it stops working at once. */
int pd_app_sign_out(pd_app_accounts *a, const pd_token *t, pd_error *err);

/* A read held after pd_app_authenticate for the request's handler: one
 * connection, and the version of the data the token was checked at. The
 * version may only have been peeked at (open 0, nothing open): it names the
 * current data, good for finding a kept page; pd_app_read_open begins the
 * read before the store is read. */
typedef struct pd_app_read {
    pd_store *store;
    pd_db *db;
    uint64_t version;
    int open; /* a read transaction is open (else the version was peeked) */
} pd_app_read;

/* The user of the token whose hash is given, checked against the clock.
 * With keep (not NULL), the check is made in a read that stays held in
 * *keep on success, for the caller to read on and end with
 * pd_app_read_end; the cache is asked first (no database touched at all
 * when the data is unchanged since the connection's last read). Without
 * keep, nothing is held. PD_ENOTFOUND for an unknown, expired or signed-out
 * token or a disabled user; store errors otherwise. */
int pd_app_authenticate(pd_app_accounts *a, const uint8_t hash[PD_TOKEN_HASH_BYTES],
                        pd_app_read *keep, pd_user *u, pd_error *err);

/* Begins the held read if only peeked at; *version gets its version. */
int pd_app_read_open(pd_app_read *r, uint64_t *version, pd_error *err);

/* Ends the held read and gives the connection back. */
void pd_app_read_end(pd_app_read *r);

#endif
