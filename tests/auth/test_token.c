/* test_token.c - bearer tokens: the text form (checked against a known
 * answer), the stored hash (BLAKE2b-256, known answer), the round trip
 * through an Authorization header, and every way a header can be wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "auth/token.h"

/* Bytes 0, 1, ..., 31, as Python's base64.urlsafe_b64encode and
 * hashlib.blake2b(digest_size=32) see them. */
static const char known_text[] = "pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
static const uint8_t known_hash[32] = {
    0xcb, 0x2f, 0x51, 0x60, 0xfc, 0x1f, 0x7e, 0x05, 0xa5, 0x5e, 0xf4, 0x9d, 0x34, 0x0b, 0x48, 0xda,
    0x2e, 0x5a, 0x78, 0x09, 0x9d, 0x53, 0x39, 0x33, 0x51, 0xcd, 0x57, 0x9d, 0xd4, 0x25, 0x03, 0xd6,
};

static pd_token counting_token(void)
{
    pd_token t;
    for (int i = 0; i < PD_TOKEN_BYTES; i++)
        t.raw[i] = (uint8_t)i;
    return t;
}

static void fresh(pd_token *t, char text[PD_TOKEN_TEXT_MAX])
{
    pd_error err = {0};
    assert_int_equal(pd_token_new(t, &err), PD_OK);
    pd_token_format(t, text);
}

/* ---- known answers -------------------------------------------------------- */

static void test_known_answer(void **state)
{
    (void)state;
    pd_token t = counting_token();
    char text[PD_TOKEN_TEXT_MAX];
    pd_token_format(&t, text);
    assert_string_equal(text, known_text);
    assert_int_equal(strlen(text), PD_TOKEN_TEXT_LEN);

    uint8_t h[PD_TOKEN_HASH_BYTES];
    pd_token_hash(&t, h);
    assert_memory_equal(h, known_hash, sizeof h);

    pd_token back;
    pd_error err = {0};
    assert_int_equal(pd_token_parse(known_text, strlen(known_text), &back, &err), PD_OK);
    assert_memory_equal(back.raw, t.raw, sizeof t.raw);
}

/* ---- round trip ----------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        pd_token t;
        char text[PD_TOKEN_TEXT_MAX];
        fresh(&t, text);
        assert_int_equal(strlen(text), 46);
        assert_memory_equal(text, "pd_", 3);

        char header[128];
        snprintf(header, sizeof header, "Bearer %s", text);
        pd_token back;
        pd_error err = {0};
        int rc = pd_token_parse_header(header, &back, &err);
        if (rc != PD_OK)
            print_error("'%s': %s\n", header, err.msg);
        assert_int_equal(rc, PD_OK);
        assert_true(pd_token_equal(&t, &back));

        uint8_t h1[PD_TOKEN_HASH_BYTES], h2[PD_TOKEN_HASH_BYTES], h3[32];
        pd_token_hash(&t, h1);
        pd_token_hash(&back, h2);
        assert_true(pd_token_hash_equal(h1, h2));
        /* It is BLAKE2b-256 of the raw bytes, unkeyed. */
        assert_int_equal(crypto_generichash(h3, 32, t.raw, 32, NULL, 0), 0);
        assert_memory_equal(h1, h3, 32);
    }
}

static void test_header_forms_accepted(void **state)
{
    (void)state;
    pd_token t = counting_token();
    const char *forms[] = {
        "Bearer %s",   "bearer %s",  "BEARER %s",  "bEaReR %s",
        "Bearer   %s", " Bearer %s", "Bearer %s ", "\tBearer %s\t",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char header[128];
        snprintf(header, sizeof header, forms[i], known_text);
        pd_token back;
        pd_error err = {0};
        int rc = pd_token_parse_header(header, &back, &err);
        if (rc != PD_OK)
            print_error("'%s': %s\n", header, err.msg);
        assert_int_equal(rc, PD_OK);
        assert_true(pd_token_equal(&t, &back));
    }
}

/* ---- refusals ------------------------------------------------------------- */

static void refused(const char *header, const char *msg)
{
    pd_token back;
    memset(&back, 0x5a, sizeof back);
    pd_error err = {0};
    int rc = pd_token_parse_header(header, &back, &err);
    if (rc != PD_EAUTH)
        print_error("'%s' gave %d (%s)\n", header ? header : "(null)", rc, err.msg);
    assert_int_equal(rc, PD_EAUTH);
    assert_int_equal(err.code, PD_EAUTH);
    if (strcmp(err.msg, msg) != 0)
        print_error("'%s':\n  got  %s\n  want %s\n", header ? header : "(null)", err.msg, msg);
    assert_string_equal(err.msg, msg);
    /* The message never repeats any of the token. */
    assert_null(strstr(err.msg, "AAECAwQF"));
    for (size_t i = 0; i < sizeof back.raw; i++)
        assert_int_equal(back.raw[i], 0x5a); /* untouched */
}

#define HOW "send 'Authorization: Bearer TOKEN' with the token from login"

static void test_header_scheme(void **state)
{
    (void)state;
    refused(NULL, "no Authorization header: " HOW);
    refused("", "Authorization header is empty: " HOW);
    refused("  \t ", "Authorization header is empty: " HOW);
    refused("Basic x", "Authorization scheme must be Bearer, not 'Basic': " HOW);
    refused("Basic dXNlcjpwYXNz", "Authorization scheme must be Bearer, not 'Basic': " HOW);
    refused("Bearer:pd_x", "Authorization scheme must be Bearer: " HOW);
    refused("Bearerx pd_x", "Authorization scheme must be Bearer, not 'Bearerx': " HOW);
    refused("Token pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "Authorization scheme must be Bearer, not 'Token': " HOW);
    /* A scheme that is not a plain word is not repeated. */
    refused("B\"e<a>r pd_x", "Authorization scheme must be Bearer: " HOW);
    refused("Bearer\tpd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "Authorization scheme must be Bearer: " HOW);
    refused("AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Authorization scheme must be Bearer: " HOW);
    /* A bare token. */
    refused("pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "Authorization header has no scheme: " HOW);
    refused("Bearer", "Authorization header has no token after Bearer: " HOW);
    refused("Bearer    ", "Authorization header has no token after Bearer: " HOW);
}

static void test_header_token_count(void **state)
{
    (void)state;
    const char *two = "Authorization header must hold exactly one token after Bearer";
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 "
            "pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            two);
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 x", two);
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8, "
            "Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            two);
    refused("Bearer pd_AAECAwQFBgcICQoLDA0OD\txAREhMUFRYXGBkaGxwdHh8", two);
}

static void test_header_token_shape(void **state)
{
    (void)state;
    /* Wrong length, either way, and the empty token. */
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh",
            "token must be 46 characters long, not 45");
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",
            "token must be 46 characters long, not 47");
    refused("Bearer x", "token must be 46 characters long, not 1");
    /* Wrong prefix. */
    refused("Bearer PD_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "token must start with 'pd_'");
    refused("Bearer xxAAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "token must start with 'pd_'");
    /* Characters outside base64url: standard base64's + and /, padding,
     * a dot, a quote, a byte that is not ASCII. */
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH+8",
            "token has a character that is not URL-safe base64 (at character 45)");
    refused("Bearer pd_/AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "token has a character that is not URL-safe base64 (at character 4)");
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=",
            "token has a character that is not URL-safe base64 (at character 46)");
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODx.REhMUFRYXGBkaGxwdHh8",
            "token has a character that is not URL-safe base64 (at character 26)");
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdH\"8",
            "token has a character that is not URL-safe base64 (at character 45)");
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw\xc3\xa9h8",
            "token has a character that is not URL-safe base64 (at character 43)");
    /* The last character carries 4 bits and 2 spare ones that must be zero:
     * '8' (60) is canonical, '9' (61) encodes the same bytes and is not. */
    refused("Bearer pd_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",
            "token is not one that partnerd issued");
}

static void test_header_too_long(void **state)
{
    (void)state;
    char big[PD_TOKEN_HEADER_MAX + 2];
    memset(big, ' ', sizeof big);
    memcpy(big, "Bearer ", 7);
    big[sizeof big - 1] = '\0'; /* 257 bytes */
    refused(big, "Authorization header is longer than 256 bytes");
    /* 256 bytes, mostly trailing spaces, is looked at. */
    big[PD_TOKEN_HEADER_MAX] = '\0';
    memcpy(big + 7, known_text, strlen(known_text));
    pd_token t;
    pd_error err = {0};
    assert_int_equal(pd_token_parse_header(big, &t, &err), PD_OK);
}

static void test_parse_direct(void **state)
{
    (void)state;
    pd_token t;
    pd_error err = {0};
    assert_int_equal(pd_token_parse("", 0, &t, &err), PD_EAUTH);
    assert_string_equal(err.msg, "token must be 46 characters long, not 0");
    /* Only len bytes are read: no NUL needed after them. */
    char buf[PD_TOKEN_TEXT_LEN];
    memcpy(buf, known_text, sizeof buf);
    assert_int_equal(pd_token_parse(buf, sizeof buf, &t, &err), PD_OK);
    pd_token k = counting_token();
    assert_true(pd_token_equal(&t, &k));
}

/* ---- randomness and comparisons ------------------------------------------- */

static int cmp_token(const void *a, const void *b)
{
    return memcmp(a, b, sizeof(pd_token));
}

static void test_distinct(void **state)
{
    (void)state;
    enum { N = 4096 };
    pd_token *t = malloc(N * sizeof *t);
    assert_non_null(t);
    unsigned long ones = 0;
    for (int i = 0; i < N; i++) {
        pd_error err = {0};
        assert_int_equal(pd_token_new(&t[i], &err), PD_OK);
        for (int j = 0; j < PD_TOKEN_BYTES; j++)
            ones += (unsigned long)__builtin_popcount(t[i].raw[j]);
    }
    qsort(t, N, sizeof *t, cmp_token);
    for (int i = 1; i < N; i++)
        assert_int_not_equal(memcmp(&t[i - 1], &t[i], sizeof *t), 0);
    /* About half the bits are set: 1,048,576 bits, sd 512; 10 sd either way. */
    unsigned long bits = (unsigned long)N * PD_TOKEN_BYTES * 8;
    assert_true(ones > bits / 2 - 5120 && ones < bits / 2 + 5120);
    free(t);
}

static void test_equal_and_wipe(void **state)
{
    (void)state;
    pd_token a = counting_token(), b = counting_token();
    assert_true(pd_token_equal(&a, &b));
    b.raw[31] ^= 1;
    assert_false(pd_token_equal(&a, &b));
    b.raw[31] ^= 1;
    b.raw[0] ^= 0x80;
    assert_false(pd_token_equal(&a, &b));

    uint8_t ha[32], hb[32];
    pd_token_hash(&a, ha);
    pd_token_hash(&b, hb);
    assert_false(pd_token_hash_equal(ha, hb));
    assert_true(pd_token_hash_equal(ha, known_hash));

    pd_token_wipe(&a);
    for (int i = 0; i < PD_TOKEN_BYTES; i++)
        assert_int_equal(a.raw[i], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_header_forms_accepted),
        cmocka_unit_test(test_header_scheme),
        cmocka_unit_test(test_header_token_count),
        cmocka_unit_test(test_header_token_shape),
        cmocka_unit_test(test_header_too_long),
        cmocka_unit_test(test_parse_direct),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_equal_and_wipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
