/* test_use_cases.c - the write use cases of app/creators.h and
 * app/policies.h over a real store: each keeps its creator's verdict
 * current in its own transaction (a new creator is judged, new followers
 * re-judge, a feed's metrics move the window), a refused write stores
 * nothing, and an activation applies at once exactly when its day has come
 * (on or before the day online certification stands at), else waits for
 * the step of the days that reaches it. */
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
#include "app/policies.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_activation_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writes_keep_verdicts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
