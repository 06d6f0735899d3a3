/* test_advance.c - the steps of the days (core/advance.h): a state never
 * set or stale recomputes; days step one at a time; a gap longer than the
 * window recomputes; an earlier day does nothing; an activation due puts
 * its policy in force (a recompute for another window, a re-judging for
 * the same one); and when an activation applies at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/advance.h"

static pd_policy pol(uint32_t window)
{
    pd_policy p;
    memset(&p, 0, sizeof p);
    memcpy(p.name, "p", 2);
    p.window_days = window;
    p.rules = 1u << PD_RULE_MIN_FOLLOWERS;
    return p;
}

static void test_normalize(void **state)
{
    (void)state;
    pd_advance_state st = {.today = 10, .window = 0};
    pd_advance_normalize(&st);
    assert_int_equal(st.window, PD_ONLINE_DEFAULT_WINDOW);
    assert_true(st.stale);
    pd_advance_state with = {.today = 10, .window = 0, .policy_id = 3, .policy = pol(7)};
    pd_advance_normalize(&with);
    assert_int_equal(with.window, 7);
}

static void test_plan(void **state)
{
    (void)state;
    pd_advance_step step;
    /* never set: straight to today, recomputed */
    pd_advance_state unset = {.window = 30, .stale = 1};
    assert_int_equal(pd_advance_plan(&unset, 100, &step), 1);
    assert_int_equal(step.today, 100);
    assert_true(step.recompute);
    assert_string_equal(step.cause, "import");
    /* stale: recomputed for its own day first (the days then step) */
    pd_advance_state stale = {.today = 90, .window = 30, .stale = 1};
    assert_int_equal(pd_advance_plan(&stale, 100, &step), 1);
    assert_int_equal(step.today, 90);
    assert_true(step.recompute);
    /* ... or straight to today when every post would leave on the way */
    assert_int_equal(pd_advance_plan(&stale, 200, &step), 1);
    assert_int_equal(step.today, 200);
    /* current: one day at a time */
    pd_advance_state cur = {.today = 90, .window = 30};
    assert_int_equal(pd_advance_plan(&cur, 100, &step), 1);
    assert_int_equal(step.today, 91);
    assert_false(step.recompute);
    assert_string_equal(step.cause, "day");
    assert_int_equal(step.from_today, 90);
    assert_int_equal(step.apply_upto, INT64_MIN);
    assert_true(pd_advance_todo(&step, &cur));
    /* a gap longer than the window: one recompute */
    assert_int_equal(pd_advance_plan(&cur, 121, &step), 1);
    assert_int_equal(step.today, 121);
    assert_true(step.recompute);
    /* an earlier day: nothing */
    assert_int_equal(pd_advance_plan(&cur, 80, &step), 0);
    /* the same day, nothing due: nothing to do */
    assert_int_equal(pd_advance_plan(&cur, 90, &step), 1);
    assert_false(pd_advance_todo(&step, &cur));
}

static void test_activation(void **state)
{
    (void)state;
    pd_advance_step step;
    pd_advance_state cur = {.today = 90, .window = 30, .policy_id = 1, .policy = pol(30)};
    /* the same day, another policy with the same window: re-judge all */
    pd_policy same = pol(30);
    assert_int_equal(pd_advance_plan(&cur, 90, &step), 1);
    assert_true(pd_advance_needs_policy(&cur, 2));
    pd_advance_activate(&step, &cur, 2, &same);
    assert_true(pd_advance_todo(&step, &cur));
    assert_int_equal(step.policy_id, 2);
    assert_int_equal(step.apply_upto, 90);
    assert_true(step.judge_all);
    assert_false(step.recompute);
    assert_string_equal(step.cause, "policy");
    /* another window: recompute */
    pd_policy longer = pol(60);
    assert_int_equal(pd_advance_plan(&cur, 91, &step), 1);
    pd_advance_activate(&step, &cur, 3, &longer);
    assert_true(step.recompute);
    assert_int_equal(step.window_days, 60);
    assert_string_equal(step.cause, "policy");
    /* the policy in force again: only marked applied */
    assert_false(pd_advance_needs_policy(&cur, 1));
    assert_int_equal(pd_advance_plan(&cur, 90, &step), 1);
    pd_advance_activate(&step, &cur, 1, NULL);
    assert_true(pd_advance_todo(&step, &cur));
    assert_int_equal(step.policy_id, 1);
    assert_false(step.judge_all);
    /* applies at once: on or before the state's day, never on a state never set */
    assert_true(pd_advance_applies_now(&cur, 90));
    assert_true(pd_advance_applies_now(&cur, 10));
    assert_false(pd_advance_applies_now(&cur, 91));
    pd_advance_state unset = {0};
    assert_false(pd_advance_applies_now(&unset, -5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_activation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
