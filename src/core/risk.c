/* risk.c - see risk.h. */
#include "core/risk.h"

#include "core/online.h"

/* The policy governing `day`: -1 for in_force, else the index of the change. */
static int policy_of(const pd_risk_change *changes, size_t n, int64_t today, int64_t day)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t from = changes[i].from_day;
        if (from <= today || from > day)
            continue;
        if (best < 0 || from >= changes[best].from_day)
            best = (int)i;
    }
    return best;
}

/* The window of `day` under a policy of window_days: the posts of its
 * days (pd_online_day_in_window: one dated after `day` is not counted
 * yet). -1 on overflow. */
static int window_of(const pd_risk_post *posts, size_t n, int64_t day, uint32_t window_days,
                     pd_window_stats *w)
{
    *w = (pd_window_stats){0};
    for (size_t i = 0; i < n; i++)
        if (pd_online_day_in_window(posts[i].day, day, window_days) &&
            pd_stats_add_post(w, posts[i].sponsored, posts[i].views) < 0)
            return -1;
    return 0;
}

int pd_risk_project(const pd_policy *in_force, const pd_risk_change *changes, size_t nchanges,
                    int64_t today, unsigned horizon, uint64_t followers, const pd_risk_post *posts,
                    size_t nposts, pd_risk *out)
{
    if (horizon < 1 || horizon > PD_RISK_HORIZON_MAX)
        return -1;
    pd_window_stats now;
    if (window_of(posts, nposts, today, in_force->window_days, &now) < 0)
        return -1;
    int prev = -1;
    for (unsigned k = 1; k <= horizon; k++) {
        int64_t day = today + (int64_t)k;
        int c = policy_of(changes, nchanges, today, day);
        const pd_policy *p = c < 0 ? in_force : changes[c].policy;
        pd_window_stats w;
        if (window_of(posts, nposts, day, p->window_days, &w) < 0)
            return -1;
        uint32_t failed = pd_policy_failures(p, followers, &w);
        if (failed) {
            /* today's window less the posts still counted that day */
            pd_window_stats gone;
            if (window_of(posts, nposts, day, in_force->window_days, &gone) < 0)
                return -1;
            *out = (pd_risk){.cause = c != prev ? PD_RISK_POLICY : PD_RISK_POSTS_LEAVE,
                             .day = day,
                             .failed = failed,
                             .change = c,
                             .win = w,
                             .posts_left = now.posts - gone.posts};
            return 0;
        }
        prev = c;
    }
    *out = (pd_risk){.cause = PD_RISK_NONE, .change = -1};
    return 0;
}

const char *pd_risk_cause_name(pd_risk_cause c)
{
    switch (c) {
    case PD_RISK_POSTS_LEAVE: return "posts_leave";
    case PD_RISK_POLICY: return "policy";
    case PD_RISK_NONE: break;
    }
    return "none";
}
