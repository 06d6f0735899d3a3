/* advance.c - see advance.h. */
#include "core/advance.h"

#include <string.h>

void pd_advance_normalize(pd_advance_state *st)
{
    if (st->window == 0) {
        st->window = st->policy_id ? st->policy.window_days : PD_ONLINE_DEFAULT_WINDOW;
        st->stale = 1;
    }
}

int pd_advance_plan(const pd_advance_state *st, int64_t today, pd_advance_step *step)
{
    int unset = st->today == 0;
    memset(step, 0, sizeof *step);
    step->from_today = st->today;
    step->from_window = st->window;
    step->policy_id = st->policy_id;
    step->policy = st->policy;
    step->window_days = st->window;
    step->apply_upto = INT64_MIN;
    if (!unset && today < st->today)
        return 0; /* an earlier day changes nothing */
    if (st->stale || unset) {
        step->today = unset || today - st->today > (int64_t)st->window ? today : st->today;
        step->recompute = 1;
        step->cause = "import";
    } else if (today > st->today) {
        step->cause = "day";
        if (today - st->today > (int64_t)st->window) {
            step->today = today;
            step->recompute = 1;
        } else {
            step->today = st->today + 1;
        }
    } else {
        step->today = st->today;
        step->cause = "policy";
    }
    return 1;
}

void pd_advance_activate(pd_advance_step *step, const pd_advance_state *st, int64_t due_id,
                         const pd_policy *due)
{
    if (!due_id)
        return;
    step->apply_upto = step->today;
    if (!pd_advance_needs_policy(st, due_id) || !due)
        return;
    step->policy_id = due_id;
    step->policy = *due;
    step->window_days = due->window_days;
    if (!step->recompute)
        step->cause = "policy";
    if (step->window_days != st->window)
        step->recompute = 1;
    else
        step->judge_all = 1;
}

int pd_advance_todo(const pd_advance_step *step, const pd_advance_state *st)
{
    return step->recompute || step->today != st->today || step->apply_upto != INT64_MIN;
}
