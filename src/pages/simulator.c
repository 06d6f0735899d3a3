/* simulator.c - GET /simulator: for operators, sliders over the policy in
 * force, answered by POST /api/policies/impact (simulator.js); saving and
 * scheduling a draft. Reads the online state through app/views.h, drawn
 * by simulator.html. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api/show.h"
#include "app/views.h"
#include "pages/page.h"

/* 1, 2 or 5 x 10^k: the smallest at least v. */
static uint64_t nice_step(uint64_t v)
{
    uint64_t m = 1;
    for (;;) {
        if (m >= v)
            return m;
        if (2 * m >= v)
            return 2 * m;
        if (5 * m >= v)
            return 5 * m;
        if (m > UINT64_MAX / 100)
            return m;
        m *= 10;
    }
}

/* A threshold as people read it: "10,000", "4", "2.50". */
static const char *threshold_text(uint64_t v, int decimal, char buf[PD_SHOW_MAX])
{
    if (!decimal)
        return pd_show_count(v, buf);
    if (v % 100 == 0)
        return pd_show_count(v / 100, buf);
    return pd_show_decimal(v, buf);
}

/* A value in the rule's unit as a slider's attribute: "12", "2.50". */
static void set_unit(pd_tpl_scope *s, const char *name, uint64_t v, int decimal)
{
    if (decimal)
        pd_tpl_setf(s, name, "%" PRIu64 ".%02u", v / 100, (unsigned)(v % 100));
    else
        pd_tpl_setf(s, name, "%" PRIu64, v);
}

/* One slider: value and bounds in the rule's unit (hundredths for decimal
 * rules), written in the unit people read. */
static void slider(pd_tpl_scope *s, const char *key, const char *label, uint64_t min, uint64_t cur,
                   uint64_t max, int decimal)
{
    uint64_t step = nice_step(max / 200 ? max / 200 : 1);
    if (cur % step != 0)
        step = 1; /* the slider must be able to stand on today's value */
    char shown[PD_SHOW_MAX];
    pd_tpl_scope *sl = pd_tpl_add(s, "sliders");
    pd_tpl_set(sl, "key", key);
    pd_tpl_set(sl, "label", label);
    pd_tpl_setf(sl, "min", "%" PRIu64, decimal ? min / 100 : min);
    set_unit(sl, "max", max, decimal);
    set_unit(sl, "step", step, decimal);
    set_unit(sl, "value", cur, decimal);
    pd_tpl_setf(sl, "decimal", "%d", decimal);
    pd_tpl_set(sl, "shown", threshold_text(cur, decimal, shown));
}

static void policy_values(pd_tpl_scope *s, const pd_online_state *state)
{
    const pd_policy *p = &state->policy;
    char draft[PD_POLICY_NAME_MAX], c1[PD_SHOW_MAX], day[16], tomorrow[16];
    size_t nlen = strlen(p->name);
    if (nlen + 6 < sizeof draft) {
        memcpy(draft, p->name, nlen);
        memcpy(draft + nlen, "-draft", 7);
    } else {
        memcpy(draft, "draft", 6);
    }
    pd_tpl_set(s, "name", p->name);
    pd_tpl_setf(s, "version", "%u", state->version);
    pd_tpl_set(s, "certified", pd_show_count(state->certified, c1));
    pd_tpl_set(s, "today", pd_show_day(state->today, day));
    pd_tpl_set(s, "tomorrow", pd_show_day(state->today + 1, tomorrow));
    pd_tpl_set(s, "draft", draft);
    pd_tpl_setf(s, "name_max", "%d", PD_POLICY_NAME_MAX - 1);
    pd_tpl_setf(s, "desc_max", "%d", PD_POLICY_DESC_MAX - 1);

    uint64_t w = p->window_days;
    uint64_t wmax = w * 3 < 90 ? 90 : w * 3 > PD_POLICY_WINDOW_MAX ? PD_POLICY_WINDOW_MAX : w * 3;
    slider(s, "window_days", "Window, days", 1, w, wmax, 0);
    pd_tpl_list(s, "rules");
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        if (!(p->rules & (1u << r)))
            continue;
        uint64_t t = p->threshold[r];
        uint64_t floor_max = r == PD_RULE_MIN_FOLLOWERS   ? 20000
                             : r == PD_RULE_MIN_AVG_VIEWS ? 2000000 /* hundredths: 20,000 */
                             : r == PD_RULE_MIN_ORGANIC_PER_SPONSORED ? 1000
                                                                      : 20;
        uint64_t max = nice_step(t * 4 > floor_max ? t * 4 : floor_max);
        slider(s, pd_rule_key((pd_rule)r), pd_show_rule_label((pd_rule)r), 0, t, max,
               pd_rule_is_decimal((pd_rule)r));
        pd_tpl_scope *o = pd_tpl_add(s, "rules");
        pd_tpl_set(o, "key", pd_rule_key((pd_rule)r));
        pd_tpl_set(o, "label", pd_show_rule_label((pd_rule)r));
    }
    static const struct {
        const char *id, *title, *first;
    } tables[] = {{"by-category", "By category", "Category"},
                  {"by-tier", "By follower tier", "Followers"},
                  {"by-mcn-id", "By MCN, the largest by creators", "MCN"},
                  {"by-mcn", "By MCN membership", "MCN"}};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        pd_tpl_scope *t = pd_tpl_add(s, "tables");
        pd_tpl_set(t, "id", tables[i].id);
        pd_tpl_set(t, "title", tables[i].title);
        pd_tpl_set(t, "first", tables[i].first);
    }
}

int pd_page_simulator(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    const pd_user *u = pd_req_user(req);
    pd_error e = {0};
    if (u->role != PD_ROLE_OPERATOR) {
        pd_error_set(&e, PD_EDENIED, "Only operators can use the policy simulator.");
        return pd_page_error(req, &e, err);
    }
    pd_online_state *state = pd_req_alloc(req, sizeof *state);
    if (!state)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    if (pd_app_online_state(pg->store, state, &e))
        return pd_page_error(req, &e, err);
    pd_tpl_data *d = pd_tpl_data_new();
    if (d) {
        pd_tpl_scope *s = pd_tpl_top(d);
        pd_tpl_list(s, "policy");
        if (state->policy_id)
            policy_values(pd_tpl_add(s, "policy"), state);
    }
    return pd_page(req, 200, "Policy simulator", "simulator", NULL, "simulator.html", d,
                   state->policy_id ? "simulator.js" : NULL, err);
}
