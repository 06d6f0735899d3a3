/* orgs.c - see orgs.h. */
#include "app/orgs.h"

#include "app/txn.h"

/* What one write does inside its transaction: add n brands or MCNs, each
 * given its id (MCNs: asked for, 0 for the next free one). */
typedef struct org_add {
    int mcn;
    pd_app_org *orgs;
    size_t n;
} org_add;

static int add_each(pd_db *db, void *ctx, pd_error *err)
{
    const org_add *o = ctx;
    int rc = PD_OK;
    for (size_t i = 0; rc == PD_OK && i < o->n; i++) {
        pd_app_org *r = &o->orgs[i];
        rc = o->mcn ? pd_db_mcn_add(db, r->id, r->name, &r->id, err)
                    : pd_db_brand_add(db, r->name, &r->id, err);
    }
    return rc;
}

/* One org of that kind, named name (and, for an MCN, asked for id *id);
 * *id gets its id. */
static int add_one(pd_store *s, int mcn, const char *name, int64_t *id, pd_error *err)
{
    pd_app_org r = {.id = mcn ? *id : 0, .name = name};
    org_add o = {.mcn = mcn, .orgs = &r, .n = 1};
    int rc = pd_app_txn(s, add_each, &o, err);
    if (rc == PD_OK)
        *id = r.id;
    return rc;
}

int pd_app_brand_add(pd_store *s, const char *name, int64_t *id, pd_error *err)
{
    return add_one(s, 0, name, id, err);
}

int pd_app_mcn_add(pd_store *s, int64_t id, const char *name, int64_t *out_id, pd_error *err)
{
    int64_t got = id;
    int rc = add_one(s, 1, name, &got, err);
    if (rc == PD_OK && out_id)
        *out_id = got;
    return rc;
}

int pd_app_mcns_add(pd_store *s, pd_app_org *mcns, size_t n, pd_error *err)
{
    org_add o = {.mcn = 1, .orgs = mcns, .n = n};
    return pd_app_txn(s, add_each, &o, err);
}

static int list(pd_store *s, int mcn, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                pd_error *err)
{
    pd_db *db;
    int rc = pd_app_read_begin(s, &db, err);
    if (rc)
        return rc;
    rc = mcn ? pd_db_mcn_list(db, each, ctx, err) : pd_db_brand_list(db, each, ctx, err);
    return pd_app_read_finish(s, db, rc);
}

int pd_app_brand_list(pd_store *s, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                      pd_error *err)
{
    return list(s, 0, each, ctx, err);
}

int pd_app_mcn_list(pd_store *s, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                    pd_error *err)
{
    return list(s, 1, each, ctx, err);
}
