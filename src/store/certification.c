/* certification.c - online certification whatever the database: the
 * policies and online certification part of store.h.
 *
 * This file checks arguments, judges creators (core/policy.h on the
 * aggregates a backend keeps; core/online.h for the window and the
 * transitions), words the explanations, decides the steps of
 * pd_store_online_advance and writes the verdicts file. The backend
 * (sqlite_online.c) only stores: it runs each step in one transaction and
 * calls pd_cert_judge for every creator whose aggregates it changes.
 *
 * Advancing: each call of pd_store_online_advance is a sequence of steps,
 * each its own transaction, each decided from the state as committed by
 * the one before (so a crash leaves a state the next call resumes from):
 *   1. stale aggregates (after a bulk import), or a state never set:
 *      recompute everything for the state's day (or `today` when unset);
 *   2. then one day at a time up to `today`: apply the activation due that
 *      day, take out the posts of the day that left the window; when the
 *      gap is longer than the window (every post would leave) or the new
 *      policy has another window, recompute instead.
 * Memory: nothing is kept between calls; the verdicts file is streamed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"
#include "store/backend.h"

/* Callers may pass a NULL pd_error; backends may then still write one. */
#define ERR_OR_LOCAL(err)                                                                          \
    pd_error local_err_;                                                                           \
    if (!(err))                                                                                    \
    (err) = &local_err_

/* Days we accept: the years 0000 to 9999, as instants are. */
#define DAY_MIN (-719528)  /* 0000-01-01 */
#define DAY_MAX (2932896)  /* 9999-12-31 */

/* ---- judging -------------------------------------------------------------------- */

pd_transition pd_cert_judge(const pd_policy *p, pd_cert_row *r)
{
    int was = r->certified;
    r->avg_views = pd_avg_hundredths(r->win.views, r->win.posts);
    if (r->win.views) {
        unsigned __int128 bp = (unsigned __int128)r->engagements * 10000u / r->win.views;
        r->engagement_bp = bp > UINT32_MAX ? UINT32_MAX : (uint32_t)bp;
    } else {
        r->engagement_bp = 0;
    }
    r->failed = p ? pd_policy_failures(p, r->followers, &r->win) : 0;
    r->certified = p && r->failed == 0;
    if (was == r->certified)
        return PD_TRANSITION_NONE;
    return r->certified ? PD_TRANSITION_GAINED : PD_TRANSITION_LOST;
}

void pd_cert_explain(const pd_policy *p, const pd_cert_row *r, char buf[PD_EXPLAIN_MAX])
{
    buf[0] = '\0';
    if (p && r->failed)
        pd_policy_explain(p, r->failed, r->followers, &r->win, buf, PD_EXPLAIN_MAX);
}

int pd_cert_row_same(const pd_cert_row *a, const pd_cert_row *b)
{
    return a->win.posts == b->win.posts && a->win.sponsored == b->win.sponsored &&
           a->win.views == b->win.views && a->engagements == b->engagements &&
           a->avg_views == b->avg_views && a->engagement_bp == b->engagement_bp &&
           a->certified == b->certified && a->failed == b->failed;
}

/* ---- policies --------------------------------------------------------------------- */

int pd_db_policy_add(pd_db *db, pd_policy_rec *r, int64_t at, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (pd_policy_validate(&r->policy, err) != PD_OK)
        return pd_error_prefix(err, "policy");
    if (r->created_by < 0)
        return pd_error_set(err, PD_EINPUT, "created_by: %lld is not a user id",
                            (long long)r->created_by);
    size_t need = pd_policy_to_json(&r->policy, NULL, 0);
    char *body = malloc(need + 1);
    if (!body)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_policy_to_json(&r->policy, body, need + 1);
    int rc = db->ops->policy_add(db, r, body, at, err);
    free(body);
    if (rc == PD_OK)
        r->created_at = at;
    return rc;
}

int pd_db_policy_get(pd_db *db, int64_t id, pd_policy_rec *r, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no policy with id %lld", (long long)id);
    return db->ops->policy_get(db, id, r, err);
}

int pd_db_policy_list(pd_db *db, int (*each)(void *ctx, const pd_policy_rec *r), void *ctx,
                      pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->policy_list(db, each, ctx, err);
}

int pd_db_policy_activate(pd_db *db, int64_t policy_id, int64_t from_day, int64_t by_user,
                          int64_t at, pd_activation_rec *out, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (policy_id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no policy with id %lld", (long long)policy_id);
    if (from_day < DAY_MIN || from_day > DAY_MAX)
        return pd_error_set(err, PD_EINPUT, "from_day: %lld is outside the years 0000 to 9999",
                            (long long)from_day);
    if (by_user < 0)
        return pd_error_set(err, PD_EINPUT, "activated_by: %lld is not a user id",
                            (long long)by_user);
    pd_activation_rec local;
    return db->ops->policy_activate(db, policy_id, from_day, by_user, at, out ? out : &local,
                                    err);
}

int pd_db_activation_list(pd_db *db, int (*each)(void *ctx, const pd_activation_rec *a), void *ctx,
                          pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->activation_list(db, each, ctx, err);
}

/* ---- state and status -------------------------------------------------------------- */

int pd_db_online_state(pd_db *db, pd_online_state *st, pd_error *err)
{
    ERR_OR_LOCAL(err);
    uint32_t window;
    return db->ops->online_state(db, st, &window, err);
}

int pd_db_creator_status(pd_db *db, int64_t creator_id, pd_creator_status *st, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (creator_id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    return db->ops->creator_status(db, creator_id, st, err);
}

int pd_db_status_history(pd_db *db, int64_t creator_id, int64_t before_id, unsigned limit,
                         int (*each)(void *ctx, const pd_status_change *c), void *ctx,
                         pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (creator_id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    return db->ops->status_history(db, creator_id, before_id, limit, each, ctx, err);
}

/* ---- advancing ------------------------------------------------------------------------ */

/* Decides the next step from the state; 0 when there is nothing to do. */
static int plan_step(pd_db *db, const pd_online_state *st, uint32_t window, int64_t today,
                     pd_online_step *step, pd_error *err)
{
    int unset = st->today == 0;
    memset(step, 0, sizeof *step);
    step->from_today = st->today;
    step->from_window = window;
    step->policy_id = st->policy_id;
    step->policy = st->policy;
    step->window_days = window;
    step->apply_upto = INT64_MIN;
    if (!unset && today < st->today)
        return 0; /* an earlier day changes nothing */
    if (st->stale || unset) {
        /* Recompute for the state's day, or straight for `today` when every
         * post of that window would leave on the way anyway. */
        step->today = unset || today - st->today > (int64_t)window ? today : st->today;
        step->recompute = 1;
        step->cause = "import";
    } else if (today > st->today) {
        step->cause = "day";
        if (today - st->today > (int64_t)window) {
            step->today = today;
            step->recompute = 1;
        } else {
            step->today = st->today + 1;
        }
    } else {
        step->today = st->today;
        step->cause = "policy";
    }
    pd_activation_rec a;
    int rc = db->ops->activation_due(db, step->today, &a, err);
    if (rc == PD_ENOTFOUND)
        rc = PD_OK;
    else if (rc == PD_OK) {
        step->apply_upto = step->today;
        if (a.policy_id != st->policy_id) {
            pd_policy_rec pr;
            if ((rc = db->ops->policy_get(db, a.policy_id, &pr, err)) != PD_OK)
                return -rc;
            step->policy_id = a.policy_id;
            step->policy = pr.policy;
            step->window_days = pr.policy.window_days;
            if (!step->recompute)
                step->cause = "policy";
            if (step->window_days != window)
                step->recompute = 1;
            else
                step->judge_all = 1;
        }
    }
    if (rc != PD_OK)
        return -rc;
    if (!step->recompute && step->today == st->today && step->apply_upto == INT64_MIN)
        return 0;
    return 1;
}

int pd_store_online_advance(pd_store *s, int64_t today, pd_online_report *rep, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_online_report local;
    if (!rep)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if (today < DAY_MIN || today > DAY_MAX)
        return pd_error_set(err, PD_EINPUT, "today: %lld is outside the years 0000 to 9999",
                            (long long)today);
    pd_db *db;
    int rc = s->ops->acquire(s, &db, err);
    if (rc)
        return rc;
    for (int first = 1;; first = 0) {
        if ((rc = db->ops->begin(db, err)) != PD_OK)
            break;
        pd_online_state st;
        uint32_t window = 0;
        rc = db->ops->online_state(db, &st, &window, err);
        if (rc == PD_OK && window == 0) {
            /* No window recorded: nothing the aggregates hold can be trusted. */
            window = st.policy_id ? st.policy.window_days : PD_ONLINE_DEFAULT_WINDOW;
            st.stale = 1;
        }
        if (rc == PD_OK && first)
            rep->from_day = rep->to_day = st.today;
        pd_online_step step;
        int todo = rc == PD_OK ? plan_step(db, &st, window, today, &step, err) : 0;
        if (todo < 0)
            rc = -todo;
        if (rc != PD_OK || !todo) {
            db->ops->rollback(db);
            break;
        }
        rc = db->ops->online_step(db, &step, rep, err);
        if (rc == PD_OK)
            rc = db->ops->commit(db, err);
        else
            db->ops->rollback(db);
        if (rc != PD_OK)
            break;
        rep->to_day = step.today;
        rep->recomputed |= step.recompute;
        rep->policy_changed |= step.policy_id != st.policy_id;
    }
    s->ops->release(s, db);
    if (rc != PD_OK)
        pd_error_prefix(err, "advancing online certification");
    return rc;
}

/* ---- the verdicts file ------------------------------------------------------------------ */

struct verdicts {
    FILE *out;
    int header;
    int write_failed;
};

static int write_header(struct verdicts *v)
{
    v->header = 1;
    return fputs("creator_id,certified,followers,posts,sponsored,avg_views\n", v->out) < 0
               ? PD_EIO
               : PD_OK;
}

static int write_verdict(void *ctx, const pd_creator_status *c)
{
    struct verdicts *v = ctx;
    if (!v->header && write_header(v) != PD_OK) {
        v->write_failed = 1;
        return PD_EIO;
    }
    char line[160], *o = line;
    o += pd_fmt_u64((uint64_t)c->creator_id, o);
    *o++ = ',';
    *o++ = c->certified ? '1' : '0';
    *o++ = ',';
    o += pd_fmt_u64(c->followers, o);
    *o++ = ',';
    o += pd_fmt_u64(c->win.posts, o);
    *o++ = ',';
    o += pd_fmt_u64(c->win.sponsored, o);
    *o++ = ',';
    o += pd_fmt_hundredths(c->avg_views, o);
    *o++ = '\n';
    size_t n = (size_t)(o - line);
    if (fwrite(line, 1, n, v->out) == n)
        return PD_OK;
    v->write_failed = 1;
    return PD_EIO;
}

int pd_store_export_verdicts(pd_store *s, FILE *out, pd_error *err)
{
    ERR_OR_LOCAL(err);
    struct verdicts v = {.out = out};
    pd_online_state st;
    int rc = s->ops->verdict_scan(s, &st, write_verdict, &v, err);
    if (v.write_failed)
        return pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));
    if (rc == PD_OK && (st.stale || st.today == 0))
        return pd_error_set(err, PD_ECONFLICT,
                            "the online verdicts are not computed yet (the aggregates are "
                            "stale after an import): advance online certification to a day "
                            "first (partnerd export --today DATE, or partnerd policy status "
                            "--today DATE)");
    if (rc == PD_OK && !v.header && write_header(&v) != PD_OK)
        return pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));
    return rc;
}
