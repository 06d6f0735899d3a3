/*
 * txn.h - the one way a use case (src/app/) holds a transaction: take a
 * connection of the store, begin, do the work, commit when it went well
 * or roll back when it did not, and give the connection back on every
 * path. Each use case writes its work; this file writes the frame once.
 *
 * A write: pd_app_txn (the work as a function) or the pair
 * pd_app_txn_begin ... pd_app_txn_end (the work inline); pd_app_txn_settle
 * for a transaction begun on a connection the use case holds for more.
 * A read (one state of the data, even while writers commit):
 * pd_app_read_begin ... pd_app_read_finish.
 *
 * Memory: nothing is allocated; the connection belongs to the store and is
 * only borrowed between begin and end.
 */
#ifndef PD_APP_TXN_H
#define PD_APP_TXN_H

#include "store/store.h"
#include "util/error.h"

/* The work of a write transaction: PD_OK to commit, any other code to
 * roll back (and return that code). */
typedef int (*pd_app_txn_fn)(pd_db *db, void *ctx, pd_error *err);

/* Runs fn(db, ctx, err) in one write transaction on a connection of s:
 * all of it is stored, or nothing. Returns fn's code, or the store's when
 * taking the connection, beginning or committing fails. */
int pd_app_txn(pd_store *s, pd_app_txn_fn fn, void *ctx, pd_error *err);

/* A connection of s in *db with a write transaction begun; on failure no
 * connection is held. */
int pd_app_txn_begin(pd_store *s, pd_db **db, pd_error *err);

/* Ends what pd_app_txn_begin began: commits when rc is PD_OK, else (or
 * when the commit fails) rolls back; gives the connection back. Returns
 * rc, or the commit's failure. */
int pd_app_txn_end(pd_store *s, pd_db *db, int rc, pd_error *err);

/* Commits the transaction open on db when rc is PD_OK, else (or when the
 * commit fails) rolls it back; the connection stays held. Returns rc, or
 * the commit's failure. */
int pd_app_txn_settle(pd_db *db, int rc, pd_error *err);

/* A connection of s in *db with a read transaction begun; on failure no
 * connection is held. */
int pd_app_read_begin(pd_store *s, pd_db **db, pd_error *err);

/* Ends what pd_app_read_begin began and gives the connection back;
 * returns rc (so that `return pd_app_read_finish(s, db, rc);` ends a read
 * use case). */
int pd_app_read_finish(pd_store *s, pd_db *db, int rc);

#endif
