/* peers.c - see peers.h. Open addressing with linear probing over a
 * power-of-two table at least twice the connections it may count, so a
 * probe is short; removal shifts the following entries back (no
 * tombstones, so the table never fills with them). */
#include "http/peers.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct slot {
    pd_peer_key key;
    unsigned count; /* 0: empty */
} slot;

struct pd_peers {
    slot *slots;
    size_t mask; /* size - 1 */
    size_t max_open, open, clients;
};

pd_peers *pd_peers_new(size_t max_open)
{
    if (max_open == 0 || max_open > SIZE_MAX / 4 / sizeof(slot))
        return NULL;
    size_t size = 16;
    while (size < 2 * max_open)
        size *= 2;
    pd_peers *p = calloc(1, sizeof *p);
    if (!p || !(p->slots = calloc(size, sizeof *p->slots))) {
        free(p);
        return NULL;
    }
    p->mask = size - 1;
    p->max_open = max_open;
    return p;
}

void pd_peers_free(pd_peers *p)
{
    if (p) {
        free(p->slots);
        free(p);
    }
}

int pd_peer_key_of(const void *sa, size_t len, pd_peer_key *key)
{
    memset(key, 0, sizeof *key);
    const struct sockaddr *s = sa;
    if (s && len >= sizeof(struct sockaddr_in) && s->sa_family == AF_INET) {
        const struct sockaddr_in *a4 = sa;
        key->b[10] = key->b[11] = 0xff; /* ::ffff:a.b.c.d */
        memcpy(key->b + 12, &a4->sin_addr, 4);
        return 0;
    }
    if (s && len >= sizeof(struct sockaddr_in6) && s->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = sa;
        const unsigned char *b = a6->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, mapped, sizeof mapped) == 0)
            memcpy(key->b, b, 16); /* an IPv4 client: its whole address */
        else
            memcpy(key->b, b, 8); /* the /64 */
        return 0;
    }
    return -1;
}

/* FNV-1a over the 16 bytes. */
static size_t hash(const pd_peer_key *k)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof k->b; i++) {
        h ^= k->b[i];
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const pd_peers *p, const pd_peer_key *key)
{
    size_t i = hash(key) & p->mask;
    while (p->slots[i].count && memcmp(&p->slots[i].key, key, sizeof *key) != 0)
        i = (i + 1) & p->mask;
    return i;
}

unsigned pd_peers_add(pd_peers *p, const pd_peer_key *key)
{
    if (p->open >= p->max_open)
        return 0;
    slot *s = &p->slots[find(p, key)];
    if (!s->count) {
        s->key = *key;
        p->clients++;
    }
    p->open++;
    return ++s->count;
}

void pd_peers_remove(pd_peers *p, const pd_peer_key *key)
{
    size_t i = find(p, key);
    if (!p->slots[i].count)
        return;
    p->open--;
    if (--p->slots[i].count)
        return;
    p->clients--;
    /* Shift back every entry after the hole that would no longer be found
     * from its home slot (Knuth's algorithm R). */
    size_t hole = i;
    for (size_t j = (i + 1) & p->mask; p->slots[j].count; j = (j + 1) & p->mask) {
        size_t home = hash(&p->slots[j].key) & p->mask;
        /* j's entry may fill the hole when its home is not within (hole, j]. */
        int stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            p->slots[hole] = p->slots[j];
            p->slots[j].count = 0;
            hole = j;
        }
    }
}

unsigned pd_peers_count(const pd_peers *p, const pd_peer_key *key)
{
    return p->slots[find(p, key)].count;
}

size_t pd_peers_clients(const pd_peers *p)
{
    return p->clients;
}
