/* online.c - see online.h. */
#include "core/online.h"

int64_t pd_day_of(pd_instant t)
{
    /* floor division: instants before 1970 belong to negative days */
    int64_t d = t.sec / 86400;
    if (t.sec % 86400 < 0)
        d--;
    return d;
}

pd_instant pd_online_as_of(int64_t today)
{
    pd_instant t = {.sec = (today + 1) * 86400, .nsec = 0};
    return t;
}

pd_window pd_online_window(int64_t today, uint32_t window_days)
{
    return pd_window_ending(pd_online_as_of(today), window_days);
}

int pd_online_in_window(pd_instant t, int64_t today, uint32_t window_days)
{
    return pd_window_holds(pd_online_window(today, window_days), t);
}

int pd_stats_add_post(pd_window_stats *s, int sponsored, uint64_t views)
{
    uint64_t v;
    if (s->posts == UINT32_MAX || __builtin_add_overflow(s->views, views, &v))
        return -1;
    s->posts++;
    s->sponsored += sponsored ? 1 : 0;
    s->views = v;
    return 0;
}

int pd_stats_remove_post(pd_window_stats *s, int sponsored, uint64_t views)
{
    if (s->posts == 0 || (sponsored && s->sponsored == 0) || s->views < views ||
        (!sponsored && s->posts == s->sponsored))
        return -1;
    s->posts--;
    s->sponsored -= sponsored ? 1 : 0;
    s->views -= views;
    return 0;
}

int pd_stats_change_views(pd_window_stats *s, uint64_t before, uint64_t after)
{
    if (s->posts == 0 || s->views < before)
        return -1;
    uint64_t v = s->views - before;
    if (__builtin_add_overflow(v, after, &v))
        return -1;
    s->views = v;
    return 0;
}

const char *pd_transition_name(pd_transition t)
{
    switch (t) {
    case PD_TRANSITION_GAINED: return "gained";
    case PD_TRANSITION_LOST: return "lost";
    case PD_TRANSITION_NONE: break;
    }
    return "none";
}
