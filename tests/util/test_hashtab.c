/* test_hashtab.c - the one hash table (util/hashtab.h): whole-number keys
 * (ids to refs, replace, growth, a million keys dense and sparse), byte
 * keys through find/fill, removal without tombstones checked against a
 * plain model over many random operations, and the hash functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/hashtab.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
    uint64_t x = rng_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void test_empty(void **state)
{
    (void)state;
    pd_hashtab t = {0};
    pd_hashtab_free(&t); /* an empty table, twice: fine */
    pd_hashtab_free(&t);
    assert_int_equal(pd_hashtab_reserve(&t, 0), 0);
    assert_int_equal(pd_hashtab_get_id(&t, 1), PD_HASHTAB_NONE);
    assert_int_equal(pd_hashtab_get_id(&t, 0), PD_HASHTAB_NONE); /* hash 0, as an empty slot */
    assert_int_equal(pd_hashtab_reserve(&t, (size_t)PD_HASHTAB_REF_MAX + 1), -1);
    pd_hashtab_free(&t);
}

static void test_ids(void **state)
{
    (void)state;
    pd_hashtab t = {0};
    static const int64_t ids[] = {0, 1, -1, 2, INT64_MAX, INT64_MIN, 1000000007, 1LL << 40};
    size_t n = sizeof ids / sizeof *ids;
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pd_hashtab_put_id(&t, ids[i], (uint32_t)i), 0);
    assert_int_equal(t.n, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pd_hashtab_get_id(&t, ids[i]), i);
    assert_int_equal(pd_hashtab_get_id(&t, 3), PD_HASHTAB_NONE);
    assert_int_equal(pd_hashtab_get_id(&t, INT64_MAX - 1), PD_HASHTAB_NONE);
    /* replace */
    assert_int_equal(pd_hashtab_put_id(&t, 2, PD_HASHTAB_REF_MAX), 0);
    assert_int_equal(t.n, n);
    assert_int_equal(pd_hashtab_get_id(&t, 2), PD_HASHTAB_REF_MAX);
    assert_int_equal(pd_hashtab_put_id(&t, 2, PD_HASHTAB_REF_MAX + 1u), -1);
    pd_hashtab_free(&t);
}

/* A million ids, dense then sparse, put without a reserve (growing) and
 * with one (never growing); every one found, none of their neighbours. */
static void many(int64_t (*id_of)(size_t), int reserve)
{
    enum { N = 1000000 };
    pd_hashtab t = {0};
    if (reserve) {
        assert_int_equal(pd_hashtab_reserve(&t, N), 0);
    }
    pd_hslot *before = t.slot;
    for (size_t i = 0; i < N; i++)
        assert_int_equal(pd_hashtab_put_id(&t, id_of(i), (uint32_t)i), 0);
    if (reserve)
        assert_ptr_equal(t.slot, before);
    assert_int_equal(t.n, N);
    assert_true(t.mask + 1 >= 2 * (size_t)N);
    for (size_t i = 0; i < N; i++) {
        if (pd_hashtab_get_id(&t, id_of(i)) != i)
            fail_msg("id %lld lost", (long long)id_of(i));
        if (pd_hashtab_get_id(&t, id_of(i) + N * 7919LL) != PD_HASHTAB_NONE)
            fail_msg("id %lld found", (long long)(id_of(i) + N * 7919LL));
    }
    pd_hashtab_free(&t);
}

static int64_t dense(size_t i)
{
    return (int64_t)i + 1;
}

static int64_t sparse(size_t i)
{
    return (int64_t)(i * 1000003 + 17) << 12;
}

static void test_many_ids(void **state)
{
    (void)state;
    many(dense, 0);
    many(dense, 1);
    many(sparse, 0);
    many(sparse, 1);
}

/* Byte keys: words kept by the test, the table an index over them. */
struct words {
    char w[64][16];
    size_t n;
    const char *key;
};

static int same_word(const void *ctx, uint32_t ref)
{
    const struct words *ws = ctx;
    return strcmp(ws->w[ref], ws->key) == 0;
}

static long intern(pd_hashtab *t, struct words *ws, const char *word)
{
    assert_int_equal(pd_hashtab_reserve(t, t->n + 1), 0);
    uint64_t h = pd_hash_bytes(word, strlen(word));
    ws->key = word;
    size_t i = pd_hashtab_find(t, h, same_word, ws);
    if (pd_hashtab_used(t, i))
        return pd_hashtab_ref(t, i);
    snprintf(ws->w[ws->n], sizeof ws->w[ws->n], "%s", word);
    pd_hashtab_fill(t, i, h, (uint32_t)ws->n);
    return (long)ws->n++;
}

static void test_bytes(void **state)
{
    (void)state;
    pd_hashtab t = {0};
    struct words ws = {.n = 0};
    static const char *const in[] = {"beauty", "food",        "", "travel", "food", "Food",
                                     "beauty", "caf\xc3\xa9", "", "cafe"};
    static const long want[] = {0, 1, 2, 3, 1, 4, 0, 5, 2, 6};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        assert_int_equal(intern(&t, &ws, in[i]), want[i]);
    /* enough to grow several times */
    for (int i = 0; i < 57; i++) {
        char w[16];
        snprintf(w, sizeof w, "cat%d", i);
        assert_int_equal(intern(&t, &ws, w), 7 + i);
    }
    assert_int_equal(t.n, 64);
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        assert_int_equal(intern(&t, &ws, in[i]), want[i]);
    assert_int_equal(intern(&t, &ws, "cat56"), 63);
    pd_hashtab_free(&t);
}

/* Random adds and removes of 2,048 keys in a table of 4,096 slots (up to
 * half full, so that removals break long runs), the table checked against
 * an array of what it holds. */
struct model {
    int64_t key[2048];
    int in[2048];
};

static int same_key(const void *ctx, uint32_t ref)
{
    (void)ctx;
    (void)ref;
    return 1; /* the key's hash is a bijection of it: equal hash, equal key */
}

static void test_remove(void **state)
{
    (void)state;
    static struct model m;
    memset(&m, 0, sizeof m);
    pd_hashtab t = {0};
    assert_int_equal(pd_hashtab_reserve(&t, 2048), 0);
    for (int step = 0; step < 200000; step++) {
        uint32_t k = (uint32_t)(next_rand() % 2048);
        int64_t key = (int64_t)k * 4096;
        uint64_t h = pd_hash_id(key);
        size_t i = pd_hashtab_find(&t, h, same_key, NULL);
        assert_int_equal(pd_hashtab_used(&t, i), m.in[k]);
        if (m.in[k]) {
            assert_int_equal(pd_hashtab_ref(&t, i), k);
            if (next_rand() % 3) {
                pd_hashtab_remove_at(&t, i);
                m.in[k] = 0;
            }
        } else {
            pd_hashtab_fill(&t, i, h, k);
            m.in[k] = 1;
        }
        if (step % 4096 == 0) {
            size_t count = 0;
            for (uint32_t j = 0; j < 2048; j++) {
                uint32_t ref = pd_hashtab_get_id(&t, (int64_t)j * 4096);
                assert_int_equal(ref, m.in[j] ? j : PD_HASHTAB_NONE);
                count += (size_t)m.in[j];
            }
            assert_int_equal(t.n, count);
        }
    }
    pd_hashtab_free(&t);
}

static void test_hashes(void **state)
{
    (void)state;
    /* the mix is a bijection: no two of many inputs collide */
    enum { N = 1 << 16 };
    uint64_t *h = malloc(N * sizeof *h);
    assert_non_null(h);
    for (size_t i = 0; i < N; i++)
        h[i] = pd_hash_id((int64_t)i);
    pd_hashtab t = {0};
    for (size_t i = 0; i < N; i++)
        assert_int_equal(pd_hashtab_put_id(&t, (int64_t)i, (uint32_t)i), 0);
    assert_int_equal(t.n, N);
    pd_hashtab_free(&t);
    /* low bits spread: N consecutive ids hit more than 3N/4 of 2N slots */
    size_t used = 0;
    unsigned char *b = calloc(2 * N, 1);
    assert_non_null(b);
    for (size_t i = 0; i < N; i++)
        if (!b[h[i] & (2 * N - 1)]++)
            used++;
    assert_true(used > N * 3 / 4);
    free(b);
    free(h);
    /* bytes: FNV-1a then the mix; length counts, not a NUL */
    assert_int_equal(pd_hash_bytes("", 0), pd_hash_mix(1469598103934665603ULL));
    assert_true(pd_hash_bytes("a", 1) != pd_hash_bytes("a\0", 2));
    assert_true(pd_hash_bytes("ab", 2) != pd_hash_bytes("ba", 2));
    assert_int_equal(pd_hash_bytes("food", 4), pd_hash_bytes("food!", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),    cmocka_unit_test(test_ids),
        cmocka_unit_test(test_many_ids), cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_remove),   cmocka_unit_test(test_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
