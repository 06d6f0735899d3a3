/* policies.c - see policies.h. */
#include "app/policies.h"

#include <string.h>

#include "app/txn.h"
#include "core/advance.h"

int pd_app_policy_add(pd_store *s, pd_policy_rec *r, pd_error *err)
{
    int64_t now = pd_store_now(s);
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    return pd_app_txn_end(s, db, pd_db_policy_add(db, r, now, err), err);
}

struct find_activation {
    pd_activation_rec *a;
};

static int find_activation(void *ctx, const pd_activation_rec *a)
{
    struct find_activation *f = ctx;
    if (a->id != f->a->id)
        return 0;
    *f->a = *a;
    return 1; /* found: stop */
}

int pd_app_policy_activate(pd_store *s, int64_t policy_id, int64_t from_day, int64_t by_user,
                           pd_impact *impact, pd_activation_result *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t now = pd_store_now(s);
    pd_db *db;
    int rc = pd_app_txn_begin(s, &db, err);
    if (rc)
        return rc;
    pd_online_state st;
    rc = pd_db_policy_get(db, policy_id, &out->policy, err);
    if (rc == PD_OK)
        rc = pd_db_policy_activate(db, policy_id, from_day, by_user, now, &out->activation, err);
    if (rc == PD_OK)
        rc = pd_db_online_read(db, &st, err);
    if ((rc = pd_app_txn_end(s, db, rc, err)) != PD_OK)
        return rc;
    pd_advance_state as = {.today = st.today};
    if (!pd_advance_applies_now(&as, from_day))
        return PD_OK;
    /* Its day has come: the step of the state's own day applies it. */
    if ((rc = pd_app_online_advance(s, st.today, &out->report, err)) != PD_OK)
        return rc;
    if (impact)
        pd_impact_changed(impact);
    if ((rc = pd_store_acquire(s, &db, err)) != PD_OK)
        return rc;
    struct find_activation f = {&out->activation};
    rc = pd_db_activation_list(db, find_activation, &f, err);
    pd_store_release(s, db);
    if (rc == 1)
        rc = PD_OK;
    out->applied = out->activation.applied_at != 0;
    return rc;
}
