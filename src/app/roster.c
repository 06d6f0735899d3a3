/* roster.c - an MCN's roster (see roster.h): read from the store in one
 * read transaction, each certified creator projected over the next days
 * (core/risk.h), sorted, and paged.
 *
 * Reading: one read transaction holds the MCN, the online state, the
 * pending activations, the creators and their posts, so the roster is one
 * state of the data. The posts come by creator id, as the creators do, so
 * each creator is projected as soon as its posts are in: a roster holds
 * one creator's posts at a time, never the MCN's. */
#include "app/roster.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/online.h"
#include "util/buf.h"
#include "util/num.h"

#define PENDING_MAX 64 /* activations of the horizon's days looked at */

const char *pd_standing_name(pd_standing s)
{
    switch (s) {
    case PD_STANDING_AT_RISK: return "at_risk";
    case PD_STANDING_NOT_CERTIFIED: return "not_certified";
    case PD_STANDING_CERTIFIED: return "certified";
    case PD_STANDING_ALL: break;
    }
    return "all";
}

int pd_standing_from_name(const char *s, pd_standing *out)
{
    if (!s || !s[0]) {
        *out = PD_STANDING_ALL;
        return 0;
    }
    for (int k = PD_STANDING_AT_RISK; k <= PD_STANDING_ALL; k++)
        if (strcmp(s, pd_standing_name((pd_standing)k)) == 0) {
            *out = (pd_standing)k;
            return 0;
        }
    return -1;
}

/* ---- reading -------------------------------------------------------------------------- */

typedef struct loader {
    pd_roster *r;
    size_t cap;
    size_t next;         /* the first row not yet projected (rows by id)   */
    pd_risk_post *posts; /* the posts of the creator being read             */
    size_t nposts, pcap;
    int64_t creator; /* whose posts those are; 0: none yet              */
    pd_risk_change changes[PD_ROSTER_HORIZON];
    int failed; /* a projection overflowed, or memory ran out      */
} loader;

static int add_row(void *ctx, const pd_creator_hit *h)
{
    loader *l = ctx;
    pd_roster *r = l->r;
    if (r->n == PD_ROSTER_CREATORS_MAX)
        return PD_ETOOBIG;
    pd_roster_row *rows = pd_grow(r->rows, &l->cap, r->n, sizeof *rows, 64);
    if (!rows)
        return PD_ENOMEM;
    r->rows = rows;
    pd_roster_row *row = &r->rows[r->n++];
    memset(row, 0, sizeof *row);
    row->id = h->c.id;
    memcpy(row->handle, h->c.handle, sizeof row->handle);
    memcpy(row->category, h->c.category, sizeof row->category);
    row->st = h->st;
    row->standing =
        h->st.certified && r->state.policy_id ? PD_STANDING_CERTIFIED : PD_STANDING_NOT_CERTIFIED;
    row->risk.change = -1;
    return 0;
}

/* Projects the certified rows up to creator `upto` (exclusive), the one
 * whose posts were read (l->creator) with them, the others without posts. */
static void project_upto(loader *l, int64_t upto)
{
    pd_roster *r = l->r;
    for (; l->next < r->n && r->rows[l->next].id < upto; l->next++) {
        pd_roster_row *row = &r->rows[l->next];
        if (row->standing != PD_STANDING_CERTIFIED)
            continue;
        int mine = row->id == l->creator;
        if (pd_risk_project(&r->state.policy, l->changes, r->nchanges, r->state.today,
                            PD_ROSTER_HORIZON, row->st.followers, mine ? l->posts : NULL,
                            mine ? l->nposts : 0, &row->risk) < 0)
            l->failed = 1;
        else if (row->risk.cause != PD_RISK_NONE)
            row->standing = PD_STANDING_AT_RISK;
    }
}

static int add_post(void *ctx, const pd_post_rec *p)
{
    loader *l = ctx;
    if (p->creator_id != l->creator) {
        project_upto(l, l->creator + 1);
        l->creator = p->creator_id;
        l->nposts = 0;
    }
    pd_risk_post *posts = pd_grow(l->posts, &l->pcap, l->nposts, sizeof *posts, 256);
    if (!posts)
        return PD_ENOMEM;
    l->posts = posts;
    l->posts[l->nposts++] = (pd_risk_post){
        .day = pd_day_of(p->published_at), .sponsored = p->sponsored, .views = p->views};
    return 0;
}

typedef struct pending {
    pd_activation_rec a[PENDING_MAX];
    size_t n;
    int64_t today;
} pending;

/* Activations not yet applied that start on a day of the horizon. */
static int add_pending(void *ctx, const pd_activation_rec *a)
{
    pending *p = ctx;
    if (a->applied_at == 0 && a->from_day > p->today &&
        a->from_day <= p->today + PD_ROSTER_HORIZON && p->n < PENDING_MAX)
        p->a[p->n++] = *a;
    return 0;
}

/* The horizon's scheduled policies: for each day the activation made last
 * (the list is newest first), in day order. */
static int load_changes(pd_db *db, pd_roster *r, loader *l, pd_error *err)
{
    pending *p = calloc(1, sizeof *p);
    if (!p)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    p->today = r->state.today;
    int rc = pd_db_activation_list(db, add_pending, p, err);
    for (int64_t day = r->state.today + 1; rc == PD_OK && day <= r->state.today + PD_ROSTER_HORIZON;
         day++) {
        for (size_t i = 0; i < p->n; i++) {
            if (p->a[i].from_day != day)
                continue;
            pd_roster_change *c = &r->changes[r->nchanges];
            c->from_day = day;
            rc = pd_db_policy_get(db, p->a[i].policy_id, &c->rec, err);
            if (rc == PD_OK) {
                l->changes[r->nchanges] = (pd_risk_change){day, &c->rec.policy};
                r->nchanges++;
            }
            break;
        }
    }
    free(p);
    return rc;
}

static int rank_cmp(const void *a, const void *b)
{
    const pd_roster_row *x = a, *y = b;
    if (x->standing != y->standing)
        return x->standing < y->standing ? -1 : 1;
    if (x->standing == PD_STANDING_AT_RISK && x->risk.day != y->risk.day)
        return x->risk.day < y->risk.day ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int pd_roster_load(pd_store *store, int64_t mcn_id, pd_roster **out, pd_error *err)
{
    *out = NULL;
    pd_roster *r = calloc(1, sizeof *r);
    loader l = {.r = r};
    if (!r)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_db *db;
    int rc = pd_store_acquire(store, &db, err);
    if (rc) {
        free(r);
        return rc;
    }
    rc = pd_db_read_begin(db, NULL, err);
    if (rc == PD_OK) {
        rc = pd_db_mcn_get(db, mcn_id, &r->mcn, err);
        if (rc == PD_ENOTFOUND)
            pd_error_set(err, PD_ENOTFOUND, "There is no MCN %" PRId64 ".", mcn_id);
        if (rc == PD_OK)
            rc = pd_db_online_state(db, &r->state, err);
        if (rc == PD_OK && r->state.policy_id)
            rc = pd_db_policy_get(db, r->state.policy_id, &r->in_force, err);
        if (rc == PD_OK && r->state.policy_id)
            rc = load_changes(db, r, &l, err);
        if (rc == PD_OK) {
            rc = pd_db_mcn_creators(db, mcn_id, add_row, &l, err);
            if (rc == PD_ETOOBIG)
                pd_error_set(err, PD_ETOOBIG,
                             "MCN %" PRId64 " has more than %d creators: too many for one roster",
                             mcn_id, PD_ROSTER_CREATORS_MAX);
        }
        if (rc == PD_OK && r->state.policy_id) {
            /* the posts any window of the horizon's days holds: from the
             * first day of the widest window on the first day ahead */
            uint32_t widest = r->state.policy.window_days;
            for (size_t i = 0; i < r->nchanges; i++)
                if (r->changes[i].rec.policy.window_days > widest)
                    widest = r->changes[i].rec.policy.window_days;
            int64_t from = pd_online_first_day(r->state.today + 1, widest) * 86400;
            rc = pd_db_mcn_posts_since(db, mcn_id, from, 1, add_post, &l, err);
            if (rc == PD_OK) {
                project_upto(&l, INT64_MAX);
                if (l.failed)
                    rc = pd_error_set(err, PD_EINTERNAL,
                                      "MCN %" PRId64 ": a creator's window overflows", mcn_id);
            }
        }
        if (rc == PD_ENOMEM)
            pd_error_set(err, PD_ENOMEM, "out of memory");
        pd_db_read_end(db);
    }
    pd_store_release(store, db);
    free(l.posts);
    if (rc) {
        pd_roster_free(r);
        return rc;
    }
    for (size_t i = 0; i < r->n; i++) {
        pd_standing s = r->rows[i].standing;
        r->certified += s != PD_STANDING_NOT_CERTIFIED;
        r->at_risk += s == PD_STANDING_AT_RISK;
        r->not_certified += s == PD_STANDING_NOT_CERTIFIED;
    }
    qsort(r->rows, r->n, sizeof *r->rows, rank_cmp);
    *out = r;
    return PD_OK;
}

void pd_roster_free(pd_roster *r)
{
    if (!r)
        return;
    free(r->rows);
    free(r);
}

const pd_policy_rec *pd_roster_risk_policy(const pd_roster *r, const pd_roster_row *row)
{
    int c = row->risk.change;
    return c >= 0 && (size_t)c < r->nchanges ? &r->changes[c].rec : &r->in_force;
}

/* ---- pages of the roster ----------------------------------------------------------- */

/* A row's place in the roster order, as a cursor: "<standing>.<day>.<id>". */
static void cursor_of(const pd_roster_row *row, char *buf)
{
    snprintf(buf, PD_ROSTER_CURSOR_MAX, "%d.%" PRId64 ".%" PRId64, (int)row->standing,
             row->standing == PD_STANDING_AT_RISK ? row->risk.day : 0, row->id);
}

/* Parses "<standing>.<day>.<id>" into a row holding that place. */
static int parse_cursor(const char *s, pd_roster_row *at)
{
    uint64_t v[3];
    const char *why;
    for (int k = 0; k < 3; k++) {
        const char *end = k < 2 ? strchr(s, '.') : s + strlen(s);
        if (!end || pd_parse_uint(s, (size_t)(end - s), INT64_MAX, &v[k], &why) < 0)
            return -1;
        s = end + (k < 2);
    }
    if (v[0] > PD_STANDING_CERTIFIED)
        return -1;
    memset(at, 0, sizeof *at);
    at->standing = (pd_standing)v[0];
    at->risk.day = (int64_t)v[1];
    at->id = (int64_t)v[2];
    return 0;
}

int pd_roster_page(const pd_roster *r, pd_standing filter, const char *after, size_t limit,
                   size_t *first, size_t *count, char *next, pd_error *err)
{
    size_t i = 0;
    next[0] = '\0';
    if (after && after[0]) {
        pd_roster_row at;
        if (parse_cursor(after, &at) < 0)
            return pd_error_set(err, PD_EINPUT,
                                "after: '%.40s' is not the next of a roster page: start again "
                                "from the first page",
                                after);
        while (i < r->n && rank_cmp(&r->rows[i], &at) <= 0)
            i++;
    }
    while (i < r->n && filter != PD_STANDING_ALL && r->rows[i].standing < filter)
        i++;
    size_t n = 0;
    while (i + n < r->n && n < limit &&
           (filter == PD_STANDING_ALL || r->rows[i + n].standing == filter))
        n++;
    *first = i;
    *count = n;
    if (n > 0 && i + n < r->n && (filter == PD_STANDING_ALL || r->rows[i + n].standing == filter))
        cursor_of(&r->rows[i + n - 1], next);
    return PD_OK;
}
