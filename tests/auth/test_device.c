/* test_device.c - device proofs: a proof made for an account is good for
 * that account only (names folded as the limiter folds them), under the key
 * it was made with, for PD_DEVICE_TTL seconds; altered, truncated, foreign
 * or future proofs are not; each proof has an identity of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/device.h"

#define T0 1700000000

static const uint8_t KEY[PD_DEVICE_KEY_BYTES] = {42, 1, 2, 3};
static const uint8_t OTHER_KEY[PD_DEVICE_KEY_BYTES] = {43, 1, 2, 3};

static void issue(const char *account, int64_t now, char text[PD_DEVICE_TEXT_MAX])
{
    pd_error err = {0};
    assert_int_equal(pd_device_issue(KEY, account, now, text, &err), PD_OK);
    assert_int_equal(strlen(text), PD_DEVICE_TEXT_LEN);
    assert_memory_equal(text, "pdd1.", 5);
}

static int verify(const uint8_t *key, const char *account, const char *text, int64_t now,
                  uint8_t id[PD_DEVICE_ID_BYTES])
{
    return pd_device_verify(key, account, text, strlen(text), now, id);
}

static void test_round_trip(void **state)
{
    (void)state;
    char p[PD_DEVICE_TEXT_MAX], q[PD_DEVICE_TEXT_MAX];
    uint8_t id[PD_DEVICE_ID_BYTES], id2[PD_DEVICE_ID_BYTES], id3[PD_DEVICE_ID_BYTES];
    issue("operator", T0, p);
    assert_int_equal(verify(KEY, "operator", p, T0, id), 1);
    assert_int_equal(verify(KEY, "Operator", p, T0 + 60, id2), 1); /* ASCII case folded */
    assert_memory_equal(id, id2, sizeof id);
    /* a second sign-in: another proof, another identity */
    issue("operator", T0, q);
    assert_string_not_equal(p, q);
    assert_int_equal(verify(KEY, "operator", q, T0, id3), 1);
    assert_memory_not_equal(id, id3, sizeof id);
}

static void test_refused(void **state)
{
    (void)state;
    char p[PD_DEVICE_TEXT_MAX], bad[PD_DEVICE_TEXT_MAX + 8];
    uint8_t id[PD_DEVICE_ID_BYTES];
    memset(id, 0x77, sizeof id);
    issue("alice", T0, p);
    assert_int_equal(verify(KEY, "alicE", p, T0, id), 1);
    memset(id, 0x77, sizeof id);
    assert_int_equal(verify(KEY, "bob", p, T0, id), 0); /* another account */
    assert_int_equal(verify(KEY, "alice2", p, T0, id), 0);
    assert_int_equal(verify(OTHER_KEY, "alice", p, T0, id), 0); /* another key */
    /* its lifetime, to the second; and not from the future */
    assert_int_equal(verify(KEY, "alice", p, T0 + PD_DEVICE_TTL, id), 1);
    assert_int_equal(verify(KEY, "alice", p, T0 + PD_DEVICE_TTL + 1, id), 0);
    assert_int_equal(verify(KEY, "alice", p, T0 - PD_DEVICE_SKEW, id), 1);
    assert_int_equal(verify(KEY, "alice", p, T0 - PD_DEVICE_SKEW - 1, id), 0);
    memset(id, 0x77, sizeof id);
    /* every character changed in turn */
    for (size_t i = 0; i < PD_DEVICE_TEXT_LEN; i++) {
        memcpy(bad, p, sizeof p);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_int_equal(verify(KEY, "alice", bad, T0, id), 0);
    }
    /* cut, lengthened, not a proof at all */
    memcpy(bad, p, sizeof p);
    bad[PD_DEVICE_TEXT_LEN - 1] = '\0';
    assert_int_equal(verify(KEY, "alice", bad, T0, id), 0);
    memcpy(bad, p, sizeof p);
    memcpy(bad + strlen(bad), "A", sizeof "A");
    assert_int_equal(verify(KEY, "alice", bad, T0, id), 0);
    assert_int_equal(verify(KEY, "alice", "", T0, id), 0);
    assert_int_equal(verify(KEY, "alice", "pd_notaproof", T0, id), 0);
    memcpy(bad, p, sizeof p);
    bad[10] = '=';
    assert_int_equal(verify(KEY, "alice", bad, T0, id), 0);
    /* id untouched by every refusal */
    for (size_t i = 0; i < sizeof id; i++)
        assert_int_equal(id[i], 0x77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
