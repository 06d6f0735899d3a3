/* hashtab.c - see hashtab.h. */
#include "util/hashtab.h"

#include <stdlib.h>

int pd_hashtab_grow(pd_hashtab *t, size_t n)
{
    if (n > PD_HASHTAB_REF_MAX)
        return -1;
    size_t want = 16;
    while (want < 2 * n)
        want *= 2;
    if (t->slot && t->mask + 1 >= want)
        return 0;
    pd_hslot *slot = calloc(want, sizeof *slot);
    if (!slot)
        return -1;
    size_t mask = want - 1;
    if (t->slot) {
        for (size_t i = 0; i <= t->mask; i++) {
            if (!t->slot[i].ref1)
                continue;
            size_t j = (size_t)t->slot[i].hash & mask;
            while (slot[j].ref1)
                j = (j + 1) & mask;
            slot[j] = t->slot[i];
        }
        free(t->slot);
    }
    t->slot = slot;
    t->mask = mask;
    return 0;
}

void pd_hashtab_free(pd_hashtab *t)
{
    free(t->slot);
    t->slot = NULL;
    t->mask = 0;
    t->n = 0;
}

void pd_hashtab_remove_at(pd_hashtab *t, size_t i)
{
    t->slot[i].ref1 = 0;
    t->n--;
    /* Knuth's algorithm R: an entry after the hole moves into it unless its
     * home slot lies cyclically within (hole, j], where it is still found. */
    size_t hole = i;
    for (size_t j = (i + 1) & t->mask; t->slot[j].ref1; j = (j + 1) & t->mask) {
        size_t home = (size_t)t->slot[j].hash & t->mask;
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            t->slot[hole] = t->slot[j];
            t->slot[j].ref1 = 0;
            hole = j;
        }
    }
}

int pd_hashtab_put_id(pd_hashtab *t, int64_t id, uint32_t ref)
{
    if (ref > PD_HASHTAB_REF_MAX || pd_hashtab_reserve(t, t->n + 1) < 0)
        return -1;
    uint64_t h = pd_hash_id(id);
    size_t i = (size_t)h & t->mask;
    while (t->slot[i].ref1 && t->slot[i].hash != h)
        i = (i + 1) & t->mask;
    if (!t->slot[i].ref1)
        t->n++;
    t->slot[i].hash = h;
    t->slot[i].ref1 = ref + 1;
    return 0;
}
