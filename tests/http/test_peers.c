/* test_peers.c - http/peers: keys (IPv4, IPv4-mapped, IPv6 by /64), counts
 * against a plain model through many random adds and removes (removal
 * shifts entries back, so every count must survive it), the bound. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "http/peers.h"

static pd_peer_key v4(const char *addr)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(1234)};
    assert_int_equal(inet_pton(AF_INET, addr, &a.sin_addr), 1);
    pd_peer_key k;
    assert_int_equal(pd_peer_key_of(&a, sizeof a, &k), 0);
    return k;
}

static pd_peer_key v6(const char *addr, uint16_t port)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET6, addr, &a.sin6_addr), 1);
    pd_peer_key k;
    assert_int_equal(pd_peer_key_of(&a, sizeof a, &k), 0);
    return k;
}

static int same(pd_peer_key a, pd_peer_key b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void test_keys(void **state)
{
    (void)state;
    assert_true(same(v4("127.0.0.1"), v4("127.0.0.1")));
    assert_false(same(v4("127.0.0.1"), v4("127.0.0.2")));
    /* An IPv4 client reached over an IPv6 socket is the same client. */
    assert_true(same(v4("192.0.2.7"), v6("::ffff:192.0.2.7", 9)));
    /* IPv6: one /64 is one client, whatever the port or interface id. */
    assert_true(same(v6("2001:db8:1:2::1", 1), v6("2001:db8:1:2:ffff:1:2:3", 2)));
    assert_false(same(v6("2001:db8:1:2::1", 1), v6("2001:db8:1:3::1", 1)));
    assert_false(same(v6("::1", 1), v4("127.0.0.1")));
    /* Another family: one shared key, and said so. */
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    pd_peer_key k, zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(pd_peer_key_of(&u, sizeof u, &k), -1);
    assert_true(same(k, zero));
    assert_int_equal(pd_peer_key_of(NULL, 0, &k), -1);
}

static void test_counts_and_bound(void **state)
{
    (void)state;
    pd_peers *p = pd_peers_new(3);
    assert_non_null(p);
    pd_peer_key a = v4("10.0.0.1"), b = v4("10.0.0.2");
    assert_int_equal(pd_peers_add(p, &a), 1);
    assert_int_equal(pd_peers_add(p, &a), 2);
    assert_int_equal(pd_peers_add(p, &b), 1);
    assert_int_equal(pd_peers_clients(p), 2);
    /* Three open: the bound. Nothing more is counted. */
    assert_int_equal(pd_peers_add(p, &b), 0);
    assert_int_equal(pd_peers_count(p, &b), 1);
    pd_peers_remove(p, &a);
    assert_int_equal(pd_peers_count(p, &a), 1);
    pd_peers_remove(p, &a);
    assert_int_equal(pd_peers_count(p, &a), 0);
    assert_int_equal(pd_peers_clients(p), 1);
    pd_peers_remove(p, &a); /* not counted: ignored */
    assert_int_equal(pd_peers_count(p, &b), 1);
    assert_int_equal(pd_peers_add(p, &a), 1);
    pd_peers_free(p);
    pd_peers_free(NULL);
    assert_null(pd_peers_new(0));
}

/* Random adds and removes over few keys in a small table (many collide,
 * many removals shift entries) checked against an array of counts. */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { KEYS = 900, OPEN = 1000, STEPS = 300000 };
    pd_peers *p = pd_peers_new(OPEN);
    assert_non_null(p);
    static unsigned model[KEYS];
    memset(model, 0, sizeof model);
    pd_peer_key keys[KEYS];
    for (int i = 0; i < KEYS; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "10.%d.%d.1", i / 256, i % 256);
        keys[i] = v4(addr);
    }
    uint64_t x = 88172645463325252ull;
    unsigned open = 0;
    for (int step = 0; step < STEPS; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int i = (int)(x % KEYS);
        int add = (x >> 32) % 2 == 0;
        if (add) {
            unsigned got = pd_peers_add(p, &keys[i]);
            if (open == OPEN) {
                assert_int_equal(got, 0);
            } else {
                assert_int_equal(got, ++model[i]);
                open++;
            }
        } else {
            pd_peers_remove(p, &keys[i]);
            if (model[i]) {
                model[i]--;
                open--;
            }
        }
        if (step % 997 == 0) {
            size_t clients = 0;
            for (int k = 0; k < KEYS; k++) {
                assert_int_equal(pd_peers_count(p, &keys[k]), model[k]);
                clients += model[k] > 0;
            }
            assert_int_equal(pd_peers_clients(p), clients);
        }
    }
    for (int k = 0; k < KEYS; k++)
        assert_int_equal(pd_peers_count(p, &keys[k]), model[k]);
    pd_peers_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_counts_and_bound),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
