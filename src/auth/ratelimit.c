/* ratelimit.c - see ratelimit.h.
 *
 * One table per count (pd_rl_kind). Each table is a fixed array of entries, a power-of-two array of
 * hash buckets chaining entries by index, a doubly linked recency list (most recent at the head,
 * eviction at the tail) and a free list. An entry holds the times of its last `max` counted
 * failures in a ring, oldest first: exactly what a sliding window with a limit of `max` needs to
 * know, since an older failure can no longer decide anything.
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
    table t[PD_RL_KINDS];
};

/* ---- keys --------------------------------------------------------------- */

static void account_key(const pd_ratelimit *rl, const char *name, uint8_t key[KEY_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, rl->secret, sizeof rl->secret, KEY_BYTES);
    pd_auth_hash_name(&st, name);
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

/* A key made of tagged parts: a pair of keys, or a device's identity. The
 * tag keeps the kinds apart even where their bytes would agree. */
static void joined_key(const pd_ratelimit *rl, unsigned char tag, const uint8_t *a, size_t alen,
                       const uint8_t *b, size_t blen, uint8_t key[KEY_BYTES])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, rl->secret, sizeof rl->secret, KEY_BYTES);
    crypto_generichash_update(&st, &tag, 1);
    crypto_generichash_update(&st, a, alen);
    if (blen)
        crypto_generichash_update(&st, b, blen);
    crypto_generichash_final(&st, key, KEY_BYTES);
}

/* The keys of who's counts: use[k] says which could be made (all four
 * fields given for a check; any for a query). */
typedef struct keys {
    uint8_t k[PD_RL_KINDS][KEY_BYTES];
    int use[PD_RL_KINDS];
} keys;

static void make_keys(const pd_ratelimit *rl, const pd_ratelimit_who *who, keys *ks)
{
    memset(ks->use, 0, sizeof ks->use);
    if (who->account) {
        account_key(rl, who->account, ks->k[PD_RL_ACCOUNT]);
        ks->use[PD_RL_ACCOUNT] = 1;
    }
    if (who->address) {
        address_key(rl, who->address, ks->k[PD_RL_ADDRESS]);
        ks->use[PD_RL_ADDRESS] = 1;
    }
    if (who->account && who->address) {
        joined_key(rl, 'p', ks->k[PD_RL_ACCOUNT], KEY_BYTES, ks->k[PD_RL_ADDRESS], KEY_BYTES,
                   ks->k[PD_RL_PAIR]);
        ks->use[PD_RL_PAIR] = 1;
    }
    if (who->device) {
        joined_key(rl, 'd', who->device, PD_RATELIMIT_DEVICE_BYTES, NULL, 0, ks->k[PD_RL_DEVICE]);
        ks->use[PD_RL_DEVICE] = 1;
    }
}

/* The counts a sign-in of who consults: its device's alone, or the other
 * three. */
static void consulted(const pd_ratelimit_who *who, keys *ks)
{
    for (int k = 0; k < PD_RL_KINDS; k++)
        ks->use[k] = who->device ? k == PD_RL_DEVICE : k != PD_RL_DEVICE;
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

static const char *const kind_names[PD_RL_KINDS] = {"pair", "account", "address", "device"};
static const unsigned default_failures[PD_RL_KINDS] = {
    PD_RATELIMIT_PAIR_FAILURES, PD_RATELIMIT_ACCOUNT_FAILURES, PD_RATELIMIT_ADDRESS_FAILURES,
    PD_RATELIMIT_DEVICE_FAILURES};
static const size_t default_slots[PD_RL_KINDS] = {
    PD_RATELIMIT_PAIR_SLOTS, PD_RATELIMIT_ACCOUNT_SLOTS, PD_RATELIMIT_ADDRESS_SLOTS,
    PD_RATELIMIT_DEVICE_SLOTS};
/* What a refusal says, before ": try again in N seconds". */
static const char *const refusal[PD_RL_KINDS] = {
    "too many failed sign-ins to this account from this address",
    "too many failed sign-ins to this account from clients that have not signed in to it "
    "before (one that has is not held back)",
    "too many failed sign-ins from this address",
    "too many failed sign-ins from this client",
};

static int setting(pd_error *err, pd_rl_kind k, const char *what, unsigned long long got,
                   long long max)
{
    return pd_error_set(err, PD_EINPUT, "rate limit setting %s_%s must be 1 to %lld, not %llu",
                        kind_names[k], what, max, got);
}

static void free_tables(pd_ratelimit *rl)
{
    for (int k = 0; k < PD_RL_KINDS; k++)
        table_free(&rl->t[k]);
}

int pd_ratelimit_new(const pd_ratelimit_config *c, pd_ratelimit **out, pd_error *err)
{
    *out = NULL;
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    pd_ratelimit_config k = c ? *c : (pd_ratelimit_config){0};
    for (int i = 0; i < PD_RL_KINDS; i++) {
        if (!k.failures[i])
            k.failures[i] = default_failures[i];
        if (!k.slots[i])
            k.slots[i] = default_slots[i];
        if (k.failures[i] > PD_RATELIMIT_FAILURES_MAX)
            return setting(err, (pd_rl_kind)i, "failures", k.failures[i],
                           PD_RATELIMIT_FAILURES_MAX);
        if (k.slots[i] > PD_RATELIMIT_SLOTS_MAX)
            return setting(err, (pd_rl_kind)i, "slots", k.slots[i], PD_RATELIMIT_SLOTS_MAX);
    }
    if (!k.window_seconds)
        k.window_seconds = PD_RATELIMIT_WINDOW_SECONDS;
    if (k.window_seconds < 1 || k.window_seconds > PD_RATELIMIT_WINDOW_MAX)
        return pd_error_set(err, PD_EINPUT,
                            "rate limit setting window_seconds must be 1 to %d, not %lld",
                            PD_RATELIMIT_WINDOW_MAX, (long long)k.window_seconds);

    pd_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return pd_error_set(err, PD_ENOMEM, "no memory for the login rate limiter");
    for (int i = 0; i < PD_RL_KINDS; i++) {
        if (table_init(&rl->t[i], k.slots[i], k.failures[i]) != 0) {
            free_tables(rl);
            free(rl);
            return pd_error_set(err, PD_ENOMEM,
                                "no memory for the login rate limiter (%zu %s entries)", k.slots[i],
                                kind_names[i]);
        }
    }
    if (pthread_mutex_init(&rl->lock, NULL) != 0) {
        free_tables(rl);
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
    free_tables(rl);
    sodium_memzero(rl->secret, sizeof rl->secret);
    free(rl);
}

int pd_ratelimit_check(pd_ratelimit *rl, const pd_ratelimit_who *who, int64_t now,
                       int64_t *wait_seconds, pd_error *err)
{
    if (wait_seconds)
        *wait_seconds = 0;
    if (!who->account || !who->address)
        return pd_error_set(err, PD_EINTERNAL, "rate limit check without an account or address");
    keys ks;
    make_keys(rl, who, &ks);
    consulted(who, &ks);

    uint32_t at[PD_RL_KINDS];
    int64_t wait[PD_RL_KINDS] = {0}, most = 0;
    pthread_mutex_lock(&rl->lock);
    /* Entries are made (or refreshed) even for a refusal: someone still
     * hammering a locked account keeps it from being the first evicted. */
    for (int k = 0; k < PD_RL_KINDS; k++)
        if (ks.use[k]) {
            at[k] = find_or_add(&rl->t[k], ks.k[k]);
            wait[k] = wait_of(&rl->t[k], at[k], now, rl->window);
            if (wait[k] > most)
                most = wait[k];
        }
    for (int k = 0; k < PD_RL_KINDS; k++) {
        if (!ks.use[k])
            continue;
        if (most == 0)
            add_failure(&rl->t[k], at[k], now);
        else if (rl->t[k].e[at[k]].n == 0)
            remove_entry(&rl->t[k], at[k]); /* no empty entry kept for a refusal */
    }
    pthread_mutex_unlock(&rl->lock);

    if (most == 0)
        return PD_OK;
    if (wait_seconds)
        *wait_seconds = most;
    int k = 0;
    while (wait[k] != most)
        k++;
    return pd_error_set(err, PD_EBUSY, "%s: try again in %lld %s", refusal[k], (long long)most,
                        most == 1 ? "second" : "seconds");
}

/* Takes back the newest counted failure of entry i (this attempt's). */
static void withdraw(table *t, uint32_t i, int64_t now, int64_t window)
{
    expire(t, i, now, window);
    if (t->e[i].n > 0)
        t->e[i].n--;
    if (t->e[i].n == 0)
        remove_entry(t, i);
}

void pd_ratelimit_success(pd_ratelimit *rl, const pd_ratelimit_who *who, int64_t now)
{
    if (!who->account || !who->address)
        return;
    keys ks;
    make_keys(rl, who, &ks);
    consulted(who, &ks);
    pthread_mutex_lock(&rl->lock);
    for (int k = 0; k < PD_RL_KINDS; k++) {
        uint32_t i = ks.use[k] ? find(&rl->t[k], ks.k[k]) : NIL;
        if (i == NIL)
            continue;
        if (k == PD_RL_PAIR || k == PD_RL_DEVICE)
            remove_entry(&rl->t[k], i); /* this client's own failures: forgotten */
        else
            withdraw(&rl->t[k], i, now, rl->window); /* others' still count */
    }
    pthread_mutex_unlock(&rl->lock);
}

void pd_ratelimit_failures(pd_ratelimit *rl, const pd_ratelimit_who *who, int64_t now,
                           unsigned out[PD_RL_KINDS])
{
    keys ks;
    make_keys(rl, who, &ks);
    pthread_mutex_lock(&rl->lock);
    for (int k = 0; k < PD_RL_KINDS; k++) {
        uint32_t i = ks.use[k] ? find(&rl->t[k], ks.k[k]) : NIL;
        out[k] = i == NIL ? 0 : counting(&rl->t[k], i, now, rl->window);
    }
    pthread_mutex_unlock(&rl->lock);
}

void pd_ratelimit_usage(pd_ratelimit *rl, size_t used[PD_RL_KINDS], size_t slots[PD_RL_KINDS])
{
    pthread_mutex_lock(&rl->lock);
    for (int k = 0; k < PD_RL_KINDS; k++) {
        if (used)
            used[k] = rl->t[k].used;
        if (slots)
            slots[k] = rl->t[k].slots;
    }
    pthread_mutex_unlock(&rl->lock);
}
