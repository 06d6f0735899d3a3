/*
 * creator.h - a creator as certification and simulation see it.
 *
 * Plain values, no pointers: the batch engine keeps a million of them in one
 * array sorted by id; the category is an index into a string table kept
 * beside the array (see batch/dataset.h).
 */
#ifndef PD_CREATOR_H
#define PD_CREATOR_H

#include <stdint.h>

typedef struct pd_creator {
    int64_t id;         /* >= 1, unique                                   */
    uint64_t followers; /* >= 0                                           */
    uint64_t mcn_id;    /* 0 when the creator has no MCN                  */
    uint32_t category;  /* index into the data set's category names       */
    uint32_t line;      /* line of creators.csv it came from (for errors) */
} pd_creator;

/* Follower tiers used by every breakdown: <1k, 1k-5k, 5k-10k, 10k-50k,
 * 50k-100k, >=100k. */
enum { PD_TIER_COUNT = 6 };

static inline unsigned pd_follower_tier(uint64_t followers)
{
    return followers < 1000     ? 0
           : followers < 5000   ? 1
           : followers < 10000  ? 2
           : followers < 50000  ? 3
           : followers < 100000 ? 4
                                : 5;
}

/* Label of a tier ("<1k", "1k-5k", ...). Static storage. */
static inline const char *pd_follower_tier_label(unsigned tier)
{
    static const char *const labels[PD_TIER_COUNT] = {"<1k",     "1k-5k",    "5k-10k",
                                                      "10k-50k", "50k-100k", ">=100k"};
    return tier < PD_TIER_COUNT ? labels[tier] : "?";
}

#endif
