/* shortfall.c - see shortfall.h. */
#include "core/shortfall.h"

static uint64_t minus(uint64_t need, uint64_t have)
{
    return need > have ? need - have : 0;
}

/* ceil(t * n / 100) for a threshold in hundredths: the whole count that
 * meets "count >= t/100 * n", exactly (128 bits). */
static uint64_t need_hundredths(uint64_t t, uint64_t n)
{
    unsigned __int128 need = ((unsigned __int128)t * n + 99) / 100;
    return need > UINT64_MAX ? UINT64_MAX : (uint64_t)need;
}

uint64_t pd_rule_shortfall(const pd_policy *p, pd_rule r, uint64_t followers,
                           const pd_window_stats *w)
{
    uint64_t t = p->threshold[r];
    uint64_t posts = w->posts, sp = w->sponsored, organic = posts - sp;
    uint64_t more = 0;
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: return minus(t, followers);
    case PD_RULE_MAX_SPONSORED: return minus(sp, t);
    case PD_RULE_MIN_AVG_VIEWS:
        more = minus(need_hundredths(t, posts ? posts : 1), w->views);
        break;
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED: more = minus(need_hundredths(t, sp), organic); break;
    case PD_RULE_MIN_SPONSORED: more = minus(t, sp); break;
    case PD_RULE_MIN_POSTS: more = minus(t, posts); break;
    default: return 0;
    }
    /* Without posts the rule fails whatever its threshold: one post at least. */
    return posts == 0 && more == 0 ? 1 : more;
}
