/*
 * hashtab.h - the one hash table of partnerd: open addressing with linear
 * probing over a power-of-two array of slots, kept at most half full, and
 * one hash function (pd_hash_mix, with FNV-1a folding bytes into it first).
 *
 * A table is an index: each slot holds a 64-bit hash and a 32-bit reference
 * (ref) to an entry the caller keeps, usually the entry's position in the
 * caller's array. Storing the whole hash means growing and removing never
 * call back into the caller, and a lookup compares the caller's key only
 * when all 64 bits of the hash agree.
 *
 * Two kinds of key:
 *   - whole numbers (creator ids): pd_hash_id is a bijection of the 64 bits,
 *     so equal hashes mean equal ids and the table alone answers
 *     (pd_hashtab_get_id, pd_hashtab_put_id); nothing else is kept;
 *   - bytes (category names, client addresses): the caller hashes with
 *     pd_hash_bytes and says, in pd_hashtab_find's `same`, whether the entry
 *     at a ref is its key.
 *
 *   pd_hashtab t;                              // zeroed: an empty table
 *   pd_hashtab_reserve(&t, n);                 // room for n without growing
 *   size_t i = pd_hashtab_find(&t, h, same, &key);
 *   if (pd_hashtab_used(&t, i)) ... t.slot[i].ref ...
 *   else pd_hashtab_fill(&t, i, h, ref);       // after reserve(t.n + 1)
 *
 * Lookups are inline and touch one 16-byte slot per probe. A table is plain
 * data, not thread-safe for writes; lookups in a table no one writes may run
 * in any number of threads. Memory: the table owns its slots (free with
 * pd_hashtab_free), never the entries.
 */
#ifndef PD_HASHTAB_H
#define PD_HASHTAB_H

#include <stddef.h>
#include <stdint.h>

/* The finishing mix of every hash (MurmurHash3's fmix64 without its last
 * round): invertible, so distinct inputs give distinct outputs. */
static inline uint64_t pd_hash_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* The hash of a whole-number key: a bijection, see above. */
static inline uint64_t pd_hash_id(int64_t id)
{
    return pd_hash_mix((uint64_t)id);
}

/* The hash of p[0..n): FNV-1a over the bytes, then pd_hash_mix (FNV's low
 * bits, which pick the slot, are weak alone). */
static inline uint64_t pd_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return pd_hash_mix(h);
}

typedef struct pd_hslot {
    uint64_t hash;
    uint32_t ref1; /* the entry's ref + 1; 0: an empty slot */
} pd_hslot;

typedef struct pd_hashtab {
    pd_hslot *slot; /* mask + 1 slots, or NULL before the first reserve */
    size_t mask;
    size_t n; /* slots in use */
} pd_hashtab;

/* The largest ref a table holds, and the answer "no such key". */
#define PD_HASHTAB_REF_MAX (UINT32_MAX - 1)
#define PD_HASHTAB_NONE UINT32_MAX

/* The slow part of pd_hashtab_reserve: allocates a larger array and moves
 * the slots into it. */
int pd_hashtab_grow(pd_hashtab *t, size_t n);

/* Makes room for n entries in all (the table at most half full), growing
 * when needed. 0, or -1 when out of memory or n is too large (the table is
 * then unchanged). Inline: callers ask before each insertion. */
static inline int pd_hashtab_reserve(pd_hashtab *t, size_t n)
{
    if (t->slot && n <= (t->mask + 1) / 2)
        return 0;
    return pd_hashtab_grow(t, n);
}

/* Frees the slots; t is an empty table again. */
void pd_hashtab_free(pd_hashtab *t);

static inline int pd_hashtab_used(const pd_hashtab *t, size_t i)
{
    return t->slot[i].ref1 != 0;
}

/* The slot of the entry with hash h for which same(ctx, ref) is true, or the
 * empty slot where it would go. The table must hold a slot (reserve first).
 * `same` is asked only about entries whose whole hash is h. */
static inline size_t pd_hashtab_find(const pd_hashtab *t, uint64_t h,
                                     int (*same)(const void *ctx, uint32_t ref), const void *ctx)
{
    size_t i = (size_t)h & t->mask;
    while (t->slot[i].ref1) {
        if (t->slot[i].hash == h && same(ctx, t->slot[i].ref1 - 1))
            return i;
        i = (i + 1) & t->mask;
    }
    return i;
}

/* Puts (h, ref) in the empty slot i that pd_hashtab_find gave, with no
 * reserve between them. The caller has reserved room for t->n + 1. */
static inline void pd_hashtab_fill(pd_hashtab *t, size_t i, uint64_t h, uint32_t ref)
{
    t->slot[i].hash = h;
    t->slot[i].ref1 = ref + 1;
    t->n++;
}

/* The ref in used slot i. */
static inline uint32_t pd_hashtab_ref(const pd_hashtab *t, size_t i)
{
    return t->slot[i].ref1 - 1;
}

/* Empties used slot i, moving back the entries after it that could no
 * longer be found (no tombstones: the table never fills with them). */
void pd_hashtab_remove_at(pd_hashtab *t, size_t i);

/* ---- whole-number keys ---------------------------------------------------- */

/* The ref kept for id, or PD_HASHTAB_NONE. The table must have slots
 * (reserve first, even for none). The hot path of certify (a lookup per
 * post): the hash is compared first, the slot read once, nothing else. */
static inline uint32_t pd_hashtab_get_id(const pd_hashtab *t, int64_t id)
{
    uint64_t h = pd_hash_id(id);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        const pd_hslot *s = &t->slot[i];
        if (s->hash == h && s->ref1)
            return s->ref1 - 1;
        if (!s->ref1)
            return PD_HASHTAB_NONE;
        i = (i + 1) & t->mask;
    }
}

/* Keeps ref (at most PD_HASHTAB_REF_MAX) for id, replacing what was kept.
 * 0, or -1 when out of memory. */
int pd_hashtab_put_id(pd_hashtab *t, int64_t id, uint32_t ref);

#endif
