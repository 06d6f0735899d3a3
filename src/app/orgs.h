/*
 * orgs.h - the use cases of organisations: adding and listing the brands
 * and the MCNs (multi-channel networks) that accounts belong to.
 *
 * Each function owns its transaction: it acquires a store connection,
 * writes in one transaction (committed on success, rolled back otherwise)
 * or reads in one read transaction, and gives the connection back. When an
 * organisation was created is recorded by the store's clock, the one the
 * store was opened with (pd_store_options.clock).
 *
 * Memory: names are borrowed for the call; listed records are lent to
 * `each` for the call only.
 */
#ifndef PD_APP_ORGS_H
#define PD_APP_ORGS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* Registers a brand; *id gets its id. PD_ECONFLICT when the name is taken,
 * PD_EINPUT for a name the store refuses. */
int pd_app_brand_add(pd_store *s, const char *name, int64_t *id, pd_error *err);

/* Registers an MCN under the content platform's id (or, with id 0, the next
 * free one); *out_id gets it. An existing id with the same name is not an
 * error. */
int pd_app_mcn_add(pd_store *s, int64_t id, const char *name, int64_t *out_id, pd_error *err);

/* An organisation to add: its name (borrowed) and, for an MCN, the content
 * platform's id (0: the next free one); the id given is written back. */
typedef struct pd_app_org {
    int64_t id;
    const char *name;
} pd_app_org;

/* Registers n MCNs (as pd_app_mcn_add each) in one transaction: all of
 * them, or none; mcns[i].id gets each one's id. For a batch brought in at
 * once (the demo's generated MCNs, before the import that numbers them). */
int pd_app_mcns_add(pd_store *s, pd_app_org *mcns, size_t n, pd_error *err);

/* Every brand, or every MCN, in id order, read in one read transaction;
 * stops when each returns non-zero (and returns that value). */
int pd_app_brand_list(pd_store *s, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                      pd_error *err);
int pd_app_mcn_list(pd_store *s, int (*each)(void *ctx, const pd_org_rec *o), void *ctx,
                    pd_error *err);

#endif
