/* test_utf8.c - the one UTF-8 decoder (util/utf8.h): every boundary of
 * every length, overlong forms, surrogates, values past U+10FFFF, sequences
 * cut short, and an exhaustive comparison of every 1-, 2- and 3-byte input
 * (and a dense sample of 4-byte ones) with a plain reading of RFC 3629. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/utf8.h"

/* The reference: decode by the bit pattern alone, then refuse what RFC
 * 3629 refuses. Slow and obvious on purpose. */
static size_t ref_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t v, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        len = 2, v = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, v = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, v = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Encodes cp (any value below 2^21) the long way, with no checks. */
static size_t encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Checks the decoder on s[0..n) against the reference, and the three entry
 * points against each other. */
static void same_as_reference(const unsigned char *s, size_t n)
{
    uint32_t want = 0xDEAD, got = 0xBEEF;
    size_t wl = ref_decode(s, n, &want);
    size_t gl = pd_utf8_decode(s, n, &got);
    if (wl != gl || (wl && want != got))
        fail_msg("%02x %02x %02x %02x (n %zu): decoded %zu U+%04X, want %zu U+%04X", s[0],
                 n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, gl, (unsigned)got, wl,
                 (unsigned)want);
    assert_int_equal(pd_utf8_seq(s, n), gl);
    size_t i = 0;
    uint32_t cp = 0x12345;
    assert_int_equal(pd_utf8_next((const char *)s, n, &i, &cp), gl ? 0 : -1);
    assert_int_equal(i, gl);
    assert_int_equal(cp, gl ? want : 0x12345);
    /* valid as a whole when the first character is the whole input */
    if (gl == n)
        assert_true(pd_utf8_valid((const char *)s, n));
    else if (gl == 0)
        assert_false(pd_utf8_valid((const char *)s, n));
}

static void test_every_code_point(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        unsigned char b[4];
        size_t n = encode(cp, b);
        uint32_t got = 0xFFFFFFFF;
        size_t len = pd_utf8_decode(b, n, &got);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (len != 0)
                fail_msg("surrogate U+%04X accepted", (unsigned)cp);
            continue;
        }
        if (len != n || got != cp)
            fail_msg("U+%04X: length %zu, U+%04X", (unsigned)cp, len, (unsigned)got);
        /* every cut of it is refused */
        for (size_t k = 1; k < n; k++)
            if (pd_utf8_decode(b, k, &got) != 0)
                fail_msg("U+%04X cut to %zu bytes accepted", (unsigned)cp, k);
    }
}

static void test_exhaustive_short(void **state)
{
    (void)state;
    unsigned char s[4] = {0};
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        same_as_reference(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            same_as_reference(s, 2);
            if (a < 0xC0)
                continue; /* not a lead byte: the first byte decides */
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                same_as_reference(s, 3);
            }
        }
    }
}

static void test_four_bytes(void **state)
{
    (void)state;
    static const unsigned char edge[] = {0x00, 0x3F, 0x7F, 0x80, 0x81, 0x8F, 0x90,
                                         0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF};
    unsigned char s[4];
    for (unsigned a = 0xF0; a < 0x100; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t c = 0; c < sizeof edge; c++)
                for (size_t d = 0; d < sizeof edge; d++) {
                    s[0] = (unsigned char)a, s[1] = (unsigned char)b;
                    s[2] = edge[c], s[3] = edge[d];
                    same_as_reference(s, 4);
                }
}

/* Each case: bytes, and the length and code point they decode to (0: refused). */
struct want {
    const char *bytes;
    size_t len;
    uint32_t cp;
};

static void check_cases(const struct want *w, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        const unsigned char *s = (const unsigned char *)w[k].bytes;
        size_t n = strlen(w[k].bytes);
        uint32_t cp = 0;
        size_t len = pd_utf8_decode(s, n, &cp);
        if (len != w[k].len || (len && cp != w[k].cp))
            fail_msg("case %zu: %zu U+%04X, want %zu U+%04X", k, len, (unsigned)cp, w[k].len,
                     (unsigned)w[k].cp);
    }
}

static void test_boundaries(void **state)
{
    (void)state;
    static const struct want w[] = {
        {"\x7F", 1, 0x7F},                 /* last of one byte */
        {"\xC2\x80", 2, 0x80},             /* first of two */
        {"\xDF\xBF", 2, 0x7FF},            /* last of two */
        {"\xE0\xA0\x80", 3, 0x800},        /* first of three */
        {"\xED\x9F\xBF", 3, 0xD7FF},       /* just below the surrogates */
        {"\xEE\x80\x80", 3, 0xE000},       /* just above them */
        {"\xEF\xBF\xBD", 3, 0xFFFD},       /* the replacement character */
        {"\xEF\xBF\xBF", 3, 0xFFFF},       /* last of three (a non-character, still UTF-8) */
        {"\xF0\x90\x80\x80", 4, 0x10000},  /* first of four */
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF}, /* the last code point */
        {"\xF3\xBF\xBF\xBF", 4, 0xFFFFF},
    };
    check_cases(w, sizeof w / sizeof *w);
}

static void test_refused(void **state)
{
    (void)state;
    static const struct want w[] = {
        /* overlong forms of '/', U+007F, U+07FF, U+FFFF and the smallest ones */
        {"\xC0\xAF", 0, 0},
        {"\xC1\xBF", 0, 0},
        {"\xC0\x80", 0, 0},
        {"\xE0\x80\xAF", 0, 0},
        {"\xE0\x9F\xBF", 0, 0},
        {"\xF0\x80\x80\xAF", 0, 0},
        {"\xF0\x8F\xBF\xBF", 0, 0},
        /* surrogates: first, last, a pair written as two sequences */
        {"\xED\xA0\x80", 0, 0},
        {"\xED\xBF\xBF", 0, 0},
        {"\xED\xA0\xBD\xED\xB8\x80", 0, 0},
        /* past U+10FFFF: U+110000, the F5..FF leads, the old 5- and 6-byte forms */
        {"\xF4\x90\x80\x80", 0, 0},
        {"\xF5\x80\x80\x80", 0, 0},
        {"\xF7\xBF\xBF\xBF", 0, 0},
        {"\xF8\x88\x80\x80\x80", 0, 0},
        {"\xFC\x84\x80\x80\x80\x80", 0, 0},
        {"\xFE", 0, 0},
        {"\xFF", 0, 0},
        /* a lone continuation byte */
        {"\x80", 0, 0},
        {"\xBF", 0, 0},
        /* cut short, or a continuation replaced by ASCII or a new lead byte */
        {"\xC3", 0, 0},
        {"\xE2\x82", 0, 0},
        {"\xF0\x9F\x8C", 0, 0},
        {"\xC3\x41", 0, 0},
        {"\xE2\x41\xAC", 0, 0},
        {"\xE2\x82\x41", 0, 0},
        {"\xF0\x9F\x41\xB8", 0, 0},
        {"\xF0\x9F\x8C\x41", 0, 0},
        {"\xE2\xC3\xA9", 0, 0},
    };
    check_cases(w, sizeof w / sizeof *w);
}

/* The input's end cuts a sequence even when the bytes after it would finish
 * it: n is the limit, not a NUL. */
static void test_limit_is_n(void **state)
{
    (void)state;
    const unsigned char euro[] = {0xE2, 0x82, 0xAC};
    uint32_t cp = 7;
    assert_int_equal(pd_utf8_decode(euro, 2, &cp), 0);
    assert_int_equal(cp, 7);
    assert_int_equal(pd_utf8_decode(euro, 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    /* NUL is a character */
    assert_int_equal(pd_utf8_decode((const unsigned char *)"", 1, &cp), 1);
    assert_int_equal(cp, 0);
}

static void test_next_walks(void **state)
{
    (void)state;
    const char *s = "a\xc3\xa9\xe2\x80\xae\xf0\x9f\x8c\xb8";
    size_t n = strlen(s), i = 0;
    uint32_t want[] = {'a', 0xE9, 0x202E, 0x1F338}, cp;
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(pd_utf8_next(s, n, &i, &cp), 0);
        assert_int_equal(cp, want[k]);
    }
    assert_int_equal(i, n);
    /* refused: nothing moves */
    i = 1;
    assert_int_equal(pd_utf8_next("x\xe2\x80", 3, &i, &cp), -1);
    assert_int_equal(i, 1);
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(pd_utf8_valid("", 0));
    assert_true(pd_utf8_valid("plain ascii", 11));
    assert_true(pd_utf8_valid("a\0b", 3));
    assert_true(pd_utf8_valid("caf\xc3\xa9 \xf0\x9f\x8c\xb8 \xe2\x82\xac", 14));
    /* a bad byte anywhere, first, middle or last */
    assert_false(pd_utf8_valid("\x80"
                               "abc",
                               4));
    assert_false(pd_utf8_valid("ab\xc0\xafz", 5));
    assert_false(pd_utf8_valid("abc\xe2\x82", 5));
    assert_false(pd_utf8_valid("abc\xed\xa0\x80", 6));
    /* len, not the NUL, ends the input: a cut inside a sequence is refused */
    assert_false(pd_utf8_valid("caf\xc3\xa9", 4));
    assert_true(pd_utf8_valid("caf\xc3\xa9", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_point), cmocka_unit_test(test_exhaustive_short),
        cmocka_unit_test(test_four_bytes),       cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_refused),          cmocka_unit_test(test_limit_is_n),
        cmocka_unit_test(test_next_walks),       cmocka_unit_test(test_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
