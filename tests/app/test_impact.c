/* test_impact.c - the in-memory population behind policy impact, on a fake
 * source: what a build holds, when it is rebuilt, that a held snapshot
 * never changes, windows added by one scan each, and that simulating on
 * the snapshot gives what simulating on the source's arrays gives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/simulate.h"
#include "app/impact.h"

#define N 1000
static const char *const cats[] = {"beauty", "food", "tech", "travel", "pets"};

/* The fake data: creator ids 3, 6, 9, ... (the present ones), their window
 * statistics a function of id, window and a "version" the test bumps. */
typedef struct fake {
    size_t n;
    int64_t today;
    unsigned version;
    unsigned scans;
    uint64_t fp;
    int skip_every;     /* > 0: a scan of a window other than 30 leaves out every k-th */
    int move_day_after; /* > 0: today + 1 after that many scans */
    int fail;
} fake;

static pd_window_stats stats_of(int64_t id, uint32_t days, unsigned version)
{
    return (pd_window_stats){.posts = (uint32_t)((id * 7 + days + version) % 40),
                             .sponsored = (uint32_t)((id + days) % 6),
                             .views = (uint64_t)((id * 131 + days * 17 + version) % 90000) * 20};
}

static int fake_scan(void *ctx, uint32_t window_days, int64_t *today,
                     int (*each)(void *, const pd_creator_window *), void *each_ctx, pd_error *err)
{
    fake *f = ctx;
    if (f->fail)
        return pd_error_set(err, PD_EIO, "fake: cannot read");
    f->scans++;
    *today = f->today;
    if (f->move_day_after && f->scans == (unsigned)f->move_day_after)
        f->today++;
    for (size_t i = 0; i < f->n; i++) {
        int64_t id = 3 * (int64_t)(i + 1);
        if (f->skip_every && window_days != 30 && i % (size_t)f->skip_every == 0)
            continue;
        pd_creator_window w = {.id = id,
                               .category = cats[(size_t)id % 5],
                               .followers = (uint64_t)(id * 37 % 120000),
                               .mcn_id = id % 4 == 0 ? 0 : id % 9,
                               .win = stats_of(id, window_days, f->version)};
        int rc = each(each_ctx, &w);
        if (rc)
            return rc;
    }
    return PD_OK;
}

static int fake_fp(void *ctx, uint64_t *out, pd_error *err)
{
    (void)err;
    *out = ((fake *)ctx)->fp;
    return PD_OK;
}

static pd_impact *open_cache(fake *f, unsigned min_age_ms, int thread)
{
    pd_impact_source src = {fake_scan, fake_fp, f};
    pd_impact_options o = {
        .min_age_ms = min_age_ms, .max_age_ms = 3600000, .poll_ms = 10, .no_thread = !thread};
    pd_impact *imp;
    pd_error err;
    assert_int_equal(pd_impact_new(&src, &o, &imp, &err), PD_OK);
    return imp;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_first_build(void **state)
{
    (void)state;
    fake f = {.n = N, .today = 18000};
    pd_impact *imp = open_cache(&f, 1, 0);
    pd_impact_snap *s;
    pd_error err;
    uint32_t w30 = 30;
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);
    assert_int_equal(s->n, N);
    assert_int_equal(s->today, 18000);
    assert_int_equal(s->ncategories, 5);
    assert_int_equal(f.scans, 1);
    const pd_window_stats *st = pd_impact_stats(s, 30);
    assert_non_null(st);
    assert_null(pd_impact_stats(s, 7));
    for (size_t i = 0; i < N; i++) {
        int64_t id = 3 * (int64_t)(i + 1);
        assert_int_equal(s->creators[i].id, id);
        assert_string_equal(s->categories[s->creators[i].category], cats[id % 5]);
        assert_int_equal(s->creators[i].mcn_id, id % 4 == 0 ? 0 : (uint64_t)(id % 9));
        pd_window_stats want = stats_of(id, 30, 0);
        assert_memory_equal(&st[i], &want, sizeof want);
    }
    /* the same again: no scan */
    pd_impact_snap *s2;
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s2, &err), PD_OK);
    assert_ptr_equal(s, s2);
    assert_int_equal(f.scans, 1);
    assert_int_equal(pd_impact_builds(imp), 1);
    pd_impact_release(imp, s2);
    pd_impact_release(imp, s);
    pd_impact_free(imp);
}

static void test_more_windows(void **state)
{
    (void)state;
    fake f = {.n = N, .today = 18000, .skip_every = 10};
    pd_impact *imp = open_cache(&f, 1, 0);
    pd_impact_snap *a, *b;
    pd_error err;
    uint32_t w[] = {30, 7};
    assert_int_equal(pd_impact_acquire(imp, w, 1, &a, &err), PD_OK);
    assert_int_equal(pd_impact_acquire(imp, w, 2, &b, &err), PD_OK);
    assert_int_equal(f.scans, 2); /* one extra scan for the new window */
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->n, N);
    const pd_window_stats *s7 = pd_impact_stats(b, 7), *s30 = pd_impact_stats(b, 30);
    assert_non_null(s7);
    for (size_t i = 0; i < N; i++) {
        int64_t id = 3 * (int64_t)(i + 1);
        pd_window_stats want = i % 10 == 0 ? (pd_window_stats){0} : stats_of(id, 7, 0);
        assert_memory_equal(&s7[i], &want, sizeof want); /* matched by id; missing: empty */
        want = stats_of(id, 30, 0);
        assert_memory_equal(&s30[i], &want, sizeof want);
    }
    /* a still holds what it held */
    assert_null(pd_impact_stats(a, 7));
    assert_int_equal(a->n, N);
    pd_impact_release(imp, a);
    /* windows are cached, up to PD_IMPACT_MAX_WINDOWS; the oldest unused go */
    uint32_t more[] = {1, 2, 3, 4};
    for (size_t i = 0; i < 4; i++) {
        pd_impact_snap *c;
        assert_int_equal(pd_impact_acquire(imp, &more[i], 1, &c, &err), PD_OK);
        assert_true(c->nwindows <= PD_IMPACT_MAX_WINDOWS);
        assert_non_null(pd_impact_stats(c, more[i]));
        pd_impact_release(imp, c);
    }
    uint32_t too_many[] = {10, 11, 12, 13, 14};
    pd_impact_snap *c;
    assert_int_equal(pd_impact_acquire(imp, too_many, 5, &c, &err), PD_EUSAGE);
    pd_impact_release(imp, b);
    pd_impact_free(imp);
}

static void test_refresh(void **state)
{
    (void)state;
    fake f = {.n = N, .today = 18000};
    pd_impact *imp = open_cache(&f, 50, 0);
    pd_impact_snap *s;
    pd_error err;
    int rebuilt;
    uint32_t w30 = 30;
    /* nothing to refresh before the first request */
    assert_int_equal(pd_impact_refresh(imp, 0, &rebuilt, &err), PD_OK);
    assert_false(rebuilt);
    assert_int_equal(f.scans, 0);
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);
    /* unchanged data: never rebuilt */
    sleep_ms(60);
    assert_int_equal(pd_impact_refresh(imp, 0, &rebuilt, &err), PD_OK);
    assert_false(rebuilt);
    /* changed, but younger than min_age: not yet */
    pd_impact_release(imp, s);
    assert_int_equal(pd_impact_refresh(imp, 1, &rebuilt, &err), PD_OK);
    assert_true(rebuilt);
    f.version = 1;
    pd_impact_changed(imp);
    assert_int_equal(pd_impact_refresh(imp, 0, &rebuilt, &err), PD_OK);
    assert_false(rebuilt);
    sleep_ms(60);
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);
    assert_int_equal(pd_impact_refresh(imp, 0, &rebuilt, &err), PD_OK);
    assert_true(rebuilt);
    /* the held snapshot keeps the old numbers; a new acquire sees the new */
    pd_window_stats old = stats_of(3, 30, 0), now = stats_of(3, 30, 1);
    assert_memory_equal(&pd_impact_stats(s, 30)[0], &old, sizeof old);
    pd_impact_snap *s2;
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s2, &err), PD_OK);
    assert_memory_equal(&pd_impact_stats(s2, 30)[0], &now, sizeof now);
    assert_true(s2->serial > s->serial);
    pd_impact_release(imp, s);
    pd_impact_release(imp, s2);
    /* a moved fingerprint (the online state) is a change too */
    sleep_ms(60);
    f.fp = 42;
    unsigned scans = f.scans;
    assert_int_equal(pd_impact_refresh(imp, 0, &rebuilt, &err), PD_OK);
    assert_true(rebuilt);
    assert_int_equal(f.scans, scans + 1);
    /* a failing source: an error, and the old snapshot stays */
    f.fail = 1;
    assert_int_equal(pd_impact_refresh(imp, 1, &rebuilt, &err), PD_EIO);
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);
    pd_impact_release(imp, s);
    pd_impact_free(imp);
}

static void test_day_moves_during_build(void **state)
{
    (void)state;
    fake f = {.n = 50, .today = 18000, .move_day_after = 1};
    pd_impact *imp = open_cache(&f, 1, 0);
    pd_impact_snap *s;
    pd_error err;
    uint32_t w[] = {30, 7};
    assert_int_equal(pd_impact_acquire(imp, w, 2, &s, &err), PD_OK);
    /* the first attempt saw two days; the second, one */
    assert_int_equal(s->today, 18001);
    assert_int_equal(f.scans, 4);
    pd_impact_release(imp, s);
    pd_impact_free(imp);
}

static void test_background(void **state)
{
    (void)state;
    fake f = {.n = N, .today = 18000};
    pd_impact *imp = open_cache(&f, 5, 1);
    pd_impact_snap *s;
    pd_error err;
    uint32_t w30 = 30;
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);
    pd_impact_release(imp, s);
    f.version = 3;
    pd_impact_changed(imp);
    for (int i = 0; i < 300 && pd_impact_builds(imp) < 2; i++)
        sleep_ms(10);
    assert_true(pd_impact_builds(imp) >= 2);
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);
    pd_window_stats want = stats_of(3, 30, 3);
    assert_memory_equal(&pd_impact_stats(s, 30)[0], &want, sizeof want);
    pd_impact_release(imp, s);
    pd_impact_free(imp);
}

/* Simulating on the snapshot is simulating on the data. */
static void test_simulation_matches(void **state)
{
    (void)state;
    fake f = {.n = N, .today = 18000};
    pd_impact *imp = open_cache(&f, 1, 0);
    pd_impact_snap *s;
    pd_error err;
    uint32_t w30 = 30;
    assert_int_equal(pd_impact_acquire(imp, &w30, 1, &s, &err), PD_OK);

    pd_creator *cs = calloc(N, sizeof *cs);
    pd_window_stats *ws = calloc(N, sizeof *ws);
    assert_non_null(cs);
    assert_non_null(ws);
    for (size_t i = 0; i < N; i++) {
        int64_t id = 3 * (int64_t)(i + 1);
        cs[i] = (pd_creator){id, (uint64_t)(id * 37 % 120000), id % 4 == 0 ? 0 : (uint64_t)(id % 9),
                             (uint32_t)(id % 5), 0};
        ws[i] = stats_of(id, 30, 0);
    }
    pd_policy pols[2] = {*pd_policy_preset("red-2019-v1"), *pd_policy_preset("red-2019-v1")};
    snprintf(pols[1].name, sizeof pols[1].name, "%s", "v1-3000");
    pols[1].threshold[PD_RULE_MIN_FOLLOWERS] = 3000;
    pd_sim_sweep_spec sw = {PD_RULE_MIN_AVG_VIEWS, 0, 5000000, 50000};
    const pd_window_stats *direct[2] = {ws, ws};
    const pd_window_stats *snap[2] = {pd_impact_stats(s, 30), pd_impact_stats(s, 30)};
    pd_sim_input a = {cs, N, 5, pols, 2, direct, &sw};
    pd_sim_input b = {s->creators, s->n, s->ncategories, pols, 2, snap, &sw};
    pd_sim_result ra, rb;
    assert_int_equal(pd_sim_run(&a, &ra, &err), PD_OK);
    assert_int_equal(pd_sim_run(&b, &rb, &err), PD_OK);
    assert_memory_equal(ra.overall, rb.overall, sizeof ra.overall);
    for (int d = 0; d < PD_SIM_DIM_COUNT; d++)
        if (d != PD_SIM_BY_CATEGORY) {
            assert_int_equal(ra.ngroups[d], rb.ngroups[d]);
            assert_memory_equal(ra.groups[d], rb.groups[d],
                                ra.ngroups[d] * 2 * sizeof(pd_sim_trans));
        }
    /* categories: same numbers under each name */
    for (size_t g = 0; g < rb.ngroups[PD_SIM_BY_CATEGORY]; g++) {
        size_t ga = 0;
        while (strcmp(cats[ga], s->categories[g]) != 0)
            ga++;
        for (size_t p = 0; p < 2; p++)
            assert_memory_equal(pd_sim_group(&ra, PD_SIM_BY_CATEGORY, ga, p),
                                pd_sim_group(&rb, PD_SIM_BY_CATEGORY, g, p), sizeof(pd_sim_trans));
    }
    assert_int_equal(ra.nsweep, rb.nsweep);
    assert_memory_equal(ra.sweep_points, rb.sweep_points, ra.nsweep * sizeof *ra.sweep_points);
    assert_true(pd_sim_certified(&rb.overall[1]) > 0);
    pd_sim_result_free(&ra);
    pd_sim_result_free(&rb);
    free(cs);
    free(ws);
    pd_impact_release(imp, s);
    pd_impact_free(imp);
}

/* MCN names: the creators are in MCNs 3 and 6 (id % 9 of ids 3, 6, 9 ...);
 * the source names 3, not 6, and 100, which nobody is in. */
static int fake_mcns(void *ctx, int (*each)(void *, int64_t, const char *), void *each_ctx,
                     pd_error *err)
{
    (void)ctx;
    (void)err;
    int rc = each(each_ctx, 3, "MCN number 3");
    return rc ? rc : each(each_ctx, 100, "MCN number 100");
}

static void test_mcn_names(void **state)
{
    (void)state;
    fake f = {.n = N, .today = 18000};
    pd_impact_source src = {fake_scan, fake_fp, &f, fake_mcns};
    pd_impact_options o = {.min_age_ms = 1, .max_age_ms = 3600000, .no_thread = 1};
    pd_impact *imp;
    pd_error err;
    assert_int_equal(pd_impact_new(&src, &o, &imp, &err), PD_OK);
    pd_impact_snap *a, *b;
    uint32_t w[] = {30, 7};
    assert_int_equal(pd_impact_acquire(imp, w, 1, &a, &err), PD_OK);
    assert_int_equal(a->mcns.n, 2);
    for (size_t i = 0; i < a->n; i++) {
        uint32_t k = a->mcns.of[i];
        assert_int_equal(k ? a->mcns.ids[k - 1] : 0, a->creators[i].mcn_id);
    }
    assert_string_equal(pd_impact_mcn_name(a, 3), "MCN number 3");
    assert_null(pd_impact_mcn_name(a, 6));   /* the source has no name for it */
    assert_null(pd_impact_mcn_name(a, 100)); /* nobody is in it */
    assert_null(pd_impact_mcn_name(a, 0));
    /* a window added: the names go with the copy */
    assert_int_equal(pd_impact_acquire(imp, w, 2, &b, &err), PD_OK);
    assert_ptr_not_equal(a, b);
    assert_int_equal(b->mcns.n, 2);
    assert_string_equal(pd_impact_mcn_name(b, 3), "MCN number 3");
    assert_memory_equal(b->mcns.of, a->mcns.of, a->n * sizeof *a->mcns.of);
    /* the simulation's breakdown by MCN names them */
    const pd_window_stats *stats[1] = {pd_impact_stats(b, 30)};
    pd_policy pol = *pd_policy_preset("red-2019-v1");
    pd_sim_input in = {.creators = b->creators,
                       .n = b->n,
                       .ncategories = b->ncategories,
                       .policies = &pol,
                       .npolicies = 1,
                       .stats = stats,
                       .mcns = &b->mcns,
                       .mcn_top = 1};
    pd_sim_result r;
    assert_int_equal(pd_sim_run(&in, &r, &err), PD_OK);
    assert_int_equal(r.ngroups[PD_SIM_BY_MCN_ID], 3);
    assert_int_equal(r.mcn_groups[1].kind, PD_SIM_MCN_OTHERS);
    assert_int_equal(r.mcn_groups[1].mcns, 1);
    pd_sim_result_free(&r);
    pd_impact_release(imp, a);
    pd_impact_release(imp, b);
    pd_impact_free(imp);

    /* a source without names: none, and no failure */
    pd_impact *plain = open_cache(&f, 1, 0);
    assert_int_equal(pd_impact_acquire(plain, w, 1, &a, &err), PD_OK);
    assert_int_equal(a->mcns.n, 2);
    assert_null(pd_impact_mcn_name(a, 3));
    pd_impact_release(plain, a);
    pd_impact_free(plain);
}

static void test_empty_population(void **state)
{
    (void)state;
    fake f = {.n = 0, .today = 18000};
    pd_impact *imp = open_cache(&f, 1, 0);
    pd_impact_snap *s;
    pd_error err;
    uint32_t w[] = {30, 7};
    assert_int_equal(pd_impact_acquire(imp, w, 2, &s, &err), PD_OK);
    assert_int_equal(s->n, 0);
    assert_non_null(pd_impact_stats(s, 7));
    pd_impact_release(imp, s);
    pd_impact_free(imp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_build), cmocka_unit_test(test_more_windows),
        cmocka_unit_test(test_refresh),     cmocka_unit_test(test_day_moves_during_build),
        cmocka_unit_test(test_background),  cmocka_unit_test(test_simulation_matches),
        cmocka_unit_test(test_mcn_names),   cmocka_unit_test(test_empty_population),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
