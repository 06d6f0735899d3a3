/* orgs.c - see orgs.h. */
#include "app/orgs.h"

/* What one write does inside its transaction. */
typedef struct org_add {
    int mcn;
    const char *name;
    int64_t id; /* asked for (MCNs; 0: the next free one), then given */
} org_add;

static int add(pd_store *s, org_add *o, pd_error *err)
{
    pd_db *db;
    int rc = pd_store_acquire(s, &db, err);
    if (rc)
        return rc;
    rc = pd_db_begin(db, err);
    if (rc == PD_OK) {
        rc = o->mcn ? pd_db_mcn_add(db, o->id, o->name, &o->id, err)
                    : pd_db_brand_add(db, o->name, &o->id, err);
        if (rc == PD_OK)
            rc = pd_db_commit(db, err);
        if (rc != PD_OK)
            pd_db_rollback(db);
    }
    pd_store_release(s, db);
    return rc;
}

int pd_app_brand_add(pd_store *s, const char *name, int64_t *id, pd_error *err)
{
    org_add o = {.mcn = 0, .name = name, .id = 0};
    int rc = add(s, &o, err);
    if (rc == PD_OK)
        *id = o.id;
    return rc;
}

int pd_app_mcn_add(pd_store *s, int64_t id, const char *name, int64_t *out_id, pd_error *err)
{
    org_add o = {.mcn = 1, .name = name, .id = id};
    int rc = add(s, &o, err);
    if (rc == PD_OK)
        *out_id = o.id;
    return rc;
}

static int list(pd_store *s, int mcn, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                pd_error *err)
{
    pd_db *db;
    int rc = pd_store_acquire(s, &db, err);
    if (rc)
        return rc;
    rc = pd_db_read_begin(db, NULL, err);
    if (rc == PD_OK) {
        rc = mcn ? pd_db_mcn_list(db, each, ctx, err) : pd_db_brand_list(db, each, ctx, err);
        pd_db_read_end(db);
    }
    pd_store_release(s, db);
    return rc;
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
