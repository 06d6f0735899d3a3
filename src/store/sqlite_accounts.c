/* sqlite_accounts.c - the SQLite backend's accounts (users, tokens, the
 * server's keys) and organisations (brands, MCNs). See sqlite.c. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/sqlite_int.h"

#define USER_NCOLS 9 /* the columns of USER_COLS (sqlite.c) */

/* ---- accounts ----------------------------------------------------------------------- */

static void read_user(sqlite3_stmt *st, pd_user *u, char *hash)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    sq_col_text(st, 1, u->name, sizeof u->name);
    char role[16];
    sq_col_text(st, 2, role, sizeof role);
    pd_role r = 0;
    pd_role_from_name(role, &r);
    u->role = r;
    u->brand_id = sqlite3_column_int64(st, 3);
    u->creator_id = sqlite3_column_int64(st, 4);
    u->mcn_id = sqlite3_column_int64(st, 5);
    u->disabled = sqlite3_column_int(st, 6);
    u->created_at = sqlite3_column_int64(st, 7);
    if (hash)
        sq_col_text(st, 8, hash, PD_HASH_MAX);
}

/* Runs a query of one user (by name, id or token); PD_ENOTFOUND when none.
 * next (when not NULL) gets the integer column after USER_COLS (a token's
 * expiry). */
static int one_user(sq_db *d, sqlite3_stmt *st, pd_user *u, char *hash, int64_t *next,
                    pd_error *err, const char *what)
{
    int out = sq_step_one(d, st, "reading users", err);
    if (out == PD_OK) {
        read_user(st, u, hash);
        if (next)
            *next = sqlite3_column_int64(st, USER_NCOLS);
    } else if (out == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "%s", what);
    sq_done(st);
    return out;
}

/* PD_EINPUT unless a row of that id exists in the table `id_st` reads. */
static int must_exist(sq_db *d, enum st id_st, int64_t id, const char *what, pd_error *err)
{
    int yes = 0;
    int rc = sq_exists(d, id_st, id, &yes, err);
    if (rc == PD_OK && !yes)
        rc = pd_error_set(err, PD_EINPUT, "no %s with id %lld", what, (long long)id);
    return rc;
}

int sq_user_add(pd_db *pdb, pd_user *u, const char *hash, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    if (u->brand_id)
        rc = must_exist(d, ST_BRAND_EXISTS, u->brand_id, "brand", err);
    if (rc == PD_OK && u->creator_id)
        rc = must_exist(d, ST_CREATOR_EXISTS, u->creator_id, "creator", err);
    if (rc == PD_OK && u->mcn_id) {
        sqlite3_stmt *st = sq_stmt(d, ST_MCN_NAME, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_int64(st, 1, u->mcn_id);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE)
            rc = pd_error_set(err, PD_EINPUT, "no MCN with id %lld", (long long)u->mcn_id);
        else if (r != SQLITE_ROW)
            rc = sq_fail(d->db, r, err, "reading MCNs");
        sq_done(st);
    }
    if (rc == PD_OK) {
        sqlite3_stmt *st = sq_stmt(d, ST_USER_ADD, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        int64_t at = sq_now_s(d->s);
        sq_bind_text(st, 1, u->name);
        sq_bind_text(st, 2, pd_role_name(u->role));
        sq_bind_link(st, 3, u->brand_id);
        sq_bind_link(st, 4, u->creator_id);
        sq_bind_link(st, 5, u->mcn_id);
        sq_bind_text(st, 6, hash);
        sqlite3_bind_int(st, 7, u->disabled ? 1 : 0);
        sqlite3_bind_int64(st, 8, at);
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            u->id = sqlite3_last_insert_rowid(d->db);
            u->created_at = at;
            u->disabled = u->disabled ? 1 : 0;
        } else if ((sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_UNIQUE)) {
            rc = pd_error_set(err, PD_ECONFLICT, "a user named '%s' exists already", u->name);
        } else {
            rc = sq_fail(d->db, r, err, "adding a user");
        }
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}

int sq_user_by_name(pd_db *pdb, const char *name, pd_user *u, char hash[PD_HASH_MAX], pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_USER_BY_NAME, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    char what[PD_NAME_MAX + 32];
    snprintf(what, sizeof what, "no user named '%s'", name);
    return one_user(d, st, u, hash, NULL, err, what);
}

int sq_user_by_id(pd_db *pdb, int64_t id, pd_user *u, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_USER_BY_ID, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    char what[48];
    snprintf(what, sizeof what, "no user with id %lld", (long long)id);
    return one_user(d, st, u, NULL, NULL, err, what);
}

int sq_user_list(pd_db *pdb, int (*each)(void *ctx, const pd_user *u), void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_USER_LIST, err);
    if (!st)
        return err->code;
    int rc, out = PD_OK;
    pd_user u;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_user(st, &u, NULL);
        if ((out = each(ctx, &u)) != 0)
            break;
    }
    if (out == PD_OK && rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "listing users");
    sq_done(st);
    return out;
}

int sq_user_set_disabled(pd_db *pdb, const char *name, int disabled, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_USER_SET_DISABLED, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    sqlite3_bind_int(st, 2, disabled ? 1 : 0);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "updating a user");
    else if (sqlite3_changes(d->db) == 0)
        out = pd_error_set(err, PD_ENOTFOUND, "no user named '%s'", name);
    sq_done(st);
    return out;
}

int sq_token_add(pd_db *pdb, const uint8_t hash[32], int64_t user_id, int64_t expires_at,
                 pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    rc = must_exist(d, ST_USER_EXISTS, user_id, "user", err);
    if (rc == PD_OK) {
        sqlite3_stmt *st = sq_stmt(d, ST_TOKEN_ADD, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, user_id);
        sqlite3_bind_int64(st, 3, expires_at);
        sqlite3_bind_int64(st, 4, sq_now_s(d->s));
        int r = sqlite3_step(st);
        if (r != SQLITE_DONE)
            rc = sq_fail(d->db, r, err, "adding a token");
        if (rc == PD_ECONFLICT)
            pd_error_set(err, PD_ECONFLICT, "that token exists already");
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}

int sq_token_user(pd_db *pdb, const uint8_t hash[32], int64_t now, pd_user *u, int64_t *expires_at,
                  pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_TOKEN_USER, err);
    if (!st)
        return err->code;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return one_user(d, st, u, NULL, expires_at, err, "unknown or expired token");
}

int sq_token_delete(pd_db *pdb, const uint8_t hash[32], pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_TOKEN_DELETE, err);
    if (!st)
        return err->code;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "deleting a token");
    else if (sqlite3_changes(d->db) == 0)
        out = pd_error_set(err, PD_ENOTFOUND, "unknown token");
    sq_done(st);
    return out;
}

int sq_token_purge(pd_db *pdb, int64_t now, int64_t *n, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_TOKEN_PURGE, err);
    if (!st)
        return err->code;
    sqlite3_bind_int64(st, 1, now);
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, "purging tokens");
    else if (n)
        *n = sqlite3_changes64(d->db);
    sq_done(st);
    return out;
}

/* ---- brands and MCNs -------------------------------------------------------------- */

/* The key named `name` into out (at most 64 bytes), PD_ENOTFOUND when none. */
static int key_get(sq_db *d, const char *name, uint8_t *out, size_t *len, pd_error *err)
{
    sqlite3_stmt *st = sq_stmt(d, ST_KEY_GET, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    int rc = sq_step_one(d, st, "reading a server key", err);
    if (rc == PD_OK) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *len = n < 64 ? n : 64;
        memcpy(out, sqlite3_column_blob(st, 0), *len);
    } else if (rc == PD_ENOTFOUND) {
        pd_error_set(err, PD_ENOTFOUND, "no server key named %s", name);
    }
    sq_done(st);
    return rc;
}

int sq_server_key(pd_db *pdb, const char *name, const uint8_t *fresh, size_t fresh_len,
                  uint8_t *out, size_t *len, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = key_get(d, name, out, len, err);
    if (rc != PD_ENOTFOUND || !fresh)
        return rc;
    /* Stored if still absent, then read: two processes (or threads) making
     * the first key at once end with the same one. */
    if ((rc = sq_call_begin(d, err)) != PD_OK)
        return rc;
    sqlite3_stmt *st = sq_stmt(d, ST_KEY_ADD, err);
    if (!st)
        return sq_call_end(d, err->code, err);
    sq_bind_text(st, 1, name);
    sqlite3_bind_blob(st, 2, fresh, (int)fresh_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, sq_now_s(d->s));
    int r = sqlite3_step(st);
    if (r != SQLITE_DONE)
        rc = sq_fail(d->db, r, err, "storing a server key");
    sq_done(st);
    if (rc == PD_OK)
        rc = key_get(d, name, out, len, err);
    return sq_call_end(d, rc, err);
}

int sq_brand_add(pd_db *pdb, const char *name, int64_t *id, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, ST_BRAND_ADD, err);
    if (!st)
        return err->code;
    sq_bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, sq_now_s(d->s));
    int rc = sqlite3_step(st);
    int out = PD_OK;
    if (rc == SQLITE_DONE) {
        if (id)
            *id = sqlite3_last_insert_rowid(d->db);
    } else if (sqlite3_extended_errcode(d->db) == SQLITE_CONSTRAINT_UNIQUE) {
        out = pd_error_set(err, PD_ECONFLICT, "a brand named '%s' exists already", name);
    } else {
        out = sq_fail(d->db, rc, err, "adding a brand");
    }
    sq_done(st);
    return out;
}

int sq_org_list(pd_db *pdb, int mcns, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    sqlite3_stmt *st = sq_stmt(d, mcns ? ST_MCN_LIST : ST_BRAND_LIST, err);
    if (!st)
        return err->code;
    int rc, out = PD_OK;
    pd_org_rec o;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        o.id = sqlite3_column_int64(st, 0);
        sq_col_text(st, 1, o.name, sizeof o.name);
        o.created_at = sqlite3_column_int64(st, 2);
        o.members = (uint64_t)sqlite3_column_int64(st, 3);
        if ((out = each(ctx, &o)) != 0)
            break;
    }
    if (out == PD_OK && rc != SQLITE_DONE)
        out = sq_fail(d->db, rc, err, mcns ? "listing MCNs" : "listing brands");
    sq_done(st);
    return out;
}

int sq_mcn_add(pd_db *pdb, int64_t id, const char *name, int64_t *out_id, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = sq_call_begin(d, err);
    if (rc)
        return rc;
    if (id) {
        sqlite3_stmt *st = sq_stmt(d, ST_MCN_NAME, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sqlite3_bind_int64(st, 1, id);
        int r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            char have[PD_NAME_MAX];
            sq_col_text(st, 0, have, sizeof have);
            rc = strcmp(have, name) == 0
                     ? -1 /* there already: done */
                     : pd_error_set(err, PD_ECONFLICT, "MCN %lld exists already as '%s'",
                                    (long long)id, have);
        } else if (r != SQLITE_DONE) {
            rc = sq_fail(d->db, r, err, "reading MCNs");
        }
        sq_done(st);
        if (rc == -1) {
            if (out_id)
                *out_id = id;
            return sq_call_end(d, PD_OK, err);
        }
    }
    if (rc == PD_OK) {
        sqlite3_stmt *st = sq_stmt(d, ST_MCN_ADD, err);
        if (!st)
            return sq_call_end(d, err->code, err);
        sq_bind_link(st, 1, id);
        sq_bind_text(st, 2, name);
        sqlite3_bind_int64(st, 3, sq_now_s(d->s));
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE) {
            if (out_id)
                *out_id = sqlite3_last_insert_rowid(d->db);
        } else {
            rc = sq_fail(d->db, r, err, "adding an MCN");
        }
        sq_done(st);
    }
    return sq_call_end(d, rc, err);
}
