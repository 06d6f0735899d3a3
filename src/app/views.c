/* views.c - see views.h. */
#include "app/views.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Begins a read on a connection of the store's; *db NULL on error. */
static int read_open(pd_store *store, pd_db **db, pd_error *err)
{
    int rc = pd_store_acquire(store, db, err);
    if (rc) {
        *db = NULL;
        return rc;
    }
    rc = pd_db_read_begin(*db, NULL, err);
    if (rc) {
        pd_store_release(store, *db);
        *db = NULL;
    }
    return rc;
}

static void read_close(pd_store *store, pd_db *db)
{
    pd_db_read_end(db);
    pd_store_release(store, db);
}

int pd_app_discover(pd_store *store, const pd_creator_query *q,
                    int (*each)(void *ctx, const pd_creator_hit *h), void *ctx, pd_error *err)
{
    pd_app_page page = {.row = each, .ctx = ctx};
    return pd_app_discover_page(store, NULL, q, &page, err);
}

/* The page kept for (db, version), given: 1; 0 when none (or no cache). */
static int kept_page(const pd_app_page *page, pd_db *db, uint64_t version)
{
    return page->kept && page->kept(page->ctx, db, version);
}

int pd_app_discover_page(pd_store *store, pd_app_read *held, const pd_creator_query *q,
                         const pd_app_page *page, pd_error *err)
{
    pd_db *db;
    uint64_t version;
    int rc;
    if (held) {
        db = held->db;
        version = held->version;
        if (kept_page(page, db, version))
            return PD_OK;
        /* The version may only have been peeked at: read for real. */
        uint64_t peeked = version;
        if ((rc = pd_app_read_open(held, &version, err)) != PD_OK)
            return rc;
        if (version != peeked && kept_page(page, db, version))
            return PD_OK;
    } else {
        if ((rc = pd_store_acquire(store, &db, err)) != PD_OK)
            return rc;
        if ((rc = pd_db_read_begin(db, &version, err)) != PD_OK) {
            pd_store_release(store, db);
            return rc;
        }
        if (kept_page(page, db, version)) {
            read_close(store, db);
            return PD_OK;
        }
    }
    rc = pd_db_creator_search(db, q, page->row, page->ctx, err);
    if (rc == PD_OK && page->done)
        page->done(page->ctx, db, version);
    if (!held)
        read_close(store, db);
    return rc;
}

int pd_app_lookup(pd_store *store, int (*read)(void *ctx, pd_db *db, pd_error *err), void *ctx,
                  pd_error *err)
{
    pd_db *db;
    int rc = pd_store_acquire(store, &db, err);
    if (rc)
        return rc;
    rc = read(ctx, db, err);
    pd_store_release(store, db);
    return rc;
}

int pd_app_online_state(pd_store *store, pd_online_state *out, pd_error *err)
{
    pd_db *db;
    int rc = read_open(store, &db, err);
    if (rc)
        return rc;
    rc = pd_db_online_state(db, out, err);
    read_close(store, db);
    return rc;
}

static int collect_follower(void *ctx, int64_t at, uint64_t followers)
{
    pd_creator_view *v = ctx;
    if (v->nfollowers == 0)
        v->first_count_at = at;
    if (v->nfollowers ==
        PD_VIEW_FOLLOWER_POINTS) { /* keep the latest: drop every other old point */
        size_t k = 0;
        for (size_t i = 0; i < v->nfollowers; i += 2, k++) {
            v->fx[k] = v->fx[i];
            v->fy[k] = v->fy[i];
        }
        v->nfollowers = k;
    }
    v->fx[v->nfollowers] = (double)(at - v->first_count_at) / 86400.0;
    v->fy[v->nfollowers] = (double)followers;
    v->nfollowers++;
    return 0;
}

typedef struct history_ctx {
    pd_creator_view *v;
    size_t cap;
} history_ctx;

static int collect_change(void *ctx, const pd_status_change *c)
{
    history_ctx *h = ctx;
    if (h->v->nhistory < h->cap)
        h->v->history[h->v->nhistory++] = *c;
    return 0;
}

int pd_app_creator_view(pd_store *store, int64_t id, unsigned history, pd_creator_view *v,
                        pd_error *err)
{
    memset(v, 0, sizeof *v);
    if (history > PD_VIEW_HISTORY_MAX)
        history = PD_VIEW_HISTORY_MAX;
    v->fx = malloc(PD_VIEW_FOLLOWER_POINTS * sizeof *v->fx);
    v->fy = malloc(PD_VIEW_FOLLOWER_POINTS * sizeof *v->fy);
    v->history = history ? malloc(history * sizeof *v->history) : NULL;
    if (!v->fx || !v->fy || (history && !v->history))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_db *db;
    int rc = read_open(store, &db, err);
    if (rc)
        return rc;
    rc = pd_db_creator_get(db, id, &v->creator, err);
    if (rc == PD_ENOTFOUND)
        pd_error_set(err, PD_ENOTFOUND, "There is no creator %" PRId64 ".", id);
    if (rc == PD_OK)
        rc = pd_db_creator_status(db, id, &v->status, err);
    if (rc == PD_OK)
        rc = pd_db_online_state(db, &v->state, err);
    if (rc == PD_OK && v->creator.mcn_id) {
        pd_error ignored;
        v->has_mcn = pd_db_mcn_get(db, v->creator.mcn_id, &v->mcn, &ignored) == PD_OK;
    }
    if (rc == PD_OK) {
        pd_error ignored;
        v->followers_failed =
            pd_db_followers_history(db, id, collect_follower, v, &ignored) != PD_OK;
        if (history) {
            history_ctx h = {.v = v, .cap = history};
            v->history_failed =
                pd_db_status_history(db, id, 0, history, collect_change, &h, &ignored) != PD_OK;
        }
    }
    read_close(store, db);
    return rc;
}

void pd_app_creator_view_free(pd_creator_view *v)
{
    free(v->fx);
    free(v->fy);
    free(v->history);
    v->fx = v->fy = NULL;
    v->history = NULL;
}
