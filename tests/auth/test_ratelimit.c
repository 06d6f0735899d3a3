/* test_ratelimit.c - the sign-in limiter: a stranger failing from other
 * addresses never locks the owner out (per pair of account and address;
 * a client with a device proof counted on its own), guessing one account
 * from many addresses still bounded, exact thresholds and the sliding
 * window under an injected clock, address limits independent of names,
 * what a success forgets, keys (case, IPv6 /64, IPv4-mapped), tables that
 * never grow past their size under spraying, and threads racing on it
 * without ever getting more tries than the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "auth/ratelimit.h"

#define T0 1700000000 /* any epoch works; this one looks like a real clock */

static const uint8_t DEV1[PD_RATELIMIT_DEVICE_BYTES] = {1, 2, 3};
static const uint8_t DEV2[PD_RATELIMIT_DEVICE_BYTES] = {9, 8, 7};

static pd_ratelimit *make(const pd_ratelimit_config *c)
{
    pd_ratelimit *rl = NULL;
    pd_error err = {0};
    int rc = pd_ratelimit_new(c, &rl, &err);
    if (rc != PD_OK)
        print_error("pd_ratelimit_new: %s\n", err.msg);
    assert_int_equal(rc, PD_OK);
    assert_non_null(rl);
    return rl;
}

static pd_ratelimit_who who(const char *acct, const char *addr, const uint8_t *dev)
{
    return (pd_ratelimit_who){.account = acct, .address = addr, .device = dev};
}

static void allowed_as(pd_ratelimit *rl, pd_ratelimit_who w, int64_t now)
{
    int64_t wait = -1;
    pd_error err = {0};
    int rc = pd_ratelimit_check(rl, &w, now, &wait, &err);
    if (rc != PD_OK)
        print_error("%s from %s%s at +%lld: %s\n", w.account, w.address,
                    w.device ? " with a proof" : "", (long long)(now - T0), err.msg);
    assert_int_equal(rc, PD_OK);
    assert_int_equal(wait, 0);
}

static void busy_as(pd_ratelimit *rl, pd_ratelimit_who w, int64_t now, int64_t want_wait,
                    const char *want_msg)
{
    int64_t wait = -1;
    pd_error err = {0};
    int rc = pd_ratelimit_check(rl, &w, now, &wait, &err);
    if (rc != PD_EBUSY)
        print_error("%s from %s%s at +%lld: allowed\n", w.account, w.address,
                    w.device ? " with a proof" : "", (long long)(now - T0));
    assert_int_equal(rc, PD_EBUSY);
    assert_int_equal(err.code, PD_EBUSY);
    assert_int_equal(wait, want_wait);
    if (want_msg)
        assert_string_equal(err.msg, want_msg);
}

/* Without a device proof. */
static void allowed(pd_ratelimit *rl, const char *acct, const char *addr, int64_t now)
{
    allowed_as(rl, who(acct, addr, NULL), now);
}

static void busy(pd_ratelimit *rl, const char *acct, const char *addr, int64_t now,
                 int64_t want_wait, const char *want_msg)
{
    busy_as(rl, who(acct, addr, NULL), now, want_wait, want_msg);
}

static void success(pd_ratelimit *rl, const char *acct, const char *addr, const uint8_t *dev,
                    int64_t now)
{
    pd_ratelimit_who w = who(acct, addr, dev);
    pd_ratelimit_success(rl, &w, now);
}

/* The failures counting in count `k` for (acct, addr, dev); NULLs allowed. */
static unsigned count(pd_ratelimit *rl, pd_rl_kind k, const char *acct, const char *addr,
                      const uint8_t *dev, int64_t now)
{
    unsigned n[PD_RL_KINDS];
    memset(n, 0xff, sizeof n);
    pd_ratelimit_who w = who(acct, addr, dev);
    pd_ratelimit_failures(rl, &w, now, n);
    return n[k];
}

static size_t used(pd_ratelimit *rl, pd_rl_kind k)
{
    size_t u[PD_RL_KINDS];
    pd_ratelimit_usage(rl, u, NULL);
    return u[k];
}

#define PAIR_MSG(n) "too many failed sign-ins to this account from this address: try again in " n
#define ACCOUNT_MSG(n)                                                                             \
    "too many failed sign-ins to this account from clients that have not signed in to it "         \
    "before (one that has is not held back): try again in " n
#define ADDRESS_MSG(n) "too many failed sign-ins from this address: try again in " n
#define DEVICE_MSG(n) "too many failed sign-ins from this client: try again in " n

/* ---- the rule --------------------------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    size_t u[PD_RL_KINDS], s[PD_RL_KINDS];
    pd_ratelimit_usage(rl, u, s);
    for (int k = 0; k < PD_RL_KINDS; k++)
        assert_int_equal(u[k], 0);
    assert_int_equal(s[PD_RL_PAIR], PD_RATELIMIT_PAIR_SLOTS);
    assert_int_equal(s[PD_RL_ACCOUNT], PD_RATELIMIT_ACCOUNT_SLOTS);
    assert_int_equal(s[PD_RL_ADDRESS], PD_RATELIMIT_ADDRESS_SLOTS);
    assert_int_equal(s[PD_RL_DEVICE], PD_RATELIMIT_DEVICE_SLOTS);
    /* the numbers docs/internals/sign-in.md gives */
    assert_int_equal(PD_RATELIMIT_PAIR_FAILURES, 5);
    assert_int_equal(PD_RATELIMIT_ACCOUNT_FAILURES, 20);
    assert_int_equal(PD_RATELIMIT_ADDRESS_FAILURES, 20);
    assert_int_equal(PD_RATELIMIT_DEVICE_FAILURES, 5);
    assert_int_equal(PD_RATELIMIT_WINDOW_SECONDS, 900);
    pd_ratelimit_usage(rl, NULL, NULL);
    pd_ratelimit_free(rl);
    pd_ratelimit_free(NULL);
}

/* The finding: five wrong passwords for an account from one address made the
 * right one from two other addresses wait 15 minutes. */
static void test_stranger_cannot_lock_out(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    for (int i = 0; i < 5; i++)
        allowed(rl, "operator", "127.0.0.1", T0);
    busy(rl, "operator", "127.0.0.1", T0, 900, PAIR_MSG("900 seconds"));
    /* the owner, elsewhere, at once */
    allowed(rl, "operator", "127.0.0.2", T0);
    success(rl, "operator", "127.0.0.2", NULL, T0);
    allowed(rl, "operator", "127.0.0.3", T0);
    success(rl, "operator", "127.0.0.3", NULL, T0);
    /* the successes took their own tries back, and nothing else */
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "operator", NULL, NULL, T0), 5);
    assert_int_equal(count(rl, PD_RL_PAIR, "operator", "127.0.0.1", NULL, T0), 5);
    assert_int_equal(count(rl, PD_RL_PAIR, "operator", "127.0.0.2", NULL, T0), 0);
    assert_int_equal(count(rl, PD_RL_ADDRESS, NULL, "127.0.0.2", NULL, T0), 0);
    /* the stranger's address is still held back, for this account only */
    busy(rl, "operator", "127.0.0.1", T0 + 1, 899, NULL);
    allowed(rl, "someone", "127.0.0.1", T0 + 1);
    pd_ratelimit_free(rl);
}

/* Guessing one account from many addresses is still bounded: 20 failures in
 * a window from clients without its proof, however many addresses. */
static void test_account_bounded_across_addresses(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    char addr[32];
    for (int i = 0; i < 20; i++) {
        snprintf(addr, sizeof addr, "198.51.100.%d", i);
        allowed(rl, "alice", addr, T0 + i);
    }
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "alice", NULL, NULL, T0 + 20), 20);
    busy(rl, "alice", "203.0.113.1", T0 + 20, 880, ACCOUNT_MSG("880 seconds"));
    busy(rl, "alice", "198.51.100.0", T0 + 20, 880, NULL);
    /* other accounts, and addresses for other accounts, are not touched */
    allowed(rl, "bob", "198.51.100.0", T0 + 20);
    /* the owner's client, with its proof, is not held back */
    allowed_as(rl, who("alice", "203.0.113.1", DEV1), T0 + 20);
    success(rl, "alice", "203.0.113.1", DEV1, T0 + 20);
    /* as the oldest failures leave the window, new clients may try again */
    allowed(rl, "alice", "203.0.113.1", T0 + 900);
    busy(rl, "alice", "203.0.113.2", T0 + 900, 1, NULL);
    pd_ratelimit_free(rl);
}

/* A client with a device proof is counted on its own: no failure of others
 * (its own address spent, the pair spent, the account spent) holds it back,
 * and its own failures hold back only itself. */
static void test_device_counted_alone(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    char addr[32], name[32];
    for (int i = 0; i < 5; i++) /* the pair from the owner's own address */
        allowed(rl, "carol", "192.0.2.7", T0);
    for (int i = 0; i < 15; i++) { /* the rest of the address's 20 */
        snprintf(name, sizeof name, "other%d", i);
        allowed(rl, name, "192.0.2.7", T0);
    }
    for (int i = 0; i < 15; i++) { /* the rest of the account's 20 */
        snprintf(addr, sizeof addr, "10.1.0.%d", i);
        allowed(rl, "carol", addr, T0);
    }
    busy(rl, "carol", "192.0.2.7", T0, 900, NULL);
    busy(rl, "carol", "10.9.9.9", T0, 900, ACCOUNT_MSG("900 seconds"));
    busy(rl, "dave", "192.0.2.7", T0, 900, ADDRESS_MSG("900 seconds"));
    /* the owner's client, from that very address */
    for (int i = 0; i < 5; i++)
        allowed_as(rl, who("carol", "192.0.2.7", DEV1), T0 + 1);
    busy_as(rl, who("carol", "192.0.2.7", DEV1), T0 + 1, 900, DEVICE_MSG("900 seconds"));
    /* its failures counted nowhere else */
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "carol", NULL, NULL, T0 + 1), 20);
    assert_int_equal(count(rl, PD_RL_ADDRESS, NULL, "192.0.2.7", NULL, T0 + 1), 20);
    assert_int_equal(count(rl, PD_RL_DEVICE, NULL, NULL, DEV1, T0 + 1), 5);
    /* another of the owner's clients is its own count */
    allowed_as(rl, who("carol", "192.0.2.7", DEV2), T0 + 1);
    success(rl, "carol", "192.0.2.7", DEV2, T0 + 1);
    assert_int_equal(count(rl, PD_RL_DEVICE, NULL, NULL, DEV2, T0 + 1), 0);
    /* a success forgets the client's failures */
    success(rl, "carol", "192.0.2.7", DEV1, T0 + 1);
    assert_int_equal(count(rl, PD_RL_DEVICE, NULL, NULL, DEV1, T0 + 1), 0);
    allowed_as(rl, who("carol", "192.0.2.7", DEV1), T0 + 1);
    pd_ratelimit_free(rl);
}

static void test_pair_threshold_exact(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(count(rl, PD_RL_PAIR, "erin", "192.0.2.1", NULL, T0), (unsigned)i);
        allowed(rl, "erin", "192.0.2.1", T0);
    }
    busy(rl, "erin", "192.0.2.1", T0, 900, PAIR_MSG("900 seconds"));
    /* refusals are not counted */
    assert_int_equal(count(rl, PD_RL_PAIR, "erin", "192.0.2.1", NULL, T0), 5);
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "erin", NULL, NULL, T0), 5);
    assert_int_equal(count(rl, PD_RL_ADDRESS, NULL, "192.0.2.1", NULL, T0), 5);
    /* one second before the window ends, then at its end */
    busy(rl, "erin", "192.0.2.1", T0 + 899, 1, PAIR_MSG("1 second"));
    allowed(rl, "erin", "192.0.2.1", T0 + 900);
    pd_ratelimit_free(rl);
}

static void test_sliding_window(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    /* Failures at 0, 100, 200, 300, 400. */
    for (int i = 0; i < 5; i++)
        allowed(rl, "frank", "192.0.2.9", T0 + 100 * i);
    busy(rl, "frank", "192.0.2.9", T0 + 500, 400, NULL); /* until 0 + 900 */
    assert_int_equal(count(rl, PD_RL_PAIR, "frank", "192.0.2.9", NULL, T0 + 899), 5);
    assert_int_equal(count(rl, PD_RL_PAIR, "frank", "192.0.2.9", NULL, T0 + 900), 4);
    allowed(rl, "frank", "192.0.2.9", T0 + 900);         /* the one at 0 left */
    busy(rl, "frank", "192.0.2.9", T0 + 900, 100, NULL); /* until 100 + 900 */
    busy(rl, "frank", "192.0.2.9", T0 + 999, 1, NULL);
    allowed(rl, "frank", "192.0.2.9", T0 + 1000);
    /* Long after, everything has gone. */
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "frank", NULL, NULL, T0 + 100000), 0);
    allowed(rl, "frank", "192.0.2.9", T0 + 100000);
    assert_int_equal(count(rl, PD_RL_PAIR, "frank", "192.0.2.9", NULL, T0 + 100000), 1);
    pd_ratelimit_free(rl);
}

static void test_clock_going_back(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {[PD_RL_PAIR] = 2}};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "gina", "192.0.2.2", T0);
    allowed(rl, "gina", "192.0.2.2", T0);
    /* The clock jumps back an hour: still refused, never for more than a
     * window. */
    busy(rl, "gina", "192.0.2.2", T0 - 3600, 900, NULL);
    allowed(rl, "gina", "192.0.2.2", T0 + 900);
    pd_ratelimit_free(rl);
}

/* ---- per address ---------------------------------------------------------- */

static void test_address_limit_independent_of_names(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    char name[32];
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof name, "user%d", i);
        allowed(rl, name, "203.0.113.5", T0 + i);
    }
    assert_int_equal(count(rl, PD_RL_ADDRESS, NULL, "203.0.113.5", NULL, T0 + 20), 20);
    /* A new name from the same address: the address is spent. */
    busy(rl, "someone-new", "203.0.113.5", T0 + 20, 880, ADDRESS_MSG("880 seconds"));
    busy(rl, "user0", "203.0.113.5", T0 + 20, 880, NULL);
    /* The names themselves were tried once each: fine from elsewhere. */
    allowed(rl, "someone-new", "203.0.113.6", T0 + 20);
    allowed(rl, "user0", "203.0.113.6", T0 + 20);
    /* The address comes back as its oldest failures leave the window. */
    allowed(rl, "someone-new", "203.0.113.5", T0 + 900);
    busy(rl, "someone-new", "203.0.113.5", T0 + 900, 1, NULL);
    pd_ratelimit_free(rl);
}

static void test_limits_wait_for_the_latest(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {[PD_RL_PAIR] = 2, [PD_RL_ADDRESS] = 3}};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "hana", "192.0.2.3", T0);      /* address 1, hana 1 */
    allowed(rl, "ivan", "192.0.2.3", T0 + 10); /* address 2 */
    allowed(rl, "ivan", "192.0.2.3", T0 + 20); /* address 3, ivan 2 */
    /* ivan's pair is done until 10 + 900, the address until 0 + 900: the
     * later one is waited for and named. */
    busy(rl, "ivan", "192.0.2.3", T0 + 30, 880, PAIR_MSG("880 seconds"));
    busy(rl, "hana", "192.0.2.3", T0 + 30, 870, ADDRESS_MSG("870 seconds"));
    pd_ratelimit_free(rl);
}

/* ---- success -------------------------------------------------------------- */

static void test_success(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    for (int i = 0; i < 4; i++)
        allowed(rl, "jo", "192.0.2.4", T0 + i);
    allowed(rl, "jo", "192.0.2.4", T0 + 4); /* the fifth: right password */
    success(rl, "jo", "192.0.2.4", NULL, T0 + 4);
    /* The pair is this client's: forgotten. The account and the address
     * keep the four wrong ones (others' tries count there too); only the
     * right one is gone. */
    assert_int_equal(count(rl, PD_RL_PAIR, "jo", "192.0.2.4", NULL, T0 + 4), 0);
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "jo", NULL, NULL, T0 + 4), 4);
    assert_int_equal(count(rl, PD_RL_ADDRESS, NULL, "192.0.2.4", NULL, T0 + 4), 4);
    for (int i = 0; i < 5; i++)
        allowed(rl, "jo", "192.0.2.4", T0 + 5);
    busy(rl, "jo", "192.0.2.4", T0 + 5, 900, NULL);
    /* Entries left empty go. */
    pd_ratelimit *r2 = make(NULL);
    allowed(r2, "kim", "192.0.2.5", T0);
    success(r2, "kim", "192.0.2.5", NULL, T0);
    for (int k = 0; k < PD_RL_KINDS; k++)
        assert_int_equal(used(r2, (pd_rl_kind)k), 0);
    allowed_as(r2, who("kim", "192.0.2.5", DEV1), T0);
    assert_int_equal(used(r2, PD_RL_DEVICE), 1);
    success(r2, "kim", "192.0.2.5", DEV1, T0);
    assert_int_equal(used(r2, PD_RL_DEVICE), 0);
    /* A success for names never seen changes nothing. */
    success(r2, "nobody", "192.0.2.99", NULL, T0);
    success(r2, "nobody", "192.0.2.99", DEV2, T0);
    pd_ratelimit_free(r2);
    pd_ratelimit_free(rl);
}

/* ---- keys ----------------------------------------------------------------- */

static void test_keys(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {3, 3, 3, 3}};
    pd_ratelimit *rl = make(&c);
    /* ASCII case does not make a new account, nor a new pair. */
    allowed(rl, "Lena", "192.0.2.10", T0);
    allowed(rl, "LENA", "192.0.2.10", T0 + 1);
    allowed(rl, "lena", "192.0.2.11", T0 + 2);
    assert_int_equal(count(rl, PD_RL_PAIR, "lEnA", "192.0.2.10", NULL, T0 + 2), 2);
    busy(rl, "lEnA", "192.0.2.12", T0 + 2, 898, NULL); /* the account: 3 in all */
    /* Other bytes are not folded. */
    allowed(rl, "lena\xc3\xa9", "192.0.2.13", T0);

    /* One IPv6 /64 is one address, written in any form. */
    allowed(rl, "a1", "2001:db8:1:2::1", T0);
    allowed(rl, "a2", "2001:db8:1:2:ffff:ffff:ffff:ffff", T0);
    allowed(rl, "a3", "2001:0DB8:0001:0002:0:0:0:7", T0);
    busy(rl, "a4", "2001:db8:1:2::8", T0, 900, NULL);
    allowed(rl, "a4", "2001:db8:1:3::1", T0); /* the next /64 */

    /* An IPv4-mapped IPv6 address is the IPv4 address. */
    allowed(rl, "b1", "198.51.100.20", T0);
    allowed(rl, "b2", "::ffff:198.51.100.20", T0);
    allowed(rl, "b3", "::ffff:c633:6414", T0);
    busy(rl, "b4", "198.51.100.20", T0, 900, NULL);

    /* Anything else is taken as it is (a proxy's name for a client, say),
     * even text that is nearly an address. */
    allowed(rl, "c1", "unix:/run/partnerd.sock", T0);
    allowed(rl, "c1", "198.51.100.20 ", T0);
    allowed(rl, "c2", "", T0);

    /* A device's identity is not an account or an address. */
    allowed_as(rl, who("d1", "192.0.2.14", DEV1), T0);
    assert_int_equal(count(rl, PD_RL_DEVICE, NULL, NULL, DEV1, T0), 1);
    assert_int_equal(count(rl, PD_RL_DEVICE, NULL, NULL, DEV2, T0), 0);
    assert_int_equal(count(rl, PD_RL_ACCOUNT, "d1", NULL, NULL, T0), 0);
    pd_ratelimit_free(rl);
}

static void test_long_names(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {[PD_RL_PAIR] = 1}};
    pd_ratelimit *rl = make(&c);
    /* A name of 100,000 bytes takes one entry like any other, and names
     * differing in their last byte are different accounts. */
    size_t n = 100000;
    char *a = malloc(n + 1), *b = malloc(n + 1);
    assert_non_null(a);
    assert_non_null(b);
    memset(a, 'q', n);
    a[n] = '\0';
    memcpy(b, a, n + 1);
    b[n - 1] = 'r';
    allowed(rl, a, "192.0.2.30", T0);
    busy(rl, a, "192.0.2.30", T0, 900, NULL);
    allowed(rl, b, "192.0.2.30", T0);
    assert_int_equal(used(rl, PD_RL_ACCOUNT), 2);
    assert_int_equal(used(rl, PD_RL_PAIR), 2);
    free(a);
    free(b);
    pd_ratelimit_free(rl);
}

/* ---- bounded memory ------------------------------------------------------- */

static void test_eviction_bounded(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {2, 1000, 1000, 2}, .slots = {8, 8, 4, 4}};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "target", "192.0.2.40", T0);
    allowed(rl, "target", "192.0.2.40", T0);
    busy(rl, "target", "192.0.2.40", T0, 900, NULL);

    char name[32], addr[64];
    uint8_t dev[PD_RATELIMIT_DEVICE_BYTES] = {0};
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "spray%d", i);
        snprintf(addr, sizeof addr, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        allowed(rl, name, addr, T0 + 1);
        memcpy(dev, &i, sizeof i);
        allowed_as(rl, who(name, addr, dev), T0 + 1);
        size_t u[PD_RL_KINDS], s[PD_RL_KINDS];
        pd_ratelimit_usage(rl, u, s);
        for (int k = 0; k < PD_RL_KINDS; k++)
            assert_true(u[k] <= s[k]);
        assert_true(u[PD_RL_PAIR] <= 8 && u[PD_RL_ADDRESS] <= 4 && u[PD_RL_DEVICE] <= 4);
        if (i >= 8)
            assert_int_equal(u[PD_RL_PAIR], 8);
    }
    /* The least recently used went first: target is forgotten, the last
     * eight sprayed pairs are remembered. */
    assert_int_equal(count(rl, PD_RL_PAIR, "target", "192.0.2.40", NULL, T0 + 1), 0);
    for (int i = 4992; i < 5000; i++) {
        snprintf(name, sizeof name, "spray%d", i);
        snprintf(addr, sizeof addr, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        assert_int_equal(count(rl, PD_RL_PAIR, name, addr, NULL, T0 + 1), 1);
    }
    snprintf(name, sizeof name, "spray%d", 4991);
    assert_int_equal(count(rl, PD_RL_ACCOUNT, name, NULL, NULL, T0 + 1), 0);
    pd_ratelimit_free(rl);
}

static void test_eviction_spares_recent(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {2, 1000, 1000, 0}, .slots = {4, 4, 0, 0}};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "locked", "192.0.2.50", T0);
    allowed(rl, "locked", "192.0.2.50", T0);
    char name[32];
    for (int i = 0; i < 100; i++) {
        /* Someone keeps trying the locked pair: that keeps it recent. */
        busy(rl, "locked", "192.0.2.50", T0 + 1, 899, NULL);
        snprintf(name, sizeof name, "other%d", i);
        allowed(rl, name, "192.0.2.51", T0 + 1 + i / 25);
    }
    assert_int_equal(count(rl, PD_RL_PAIR, "locked", "192.0.2.50", NULL, T0 + 5), 2);
    /* A refusal makes no entry for a name it has not seen. */
    pd_ratelimit_config c2 = {.failures = {[PD_RL_ADDRESS] = 1}, .slots = {4, 4, 0, 0}};
    pd_ratelimit *r2 = make(&c2);
    allowed(r2, "x", "192.0.2.60", T0);
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "refused%d", i);
        busy(r2, name, "192.0.2.60", T0, 900, NULL);
    }
    assert_int_equal(used(r2, PD_RL_ACCOUNT), 1);
    assert_int_equal(used(r2, PD_RL_PAIR), 1);
    pd_ratelimit_free(r2);
    pd_ratelimit_free(rl);
}

/* ---- settings ------------------------------------------------------------- */

static void test_bad_settings(void **state)
{
    (void)state;
    struct {
        pd_ratelimit_config c;
        const char *msg;
    } cases[] = {
        {{.failures = {[PD_RL_PAIR] = 1001}},
         "rate limit setting pair_failures must be 1 to 1000, not 1001"},
        {{.failures = {[PD_RL_ACCOUNT] = 5000}},
         "rate limit setting account_failures must be 1 to 1000, not 5000"},
        {{.failures = {[PD_RL_ADDRESS] = 1001}},
         "rate limit setting address_failures must be 1 to 1000, not 1001"},
        {{.failures = {[PD_RL_DEVICE] = 1001}},
         "rate limit setting device_failures must be 1 to 1000, not 1001"},
        {{.window_seconds = -1}, "rate limit setting window_seconds must be 1 to 604800, not -1"},
        {{.window_seconds = 604801},
         "rate limit setting window_seconds must be 1 to 604800, not 604801"},
        {{.slots = {[PD_RL_ACCOUNT] = (1u << 20) + 1}},
         "rate limit setting account_slots must be 1 to 1048576, not 1048577"},
        {{.slots = {[PD_RL_ADDRESS] = (size_t)-1}},
         "rate limit setting address_slots must be 1 to 1048576, not 18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_ratelimit *rl = (pd_ratelimit *)&cases; /* must be reset to NULL */
        pd_error err = {0};
        assert_int_equal(pd_ratelimit_new(&cases[i].c, &rl, &err), PD_EINPUT);
        assert_null(rl);
        assert_string_equal(err.msg, cases[i].msg);
    }
    /* The smallest limiter works. */
    pd_ratelimit_config one = {
        .failures = {1, 1, 1, 1}, .slots = {1, 1, 1, 1}, .window_seconds = 1};
    pd_ratelimit *rl = make(&one);
    allowed(rl, "a", "b", T0);
    busy(rl, "a", "b", T0, 1, NULL);
    busy(rl, "z", "b", T0, 1, NULL);
    allowed(rl, "z", "c", T0); /* evicts a and b */
    allowed(rl, "a", "b", T0);
    allowed(rl, "a", "b", T0 + 1);
    /* NULL names are a bug in the caller, reported as such. */
    pd_error err = {0};
    pd_ratelimit_who w = who(NULL, "b", NULL);
    assert_int_equal(pd_ratelimit_check(rl, &w, T0, NULL, &err), PD_EINTERNAL);
    w = who("a", NULL, DEV1);
    assert_int_equal(pd_ratelimit_check(rl, &w, T0, NULL, &err), PD_EINTERNAL);
    pd_ratelimit_success(rl, &w, T0); /* ignored */
    pd_ratelimit_free(rl);
}

/* ---- threads -------------------------------------------------------------- */

enum { THREADS = 8, ACCOUNTS = 64, ROUNDS = 40 };

typedef struct race {
    pd_ratelimit *rl;
    int id;
    unsigned ok[ACCOUNTS]; /* this thread's PD_OK answers per account */
    unsigned busy;
} race;

/* Every thread tries every account ROUNDS times, at one instant, each from
 * its own address: however the threads interleave, at most 5 tries per
 * account get through from each address, and exactly 20 per account in all
 * (8 addresses could bring 40). */
static void *race_same_time(void *arg)
{
    race *r = arg;
    char name[32], addr[32];
    snprintf(addr, sizeof addr, "10.0.0.%d", r->id);
    for (int round = 0; round < ROUNDS; round++)
        for (int k = 0; k < ACCOUNTS; k++) {
            int a = (k + r->id * 7) % ACCOUNTS; /* threads start apart */
            snprintf(name, sizeof name, "acct%d", a);
            int64_t wait = 0;
            pd_ratelimit_who w = who(name, addr, NULL);
            int rc = pd_ratelimit_check(r->rl, &w, T0, &wait, NULL);
            if (rc == PD_OK)
                r->ok[a]++;
            else if (rc == PD_EBUSY && wait == 900)
                r->busy++;
            else
                return "unexpected answer";
        }
    return NULL;
}

static void test_threads_counts_consistent(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.failures = {[PD_RL_ADDRESS] = 1000}};
    pd_ratelimit *rl = make(&c);
    pthread_t th[THREADS];
    race *r = calloc(THREADS, sizeof *r);
    assert_non_null(r);
    for (int i = 0; i < THREADS; i++) {
        r[i].rl = rl;
        r[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, race_same_time, &r[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        void *res = NULL;
        assert_int_equal(pthread_join(th[i], &res), 0);
        assert_null(res);
    }
    unsigned total_ok = 0, total_busy = 0;
    for (int a = 0; a < ACCOUNTS; a++) {
        unsigned ok = 0;
        for (int i = 0; i < THREADS; i++) {
            assert_true(r[i].ok[a] <= PD_RATELIMIT_PAIR_FAILURES);
            ok += r[i].ok[a];
        }
        assert_int_equal(ok, PD_RATELIMIT_ACCOUNT_FAILURES);
        char name[32];
        snprintf(name, sizeof name, "acct%d", a);
        assert_int_equal(count(rl, PD_RL_ACCOUNT, name, NULL, NULL, T0),
                         PD_RATELIMIT_ACCOUNT_FAILURES);
        total_ok += ok;
    }
    for (int i = 0; i < THREADS; i++)
        total_busy += r[i].busy;
    assert_int_equal(total_ok + total_busy, THREADS * ACCOUNTS * ROUNDS);
    /* Each address holds exactly the tries that got through from it. */
    for (int i = 0; i < THREADS; i++) {
        unsigned ok = 0;
        for (int a = 0; a < ACCOUNTS; a++)
            ok += r[i].ok[a];
        char addr[32];
        snprintf(addr, sizeof addr, "10.0.0.%d", i);
        assert_int_equal(count(rl, PD_RL_ADDRESS, NULL, addr, NULL, T0), ok);
    }
    free(r);
    pd_ratelimit_free(rl);
}

/* Threads spraying names, addresses and devices over tiny tables, with
 * successes and moving time: every table stays within its size and nothing
 * breaks. */
typedef struct spray {
    pd_ratelimit *rl;
    int id;
    unsigned over; /* times a table was seen over its size */
} spray;

static void *race_spray(void *arg)
{
    spray *s = arg;
    char name[32], addr[32];
    uint8_t dev[PD_RATELIMIT_DEVICE_BYTES] = {0};
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(s->id + 1);
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
        snprintf(name, sizeof name, "n%u", (unsigned)(x % 100));
        snprintf(addr, sizeof addr, "192.0.2.%u", (unsigned)((x >> 8) % 50));
        dev[0] = (uint8_t)(x >> 30);
        pd_ratelimit_who w = who(name, addr, (x >> 40) % 3 == 0 ? dev : NULL);
        int64_t now = T0 + i / 100;
        if (pd_ratelimit_check(s->rl, &w, now, NULL, NULL) == PD_OK && (x >> 20) % 4 == 0)
            pd_ratelimit_success(s->rl, &w, now);
        if (i % 64 == 0) {
            size_t u[PD_RL_KINDS], sl[PD_RL_KINDS];
            pd_ratelimit_usage(s->rl, u, sl);
            for (int k = 0; k < PD_RL_KINDS; k++)
                s->over += u[k] > sl[k];
        }
    }
    return NULL;
}

static void test_threads_spray(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.window_seconds = 60, .slots = {32, 16, 8, 8}};
    pd_ratelimit *rl = make(&c);
    pthread_t th[THREADS];
    spray s[THREADS];
    for (int i = 0; i < THREADS; i++) {
        s[i] = (spray){.rl = rl, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, race_spray, &s[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(s[i].over, 0);
    }
    size_t u[PD_RL_KINDS];
    pd_ratelimit_usage(rl, u, NULL);
    assert_true(u[PD_RL_PAIR] <= 32 && u[PD_RL_ACCOUNT] <= 16);
    assert_true(u[PD_RL_ADDRESS] <= 8 && u[PD_RL_DEVICE] <= 8);
    pd_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_stranger_cannot_lock_out),
        cmocka_unit_test(test_account_bounded_across_addresses),
        cmocka_unit_test(test_device_counted_alone),
        cmocka_unit_test(test_pair_threshold_exact),
        cmocka_unit_test(test_sliding_window),
        cmocka_unit_test(test_clock_going_back),
        cmocka_unit_test(test_address_limit_independent_of_names),
        cmocka_unit_test(test_limits_wait_for_the_latest),
        cmocka_unit_test(test_success),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_eviction_bounded),
        cmocka_unit_test(test_eviction_spares_recent),
        cmocka_unit_test(test_bad_settings),
        cmocka_unit_test(test_threads_counts_consistent),
        cmocka_unit_test(test_threads_spray),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
