/* test_certify.c - the certification result file: exact rows, and the same
 * bytes whatever the number of threads formatting blocks of rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch/certify.h"

/* A dataset made by hand: n creators with ids 2, 4, 6, ... and stats that
 * vary with the index, so that some pass red-2019-v2 and some do not. */
static void make_dataset(pd_dataset *ds, size_t n)
{
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->creators = calloc(n ? n : 1, sizeof *ds->creators);
    ds->stats[0] = calloc(n ? n : 1, sizeof *ds->stats[0]);
    assert_non_null(ds->creators);
    assert_non_null(ds->stats[0]);
    ds->nwindows = 1;
    ds->window_days[0] = 30;
    for (size_t i = 0; i < n; i++) {
        ds->creators[i].id = (int64_t)(2 * i + 2);
        ds->creators[i].followers = (i * 7919) % 20000;
        pd_window_stats *s = &ds->stats[0][i];
        s->posts = (uint32_t)(i % 31);
        s->sponsored = (uint32_t)(i % 7 < s->posts ? i % 7 : 0);
        s->views = (uint64_t)s->posts * ((i * 104729) % 20011);
    }
}

static char *write_all(const pd_dataset *ds, const pd_policy *p, int explain, unsigned threads,
                       uint64_t *certified)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    pd_error err;
    pd_error_clear(&err);
    int rc = pd_certify_write(fp, ds, p, explain, threads, certified, &err);
    if (rc != PD_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, PD_OK);
    assert_int_equal(fclose(fp), 0);
    return text;
}

static void test_rows_exact(void **state)
{
    (void)state;
    pd_dataset ds;
    make_dataset(&ds, 3);
    ds.creators[0].followers = 6000;
    ds.stats[0][0] = (pd_window_stats){.posts = 20, .sponsored = 4, .views = 200001};
    ds.stats[0][1] = (pd_window_stats){.posts = 3, .sponsored = 0, .views = 10001};
    ds.stats[0][2] = (pd_window_stats){0};
    ds.creators[1].followers = 3120;
    ds.creators[2].followers = 0;
    uint64_t certified = 0;
    char *text = write_all(&ds, pd_policy_preset("red-2019-v2"), 1, 2, &certified);
    assert_string_equal(
        text, "creator_id,certified,followers,posts,sponsored,avg_views,failed_rules\n"
              "2,1,6000,20,4,10000.05,\n"
              "4,0,3120,3,0,3333.67,followers 3120 < 5000; avg_views 3333.67 < 10000; "
              "sponsored 0 < 4\n"
              "6,0,0,0,0,0.00,followers 0 < 5000; avg_views 0.00 < 10000 (no posts in the "
              "30-day window); organic 0 < 4 x sponsored 0 (no posts in the 30-day window); "
              "sponsored 0 < 4 (no posts in the 30-day window)\n");
    assert_int_equal(certified, 1);
    free(text);
    pd_dataset_free(&ds);
}

/* Many blocks of rows: every thread count gives the same bytes, in order. */
static void test_threads_same_bytes(void **state)
{
    (void)state;
    pd_dataset ds;
    make_dataset(&ds, 100003); /* 7 blocks, the last one short */
    const pd_policy *v2 = pd_policy_preset("red-2019-v2");
    for (int explain = 0; explain <= 1; explain++) {
        uint64_t c1 = 0;
        char *one = write_all(&ds, v2, explain, 1, &c1);
        assert_true(c1 > 0 && c1 < ds.n);
        static const unsigned threads[] = {2, 3, 7, 16};
        for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
            uint64_t ck = 0;
            char *many = write_all(&ds, v2, explain, threads[k], &ck);
            assert_int_equal(ck, c1);
            assert_int_equal(strlen(many), strlen(one));
            assert_true(strcmp(many, one) == 0);
            free(many);
        }
        /* rows in creator order, one per creator */
        size_t lines = 0;
        long prev = 0;
        for (char *p = strchr(one, '\n'); p && p[1]; p = strchr(p + 1, '\n')) {
            long id = strtol(p + 1, NULL, 10);
            assert_true(id > prev);
            prev = id;
            lines++;
        }
        assert_int_equal(lines, ds.n);
        free(one);
    }
    pd_dataset_free(&ds);
}

static void test_empty_dataset(void **state)
{
    (void)state;
    pd_dataset ds;
    make_dataset(&ds, 0);
    uint64_t certified = 99;
    char *text = write_all(&ds, pd_policy_preset("red-2019-v1"), 0, 4, &certified);
    assert_string_equal(text, "creator_id,certified,followers,posts,sponsored,avg_views\n");
    assert_int_equal(certified, 0);
    free(text);
    pd_dataset_free(&ds);
}

/* A full disk is an error the caller hears about, from any thread. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *fp = fopen("/dev/full", "w");
    if (!fp)
        skip();
    pd_dataset ds;
    make_dataset(&ds, 50000);
    uint64_t certified = 0;
    pd_error err;
    pd_error_clear(&err);
    int rc = pd_certify_write(fp, &ds, pd_policy_preset("red-2019-v2"), 0, 2, &certified, &err);
    if (rc == PD_OK) /* buffered: the error may show only at the flush */
        rc = fflush(fp) == 0 ? PD_OK : PD_EIO;
    assert_int_equal(rc, PD_EIO);
    fclose(fp);
    pd_dataset_free(&ds);
}

/* A policy whose window was not loaded is refused. */
static void test_window_not_loaded(void **state)
{
    (void)state;
    pd_dataset ds;
    make_dataset(&ds, 2);
    pd_policy p = *pd_policy_preset("red-2019-v1");
    p.window_days = 7;
    uint64_t certified;
    pd_error err;
    pd_error_clear(&err);
    FILE *fp = fopen("/dev/null", "w");
    assert_non_null(fp);
    assert_int_equal(pd_certify_write(fp, &ds, &p, 0, 1, &certified, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "7-day window"));
    fclose(fp);
    pd_dataset_free(&ds);
}

static void test_csv_quote(void **state)
{
    (void)state;
    char out[64];
    size_t n = pd_csv_quote("plain text", 10, out);
    assert_int_equal(n, 10);
    n = pd_csv_quote("a,\"b\"", 5, out);
    out[n] = '\0';
    assert_string_equal(out, "\"a,\"\"b\"\"\"");
    n = pd_csv_quote("line\nbreak", 10, out);
    out[n] = '\0';
    assert_string_equal(out, "\"line\nbreak\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_exact),        cmocka_unit_test(test_threads_same_bytes),
        cmocka_unit_test(test_empty_dataset),     cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_window_not_loaded), cmocka_unit_test(test_csv_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
