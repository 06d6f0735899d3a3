/* roster.c - GET /mcns/{id}: an MCN's roster for its managers and
 * operators: each creator's standing (at risk within the horizon, not
 * certified, certified) and what each must change. Read by
 * pd_roster_load (api/mcns.h: one read of its own), drawn by roster.html. */
#include <inttypes.h>
#include <string.h>

#include "api/mcns.h"
#include "api/show.h"
#include "pages/page.h"

#define ROSTER_ROWS 50 /* creators on one roster page */

/* The failed rules of one creator: the rule, its value and what is needed,
 * and what to change (by: the day it must be done by, or NULL). */
static void rule_list(pd_tpl_scope *row, const pd_policy *p, uint32_t failed, uint64_t followers,
                      const pd_window_stats *w, const char *by)
{
    pd_tpl_set_flag(row, "has_changes", 1);
    pd_tpl_list(row, "changes");
    for (uint32_t m = failed & p->rules; m; m &= m - 1) {
        pd_rule r = (pd_rule)__builtin_ctz(m);
        pd_tpl_scope *c = pd_tpl_add(row, "changes");
        pd_buf b;
        pd_tpl_set(c, "key", pd_rule_key(r));
        pd_tpl_set(c, "label", pd_show_rule_label(r));
        pd_buf_init(&b, 4096);
        pd_show_rule_value(&b, p, r, followers, w);
        pd_page_set_buf(c, "now", &b);
        pd_buf_init(&b, 4096);
        pd_show_rule_needed(&b, p, r);
        pd_page_set_buf(c, "needed", &b);
        pd_buf_init(&b, 4096);
        pd_show_advice(&b, p, r, followers, w, by);
        pd_page_set_buf(c, "advice", &b);
    }
}

static void roster_row(pd_tpl_scope *s, const pd_roster *r, const pd_roster_row *row)
{
    pd_tpl_scope *t = pd_tpl_add(s, "rows");
    char n[PD_SHOW_MAX], day[16], nn[PD_SHOW_NOUN_MAX];
    pd_tpl_setf(t, "id", "%" PRId64, row->id);
    pd_tpl_set(t, "standing", pd_standing_name(row->standing));
    pd_tpl_set(t, "handle", row->handle);
    pd_tpl_set(t, "category", row->category);
    pd_tpl_set(t, "followers", pd_show_count(row->st.followers, n));
    pd_tpl_set_flag(t, "at_risk", row->standing == PD_STANDING_AT_RISK);
    pd_tpl_set_flag(t, "not_certified", row->standing == PD_STANDING_NOT_CERTIFIED);
    pd_tpl_set_flag(t, "certified",
                    row->standing != PD_STANDING_AT_RISK &&
                        row->standing != PD_STANDING_NOT_CERTIFIED);
    pd_tpl_set_flag(t, "policy_in_force", r->state.policy_id != 0);
    pd_tpl_set_flag(t, "has_changes", 0);
    if (row->standing == PD_STANDING_AT_RISK) {
        const pd_policy_rec *p = pd_roster_risk_policy(r, row);
        pd_show_day(row->risk.day, day);
        pd_tpl_set(t, "day", day);
        if (row->risk.cause == PD_RISK_POLICY)
            pd_tpl_setf(t, "cause", "%s starts", p->policy.name);
        else
            pd_tpl_setf(t, "cause", "%s the window",
                        pd_show_noun(row->risk.posts_left, "post leaves", "posts leave", nn));
        rule_list(t, &p->policy, row->risk.failed, row->st.followers, &row->risk.win, day);
    } else if (row->standing == PD_STANDING_NOT_CERTIFIED && r->state.policy_id) {
        rule_list(t, &r->state.policy, row->st.failed, row->st.followers, &row->st.win, NULL);
    }
}

static void header_values(pd_tpl_scope *s, const pd_roster *r)
{
    char nn[PD_SHOW_NOUN_MAX], day[16];
    pd_tpl_set(s, "mcn_name", r->mcn.name);
    pd_tpl_set(s, "creators", pd_show_noun(r->n, "creator", "creators", nn));
    pd_tpl_list(s, "policy");
    if (!r->state.policy_id)
        return;
    pd_tpl_scope *p = pd_tpl_add(s, "policy");
    pd_tpl_set(p, "today", pd_show_day(r->state.today, day));
    pd_tpl_set(p, "name", r->in_force.policy.name);
    pd_tpl_setf(p, "version", "%u", r->in_force.version);
    pd_tpl_setf(p, "window_days", "%u", r->in_force.policy.window_days);
    pd_tpl_setf(p, "horizon", "%d", PD_ROSTER_HORIZON);
    pd_tpl_list(p, "changes");
    for (size_t i = 0; i < r->nchanges; i++) {
        pd_tpl_scope *c = pd_tpl_add(p, "changes");
        pd_tpl_set_flag(c, "first", i == 0);
        pd_tpl_set(c, "name", r->changes[i].rec.policy.name);
        pd_tpl_set(c, "from", pd_show_day(r->changes[i].from_day, day));
    }
}

static void tab_values(pd_tpl_scope *s, const pd_roster *r, pd_standing filter)
{
    static const struct {
        pd_standing s;
        const char *label;
    } tabs[] = {{PD_STANDING_ALL, "All"},
                {PD_STANDING_AT_RISK, "At risk within 7 days"},
                {PD_STANDING_NOT_CERTIFIED, "Not certified"},
                {PD_STANDING_CERTIFIED, "Certified, not at risk"}};
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        uint64_t n = tabs[i].s == PD_STANDING_ALL             ? r->n
                     : tabs[i].s == PD_STANDING_AT_RISK       ? r->at_risk
                     : tabs[i].s == PD_STANDING_NOT_CERTIFIED ? r->not_certified
                                                              : r->certified - r->at_risk;
        char c[PD_SHOW_MAX];
        pd_tpl_scope *t = pd_tpl_add(s, "tabs");
        pd_tpl_set(t, "standing", tabs[i].s == PD_STANDING_ALL ? "" : pd_standing_name(tabs[i].s));
        pd_tpl_set(t, "name", pd_standing_name(tabs[i].s));
        pd_tpl_set_flag(t, "current", tabs[i].s == filter);
        pd_tpl_set(t, "label", tabs[i].label);
        pd_tpl_set(t, "count", pd_show_count(n, c));
    }
}

int pd_page_roster(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    int64_t id = pd_req_param_int(req, "id");
    const pd_user *u = pd_req_user(req);
    pd_error e = {0};
    if (!pd_access_mcn(u, id)) {
        pd_error_set(&e, PD_EDENIED,
                     "Only the managers of MCN %" PRId64 " and operators can see its roster.", id);
        return pd_page_error(req, &e, err);
    }
    pd_standing filter;
    const char *standing = pd_req_query(req, "standing");
    while (standing && *standing == ' ')
        standing++;
    if (pd_standing_from_name(standing ? standing : "", &filter) < 0) {
        pd_error_set(&e, PD_EINPUT, "Standing: at_risk, not_certified or certified.");
        return pd_page_error(req, &e, err);
    }
    pd_roster *r;
    int rc = pd_roster_load(pg->store, id, &r, &e);
    size_t first = 0, count = 0;
    char next[PD_ROSTER_CURSOR_MAX] = "";
    if (rc == PD_OK)
        rc = pd_roster_page(r, filter, pd_req_query(req, "after"), ROSTER_ROWS, &first, &count,
                            next, &e);
    if (rc) {
        pd_roster_free(r);
        return pd_page_error(req, &e, err);
    }
    pd_tpl_data *d = pd_tpl_data_new();
    if (d) {
        pd_tpl_scope *s = pd_tpl_top(d);
        char nn[PD_SHOW_NOUN_MAX];
        pd_tpl_setf(s, "mcn_id", "%" PRId64, id);
        header_values(s, r);
        tab_values(s, r, filter);
        pd_tpl_list(s, "rows");
        for (size_t i = first; i < first + count; i++)
            roster_row(s, r, &r->rows[i]);
        pd_tpl_set_flag(s, "any", count > 0);
        pd_tpl_set(s, "shown",
                   pd_show_noun(count, "creator on this page", "creators on this page", nn));
        pd_tpl_set(s, "filter", filter == PD_STANDING_ALL ? "" : pd_standing_name(filter));
        pd_tpl_set_flag(s, "after", pd_req_query(req, "after") != NULL);
        pd_tpl_set(s, "next", next);
    }
    int mine = u->role == PD_ROLE_MCN && u->mcn_id == id;
    rc = pd_page(req, 200, r->mcn.name, mine ? "roster" : "", NULL, "roster.html", d, NULL, err);
    pd_roster_free(r);
    return rc;
}
