/* online.c - policies and online certification whatever the database:
 * the policies and online certification part of store.h.
 *
 * This file checks arguments and dispatches to the backend, and writes
 * the verdicts file. Nothing here decides a verdict: the use cases of
 * app/online.h do (core/verdict.h, core/advance.h), and the backend stores
 * what they decide.
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
    if (from_day < PD_DAY_MIN || from_day > PD_DAY_MAX)
        return pd_error_set(err, PD_EINPUT, "from_day: %lld is outside the years 0000 to 9999",
                            (long long)from_day);
    if (by_user < 0)
        return pd_error_set(err, PD_EINPUT, "activated_by: %lld is not a user id",
                            (long long)by_user);
    pd_activation_rec local;
    return db->ops->policy_activate(db, policy_id, from_day, by_user, at, out ? out : &local, err);
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
    return db->ops->online_state(db, st, 1, err);
}

int pd_db_online_read(pd_db *db, pd_online_state *st, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->online_state(db, st, 0, err);
}

int pd_db_online_mark_stale(pd_db *db, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->online_mark_stale(db, err);
}

int pd_db_activation_due(pd_db *db, int64_t day, pd_activation_rec *a, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->activation_due(db, day, a, err);
}

/* ---- certification rows ------------------------------------------------------------ */

int pd_db_cert_row_get(pd_db *db, int64_t creator_id, pd_cert_row *r, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (creator_id < 1)
        return pd_error_set(err, PD_ENOTFOUND, "no creator with id %lld", (long long)creator_id);
    return db->ops->cert_row_get(db, creator_id, r, err);
}

int pd_db_cert_sums(pd_db *db, int64_t creator_id, pd_window w, pd_cert_sums *s, pd_error *err)
{
    ERR_OR_LOCAL(err);
    return db->ops->cert_sums(db, creator_id, w, s, err);
}

int pd_db_cert_row_put(pd_db *db, const pd_cert_row *was, const pd_cert_row *now,
                       const pd_cert_note *note, pd_error *err)
{
    ERR_OR_LOCAL(err);
    if (was->id != now->id || now->id < 1)
        return pd_error_set(err, PD_EINTERNAL, "a certification row changed its creator id");
    if (note && !note->cause)
        return pd_error_set(err, PD_EINTERNAL, "a change of verdict without a cause");
    return db->ops->cert_row_put(db, was, now, note, err);
}

int pd_db_online_step(pd_db *db, const pd_advance_step *step, int64_t at, const pd_cert_walker *w,
                      int *recomputed, pd_error *err)
{
    ERR_OR_LOCAL(err);
    int local;
    if (!w || !w->decide || (step->judge_all && !w->would_change) || !step->cause)
        return pd_error_set(err, PD_EINTERNAL, "a step of the days without its walker");
    if (step->today < PD_DAY_MIN || step->today > PD_DAY_MAX)
        return pd_error_set(err, PD_EINPUT, "today: %lld is outside the years 0000 to 9999",
                            (long long)step->today);
    return db->ops->online_step(db, step, at, w, recomputed ? recomputed : &local, err);
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

/* ---- the verdicts file ------------------------------------------------------------------ */

struct verdicts {
    FILE *out;
    int header;
    int write_failed;
};

static int write_header(struct verdicts *v)
{
    v->header = 1;
    return fputs("creator_id,certified,followers,posts,sponsored,avg_views\n", v->out) < 0 ? PD_EIO
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

int64_t pd_db_now(const pd_db *db)
{
    return pd_store_now(db->store);
}
