/* mcns.c - GET /api/mcns/{id}/creators (see mcns.h): the roster, read by
 * the use case (app/roster.h), paged and answered as JSON. */
#include "api/mcns.h"

#include <string.h>

#include "api/accounts.h"
#include "api/show.h"
#include "api/verdict.h"
#include "http/request.h"
#include "util/jsonw.h"
#include "util/num.h"

/* ---- GET /api/mcns/{id}/creators ---------------------------------------------------- */

static void write_day(pd_jsonw *w, const char *key, int64_t day)
{
    char d[16];
    pd_jsonw_kstr(w, key, pd_show_day(day, d));
}

static void write_window(pd_jsonw *w, const pd_window_stats *s)
{
    pd_jsonw_key(w, "window");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kuint(w, "posts", s->posts);
    pd_jsonw_kuint(w, "sponsored", s->sponsored);
    pd_jsonw_kuint(w, "views", s->views);
    pd_jsonw_obj_end(w);
}

/* Each rule of `failed`: its value and threshold in the rule's unit, what
 * is missing (core/risk.h) and what to change (by: a day, or NULL). */
static void write_failed(pd_jsonw *w, pd_buf *scratch, const pd_policy *p, uint32_t failed,
                         uint64_t followers, const pd_window_stats *s, const char *by)
{
    pd_jsonw_key(w, "failed");
    pd_jsonw_arr_begin(w);
    for (uint32_t m = failed & p->rules; m; m &= m - 1) {
        pd_rule r = (pd_rule)__builtin_ctz(m);
        char t[32];
        size_t tn = pd_rule_format_threshold(r, p->threshold[r], t);
        pd_jsonw_obj_begin(w);
        pd_jsonw_kstr(w, "rule", pd_rule_key(r));
        pd_verdict_rule_value(w, r, followers, s);
        pd_jsonw_key(w, "threshold");
        pd_jsonw_raw(w, t, tn);
        pd_jsonw_kuint(w, "shortfall", pd_rule_shortfall(p, r, followers, s));
        pd_buf_reset(scratch);
        pd_show_advice(scratch, p, r, followers, s, by);
        pd_jsonw_kstr(w, "change", scratch->data ? scratch->data : "");
        pd_jsonw_obj_end(w);
    }
    pd_jsonw_arr_end(w);
}

static void write_row(pd_jsonw *w, pd_buf *scratch, const pd_roster *r, const pd_roster_row *row)
{
    const pd_creator_status *st = &row->st;
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", row->id);
    pd_jsonw_kstr(w, "handle", row->handle);
    pd_jsonw_kstr(w, "category", row->category);
    pd_jsonw_kuint(w, "followers", st->followers);
    pd_jsonw_kuint(w, "window_posts", st->win.posts);
    pd_jsonw_khundredths(w, "avg_views", (int64_t)st->avg_views);
    pd_jsonw_khundredths(w, "engagement_rate", (int64_t)st->engagement_bp);
    pd_jsonw_kbool(w, "certified", row->standing != PD_STANDING_NOT_CERTIFIED);
    pd_jsonw_kstr(w, "standing", pd_standing_name(row->standing));
    write_failed(w, scratch, &r->state.policy, r->state.policy_id ? st->failed : 0, st->followers,
                 &st->win, NULL);
    pd_jsonw_key(w, "risk");
    if (row->standing == PD_STANDING_AT_RISK) {
        const pd_risk *k = &row->risk;
        const pd_policy_rec *p = pd_roster_risk_policy(r, row);
        char day[16];
        pd_show_day(k->day, day);
        pd_jsonw_obj_begin(w);
        pd_jsonw_kstr(w, "day", day);
        pd_jsonw_kstr(w, "cause", pd_risk_cause_name(k->cause));
        pd_jsonw_key(w, "policy");
        pd_verdict_policy(w, p);
        pd_jsonw_kuint(w, "posts_leaving", k->posts_left);
        write_window(w, &k->win);
        write_failed(w, scratch, &p->policy, k->failed, st->followers, &k->win, day);
        pd_jsonw_obj_end(w);
    } else {
        pd_jsonw_null(w);
    }
    pd_jsonw_obj_end(w);
}

static int get_roster(pd_req *req, void *ctx, pd_error *err)
{
    pd_mcns *m = ctx;
    int64_t id = pd_req_param_int(req, "id");
    pd_standing filter;
    const char *standing = pd_req_query(req, "standing");
    if (pd_standing_from_name(standing, &filter) < 0)
        return pd_error_set(err, PD_EINPUT,
                            "query parameter standing: at_risk, not_certified or certified "
                            "(got '%.40s')",
                            standing);
    uint64_t limit = PD_ROSTER_PAGE_DEFAULT;
    const char *lv = pd_req_query(req, "limit"), *why = "";
    if (lv && (pd_parse_uint(lv, strlen(lv), PD_ROSTER_PAGE_MAX, &limit, &why) < 0 || limit == 0))
        return pd_error_set(err, PD_EINPUT, "query parameter limit: from 1 to %d (got '%.40s')",
                            PD_ROSTER_PAGE_MAX, lv);
    pd_roster *r;
    int rc = pd_roster_load(m->store, id, &r, err);
    if (rc)
        return rc;
    size_t first, count;
    char next[PD_ROSTER_CURSOR_MAX];
    rc = pd_roster_page(r, filter, pd_req_query(req, "after"), (size_t)limit, &first, &count, next,
                        err);
    if (rc) {
        pd_roster_free(r);
        return rc;
    }
    pd_buf scratch;
    pd_buf_init(&scratch, 4096);
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "mcn");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", r->mcn.id);
    pd_jsonw_kstr(w, "name", r->mcn.name);
    pd_jsonw_obj_end(w);
    write_day(w, "today", r->state.today);
    pd_jsonw_kuint(w, "horizon_days", PD_ROSTER_HORIZON);
    pd_jsonw_key(w, "policy");
    if (r->state.policy_id)
        pd_verdict_policy(w, &r->in_force);
    else
        pd_jsonw_null(w);
    pd_jsonw_key(w, "scheduled");
    pd_jsonw_arr_begin(w);
    for (size_t i = 0; i < r->nchanges; i++) {
        pd_jsonw_obj_begin(w);
        write_day(w, "from", r->changes[i].from_day);
        pd_jsonw_key(w, "policy");
        pd_verdict_policy(w, &r->changes[i].rec);
        pd_jsonw_obj_end(w);
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_key(w, "counts");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kuint(w, "creators", r->n);
    pd_jsonw_kuint(w, "certified", r->certified);
    pd_jsonw_kuint(w, "at_risk", r->at_risk);
    pd_jsonw_kuint(w, "not_certified", r->not_certified);
    pd_jsonw_obj_end(w);
    pd_jsonw_key(w, "creators");
    pd_jsonw_arr_begin(w);
    for (size_t i = first; i < first + count; i++)
        write_row(w, &scratch, r, &r->rows[i]);
    pd_jsonw_arr_end(w);
    if (next[0])
        pd_jsonw_kstr(w, "next", next);
    else
        pd_jsonw_knull(w, "next");
    pd_jsonw_obj_end(w);
    int failed = pd_buf_failed(&scratch);
    pd_buf_free(&scratch);
    pd_roster_free(r);
    return failed ? pd_error_set(err, PD_ENOMEM, "out of memory") : PD_OK;
}

static const pd_route mcn_routes[] = {
    {.method = "GET",
     .pattern = "/api/mcns/{id:int}/creators",
     .name = "mcns.creators",
     .summary = "An MCN's roster: its creators with their verdicts, those certified today who "
                "fail on a day of the next 7 if nothing else happens (which day, which rules, "
                "why), and what each must change (standing, limit, after)",
     .access = PD_ACCESS_MCN,
     .handler = get_roster},
};

int pd_mcns_routes(pd_router *r, pd_mcns *ctx, pd_error *err)
{
    return pd_router_add(r, mcn_routes, PD_ROUTES_COUNT(mcn_routes), ctx, err);
}
