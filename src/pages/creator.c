/* creator.c - GET /creators/{id}: a creator's profile and verdict; the
 * failed rules, what to change and the status history for those who may
 * see private data. Read by pd_app_creator_view (one read), drawn by
 * creator.html. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "api/show.h"
#include "app/views.h"
#include "pages/page.h"
#include "util/svg.h"

#define HISTORY_ROWS 20 /* status changes shown on a profile */

/* Whether u may see why creator c is judged so and what to change: the
 * creator, operators, and the managers of the creator's MCN
 * (pd_access_creator_private, from the record already read). */
static int may_see_private(const pd_user *u, const pd_creator_rec *c)
{
    return pd_access_creator_owner(u, c->id) || (c->mcn_id && pd_access_mcn(u, c->mcn_id));
}

static void profile_values(pd_tpl_scope *s, const pd_creator_view *v, const pd_user *u)
{
    const pd_creator_rec *c = &v->creator;
    char n[PD_SHOW_MAX];
    pd_tpl_set(s, "handle", c->handle);
    pd_tpl_set(s, "category", c->category);
    pd_tpl_set(s, "followers", pd_show_count(c->followers, n));
    int link = v->has_mcn && pd_access_mcn(u, c->mcn_id);
    pd_tpl_setf(s, "mcn_id", "%" PRId64, c->mcn_id);
    pd_tpl_set(s, "mcn_name", v->has_mcn ? v->mcn.name : "");
    pd_tpl_set_flag(s, "mcn_link", link);
    pd_tpl_set_flag(s, "mcn_named", v->has_mcn && !link);
    pd_tpl_set_flag(s, "mcn_unknown", c->mcn_id && !v->has_mcn);
    pd_tpl_set_flag(s, "independent", !c->mcn_id);
    pd_tpl_set(s, "avg_views", pd_show_views(v->status.avg_views, n));
    pd_tpl_set(s, "engagement", pd_show_percent(v->status.engagement_bp, n));
    pd_tpl_set(s, "bio", c->bio);
}

/* The failed rules: value now, what is needed, what to change (show.h). */
static void failed_rules(pd_tpl_scope *s, const pd_policy *p, const pd_creator_status *st)
{
    pd_tpl_list(s, "failed");
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        if (!(st->failed & (1u << r)))
            continue;
        pd_tpl_scope *f = pd_tpl_add(s, "failed");
        pd_buf b;
        pd_tpl_set(f, "key", pd_rule_key((pd_rule)r));
        pd_tpl_set(f, "label", pd_show_rule_label((pd_rule)r));
        pd_buf_init(&b, 4096);
        pd_show_rule_value(&b, p, (pd_rule)r, st->followers, &st->win);
        pd_page_set_buf(f, "now", &b);
        pd_buf_init(&b, 4096);
        pd_show_rule_needed(&b, p, (pd_rule)r);
        pd_page_set_buf(f, "needed", &b);
        pd_buf_init(&b, 4096);
        pd_show_advice(&b, p, (pd_rule)r, st->followers, &st->win, NULL);
        pd_page_set_buf(f, "advice", &b);
    }
}

static void verdict_values(pd_tpl_scope *s, const pd_creator_view *v, int allowed)
{
    const pd_creator_status *st = &v->status;
    const pd_online_state *state = &v->state;
    pd_tpl_set(s, "verdict_class", st->certified ? "ok" : "no");
    pd_tpl_set_flag(s, "allowed", allowed);
    pd_tpl_list(s, "policy");
    if (state->policy_id == 0)
        return;
    const pd_policy *p = &state->policy;
    pd_tpl_scope *ps = pd_tpl_add(s, "policy");
    char n[PD_SHOW_MAX], nn[PD_SHOW_NOUN_MAX], day[16], when[40];
    pd_tpl_set(ps, "verdict", st->certified ? "Certified brand partner" : "Not certified");
    pd_tpl_set(ps, "name", p->name);
    pd_tpl_setf(ps, "version", "%u", state->version);
    pd_tpl_set(ps, "window", pd_show_noun(p->window_days, "day", "days", nn));
    pd_tpl_set(ps, "today", pd_show_day(state->today, day));
    pd_tpl_set(ps, "since", st->since > 0 ? pd_page_time(st->since, when) : "");
    pd_tpl_set(ps, "posts", pd_show_noun(st->win.posts, "post", "posts", nn));
    pd_tpl_set(ps, "sponsored", pd_show_count(st->win.sponsored, n));
    pd_tpl_set_flag(ps, "certified", st->certified);
    failed_rules(ps, p, st);
}

/* The follower chart (util/svg.h), or why there is none. */
static void chart_values(pd_tpl_scope *s, const pd_creator_view *v)
{
    pd_tpl_set_flag(s, "chart_failed", v->followers_failed);
    pd_tpl_set_flag(s, "chart_one", !v->followers_failed && v->nfollowers < 2);
    if (v->followers_failed || v->nfollowers < 2) {
        pd_tpl_set_raw(s, "chart", "", 0);
        return;
    }
    char since[40], sub[80];
    pd_page_time(v->first_count_at, since);
    snprintf(sub, sizeof sub, "%zu counts recorded since %.10s", v->nfollowers, since);
    pd_svg_series ser = {.name = "followers", .x = v->fx, .y = v->fy, .n = v->nfollowers};
    pd_svg_line_chart ch = {.title = "Followers",
                            .subtitle = sub,
                            .x_title = "days since the first count",
                            .y_title = "followers",
                            .series = &ser,
                            .nseries = 1,
                            .y_from_zero = 1,
                            .width = 760,
                            .height = 360};
    pd_buf svg;
    pd_buf_init(&svg, 1 << 22);
    pd_error e = {0};
    if (pd_svg_line(&svg, &ch, &e) != PD_OK || pd_buf_failed(&svg))
        pd_tpl_set_raw(s, "chart", "<p class=\"muted\">The follower chart cannot be drawn.</p>\n",
                       strlen("<p class=\"muted\">The follower chart cannot be drawn.</p>\n"));
    else
        pd_tpl_set_raw(s, "chart", svg.data ? svg.data : "", svg.len);
    pd_buf_free(&svg);
}

static void history_values(pd_tpl_scope *s, const pd_creator_view *v)
{
    pd_tpl_set_flag(s, "history_failed", v->history_failed);
    pd_tpl_set_flag(s, "any_history", v->nhistory > 0);
    pd_tpl_list(s, "history");
    for (size_t i = 0; i < v->nhistory; i++) {
        const pd_status_change *c = &v->history[i];
        pd_tpl_scope *h = pd_tpl_add(s, "history");
        char when[40];
        pd_tpl_set(h, "when", pd_page_time(c->at, when));
        pd_tpl_set_flag(h, "gained", c->certified);
        pd_tpl_set(h, "cause", c->cause);
        /* the explanation as stored ("followers 4971 < 5000"), with separators */
        pd_buf text;
        pd_buf_init(&text, 2 * PD_EXPLAIN_MAX);
        pd_show_digits(&text, c->explanation[0] ? c->explanation : "none");
        pd_page_set_buf(h, "explanation", &text);
    }
}

int pd_page_creator(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    int64_t id = pd_req_param_int(req, "id");
    const pd_user *u = pd_req_user(req);
    pd_creator_view *v = pd_req_alloc(req, sizeof *v);
    if (!v)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_error e = {0};
    int rc = pd_app_creator_view(pg->store, id, HISTORY_ROWS, v, &e);
    if (rc) {
        pd_app_creator_view_free(v);
        return pd_page_error(req, &e, err);
    }
    int allowed = may_see_private(u, &v->creator);
    pd_tpl_data *d = pd_tpl_data_new();
    if (d) {
        pd_tpl_scope *s = pd_tpl_top(d);
        profile_values(s, v, u);
        verdict_values(s, v, allowed);
        chart_values(s, v);
        history_values(s, v);
    }
    int mine = u->role == PD_ROLE_CREATOR && u->creator_id == id;
    rc = pd_page(req, 200, v->creator.handle, mine ? "profile" : "", NULL, "creator.html", d, NULL,
                 err);
    pd_app_creator_view_free(v);
    return rc;
}
