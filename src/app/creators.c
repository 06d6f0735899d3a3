/* creators.c - see creators.h. */
#include "app/creators.h"

#include <string.h>

#include "app/online.h"
#include "app/txn.h"

/* The creator and (st not NULL) its status, as stored now. */
static int read_back(pd_db *db, int64_t id, pd_creator_rec *out, pd_creator_status *st,
                     pd_error *err)
{
    int rc = out ? pd_db_creator_get(db, id, out, err) : PD_OK;
    if (rc == PD_OK && st)
        rc = pd_db_creator_status(db, id, st, err);
    return rc;
}

int pd_app_creator_create(pd_store *s, const pd_creator_rec *c, pd_creator_rec *out,
                          pd_creator_status *st, pd_error *err)
{
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    pd_cert_row row;
    rc = pd_db_cert_row_get(db, c->id, &row, err);
    if (rc == PD_OK)
        rc = pd_error_set(err, PD_ECONFLICT,
                          "creator %lld exists already (change it with "
                          "PATCH /api/creators/%lld)",
                          (long long)c->id, (long long)c->id);
    else if (rc == PD_ENOTFOUND)
        rc = pd_db_creator_put(db, c, pd_store_now(s), err);
    /* a new creator is judged at once */
    if (rc == PD_OK)
        rc = pd_app_online_touch(db, c->id, "followers", err);
    if (rc == PD_OK)
        rc = read_back(db, c->id, out, st, err);
    return pd_app_txn_end(s, db, rc, err);
}

int pd_app_creator_patch(pd_store *s, int64_t id, unsigned fields, const pd_creator_rec *to,
                         pd_creator_rec *out, pd_creator_status *st, pd_error *err)
{
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    rc = pd_db_creator_get(db, id, out, err);
    uint64_t followers = out->followers;
    if (rc == PD_OK) {
        if (fields & PD_PATCH_HANDLE)
            memcpy(out->handle, to->handle, sizeof out->handle);
        if (fields & PD_PATCH_CATEGORY)
            memcpy(out->category, to->category, sizeof out->category);
        if (fields & PD_PATCH_BIO)
            memcpy(out->bio, to->bio, sizeof out->bio);
        if (fields & PD_PATCH_FOLLOWERS)
            out->followers = to->followers;
        if (fields & PD_PATCH_MCN)
            out->mcn_id = to->mcn_id;
        rc = pd_db_creator_put(db, out, pd_store_now(s), err);
    }
    /* other followers: judged again */
    if (rc == PD_OK && out->followers != followers)
        rc = pd_app_online_touch(db, id, "followers", err);
    if (rc == PD_OK)
        rc = read_back(db, id, out, st, err);
    return pd_app_txn_end(s, db, rc, err);
}

int pd_app_post_publish(pd_store *s, pd_post_rec *p, pd_creator_status *st, pd_policy_rec *policy,
                        pd_error *err)
{
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    int64_t at = pd_store_now(s);
    p->published_at = (pd_instant){.sec = at, .nsec = 0};
    p->views = p->likes = p->comments = p->collects = 0;
    pd_cert_row row;
    /* the creator first: an unknown one is a 404, not a bad post */
    rc = pd_db_cert_row_get(db, p->creator_id, &row, err);
    if (rc == PD_OK)
        rc = pd_db_post_publish(db, p, err);
    if (rc == PD_OK)
        rc = pd_app_online_post_added(db, p, at, err);
    pd_creator_status local;
    if (!st)
        st = &local;
    if (rc == PD_OK)
        rc = pd_db_creator_status(db, p->creator_id, st, err);
    if (rc == PD_OK && policy) {
        memset(policy, 0, sizeof *policy);
        if (st->policy_id)
            rc = pd_db_policy_get(db, st->policy_id, policy, err);
    }
    return pd_app_txn_end(s, db, rc, err);
}

int pd_app_post_metrics(pd_store *s, int64_t id, uint64_t views, uint64_t likes, uint64_t comments,
                        uint64_t collects, pd_post_rec *after, pd_error *err)
{
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    pd_post_rec before, now;
    rc = pd_db_post_set_metrics(db, id, views, likes, comments, collects, &before, err);
    if (rc == PD_OK) {
        now = before;
        now.views = views;
        now.likes = likes;
        now.comments = comments;
        now.collects = collects;
        rc = pd_app_online_post_changed(db, &before, &now, pd_store_now(s), err);
    }
    if (rc == PD_OK && after)
        rc = pd_db_post_get(db, id, after, err);
    return pd_app_txn_end(s, db, rc, err);
}

typedef struct follower_batch {
    const pd_follower_count *c;
    size_t n;
} follower_batch;

static int record_followers(pd_db *db, void *ctx, pd_error *err)
{
    const follower_batch *b = ctx;
    int rc = PD_OK;
    for (size_t i = 0; rc == PD_OK && i < b->n; i++)
        rc = pd_db_followers_record(db, b->c[i].creator_id, b->c[i].at, b->c[i].followers, err);
    return rc;
}

int pd_app_followers_record(pd_store *s, const pd_follower_count *counts, size_t n, pd_error *err)
{
    follower_batch b = {counts, n};
    return pd_app_txn(s, record_followers, &b, err);
}
