/* test_error.c - the error convention: a message set from arguments that
 * point into the message already there (the words around it, not a garble),
 * prefixes, truncation at the struct's size, and a NULL error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/error.h"

static void test_set(void **state)
{
    (void)state;
    pd_error e;
    assert_int_equal(pd_error_set(&e, PD_EINPUT, "column %d: %s", 4, "negative"), PD_EINPUT);
    assert_int_equal(e.code, PD_EINPUT);
    assert_string_equal(e.msg, "column 4: negative");
    assert_int_equal(pd_error_set(NULL, PD_ENOTFOUND, "nobody hears %s", "this"), PD_ENOTFOUND);
}

/* The finding: `q=%22` answered a message that repeated its own first words,
 * because the old message was read while the new one was written over it. */
static void test_set_from_own_message(void **state)
{
    (void)state;
    pd_error e;
    pd_error_set(&e, PD_EINPUT, "text: no word to search for (words are letters and digits)");
    pd_error_set(&e, PD_EINPUT, "query parameter q: %s", e.msg);
    assert_string_equal(e.msg, "query parameter q: text: no word to search for (words are "
                               "letters and digits)");
    /* words on both sides, and the message twice */
    pd_error_set(&e, PD_EIO, "short");
    pd_error_set(&e, PD_EINPUT, "posts.csv:%d: %s (nothing was stored) [%s]", 3, e.msg, e.msg);
    assert_string_equal(e.msg, "posts.csv:3: short (nothing was stored) [short]");
    assert_int_equal(e.code, PD_EINPUT);
    /* from the middle of the message */
    pd_error_set(&e, PD_EINPUT, "abcdef");
    pd_error_set(&e, PD_EINPUT, "<%s>", e.msg + 3);
    assert_string_equal(e.msg, "<def>");
}

static void test_set_truncates(void **state)
{
    (void)state;
    pd_error e;
    char big[2 * PD_ERROR_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pd_error_set(&e, PD_ETOOBIG, "%s", big);
    assert_int_equal(strlen(e.msg), PD_ERROR_MSG_MAX - 1);
    /* a full message around itself still ends in bounds */
    pd_error_set(&e, PD_ETOOBIG, "a: %s: b", e.msg);
    assert_int_equal(strlen(e.msg), PD_ERROR_MSG_MAX - 1);
    assert_memory_equal(e.msg, "a: xxx", 6);
}

static void test_prefix(void **state)
{
    (void)state;
    pd_error e;
    pd_error_set(&e, PD_EINPUT, "text: no word");
    assert_int_equal(pd_error_prefix(&e, "query parameter %s", "q"), PD_EINPUT);
    assert_string_equal(e.msg, "query parameter q: text: no word");
    /* a prefix made of the message itself */
    pd_error_set(&e, PD_EINPUT, "abc");
    pd_error_prefix(&e, "%s", e.msg);
    assert_string_equal(e.msg, "abc: abc");
    assert_int_equal(pd_error_prefix(NULL, "x"), PD_EINTERNAL);
}

static void test_clear_and_names(void **state)
{
    (void)state;
    pd_error e;
    pd_error_set(&e, PD_EBUSY, "wait");
    pd_error_clear(&e);
    assert_int_equal(e.code, PD_OK);
    assert_string_equal(e.msg, "");
    assert_string_equal(pd_code_name(PD_EBUSY), "too many attempts");
    assert_string_equal(pd_code_name((pd_code)99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_set_from_own_message),
        cmocka_unit_test(test_set_truncates),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_clear_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
