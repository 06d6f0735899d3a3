/* test_password.c - Argon2id hashes (made at the MIN cost so the suite stays
 * fast; one at the default cost, timed), verification, rehash detection,
 * refusal of hashes that are not hashes, and the password policy with its
 * messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "auth/auth.h"
#include "auth/password.h"

#define PW "correct horse battery staple"

static void hash_min(const char *pw, char out[PD_PASSWORD_HASH_MAX])
{
    pd_error err = {0};
    int rc = pd_password_hash(pw, strlen(pw), PD_PWCOST_MIN, out, &err);
    if (rc != PD_OK)
        print_error("hash refused: %s\n", err.msg);
    assert_int_equal(rc, PD_OK);
}

/* ---- hashing and verifying ------------------------------------------------ */

static void test_init(void **state)
{
    (void)state;
    pd_error err = {0};
    assert_int_equal(pd_auth_init(&err), PD_OK);
    assert_int_equal(pd_auth_init(&err), PD_OK); /* twice is fine */
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    char h[PD_PASSWORD_HASH_MAX];
    hash_min(PW, h);
    /* Argon2id, version 19, and the MIN limits: 8 KiB, one pass. */
    assert_true(strncmp(h, "$argon2id$v=19$m=8,t=1,p=1$", 27) == 0);
    assert_true(strlen(h) < PD_PASSWORD_HASH_MAX);
    assert_null(strstr(h, "horse"));

    pd_error err = {0};
    assert_int_equal(pd_password_verify(h, PW, strlen(PW), &err), PD_OK);
}

static void test_wrong_password(void **state)
{
    (void)state;
    char h[PD_PASSWORD_HASH_MAX];
    hash_min(PW, h);
    pd_error err = {0};
    assert_int_equal(pd_password_verify(h, "correct horse battery stapl", 27, &err), PD_EAUTH);
    assert_string_equal(err.msg, "wrong password");
    assert_int_equal(pd_password_verify(h, "Correct horse battery staple", strlen(PW), &err),
                     PD_EAUTH);
    assert_int_equal(pd_password_verify(h, "", 0, &err), PD_EAUTH);
    /* The length counts, not a NUL: a prefix of the right password fails. */
    assert_int_equal(pd_password_verify(h, PW, strlen(PW) - 1, &err), PD_EAUTH);
    /* Longer than the policy allows: refused without hashing. */
    char *big = malloc(PD_PASSWORD_MAX + 1);
    assert_non_null(big);
    memset(big, 'a', PD_PASSWORD_MAX + 1);
    assert_int_equal(pd_password_verify(h, big, PD_PASSWORD_MAX + 1, &err), PD_EAUTH);
    free(big);
    assert_int_equal(pd_password_verify(h, NULL, 0, &err), PD_EAUTH);
}

static void test_salted(void **state)
{
    (void)state;
    char a[PD_PASSWORD_HASH_MAX], b[PD_PASSWORD_HASH_MAX];
    hash_min(PW, a);
    hash_min(PW, b);
    assert_string_not_equal(a, b); /* a fresh salt each time */
    pd_error err = {0};
    assert_int_equal(pd_password_verify(a, PW, strlen(PW), &err), PD_OK);
    assert_int_equal(pd_password_verify(b, PW, strlen(PW), &err), PD_OK);
}

static void test_unicode_password(void **state)
{
    (void)state;
    const char *pw = "p\xc3\xa4ssw\xc3\xb6rt \xf0\x9f\x94\x91"; /* pässwört 🔑 */
    char h[PD_PASSWORD_HASH_MAX];
    hash_min(pw, h);
    pd_error err = {0};
    assert_int_equal(pd_password_verify(h, pw, strlen(pw), &err), PD_OK);
    /* The same letters decomposed (a + combining diaeresis) are other bytes,
     * and another password: no normalisation happens. */
    const char *nfd = "pa\xcc\x88ssw\xc3\xb6rt \xf0\x9f\x94\x91";
    assert_int_equal(pd_password_verify(h, nfd, strlen(nfd), &err), PD_EAUTH);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The default cost, once: its hash names 64 MiB and two passes. */
static void test_interactive_cost(void **state)
{
    (void)state;
    char h[PD_PASSWORD_HASH_MAX];
    pd_error err = {0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(pd_password_hash(PW, strlen(PW), PD_PWCOST_INTERACTIVE, h, &err), PD_OK);
    double hash_s = seconds_since(&t0);
    assert_true(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(pd_password_verify(h, PW, strlen(PW), &err), PD_OK);
    double verify_s = seconds_since(&t0);
    print_message("interactive cost: hash %.0f ms, verify %.0f ms\n", hash_s * 1e3, verify_s * 1e3);
    int needs = -1;
    assert_int_equal(pd_password_needs_rehash(h, PD_PWCOST_INTERACTIVE, &needs, &err), PD_OK);
    assert_int_equal(needs, 0);
    assert_int_equal(pd_password_needs_rehash(h, PD_PWCOST_MIN, &needs, &err), PD_OK);
    assert_int_equal(needs, 1);
}

static void test_needs_rehash(void **state)
{
    (void)state;
    char h[PD_PASSWORD_HASH_MAX];
    hash_min(PW, h);
    pd_error err = {0};
    int needs = -1;
    assert_int_equal(pd_password_needs_rehash(h, PD_PWCOST_MIN, &needs, &err), PD_OK);
    assert_int_equal(needs, 0);
    assert_int_equal(pd_password_needs_rehash(h, PD_PWCOST_INTERACTIVE, &needs, &err), PD_OK);
    assert_int_equal(needs, 1);

    /* Other limits than ours: a rehash. */
    char other[crypto_pwhash_STRBYTES];
    assert_int_equal(
        crypto_pwhash_str_alg(other, PW, strlen(PW), 2, 16384, crypto_pwhash_ALG_ARGON2ID13), 0);
    assert_int_equal(pd_password_needs_rehash(other, PD_PWCOST_MIN, &needs, &err), PD_OK);
    assert_int_equal(needs, 1);

    /* An Argon2i hash (libsodium's default before 1.0.15) still verifies,
     * and always asks to be replaced by Argon2id. */
    char old[crypto_pwhash_STRBYTES];
    assert_int_equal(crypto_pwhash_argon2i_str(old, PW, strlen(PW), 3, 8192), 0);
    assert_int_equal(pd_password_verify(old, PW, strlen(PW), &err), PD_OK);
    assert_int_equal(pd_password_verify(old, "wrong password", 14, &err), PD_EAUTH);
    assert_int_equal(pd_password_needs_rehash(old, PD_PWCOST_MIN, &needs, &err), PD_OK);
    assert_int_equal(needs, 1);
}

static void test_malformed_hashes(void **state)
{
    (void)state;
    char good[PD_PASSWORD_HASH_MAX];
    hash_min(PW, good);
    char truncated[PD_PASSWORD_HASH_MAX];
    memcpy(truncated, good, sizeof truncated);
    truncated[strlen(good) - 50] = '\0';
    char bad_digest[PD_PASSWORD_HASH_MAX];
    memcpy(bad_digest, good, sizeof bad_digest);
    bad_digest[strlen(good) - 1] = '!';
    char unterminated[PD_PASSWORD_HASH_MAX];
    memset(unterminated, 'x', sizeof unterminated);
    memcpy(unterminated, "$argon2id$", 10);

    const char *bad[] = {
        "",
        "correct horse battery staple",
        "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", /* bcrypt */
        "$argon2id$",
        "$argon2id$v=19$m=zz,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
        "$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        truncated,
        bad_digest,
        unterminated,
        NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pd_error err = {0};
        int needs = -1;
        int rc = pd_password_verify(bad[i], PW, strlen(PW), &err);
        if (rc != PD_EINPUT)
            print_error("case %zu: verify gave %d\n", i, rc);
        assert_int_equal(rc, PD_EINPUT);
        assert_non_null(strstr(err.msg, "not an Argon2 hash string"));
        assert_int_equal(pd_password_needs_rehash(bad[i], PD_PWCOST_MIN, &needs, &err), PD_EINPUT);
        assert_int_equal(needs, -1);
    }
}

static void test_verify_absent(void **state)
{
    (void)state;
    pd_error err = {0};
    assert_int_equal(pd_password_verify_absent(PW, strlen(PW), PD_PWCOST_MIN, &err), PD_EAUTH);
    assert_string_equal(err.msg, "wrong password");
    assert_int_equal(pd_password_verify_absent("", 0, PD_PWCOST_MIN, &err), PD_EAUTH);
    assert_int_equal(pd_password_verify_absent(NULL, 0, PD_PWCOST_MIN, NULL), PD_EAUTH);
}

static void test_cost_names(void **state)
{
    (void)state;
    pd_pwcost c = PD_PWCOST_MIN;
    pd_error err = {0};
    assert_int_equal(pd_pwcost_from_name("interactive", &c, &err), PD_OK);
    assert_int_equal(c, PD_PWCOST_INTERACTIVE);
    assert_int_equal(pd_pwcost_from_name("min", &c, &err), PD_OK);
    assert_int_equal(c, PD_PWCOST_MIN);
    assert_string_equal(pd_pwcost_name(PD_PWCOST_INTERACTIVE), "interactive");
    assert_string_equal(pd_pwcost_name(PD_PWCOST_MIN), "min");
    assert_null(pd_pwcost_name((pd_pwcost)7));
    assert_int_equal(pd_pwcost_from_name("sensitive", &c, &err), PD_EUSAGE);
    assert_string_equal(err.msg, "unknown password cost 'sensitive': use 'interactive' "
                                 "(the default) or 'min' (tests only)");
    assert_int_equal(pd_pwcost_from_name(NULL, &c, &err), PD_EUSAGE);
    char h[PD_PASSWORD_HASH_MAX];
    assert_int_equal(pd_password_hash(PW, strlen(PW), (pd_pwcost)7, h, &err), PD_EINTERNAL);
}

/* ---- policy --------------------------------------------------------------- */

static void policy_ok(const char *pw, size_t len)
{
    pd_error err = {0};
    int rc = pd_password_check_policy(pw, len, &err);
    if (rc != PD_OK)
        print_error("refused (%zu bytes): %s\n", len, err.msg);
    assert_int_equal(rc, PD_OK);
}

static void policy_refused(const char *pw, size_t len, const char *msg)
{
    pd_error err = {0};
    assert_int_equal(pd_password_check_policy(pw, len, &err), PD_EINPUT);
    assert_int_equal(err.code, PD_EINPUT);
    assert_string_equal(err.msg, msg);
    /* Hashing applies the same policy, and leaves no hash behind. */
    char h[PD_PASSWORD_HASH_MAX];
    memset(h, 'x', sizeof h);
    assert_int_equal(pd_password_hash(pw, len, PD_PWCOST_MIN, h, &err), PD_EINPUT);
    assert_string_equal(err.msg, msg);
    assert_string_equal(h, "");
}

static void test_policy_length(void **state)
{
    (void)state;
    policy_refused("", 0, "password is too short: 0 bytes, at least 8 are needed");
    policy_refused("abcdefg", 7, "password is too short: 7 bytes, at least 8 are needed");
    policy_ok("abcdefgh", 8);
    /* Bytes, not characters: four two-byte letters are long enough. */
    policy_ok("\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4", 8);

    char *big = malloc(PD_PASSWORD_MAX + 2);
    assert_non_null(big);
    memset(big, 'k', PD_PASSWORD_MAX + 1);
    big[PD_PASSWORD_MAX + 1] = '\0';
    policy_ok(big, PD_PASSWORD_MAX);
    policy_refused(big, PD_PASSWORD_MAX + 1,
                   "password is too long: 1025 bytes, at most 1024 are allowed");
    /* The longest password hashes and verifies. */
    char h[PD_PASSWORD_HASH_MAX];
    pd_error err = {0};
    assert_int_equal(pd_password_hash(big, PD_PASSWORD_MAX, PD_PWCOST_MIN, h, &err), PD_OK);
    assert_int_equal(pd_password_verify(h, big, PD_PASSWORD_MAX, &err), PD_OK);
    free(big);

    policy_refused(NULL, 0, "password is missing");
}

static void test_policy_utf8(void **state)
{
    (void)state;
    /* Not UTF-8: a stray byte, a lone continuation, an overlong '/', a
     * UTF-16 surrogate, a sequence cut short, past U+10FFFF, a 5-byte form. */
    policy_refused("abcdefg\xff", 8,
                   "password is not valid UTF-8 (at byte 8): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("\200abcdefgh", 9, /* 0x80 */
                   "password is not valid UTF-8 (at byte 1): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abc\300\257defg", 9, /* C0 AF */
                   "password is not valid UTF-8 (at byte 4): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abcd\355\240\200efg", 10, /* ED A0 80 */
                   "password is not valid UTF-8 (at byte 5): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abcdefgh\xe2\x82", 10,
                   "password is not valid UTF-8 (at byte 9): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abcdefgh\xf4\x90\x80\x80", 12,
                   "password is not valid UTF-8 (at byte 9): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abcdefgh\xf8\x88\x80\x80\x80", 13,
                   "password is not valid UTF-8 (at byte 9): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abcdefgh\xe0\x80\xaf", 11, /* overlong three-byte '/' */
                   "password is not valid UTF-8 (at byte 9): type it again or set your "
                   "terminal to UTF-8");
    policy_refused("abcd\0efgh", 9, "password contains a NUL byte (at byte 5)");

    /* The edges of what is valid. */
    policy_ok("abcdefgh\x7f", 9);
    policy_ok("abcdefgh\xc2\x80", 10);
    policy_ok("abcdefgh\xed\x9f\xbf", 11);                             /* U+D7FF */
    policy_ok("abcdefgh\xee\x80\x80", 11);                             /* U+E000 */
    policy_ok("abcdefgh\xf4\x8f\xbf\xbf", 12);                         /* U+10FFFF */
    policy_ok("\xe5\xaf\x86\xe7\xa0\x81\xe5\xae\x89\xe5\x85\xa8", 12); /* 密码安全 */
}

static void test_policy_whitespace(void **state)
{
    (void)state;
    const char *msg = "password is only whitespace: it needs at least one letter, digit or "
                      "symbol";
    policy_refused("        ", 8, msg);
    policy_refused(" \t\n\r\v\f  ", 8, msg);
    policy_refused("\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0", 8, msg);     /* no-break spaces */
    policy_refused("\xe3\x80\x80\xe3\x80\x80\xe3\x80\x80", 9, msg); /* ideographic */
    policy_refused("\xe2\x80\x8b\xe2\x80\x8b\xe2\x80\x8b", 9, msg); /* zero-width */
    policy_refused("\xef\xbb\xbf    \xe2\x80\x83", 10, msg);        /* BOM, em space */
    /* One visible character is enough; spaces inside are fine. */
    policy_ok("       .", 8);
    policy_ok("  a b c d  ", 11);
    policy_ok("correct horse", 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_salted),
        cmocka_unit_test(test_unicode_password),
        cmocka_unit_test(test_interactive_cost),
        cmocka_unit_test(test_needs_rehash),
        cmocka_unit_test(test_malformed_hashes),
        cmocka_unit_test(test_verify_absent),
        cmocka_unit_test(test_cost_names),
        cmocka_unit_test(test_policy_length),
        cmocka_unit_test(test_policy_utf8),
        cmocka_unit_test(test_policy_whitespace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
