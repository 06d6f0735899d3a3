/* test_online.c - online certification through its use cases (app/online.h)
 * over the store (store.h, "policies and online certification"): stored
 * policy versions, activations, the window aggregates kept after each
 * store write by pd_app_online_post_added, pd_app_online_post_changed and
 * pd_app_online_touch, the status history with its causes and explanations,
 * day steps taking posts out, the recompute after an import, the verdicts
 * file; and a randomized property test that drives posts (some at a
 * midnight or a second either side, some after today), metric updates,
 * follower changes, new creators, day steps and policy changes in random
 * order and compares every creator, after every operation, with a
 * from-scratch computation through core/policy.h.
 *
 * Each test gets a fresh directory and an open, migrated store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/num.h"
#include "core/online.h"
#include "app/online.h"
#include "app/import.h"
#include "store/store.h"

#include "../store/fixture.h"

/* ---- the writes, as the use cases make them ------------------------------------
 *
 * Each store write followed by what the use cases of app/creators.h do to
 * keep the creator's verdict current (app/online.h), in the caller's
 * transaction (or, outside one, right after the write). */

static int post_add(pd_db *d, const pd_post_rec *p, pd_error *err)
{
    int rc = pd_db_post_add(d, p, err);
    return rc ? rc : pd_app_online_post_added(d, p, pd_db_now(d), err);
}

static int set_metrics(pd_db *d, int64_t id, uint64_t views, uint64_t likes, uint64_t comments,
                       uint64_t collects, pd_post_rec *before, pd_error *err)
{
    pd_post_rec was, now;
    int rc = pd_db_post_set_metrics(d, id, views, likes, comments, collects, &was, err);
    if (rc)
        return rc;
    if (before)
        *before = was;
    now = was;
    now.views = views;
    now.likes = likes;
    now.comments = comments;
    now.collects = collects;
    return pd_app_online_post_changed(d, &was, &now, pd_db_now(d), err);
}

static int creator_put(pd_db *d, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    pd_creator_rec *old = malloc(sizeof *old);
    if (!old)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_error ignored;
    int had = pd_db_creator_get(d, c->id, old, &ignored) == PD_OK;
    int rc = pd_db_creator_put(d, c, at, err);
    if (rc == PD_OK && (!had || old->followers != c->followers))
        rc = pd_app_online_touch(d, c->id, "followers", err);
    free(old);
    return rc;
}

/* ---- fixture ------------------------------------------------------------------- */

static int setup(void **state)
{
    struct pd_store_fx *f = pd_store_fx_new("online", 4);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

#define DAY0 18000 /* 2019-04-14 */

static pd_creator_rec creator(int64_t id, uint64_t followers)
{
    pd_creator_rec c;
    memset(&c, 0, sizeof c);
    c.id = id;
    snprintf(c.handle, sizeof c.handle, "c%lld", (long long)id);
    snprintf(c.category, sizeof c.category, "beauty");
    c.followers = followers;
    return c;
}

static pd_post_rec post(int64_t id, int64_t creator_id, int64_t day, int sponsored, uint64_t views)
{
    pd_post_rec p = {.id = id,
                     .creator_id = creator_id,
                     .published_at = {day * 86400 + 3600, 0},
                     .sponsored = sponsored,
                     .views = views,
                     .likes = views / 10,
                     .comments = 1,
                     .collects = 2};
    return p;
}

/* Stores a policy and activates it from `day`; returns its id. */
static int64_t add_policy(pd_db *d, const pd_policy *p, int64_t day)
{
    pd_error err = {0};
    pd_policy_rec r = {.policy = *p};
    ASSERT_CODE(PD_OK, pd_db_policy_add(d, &r, 1000, &err));
    ASSERT_CODE(PD_OK, pd_db_policy_activate(d, r.id, day, 0, 1000, NULL, &err));
    return r.id;
}

static void advance(pd_store *s, int64_t day, pd_online_report *rep)
{
    pd_error err = {0};
    pd_online_report local;
    ASSERT_CODE(PD_OK, pd_app_online_advance(s, day, rep ? rep : &local, &err));
}

static pd_creator_status status(pd_db *d, int64_t id)
{
    pd_error err = {0};
    pd_creator_status st;
    ASSERT_CODE(PD_OK, pd_db_creator_status(d, id, &st, &err));
    return st;
}

struct hist {
    pd_status_change c[64];
    size_t n;
};

static int collect(void *ctx, const pd_status_change *c)
{
    struct hist *h = ctx;
    if (h->n < 64)
        h->c[h->n++] = *c;
    return 0;
}

static struct hist history(pd_db *d, int64_t id)
{
    pd_error err = {0};
    struct hist h = {0};
    ASSERT_CODE(PD_OK, pd_db_status_history(d, id, 0, 0, collect, &h, &err));
    return h;
}

/* ---- policies and activations --------------------------------------------------------- */

struct plist {
    pd_policy_rec r[8];
    size_t n;
};

static int collect_policy(void *ctx, const pd_policy_rec *r)
{
    struct plist *l = ctx;
    if (l->n < 8)
        l->r[l->n++] = *r;
    return 0;
}

static void test_policy_versions(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_policy_rec a = {.policy = *pd_policy_preset("red-2019-v2"), .created_by = 0};
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &a, 111, &err));
    assert_int_equal(a.version, 1);
    assert_int_equal(a.created_at, 111);
    pd_policy_rec b = {.policy = *pd_policy_preset("red-2019-v2")};
    b.policy.threshold[PD_RULE_MIN_FOLLOWERS] = 6000;
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &b, 222, &err));
    assert_int_equal(b.version, 2);
    assert_true(b.id != a.id);
    pd_policy_rec c = {.policy = *pd_policy_preset("red-2019-v1")};
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &c, 333, &err));
    assert_int_equal(c.version, 1);

    /* A stored version never changes: it reads back as stored. */
    pd_policy_rec g;
    ASSERT_CODE(PD_OK, pd_db_policy_get(f->d, a.id, &g, &err));
    assert_int_equal(g.version, 1);
    assert_int_equal(g.policy.threshold[PD_RULE_MIN_FOLLOWERS], 5000);
    assert_memory_equal(&g.policy, pd_policy_preset("red-2019-v2"), sizeof g.policy);
    ASSERT_CODE(PD_OK, pd_db_policy_get(f->d, b.id, &g, &err));
    assert_int_equal(g.policy.threshold[PD_RULE_MIN_FOLLOWERS], 6000);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_policy_get(f->d, 99, &g, &err));

    struct plist l = {0};
    ASSERT_CODE(PD_OK, pd_db_policy_list(f->d, collect_policy, &l, &err));
    assert_int_equal(l.n, 3);
    assert_string_equal(l.r[0].policy.name, "red-2019-v1");
    assert_string_equal(l.r[1].policy.name, "red-2019-v2");
    assert_int_equal(l.r[1].version, 1);
    assert_int_equal(l.r[2].version, 2);

    /* Refused: an invalid policy, a creator that is no user. */
    pd_policy_rec bad = {.policy = *pd_policy_preset("red-2019-v1")};
    bad.policy.window_days = 0;
    ASSERT_CODE(PD_EINPUT, pd_db_policy_add(f->d, &bad, 1, &err));
    bad.policy.window_days = 30;
    bad.created_by = 42;
    ASSERT_CODE(PD_EINPUT, pd_db_policy_add(f->d, &bad, 1, &err));
    assert_non_null(strstr(err.msg, "no user with id 42"));
    l.n = 0;
    ASSERT_CODE(PD_OK, pd_db_policy_list(f->d, collect_policy, &l, &err));
    assert_int_equal(l.n, 3);
}

struct alist {
    pd_activation_rec a[8];
    size_t n;
};

static int collect_act(void *ctx, const pd_activation_rec *a)
{
    struct alist *l = ctx;
    if (l->n < 8)
        l->a[l->n++] = *a;
    return 0;
}

static void test_activation(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_online_state st;
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_int_equal(st.policy_id, 0);
    assert_int_equal(st.today, 0);
    assert_true(st.stale);

    pd_policy_rec v1 = {.policy = *pd_policy_preset("red-2019-v1")};
    pd_policy_rec v2 = {.policy = *pd_policy_preset("red-2019-v2")};
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &v1, 1, &err));
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &v2, 1, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_policy_activate(f->d, 77, DAY0, 0, 1, NULL, &err));
    ASSERT_CODE(PD_EINPUT, pd_db_policy_activate(f->d, v1.id, DAY0, 5, 1, NULL, &err));

    pd_creator_rec none = {0};
    ASSERT_CODE(PD_EINPUT, creator_put(f->d, &none, 1, &err));
    pd_creator_rec c = creator(1, 2000);
    ASSERT_CODE(PD_OK, creator_put(f->d, &c, 1, &err));

    /* v2 from DAY0 + 2, replaced for that day by v1 before it takes effect;
     * v2 from DAY0 + 5. */
    pd_activation_rec a;
    ASSERT_CODE(PD_OK, pd_db_policy_activate(f->d, v2.id, DAY0 + 2, 0, 10, &a, &err));
    ASSERT_CODE(PD_OK, pd_db_policy_activate(f->d, v1.id, DAY0 + 2, 0, 11, &a, &err));
    ASSERT_CODE(PD_OK, pd_db_policy_activate(f->d, v2.id, DAY0 + 5, 0, 12, &a, &err));
    struct alist l = {0};
    ASSERT_CODE(PD_OK, pd_db_activation_list(f->d, collect_act, &l, &err));
    assert_int_equal(l.n, 2);
    assert_int_equal(l.a[0].policy_id, v2.id); /* newest first */
    assert_int_equal(l.a[0].from_day, DAY0 + 5);
    assert_int_equal(l.a[1].policy_id, v1.id);
    assert_int_equal(l.a[1].applied_at, 0);

    pd_online_report rep;
    advance(f->s, DAY0, &rep);
    assert_true(rep.recomputed);
    assert_false(rep.policy_changed);
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_int_equal(st.today, DAY0);
    assert_false(st.stale);
    assert_int_equal(st.policy_id, 0);
    assert_int_equal(status(f->d, 1).certified, 0);

    advance(f->s, DAY0 + 3, &rep);
    assert_true(rep.policy_changed);
    assert_int_equal(rep.from_day, DAY0);
    assert_int_equal(rep.to_day, DAY0 + 3);
    assert_int_equal(rep.gained, 1);
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_int_equal(st.policy_id, v1.id);
    assert_int_equal(st.version, 1);
    assert_string_equal(st.policy.name, "red-2019-v1");
    assert_int_equal(st.certified, 1);
    struct hist h = history(f->d, 1);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.c[0].cause, "policy");
    assert_int_equal(h.c[0].certified, 1);
    assert_int_equal(h.c[0].policy_id, v1.id);

    /* An earlier day changes nothing. */
    advance(f->s, DAY0 + 1, &rep);
    assert_int_equal(rep.to_day, DAY0 + 3);
    assert_false(rep.policy_changed);

    advance(f->s, DAY0 + 5, &rep);
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_int_equal(st.policy_id, v2.id);
    assert_int_equal(st.certified, 0);
    h = history(f->d, 1);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.c[0].certified, 0);
    assert_string_equal(h.c[0].cause, "policy");
    assert_non_null(strstr(h.c[0].explanation, "followers 2000 < 5000"));
    assert_non_null(strstr(h.c[0].explanation, "(no posts in the 30-day window)"));
    l.n = 0;
    ASSERT_CODE(PD_OK, pd_db_activation_list(f->d, collect_act, &l, &err));
    assert_true(l.a[0].applied_at > 0 && l.a[1].applied_at > 0);

    /* Activated for a day already reached: in force at the next advance to
     * the same day. */
    ASSERT_CODE(PD_OK, pd_db_policy_activate(f->d, v1.id, DAY0 + 4, 0, 13, &a, &err));
    advance(f->s, DAY0 + 5, &rep);
    assert_true(rep.policy_changed);
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_int_equal(st.policy_id, v1.id);
    assert_int_equal(st.today, DAY0 + 5);
}

/* ---- aggregates and history ----------------------------------------------------------- */

static void test_aggregates_and_history(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    int64_t v2 = add_policy(f->d, pd_policy_preset("red-2019-v2"), DAY0);
    advance(f->s, DAY0, NULL);

    pd_creator_rec c = creator(1, 6000);
    ASSERT_CODE(PD_OK, creator_put(f->d, &c, 5, &err));
    pd_creator_status st = status(f->d, 1);
    assert_int_equal(st.policy_id, v2);
    assert_int_equal(st.certified, 0);
    assert_true(st.failed != 0);
    assert_true(st.since > 0);

    /* 4 sponsored + 16 organic posts of 12,000 views in the window. */
    int64_t id = 1;
    for (int i = 0; i < 20; i++) {
        pd_post_rec p = post(id++, 1, DAY0 - (i % 25), i < 4, 12000);
        ASSERT_CODE(PD_OK, post_add(f->d, &p, &err));
    }
    /* Outside the window: does not count. */
    pd_post_rec old = post(id++, 1, DAY0 - 30, 0, 5);
    ASSERT_CODE(PD_OK, post_add(f->d, &old, &err));
    st = status(f->d, 1);
    assert_int_equal(st.win.posts, 20);
    assert_int_equal(st.win.sponsored, 4);
    assert_int_equal(st.win.views, 240000);
    assert_int_equal(st.engagements, 20 * (1200 + 3));
    assert_int_equal(st.avg_views, 1200000);
    assert_int_equal(st.engagement_bp, 20 * 1203 * 10000 / 240000);
    assert_int_equal(st.certified, 1);
    assert_int_equal(st.failed, 0);
    struct hist h = history(f->d, 1);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.c[0].cause, "post");
    assert_int_equal(h.c[0].certified, 1);
    assert_string_equal(h.c[0].explanation, "");
    assert_int_equal(st.since, h.c[0].at);

    /* Metrics: one post falls to 0 views; the average 11400 still passes. */
    pd_post_rec before;
    ASSERT_CODE(PD_OK, set_metrics(f->d, 5, 0, 0, 0, 0, &before, &err));
    assert_int_equal(before.views, 12000);
    st = status(f->d, 1);
    assert_int_equal(st.win.views, 228000);
    assert_int_equal(st.certified, 1);
    /* Three more: 9000 average, lost. */
    for (int64_t p = 6; p <= 8; p++)
        ASSERT_CODE(PD_OK, set_metrics(f->d, p, 0, 0, 0, 0, NULL, &err));
    st = status(f->d, 1);
    assert_int_equal(st.win.views, 192000);
    assert_int_equal(st.avg_views, 960000);
    assert_int_equal(st.certified, 0);
    assert_int_equal(st.failed, 1u << PD_RULE_MIN_AVG_VIEWS);
    h = history(f->d, 1);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.c[0].cause, "metrics");
    assert_string_equal(h.c[0].explanation, "avg_views 9600.00 < 10000");
    /* The post outside the window changes nothing. */
    ASSERT_CODE(PD_OK, set_metrics(f->d, old.id, 999999, 0, 0, 0, NULL, &err));
    assert_int_equal(status(f->d, 1).win.views, 192000);
    /* Back up, then followers fall. */
    ASSERT_CODE(PD_OK, set_metrics(f->d, 6, 80000, 0, 0, 0, NULL, &err));
    assert_int_equal(status(f->d, 1).certified, 1);
    c.followers = 4000;
    ASSERT_CODE(PD_OK, creator_put(f->d, &c, 6, &err));
    st = status(f->d, 1);
    assert_int_equal(st.certified, 0);
    assert_int_equal(st.followers, 4000);
    h = history(f->d, 1);
    assert_int_equal(h.n, 4);
    assert_string_equal(h.c[0].cause, "followers");
    assert_string_equal(h.c[0].explanation, "followers 4000 < 5000");
    assert_string_equal(h.c[1].cause, "metrics");
    assert_int_equal(h.c[1].certified, 1);
    /* Paging: newest first, before an id, a limit. */
    struct hist page = {0};
    ASSERT_CODE(PD_OK, pd_db_status_history(f->d, 1, h.c[1].id, 1, collect, &page, &err));
    assert_int_equal(page.n, 1);
    assert_int_equal(page.c[0].id, h.c[2].id);
    ASSERT_CODE(PD_ENOTFOUND, pd_db_status_history(f->d, 99, 0, 0, collect, &page, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_status(f->d, 99, &st, &err));

    /* A new creator is judged at once; a failed call changes nothing. */
    pd_creator_rec big = creator(2, 100);
    ASSERT_CODE(PD_OK, creator_put(f->d, &big, 7, &err));
    assert_int_equal(history(f->d, 2).n, 0);
    pd_post_rec dup = post(1, 2, DAY0, 0, 50000);
    ASSERT_CODE(PD_ECONFLICT, post_add(f->d, &dup, &err));
    assert_int_equal(status(f->d, 2).win.posts, 0);

    /* In the caller's transaction: rolled back with it. */
    ASSERT_CODE(PD_OK, pd_db_begin(f->d, &err));
    pd_post_rec p = post(100, 2, DAY0, 0, 50000);
    ASSERT_CODE(PD_OK, post_add(f->d, &p, &err));
    assert_int_equal(status(f->d, 2).win.posts, 1);
    pd_db_rollback(f->d);
    assert_int_equal(status(f->d, 2).win.posts, 0);
}

static void test_day_steps(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_policy p = *pd_policy_preset("red-2019-v1");
    p.window_days = 3;
    p.rules |= 1u << PD_RULE_MIN_POSTS;
    p.threshold[PD_RULE_MIN_POSTS] = 2;
    add_policy(f->d, &p, DAY0);
    advance(f->s, DAY0, NULL);
    for (int64_t i = 1; i <= 3; i++) {
        pd_creator_rec c = creator(i, 5000);
        ASSERT_CODE(PD_OK, creator_put(f->d, &c, 1, &err));
    }
    /* creator 1: days DAY0-2, DAY0-1, DAY0; creator 2: DAY0-2 twice, and
     * DAY0 + 2 (later: not counted before its day); creator 3: the last
     * second of DAY0 (counts) and the next midnight (counts from DAY0 + 1:
     * a post at the evaluation instant is out, core/window.h). */
    pd_post_rec ps[] = {post(1, 1, DAY0 - 2, 0, 10), post(2, 1, DAY0 - 1, 0, 20),
                        post(3, 1, DAY0, 1, 30),     post(4, 2, DAY0 - 2, 0, 40),
                        post(5, 2, DAY0 - 2, 1, 50), post(6, 2, DAY0 + 2, 0, 60),
                        post(7, 3, DAY0, 0, 70),     post(8, 3, DAY0 + 1, 0, 80)};
    ps[6].published_at.sec = (DAY0 + 1) * 86400 - 1;
    ps[7].published_at.sec = (DAY0 + 1) * 86400;
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        ASSERT_CODE(PD_OK, post_add(f->d, &ps[i], &err));
    assert_int_equal(status(f->d, 1).win.posts, 3);
    assert_int_equal(status(f->d, 2).win.posts, 2);
    assert_int_equal(status(f->d, 2).certified, 1);
    assert_int_equal(status(f->d, 3).win.posts, 1);
    assert_int_equal(status(f->d, 3).win.views, 70);
    assert_int_equal(status(f->d, 3).certified, 0);
    /* new counters for a post not yet in the window change nothing */
    ASSERT_CODE(PD_OK, set_metrics(f->d, 8, 90, 1, 1, 1, NULL, &err));
    assert_int_equal(status(f->d, 3).win.views, 70);

    pd_online_report rep;
    advance(f->s, DAY0 + 1, &rep);
    assert_false(rep.recomputed);
    /* who posted on DAY0 - 2 (leaving) or at DAY0 + 1's first second (entering) */
    assert_int_equal(rep.creators_touched, 3);
    pd_creator_status s1 = status(f->d, 1), s2 = status(f->d, 2), s3 = status(f->d, 3);
    assert_int_equal(s1.win.posts, 2);
    assert_int_equal(s1.win.views, 50);
    assert_int_equal(s2.win.posts, 0);
    assert_int_equal(s2.win.sponsored, 0);
    assert_int_equal(s2.win.views, 0);
    assert_int_equal(s2.certified, 0);
    assert_int_equal(s3.win.posts, 2);
    assert_int_equal(s3.win.views, 160);
    assert_int_equal(s3.certified, 1);
    struct hist h = history(f->d, 2);
    assert_string_equal(h.c[0].cause, "day");
    assert_string_equal(h.c[0].explanation, "posts 0 < 2 (no posts in the 3-day window)");
    h = history(f->d, 3);
    assert_string_equal(h.c[0].cause, "day");
    assert_int_equal(h.c[0].certified, 1);

    advance(f->s, DAY0 + 2, &rep);
    assert_int_equal(status(f->d, 1).win.posts, 1);
    assert_int_equal(status(f->d, 1).certified, 0);
    assert_int_equal(status(f->d, 2).win.posts, 1); /* post 6's day has come */
    assert_int_equal(status(f->d, 2).win.views, 60);
    /* A gap longer than the window: recomputed. */
    advance(f->s, DAY0 + 10, &rep);
    assert_true(rep.recomputed);
    assert_int_equal(status(f->d, 1).win.posts, 0);
    assert_int_equal(status(f->d, 2).win.posts, 0);
    assert_int_equal(status(f->d, 2).avg_views, 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

static void test_stale_recompute_and_verdicts(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    char cp[256], pp[256], vp[256];
    snprintf(cp, sizeof cp, "%s/c.csv", f->dir);
    snprintf(pp, sizeof pp, "%s/p.csv", f->dir);
    snprintf(vp, sizeof vp, "%s/v.csv", f->dir);
    write_text(cp, "creator_id,handle,category,followers,mcn_id\n"
                   "1,a,beauty,1500,\n2,b,food,500,\n3,c,tech,90000,\n");
    write_text(pp, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                   "1,1,2019-05-30T10:00:00Z,organic,100,1,2,3\n"
                   "2,1,2019-05-02T00:00:00Z,sponsored,201,0,0,0\n"
                   "3,1,2019-05-01T23:59:59Z,organic,7,0,0,0\n"
                   "4,3,2019-05-31T23:00:00+02:00,organic,10,0,0,0\n");
    int64_t day = pd_days_from_civil(2019, 5, 31);
    add_policy(f->d, pd_policy_preset("red-2019-v1"), day - 10);

    /* Before any advance there are no verdicts to export. */
    FILE *fp = fopen(vp, "w");
    assert_non_null(fp);
    ASSERT_CODE(PD_ECONFLICT, pd_store_export_verdicts(f->s, fp, &err));
    fclose(fp);

    pd_import_summary sum;
    ASSERT_CODE(PD_OK, pd_import_paths(f->s, cp, pp, 0, &sum, &err));
    pd_online_state st;
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_true(st.stale);
    pd_online_report rep;
    advance(f->s, day, &rep);
    assert_true(rep.recomputed);
    assert_true(rep.policy_changed);
    assert_int_equal(rep.gained, 2);
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_false(st.stale);
    assert_int_equal(st.certified, 2);
    pd_creator_status s1 = status(f->d, 1);
    assert_int_equal(s1.win.posts, 2);
    assert_int_equal(s1.win.sponsored, 1);
    assert_int_equal(s1.avg_views, 15050);
    assert_int_equal(s1.engagements, 6);
    struct hist h = history(f->d, 1);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.c[0].cause, "import");

    fp = fopen(vp, "w+");
    assert_non_null(fp);
    ASSERT_CODE(PD_OK, pd_store_export_verdicts(f->s, fp, &err));
    rewind(fp);
    char buf[512] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_string_equal(buf, "creator_id,certified,followers,posts,sponsored,avg_views\n"
                             "1,1,1500,2,1,150.50\n"
                             "2,0,500,0,0,0.00\n"
                             "3,1,90000,1,0,10.00\n");
}

/* ---- the property test --------------------------------------------------------------------- */

#define MAXC 40
#define MAXP 900

struct model {
    uint64_t followers[MAXC + 1];
    int ncreators;
    pd_post_rec p[MAXP];
    int np;
};

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

/* Every creator as a from-scratch computation says it must be. */
static void check_all(struct pd_store_fx *f, const struct model *m, const char *after)
{
    pd_error err = {0};
    pd_online_state st;
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_false(st.stale);
    uint32_t window = st.policy_id ? st.policy.window_days : 30;
    int64_t first = pd_online_first_day(st.today, window);
    uint64_t certified = 0;
    for (int c = 1; c <= m->ncreators; c++) {
        pd_window_stats w = {0};
        uint64_t eng = 0;
        for (int i = 0; i < m->np; i++) {
            const pd_post_rec *p = &m->p[i];
            /* from the first day's midnight, up to the next midnight */
            if (p->creator_id != c || pd_day_of(p->published_at) < first ||
                p->published_at.sec >= (st.today + 1) * 86400)
                continue;
            w.posts++;
            w.sponsored += (uint32_t)p->sponsored;
            w.views += p->views;
            eng += p->likes + p->comments + p->collects;
        }
        uint32_t failed = st.policy_id ? pd_policy_failures(&st.policy, m->followers[c], &w) : 0;
        int cert = st.policy_id && !failed;
        certified += (uint64_t)cert;
        pd_creator_status s = status(f->d, c);
        if (s.win.posts != w.posts || s.win.sponsored != w.sponsored || s.win.views != w.views ||
            s.engagements != eng || s.avg_views != pd_avg_hundredths(w.views, w.posts) ||
            s.engagement_bp != (w.views ? (uint32_t)(eng * 10000 / w.views) : 0) ||
            s.certified != cert || s.failed != failed || s.followers != m->followers[c])
            fail_msg("after %s (day %lld): creator %d: store posts %u sp %u views %llu eng %llu "
                     "cert %d failed %u; expected %u %u %llu %llu %d %u",
                     after, (long long)st.today, c, s.win.posts, s.win.sponsored,
                     (unsigned long long)s.win.views, (unsigned long long)s.engagements,
                     s.certified, s.failed, w.posts, w.sponsored, (unsigned long long)w.views,
                     (unsigned long long)eng, cert, failed);
        /* The history's latest entry is the verdict now; entries alternate. */
        struct hist h = history(f->d, c);
        if (h.n) {
            assert_int_equal(h.c[0].certified, cert);
            for (size_t k = 1; k < h.n; k++)
                assert_int_not_equal(h.c[k].certified, h.c[k - 1].certified);
            assert_int_equal(h.c[h.n - 1].certified, 1); /* first change: a gain */
        } else {
            assert_int_equal(cert, 0);
        }
    }
    assert_int_equal(st.certified, certified);
}

static void test_property_random(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    struct model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    pd_policy a = *pd_policy_preset("red-2019-v1");
    a.window_days = 7;
    a.threshold[PD_RULE_MIN_FOLLOWERS] = 300;
    a.rules |=
        (1u << PD_RULE_MIN_POSTS) | (1u << PD_RULE_MIN_AVG_VIEWS) | (1u << PD_RULE_MAX_SPONSORED);
    a.threshold[PD_RULE_MIN_POSTS] = 3;
    a.threshold[PD_RULE_MIN_AVG_VIEWS] = 50000; /* 500.00 */
    a.threshold[PD_RULE_MAX_SPONSORED] = 2;
    pd_policy b = *pd_policy_preset("red-2019-v2");
    b.window_days = 5;
    b.threshold[PD_RULE_MIN_FOLLOWERS] = 400;
    b.threshold[PD_RULE_MIN_AVG_VIEWS] = 40000;
    b.threshold[PD_RULE_MIN_SPONSORED] = 1;
    b.threshold[PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 200;
    pd_policy_rec ra = {.policy = a}, rb = {.policy = b};
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &ra, 1, &err));
    ASSERT_CODE(PD_OK, pd_db_policy_add(f->d, &rb, 1, &err));

    int64_t today = DAY0;
    for (int c = 1; c <= 20; c++) {
        m->followers[c] = rnd(1000);
        pd_creator_rec r = creator(c, m->followers[c]);
        ASSERT_CODE(PD_OK, creator_put(f->d, &r, 1, &err));
    }
    m->ncreators = 20;
    advance(f->s, today, NULL); /* no policy yet: a 30-day window */
    check_all(f, m, "start");
    for (int op = 0; op < 1000; op++) {
        uint64_t k = rnd(100);
        char what[32];
        if (k < 55 && m->np < MAXP) {
            pd_post_rec *p = &m->p[m->np];
            *p = post(m->np + 1, (int64_t)rnd((uint64_t)m->ncreators) + 1,
                      today - 9 + (int64_t)rnd(13), rnd(4) == 0, rnd(1500));
            p->published_at.sec += (int64_t)rnd(80000);
            if (rnd(4) == 0) /* at a midnight, or a second either side */
                p->published_at.sec = (today - 9 + (int64_t)rnd(14)) * 86400 - 1 + (int64_t)rnd(3);
            ASSERT_CODE(PD_OK, post_add(f->d, p, &err));
            m->np++;
            snprintf(what, sizeof what, "post");
        } else if (k < 75 && m->np) {
            pd_post_rec *p = &m->p[rnd((uint64_t)m->np)];
            p->views = rnd(2000);
            p->likes = rnd(50);
            ASSERT_CODE(PD_OK, set_metrics(f->d, p->id, p->views, p->likes, p->comments,
                                           p->collects, NULL, &err));
            snprintf(what, sizeof what, "metrics");
        } else if (k < 83) {
            int c = (int)rnd((uint64_t)m->ncreators) + 1;
            if (m->ncreators < MAXC && rnd(3) == 0)
                c = ++m->ncreators;
            m->followers[c] = rnd(1000);
            pd_creator_rec r = creator(c, m->followers[c]);
            ASSERT_CODE(PD_OK, creator_put(f->d, &r, 1, &err));
            snprintf(what, sizeof what, "creator");
        } else if (k < 86) {
            /* A policy from a day soon, sometimes today. */
            int64_t id = rnd(2) ? ra.id : rb.id;
            ASSERT_CODE(PD_OK,
                        pd_db_policy_activate(f->d, id, today + (int64_t)rnd(3), 0, 1, NULL, &err));
            if (rnd(2))
                advance(f->s, today, NULL);
            snprintf(what, sizeof what, "activation");
        } else {
            today += rnd(10) == 0 ? 9 : (int64_t)rnd(3);
            advance(f->s, today, NULL);
            snprintf(what, sizeof what, "advance");
        }
        check_all(f, m, what);
    }
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregates_and_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_day_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_recompute_and_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_property_random, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
