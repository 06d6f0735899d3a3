/*
 * creators.h - the use cases that write creators and posts: create and
 * patch a creator, publish a post, feed a post's metrics, record a
 * follower history brought in from elsewhere.
 *
 * Each one is one transaction on a connection of its own: it begins, reads
 * what it needs, stores the write, keeps the creator's verdict current
 * (app/online.h: a new creator or new followers are judged, a post moves
 * its creator's window aggregates by its delta), reads back what the
 * caller answers with, and commits; on any failure nothing is stored. The
 * clock (pd_store_now) is read here, once per use case.
 *
 * Memory: records are filled into caller storage (a creator holds a 1 KiB
 * bio: keep them off small stacks).
 */
#ifndef PD_APP_CREATORS_H
#define PD_APP_CREATORS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* Creates creator c (every field but created_at/updated_at, which the
 * clock sets) and judges it. PD_ECONFLICT when the id exists (the message
 * names PATCH /api/creators/{id}). *out and *st (not NULL) get the creator
 * and its status as stored. */
int pd_app_creator_create(pd_store *s, const pd_creator_rec *c, pd_creator_rec *out,
                          pd_creator_status *st, pd_error *err);

/* Which fields a patch sets. */
enum {
    PD_PATCH_HANDLE = 1u << 0,
    PD_PATCH_CATEGORY = 1u << 1,
    PD_PATCH_BIO = 1u << 2,
    PD_PATCH_FOLLOWERS = 1u << 3,
    PD_PATCH_MCN = 1u << 4,
};

/* Sets the fields of creator id named by `fields` (PD_PATCH_*) to those of
 * *to; new followers re-judge the creator. PD_ENOTFOUND for no such
 * creator. *out (required; it is also the working copy) and *st (not
 * NULL) get the creator and its status as stored. */
int pd_app_creator_patch(pd_store *s, int64_t id, unsigned fields, const pd_creator_rec *to,
                         pd_creator_rec *out, pd_creator_status *st, pd_error *err);

/* Publishes a post of creator p->creator_id (p->sponsored given) now: the
 * store gives its id (p->id), the clock its time (p->published_at), and
 * its counters start at 0. PD_ENOTFOUND for an unknown creator (checked
 * first). *st (not NULL) gets the creator's status after it; *policy (not
 * NULL) the policy in force (policy->id 0: none). */
int pd_app_post_publish(pd_store *s, pd_post_rec *p, pd_creator_status *st, pd_policy_rec *policy,
                        pd_error *err);

/* Sets a post's counts (the platform's feed) and moves its creator's
 * aggregates when it is in the window. *after (not NULL) gets the post as
 * stored. PD_ENOTFOUND for no such post. */
int pd_app_post_metrics(pd_store *s, int64_t id, uint64_t views, uint64_t likes, uint64_t comments,
                        uint64_t collects, pd_post_rec *after, pd_error *err);

/* A past follower count of a creator, brought in from elsewhere. */
typedef struct pd_follower_count {
    int64_t creator_id;
    int64_t at; /* seconds since the epoch */
    uint64_t followers;
} pd_follower_count;

/* Records n past follower counts (another system's history, the demo's
 * generated one) in one transaction: all of them, or none. Each is a row
 * of its creator's follower history and nothing else: the current count
 * and the verdict do not change (no clock is read). PD_EINPUT for a
 * creator that does not exist or a count over PD_COUNT_MAX. */
int pd_app_followers_record(pd_store *s, const pd_follower_count *counts, size_t n, pd_error *err);

#endif
