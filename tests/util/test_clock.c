/* test_clock.c - the one clock: the system's, one started at another
 * instant (running on at the system's pace), a fixed one moved by hand, and
 * NULL read as the system clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "util/clock.h"

#define Y2031 1930384800 /* 2031-03-04T10:00:00Z */

static void test_system(void **state)
{
    (void)state;
    int64_t before = (int64_t)time(NULL);
    pd_clock c = pd_clock_system();
    int64_t now = pd_clock_now(&c), null_now = pd_clock_now(NULL);
    int64_t after = (int64_t)time(NULL);
    assert_true(before <= now && now <= after);
    assert_true(before <= null_now && null_now <= after);
    pd_clock zero = {0};
    int64_t z = pd_clock_now(&zero);
    assert_true(before <= z && z <= (int64_t)time(NULL));
}

static void test_starting_at(void **state)
{
    (void)state;
    pd_clock c = pd_clock_starting_at(Y2031);
    int64_t now = pd_clock_now(&c);
    /* it runs on from 2031: at most a second or two later here */
    assert_true(now >= Y2031 && now <= Y2031 + 2);
    pd_clock_advance(&c, 900);
    assert_true(pd_clock_now(&c) >= Y2031 + 900 && pd_clock_now(&c) <= Y2031 + 902);
    pd_clock_set(&c, 0);
    assert_true(pd_clock_now(&c) >= 0 && pd_clock_now(&c) <= 2);
    /* before the epoch works too */
    pd_clock_set(&c, -86400);
    assert_true(pd_clock_now(&c) >= -86400 && pd_clock_now(&c) <= -86398);
}

static void test_fixed(void **state)
{
    (void)state;
    pd_clock c = pd_clock_fixed(Y2031);
    assert_int_equal(pd_clock_now(&c), Y2031);
    assert_int_equal(pd_clock_now(&c), Y2031); /* does not run */
    pd_clock_advance(&c, 15 * 60);
    assert_int_equal(pd_clock_now(&c), Y2031 + 900);
    pd_clock_advance(&c, -60);
    assert_int_equal(pd_clock_now(&c), Y2031 + 840);
    pd_clock_set(&c, 42);
    assert_int_equal(pd_clock_now(&c), 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system),
        cmocka_unit_test(test_starting_at),
        cmocka_unit_test(test_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
