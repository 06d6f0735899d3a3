/*
 * roster.h - the use case of reading an MCN's roster: its creators,
 * certified or not, those at risk of losing certification within the next
 * 7 days, and what each must change. The route GET /api/mcns/{id}/creators
 * (api/mcns.h) and the page /mcns/{id} (pages) both read it with
 * pd_roster_load, which decides each creator's standing:
 *   at_risk        certified today, and failing on some day of the next
 *                  PD_ROSTER_HORIZON days if nothing else happens (no new
 *                  posts, counters as they are): posts leave the window, or
 *                  a scheduled activation of another policy starts
 *                  (core/risk.h says how a day is judged);
 *   not_certified  failing today (or no policy in force);
 *   certified      certified today and on each of those days.
 * Rows come at risk first (soonest day first), then not certified, then
 * certified, each by creator id; a page's cursor is the last row's place
 * in that order.
 *
 * pd_roster_load owns its read transaction: one state of the data.
 *
 * Memory: pd_roster_load allocates the roster; pd_roster_free releases it.
 */
#ifndef PD_APP_ROSTER_H
#define PD_APP_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/risk.h"
#include "store/store.h"
#include "util/error.h"

#define PD_ROSTER_HORIZON 7           /* days ahead a roster looks               */
#define PD_ROSTER_CREATORS_MAX 200000 /* creators of one MCN a roster reads    */
#define PD_ROSTER_CURSOR_MAX 48       /* a cursor's text, with its NUL           */

typedef enum pd_standing {
    PD_STANDING_AT_RISK = 0,
    PD_STANDING_NOT_CERTIFIED = 1,
    PD_STANDING_CERTIFIED = 2,
    PD_STANDING_ALL = 3, /* a filter only */
} pd_standing;

/* "at_risk", "not_certified", "certified" ("all" for the filter). */
const char *pd_standing_name(pd_standing s);
/* The standing named s (the three above, "all" or "" for all); -1 else. */
int pd_standing_from_name(const char *s, pd_standing *out);

typedef struct pd_roster_row {
    int64_t id;
    char handle[PD_HANDLE_MAX];
    char category[PD_CATEGORY_MAX];
    pd_creator_status st; /* today's verdict (followers, window, failed rules) */
    pd_standing standing;
    pd_risk risk; /* at_risk: the first day that fails and why       */
} pd_roster_row;

/* A policy activated from a day of the horizon, not yet in force. */
typedef struct pd_roster_change {
    int64_t from_day;
    pd_policy_rec rec;
} pd_roster_change;

typedef struct pd_roster {
    pd_org_rec mcn;
    pd_online_state state;  /* the policy in force (policy_id 0: none), today */
    pd_policy_rec in_force; /* its stored record, when there is one           */
    pd_roster_change changes[PD_ROSTER_HORIZON]; /* by from_day, one a day    */
    size_t nchanges;
    uint64_t certified, at_risk, not_certified; /* at_risk counts among certified */
    pd_roster_row *rows;                        /* every creator of the MCN, in roster order      */
    size_t n;
} pd_roster;

/* Reads MCN mcn_id's roster from one snapshot of the store: PD_ENOTFOUND
 * ("There is no MCN 9.") for an unknown MCN, PD_ETOOBIG past
 * PD_ROSTER_CREATORS_MAX creators, store errors. *out: free with
 * pd_roster_free. */
int pd_roster_load(pd_store *store, int64_t mcn_id, pd_roster **out, pd_error *err);
void pd_roster_free(pd_roster *r);

/* The policy a risk is judged under: a change's record, or the one in force. */
const pd_policy_rec *pd_roster_risk_policy(const pd_roster *r, const pd_roster_row *row);

/* A page of the roster: the index of its first row and how many (at most
 * limit), for the rows of standing `filter` after the cursor `after` (NULL
 * or "" for the first page). *next (PD_ROSTER_CURSOR_MAX bytes) gets the
 * cursor of the page after, or "" when this is the last. PD_EINPUT for a
 * cursor that is not one. A page is a run of consecutive rows, since a
 * filter's rows are consecutive. */
int pd_roster_page(const pd_roster *r, pd_standing filter, const char *after, size_t limit,
                   size_t *first, size_t *count, char *next, pd_error *err);

#endif
