/* test_ratelimit.c - the login limiter: exact thresholds, the sliding window
 * under an injected clock, address limits independent of names, resets on
 * success, keys (case, IPv6 /64, IPv4-mapped), a table that never grows past
 * its size under spraying, and threads racing on it without ever getting
 * more tries than the limit. */
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

static void allowed(pd_ratelimit *rl, const char *acct, const char *addr, int64_t now)
{
    int64_t wait = -1;
    pd_error err = {0};
    int rc = pd_ratelimit_check(rl, acct, addr, now, &wait, &err);
    if (rc != PD_OK)
        print_error("%s from %s at +%lld: %s\n", acct, addr, (long long)(now - T0), err.msg);
    assert_int_equal(rc, PD_OK);
    assert_int_equal(wait, 0);
}

static void busy(pd_ratelimit *rl, const char *acct, const char *addr, int64_t now,
                 int64_t want_wait, const char *want_msg)
{
    int64_t wait = -1;
    pd_error err = {0};
    int rc = pd_ratelimit_check(rl, acct, addr, now, &wait, &err);
    if (rc != PD_EBUSY)
        print_error("%s from %s at +%lld: allowed\n", acct, addr, (long long)(now - T0));
    assert_int_equal(rc, PD_EBUSY);
    assert_int_equal(err.code, PD_EBUSY);
    assert_int_equal(wait, want_wait);
    if (want_msg)
        assert_string_equal(err.msg, want_msg);
}

static unsigned acct_failures(pd_ratelimit *rl, const char *acct, int64_t now)
{
    unsigned n = 999;
    pd_ratelimit_failures(rl, acct, NULL, now, &n, NULL);
    return n;
}

static unsigned addr_failures(pd_ratelimit *rl, const char *addr, int64_t now)
{
    unsigned n = 999;
    pd_ratelimit_failures(rl, NULL, addr, now, NULL, &n);
    return n;
}

/* ---- thresholds and the window -------------------------------------------- */

static void test_defaults(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    size_t a, as, d, ds;
    pd_ratelimit_usage(rl, &a, &as, &d, &ds);
    assert_int_equal(a, 0);
    assert_int_equal(d, 0);
    assert_int_equal(as, PD_RATELIMIT_ACCOUNT_SLOTS);
    assert_int_equal(ds, PD_RATELIMIT_ADDRESS_SLOTS);
    assert_int_equal(PD_RATELIMIT_ACCOUNT_FAILURES, 5);
    assert_int_equal(PD_RATELIMIT_ADDRESS_FAILURES, 20);
    assert_int_equal(PD_RATELIMIT_WINDOW_SECONDS, 900);
    pd_ratelimit_free(rl);
    pd_ratelimit_free(NULL);
}

static void test_account_threshold_exact(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(acct_failures(rl, "alice", T0), (unsigned)i);
        allowed(rl, "alice", "192.0.2.1", T0);
    }
    assert_int_equal(acct_failures(rl, "alice", T0), 5);
    busy(rl, "alice", "192.0.2.1", T0, 900,
         "too many failed logins for this account: try again in 900 seconds");
    /* Refusals are not counted, and another address does not help. */
    busy(rl, "alice", "198.51.100.7", T0, 900, NULL);
    assert_int_equal(acct_failures(rl, "alice", T0), 5);
    assert_int_equal(addr_failures(rl, "192.0.2.1", T0), 5);
    assert_int_equal(addr_failures(rl, "198.51.100.7", T0), 0);
    /* Others are not affected. */
    allowed(rl, "bob", "192.0.2.1", T0);
    /* One second before the window ends, then at its end. */
    busy(rl, "alice", "192.0.2.1", T0 + 899, 1,
         "too many failed logins for this account: try again in 1 second");
    allowed(rl, "alice", "192.0.2.1", T0 + 900);
    pd_ratelimit_free(rl);
}

static void test_sliding_window(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    /* Failures at 0, 100, 200, 300, 400. */
    for (int i = 0; i < 5; i++)
        allowed(rl, "carol", "192.0.2.9", T0 + 100 * i);
    busy(rl, "carol", "192.0.2.9", T0 + 500, 400, NULL); /* until 0 + 900 */
    assert_int_equal(acct_failures(rl, "carol", T0 + 899), 5);
    assert_int_equal(acct_failures(rl, "carol", T0 + 900), 4);
    allowed(rl, "carol", "192.0.2.9", T0 + 900);         /* the one at 0 left */
    busy(rl, "carol", "192.0.2.9", T0 + 900, 100, NULL); /* until 100 + 900 */
    busy(rl, "carol", "192.0.2.9", T0 + 999, 1, NULL);
    allowed(rl, "carol", "192.0.2.9", T0 + 1000);
    /* Long after, everything has gone. */
    assert_int_equal(acct_failures(rl, "carol", T0 + 100000), 0);
    allowed(rl, "carol", "192.0.2.9", T0 + 100000);
    assert_int_equal(acct_failures(rl, "carol", T0 + 100000), 1);
    pd_ratelimit_free(rl);
}

static void test_clock_going_back(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.account_failures = 2};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "dave", "192.0.2.2", T0);
    allowed(rl, "dave", "192.0.2.2", T0);
    /* The clock jumps back an hour: still refused, never for more than a
     * window. */
    busy(rl, "dave", "192.0.2.2", T0 - 3600, 900, NULL);
    allowed(rl, "dave", "192.0.2.2", T0 + 900);
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
    assert_int_equal(addr_failures(rl, "203.0.113.5", T0 + 20), 20);
    /* A new name from the same address: the address is spent. */
    busy(rl, "someone-new", "203.0.113.5", T0 + 20, 880,
         "too many failed logins from this address: try again in 880 seconds");
    busy(rl, "user0", "203.0.113.5", T0 + 20, 880, NULL);
    /* The names themselves were tried once each: fine from elsewhere. */
    allowed(rl, "someone-new", "203.0.113.6", T0 + 20);
    allowed(rl, "user0", "203.0.113.6", T0 + 20);
    /* The address comes back as its oldest failures leave the window. */
    allowed(rl, "someone-new", "203.0.113.5", T0 + 900);
    busy(rl, "someone-new", "203.0.113.5", T0 + 900, 1, NULL);
    pd_ratelimit_free(rl);
}

static void test_both_limits_wait_for_the_later(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.account_failures = 2, .address_failures = 3};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "erin", "192.0.2.3", T0);       /* address 1, erin 1 */
    allowed(rl, "frank", "192.0.2.3", T0 + 10); /* address 2 */
    allowed(rl, "frank", "192.0.2.3", T0 + 20); /* address 3, frank 2 */
    /* frank is done until 10 + 900, the address until 0 + 900: the later. */
    busy(rl, "frank", "192.0.2.3", T0 + 30, 880,
         "too many failed logins for this account: try again in 880 seconds");
    busy(rl, "erin", "192.0.2.3", T0 + 30, 870,
         "too many failed logins from this address: try again in 870 seconds");
    pd_ratelimit_free(rl);
}

/* ---- success -------------------------------------------------------------- */

static void test_success_resets_account(void **state)
{
    (void)state;
    pd_ratelimit *rl = make(NULL);
    for (int i = 0; i < 4; i++)
        allowed(rl, "grace", "192.0.2.4", T0 + i);
    allowed(rl, "grace", "192.0.2.4", T0 + 4); /* the fifth: right password */
    pd_ratelimit_success(rl, "grace", "192.0.2.4", T0 + 4);
    assert_int_equal(acct_failures(rl, "grace", T0 + 4), 0);
    /* The address keeps the four wrong ones; only the right one is gone. */
    assert_int_equal(addr_failures(rl, "192.0.2.4", T0 + 4), 4);
    for (int i = 0; i < 5; i++)
        allowed(rl, "grace", "192.0.2.4", T0 + 5);
    busy(rl, "grace", "192.0.2.4", T0 + 5, 900, NULL);
    /* A success forgets everything about the account: the entry goes. */
    pd_ratelimit *r2 = make(NULL);
    allowed(r2, "heidi", "192.0.2.5", T0);
    pd_ratelimit_success(r2, "heidi", "192.0.2.5", T0);
    size_t a, d;
    pd_ratelimit_usage(r2, &a, NULL, &d, NULL);
    assert_int_equal(a, 0);
    assert_int_equal(d, 0);
    /* A success for names never seen changes nothing. */
    pd_ratelimit_success(r2, "nobody", "192.0.2.99", T0);
    pd_ratelimit_free(r2);
    pd_ratelimit_free(rl);
}

/* ---- keys ----------------------------------------------------------------- */

static void test_keys(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.account_failures = 3, .address_failures = 3};
    pd_ratelimit *rl = make(&c);
    /* ASCII case does not make a new account. */
    allowed(rl, "Ivan", "192.0.2.10", T0);
    allowed(rl, "IVAN", "192.0.2.11", T0);
    allowed(rl, "ivan", "192.0.2.12", T0);
    busy(rl, "iVaN", "192.0.2.13", T0, 900, NULL);
    /* Other bytes are not folded. */
    allowed(rl, "ivan\xc3\xa9", "192.0.2.13", T0);

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
    pd_ratelimit_free(rl);
}

static void test_long_names(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.account_failures = 1};
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
    size_t used;
    pd_ratelimit_usage(rl, &used, NULL, NULL, NULL);
    assert_int_equal(used, 2);
    free(a);
    free(b);
    pd_ratelimit_free(rl);
}

/* ---- bounded memory ------------------------------------------------------- */

static void test_eviction_bounded(void **state)
{
    (void)state;
    pd_ratelimit_config c = {
        .account_failures = 2, .address_failures = 1000, .account_slots = 8, .address_slots = 4};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "target", "192.0.2.40", T0);
    allowed(rl, "target", "192.0.2.40", T0);
    busy(rl, "target", "192.0.2.40", T0, 900, NULL);

    char name[32], addr[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "spray%d", i);
        snprintf(addr, sizeof addr, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        allowed(rl, name, addr, T0 + 1);
        size_t a, as, d, ds;
        pd_ratelimit_usage(rl, &a, &as, &d, &ds);
        assert_true(a <= 8 && a <= as);
        assert_true(d <= 4 && d <= ds);
        if (i >= 8)
            assert_int_equal(a, 8);
    }
    /* The least recently used went first: target is forgotten, the last
     * eight sprayed names are remembered. */
    assert_int_equal(acct_failures(rl, "target", T0 + 1), 0);
    for (int i = 4992; i < 5000; i++) {
        snprintf(name, sizeof name, "spray%d", i);
        assert_int_equal(acct_failures(rl, name, T0 + 1), 1);
    }
    snprintf(name, sizeof name, "spray%d", 4991);
    assert_int_equal(acct_failures(rl, name, T0 + 1), 0);
    pd_ratelimit_free(rl);
}

static void test_eviction_spares_recent(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.account_failures = 2, .address_failures = 1000, .account_slots = 4};
    pd_ratelimit *rl = make(&c);
    allowed(rl, "locked", "192.0.2.50", T0);
    allowed(rl, "locked", "192.0.2.50", T0);
    char name[32];
    for (int i = 0; i < 100; i++) {
        /* Someone keeps trying the locked account: that keeps it recent. */
        busy(rl, "locked", "192.0.2.50", T0 + 1, 899, NULL);
        snprintf(name, sizeof name, "other%d", i);
        allowed(rl, name, "192.0.2.51", T0 + 1 + i / 25);
    }
    assert_int_equal(acct_failures(rl, "locked", T0 + 5), 2);
    /* A refusal makes no entry for a name it has not seen. */
    pd_ratelimit_config c2 = {.address_failures = 1, .account_slots = 4};
    pd_ratelimit *r2 = make(&c2);
    allowed(r2, "x", "192.0.2.60", T0);
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "refused%d", i);
        busy(r2, name, "192.0.2.60", T0, 900, NULL);
    }
    size_t a;
    pd_ratelimit_usage(r2, &a, NULL, NULL, NULL);
    assert_int_equal(a, 1);
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
        {{.account_failures = 1001},
         "rate limit setting account_failures must be 1 to 1000, not 1001"},
        {{.address_failures = 5000},
         "rate limit setting address_failures must be 1 to 1000, not 5000"},
        {{.window_seconds = -1}, "rate limit setting window_seconds must be 1 to 604800, not -1"},
        {{.window_seconds = 604801},
         "rate limit setting window_seconds must be 1 to 604800, not 604801"},
        {{.account_slots = (1u << 20) + 1},
         "rate limit setting account_slots must be 1 to 1048576, not 1048577"},
        {{.address_slots = (size_t)-1},
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
    pd_ratelimit_config one = {1, 1, 1, 1, 1};
    pd_ratelimit *rl = make(&one);
    allowed(rl, "a", "b", T0);
    busy(rl, "a", "b", T0, 1, NULL);
    busy(rl, "z", "b", T0, 1, NULL);
    allowed(rl, "z", "c", T0); /* evicts a and b */
    allowed(rl, "a", "b", T0);
    allowed(rl, "a", "b", T0 + 1);
    /* NULL names are a bug in the caller, reported as such. */
    pd_error err = {0};
    assert_int_equal(pd_ratelimit_check(rl, NULL, "b", T0, NULL, &err), PD_EINTERNAL);
    assert_int_equal(pd_ratelimit_check(rl, "a", NULL, T0, NULL, &err), PD_EINTERNAL);
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
 * its own address: however the threads interleave, exactly
 * account_failures tries per account get through. */
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
            int rc = pd_ratelimit_check(r->rl, name, addr, T0, &wait, NULL);
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
    pd_ratelimit_config c = {.address_failures = 1000};
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
        for (int i = 0; i < THREADS; i++)
            ok += r[i].ok[a];
        assert_int_equal(ok, PD_RATELIMIT_ACCOUNT_FAILURES);
        char name[32];
        snprintf(name, sizeof name, "acct%d", a);
        assert_int_equal(acct_failures(rl, name, T0), PD_RATELIMIT_ACCOUNT_FAILURES);
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
        assert_int_equal(addr_failures(rl, addr, T0), ok);
    }
    free(r);
    pd_ratelimit_free(rl);
}

/* Threads spraying names and addresses over a tiny table, with successes and
 * moving time: the table stays within its size and nothing breaks. */
typedef struct spray {
    pd_ratelimit *rl;
    int id;
    unsigned over; /* times the table was seen over its size */
} spray;

static void *race_spray(void *arg)
{
    spray *s = arg;
    char name[32], addr[32];
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(s->id + 1);
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift */
        snprintf(name, sizeof name, "n%u", (unsigned)(x % 100));
        snprintf(addr, sizeof addr, "192.0.2.%u", (unsigned)((x >> 8) % 50));
        int64_t now = T0 + i / 100;
        if (pd_ratelimit_check(s->rl, name, addr, now, NULL, NULL) == PD_OK && (x >> 20) % 4 == 0)
            pd_ratelimit_success(s->rl, name, addr, now);
        if (i % 64 == 0) {
            size_t a, as, d, ds;
            pd_ratelimit_usage(s->rl, &a, &as, &d, &ds);
            if (a > as || d > ds)
                s->over++;
        }
    }
    return NULL;
}

static void test_threads_spray(void **state)
{
    (void)state;
    pd_ratelimit_config c = {.window_seconds = 60, .account_slots = 16, .address_slots = 8};
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
    size_t a, d;
    pd_ratelimit_usage(rl, &a, NULL, &d, NULL);
    assert_true(a <= 16);
    assert_true(d <= 8);
    pd_ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_account_threshold_exact),
        cmocka_unit_test(test_sliding_window),
        cmocka_unit_test(test_clock_going_back),
        cmocka_unit_test(test_address_limit_independent_of_names),
        cmocka_unit_test(test_both_limits_wait_for_the_later),
        cmocka_unit_test(test_success_resets_account),
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
