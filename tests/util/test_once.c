/* test_once.c - the small header-only helpers kept once for all:
 * pd_mono_ms (util/mono.h) and pd_json_type_name (util/json_type.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/json_type.h"
#include "util/mono.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mono_ms),
        cmocka_unit_test(test_json_type_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
