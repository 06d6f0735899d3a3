/* txn.c - see txn.h. */
#include "app/txn.h"

int pd_app_txn_begin(pd_store *s, pd_db **db, pd_error *err)
{
    int rc = pd_store_acquire(s, db, err);
    if (rc != PD_OK)
        return rc;
    if ((rc = pd_db_begin(*db, err)) != PD_OK)
        pd_store_release(s, *db);
    return rc;
}

int pd_app_txn_settle(pd_db *db, int rc, pd_error *err)
{
    if (rc == PD_OK)
        rc = pd_db_commit(db, err);
    if (rc != PD_OK)
        pd_db_rollback(db); /* safe when the failed commit closed it */
    return rc;
}

int pd_app_txn_end(pd_store *s, pd_db *db, int rc, pd_error *err)
{
    rc = pd_app_txn_settle(db, rc, err);
    pd_store_release(s, db);
    return rc;
}

int pd_app_txn(pd_store *s, pd_app_txn_fn fn, void *ctx, pd_error *err)
{
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc != PD_OK)
        return rc;
    return pd_app_txn_end(s, db, fn(db, ctx, err), err);
}

int pd_app_read_begin(pd_store *s, pd_db **db, pd_error *err)
{
    int rc = pd_store_acquire(s, db, err);
    if (rc != PD_OK)
        return rc;
    if ((rc = pd_db_read_begin(*db, NULL, err)) != PD_OK)
        pd_store_release(s, *db);
    return rc;
}

int pd_app_read_finish(pd_store *s, pd_db *db, int rc)
{
    pd_db_read_end(db);
    pd_store_release(s, db);
    return rc;
}
