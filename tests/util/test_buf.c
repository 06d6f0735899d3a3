/* test_buf.c - the growable buffer with a ceiling: appends of every kind,
 * printf past the small stack buffer, the ceiling (a clean, sticky failure
 * that leaves the content alone), reset, and the transfer of ownership by
 * pd_buf_detach. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

/* The invariants every buffer keeps. */
static void assert_sane(const pd_buf *b)
{
    assert_true(b->len <= b->max);
    if (b->data) {
        assert_true(b->len < b->cap);
        assert_true(b->cap <= b->max + 1);
        assert_int_equal(b->data[b->len], '\0');
    } else {
        assert_int_equal(b->len, 0);
        assert_int_equal(b->cap, 0);
    }
}

static void test_init_empty(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 100);
    assert_int_equal(pd_buf_failed(&b), 0);
    assert_sane(&b);
    pd_buf_free(&b);
    pd_buf_free(&b); /* twice is fine */
}

static void test_appends(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    assert_int_equal(pd_buf_append(&b, "abc", 3), 0);
    assert_int_equal(pd_buf_puts(&b, "def"), 0);
    assert_int_equal(pd_buf_putc(&b, 'g'), 0);
    assert_int_equal(pd_buf_append(&b, "hij-not-this", 3), 0);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "abcdefghij");
    assert_sane(&b);
    /* an empty append is fine and changes nothing */
    assert_int_equal(pd_buf_append(&b, NULL, 0), 0);
    assert_int_equal(pd_buf_puts(&b, ""), 0);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "abcdefghij");
    /* binary data, NULs included */
    assert_int_equal(pd_buf_append(&b, "x\0y", 3), 0);
    assert_int_equal(b.len, 13);
    assert_memory_equal(b.data, "abcdefghijx\0y", 14);
    assert_int_equal(pd_buf_failed(&b), 0);
    assert_sane(&b);
    pd_buf_free(&b);
    assert_null(b.data);
}

static void test_empty_append_terminates(void **state)
{
    (void)state;
    /* "always NUL-terminated ... after any append", even an empty one */
    pd_buf b;
    pd_buf_init(&b, 16);
    assert_int_equal(pd_buf_puts(&b, ""), 0);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_growth_many_appends(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    char want[100001];
    for (size_t i = 0; i < 100000; i++) {
        char c = (char)('a' + i % 26);
        want[i] = c;
        assert_int_equal(pd_buf_putc(&b, c), 0);
    }
    want[100000] = '\0';
    assert_int_equal(b.len, 100000);
    assert_string_equal(b.data, want);
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_printf(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    assert_int_equal(pd_buf_printf(&b, "%s=%d", "posts", 42), 0);
    assert_int_equal(pd_buf_printf(&b, ", %05.2f%%", 3.14159), 0);
    assert_string_equal(b.data, "posts=42, 03.14%");
    assert_int_equal(b.len, strlen("posts=42, 03.14%"));
    /* nothing printed */
    assert_int_equal(pd_buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, strlen("posts=42, 03.14%"));
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_printf_growth(void **state)
{
    (void)state;
    /* outputs around the 256-byte stack buffer of pd_buf_vprintf, and far past */
    static const size_t sizes[] = {0, 1, 254, 255, 256, 257, 511, 512, 4096, 100000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        char *s = malloc(n + 1);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)('A' + i % 26);
        s[n] = '\0';
        pd_buf b;
        pd_buf_init(&b, 1 << 20);
        assert_int_equal(pd_buf_puts(&b, "<"), 0);
        assert_int_equal(pd_buf_printf(&b, "%s|%zu", s, n), 0);
        assert_int_equal(pd_buf_printf(&b, "%s", s), 0);
        char tail[32];
        snprintf(tail, sizeof tail, "|%zu", n);
        assert_int_equal(b.len, 1 + n + strlen(tail) + n);
        assert_memory_equal(b.data, "<", 1);
        assert_memory_equal(b.data + 1, s, n);
        assert_memory_equal(b.data + 1 + n, tail, strlen(tail));
        assert_memory_equal(b.data + 1 + n + strlen(tail), s, n);
        assert_sane(&b);
        pd_buf_free(&b);
        free(s);
    }
    /* a width that makes the output long without a long argument */
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    assert_int_equal(pd_buf_printf(&b, "%0*d", 1000, 7), 0);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.data[998], '0');
    assert_int_equal(b.data[999], '7');
    pd_buf_free(&b);
}

static void vprintf_wrapper(pd_buf *b, int *rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *rc = pd_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

static void test_vprintf(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 4096);
    int rc = -1;
    vprintf_wrapper(&b, &rc, "%s %u %llu", "a", 1u, 18446744073709551615ULL);
    assert_int_equal(rc, 0);
    assert_string_equal(b.data, "a 1 18446744073709551615");
    char big[600];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    vprintf_wrapper(&b, &rc, "[%s]", big);
    assert_int_equal(rc, 0);
    assert_int_equal(b.len, strlen("a 1 18446744073709551615") + 601);
    assert_int_equal(b.data[b.len - 1], ']');
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_ceiling_append(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 10);
    assert_int_equal(pd_buf_puts(&b, "12345"), 0);
    assert_int_equal(pd_buf_puts(&b, "67890"), 0); /* exactly the ceiling */
    assert_int_equal(b.len, 10);
    assert_int_equal(pd_buf_failed(&b), 0);
    assert_sane(&b);
    /* one byte more fails, leaves the content, and sets the failure */
    assert_int_equal(pd_buf_putc(&b, 'x'), -1);
    assert_int_equal(pd_buf_failed(&b), 1);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "1234567890");
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_ceiling_is_sticky(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 8);
    assert_int_equal(pd_buf_puts(&b, "abc"), 0);
    assert_int_equal(pd_buf_puts(&b, "defghijk"), -1); /* 11 > 8 */
    assert_int_equal(pd_buf_failed(&b), 1);
    assert_string_equal(b.data, "abc");
    /* later appends that would fit fail too: the first failure sticks */
    assert_int_equal(pd_buf_putc(&b, 'd'), -1);
    assert_int_equal(pd_buf_append(&b, "", 0), -1);
    assert_int_equal(pd_buf_printf(&b, "%d", 1), -1);
    assert_int_equal(pd_buf_reserve(&b, 0), -1);
    assert_int_equal(pd_buf_failed(&b), 1);
    assert_int_equal(b.len, 3);
    assert_string_equal(b.data, "abc");
    /* reset empties it and clears the failure, keeping the memory */
    char *mem = b.data;
    size_t cap = b.cap;
    pd_buf_reset(&b);
    assert_int_equal(pd_buf_failed(&b), 0);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.cap, cap);
    assert_string_equal(b.data, "");
    assert_int_equal(pd_buf_puts(&b, "12345678"), 0);
    assert_string_equal(b.data, "12345678");
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_ceiling_printf(void **state)
{
    (void)state;
    /* a short printf past the ceiling */
    pd_buf b;
    pd_buf_init(&b, 5);
    assert_int_equal(pd_buf_printf(&b, "%d", 1234), 0);
    assert_int_equal(pd_buf_printf(&b, "%d", 56), -1);
    assert_int_equal(pd_buf_failed(&b), 1);
    assert_string_equal(b.data, "1234");
    pd_buf_free(&b);

    /* a long printf (past the 256-byte stack buffer) past the ceiling */
    pd_buf_init(&b, 300);
    char big[400];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(pd_buf_puts(&b, "head"), 0);
    assert_int_equal(pd_buf_printf(&b, "%s", big), -1);
    assert_int_equal(pd_buf_failed(&b), 1);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "head");
    assert_sane(&b);
    pd_buf_free(&b);

    /* a long printf landing exactly on the ceiling */
    pd_buf_init(&b, 399);
    assert_int_equal(pd_buf_printf(&b, "%s", big), 0);
    assert_int_equal(b.len, 399);
    assert_int_equal(b.cap, 400);
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_ceiling_huge_requests(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    assert_int_equal(pd_buf_puts(&b, "x"), 0);
    /* no overflow in len + extra, no allocation attempted */
    assert_int_equal(pd_buf_reserve(&b, SIZE_MAX), -1);
    assert_int_equal(pd_buf_failed(&b), 1);
    assert_string_equal(b.data, "x");
    pd_buf_free(&b);

    pd_buf_init(&b, SIZE_MAX - 1);
    assert_int_equal(pd_buf_puts(&b, "x"), 0);
    assert_int_equal(pd_buf_reserve(&b, SIZE_MAX - 1), -1); /* len + extra overflows */
    assert_int_equal(pd_buf_failed(&b), 1);
    pd_buf_free(&b);

    /* a ceiling of zero allows nothing but empty appends */
    pd_buf_init(&b, 0);
    assert_int_equal(pd_buf_putc(&b, 'a'), -1);
    assert_int_equal(pd_buf_failed(&b), 1);
    pd_buf_free(&b);
}

/* The memory never grows past max + 1 bytes (the NUL), even when doubling
 * would overshoot. */
static void test_capacity_clamped(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(pd_buf_putc(&b, 'c'), 0);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.cap, 1001);
    assert_int_equal(pd_buf_putc(&b, 'c'), -1);
    assert_sane(&b);
    pd_buf_free(&b);
}

static void test_detach(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 20);
    assert_int_equal(pd_buf_printf(&b, "hello %s", "world"), 0);
    size_t len = 0;
    char *s = pd_buf_detach(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 11);
    assert_string_equal(s, "hello world");
    /* the buffer is empty and usable; it no longer owns s */
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_sane(&b);
    assert_int_equal(pd_buf_puts(&b, "again"), 0);
    assert_ptr_not_equal(b.data, s);
    assert_string_equal(b.data, "again");
    assert_string_equal(s, "hello world"); /* untouched by the new appends */
    pd_buf_free(&b);
    assert_string_equal(s, "hello world"); /* nor by freeing the buffer */
    free(s);                               /* ours: ASan would report a double free or a leak */

    /* len may be NULL */
    pd_buf_init(&b, 64);
    assert_int_equal(pd_buf_puts(&b, "x"), 0);
    s = pd_buf_detach(&b, NULL);
    assert_string_equal(s, "x");
    free(s);
    pd_buf_free(&b);

    /* detaching a buffer that never allocated gives NULL and 0 */
    pd_buf_init(&b, 64);
    len = 99;
    s = pd_buf_detach(&b, &len);
    assert_null(s);
    assert_int_equal(len, 0);
    pd_buf_free(&b);
}

/* pd_grow: the same array while there is room, doubling from `first`,
 * and NULL (the array kept) when the size would overflow. */
static void test_grow(void **state)
{
    (void)state;
    size_t cap = 0;
    int *a = pd_grow(NULL, &cap, 0, sizeof *a, 4);
    assert_non_null(a);
    assert_int_equal(cap, 4);
    for (int i = 0; i < 4; i++)
        a[i] = i;
    assert_ptr_equal(pd_grow(a, &cap, 3, sizeof *a, 4), a);
    assert_int_equal(cap, 4);
    int *b = pd_grow(a, &cap, 4, sizeof *b, 4);
    assert_non_null(b);
    assert_int_equal(cap, 8);
    for (int i = 0; i < 4; i++)
        assert_int_equal(b[i], i);
    size_t huge = SIZE_MAX / 2 + 1;
    assert_null(pd_grow(b, &huge, huge, sizeof *b, 4));
    assert_int_equal(huge, SIZE_MAX / 2 + 1);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_empty),
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_empty_append_terminates),
        cmocka_unit_test(test_growth_many_appends),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_printf_growth),
        cmocka_unit_test(test_vprintf),
        cmocka_unit_test(test_ceiling_append),
        cmocka_unit_test(test_ceiling_is_sticky),
        cmocka_unit_test(test_ceiling_printf),
        cmocka_unit_test(test_ceiling_huge_requests),
        cmocka_unit_test(test_capacity_clamped),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
