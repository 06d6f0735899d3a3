/* simulate.c - see simulate.h.
 *
 * The baseline's verdicts are kept as one byte per creator; every other
 * policy is then judged in one pass that counts each creator into its three
 * groups by a two-bit code (baseline verdict, this policy's verdict). The
 * sweep avoids judging the changed policy once per threshold: for each
 * creator who passes the policy's other rules it works out the range of
 * threshold indexes at which the swept rule passes (a rule is monotone in its
 * threshold), marks the range's ends in a difference array, and a prefix sum
 * gives the count at every threshold. One pass whatever the number of steps.
 *
 * The breakdown by MCN counts every MCN in the same pass (one more
 * increment per creator, into an array indexed by the MCN's small number,
 * pd_sim_mcn_index); the largest MCNs are picked once all are counted.
 */
#include "core/simulate.h"

#include <stdlib.h>
#include <string.h>

#include "util/num.h"

#define BIT(r) (1u << (r))

/* Counts by code: bit 1 = certified by the baseline, bit 0 = by this policy. */
enum { CODE_NEVER = 0, CODE_GAINED = 1, CODE_LOST = 2, CODE_KEPT = 3 };
typedef uint64_t code_counts[4];

static pd_sim_trans trans_from_counts(const code_counts c)
{
    pd_sim_trans t = {.kept = c[CODE_KEPT],
                      .lost = c[CODE_LOST],
                      .gained = c[CODE_GAINED],
                      .never = c[CODE_NEVER]};
    return t;
}

/* Largest threshold a rule accepts (as pd_policy_validate sees it). */
static uint64_t rule_max(pd_rule r)
{
    return pd_rule_is_decimal(r) ? PD_COUNT_MAX * 100 : PD_COUNT_MAX;
}

int pd_sim_sweep_validate(const pd_sim_sweep_spec *s, pd_error *err)
{
    if ((unsigned)s->rule >= PD_RULE_COUNT)
        return pd_error_set(err, PD_EUSAGE, "sweep: unknown rule");
    const char *key = pd_rule_key(s->rule);
    char a[32], b[32];
    if (s->step == 0)
        return pd_error_set(err, PD_EUSAGE, "sweep %s: STEP must be greater than 0", key);
    if (s->from > s->to) {
        pd_rule_format_threshold(s->rule, s->from, a);
        pd_rule_format_threshold(s->rule, s->to, b);
        return pd_error_set(err, PD_EUSAGE, "sweep %s: FROM %s is above TO %s", key, a, b);
    }
    if (s->to > rule_max(s->rule)) {
        pd_rule_format_threshold(s->rule, s->to, a);
        pd_rule_format_threshold(s->rule, rule_max(s->rule), b);
        return pd_error_set(err, PD_EUSAGE, "sweep %s: TO %s is above the largest threshold %s",
                            key, a, b);
    }
    uint64_t steps = (s->to - s->from) / s->step;
    if (steps > PD_SIM_MAX_SWEEP_STEPS) {
        char n[32];
        pd_fmt_thousands(steps, n);
        pd_fmt_thousands(PD_SIM_MAX_SWEEP_STEPS, a);
        return pd_error_set(err, PD_EUSAGE,
                            "sweep %s: %s steps is too many (at most %s): use a larger STEP", key,
                            n, a);
    }
    return PD_OK;
}

size_t pd_sim_sweep_count(const pd_sim_sweep_spec *s)
{
    return (size_t)((s->to - s->from) / s->step) + 1;
}

void pd_sim_result_free(pd_sim_result *r)
{
    for (int d = 0; d < PD_SIM_DIM_COUNT; d++)
        free(r->groups[d]);
    free(r->sweep_points);
    free(r->mcn_groups);
    memset(r, 0, sizeof *r);
}

/* ---- the MCN index -------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void pd_sim_mcn_index_free(pd_sim_mcn_index *ix)
{
    free(ix->ids);
    free(ix->of);
    memset(ix, 0, sizeof *ix);
}

int64_t pd_sim_mcn_find(const pd_sim_mcn_index *ix, uint64_t id)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && ix->ids[lo] == id ? (int64_t)lo : -1;
}

/* Fills ix->of from ix->ids (sorted, distinct): through a table indexed by
 * id when the ids are small (they number the MCNs 1, 2, ... in practice:
 * no sort, no search), else by binary search with runs of one MCN looked
 * up once. 0 or PD_ENOMEM. */
static int number_creators(const pd_creator *creators, size_t n, uint64_t max_id,
                           pd_sim_mcn_index *ix)
{
    if (max_id <= 4 * (uint64_t)n + 1024) {
        uint32_t *slot = calloc((size_t)max_id + 1, sizeof *slot);
        if (!slot)
            return PD_ENOMEM;
        for (size_t k = 0; k < ix->n; k++)
            slot[ix->ids[k]] = (uint32_t)k + 1;
        for (size_t i = 0; i < n; i++)
            ix->of[i] = slot[creators[i].mcn_id]; /* slot[0] is 0: independent */
        free(slot);
        return PD_OK;
    }
    uint64_t last = 0;
    uint32_t last_k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = creators[i].mcn_id;
        if (id && id != last) {
            last = id;
            last_k = (uint32_t)pd_sim_mcn_find(ix, id) + 1;
        }
        ix->of[i] = id ? last_k : 0;
    }
    return PD_OK;
}

int pd_sim_mcn_index_build(const pd_creator *creators, size_t n, pd_sim_mcn_index *out,
                           pd_error *err)
{
    memset(out, 0, sizeof *out);
    size_t members = 0;
    uint64_t max_id = 0;
    for (size_t i = 0; i < n; i++) {
        members += creators[i].mcn_id != 0;
        if (creators[i].mcn_id > max_id)
            max_id = creators[i].mcn_id;
    }
    out->ids = malloc((members ? members : 1) * sizeof *out->ids);
    out->of = malloc((n ? n : 1) * sizeof *out->of);
    if (!out->ids || !out->of) {
        pd_sim_mcn_index_free(out);
        return pd_error_set(err, PD_ENOMEM, "out of memory indexing the MCNs of %zu creators", n);
    }
    size_t u = 0;
    if (max_id <= 4 * (uint64_t)n + 1024) {
        /* small ids: which are there, in order, without sorting */
        unsigned char *seen = calloc((size_t)max_id + 1, 1);
        if (!seen) {
            pd_sim_mcn_index_free(out);
            return pd_error_set(err, PD_ENOMEM, "out of memory indexing the MCNs");
        }
        for (size_t i = 0; i < n; i++)
            seen[creators[i].mcn_id] = 1;
        for (uint64_t id = 1; id <= max_id; id++)
            if (seen[id])
                out->ids[u++] = id;
        free(seen);
    } else {
        for (size_t i = 0; i < n; i++)
            if (creators[i].mcn_id)
                out->ids[u++] = creators[i].mcn_id;
        qsort(out->ids, u, sizeof *out->ids, cmp_u64);
        size_t d = 0;
        for (size_t i = 0; i < u; i++)
            if (d == 0 || out->ids[d - 1] != out->ids[i])
                out->ids[d++] = out->ids[i];
        u = d;
    }
    if (u >= UINT32_MAX) {
        pd_sim_mcn_index_free(out);
        return pd_error_set(err, PD_EINPUT, "%zu MCNs: too many to break down", u);
    }
    out->n = u;
    if (number_creators(creators, n, max_id, out) != PD_OK) {
        pd_sim_mcn_index_free(out);
        return pd_error_set(err, PD_ENOMEM, "out of memory indexing the MCNs");
    }
    return PD_OK;
}

/* calloc of a * b elements of size sz, NULL on overflow. */
static void *calloc3(size_t a, size_t b, size_t sz)
{
    if (b && a > SIZE_MAX / b)
        return NULL;
    return calloc(a * b != 0 ? a * b : 1, sz);
}

/* A policy made ready for the hot loop: its rules in the order that fails
 * most creators soonest and reads the least (followers first, the ratios
 * last), so that judging a creator usually stops after one or two tests. */
typedef struct compiled {
    size_t n;
    pd_rule rule[PD_RULE_COUNT];
    uint64_t threshold[PD_RULE_COUNT];
} compiled;

static void compile(const pd_policy *p, compiled *c)
{
    static const pd_rule order[PD_RULE_COUNT] = {
        PD_RULE_MIN_FOLLOWERS, PD_RULE_MIN_POSTS,     PD_RULE_MIN_SPONSORED,
        PD_RULE_MAX_SPONSORED, PD_RULE_MIN_AVG_VIEWS, PD_RULE_MIN_ORGANIC_PER_SPONSORED};
    c->n = 0;
    for (size_t k = 0; k < PD_RULE_COUNT; k++)
        if (p->rules & BIT(order[k])) {
            c->rule[c->n] = order[k];
            c->threshold[c->n++] = p->threshold[order[k]];
        }
}

/* Whether rule r with threshold t holds: the semantics of policy.h, in the
 * exact integer arithmetic of pd_policy_failures (the tests hold the two
 * together over random populations). */
static inline int rule_holds(pd_rule r, uint64_t t, uint64_t followers, const pd_window_stats *s)
{
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: return followers >= t;
    case PD_RULE_MIN_AVG_VIEWS:
        return s->posts != 0 &&
               (unsigned __int128)s->views * 100 >= (unsigned __int128)t * s->posts;
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED:
        return s->posts != 0 && (unsigned __int128)(uint32_t)(s->posts - s->sponsored) * 100 >=
                                    (unsigned __int128)t * s->sponsored;
    case PD_RULE_MIN_SPONSORED: return s->posts != 0 && s->sponsored >= t;
    case PD_RULE_MIN_POSTS: return s->posts != 0 && s->posts >= t;
    case PD_RULE_MAX_SPONSORED: return s->sponsored <= t;
    case PD_RULE_COUNT: break;
    }
    return 0;
}

static inline int certifies(const compiled *c, uint64_t followers, const pd_window_stats *s)
{
    for (size_t k = 0; k < c->n; k++)
        if (!rule_holds(c->rule[k], c->threshold[k], followers, s))
            return 0;
    return 1;
}

/* Judges policy p for every creator and counts each into its groups. For the
 * baseline (base_in == NULL) the verdicts are stored in base_out. */
static void judge(const pd_sim_input *in, size_t p, const unsigned char *base_in,
                  unsigned char *base_out, code_counts *cat, code_counts *tier, code_counts *mcn,
                  const uint32_t *mcn_of, code_counts *each_mcn)
{
    compiled pol;
    compile(&in->policies[p], &pol);
    const pd_window_stats *st = in->stats[p];
    const pd_creator *cr = in->creators;
    for (size_t i = 0; i < in->n; i++) {
        unsigned ok = (unsigned)certifies(&pol, cr[i].followers, &st[i]);
        unsigned code;
        if (base_in) {
            code = (unsigned)base_in[i] << 1 | ok;
        } else {
            base_out[i] = (unsigned char)ok;
            code = ok ? CODE_KEPT : CODE_NEVER;
        }
        cat[cr[i].category][code]++;
        tier[pd_follower_tier(cr[i].followers)][code]++;
        mcn[cr[i].mcn_id ? PD_SIM_MCN_MEMBER : PD_SIM_MCN_INDEPENDENT][code]++;
        each_mcn[mcn_of[i]][code]++;
    }
}

/* The value the swept rule compares with its threshold, and how:
 * MIN rules pass while threshold <= *v, MAX rules while threshold >= *v.
 * Returns 0 when the rule fails at every threshold (it needs posts and the
 * window has none). */
static int rule_value(pd_rule r, uint64_t followers, const pd_window_stats *s, uint64_t *v,
                      int *is_max)
{
    *is_max = 0;
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: *v = followers; return 1;
    case PD_RULE_MIN_AVG_VIEWS: { /* views * 100 >= t * posts */
        if (s->posts == 0)
            return 0;
        if (s->views <= UINT64_MAX / 100) {
            *v = s->views * 100 / s->posts;
        } else {
            unsigned __int128 q = (unsigned __int128)s->views * 100 / s->posts;
            *v = q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
        }
        return 1;
    }
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED: { /* organic * 100 >= t * sponsored */
        if (s->posts == 0)
            return 0;
        uint32_t organic = s->posts - s->sponsored;
        *v = s->sponsored ? (uint64_t)organic * 100 / s->sponsored : UINT64_MAX;
        return 1;
    }
    case PD_RULE_MIN_SPONSORED: *v = s->sponsored; return s->posts != 0;
    case PD_RULE_MIN_POSTS: *v = s->posts; return s->posts != 0;
    case PD_RULE_MAX_SPONSORED:
        *v = s->sponsored;
        *is_max = 1;
        return 1;
    case PD_RULE_COUNT: break;
    }
    return 0;
}

static int run_sweep(const pd_sim_input *in, const unsigned char *base, uint64_t base_total,
                     pd_sim_result *out, pd_error *err)
{
    const pd_sim_sweep_spec *sw = in->sweep;
    size_t k = pd_sim_sweep_count(sw);
    /* Difference arrays: +1 where a creator's passing range starts, -1 just
     * after it ends (unsigned wrap-around cancels out in the prefix sums). */
    uint64_t *d_all = calloc3(k + 1, 2, sizeof *d_all);
    out->sweep_points = calloc3(k, 1, sizeof *out->sweep_points);
    if (!d_all || !out->sweep_points) {
        free(d_all);
        return pd_error_set(err, PD_ENOMEM, "out of memory for a sweep of %zu thresholds", k);
    }
    uint64_t *d_base = d_all + k + 1;
    pd_policy without = in->policies[in->npolicies - 1];
    without.rules &= ~BIT(sw->rule);
    compiled others;
    compile(&without, &others);
    const pd_window_stats *st = in->stats[in->npolicies - 1];
    const pd_creator *cr = in->creators;

    for (size_t i = 0; i < in->n; i++) {
        uint64_t v;
        int is_max;
        if (!rule_value(sw->rule, cr[i].followers, &st[i], &v, &is_max))
            continue;
        size_t lo, hi;
        if (is_max) { /* passes for thresholds >= v */
            hi = k - 1;
            if (v <= sw->from)
                lo = 0;
            else if ((v - sw->from - 1) / sw->step + 1 >= k)
                continue;
            else
                lo = (size_t)((v - sw->from - 1) / sw->step + 1);
        } else { /* passes for thresholds <= v */
            if (v < sw->from)
                continue;
            lo = 0;
            uint64_t h = (v - sw->from) / sw->step;
            hi = h >= k ? k - 1 : (size_t)h;
        }
        /* The other rules are judged last: most creators fail the swept rule
         * somewhere, and this is the costlier test. */
        if (!certifies(&others, cr[i].followers, &st[i]))
            continue;
        d_all[lo]++;
        d_all[hi + 1]--;
        if (base[i]) {
            d_base[lo]++;
            d_base[hi + 1]--;
        }
    }
    uint64_t all = 0, kept = 0;
    for (size_t j = 0; j < k; j++) {
        all += d_all[j];
        kept += d_base[j];
        pd_sim_sweep_point *pt = &out->sweep_points[j];
        pt->threshold = sw->from + (uint64_t)j * sw->step;
        pt->trans.kept = kept;
        pt->trans.lost = base_total - kept;
        pt->trans.gained = all - kept;
        pt->trans.never = out->creators - base_total - (all - kept);
    }
    free(d_all);
    out->has_sweep = 1;
    out->sweep = *sw;
    out->nsweep = k;
    return PD_OK;
}

/* An MCN as the breakdown ranks them. */
typedef struct mcn_rank {
    uint64_t creators;
    uint64_t id;
    uint32_t k; /* its number in the index, plus 1 */
} mcn_rank;

static int by_size(const void *a, const void *b)
{
    const mcn_rank *x = a, *y = b;
    if (x->creators != y->creators)
        return x->creators > y->creators ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void add_counts(code_counts sum, const code_counts c)
{
    for (int k = 0; k < 4; k++)
        sum[k] += c[k];
}

/* The groups of the breakdown by MCN from every MCN's counts (each[p *
 * (nmcn + 1) + k]: policy p, MCN number k, 0 for the independents). */
static int mcn_groups(const pd_sim_mcn_index *ix, const code_counts *each, size_t np, size_t top,
                      pd_sim_result *out, pd_error *err)
{
    size_t stride = ix->n + 1, nrank = 0;
    mcn_rank *rank = malloc((ix->n ? ix->n : 1) * sizeof *rank);
    if (!rank)
        return pd_error_set(err, PD_ENOMEM, "out of memory ranking %zu MCNs", ix->n);
    for (size_t k = 1; k <= ix->n; k++) {
        const uint64_t *c = each[k];
        uint64_t total = c[0] + c[1] + c[2] + c[3];
        if (total)
            rank[nrank++] = (mcn_rank){total, ix->ids[k - 1], (uint32_t)k};
    }
    qsort(rank, nrank, sizeof *rank, by_size);
    size_t shown = nrank < top ? nrank : top;
    size_t ng = shown + (nrank > shown) + 1;
    out->mcn_groups = calloc(ng, sizeof *out->mcn_groups);
    out->groups[PD_SIM_BY_MCN_ID] = calloc3(ng, np, sizeof(pd_sim_trans));
    if (!out->mcn_groups || !out->groups[PD_SIM_BY_MCN_ID]) {
        free(rank);
        return pd_error_set(err, PD_ENOMEM, "out of memory for the breakdown by MCN");
    }
    out->ngroups[PD_SIM_BY_MCN_ID] = ng;
    pd_sim_trans *g = out->groups[PD_SIM_BY_MCN_ID];
    for (size_t j = 0; j < shown; j++) {
        out->mcn_groups[j] = (pd_sim_mcn_group){PD_SIM_MCN_ONE, rank[j].id, 1};
        for (size_t p = 0; p < np; p++)
            g[j * np + p] = trans_from_counts(each[p * stride + rank[j].k]);
    }
    if (nrank > shown) {
        out->mcn_groups[shown] = (pd_sim_mcn_group){PD_SIM_MCN_OTHERS, 0, nrank - shown};
        for (size_t p = 0; p < np; p++) {
            code_counts sum = {0};
            for (size_t j = shown; j < nrank; j++)
                add_counts(sum, each[p * stride + rank[j].k]);
            g[shown * np + p] = trans_from_counts(sum);
        }
    }
    out->mcn_groups[ng - 1] = (pd_sim_mcn_group){PD_SIM_MCN_NONE, 0, 0};
    for (size_t p = 0; p < np; p++)
        g[(ng - 1) * np + p] = trans_from_counts(each[p * stride]);
    free(rank);
    return PD_OK;
}

int pd_sim_run(const pd_sim_input *in, pd_sim_result *out, pd_error *err)
{
    memset(out, 0, sizeof *out);
    size_t np = in->npolicies, n = in->n;
    size_t top = in->mcn_top ? in->mcn_top : PD_SIM_MCN_TOP_DEFAULT;
    if (np < 1 || np > PD_SIM_MAX_POLICIES)
        return pd_error_set(err, PD_EUSAGE, "simulate: %zu policies given; 1 to %d allowed", np,
                            PD_SIM_MAX_POLICIES);
    if (top > PD_SIM_MCN_TOP_MAX)
        return pd_error_set(err, PD_EUSAGE,
                            "simulate: %zu MCNs one by one is too many (at most %d)", top,
                            PD_SIM_MCN_TOP_MAX);
    if (in->sweep && pd_sim_sweep_validate(in->sweep, err) != PD_OK)
        return err ? err->code : PD_EUSAGE;
    for (size_t p = 0; p < np; p++)
        if (n && !in->stats[p])
            return pd_error_set(err, PD_EINTERNAL, "simulate: no window statistics for %s",
                                in->policies[p].name);
    const pd_sim_mcn_index *ix = in->mcns;
    if (ix && n && !ix->of)
        return pd_error_set(err, PD_EINPUT, "simulate: the MCN index has no creators");
    for (size_t i = 0; i < n; i++) {
        if (in->creators[i].category >= in->ncategories)
            return pd_error_set(
                err, PD_EINPUT, "creator %lld: category index %u is out of range (%zu categories)",
                (long long)in->creators[i].id, in->creators[i].category, in->ncategories);
        if (ix && (ix->of[i] > ix->n || (ix->of[i] == 0) != (in->creators[i].mcn_id == 0)))
            return pd_error_set(err, PD_EINPUT,
                                "creator %lld: the MCN index does not match the creators",
                                (long long)in->creators[i].id);
    }
    pd_sim_mcn_index own = {0};
    if (!ix) {
        int rc = pd_sim_mcn_index_build(in->creators, n, &own, err);
        if (rc)
            return rc;
        ix = &own;
    }

    int rc = PD_OK;
    size_t ng[PD_SIM_DIM_COUNT] = {in->ncategories, PD_TIER_COUNT, PD_SIM_MCN_GROUPS, 0};
    size_t nall = ng[0] + ng[1] + ng[2];
    unsigned char *base = malloc(n ? n : 1);
    code_counts *cnt = calloc3(nall, 1, sizeof *cnt);
    code_counts *each = calloc3(ix->n + 1, np, sizeof *each);
    out->creators = n;
    out->npolicies = np;
    memcpy(out->policies, in->policies, np * sizeof *in->policies);
    int nomem = !base || !cnt || !each;
    for (int d = 0; d < PD_SIM_BY_MCN_ID; d++) {
        out->ngroups[d] = ng[d];
        out->groups[d] = calloc3(ng[d], np, sizeof(pd_sim_trans));
        nomem |= !out->groups[d];
    }
    if (nomem) {
        rc = pd_error_set(err, PD_ENOMEM, "out of memory simulating %zu creators", n);
        goto out;
    }

    uint64_t base_total = 0;
    for (size_t p = 0; p < np; p++) {
        memset(cnt, 0, nall * sizeof *cnt);
        code_counts *cat = cnt, *tier = cnt + ng[0], *mcn = tier + ng[1];
        judge(in, p, p ? base : NULL, base, cat, tier, mcn, ix->of, each + p * (ix->n + 1));
        code_counts *dims[PD_SIM_BY_MCN_ID] = {cat, tier, mcn};
        for (int d = 0; d < PD_SIM_BY_MCN_ID; d++)
            for (size_t g = 0; g < ng[d]; g++)
                out->groups[d][g * np + p] = trans_from_counts(dims[d][g]);
        /* Every creator is either in an MCN or independent. */
        code_counts all;
        for (int c = 0; c < 4; c++)
            all[c] = mcn[0][c] + mcn[1][c];
        out->overall[p] = trans_from_counts(all);
        if (p == 0)
            base_total = out->overall[0].kept;
    }
    rc = mcn_groups(ix, each, np, top, out, err);
    if (rc == PD_OK && in->sweep)
        rc = run_sweep(in, base, base_total, out, err);
out:
    free(base);
    free(cnt);
    free(each);
    pd_sim_mcn_index_free(&own);
    if (rc != PD_OK)
        pd_sim_result_free(out);
    return rc;
}
