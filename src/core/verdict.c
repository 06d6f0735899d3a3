/* verdict.c - see verdict.h. */
#include "core/verdict.h"

#include <string.h>

#include "util/num.h"

pd_transition pd_cert_judge(const pd_policy *p, pd_cert_row *r)
{
    int was = r->certified;
    r->avg_views = pd_avg_hundredths(r->win.views, r->win.posts);
    if (r->win.views) {
        unsigned __int128 bp = (unsigned __int128)r->engagements * 10000u / r->win.views;
        r->engagement_bp = bp > UINT32_MAX ? UINT32_MAX : (uint32_t)bp;
    } else {
        r->engagement_bp = 0;
    }
    r->failed = p ? pd_policy_failures(p, r->followers, &r->win) : 0;
    r->certified = p && r->failed == 0;
    if (was == r->certified)
        return PD_TRANSITION_NONE;
    return r->certified ? PD_TRANSITION_GAINED : PD_TRANSITION_LOST;
}

void pd_cert_explain(const pd_policy *p, const pd_cert_row *r, char buf[PD_CERT_EXPLAIN_MAX])
{
    buf[0] = '\0';
    if (p && r->failed)
        pd_policy_explain(p, r->failed, r->followers, &r->win, buf, PD_CERT_EXPLAIN_MAX);
}

int pd_cert_row_same(const pd_cert_row *a, const pd_cert_row *b)
{
    return a->win.posts == b->win.posts && a->win.sponsored == b->win.sponsored &&
           a->win.views == b->win.views && a->engagements == b->engagements &&
           a->avg_views == b->avg_views && a->engagement_bp == b->engagement_bp &&
           a->certified == b->certified && a->failed == b->failed;
}

int pd_cert_sums_differ(const pd_cert_row *a, const pd_cert_row *b)
{
    return a->win.posts != b->win.posts || a->win.views != b->win.views ||
           a->win.sponsored != b->win.sponsored || a->engagements != b->engagements;
}

int pd_cert_add_post(pd_cert_row *r, int sponsored, uint64_t views, uint64_t engagements)
{
    pd_cert_row n = *r;
    if (pd_stats_add_post(&n.win, sponsored, views) != 0 ||
        __builtin_add_overflow(n.engagements, engagements, &n.engagements) ||
        n.engagements > INT64_MAX || n.win.views > INT64_MAX)
        return -1;
    *r = n;
    return 0;
}

int pd_cert_change_post(pd_cert_row *r, uint64_t views0, uint64_t eng0, uint64_t views1,
                        uint64_t eng1)
{
    pd_cert_row n = *r;
    if (pd_stats_change_views(&n.win, views0, views1) != 0 || n.engagements < eng0 ||
        n.win.views > INT64_MAX ||
        __builtin_add_overflow(n.engagements - eng0, eng1, &n.engagements) ||
        n.engagements > INT64_MAX)
        return -1;
    *r = n;
    return 0;
}

int pd_cert_apply_move(pd_cert_row *r, const pd_cert_move *m)
{
    switch (m->kind) {
    case PD_CERT_MOVE_NONE: return 0;
    case PD_CERT_MOVE_SET:
        r->win = m->sums.win;
        r->engagements = m->sums.engagements;
        return 0;
    case PD_CERT_MOVE_SHIFT: break;
    }
    const pd_window_stats *w = &r->win, *o = &m->out.win, *i = &m->in.win;
    if (w->posts < o->posts || w->sponsored < o->sponsored ||
        w->posts - o->posts < w->sponsored - o->sponsored || w->views < o->views ||
        r->engagements < m->out.engagements)
        return -1;
    uint64_t posts = (uint64_t)w->posts - o->posts + i->posts;
    uint64_t sponsored = (uint64_t)w->sponsored - o->sponsored + i->sponsored;
    uint64_t views = w->views - o->views, eng = r->engagements - m->out.engagements;
    if (posts > UINT32_MAX || sponsored > posts ||
        __builtin_add_overflow(views, i->views, &views) ||
        __builtin_add_overflow(eng, m->in.engagements, &eng) || views > INT64_MAX ||
        eng > INT64_MAX)
        return -1;
    r->win.posts = (uint32_t)posts;
    r->win.sponsored = (uint32_t)sponsored;
    r->win.views = views;
    r->engagements = eng;
    return 0;
}

pd_cert_write pd_cert_settle(const pd_policy *p, const pd_cert_row *was, pd_cert_row *now,
                             int64_t at, pd_transition *t)
{
    pd_transition tr = pd_cert_judge(p, now);
    if (t)
        *t = tr;
    if (tr != PD_TRANSITION_NONE || now->since == 0)
        now->since = at;
    if (pd_cert_row_same(was, now) && was->since == now->since)
        return PD_CERT_KEEP;
    return tr != PD_TRANSITION_NONE ? PD_CERT_RECORD : PD_CERT_STORE;
}
