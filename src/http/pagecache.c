/* pagecache.c - see pagecache.h. */
#include "http/pagecache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/hashtab.h"

#define WAYS 4

typedef struct entry {
    uint64_t hash;     /* of key and owner                          */
    const void *owner; /* NULL: an empty slot                       */
    uint64_t version;
    uint64_t used; /* the cache's tick when last found or kept  */
    char *mem;     /* key bytes, then body bytes (one malloc)   */
    size_t klen, len;
} entry;

struct pd_pagecache {
    pthread_mutex_t mu;
    size_t nsets, body_max;
    uint64_t tick, hits, misses; /* under mu */
    entry *e;                    /* nsets * WAYS */
};

pd_pagecache *pd_pagecache_new(size_t slots, size_t body_max)
{
    pd_pagecache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nsets = slots < WAYS ? 1 : (slots + WAYS - 1) / WAYS;
    c->body_max = body_max;
    c->e = calloc(c->nsets * WAYS, sizeof *c->e);
    if (!c->e || pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c->e);
        free(c);
        return NULL;
    }
    return c;
}

void pd_pagecache_free(pd_pagecache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nsets * WAYS; i++)
        free(c->e[i].mem);
    free(c->e);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* The key's hash (util/hashtab.h) with the owner's address mixed in, so
 * that the pages of different connections fall into different sets. The
 * sets are not util/hashtab.h's table: a cache of fixed size forgets the
 * least used page of a full set, where a table would grow. */
static uint64_t hash_of(const void *owner, const char *key, size_t klen)
{
    return pd_hash_mix(pd_hash_bytes(key, klen) ^ (uint64_t)(uintptr_t)owner);
}

static int same_page(const entry *x, uint64_t h, const void *owner, const char *key, size_t klen)
{
    return x->owner == owner && x->hash == h && x->klen == klen && memcmp(x->mem, key, klen) == 0;
}

/* The entry for (owner, version, key), under c->mu, counted as a hit or
 * a miss; NULL when there is none. */
static entry *find(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                   size_t klen)
{
    uint64_t h = hash_of(owner, key, klen);
    entry *set = &c->e[(h % c->nsets) * WAYS];
    for (int i = 0; i < WAYS; i++) {
        entry *x = &set[i];
        if (x->version == version && same_page(x, h, owner, key, klen)) {
            x->used = ++c->tick;
            c->hits++;
            return x;
        }
    }
    c->misses++;
    return NULL;
}

int pd_pagecache_get(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                     size_t klen, pd_jsonw *w)
{
    pthread_mutex_lock(&c->mu);
    entry *x = find(c, owner, version, key, klen);
    if (x)
        pd_jsonw_raw(w, x->mem + klen, x->len);
    pthread_mutex_unlock(&c->mu);
    return x != NULL;
}

int pd_pagecache_copy(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                      size_t klen, void *out, size_t len)
{
    pthread_mutex_lock(&c->mu);
    entry *x = find(c, owner, version, key, klen);
    int found = x && x->len == len;
    if (found)
        memcpy(out, x->mem + klen, len);
    pthread_mutex_unlock(&c->mu);
    return found;
}

void pd_pagecache_put(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                      size_t klen, const char *body, size_t len)
{
    if (!owner || len == 0 || len > c->body_max)
        return;
    char *mem = malloc(klen + len);
    if (!mem)
        return;
    memcpy(mem, key, klen);
    memcpy(mem + klen, body, len);
    uint64_t h = hash_of(owner, key, klen);
    entry *set = &c->e[(h % c->nsets) * WAYS];
    pthread_mutex_lock(&c->mu);
    /* The page's older version, else an empty slot, else the least used. */
    entry *v = NULL;
    for (int i = 0; i < WAYS && !v; i++)
        if (same_page(&set[i], h, owner, key, klen))
            v = &set[i];
    for (int i = 0; i < WAYS && !v; i++)
        if (!set[i].owner)
            v = &set[i];
    if (!v) {
        v = &set[0];
        for (int i = 1; i < WAYS; i++)
            if (set[i].used < v->used)
                v = &set[i];
    }
    char *old = v->mem;
    *v = (entry){.hash = h,
                 .owner = owner,
                 .version = version,
                 .used = ++c->tick,
                 .mem = mem,
                 .klen = klen,
                 .len = len};
    pthread_mutex_unlock(&c->mu);
    free(old);
}

void pd_pagecache_stats(pd_pagecache *c, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&c->mu);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}
