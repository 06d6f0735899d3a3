/* test_online.c - online certification arithmetic: day boundaries, deltas,
 * transitions, and the property that matters: aggregates kept by deltas and
 * a daily sweep equal the batch window [as_of - window, as_of) of certify,
 * with as_of the next UTC midnight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/online.h"
#include "core/rng.h"

static pd_instant at(const char *s)
{
    pd_instant t;
    assert_int_equal(pd_instant_parse(s, strlen(s), &t, NULL), 0);
    return t;
}

static void test_days(void **state)
{
    (void)state;
    assert_int_equal(pd_day_of(at("1970-01-01T00:00:00Z")), 0);
    assert_int_equal(pd_day_of(at("1970-01-01T23:59:59.999Z")), 0);
    assert_int_equal(pd_day_of(at("1969-12-31T23:59:59Z")), -1);
    assert_int_equal(pd_day_of(at("2019-06-01")), 18048);
    assert_int_equal(pd_day_of(at("2019-06-01T07:00:00+08:00")), 18047); /* 23:00Z the day before */
    pd_instant a = pd_online_as_of(18048);
    assert_int_equal(a.sec, 18049LL * 86400);
    assert_int_equal(a.nsec, 0);
}

static void test_window_edges(void **state)
{
    (void)state;
    int64_t today = pd_day_of(at("2019-05-31T12:00:00Z"));
    /* judged as of 2019-06-01T00:00Z with 30 days: 2019-05-02 .. 2019-05-31 */
    assert_true(pd_online_in_window(at("2019-05-02T00:00:00Z"), today, 30));
    assert_false(pd_online_in_window(at("2019-05-01T23:59:59.999999999Z"), today, 30));
    assert_true(pd_online_in_window(at("2019-05-31T23:59:59Z"), today, 30));
    assert_false(pd_online_in_window(at("2019-06-01T00:00:00Z"), today, 30));
    assert_true(pd_online_in_window(at("2019-05-31T00:00:00Z"), today, 1));
    assert_false(pd_online_in_window(at("2019-05-30T23:59:59Z"), today, 1));
    assert_int_equal(pd_online_first_day(today, 30), today - 29);
    pd_window w = pd_online_window(today, 30);
    assert_int_equal(w.from.sec, at("2019-05-02T00:00:00Z").sec);
    assert_int_equal(w.to.sec, at("2019-06-01T00:00:00Z").sec);
}

/* The one rule (core/window.h) at any as_of, to the nanosecond, and at
 * every second around both midnights of an online window. */
static void test_window_rule(void **state)
{
    (void)state;
    pd_instant as_of = at("2019-06-01T08:30:00.5Z");
    pd_window w = pd_window_ending(as_of, 7);
    assert_int_equal(pd_instant_cmp(w.from, at("2019-05-25T08:30:00.5Z")), 0);
    assert_true(pd_window_holds(w, at("2019-05-25T08:30:00.5Z")));
    assert_false(pd_window_holds(w, at("2019-05-25T08:30:00.499999999Z")));
    assert_true(pd_window_holds(w, at("2019-06-01T08:30:00.499999999Z")));
    assert_false(pd_window_holds(w, as_of));
    assert_false(pd_window_holds(w, at("2019-06-02T00:00:00Z")));

    int64_t today = pd_day_of(at("2019-05-31T12:00:00Z"));
    pd_instant lo = at("2019-05-02T00:00:00Z"), hi = at("2019-06-01T00:00:00Z");
    for (int64_t s = -90; s <= 90; s++) {
        pd_instant a = pd_instant_add(lo, s), b = pd_instant_add(hi, s);
        assert_int_equal(pd_online_in_window(a, today, 30), s >= 0);
        assert_int_equal(pd_online_in_window(b, today, 30), s < 0);
        assert_int_equal(pd_window_holds(pd_window_ending(hi, 30), a), s >= 0);
        assert_int_equal(pd_window_holds(pd_window_ending(hi, 30), b), s < 0);
        /* the day form agrees with the instant form */
        assert_int_equal(pd_online_day_in_window(pd_day_of(a), today, 30),
                         pd_online_in_window(a, today, 30));
        assert_int_equal(pd_online_day_in_window(pd_day_of(b), today, 30),
                         pd_online_in_window(b, today, 30));
    }
}

static void test_deltas(void **state)
{
    (void)state;
    pd_window_stats s = {0};
    assert_int_equal(pd_stats_add_post(&s, 1, 100), 0);
    assert_int_equal(pd_stats_add_post(&s, 0, 50), 0);
    assert_int_equal(s.posts, 2);
    assert_int_equal(s.sponsored, 1);
    assert_int_equal(s.views, 150);
    assert_int_equal(pd_stats_change_views(&s, 50, 70), 0);
    assert_int_equal(s.views, 170);
    assert_int_equal(pd_stats_remove_post(&s, 1, 100), 0);
    assert_int_equal(s.posts, 1);
    assert_int_equal(s.sponsored, 0);
    assert_int_equal(s.views, 70);
    /* out of step: refused, nothing changed */
    pd_window_stats before = s;
    assert_int_equal(pd_stats_remove_post(&s, 1, 1), -1);  /* no sponsored left */
    assert_int_equal(pd_stats_remove_post(&s, 0, 71), -1); /* not that many views */
    assert_int_equal(pd_stats_change_views(&s, 71, 0), -1);
    assert_memory_equal(&s, &before, sizeof s);
    assert_int_equal(pd_stats_remove_post(&s, 0, 70), 0);
    assert_int_equal(pd_stats_remove_post(&s, 0, 0), -1); /* empty */
    /* overflow refused */
    s = (pd_window_stats){.posts = 1, .sponsored = 0, .views = UINT64_MAX - 1};
    before = s;
    assert_int_equal(pd_stats_add_post(&s, 0, 2), -1);
    assert_int_equal(pd_stats_change_views(&s, 0, 2), -1);
    assert_memory_equal(&s, &before, sizeof s);
    s.posts = UINT32_MAX;
    assert_int_equal(pd_stats_add_post(&s, 0, 0), -1);
}

static void test_transitions(void **state)
{
    (void)state;
    assert_int_equal(pd_online_transition(0, 0), PD_TRANSITION_GAINED);
    assert_int_equal(pd_online_transition(1, 3), PD_TRANSITION_LOST);
    assert_int_equal(pd_online_transition(1, 0), PD_TRANSITION_NONE);
    assert_int_equal(pd_online_transition(0, 1), PD_TRANSITION_NONE);
    assert_string_equal(pd_transition_name(PD_TRANSITION_GAINED), "gained");
    assert_string_equal(pd_transition_name(PD_TRANSITION_LOST), "lost");
    assert_string_equal(pd_transition_name(PD_TRANSITION_NONE), "none");
}

/* The property: a stream of posts over 90 days for a few creators, kept by
 * deltas (posts as they are published, views growing later, a sweep at
 * each midnight) equals, at the end of every day, the batch sums over
 * [as_of - window, as_of). */
#define NC 5
#define NP 3000
#define DAYS 90
#define WINDOW 30

struct post {
    int creator;
    pd_instant t;
    int sponsored;
    uint64_t views;
};

static void test_deltas_equal_batch(void **state)
{
    (void)state;
    static struct post posts[NP];
    pd_rng rng;
    pd_rng_seed(&rng, 42);
    const int64_t day0 = pd_day_of(at("2019-03-01"));
    for (int i = 0; i < NP; i++) {
        posts[i].creator = (int)pd_rng_below(&rng, NC);
        /* sorted by time: spread evenly, with jitter inside the day */
        int64_t day = day0 + (int64_t)i * DAYS / NP;
        posts[i].t.sec = day * 86400 + (int64_t)pd_rng_below(&rng, 86400);
        posts[i].t.nsec = (int32_t)pd_rng_below(&rng, 1000000000);
        posts[i].sponsored = pd_rng_below(&rng, 4) == 0;
        posts[i].views = pd_rng_below(&rng, 50000);
    }
    pd_window_stats online[NC];
    memset(online, 0, sizeof online);
    int next = 0;
    for (int64_t today = day0; today < day0 + DAYS; today++) {
        /* midnight: the day that left the window goes out */
        int64_t gone = pd_online_first_day(today, WINDOW) - 1;
        for (int i = 0; i < next; i++)
            if (pd_day_of(posts[i].t) == gone)
                assert_int_equal(pd_stats_remove_post(&online[posts[i].creator], posts[i].sponsored,
                                                      posts[i].views),
                                 0);
        /* today's posts arrive */
        while (next < NP && pd_day_of(posts[next].t) == today) {
            assert_true(pd_online_in_window(posts[next].t, today, WINDOW));
            assert_int_equal(pd_stats_add_post(&online[posts[next].creator], posts[next].sponsored,
                                               posts[next].views),
                             0);
            next++;
        }
        /* some views grow: every 7th post still in the window gains 10 */
        for (int i = 0; i < next; i++) {
            if (i % 7 == (int)(today % 7) && pd_online_in_window(posts[i].t, today, WINDOW)) {
                assert_int_equal(pd_stats_change_views(&online[posts[i].creator], posts[i].views,
                                                       posts[i].views + 10),
                                 0);
                posts[i].views += 10;
            }
        }
        /* the batch answer as of the next midnight */
        pd_instant as_of = pd_online_as_of(today);
        pd_instant from = pd_instant_add(as_of, -(int64_t)WINDOW * 86400);
        pd_window_stats batch[NC];
        memset(batch, 0, sizeof batch);
        for (int i = 0; i < next; i++) {
            if (pd_instant_cmp(posts[i].t, from) >= 0 && pd_instant_cmp(posts[i].t, as_of) < 0) {
                pd_window_stats *b = &batch[posts[i].creator];
                b->posts++;
                b->sponsored += (uint32_t)posts[i].sponsored;
                b->views += posts[i].views;
            }
        }
        for (int c = 0; c < NC; c++) {
            assert_int_equal(online[c].posts, batch[c].posts);
            assert_int_equal(online[c].sponsored, batch[c].sponsored);
            assert_int_equal(online[c].views, batch[c].views);
        }
    }
    assert_int_equal(next, NP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days),        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_window_rule), cmocka_unit_test(test_deltas),
        cmocka_unit_test(test_transitions), cmocka_unit_test(test_deltas_equal_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
