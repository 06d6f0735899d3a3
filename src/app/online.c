/* online.c - see online.h.
 *
 * Each use case follows one shape: read the state and the row from the
 * store, let core decide (core/verdict.h for a row, core/advance.h for a
 * step of the days), write what changed. The big sweeps keep the store's
 * speed: a step is one pd_db_online_step, whose walk calls back here for
 * each creator it touches (a pure decision, no query) and writes what
 * this file returns. */
#include "app/online.h"

#include <string.h>

#include "app/txn.h"
#include "core/advance.h"
#include "core/online.h"
#include "core/verdict.h"

/* Callers may pass a NULL pd_error. */
#define ERR_OR_LOCAL(err)                                                                          \
    pd_error local_err_;                                                                           \
    if (!(err))                                                                                    \
    (err) = &local_err_

int64_t pd_app_today(const pd_store *s)
{
    return pd_day_of((pd_instant){.sec = pd_store_now(s), .nsec = 0});
}

/* ---- one creator ------------------------------------------------------------------------- */

/* Judges `now` (aggregates set) under the state's policy and stores it with
 * its change of verdict, when anything changed. */
static int settle_one(pd_db *db, const pd_online_state *st, const pd_cert_row *was,
                      pd_cert_row *now, int64_t at, const char *cause, pd_error *err)
{
    const pd_policy *p = st->policy_id ? &st->policy : NULL;
    pd_cert_write what = pd_cert_settle(p, was, now, at, NULL);
    if (what == PD_CERT_KEEP)
        return PD_OK;
    if (what == PD_CERT_STORE)
        return pd_db_cert_row_put(db, was, now, NULL, err);
    char why[PD_CERT_EXPLAIN_MAX];
    pd_cert_explain(p, now, why);
    pd_cert_note note = {.at = at, .policy_id = st->policy_id, .cause = cause, .explanation = why};
    return pd_db_cert_row_put(db, was, now, &note, err);
}

int pd_app_online_touch(pd_db *db, int64_t creator_id, const char *cause, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_online_state st;
    int rc = pd_db_online_read(db, &st, err);
    if (rc || st.stale)
        return rc;
    pd_cert_row was, now;
    pd_cert_move m = {.kind = PD_CERT_MOVE_SET};
    if ((rc = pd_db_cert_row_get(db, creator_id, &was, err)) != PD_OK ||
        (rc = pd_db_cert_sums(db, creator_id, pd_online_window(st.today, st.window_days), &m.sums,
                              err)) != PD_OK)
        return rc;
    now = was;
    pd_cert_apply_move(&now, &m);
    return settle_one(db, &st, &was, &now, pd_db_now(db), cause, err);
}

/* The engagements of a post: likes + comments + collects (each at most
 * PD_COUNT_MAX, so the sum fits). */
static uint64_t engagements(const pd_post_rec *p)
{
    return p->likes + p->comments + p->collects;
}

int pd_app_online_post_added(pd_db *db, const pd_post_rec *p, int64_t at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_online_state st;
    int rc = pd_db_online_read(db, &st, err);
    if (rc || st.stale || !pd_online_in_window(p->published_at, st.today, st.window_days))
        return rc;
    pd_cert_row was, now;
    if ((rc = pd_db_cert_row_get(db, p->creator_id, &was, err)) != PD_OK)
        return rc;
    now = was;
    if (pd_cert_add_post(&now, p->sponsored, p->views, engagements(p)) != 0)
        return pd_db_online_mark_stale(db, err);
    return settle_one(db, &st, &was, &now, at, "post", err);
}

int pd_app_online_post_changed(pd_db *db, const pd_post_rec *before, const pd_post_rec *after,
                               int64_t at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_online_state st;
    int rc = pd_db_online_read(db, &st, err);
    if (rc || st.stale || !pd_online_in_window(before->published_at, st.today, st.window_days))
        return rc;
    pd_cert_row was, now;
    if ((rc = pd_db_cert_row_get(db, before->creator_id, &was, err)) != PD_OK)
        return rc;
    now = was;
    if (pd_cert_change_post(&now, before->views, engagements(before), after->views,
                            engagements(after)) != 0)
        return pd_db_online_mark_stale(db, err);
    return settle_one(db, &st, &was, &now, at, "metrics", err);
}

/* ---- the days ------------------------------------------------------------------------------ */

/* What the walk of a step asks: the step's policy, the clock, the report. */
struct walk {
    const pd_policy *policy; /* NULL: none in force */
    int64_t at;
    pd_online_report *rep;
};

static int walk_decide(void *ctx, const pd_cert_row *was, const pd_cert_move *m, pd_cert_row *now,
                       char why[PD_CERT_EXPLAIN_MAX])
{
    struct walk *w = ctx;
    if (pd_cert_apply_move(now, m) != 0)
        return PD_CERT_OUT_OF_STEP;
    pd_transition t;
    pd_cert_write what = pd_cert_settle(w->policy, was, now, w->at, &t);
    if (what == PD_CERT_KEEP)
        return what;
    if (pd_cert_sums_differ(was, now))
        w->rep->creators_touched++;
    if (t == PD_TRANSITION_GAINED)
        w->rep->gained++;
    else if (t == PD_TRANSITION_LOST)
        w->rep->lost++;
    if (what == PD_CERT_RECORD)
        pd_cert_explain(w->policy, now, why);
    return what;
}

static int walk_would_change(void *ctx, const pd_cert_row *was)
{
    struct walk *w = ctx;
    pd_cert_row r = *was;
    return pd_cert_judge(w->policy, &r) != PD_TRANSITION_NONE;
}

/* Decides the next step from the state as committed: 0 when there is
 * nothing to do, 1 with *step filled, -code on a failure. */
static int next_step(pd_db *db, const pd_advance_state *st, int64_t today, pd_advance_step *step,
                     pd_error *err)
{
    if (!pd_advance_plan(st, today, step))
        return 0;
    pd_activation_rec a;
    int rc = pd_db_activation_due(db, step->today, &a, err);
    if (rc == PD_OK) {
        pd_policy_rec pr;
        const pd_policy *due = NULL;
        if (pd_advance_needs_policy(st, a.policy_id)) {
            if ((rc = pd_db_policy_get(db, a.policy_id, &pr, err)) != PD_OK)
                return -rc;
            due = &pr.policy;
        }
        pd_advance_activate(step, st, a.policy_id, due);
    } else if (rc != PD_ENOTFOUND) {
        return -rc;
    }
    return pd_advance_todo(step, st);
}

int pd_app_online_advance(pd_store *s, int64_t today, pd_online_report *rep, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_online_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (today < PD_DAY_MIN || today > PD_DAY_MAX)
        return pd_error_set(err, PD_EINPUT, "today: %lld is outside the years 0000 to 9999",
                            (long long)today);
    pd_db *db;
    int rc = pd_store_acquire(s, &db, err);
    if (rc)
        return rc;
    for (int first = 1;; first = 0) {
        if ((rc = pd_db_begin(db, err)) != PD_OK)
            break;
        pd_online_state os;
        pd_advance_state st;
        pd_advance_step step;
        int todo = 0;
        rc = pd_db_online_read(db, &os, err);
        if (rc == PD_OK) {
            st = (pd_advance_state){.today = os.today,
                                    .window = os.window_days,
                                    .policy_id = os.policy_id,
                                    .policy = os.policy,
                                    .stale = os.stale};
            pd_advance_normalize(&st);
            if (first)
                rep->from_day = rep->to_day = st.today;
            todo = next_step(db, &st, today, &step, err);
            if (todo < 0)
                rc = -todo;
        }
        if (rc != PD_OK || !todo) {
            pd_db_rollback(db);
            break;
        }
        struct walk wk = {
            .policy = step.policy_id ? &step.policy : NULL, .at = pd_store_now(s), .rep = rep};
        pd_cert_walker w = {.decide = walk_decide, .would_change = walk_would_change, .ctx = &wk};
        int recomputed = 0;
        rc = pd_app_txn_settle(db, pd_db_online_step(db, &step, wk.at, &w, &recomputed, err), err);
        if (rc != PD_OK)
            break;
        rep->to_day = step.today;
        rep->recomputed |= recomputed;
        rep->policy_changed |= step.policy_id != st.policy_id;
    }
    pd_store_release(s, db);
    if (rc != PD_OK)
        pd_error_prefix(err, "advancing online certification");
    return rc;
}
