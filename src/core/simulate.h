/*
 * simulate.h - policy impact simulation: what happens to the certified
 * population when one policy replaces another.
 *
 * Given the creators, each policy's window statistics and up to
 * PD_SIM_MAX_POLICIES policies, pd_sim_run counts how many creators each
 * policy certifies and, for every policy after the first (the baseline), how
 * many creators it keeps, loses, gains or never certifies compared with the
 * baseline: overall and by category, follower tier, MCN membership and MCN
 * (the largest MCNs one by one, the others together, the independents). It
 * can also sweep one rule's threshold of the last policy over a range and
 * count, at each step, how many creators the changed policy would certify.
 *
 * Pure and allocation-light: one pass over the creators per policy plus one
 * for a sweep, a byte per creator of scratch, no allocation per creator, so a
 * million creators take milliseconds and the server can answer a slider.
 *
 * Memory: the result owns its group and sweep arrays (a few allocations made
 * by pd_sim_run); pd_sim_result_free releases them. Nothing in the result
 * points into the input. A pd_sim_mcn_index (built once for a population
 * that is simulated again and again) owns its arrays until
 * pd_sim_mcn_index_free.
 */
#ifndef PD_SIMULATE_H
#define PD_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/creator.h"
#include "util/error.h"
#include "core/policy.h"

#define PD_SIM_MAX_POLICIES 16
/* Most steps in a sweep (so at most PD_SIM_MAX_SWEEP_STEPS + 1 thresholds). */
#define PD_SIM_MAX_SWEEP_STEPS 10000

/* How a group of creators fares under a policy compared with the baseline
 * (the first policy). For the baseline itself kept = certified, never = the
 * rest and lost = gained = 0, so the same four numbers serve every policy. */
typedef struct pd_sim_trans {
    uint64_t kept;   /* certified by the baseline and by this policy */
    uint64_t lost;   /* certified by the baseline only               */
    uint64_t gained; /* certified by this policy only                */
    uint64_t never;  /* certified by neither                         */
} pd_sim_trans;

/* Creators certified by the policy the numbers describe. */
static inline uint64_t pd_sim_certified(const pd_sim_trans *t)
{
    return t->kept + t->gained;
}

/* Creators certified by the baseline. */
static inline uint64_t pd_sim_baseline(const pd_sim_trans *t)
{
    return t->kept + t->lost;
}

/* Creators in the group. */
static inline uint64_t pd_sim_total(const pd_sim_trans *t)
{
    return t->kept + t->lost + t->gained + t->never;
}

/* The four breakdowns. */
typedef enum pd_sim_dim {
    PD_SIM_BY_CATEGORY = 0, /* groups: the data set's categories, by index   */
    PD_SIM_BY_TIER,         /* groups: PD_TIER_COUNT follower tiers          */
    PD_SIM_BY_MCN,          /* groups: PD_SIM_MCN_MEMBER, PD_SIM_MCN_INDEPENDENT */
    PD_SIM_BY_MCN_ID,       /* groups: result.mcn_groups (the largest MCNs,
                               "other MCNs", "independent")                */
    PD_SIM_DIM_COUNT
} pd_sim_dim;

enum { PD_SIM_MCN_MEMBER = 0, PD_SIM_MCN_INDEPENDENT = 1, PD_SIM_MCN_GROUPS = 2 };

/* The breakdown by MCN shows the mcn_top MCNs hosting the most creators
 * (ties: the lower id first), one group each, then the rest of the MCNs as
 * one group, then the independent creators: at most mcn_top + 2 groups
 * however many MCNs there are. */
#define PD_SIM_MCN_TOP_DEFAULT 10
#define PD_SIM_MCN_TOP_MAX 100

typedef enum pd_sim_mcn_kind {
    PD_SIM_MCN_ONE = 0, /* one MCN: id                                  */
    PD_SIM_MCN_OTHERS,  /* every MCN not shown on its own: mcns of them  */
    PD_SIM_MCN_NONE,    /* creators of no MCN                           */
} pd_sim_mcn_kind;

typedef struct pd_sim_mcn_group {
    pd_sim_mcn_kind kind;
    uint64_t id;   /* PD_SIM_MCN_ONE: the MCN's id; 0 otherwise            */
    uint64_t mcns; /* MCNs in the group: 1, the others' count, or 0         */
} pd_sim_mcn_group;

/* Which MCN each creator belongs to, as small numbers: ids[k] is the k-th
 * MCN by id, of[i] is 0 for an independent creator i and k + 1 for a
 * member of ids[k]. Made by pd_sim_mcn_index_build, or by a caller that
 * knows it better; pd_sim_run builds one itself when given none. */
typedef struct pd_sim_mcn_index {
    size_t n;      /* distinct MCNs                          */
    uint64_t *ids; /* n, ascending                           */
    uint32_t *of;  /* one per creator, in the creators' order */
} pd_sim_mcn_index;

/* Builds the index of creators[0..n) (sorts their MCN ids: O(n log n)).
 * PD_ENOMEM, or PD_EINPUT past UINT32_MAX - 1 MCNs. Free it with
 * pd_sim_mcn_index_free (safe on a zeroed or freed index). */
int pd_sim_mcn_index_build(const pd_creator *creators, size_t n, pd_sim_mcn_index *out,
                           pd_error *err);
void pd_sim_mcn_index_free(pd_sim_mcn_index *ix);

/* Index k of MCN id in ix (binary search), or -1 when no creator is in it. */
int64_t pd_sim_mcn_find(const pd_sim_mcn_index *ix, uint64_t id);

/* A threshold sweep: thresholds from, from + step, ... up to the last one
 * that is <= to, in the rule's unit (hundredths for decimal rules, see
 * pd_rule_is_decimal). */
typedef struct pd_sim_sweep_spec {
    pd_rule rule;
    uint64_t from, to, step;
} pd_sim_sweep_spec;

typedef struct pd_sim_input {
    const pd_creator *creators; /* n, any order (the data set sorts by id)   */
    size_t n;
    size_t ncategories;        /* every creator's category is below this    */
    const pd_policy *policies; /* npolicies; the first is the baseline      */
    size_t npolicies;          /* 1 .. PD_SIM_MAX_POLICIES                  */
    /* stats[p]: n window statistics for policies[p]'s window, in the order of
     * creators (the caller picks the array for policies[p].window_days). */
    const pd_window_stats *const *stats;
    /* NULL, or a sweep of one rule of the LAST policy (the rule is added
     * when that policy lacks it). */
    const pd_sim_sweep_spec *sweep;
    /* NULL, or the index of these creators' MCNs (pd_sim_run builds one when
     * NULL; a server that keeps the population keeps its index too). */
    const pd_sim_mcn_index *mcns;
    /* MCNs shown one by one in the breakdown by MCN: 0 means
     * PD_SIM_MCN_TOP_DEFAULT; at most PD_SIM_MCN_TOP_MAX. */
    size_t mcn_top;
} pd_sim_input;

typedef struct pd_sim_sweep_point {
    uint64_t threshold; /* in the rule's unit                           */
    pd_sim_trans trans; /* the changed policy compared with the baseline */
} pd_sim_sweep_point;

typedef struct pd_sim_result {
    uint64_t creators;
    size_t npolicies;
    pd_policy policies[PD_SIM_MAX_POLICIES];   /* copies of the input's   */
    pd_sim_trans overall[PD_SIM_MAX_POLICIES]; /* per policy              */
    /* groups[d][g * npolicies + p]: group g of breakdown d under policy p. */
    size_t ngroups[PD_SIM_DIM_COUNT];
    pd_sim_trans *groups[PD_SIM_DIM_COUNT];
    /* What each group of PD_SIM_BY_MCN_ID is (ngroups of them, in order). */
    pd_sim_mcn_group *mcn_groups;
    /* The sweep, when the input asked for one. */
    int has_sweep;
    pd_sim_sweep_spec sweep;
    size_t nsweep;                    /* number of thresholds             */
    pd_sim_sweep_point *sweep_points; /* nsweep, thresholds ascending     */
} pd_sim_result;

/* Checks a sweep specification: a known rule, step > 0, from <= to, at most
 * PD_SIM_MAX_SWEEP_STEPS steps, thresholds in the rule's range. Returns PD_OK
 * or PD_EUSAGE with a message in the user's units. */
int pd_sim_sweep_validate(const pd_sim_sweep_spec *s, pd_error *err);

/* Number of thresholds of a valid sweep. */
size_t pd_sim_sweep_count(const pd_sim_sweep_spec *s);

/* Runs the simulation. On success the caller owns *out and must call
 * pd_sim_result_free. On failure *out is left empty (safe to free) and err
 * says why: PD_EUSAGE for a bad policy count, sweep or mcn_top, PD_EINPUT
 * for a creator whose category index is out of range (or an MCN index that
 * does not fit the creators), PD_ENOMEM. */
int pd_sim_run(const pd_sim_input *in, pd_sim_result *out, pd_error *err);

/* The numbers of group g of breakdown d under policy p. */
static inline const pd_sim_trans *pd_sim_group(const pd_sim_result *r, pd_sim_dim d, size_t g,
                                               size_t p)
{
    return &r->groups[d][g * r->npolicies + p];
}

/* Releases what pd_sim_run allocated; the result is empty afterwards.
 * Safe on a zeroed or already freed result. */
void pd_sim_result_free(pd_sim_result *r);

#endif
