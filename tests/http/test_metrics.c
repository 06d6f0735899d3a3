/* test_metrics.c - the Prometheus text: counters by route and status,
 * cumulative histogram buckets with their bounds inclusive, sum and count,
 * the "unmatched" route, the in-flight gauge, gauges added by others (names
 * checked, failing reads left out), and the /metrics and /healthz routes
 * answered through the router, /metrics with the access class chosen. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/metrics.h"
#include "http/dispatch.h"
#include "http/request.h"
#include "http/router.h"

static int h_dummy(pd_req *req, void *ctx, pd_error *err)
{
    (void)req;
    (void)ctx;
    (void)err;
    return PD_OK;
}

static const pd_route app_routes[] = {
    {.method = "GET",
     .pattern = "/api/creators",
     .name = "creators.list",
     .summary = "s",
     .handler = h_dummy},
};

typedef struct fixture {
    pd_router *r;
    pd_metrics *m;
    size_t healthz, metrics, creators;
} fixture;

static fixture setup(void)
{
    fixture f;
    f.r = pd_router_new();
    f.m = pd_metrics_new();
    assert_non_null(f.r);
    assert_non_null(f.m);
    pd_error err;
    assert_int_equal(pd_router_add(f.r, pd_ops_routes, pd_ops_routes_count, f.m, &err), PD_OK);
    assert_int_equal(pd_router_add(f.r, app_routes, 1, NULL, &err), PD_OK);
    assert_non_null(pd_router_find(f.r, "ops.healthz", &f.healthz));
    assert_non_null(pd_router_find(f.r, "ops.metrics", &f.metrics));
    assert_non_null(pd_router_find(f.r, "creators.list", &f.creators));
    assert_int_equal(pd_metrics_attach(f.m, f.r, &err), PD_OK);
    assert_int_equal(pd_metrics_attach(f.m, f.r, &err), PD_EINTERNAL);
    return f;
}

static void teardown(fixture *f)
{
    pd_metrics_free(f->m);
    pd_router_free(f->r);
}

static char *scrape(pd_metrics *m)
{
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    pd_error err;
    assert_int_equal(pd_metrics_write(m, &b, &err), PD_OK);
    return pd_buf_detach(&b, NULL);
}

/* The value of the series (the whole text before the space), or -1. */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    return -1;
}

static void test_counters_and_histogram(void **state)
{
    (void)state;
    fixture f = setup();
    for (int i = 0; i < 3; i++) {
        pd_metrics_begin(f.m);
        pd_metrics_end(f.m, f.healthz, 200, 50);
    }
    pd_metrics_begin(f.m);
    pd_metrics_end(f.m, f.creators, 200, 100); /* on the 100 us bound: in le=0.0001 */
    pd_metrics_begin(f.m);
    pd_metrics_end(f.m, f.creators, 400, 101); /* just above it */
    pd_metrics_begin(f.m);
    pd_metrics_end(f.m, f.creators, 200, 20000000); /* 20 s: only +Inf */
    pd_metrics_begin(f.m);
    pd_metrics_end(f.m, (size_t)-1, 404, 10);
    pd_metrics_begin(f.m);
    pd_metrics_end(f.m, 12345, 405, 10); /* out of range: unmatched too */
    pd_metrics_begin(f.m);
    pd_metrics_end(f.m, f.creators, 0, 10); /* no answer: not counted */
    pd_metrics_begin(f.m);                  /* still running */

    char *t = scrape(f.m);
    assert_true(value_of(t, "partnerd_http_requests_total{route=\"ops.healthz\",status=\"200\"}") ==
                3);
    assert_true(
        value_of(t, "partnerd_http_requests_total{route=\"creators.list\",status=\"200\"}") == 2);
    assert_true(
        value_of(t, "partnerd_http_requests_total{route=\"creators.list\",status=\"400\"}") == 1);
    assert_true(value_of(t, "partnerd_http_requests_total{route=\"unmatched\",status=\"404\"}") ==
                1);
    assert_true(value_of(t, "partnerd_http_requests_total{route=\"unmatched\",status=\"405\"}") ==
                1);
    /* Zero series are left out. */
    assert_true(value_of(t, "partnerd_http_requests_total{route=\"ops.metrics\",status=\"200\"}") ==
                -1);

    const char *b = "partnerd_http_request_duration_seconds_bucket{route=\"creators.list\",le=";
    char s[200];
    snprintf(s, sizeof s, "%s\"0.0001\"}", b);
    assert_true(value_of(t, s) == 1);
    snprintf(s, sizeof s, "%s\"0.00025\"}", b);
    assert_true(value_of(t, s) == 2);
    snprintf(s, sizeof s, "%s\"10\"}", b);
    assert_true(value_of(t, s) == 2);
    snprintf(s, sizeof s, "%s\"+Inf\"}", b);
    assert_true(value_of(t, s) == 3);
    assert_true(
        value_of(t, "partnerd_http_request_duration_seconds_count{route=\"creators.list\"}") == 3);
    double sum = value_of(t, "partnerd_http_request_duration_seconds_sum{route=\"creators.list\"}");
    assert_true(sum > 20.0002 && sum < 20.0003);
    assert_true(
        value_of(t, "partnerd_http_request_duration_seconds_count{route=\"ops.healthz\"}") == 3);
    /* Buckets never decrease. */
    double prev = 0;
    for (const char *p = strstr(t, b); p; p = strstr(p + 1, b)) {
        double v = strtod(strchr(p, ' ') + 1, NULL);
        assert_true(v >= prev);
        prev = v;
    }
    assert_true(value_of(t, "partnerd_http_requests_in_flight") == 1);
    assert_true(value_of(t, "process_start_time_seconds") > 1e9);
    assert_non_null(strstr(t, "# TYPE partnerd_http_requests_total counter\n"));
    assert_non_null(strstr(t, "# TYPE partnerd_http_request_duration_seconds histogram\n"));
    free(t);
    teardown(&f);
}

static int gauge_42(void *ctx, double *v)
{
    *v = *(double *)ctx;
    return 0;
}

static int gauge_unavailable(void *ctx, double *v)
{
    (void)ctx;
    (void)v;
    return -1;
}

static void test_gauges(void **state)
{
    (void)state;
    fixture f = setup();
    static double certified = 4000;
    pd_error err;
    assert_int_equal(pd_metrics_add_gauge(f.m, "partnerd_certified_creators",
                                          "Creators certified now.", gauge_42, &certified, &err),
                     PD_OK);
    assert_int_equal(pd_metrics_add_gauge(f.m, "partnerd_certified_creators", "again", gauge_42,
                                          &certified, &err),
                     PD_ECONFLICT);
    assert_int_equal(pd_metrics_add_gauge(f.m, "partnerd:lag_seconds", "Unavailable.",
                                          gauge_unavailable, NULL, &err),
                     PD_OK);
    const char *bad[] = {"", "1abc", "with space", "dash-ed", "quo\"te"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pd_metrics_add_gauge(f.m, bad[i], "h", gauge_42, &certified, &err),
                         PD_EINTERNAL);
    assert_int_equal(pd_metrics_add_gauge(f.m, "ok_name", "two\nlines", gauge_42, &certified, &err),
                     PD_EINTERNAL);
    assert_int_equal(pd_metrics_add_gauge(f.m, "ok_name", "h", NULL, NULL, &err), PD_EINTERNAL);

    /* A counter shares the names and says its type. */
    static double hits = 7;
    assert_int_equal(
        pd_metrics_add_counter(f.m, "partnerd_certified_creators", "h", gauge_42, &hits, &err),
        PD_ECONFLICT);
    assert_int_equal(pd_metrics_add_counter(f.m, "bad name", "h", gauge_42, &hits, &err),
                     PD_EINTERNAL);
    assert_int_equal(
        pd_metrics_add_counter(f.m, "partnerd_cache_hits_total", "Hits.", gauge_42, &hits, &err),
        PD_OK);

    char *t = scrape(f.m);
    assert_non_null(strstr(t, "# HELP partnerd_certified_creators Creators certified now.\n"
                              "# TYPE partnerd_certified_creators gauge\n"
                              "partnerd_certified_creators 4000\n"));
    assert_non_null(strstr(t, "# HELP partnerd_cache_hits_total Hits.\n"
                              "# TYPE partnerd_cache_hits_total counter\n"
                              "partnerd_cache_hits_total 7\n"));
    assert_null(strstr(t, "partnerd:lag_seconds"));
    free(t);
    certified = 4001.5;
    t = scrape(f.m);
    assert_true(value_of(t, "partnerd_certified_creators") == 4001.5);
    free(t);

    /* At most PD_METRICS_GAUGES_MAX, gauges and counters. */
    int added = 3, rc = PD_OK;
    for (int i = 0; rc == PD_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "g_%d", i);
        rc = pd_metrics_add_gauge(f.m, name, "h", gauge_42, &certified, &err);
        if (rc == PD_OK)
            added++;
    }
    assert_int_equal(rc, PD_ENOMEM);
    assert_int_equal(added, PD_METRICS_GAUGES_MAX);
    teardown(&f);
}

/* A registry not yet attached counts nothing and still writes. */
static void test_unattached(void **state)
{
    (void)state;
    pd_metrics *m = pd_metrics_new();
    pd_metrics_begin(m);
    pd_metrics_end(m, 0, 200, 5);
    char *t = scrape(m);
    assert_null(strstr(t, "partnerd_http_requests_total{"));
    assert_true(value_of(t, "partnerd_http_requests_in_flight") == 0);
    free(t);
    pd_metrics_free(m);
    pd_metrics_free(NULL);
}

static void test_routes(void **state)
{
    (void)state;
    fixture f = setup();
    for (size_t i = 0; i < pd_ops_routes_count; i++) {
        assert_int_equal(pd_ops_routes[i].access, PD_ACCESS_PUBLIC);
        assert_string_equal(pd_ops_routes[i].method, "GET");
    }
    pd_req_limits lim = {.body_max = 100, .out_max = 1 << 20};
    pd_req *req = pd_req_new("GET", "/healthz", &lim);
    pd_router_dispatch(f.r, req, NULL, NULL);
    assert_int_equal(pd_req_get_status(req), 200);
    assert_string_equal(pd_req_get_content_type(req), "application/json");
    size_t len;
    char *body = pd_req_take_body(req, &len);
    assert_string_equal(body, "{\"status\":\"ok\"}");
    free(body);
    pd_req_free(req);

    pd_metrics_end(f.m, f.healthz, 200, 10);
    req = pd_req_new("GET", "/metrics", &lim);
    pd_router_dispatch(f.r, req, NULL, NULL);
    assert_int_equal(pd_req_get_status(req), 200);
    assert_string_equal(pd_req_get_content_type(req), "text/plain; version=0.0.4; charset=utf-8");
    body = pd_req_take_body(req, &len);
    assert_true(
        value_of(body, "partnerd_http_requests_total{route=\"ops.healthz\",status=\"200\"}") == 1);
    free(body);
    pd_req_free(req);
    teardown(&f);
}

/* The access class of /metrics is the caller's: the guard sees the one
 * chosen (here 3, an auth layer's operators) and refuses a caller
 * without; /healthz stays public. */
static int guard_operators_only(pd_req *req, const pd_route *route, void *ctx, pd_error *err)
{
    (void)req;
    (void)ctx;
    if (route->access == PD_ACCESS_PUBLIC)
        return PD_OK;
    assert_int_equal(route->access, 3);
    return pd_error_set(err, PD_EAUTH, "sign in first");
}

static void test_metrics_access_chosen(void **state)
{
    (void)state;
    pd_router *r = pd_router_new();
    pd_metrics *m = pd_metrics_new();
    pd_error err;
    assert_int_equal(pd_ops_routes_add(r, m, 3, &err), PD_OK);
    size_t i;
    assert_int_equal(pd_router_find(r, "ops.metrics", &i)->access, 3);
    assert_int_equal(pd_router_find(r, "ops.healthz", &i)->access, PD_ACCESS_PUBLIC);
    assert_int_equal(pd_metrics_attach(m, r, &err), PD_OK);
    pd_req_limits lim = {.body_max = 100, .out_max = 1 << 20};
    pd_req *req = pd_req_new("GET", "/metrics", &lim);
    pd_router_dispatch(r, req, guard_operators_only, NULL);
    assert_int_equal(pd_req_get_status(req), 401);
    pd_req_free(req);
    req = pd_req_new("GET", "/healthz", &lim);
    pd_router_dispatch(r, req, guard_operators_only, NULL);
    assert_int_equal(pd_req_get_status(req), 200);
    pd_req_free(req);
    pd_router_free(r);
    pd_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_and_histogram),
        cmocka_unit_test(test_gauges),
        cmocka_unit_test(test_unattached),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_metrics_access_chosen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
