/*
 * verdict.h - a creator's certification row: judging it, explaining it,
 * and what a post or a day does to it. The rules of online certification
 * that the use cases (app/online.h) apply and the store only keeps.
 *
 * A row is what the store keeps per creator: the window's aggregates
 * (posts, sponsored, views, engagements), what is derived from them
 * (average views, engagement rate) and the verdict (certified, the failed
 * rules, since when). Aggregates change by deltas (a post published in the
 * window, a post's counts changing, a day passing) or are set from fresh
 * sums; then the row is judged again under the policy in force and
 * pd_cert_settle says what must be written.
 *
 * Every aggregate stays at most INT64_MAX (they are stored as signed 64-bit
 * integers); a delta that would leave that range, or take out more than
 * the row holds, is refused (-1): the row is out of step with the posts and
 * everything must be recomputed from them.
 *
 * Pure functions on plain values; nothing allocates.
 */
#ifndef PD_VERDICT_H
#define PD_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "core/online.h"
#include "core/policy.h"

/* Bytes of an explanation, with the NUL ("avg_views 7321.50 < 10000; ..."). */
#define PD_CERT_EXPLAIN_MAX 512

/* What the posts of a window add up to for one creator. */
typedef struct pd_cert_sums {
    pd_window_stats win;  /* posts, sponsored, views */
    uint64_t engagements; /* likes + comments + collects */
} pd_cert_sums;

/* A creator's aggregates and verdict, as the store keeps them. */
typedef struct pd_cert_row {
    int64_t id;
    uint64_t followers;
    pd_window_stats win;
    uint64_t engagements;
    uint64_t avg_views;     /* hundredths                               */
    uint32_t engagement_bp; /* engagements / views, in 1/10000          */
    int certified;
    uint32_t failed; /* rule bits (core/policy.h)                */
    int64_t since;   /* when the verdict last changed; 0: never judged */
} pd_cert_row;

/* Sets r's avg_views, engagement_bp, failed and certified from its
 * followers and aggregates under p (NULL: no policy in force, nobody
 * certified, no rule failed). Returns the change of verdict. */
pd_transition pd_cert_judge(const pd_policy *p, pd_cert_row *r);

/* The explanation of r's failed rules (pd_policy_explain) into buf
 * (PD_CERT_EXPLAIN_MAX bytes, NUL-terminated, truncated when long); empty
 * when nothing failed or no policy is in force. */
void pd_cert_explain(const pd_policy *p, const pd_cert_row *r, char buf[PD_CERT_EXPLAIN_MAX]);

/* 1 when two rows hold the same aggregates and verdict (since aside). */
int pd_cert_row_same(const pd_cert_row *a, const pd_cert_row *b);

/* A post published in the window: +1 post (+1 sponsored), + views and
 * engagements. -1 (r unchanged) when it does not fit. */
int pd_cert_add_post(pd_cert_row *r, int sponsored, uint64_t views, uint64_t engagements);

/* A post of the window had views0/eng0 and now has views1/eng1. -1 (r
 * unchanged) when the row does not hold the old counts or the new ones do
 * not fit. */
int pd_cert_change_post(pd_cert_row *r, uint64_t views0, uint64_t eng0, uint64_t views1,
                        uint64_t eng1);

/* What a step of the days does to one creator's aggregates. */
typedef enum pd_cert_move_kind {
    PD_CERT_MOVE_NONE = 0, /* aggregates as they are (re-judged only)          */
    PD_CERT_MOVE_SET,      /* aggregates replaced by `sums` (recomputed)        */
    PD_CERT_MOVE_SHIFT,    /* the posts `out` leave the window, those `in` enter */
} pd_cert_move_kind;

typedef struct pd_cert_move {
    pd_cert_move_kind kind;
    pd_cert_sums sums;    /* PD_CERT_MOVE_SET   */
    pd_cert_sums out, in; /* PD_CERT_MOVE_SHIFT */
} pd_cert_move;

/* Applies m to r's aggregates. -1 (r unchanged) when the row does not hold
 * what leaves or would not hold what enters: it is out of step. */
int pd_cert_apply_move(pd_cert_row *r, const pd_cert_move *m);

/* What a row's change needs stored. */
typedef enum pd_cert_write {
    PD_CERT_KEEP = 0, /* nothing changed: write nothing                        */
    PD_CERT_STORE,    /* the row changed: store it                             */
    PD_CERT_RECORD,   /* the verdict changed: store it and a status_history row */
} pd_cert_write;

/* Judges `now` (its aggregates set, its verdict still `was`'s) under p,
 * dates its verdict (since = at when it changes, or when the row was never
 * judged) and says what to write; *t (unless NULL) gets the change of
 * verdict. */
pd_cert_write pd_cert_settle(const pd_policy *p, const pd_cert_row *was, pd_cert_row *now,
                             int64_t at, pd_transition *t);

/* 1 when the aggregates of a and b differ (the creator's window was
 * touched), 0 when only the verdict or nothing changed. */
int pd_cert_sums_differ(const pd_cert_row *a, const pd_cert_row *b);

#endif
