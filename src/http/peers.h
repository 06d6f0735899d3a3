/*
 * peers.h - open connections counted per client address, so that one
 * client cannot take every connection the server has.
 *
 * A client is its IPv4 address, or the /64 prefix of its IPv6 address (a
 * single IPv6 host is usually given a whole /64; counting full addresses
 * would let it open 2^64 "clients"). An IPv4-mapped IPv6 address
 * (::ffff:192.0.2.1) is that IPv4 address.
 *
 * A fixed table, sized when made for the most connections that can be
 * open at once: it never grows and never fails while that bound holds.
 * Not thread-safe: the server counts under the lock it already holds
 * when a connection is accepted or closed (server.c), once a connection,
 * never per request.
 *
 * Memory: the table owns itself; keys are plain values.
 */
#ifndef PD_HTTP_PEERS_H
#define PD_HTTP_PEERS_H

#include <stddef.h>

/* A client's key: 16 bytes (IPv4 in the IPv4-mapped form, IPv6 cut to
 * its /64), compared as bytes. */
typedef struct pd_peer_key {
    unsigned char b[16];
} pd_peer_key;

typedef struct pd_peers pd_peers;

/* A table for at most max_open connections open at once (1 or more); NULL
 * when out of memory. */
pd_peers *pd_peers_new(size_t max_open);
void pd_peers_free(pd_peers *p); /* NULL ok */

/* The key of a socket address (struct sockaddr_in or sockaddr_in6, passed
 * as void * to keep socket headers out of here): 0, or -1 for another
 * family (a Unix socket), which then counts as one client, the zero key. */
int pd_peer_key_of(const void *sockaddr, size_t len, pd_peer_key *key);

/* Counts one more connection of key; returns its count now. 0 when the
 * table holds max_open connections already (nothing counted: the caller
 * broke the bound). */
unsigned pd_peers_add(pd_peers *p, const pd_peer_key *key);
/* Counts one connection of key less (a key not counted is ignored). */
void pd_peers_remove(pd_peers *p, const pd_peer_key *key);
/* Open connections of key. */
unsigned pd_peers_count(const pd_peers *p, const pd_peer_key *key);
/* Clients with at least one connection open. */
size_t pd_peers_clients(const pd_peers *p);

#endif
