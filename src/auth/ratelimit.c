/* ratelimit.c - see ratelimit.h.
 *
 * Each table is a fixed array of entries, a power-of-two array of hash
 * buckets chaining entries by index, a doubly linked recency list (most
 * recent at the head, eviction at the tail) and a free list. An entry holds
 * the times of its last `max` counted failures in a ring, oldest first:
 * exactly what a sliding window with a limit of `max` needs to know, since
 * an older failure can no longer decide anything.
 */
#include "auth/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"

#define NIL UINT32_MAX
#define KEY_BYTES 16

typedef struct entry {
    uint8_t key[KEY_BYTES];
    uint32_t chain; /* next in the bucket, or in the free list */
    uint32_t newer; /* recency list neighbours                 */
    uint32_t older;
    uint32_t first; /* ring index of the oldest counted failure */
    uint32_t n;     /* failures in the ring                      */
} entry;

typedef struct table {
    entry *e;
    int64_t *times;    /* slots * max: entry i's ring at times + i * max */
    uint32_t *bucket;  /* nbuckets heads                                 */
    uint32_t nbuckets; /* a power of two, at least slots                 */
    uint32_t slots, used;
    uint32_t max; /* failures allowed per window                    */
    uint32_t newest, oldest, free;
} table;

struct pd_ratelimit {
    pthread_mutex_t lock;
    int64_t window;
    uint8_t secret[crypto_generichash_KEYBYTES]; /* keys the entry hashes */
    table account, address;
};

/* ---- keys --------------------------------------------------------------- */

static void account_key(const pd_ratelimit *rl, const char *name, uint8_t key[KEY_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, rl->secret, sizeof rl->secret, KEY_BYTES);
    unsigned char chunk[64];
    size_t k = 0;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        chunk[k++] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
        if (k == sizeof chunk) {
            crypto_generichash_update(&st, chunk, k);
            k = 0;
        }
    }
    crypto_generichash_update(&st, chunk, k);
    crypto_generichash_final(&st, key, KEY_BYTES);
}

static void address_key(const pd_ratelimit *rl, const char *addr, uint8_t key[KEY_BYTES])
{
    /* A tag byte keeps the three forms apart: 4 IPv4, 6 an IPv6 /64, 0 text. */
    unsigned char buf[1 + 16];
    const unsigned char *in = buf;
    size_t len;
    unsigned char v6[16];
    if (inet_pton(AF_INET, addr, buf + 1) == 1) {
        buf[0] = 4, len = 1 + 4;
    } else if (inet_pton(AF_INET6, addr, v6) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(v6, mapped, sizeof mapped) == 0) {
            buf[0] = 4, len = 1 + 4;
            memcpy(buf + 1, v6 + 12, 4);
        } else {
            buf[0] = 6, len = 1 + 8;
            memcpy(buf + 1, v6, 8);
        }
    } else {
        crypto_generichash_state st;
        crypto_generichash_init(&st, rl->secret, sizeof rl->secret, KEY_BYTES);
        crypto_generichash_update(&st, (const unsigned char *)"", 1); /* tag 0 */
        crypto_generichash_update(&st, (const unsigned char *)addr, strlen(addr));
        crypto_generichash_final(&st, key, KEY_BYTES);
        return;
    }
    crypto_generichash(key, KEY_BYTES, in, len, rl->secret, sizeof rl->secret);
}

/* ---- tables ------------------------------------------------------------- */

static int table_init(table *t, size_t slots, unsigned max)
{
    memset(t, 0, sizeof *t);
    uint32_t nb = 1;
    while (nb < slots)
        nb <<= 1;
    t->e = calloc(slots, sizeof *t->e);
    t->times = calloc(slots, (size_t)max * sizeof *t->times);
    t->bucket = malloc((size_t)nb * sizeof *t->bucket);
    if (!t->e || !t->times || !t->bucket)
        return -1;
    t->nbuckets = nb;
    t->slots = (uint32_t)slots;
    t->max = max;
    for (uint32_t i = 0; i < nb; i++)
        t->bucket[i] = NIL;
    for (uint32_t i = 0; i < t->slots; i++)
        t->e[i].chain = i + 1 < t->slots ? i + 1 : NIL;
    t->free = 0;
    t->newest = t->oldest = NIL;
    return 0;
}

static void table_free(table *t)
{
    free(t->e);
    free(t->times);
    free(t->bucket);
}

static uint32_t bucket_of(const table *t, const uint8_t key[KEY_BYTES])
{
    uint32_t h;
    memcpy(&h, key, sizeof h);
    return h & (t->nbuckets - 1);
}

static uint32_t find(const table *t, const uint8_t key[KEY_BYTES])
{
    for (uint32_t i = t->bucket[bucket_of(t, key)]; i != NIL; i = t->e[i].chain)
        if (memcmp(t->e[i].key, key, KEY_BYTES) == 0)
            return i;
    return NIL;
}

static void recency_unlink(table *t, uint32_t i)
{
    entry *e = &t->e[i];
    if (e->newer != NIL)
        t->e[e->newer].older = e->older;
    else
        t->newest = e->older;
    if (e->older != NIL)
        t->e[e->older].newer = e->newer;
    else
        t->oldest = e->newer;
}

static void recency_push(table *t, uint32_t i)
{
    entry *e = &t->e[i];
    e->newer = NIL;
    e->older = t->newest;
    if (t->newest != NIL)
        t->e[t->newest].newer = i;
    t->newest = i;
    if (t->oldest == NIL)
        t->oldest = i;
}

static void touch(table *t, uint32_t i)
{
    if (t->newest != i) {
        recency_unlink(t, i);
        recency_push(t, i);
    }
}

static void remove_entry(table *t, uint32_t i)
{
    uint32_t *link = &t->bucket[bucket_of(t, t->e[i].key)];
    while (*link != i)
        link = &t->e[*link].chain;
    *link = t->e[i].chain;
    recency_unlink(t, i);
    t->e[i].chain = t->free;
    t->free = i;
    t->used--;
}

/* The entry for key, made (and the least recently used one dropped if the
 * table is full) when there is none. */
static uint32_t find_or_add(table *t, const uint8_t key[KEY_BYTES])
{
    uint32_t i = find(t, key);
    if (i != NIL) {
        touch(t, i);
        return i;
    }
    if (t->free == NIL)
        remove_entry(t, t->oldest);
    i = t->free;
    t->free = t->e[i].chain;
    entry *e = &t->e[i];
    memcpy(e->key, key, KEY_BYTES);
    e->first = e->n = 0;
    uint32_t b = bucket_of(t, key);
    e->chain = t->bucket[b];
    t->bucket[b] = i;
    recency_push(t, i);
    t->used++;
    return i;
}

static int64_t *ring(const table *t, uint32_t i)
{
    return t->times + (size_t)i * t->max;
}

/* Drops the failures made `window` or more seconds before now. */
static void expire(table *t, uint32_t i, int64_t now, int64_t window)
{
    entry *e = &t->e[i];
    const int64_t *r = ring(t, i);
    while (e->n > 0 && now - r[e->first] >= window) {
        e->first = (e->first + 1) % t->max;
        e->n--;
    }
}

/* How many failures count at now, without changing anything. */
static unsigned counting(const table *t, uint32_t i, int64_t now, int64_t window)
{
    const entry *e = &t->e[i];
    const int64_t *r = ring(t, i);
    unsigned n = 0;
    for (uint32_t k = 0; k < e->n; k++)
        if (now - r[(e->first + k) % t->max] < window)
            n++;
    return n;
}

static void add_failure(table *t, uint32_t i, int64_t now)
{
    entry *e = &t->e[i];
    int64_t *r = ring(t, i);
    if (e->n < t->max) {
        r[(e->first + e->n) % t->max] = now;
        e->n++;
    } else { /* cannot happen after a check; keep the newest max anyway */
        r[e->first] = now;
        e->first = (e->first + 1) % t->max;
    }
}

/* Seconds until entry i allows one more failure at now; 0 if it does now. */
static int64_t wait_of(table *t, uint32_t i, int64_t now, int64_t window)
{
    expire(t, i, now, window);
    if (t->e[i].n < t->max)
        return 0;
    int64_t w = ring(t, i)[t->e[i].first] + window - now;
    /* A clock that went back leaves failures in the future: still wait at
     * most one window. */
    return w < 1 ? 1 : w > window ? window : w;
}

/* ---- the limiter -------------------------------------------------------- */

static int setting(pd_error *err, const char *name, const char *got, long long max)
{
    return pd_error_set(err, PD_EINPUT, "rate limit setting %s must be 1 to %lld, not %s", name,
                        max, got);
}

int pd_ratelimit_new(const pd_ratelimit_config *c, pd_ratelimit **out, pd_error *err)
{
    *out = NULL;
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    pd_ratelimit_config k = c ? *c : (pd_ratelimit_config){0};
    if (!k.account_failures)
        k.account_failures = PD_RATELIMIT_ACCOUNT_FAILURES;
    if (!k.address_failures)
        k.address_failures = PD_RATELIMIT_ADDRESS_FAILURES;
    if (!k.window_seconds)
        k.window_seconds = PD_RATELIMIT_WINDOW_SECONDS;
    if (!k.account_slots)
        k.account_slots = PD_RATELIMIT_ACCOUNT_SLOTS;
    if (!k.address_slots)
        k.address_slots = PD_RATELIMIT_ADDRESS_SLOTS;
    char got[32];
    if (k.account_failures > PD_RATELIMIT_FAILURES_MAX) {
        snprintf(got, sizeof got, "%u", k.account_failures);
        return setting(err, "account_failures", got, PD_RATELIMIT_FAILURES_MAX);
    }
    if (k.address_failures > PD_RATELIMIT_FAILURES_MAX) {
        snprintf(got, sizeof got, "%u", k.address_failures);
        return setting(err, "address_failures", got, PD_RATELIMIT_FAILURES_MAX);
    }
    if (k.window_seconds < 1 || k.window_seconds > PD_RATELIMIT_WINDOW_MAX) {
        snprintf(got, sizeof got, "%lld", (long long)k.window_seconds);
        return setting(err, "window_seconds", got, PD_RATELIMIT_WINDOW_MAX);
    }
    if (k.account_slots > PD_RATELIMIT_SLOTS_MAX) {
        snprintf(got, sizeof got, "%zu", k.account_slots);
        return setting(err, "account_slots", got, PD_RATELIMIT_SLOTS_MAX);
    }
    if (k.address_slots > PD_RATELIMIT_SLOTS_MAX) {
        snprintf(got, sizeof got, "%zu", k.address_slots);
        return setting(err, "address_slots", got, PD_RATELIMIT_SLOTS_MAX);
    }

    pd_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return pd_error_set(err, PD_ENOMEM, "no memory for the login rate limiter");
    if (table_init(&rl->account, k.account_slots, k.account_failures) != 0 ||
        table_init(&rl->address, k.address_slots, k.address_failures) != 0) {
        table_free(&rl->account);
        table_free(&rl->address);
        free(rl);
        return pd_error_set(err, PD_ENOMEM,
                            "no memory for the login rate limiter (%zu accounts, %zu addresses)",
                            k.account_slots, k.address_slots);
    }
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        table_free(&rl->account);
        table_free(&rl->address);
        free(rl);
        return pd_error_set(err, PD_EINTERNAL, "cannot make the rate limiter's mutex");
    }
    rl->window = k.window_seconds;
    randombytes_buf(rl->secret, sizeof rl->secret);
    *out = rl;
    return PD_OK;
}

void pd_ratelimit_free(pd_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    table_free(&rl->account);
    table_free(&rl->address);
    sodium_memzero(rl->secret, sizeof rl->secret);
    free(rl);
}

int pd_ratelimit_check(pd_ratelimit *rl, const char *account, const char *address, int64_t now,
                       int64_t *wait_seconds, pd_error *err)
{
    if (wait_seconds)
        *wait_seconds = 0;
    if (!account || !address)
        return pd_error_set(err, PD_EINTERNAL, "rate limit check without an account or address");
    uint8_t ak[KEY_BYTES], dk[KEY_BYTES];
    account_key(rl, account, ak);
    address_key(rl, address, dk);

    pthread_mutex_lock(&rl->lock);
    /* Entries are made (or refreshed) even for a refusal: someone still
     * hammering a locked account keeps it from being the first evicted. */
    uint32_t a = find_or_add(&rl->account, ak);
    uint32_t d = find_or_add(&rl->address, dk);
    int64_t wa = wait_of(&rl->account, a, now, rl->window);
    int64_t wd = wait_of(&rl->address, d, now, rl->window);
    if (wa == 0 && wd == 0) {
        add_failure(&rl->account, a, now);
        add_failure(&rl->address, d, now);
    } else {
        /* Do not keep empty entries made just for this refusal. */
        if (rl->account.e[a].n == 0)
            remove_entry(&rl->account, a);
        if (rl->address.e[d].n == 0)
            remove_entry(&rl->address, d);
    }
    pthread_mutex_unlock(&rl->lock);

    if (wa == 0 && wd == 0)
        return PD_OK;
    int64_t w = wa > wd ? wa : wd;
    if (wait_seconds)
        *wait_seconds = w;
    const char *unit = w == 1 ? "second" : "seconds";
    if (wa >= wd)
        return pd_error_set(err, PD_EBUSY,
                            "too many failed logins for this account: try again in %lld %s",
                            (long long)w, unit);
    return pd_error_set(err, PD_EBUSY,
                        "too many failed logins from this address: try again in %lld %s",
                        (long long)w, unit);
}

void pd_ratelimit_success(pd_ratelimit *rl, const char *account, const char *address, int64_t now)
{
    if (!account || !address)
        return;
    uint8_t ak[KEY_BYTES], dk[KEY_BYTES];
    account_key(rl, account, ak);
    address_key(rl, address, dk);

    pthread_mutex_lock(&rl->lock);
    uint32_t a = find(&rl->account, ak);
    if (a != NIL)
        remove_entry(&rl->account, a);
    uint32_t d = find(&rl->address, dk);
    if (d != NIL) {
        expire(&rl->address, d, now, rl->window);
        entry *e = &rl->address.e[d];
        if (e->n > 0)
            e->n--; /* the newest: this attempt's advance count */
        if (e->n == 0)
            remove_entry(&rl->address, d);
    }
    pthread_mutex_unlock(&rl->lock);
}

void pd_ratelimit_failures(pd_ratelimit *rl, const char *account, const char *address, int64_t now,
                           unsigned *account_failures, unsigned *address_failures)
{
    uint8_t ak[KEY_BYTES], dk[KEY_BYTES];
    if (account)
        account_key(rl, account, ak);
    if (address)
        address_key(rl, address, dk);
    pthread_mutex_lock(&rl->lock);
    if (account_failures) {
        uint32_t a = account ? find(&rl->account, ak) : NIL;
        *account_failures = a == NIL ? 0 : counting(&rl->account, a, now, rl->window);
    }
    if (address_failures) {
        uint32_t d = address ? find(&rl->address, dk) : NIL;
        *address_failures = d == NIL ? 0 : counting(&rl->address, d, now, rl->window);
    }
    pthread_mutex_unlock(&rl->lock);
}

void pd_ratelimit_usage(pd_ratelimit *rl, size_t *accounts, size_t *account_slots,
                        size_t *addresses, size_t *address_slots)
{
    pthread_mutex_lock(&rl->lock);
    if (accounts)
        *accounts = rl->account.used;
    if (account_slots)
        *account_slots = rl->account.slots;
    if (addresses)
        *addresses = rl->address.used;
    if (address_slots)
        *address_slots = rl->address.slots;
    pthread_mutex_unlock(&rl->lock);
}
