/*
 * test_rng.c - unit tests of the seeded random number generator (core/rng.h):
 * determinism, ranges, and the shape of each distribution.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

static void test_rng_deterministic(void **state)
{
    (void)state;
    pd_rng a, b, c;
    pd_rng_seed(&a, 42);
    pd_rng_seed(&b, 42);
    pd_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = pd_rng_next(&a), y = pd_rng_next(&b), z = pd_rng_next(&c);
        assert_int_equal(x, y);
        differ += x != z;
    }
    assert_true(differ > 990);

    /* Seed 0 works, and streams differ by stream and by index. */
    pd_rng_seed(&a, 0);
    assert_true(pd_rng_next(&a) != 0 || pd_rng_next(&a) != 0);
    pd_rng_stream(&a, 1, 1, 7);
    pd_rng_stream(&b, 1, 1, 8);
    pd_rng_stream(&c, 1, 2, 7);
    uint64_t x = pd_rng_next(&a), y = pd_rng_next(&b), z = pd_rng_next(&c);
    assert_true(x != y && x != z && y != z);
    pd_rng_stream(&b, 1, 1, 7);
    assert_int_equal(pd_rng_next(&b), x);
}

static void test_rng_uniform_and_below(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 7);
    enum { N = 200000 };
    double sum = 0;
    uint64_t hist[10] = {0};
    for (int i = 0; i < N; i++) {
        double u = pd_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        double v = pd_rng_uniform_pos(&r);
        assert_true(v > 0.0 && v <= 1.0);
        sum += u;
        uint64_t k = pd_rng_below(&r, 10);
        assert_true(k < 10);
        hist[k]++;
    }
    assert_true(fabs(sum / N - 0.5) < 0.005);
    for (int k = 0; k < 10; k++)
        assert_true(hist[k] > N / 10 * 0.95 && hist[k] < N / 10 * 1.05);
    assert_int_equal(pd_rng_below(&r, 0), 0);
    assert_int_equal(pd_rng_below(&r, 1), 0);
    /* A bound that is not a power of two, near the top of the range. */
    uint64_t big = UINT64_MAX / 3 * 2;
    for (int i = 0; i < 1000; i++)
        assert_true(pd_rng_below(&r, big) < big);
}

static void test_rng_distributions(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 11);
    enum { N = 200000 };
    double s = 0, s2 = 0, ln = 0, ex = 0, pm = 0;
    uint64_t pareto_below = 0;
    for (int i = 0; i < N; i++) {
        double z = pd_rng_normal(&r);
        s += z;
        s2 += z * z;
        ln += log(pd_rng_lognormal(&r, 2.0, 0.5));
        ex += pd_rng_exponential(&r, 3.0);
        double p = pd_rng_pareto(&r, 2.0, 1.5);
        assert_true(p >= 2.0);
        pareto_below += p < 4.0; /* P(X < 2 xm) = 1 - 2^-1.5 = 0.6464 */
        pm += (double)pd_rng_round(&r, 0.3);
    }
    assert_true(fabs(s / N) < 0.01);
    assert_true(fabs(s2 / N - 1.0) < 0.02);
    assert_true(fabs(ln / N - 2.0) < 0.01);
    assert_true(fabs(ex / N - 3.0) < 0.05);
    assert_true(fabs((double)pareto_below / N - 0.6464) < 0.005);
    assert_true(fabs(pm / N - 0.3) < 0.005);
    assert_int_equal(pd_rng_round(&r, 0.0), 0);
    assert_int_equal(pd_rng_round(&r, -5.0), 0);
    assert_int_equal(pd_rng_round(&r, 7.0), 7);
}

static void test_rng_poisson(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 5);
    /* Both methods (inversion below 10, PTRS above): mean and variance. */
    const double lambdas[] = {0.5, 3.0, 9.9, 10.0, 30.0, 250.0, 5000.0};
    for (size_t k = 0; k < sizeof lambdas / sizeof lambdas[0]; k++) {
        double lam = lambdas[k], s = 0, s2 = 0;
        enum { N = 100000 };
        for (int i = 0; i < N; i++) {
            double x = (double)pd_rng_poisson(&r, lam);
            s += x;
            s2 += x * x;
        }
        double mean = s / N, var = s2 / N - mean * mean;
        if (fabs(mean - lam) > 5 * sqrt(lam / N) || fabs(var / lam - 1.0) > 0.03)
            fail_msg("poisson(%g): mean %g, variance %g", lam, mean, var);
    }
    assert_int_equal(pd_rng_poisson(&r, 0.0), 0);
    assert_int_equal(pd_rng_poisson(&r, -1.0), 0);
}

static void test_rng_pick(void **state)
{
    (void)state;
    pd_rng r;
    pd_rng_seed(&r, 3);
    const double w[4] = {1.0, 0.0, 3.0, 0.0};
    uint64_t hist[4] = {0};
    for (int i = 0; i < 100000; i++)
        hist[pd_rng_pick(&r, w, 4)]++;
    assert_int_equal(hist[1], 0);
    assert_int_equal(hist[3], 0);
    assert_true(fabs((double)hist[2] / 100000 - 0.75) < 0.01);
}

/* ---- gen ---------------------------------------------------------------- */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_deterministic), cmocka_unit_test(test_rng_uniform_and_below),
        cmocka_unit_test(test_rng_distributions), cmocka_unit_test(test_rng_poisson),
        cmocka_unit_test(test_rng_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
