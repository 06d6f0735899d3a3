/* peers.c - see peers.h. The clients are entries of a fixed array (at most
 * one per connection), found by address through util/hashtab.h, reserved
 * when made for max_open clients so that it never grows; a client whose
 * last connection closes gives its entry back to a free list. */
#include "http/peers.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/hashtab.h"

typedef struct client {
    pd_peer_key key;
    unsigned count; /* open connections; a free entry: 0 */
    uint32_t next_free;
} client;

struct pd_peers {
    client *c;      /* max_open entries */
    uint32_t free1; /* first free entry + 1; 0: none */
    pd_hashtab tab; /* key -> entry */
    size_t max_open, open, clients;
};

pd_peers *pd_peers_new(size_t max_open)
{
    if (max_open == 0 || max_open > PD_HASHTAB_REF_MAX / 4)
        return NULL;
    pd_peers *p = calloc(1, sizeof *p);
    if (!p || !(p->c = calloc(max_open, sizeof *p->c)) ||
        pd_hashtab_reserve(&p->tab, max_open) < 0) {
        if (p)
            free(p->c);
        free(p);
        return NULL;
    }
    for (size_t i = 0; i < max_open; i++)
        p->c[i].next_free = i + 1 < max_open ? (uint32_t)i + 2 : 0;
    p->free1 = 1;
    p->max_open = max_open;
    return p;
}

void pd_peers_free(pd_peers *p)
{
    if (p) {
        pd_hashtab_free(&p->tab);
        free(p->c);
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

struct lookup {
    const pd_peers *p;
    const pd_peer_key *key;
};

static int same_client(const void *ctx, uint32_t ref)
{
    const struct lookup *l = ctx;
    return memcmp(&l->p->c[ref].key, l->key, sizeof *l->key) == 0;
}

/* The table's slot for key: used (its client), or empty (where it goes). */
static size_t find(const pd_peers *p, const pd_peer_key *key, uint64_t h)
{
    struct lookup l = {p, key};
    return pd_hashtab_find(&p->tab, h, same_client, &l);
}

unsigned pd_peers_add(pd_peers *p, const pd_peer_key *key)
{
    if (p->open >= p->max_open)
        return 0;
    uint64_t h = pd_hash_bytes(key->b, sizeof key->b);
    size_t i = find(p, key, h);
    client *c;
    if (pd_hashtab_used(&p->tab, i)) {
        c = &p->c[pd_hashtab_ref(&p->tab, i)];
    } else {
        /* open < max_open: a client per open connection at most, so an
         * entry is free, and the table (reserved for max_open) has room */
        uint32_t ref = p->free1 - 1;
        c = &p->c[ref];
        p->free1 = c->next_free;
        c->key = *key;
        c->count = 0;
        pd_hashtab_fill(&p->tab, i, h, ref);
        p->clients++;
    }
    p->open++;
    return ++c->count;
}

void pd_peers_remove(pd_peers *p, const pd_peer_key *key)
{
    size_t i = find(p, key, pd_hash_bytes(key->b, sizeof key->b));
    if (!pd_hashtab_used(&p->tab, i))
        return;
    uint32_t ref = pd_hashtab_ref(&p->tab, i);
    client *c = &p->c[ref];
    p->open--;
    if (--c->count)
        return;
    p->clients--;
    pd_hashtab_remove_at(&p->tab, i);
    c->next_free = p->free1;
    p->free1 = ref + 1;
}

unsigned pd_peers_count(const pd_peers *p, const pd_peer_key *key)
{
    size_t i = find(p, key, pd_hash_bytes(key->b, sizeof key->b));
    return pd_hashtab_used(&p->tab, i) ? p->c[pd_hashtab_ref(&p->tab, i)].count : 0;
}

size_t pd_peers_clients(const pd_peers *p)
{
    return p->clients;
}
