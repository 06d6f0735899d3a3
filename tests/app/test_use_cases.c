/* test_use_cases.c - the write use cases of app/creators.h and
 * app/policies.h over a real store: each keeps its creator's verdict
 * current in its own transaction (a new creator is judged, new followers
 * re-judge, a feed's metrics move the window), a refused write stores
 * nothing, and an activation applies at once exactly when its day has come
 * (on or before the day online certification stands at), else waits for
 * the step of the days that reaches it; app/txn.h's frame stores all of a
 * work or none of it and always gives the connection back; the batches
 * brought in (MCNs, a follower history) are stored whole or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/creators.h"
#include "app/online.h"
#include "app/orgs.h"
#include "app/policies.h"
#include "app/txn.h"
#include "store/store.h"

#include "../store/fixture.h"

#define DAY 18047 /* 2019-05-31 */

static int setup(void **state)
{
    *state = pd_store_fx_new("use_cases", 4);
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

static pd_creator_rec *creator(int64_t id, uint64_t followers)
{
    static pd_creator_rec c;
    memset(&c, 0, sizeof c);
    c.id = id;
    snprintf(c.handle, sizeof c.handle, "c%lld", (long long)id);
    memcpy(c.category, "beauty", 7);
    c.followers = followers;
    return &c;
}

static int64_t add_policy(pd_store *s, const char *name, uint64_t min_followers)
{
    pd_error err = {0};
    pd_policy_rec r = {0};
    snprintf(r.policy.name, sizeof r.policy.name, "%s", name);
    r.policy.window_days = 30;
    r.policy.rules = 1u << PD_RULE_MIN_FOLLOWERS;
    r.policy.threshold[PD_RULE_MIN_FOLLOWERS] = min_followers;
    ASSERT_CODE(PD_OK, pd_app_policy_add(s, &r, &err));
    assert_true(r.id > 0);
    return r.id;
}

static pd_creator_status status(struct pd_store_fx *f, int64_t id)
{
    pd_error err = {0};
    pd_creator_status st;
    ASSERT_CODE(PD_OK, pd_db_creator_status(f->d, id, &st, &err));
    return st;
}

static int last_cause(void *ctx, const pd_status_change *c)
{
    char *cause = ctx;
    if (!cause[0]) /* newest first: the first is the last */
        snprintf(cause, PD_CAUSE_MAX, "%s", c->cause);
    return 0;
}

static void test_activation_at_once(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_creator_rec *out = malloc(sizeof *out);
    pd_creator_status st;
    ASSERT_CODE(PD_OK, pd_app_creator_create(f->s, creator(1, 5000), out, &st, &err));
    ASSERT_CODE(PD_OK, pd_app_creator_create(f->s, creator(2, 500), out, &st, &err));
    ASSERT_CODE(PD_ECONFLICT, pd_app_creator_create(f->s, creator(2, 9), out, &st, &err));
    assert_non_null(strstr(err.msg, "PATCH /api/creators/2"));
    int64_t v1 = add_policy(f->s, "v1", 1000), v2 = add_policy(f->s, "v2", 6000);

    /* never advanced: nothing to apply to yet */
    pd_activation_result res;
    ASSERT_CODE(PD_OK, pd_app_policy_activate(f->s, v1, DAY - 10, 0, NULL, &res, &err));
    assert_false(res.applied);
    assert_int_equal(res.activation.applied_at, 0);
    assert_string_equal(res.policy.policy.name, "v1");
    pd_online_report rep;
    ASSERT_CODE(PD_OK, pd_app_online_advance(f->s, DAY, &rep, &err));
    assert_true(rep.policy_changed);
    assert_true(status(f, 1).certified);
    assert_false(status(f, 2).certified);

    /* its day has come: in force at once, everyone judged under it */
    ASSERT_CODE(PD_OK, pd_app_policy_activate(f->s, v2, DAY, 0, NULL, &res, &err));
    assert_true(res.applied);
    assert_int_not_equal(res.activation.applied_at, 0);
    assert_true(res.report.policy_changed);
    assert_int_equal(res.report.lost, 1);
    assert_int_equal(res.report.to_day, DAY);
    pd_online_state os;
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &os, &err));
    assert_int_equal(os.policy_id, v2);
    assert_int_equal(os.today, DAY);
    assert_false(status(f, 1).certified);
    char cause[PD_CAUSE_MAX] = "";
    ASSERT_CODE(PD_OK, pd_db_status_history(f->d, 1, 0, 0, last_cause, cause, &err));
    assert_string_equal(cause, "policy");

    /* a later day waits for its step */
    ASSERT_CODE(PD_OK, pd_app_policy_activate(f->s, v1, DAY + 3, 0, NULL, &res, &err));
    assert_false(res.applied);
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &os, &err));
    assert_int_equal(os.policy_id, v2);
    ASSERT_CODE(PD_OK, pd_app_online_advance(f->s, DAY + 3, &rep, &err));
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &os, &err));
    assert_int_equal(os.policy_id, v1);
    ASSERT_CODE(PD_ENOTFOUND, pd_app_policy_activate(f->s, 999, DAY, 0, NULL, &res, &err));
    free(out);
}

static void test_writes_keep_verdicts(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_creator_rec *out = malloc(sizeof *out);
    pd_creator_status st;
    ASSERT_CODE(PD_OK, pd_app_creator_create(f->s, creator(1, 500), out, &st, &err));
    int64_t v1 = add_policy(f->s, "v1", 1000);
    pd_activation_result res;
    ASSERT_CODE(PD_OK, pd_app_policy_activate(f->s, v1, DAY, 0, NULL, &res, &err));
    ASSERT_CODE(PD_OK, pd_app_online_advance(f->s, DAY, NULL, &err));
    assert_false(status(f, 1).certified);

    /* new followers: judged again, in the same transaction */
    pd_creator_rec *to = creator(1, 2000);
    ASSERT_CODE(PD_OK, pd_app_creator_patch(f->s, 1, PD_PATCH_FOLLOWERS, to, out, &st, &err));
    assert_int_equal(out->followers, 2000);
    assert_true(st.certified);
    char cause[PD_CAUSE_MAX] = "";
    ASSERT_CODE(PD_OK, pd_db_status_history(f->d, 1, 0, 0, last_cause, cause, &err));
    assert_string_equal(cause, "followers");
    ASSERT_CODE(PD_ENOTFOUND,
                pd_app_creator_patch(f->s, 77, PD_PATCH_FOLLOWERS, to, out, &st, &err));

    /* a feed's post in the window, then its metrics: the window follows */
    pd_post_rec p = {
        .id = 5, .creator_id = 1, .published_at = {DAY * 86400LL + 60, 0}, .views = 100};
    ASSERT_CODE(PD_OK, pd_db_post_add(f->d, &p, &err));
    ASSERT_CODE(PD_OK, pd_app_online_touch(f->d, 1, "import", &err));
    assert_int_equal(status(f, 1).win.views, 100);
    pd_post_rec after;
    ASSERT_CODE(PD_OK, pd_app_post_metrics(f->s, 5, 700, 7, 0, 0, &after, &err));
    assert_int_equal(after.views, 700);
    st = status(f, 1);
    assert_int_equal(st.win.posts, 1);
    assert_int_equal(st.win.views, 700);
    assert_int_equal(st.engagements, 7);
    ASSERT_CODE(PD_ENOTFOUND, pd_app_post_metrics(f->s, 6, 1, 1, 1, 1, &after, &err));

    /* publishing: the store's id, the clock's time, counters at 0 */
    pd_post_rec np = {.creator_id = 1, .sponsored = 1, .views = 99};
    pd_policy_rec pol;
    ASSERT_CODE(PD_OK, pd_app_post_publish(f->s, &np, &st, &pol, &err));
    assert_true(np.id >= PD_POST_ID_PUBLISHED_MIN);
    assert_int_equal(np.views, 0);
    assert_true(np.published_at.sec > 0);
    assert_int_equal(pol.id, v1);
    pd_post_rec orphan = {.creator_id = 42};
    ASSERT_CODE(PD_ENOTFOUND, pd_app_post_publish(f->s, &orphan, &st, &pol, &err));
    free(out);
}

/* ---- app/txn.h: one transaction, all or nothing ------------------------------ */

struct txn_work {
    int64_t brand; /* the id the first brand got */
    int fail;      /* then fail with PD_EINPUT */
};

static int txn_two_brands(pd_db *db, void *ctx, pd_error *err)
{
    struct txn_work *w = ctx;
    int rc = pd_db_brand_add(db, "First", &w->brand, err);
    int64_t id;
    if (rc == PD_OK)
        rc = pd_db_brand_add(db, "Second", &id, err);
    if (rc == PD_OK && w->fail)
        rc = pd_error_set(err, PD_EINPUT, "refused");
    return rc;
}

static int count_org(void *ctx, const pd_org_rec *o)
{
    (void)o;
    ++*(int *)ctx;
    return 0;
}

static int brands(pd_store *s)
{
    pd_error err = {0};
    int n = 0;
    ASSERT_CODE(PD_OK, pd_app_brand_list(s, count_org, &n, &err));
    return n;
}

static void test_txn(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    /* a failing work stores nothing, and says why */
    struct txn_work w = {.fail = 1};
    ASSERT_CODE(PD_EINPUT, pd_app_txn(f->s, txn_two_brands, &w, &err));
    assert_string_equal(err.msg, "refused");
    assert_int_equal(brands(f->s), 0);
    /* a good one stores all of it */
    w.fail = 0;
    ASSERT_CODE(PD_OK, pd_app_txn(f->s, txn_two_brands, &w, &err));
    assert_int_equal(brands(f->s), 2);
    /* the pair: rolled back on a failure, the connection given back (the
     * pool of 4 would run dry otherwise) */
    for (int i = 0; i < 8; i++) {
        pd_db *db;
        ASSERT_CODE(PD_OK, pd_app_txn_begin(f->s, &db, &err));
        int64_t id;
        char name[16];
        snprintf(name, sizeof name, "B%d", i);
        ASSERT_CODE(PD_OK, pd_db_brand_add(db, name, &id, &err));
        ASSERT_CODE(i % 2 ? PD_OK : PD_ECONFLICT,
                    pd_app_txn_end(f->s, db, i % 2 ? PD_OK : PD_ECONFLICT, &err));
    }
    assert_int_equal(brands(f->s), 2 + 4);
    /* settle on a held connection; a read */
    pd_db *db;
    ASSERT_CODE(PD_OK, pd_store_acquire(f->s, &db, &err));
    ASSERT_CODE(PD_OK, pd_db_begin(db, &err));
    int64_t id;
    ASSERT_CODE(PD_OK, pd_db_brand_add(db, "Held", &id, &err));
    ASSERT_CODE(PD_OK, pd_app_txn_settle(db, PD_OK, &err));
    pd_store_release(f->s, db);
    ASSERT_CODE(PD_OK, pd_app_read_begin(f->s, &db, &err));
    int n = 0;
    ASSERT_CODE(PD_OK, pd_db_brand_list(db, count_org, &n, &err));
    assert_int_equal(pd_app_read_finish(f->s, db, PD_ENOTFOUND), PD_ENOTFOUND);
    assert_int_equal(n, 7);
}

/* ---- batches brought in: MCNs, follower history --------------------------------- */

static int count_history(void *ctx, int64_t at, uint64_t followers)
{
    (void)at;
    (void)followers;
    ++*(int *)ctx;
    return 0;
}

static void test_batches(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_app_org mcns[3] = {{.id = 7, .name = "Seven"}, {.id = 9, .name = "Nine"}, {.name = "Next"}};
    ASSERT_CODE(PD_OK, pd_app_mcns_add(f->s, mcns, 3, &err));
    assert_int_equal(mcns[0].id, 7);
    assert_int_equal(mcns[1].id, 9);
    assert_true(mcns[2].id > 9);
    pd_org_rec o;
    ASSERT_CODE(PD_OK, pd_db_mcn_get(f->d, 9, &o, &err));
    assert_string_equal(o.name, "Nine");
    /* a bad one in a batch: none of it */
    pd_app_org bad[2] = {{.id = 20, .name = "Twenty"}, {.id = 21, .name = ""}};
    assert_int_not_equal(PD_OK, pd_app_mcns_add(f->s, bad, 2, &err));
    ASSERT_CODE(PD_ENOTFOUND, pd_db_mcn_get(f->d, 20, &o, &err));
    int64_t one;
    ASSERT_CODE(PD_OK, pd_app_mcn_add(f->s, 0, "Alone", &one, &err));
    assert_true(one > mcns[2].id);

    pd_creator_rec out;
    ASSERT_CODE(PD_OK, pd_app_creator_create(f->s, creator(1, 500), &out, NULL, &err));
    int before = 0;
    ASSERT_CODE(PD_OK, pd_db_followers_history(f->d, 1, count_history, &before, &err));
    pd_follower_count h[3] = {{1, 1000, 100}, {1, 2000, 200}, {1, 3000, 300}};
    ASSERT_CODE(PD_OK, pd_app_followers_record(f->s, h, 3, &err));
    int after = 0;
    ASSERT_CODE(PD_OK, pd_db_followers_history(f->d, 1, count_history, &after, &err));
    assert_int_equal(after, before + 3);
    /* the current count is not touched */
    ASSERT_CODE(PD_OK, pd_db_creator_get(f->d, 1, &out, &err));
    assert_int_equal(out.followers, 500);
    /* an unknown creator in the batch: none of it */
    pd_follower_count mixed[2] = {{1, 4000, 400}, {99, 4000, 1}};
    ASSERT_CODE(PD_EINPUT, pd_app_followers_record(f->s, mixed, 2, &err));
    int again = 0;
    ASSERT_CODE(PD_OK, pd_db_followers_history(f->d, 1, count_history, &again, &err));
    assert_int_equal(again, after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_activation_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_keep_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_txn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
