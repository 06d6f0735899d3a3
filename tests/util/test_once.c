/* test_once.c - the small header-only helpers kept once for all:
 * pd_mono_ms (util/mono.h), pd_json_type_name (util/json_type.h) and
 * pd_wake_all (util/wake.h). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/json_type.h"
#include "util/mono.h"
#include "util/wake.h"

static void test_mono_ms(void **state)
{
    (void)state;
    int64_t a = pd_mono_ms();
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    int64_t b = pd_mono_ms();
    assert_true(b - a >= 19);
    assert_true(b - a < 5000);
    assert_true(pd_mono_ms() >= b);
}

static void test_json_type_name(void **state)
{
    (void)state;
    static const struct {
        const char *json, *name;
    } cases[] = {
        {"{}", "an object"},         {"[]", "an array"},
        {"\"s\"", "a string"},       {"12", "a whole number"},
        {"1.5", "a decimal number"}, {"true", "a boolean"},
        {"false", "a boolean"},      {"null", "null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        assert_string_equal(pd_json_type_name(v), cases[i].name);
        json_decref(v);
    }
}

struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int flag;
    int seen;
};

static void *wait_flag(void *arg)
{
    struct waiter *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->flag)
        pthread_cond_wait(&w->cv, &w->mu);
    w->seen = w->flag;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* pd_wake_all: a thread waiting on the condition sees the value. */
static void test_wake_all(void **state)
{
    (void)state;
    struct waiter w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_flag, &w), 0);
    pd_wake_all(&w.mu, &w.cv, &w.flag, 7);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.flag, 7);
    assert_int_equal(w.seen, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wake_all),
        cmocka_unit_test(test_mono_ms),
        cmocka_unit_test(test_json_type_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
