/* test_policies.c - the policy routes (api/policies.h) through the router
 * and the guard, without a server, on a real SQLite file with a fixed
 * clock: add (a name's versions), list, get; activate from today (in force
 * at once) and from a later day (pending); the online certification state;
 * impact over a small population; bad input with its status and message,
 * and a role that may not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/policies.h"
#include "app/creators.h"
#include "app/online.h"
#include "app/orgs.h"
#include "lib_api.h"

#define Y2031 1930384800 /* 2031-03-04T10:00:00Z */
#define V1 "{\"name\": \"v1\", \"window_days\": 30, \"rules\": {\"min_followers\": 1000}}"
#define V2 "{\"name\": \"v1\", \"window_days\": 30, \"rules\": {\"min_followers\": 2000}}"
#define STRICT "{\"name\": \"strict\", \"window_days\": 30, \"rules\": {\"min_followers\": 4000}}"

typedef struct fx {
    test_api t;
    pd_policies p;
    char ops[PD_TOKEN_TEXT_MAX], buyer[PD_TOKEN_TEXT_MAX];
    test_answer a;
} fx;

static void call(fx *f, const char *method, const char *target, const char *token, const char *body)
{
    test_api_call(&f->t, method, target, token, body ? "application/json" : NULL, body, &f->a);
}

static void add_creator(fx *f, int64_t id, uint64_t followers)
{
    pd_creator_rec *c = calloc(2, sizeof *c);
    pd_creator_status st;
    pd_error err = {0};
    assert_non_null(c);
    c->id = id;
    c->followers = followers;
    snprintf(c->handle, sizeof c->handle, "c%lld", (long long)id);
    snprintf(c->category, sizeof c->category, "beauty");
    if (pd_app_creator_create(f->t.s, c, &c[1], &st, &err) != PD_OK)
        fail_msg("creator %lld: %s", (long long)id, err.msg);
    free(c);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    test_api_open(&f->t, "policies", Y2031);
    pd_error err = {0};
    pd_impact_source src = pd_impact_store_source(f->t.s);
    pd_impact_options o = {.no_thread = 1};
    f->p.store = f->t.s;
    assert_int_equal(pd_impact_new(&src, &o, &f->p.impact, &err), PD_OK);
    assert_int_equal(pd_policies_routes(f->t.r, &f->p, &err), PD_OK);
    int64_t brand;
    assert_int_equal(pd_app_brand_add(f->t.s, "Acme", &brand, &err), PD_OK);
    test_api_user(&f->t, "ops", PD_ROLE_OPERATOR, 0);
    test_api_user(&f->t, "buyer", PD_ROLE_BRAND, brand);
    test_api_login(&f->t, "ops", f->ops);
    test_api_login(&f->t, "buyer", f->buyer);
    add_creator(f, 1, 500);
    add_creator(f, 2, 1500);
    add_creator(f, 3, 5000);
    /* the server's start-up sweep: online certification stands at today */
    pd_online_report rep;
    assert_int_equal(pd_app_online_advance(f->t.s, pd_app_today(f->t.s), &rep, &err), PD_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    pd_impact_free(f->p.impact);
    test_api_close(&f->t);
    free(f);
    return 0;
}

static void test_add_list_get(void **state)
{
    fx *f = *state;
    call(f, "POST", "/api/policies", f->ops, V1);
    test_api_expect(&f->a, 201, "\"id\":1,\"version\":1,\"name\":\"v1\"");
    assert_non_null(strstr(f->a.body, "\"created_at\":\"2031-03-04T10:00:00Z\""));
    call(f, "POST", "/api/policies", f->ops, V2);
    test_api_expect(&f->a, 201, "\"id\":2,\"version\":2");

    call(f, "GET", "/api/policies", f->ops, NULL);
    test_api_expect(&f->a, 200, "{\"policies\":[");
    assert_int_equal(test_api_count(f->a.body, "\"in_force\":false"), 2);
    call(f, "GET", "/api/policies/2", f->ops, NULL);
    test_api_expect(&f->a, 200, "\"min_followers\":2000");
    call(f, "GET", "/api/policies/99", f->ops, NULL);
    test_api_expect(&f->a, 404, "no policy 99");

    /* bad input */
    call(f, "POST", "/api/policies", f->ops, "");
    test_api_expect(&f->a, 400, "the body is empty");
    test_api_call(&f->t, "POST", "/api/policies", f->ops, "text/plain", V1, &f->a);
    test_api_expect(&f->a, 400, "send the policy as JSON");
    call(f, "POST", "/api/policies", f->ops,
         "{\"name\": \"x\", \"window_days\": 30, \"rules\": {\"min_follower\": 5}}");
    test_api_expect(&f->a, 400, "min_follower");
    /* operators only */
    call(f, "POST", "/api/policies", f->buyer, V1);
    test_api_expect(&f->a, 403, "only operators may do this");
    call(f, "GET", "/api/policies", f->buyer, NULL);
    test_api_expect(&f->a, 403, NULL);
}

static void test_activate_now_and_later(void **state)
{
    fx *f = *state;
    call(f, "POST", "/api/policies", f->ops, V1);
    test_api_expect(&f->a, 201, NULL);
    call(f, "POST", "/api/policies", f->ops, V2);
    test_api_expect(&f->a, 201, NULL);

    /* from today: in force at once */
    call(f, "POST", "/api/policies/1/activate", f->ops, "{\"from\": \"2031-03-04\"}");
    test_api_expect(&f->a, 201, "\"applied\":true");
    assert_non_null(strstr(f->a.body, "\"from\":\"2031-03-04\""));
    assert_non_null(strstr(f->a.body, "\"policy_changed\":true"));
    call(f, "GET", "/api/certification", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"policy\":{\"id\":1,");
    assert_non_null(strstr(f->a.body, "\"today\":\"2031-03-04\""));
    assert_non_null(strstr(f->a.body, "\"certified\":2")); /* 1500 and 5000 followers */
    assert_non_null(strstr(f->a.body, "\"pending\":[]"));
    call(f, "GET", "/api/policies/1", f->ops, NULL);
    test_api_expect(&f->a, 200, "\"in_force\":true");

    /* from a later day: pending, the first still in force */
    call(f, "POST", "/api/policies/2/activate", f->ops, "{\"from\": \"2031-03-10\"}");
    test_api_expect(&f->a, 201, "\"applied\":false");
    assert_non_null(strstr(f->a.body, "\"applied_at\":null"));
    assert_non_null(strstr(f->a.body, "\"report\":null"));
    call(f, "GET", "/api/certification", f->buyer, NULL);
    test_api_expect(&f->a, 200, "\"policy\":{\"id\":1,");
    assert_non_null(
        strstr(f->a.body, "\"pending\":[{\"id\":2,\"policy_id\":2,\"from\":\"2031-03-10\""));
    call(f, "GET", "/api/activations", f->ops, NULL);
    test_api_expect(&f->a, 200, "{\"activations\":[{\"id\":2,");
    assert_int_equal(test_api_count(f->a.body, "\"policy_id\":"), 2);

    /* bad input */
    call(f, "POST", "/api/policies/99/activate", f->ops, "{\"from\": \"2031-03-04\"}");
    test_api_expect(&f->a, 404, NULL);
    call(f, "POST", "/api/policies/1/activate", f->ops, "{\"from\": \"04/03/2031\"}");
    test_api_expect(&f->a, 400, "from");
    call(f, "POST", "/api/policies/1/activate", f->ops, "{}");
    test_api_expect(&f->a, 400, "from");
    call(f, "POST", "/api/policies/1/activate", f->ops, "{\"from\": \"2031-03-04\", \"to\": 1}");
    test_api_expect(&f->a, 400, "to");
    call(f, "POST", "/api/policies/1/activate", f->buyer, "{\"from\": \"2031-03-04\"}");
    test_api_expect(&f->a, 403, NULL);
}

static void test_impact(void **state)
{
    fx *f = *state;
    /* no policy in force: no "current" baseline */
    call(f, "POST", "/api/policies/impact", f->ops, "{\"candidate\": " V2 "}");
    test_api_expect(&f->a, 400, "baseline: no policy is in force");

    call(f, "POST", "/api/policies/impact", f->ops,
         "{\"baseline\": " V1 ", \"candidate\": " STRICT "}");
    test_api_expect(&f->a, 200, "\"strict\"");
    /* 1500 and 5000 followers under v1; strict keeps 5000 and loses 1500 */
    assert_non_null(strstr(f->a.body, "\"creators\": 3,"));
    assert_non_null(strstr(f->a.body, "\"certified\": 2"));
    assert_non_null(
        strstr(f->a.body, "\"certified\": 1,\n      \"kept\": 1,\n      \"lost\": 1,\n"));
    char baseline[sizeof f->a.body];
    snprintf(baseline, sizeof baseline, "%s", f->a.body);

    /* a stored policy by id gives the same report */
    call(f, "POST", "/api/policies", f->ops, V1);
    test_api_expect(&f->a, 201, NULL);
    call(f, "POST", "/api/policies/impact", f->ops, "{\"baseline\": 1, \"candidate\": " STRICT "}");
    test_api_expect(&f->a, 200, NULL);
    assert_string_equal(f->a.body, baseline);

    /* bad input */
    call(f, "POST", "/api/policies/impact", f->ops,
         "{\"baseline\": " V1 ", \"candidate\": {\"name\": \"c\", \"window_days\": 30, "
         "\"rules\": {\"min_follower\": 5}}}");
    test_api_expect(&f->a, 400, "candidate.rules.min_follower");
    call(f, "POST", "/api/policies/impact", f->ops, "{\"baseline\": " V1 "}");
    test_api_expect(&f->a, 400, "candidate: missing");
    call(f, "POST", "/api/policies/impact", f->ops, "{\"baseline\": 7, \"candidate\": " STRICT "}");
    test_api_expect(&f->a, 400, "baseline: no stored policy 7");
    call(f, "POST", "/api/policies/impact", f->ops,
         "{\"baseline\": " V1 ", \"candidate\": " STRICT
         ", \"sweep\": {\"rule\": \"min_view\", \"from\": 0, \"to\": 1, \"step\": 1}}");
    test_api_expect(&f->a, 400, "sweep.rule");
    call(f, "POST", "/api/policies/impact", f->buyer, "{\"baseline\": " V1 "}");
    test_api_expect(&f->a, 403, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_list_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activate_now_and_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impact, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
