/*
 * pagecache.h - JSON answers (and other values) kept while the data they
 * were computed from is unchanged.
 *
 * A page whose body depends only on its parameters and the database (a
 * discovery page: the same filters give the same rows for every caller
 * allowed to ask) is computed inside a read transaction of one store
 * connection, whose version (pd_db_read_begin) names the state it read. A
 * later request that reads at the same version on the same connection
 * would compute the same bytes, so it gets the kept ones; a write by
 * anyone, this server or another process, gives a new version, and pages
 * of the old one are never answered again (they are overwritten as new
 * pages come). Nothing is ever stale: a hit is exact, or it is a miss.
 *
 * The token check keeps users the same way (accounts.c, pd_pagecache_copy).
 *
 * Entries are found by (connection, version, key): the key is the caller's
 * canonical spelling of the page's parameters. The cache holds at most
 * `slots` pages of at most `body_max` bytes each, in sets of four, the least
 * recently used of a set making room; one mutex guards it, held to copy a
 * page in or out.
 *
 * Memory: the cache owns copies of the keys and bodies it keeps; get copies
 * a body into the caller's writer. `owner` is only compared, never
 * dereferenced.
 */
#ifndef PD_HTTP_PAGECACHE_H
#define PD_HTTP_PAGECACHE_H

#include <stddef.h>
#include <stdint.h>

#include "util/jsonw.h"

#define PD_PAGECACHE_SLOTS_DEFAULT 256     /* pages kept                     */
#define PD_PAGECACHE_BODY_MAX (64u * 1024) /* larger pages are not kept      */

typedef struct pd_pagecache pd_pagecache;

/* NULL when out of memory. slots is rounded up to a multiple of 4. */
pd_pagecache *pd_pagecache_new(size_t slots, size_t body_max);
void pd_pagecache_free(pd_pagecache *c); /* NULL ok */

/* Writes the page kept for (owner, version, key) to w as one raw JSON value
 * and answers 1; 0 when there is none (w untouched). */
int pd_pagecache_get(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                     size_t klen, pd_jsonw *w);

/* The same for a value that is not a page (the token check keeps a user):
 * copies the kept bytes to out and answers 1 when there are exactly len of
 * them; 0 otherwise (out untouched). */
int pd_pagecache_copy(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                      size_t klen, void *out, size_t len);

/* Keeps a copy of body (one complete JSON value for get, any bytes for
 * copy) for (owner, version, key), replacing what that owner kept under key
 * before. Too large a body, or no memory, and nothing is kept (a cache may
 * always forget). */
void pd_pagecache_put(pd_pagecache *c, const void *owner, uint64_t version, const char *key,
                      size_t klen, const char *body, size_t len);

/* Lookups that found a page, and that did not, since the cache was made. */
void pd_pagecache_stats(pd_pagecache *c, uint64_t *hits, uint64_t *misses);

#endif
