/* test_text.c - the rules of core/text.h: what a label (handle, category)
 * and prose (bio) may hold, each refusal with its reason, the character and
 * its offset; lengths at the field's capacity (the UTF-8 decoder itself:
 * tests/util/test_utf8.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"

static void ok(const char *s, pd_text_kind kind)
{
    pd_text_fault f = {0};
    int rc = pd_text_check(s, strlen(s), 128, kind, &f);
    if (rc != 0)
        print_error("refused '%s' (kind %d): %s (U+%04X at %zu)\n", s, (int)kind, f.why,
                    (unsigned)f.cp, f.at);
    assert_int_equal(rc, 0);
}

/* Refused with a reason starting with why_start, at character cp, offset at. */
static void refused(const char *s, size_t n, pd_text_kind kind, const char *why_start, uint32_t cp,
                    size_t at)
{
    pd_text_fault f = {0};
    int rc = pd_text_check(s, n, 128, kind, &f);
    if (rc == 0)
        print_error("accepted '%.*s' (kind %d)\n", (int)n, s, (int)kind);
    assert_int_equal(rc, -1);
    assert_non_null(f.why);
    if (strncmp(f.why, why_start, strlen(why_start)) != 0)
        print_error("'%.*s': reason '%s', expected '%s...'\n", (int)n, s, f.why, why_start);
    assert_true(strncmp(f.why, why_start, strlen(why_start)) == 0);
    assert_int_equal(f.cp, cp);
    assert_int_equal(f.at, at);
}

#define REFUSED(s, kind, why, cp, at) refused(s, sizeof s - 1, kind, why, cp, at)

static void test_labels_accepted(void **state)
{
    (void)state;
    ok("alice", PD_TEXT_LABEL);
    ok("eve, the great", PD_TEXT_LABEL);
    ok("a b c", PD_TEXT_LABEL);
    ok("小红书达人", PD_TEXT_LABEL);
    ok("café", PD_TEXT_LABEL);
    ok("e\xcc\x81t\xc3\xa9", PD_TEXT_LABEL);     /* a combining accent is visible */
    ok("\xf0\x9f\x8c\xb8 bloom", PD_TEXT_LABEL); /* U+1F338, a four-byte character */
    ok("שלום", PD_TEXT_LABEL); /* right-to-left letters are letters, not controls */
    ok("x", PD_TEXT_LABEL);
}

static void test_labels_refused(void **state)
{
    (void)state;
    /* the issue's: bidi override, zero-width, newline, white space only */
    REFUSED("alice\xe2\x80\xaegnp.exe", PD_TEXT_LABEL, "contains a bidi control", 0x202E, 5);
    REFUSED("ali\xe2\x80\x8b"
            "ce",
            PD_TEXT_LABEL, "contains an invisible", 0x200B, 3);
    REFUSED("alice\nbob", PD_TEXT_LABEL, "contains a control character", '\n', 5);
    REFUSED("   ", PD_TEXT_LABEL, "only white space", 0, 0);
    REFUSED("\xe3\x80\x80", PD_TEXT_LABEL, "only white space", 0, 0); /* U+3000 */
    REFUSED(" \n\t", PD_TEXT_LABEL, "only white space", 0, 0);
    REFUSED("", PD_TEXT_LABEL, "empty", 0, 0);
    /* every bidi control */
    REFUSED("a\xd8\x9c", PD_TEXT_LABEL, "contains a bidi control", 0x061C, 1);
    REFUSED("a\xe2\x80\x8f", PD_TEXT_LABEL, "contains a bidi control", 0x200F, 1);
    REFUSED("a\xe2\x80\xaa", PD_TEXT_LABEL, "contains a bidi control", 0x202A, 1);
    REFUSED("a\xe2\x81\xa6", PD_TEXT_LABEL, "contains a bidi control", 0x2066, 1);
    REFUSED("a\xe2\x81\xa9", PD_TEXT_LABEL, "contains a bidi control", 0x2069, 1);
    /* invisible ones */
    REFUSED("a\xe2\x80\x8d"
            "b",
            PD_TEXT_LABEL, "contains an invisible", 0x200D, 1);
    REFUSED("a\xe2\x81\xa0", PD_TEXT_LABEL, "contains an invisible", 0x2060, 1);
    REFUSED("a\xc2\xad"
            "b",
            PD_TEXT_LABEL, "contains an invisible", 0x00AD, 1);
    REFUSED("a\xef\xbb\xbf", PD_TEXT_LABEL, "contains an invisible", 0xFEFF, 1);
    REFUSED("a\xef\xb8\x8f", PD_TEXT_LABEL, "contains an invisible", 0xFE0F, 1);
    REFUSED("\xe3\x85\xa4", PD_TEXT_LABEL, "contains an invisible", 0x3164, 0);
    REFUSED("a\xf3\xa0\x80\x81", PD_TEXT_LABEL, "contains an invisible", 0xE0001, 1);
    /* controls */
    REFUSED("a\tb", PD_TEXT_LABEL, "contains a control character", '\t', 1);
    REFUSED("a\rb", PD_TEXT_LABEL, "contains a control character", '\r', 1);
    REFUSED("a\x7f", PD_TEXT_LABEL, "contains a control character", 0x7F, 1);
    REFUSED("a\xc2\x85", PD_TEXT_LABEL, "contains a control character", 0x85, 1);
    REFUSED("a\xe2\x80\xa8"
            "b",
            PD_TEXT_LABEL, "contains a line or paragraph separator", 0x2028, 1);
    /* white space */
    REFUSED(" alice", PD_TEXT_LABEL, "begins or ends with white space", ' ', 0);
    REFUSED("alice ", PD_TEXT_LABEL, "begins or ends with white space", ' ', 5);
    REFUSED("a  b", PD_TEXT_LABEL, "contains white space other than single spaces", ' ', 2);
    REFUSED("a\xc2\xa0"
            "b",
            PD_TEXT_LABEL, "contains white space other than", 0xA0, 1);
    REFUSED("a\xe3\x80\x80"
            "b",
            PD_TEXT_LABEL, "contains white space other than", 0x3000, 1);
    /* noncharacters */
    REFUSED("a\xef\xbf\xbe", PD_TEXT_LABEL, "contains a noncharacter", 0xFFFE, 1);
    REFUSED("a\xef\xb7\x90", PD_TEXT_LABEL, "contains a noncharacter", 0xFDD0, 1);
    /* the first fault is the one told */
    REFUSED("a\tb\xe2\x80\xae", PD_TEXT_LABEL, "contains a control character", '\t', 1);
}

static void test_utf8_and_nul(void **state)
{
    (void)state;
    for (int kind = PD_TEXT_ANY; kind <= PD_TEXT_PROSE; kind++) {
        REFUSED("ab\xc0\x80", (pd_text_kind)kind, "not valid UTF-8", 0, 2);       /* overlong NUL */
        REFUSED("\xed\xa0\x80", (pd_text_kind)kind, "not valid UTF-8", 0, 0);     /* a surrogate */
        REFUSED("abc\xe2\x80", (pd_text_kind)kind, "not valid UTF-8", 0, 3);      /* cut short */
        REFUSED("\xf4\x90\x80\x80", (pd_text_kind)kind, "not valid UTF-8", 0, 0); /* > U+10FFFF */
        REFUSED("\xff", (pd_text_kind)kind, "not valid UTF-8", 0, 0);
        REFUSED("ab\0c", (pd_text_kind)kind, "contains a NUL byte", 0, 2);
    }
}

static void test_prose(void **state)
{
    (void)state;
    ok("", PD_TEXT_PROSE);
    ok("line one\nline two\r\n\tand a tab", PD_TEXT_PROSE);
    ok("  spaces  anywhere  ", PD_TEXT_PROSE);
    /* a family emoji: people joined by U+200D; a heart with U+FE0F */
    ok("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 \xe2\x9d\xa4\xef\xb8\x8f", PD_TEXT_PROSE);
    ok("\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85",
       PD_TEXT_PROSE); /* ZWNJ */
    REFUSED("nice\xe2\x80\xae", PD_TEXT_PROSE, "contains a bidi control", 0x202E, 4);
    REFUSED("a\xe2\x81\xa7", PD_TEXT_PROSE, "contains a bidi control", 0x2067, 1);
    REFUSED("bell\x07", PD_TEXT_PROSE, "contains a control character other than", 7, 4);
    REFUSED("esc\x1b[31m", PD_TEXT_PROSE, "contains a control character other than", 0x1B, 3);
    REFUSED("a\xe2\x80\xa9", PD_TEXT_PROSE, "contains a line or paragraph separator", 0x2029, 1);
    REFUSED("a\xef\xbf\xbf", PD_TEXT_PROSE, "contains a noncharacter", 0xFFFF, 1);
}

static void test_any(void **state)
{
    (void)state;
    ok("a\xe2\x80\xae\n\t  ", PD_TEXT_ANY);
    ok("", PD_TEXT_ANY);
}

static void test_capacity(void **state)
{
    (void)state;
    char s[1100];
    memset(s, 'h', sizeof s);
    pd_text_fault f;
    assert_int_equal(pd_text_check(s, 127, 128, PD_TEXT_LABEL, &f), 0);
    assert_int_equal(pd_text_check(s, 128, 128, PD_TEXT_LABEL, &f), -1);
    assert_string_equal(f.why, "longer than 127 bytes");
    assert_int_equal(pd_text_check(s, 64, 64, PD_TEXT_LABEL, &f), -1);
    assert_string_equal(f.why, "longer than 63 bytes");
    assert_int_equal(pd_text_check(s, 1023, 1024, PD_TEXT_PROSE, &f), 0);
    assert_int_equal(pd_text_check(s, 1024, 1024, PD_TEXT_PROSE, &f), -1);
    assert_string_equal(f.why, "longer than 1023 bytes");
    assert_int_equal(pd_text_check(s, 1100, 0, PD_TEXT_ANY, &f), 0); /* no ceiling */
}

static void test_require(void **state)
{
    (void)state;
    pd_error e = {0};
    assert_int_equal(pd_text_require("handle", "alice", 128, PD_TEXT_LABEL, &e), PD_OK);
    assert_int_equal(pd_text_require("handle", "alice\xe2\x80\xaegnp", 128, PD_TEXT_LABEL, &e),
                     PD_EINPUT);
    assert_string_equal(e.msg, "handle: U+202E at byte 5: contains a bidi control character (it "
                               "reorders how the text around it is shown)");
    pd_text_require("handle", " ", 128, PD_TEXT_LABEL, &e);
    assert_string_equal(e.msg, "handle: only white space");
    pd_text_require("bio", "a\x01", 1024, PD_TEXT_PROSE, &e);
    assert_string_equal(e.msg, "bio: U+0001 at byte 1: contains a control character other "
                               "than a line break or a tab");
    char c[12];
    pd_text_fault f = {.why = "x", .cp = 0x1F338};
    assert_int_equal(pd_text_fault_char(&f, c), 7);
    assert_string_equal(c, "U+1F338");
}

/* Printable ASCII takes a short path: every ASCII byte, alone and around
 * spaces, must be judged as the full walk judges it. */
static void test_ascii_path(void **state)
{
    (void)state;
    pd_text_fault f;
    char buf[4];
    for (int c = 1; c < 0x80; c++) {
        int printable = c >= 0x21 && c <= 0x7E;
        buf[0] = 'a', buf[1] = (char)c, buf[2] = 'b';
        assert_int_equal(pd_text_check(buf, 3, 0, PD_TEXT_LABEL, &f),
                         printable || c == ' ' ? 0 : -1);
        int prose_ok = printable || c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (prose_ok)
            assert_int_equal(pd_text_check(buf, 3, 0, PD_TEXT_PROSE, &f), 0);
        assert_int_equal(pd_text_check(buf, 3, 0, PD_TEXT_ANY, &f), 0);
    }
    assert_int_equal(pd_text_check("a  b", 4, 0, PD_TEXT_LABEL, &f), -1);
    assert_string_equal(f.why, "contains white space other than single spaces between words");
    assert_int_equal(f.at, 2);
    assert_int_equal(pd_text_check(" a", 2, 0, PD_TEXT_LABEL, &f), -1);
    assert_string_equal(f.why, "begins or ends with white space");
    assert_int_equal(pd_text_check("a ", 2, 0, PD_TEXT_LABEL, &f), -1);
    assert_string_equal(f.why, "begins or ends with white space");
    assert_int_equal(pd_text_check(" ", 1, 0, PD_TEXT_LABEL, &f), -1);
    assert_string_equal(f.why, "only white space");
    assert_int_equal(pd_text_check("a  b", 4, 0, PD_TEXT_PROSE, &f), 0);
    assert_int_equal(pd_text_check("a\x7f", 2, 0, PD_TEXT_LABEL, &f), -1);
    assert_int_equal(pd_text_check("alice b", 7, 0, PD_TEXT_LABEL, &f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_accepted),
        cmocka_unit_test(test_labels_refused),
        cmocka_unit_test(test_utf8_and_nul),
        cmocka_unit_test(test_prose),
        cmocka_unit_test(test_any),
        cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_require),
        cmocka_unit_test(test_ascii_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
