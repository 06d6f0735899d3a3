/* test_cert_rows.c - the store's side of online certification (store.h):
 * certification rows read and written as given (only what differs; a
 * note becomes a status_history row), one creator's sums over a window,
 * and the walk of a step: it asks the caller's walker for every creator
 * the step moves, writes exactly what the walker returns, and rebuilds
 * every row from the posts when the walker says a row is out of step. The
 * store decides nothing: these walkers are the tests' own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/online.h"
#include "store/store.h"

#include "fixture.h"

#define DAY 18047 /* 2019-05-31 */

static int setup(void **state)
{
    struct pd_store_fx *f = pd_store_fx_new("cert_rows", 2);
    pd_error err = {0};
    for (int64_t id = 1; id <= 3; id++) {
        pd_creator_rec c = {.id = id, .category = "beauty", .followers = 100 * (uint64_t)id};
        snprintf(c.handle, sizeof c.handle, "c%lld", (long long)id);
        ASSERT_CODE(PD_OK, pd_db_creator_put(f->d, &c, 1000, &err));
    }
    /* creator 1: two posts in the window ending on DAY, one before it;
     * creator 2: one post on DAY - 29, the window's first day */
    pd_post_rec ps[] = {
        {.id = 1, .creator_id = 1, .published_at = {DAY * 86400LL, 0}, .views = 10, .likes = 1},
        {.id = 2,
         .creator_id = 1,
         .published_at = {DAY * 86400LL + 5, 0},
         .sponsored = 1,
         .views = 20},
        {.id = 3, .creator_id = 1, .published_at = {(DAY - 40) * 86400LL, 0}, .views = 99},
        {.id = 4,
         .creator_id = 2,
         .published_at = {(DAY - 29) * 86400LL, 0},
         .views = 7,
         .comments = 2},
    };
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        ASSERT_CODE(PD_OK, pd_db_post_add(f->d, &ps[i], &err));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

struct hist {
    pd_status_change *c;
    int n;
};

static int each(void *ctx, const pd_status_change *x)
{
    struct hist *h = ctx;
    *h->c = *x;
    h->n++;
    return 0;
}

static void test_rows(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_cert_row was, now;
    ASSERT_CODE(PD_OK, pd_db_cert_row_get(f->d, 1, &was, &err));
    assert_int_equal(was.followers, 100);
    assert_int_equal(was.win.posts, 0); /* the store keeps what it is given: nothing yet */
    ASSERT_CODE(PD_ENOTFOUND, pd_db_cert_row_get(f->d, 9, &was, &err));
    pd_cert_sums s;
    ASSERT_CODE(PD_OK, pd_db_cert_sums(f->d, 1, pd_online_window(DAY, 30), &s, &err));
    assert_int_equal(s.win.posts, 2);
    assert_int_equal(s.win.sponsored, 1);
    assert_int_equal(s.win.views, 30);
    assert_int_equal(s.engagements, 1);
    ASSERT_CODE(PD_OK, pd_db_cert_sums(f->d, 3, pd_online_window(DAY, 30), &s, &err));
    assert_int_equal(s.win.posts, 0);

    ASSERT_CODE(PD_OK, pd_db_cert_row_get(f->d, 1, &was, &err));
    now = was;
    now.win.posts = 5;
    now.avg_views = 123;
    now.certified = 1;
    now.since = 777;
    pd_cert_note note = {.at = 777, .policy_id = 0, .cause = "test", .explanation = "why not"};
    ASSERT_CODE(PD_OK, pd_db_cert_row_put(f->d, &was, &now, &note, &err));
    pd_cert_row back;
    ASSERT_CODE(PD_OK, pd_db_cert_row_get(f->d, 1, &back, &err));
    assert_memory_equal(&back, &now, sizeof now);
    pd_status_change c = {0};
    struct hist h = {&c, 0};
    ASSERT_CODE(PD_OK, pd_db_status_history(f->d, 1, 0, 0, each, &h, &err));
    assert_int_equal(h.n, 1);
    assert_int_equal(c.at, 777);
    assert_int_equal(c.certified, 1);
    assert_string_equal(c.cause, "test");
    assert_string_equal(c.explanation, "why not");
    /* an id that changed is the caller's bug */
    now.id = 2;
    ASSERT_CODE(PD_EINTERNAL, pd_db_cert_row_put(f->d, &was, &now, NULL, &err));
}

/* A walker that records what it is asked and stores the sums it is given,
 * refusing the first shifted row when told to. */
struct rec {
    int calls, set, shift, none, refuse_shift;
    int64_t ids[16];
};

static int decide(void *ctx, const pd_cert_row *was, const pd_cert_move *m, pd_cert_row *now,
                  char why[PD_CERT_EXPLAIN_MAX])
{
    struct rec *r = ctx;
    if (r->calls < 16)
        r->ids[r->calls] = was->id;
    r->calls++;
    if (m->kind == PD_CERT_MOVE_SHIFT) {
        r->shift++;
        if (r->refuse_shift)
            return PD_CERT_OUT_OF_STEP;
    }
    if (m->kind == PD_CERT_MOVE_NONE)
        r->none++;
    if (m->kind == PD_CERT_MOVE_SET)
        r->set++;
    if (pd_cert_apply_move(now, m) != 0)
        return PD_CERT_OUT_OF_STEP;
    now->since = 5;
    now->certified = now->win.posts > 0;
    snprintf(why, PD_CERT_EXPLAIN_MAX, "posts %u", now->win.posts);
    return now->certified != was->certified ? PD_CERT_RECORD : PD_CERT_STORE;
}

static int would_change(void *ctx, const pd_cert_row *was)
{
    (void)ctx;
    (void)was;
    return 1;
}

static void test_walk(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    struct rec r = {0};
    pd_cert_walker w = {decide, would_change, &r};
    /* a recompute: every creator, in id order, with its window's sums */
    pd_advance_step step = {.from_today = 0,
                            .from_window = 30,
                            .today = DAY,
                            .window_days = 30,
                            .apply_upto = INT64_MIN,
                            .recompute = 1,
                            .cause = "import"};
    int recomputed = 0;
    ASSERT_CODE(PD_OK, pd_db_begin(f->d, &err));
    ASSERT_CODE(PD_OK, pd_db_online_step(f->d, &step, 42, &w, &recomputed, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(f->d, &err));
    assert_true(recomputed);
    assert_int_equal(r.calls, 3);
    assert_int_equal(r.set, 3);
    assert_int_equal(r.ids[0], 1);
    assert_int_equal(r.ids[2], 3);
    pd_cert_row row;
    ASSERT_CODE(PD_OK, pd_db_cert_row_get(f->d, 1, &row, &err));
    assert_int_equal(row.win.posts, 2);
    assert_int_equal(row.win.views, 30);
    assert_int_equal(row.since, 5);
    pd_online_state st;
    ASSERT_CODE(PD_OK, pd_db_online_state(f->d, &st, &err));
    assert_int_equal(st.today, DAY);
    assert_int_equal(st.window_days, 30);
    assert_false(st.stale);
    assert_int_equal(st.certified, 2);

    /* a day: only creator 2 (its post leaves), with what leaves */
    memset(&r, 0, sizeof r);
    step = (pd_advance_step){.from_today = DAY,
                             .from_window = 30,
                             .today = DAY + 1,
                             .window_days = 30,
                             .apply_upto = INT64_MIN,
                             .cause = "day"};
    ASSERT_CODE(PD_OK, pd_db_begin(f->d, &err));
    ASSERT_CODE(PD_OK, pd_db_online_step(f->d, &step, 43, &w, &recomputed, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(f->d, &err));
    assert_false(recomputed);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.shift, 1);
    assert_int_equal(r.ids[0], 2);
    ASSERT_CODE(PD_OK, pd_db_cert_row_get(f->d, 2, &row, &err));
    assert_int_equal(row.win.posts, 0);

    /* the walker refuses a shifted row: every row rebuilt from the posts */
    memset(&r, 0, sizeof r);
    r.refuse_shift = 1;
    step.from_today = DAY + 1;
    step.today = DAY + 2;
    pd_post_rec late = {.id = 9, .creator_id = 3, .published_at = {(DAY + 2) * 86400LL + 1, 0}};
    ASSERT_CODE(PD_OK, pd_db_post_add(f->d, &late, &err));
    ASSERT_CODE(PD_OK, pd_db_begin(f->d, &err));
    ASSERT_CODE(PD_OK, pd_db_online_step(f->d, &step, 44, &w, &recomputed, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(f->d, &err));
    assert_true(recomputed);
    assert_int_equal(r.shift, 1);
    assert_int_equal(r.set, 3);
    ASSERT_CODE(PD_OK, pd_db_cert_row_get(f->d, 3, &row, &err));
    assert_int_equal(row.win.posts, 1);

    /* judge_all: everyone as they are */
    memset(&r, 0, sizeof r);
    step = (pd_advance_step){.from_today = DAY + 2,
                             .from_window = 30,
                             .today = DAY + 2,
                             .window_days = 30,
                             .apply_upto = INT64_MIN,
                             .judge_all = 1,
                             .cause = "policy"};
    ASSERT_CODE(PD_OK, pd_db_begin(f->d, &err));
    ASSERT_CODE(PD_OK, pd_db_online_step(f->d, &step, 45, &w, &recomputed, &err));
    ASSERT_CODE(PD_OK, pd_db_commit(f->d, &err));
    assert_int_equal(r.none, 3);
    /* a walker without decide is refused */
    pd_cert_walker bad = {0};
    ASSERT_CODE(PD_EINTERNAL, pd_db_online_step(f->d, &step, 45, &bad, NULL, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
