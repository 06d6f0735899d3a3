/* verdict.c - see verdict.h. */
#include "api/verdict.h"

#include "util/num.h"

void pd_verdict_policy(pd_jsonw *w, const pd_policy_rec *p)
{
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", p->id);
    pd_jsonw_kstr(w, "name", p->policy.name);
    pd_jsonw_kuint(w, "version", p->version);
    pd_jsonw_kuint(w, "window_days", p->policy.window_days);
    pd_jsonw_obj_end(w);
}

void pd_verdict_rule_value(pd_jsonw *w, pd_rule r, uint64_t followers, const pd_window_stats *s)
{
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: pd_jsonw_kuint(w, "value", followers); break;
    case PD_RULE_MIN_AVG_VIEWS:
        pd_jsonw_khundredths(w, "value", (int64_t)pd_avg_hundredths(s->views, s->posts));
        break;
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED:
        /* organic >= threshold x sponsored: both counts */
        pd_jsonw_kuint(w, "value", s->posts - s->sponsored);
        pd_jsonw_kuint(w, "sponsored", s->sponsored);
        break;
    case PD_RULE_MIN_SPONSORED:
    case PD_RULE_MAX_SPONSORED: pd_jsonw_kuint(w, "value", s->sponsored); break;
    case PD_RULE_MIN_POSTS: pd_jsonw_kuint(w, "value", s->posts); break;
    default: pd_jsonw_knull(w, "value"); break;
    }
}
