/* test_day.c - pd_day_parse, the one parser of a day ("--from", "--today",
 * the API's "from"): a date alone, into days since 1970-01-01, and each
 * refusal naming the field and the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/instant.h"

static void test_dates(void **state)
{
    (void)state;
    pd_error err = {0};
    int64_t day = -1;
    assert_int_equal(pd_day_parse("from", "1970-01-01", &day, &err), PD_OK);
    assert_int_equal(day, 0);
    assert_int_equal(pd_day_parse("from", "2019-06-01", &day, &err), PD_OK);
    assert_int_equal(day, pd_days_from_civil(2019, 6, 1));
    assert_int_equal(pd_day_parse("from", "1969-12-31", &day, &err), PD_OK);
    assert_int_equal(day, -1);
    assert_int_equal(pd_day_parse("from", "0000-03-01", &day, &err), PD_OK);
    assert_int_equal(day, pd_days_from_civil(0, 3, 1));
    assert_int_equal(pd_day_parse("from", "9999-12-31", &day, &err), PD_OK);
    assert_int_equal(day, pd_days_from_civil(9999, 12, 31));
    assert_int_equal(pd_day_parse("from", "2020-02-29", &day, &err), PD_OK);
    assert_int_equal(day, pd_days_from_civil(2020, 2, 29));
}

static void refused(const char *s, const char *says)
{
    pd_error err = {0};
    int64_t day = 12345;
    assert_int_equal(pd_day_parse("--today", s, &day, &err), PD_EINPUT);
    assert_int_equal(day, 12345);
    if (!strstr(err.msg, "--today: expected a date YYYY-MM-DD, got '") || !strstr(err.msg, says))
        fail_msg("'%s': '%s' does not say '%s'", s, err.msg, says);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("", "got ''");
    refused("31/05/2019", "31/05/2019");
    refused("2019-5-31", "2019-5-31");
    refused("2019-02-29", "2019-02-29': ");
    refused("2019-13-01", "2019-13-01': ");
    refused("2019-06-01T00:00:00Z", "2019-06-01T00:00:00Z");
    refused("2019-06-01 ", "2019-06-01 ");
    refused("2019-06-0x", "2019-06-0x': ");
    /* a long text is quoted cut at 40 bytes */
    refused("2019-06-01AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "'2019-06-01AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
