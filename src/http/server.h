/*
 * server.h - the HTTP server: libmicrohttpd underneath, the router on top.
 *
 * Threads: one accepts connections and hands each to the connection
 * thread with the fewest; there are config->threads of them (2 or more,
 * default 4 per core), each running one libmicrohttpd daemon over any
 * number of connections. A request to a quick route (pd_route.quick in
 * router.h) is answered on its connection's thread; every other request is
 * handed to a handler thread (jobs.h) while its connection sleeps, so that
 * a handler that waits (for the write lock, a password hash, a simulation
 * over every creator) holds up no other connection. Handler threads come
 * in three lanes: config->handlers for GET and HEAD, half as many for the
 * other methods, so that writes queued for the write lock never hold up a
 * read, and a few for sign-ins (routes marked sign_in: a password hash
 * each), whose queue is bounded, so that a flood of sign-ins holds up no
 * write. Handlers of different requests run at the same time.
 *
 * One client cannot hold the server (docs/internals/http.md, Limits):
 *   - connections per client address (an IPv6 /64) are limited: past
 *     max_per_address a new one gets a 503 and is closed at once;
 *   - a request's head must arrive within header_timeout_s of the
 *     connection's start or of the previous answer, and its body within
 *     body_timeout_s plus body_min_rate: a slower client is disconnected;
 *   - at max_connections, while clients wait to connect, connections idle
 *     (or stuck in a request's head) for 2 s or more are closed, oldest
 *     first, to let them in;
 *   - bodies: each route has a ceiling (sign-in 8 KiB, JSON json_body_max,
 *     imports body_max), and all bodies in flight share body_memory_max;
 *   - the access check runs as soon as the headers are in, so a caller the
 *     route refuses gets 401 or 403 before a byte of the body is read.
 *
 * A request is answered once it has fully arrived: the body is gathered
 * and the handler runs on the last call libmicrohttpd makes for it, which
 * keeps the connection usable for the next request (keep-alive). A
 * request refused from its head alone (a body announced over its ceiling,
 * a refused caller, framing a proxy could read another way, no room in
 * the body budget) is answered at once and its connection closed rather
 * than left half-read; a body sent in chunks that grows past its ceiling
 * is drained up to a bound, then answered 413 and closed the same way.
 *
 * Every request ends with one structured log line (method, path, route,
 * status, bytes, microseconds, client) and a count in the metrics; the
 * server adds counters of its refusals (connections refused per address,
 * closed for slowness, evicted; requests shed for lack of room).
 *
 * Stopping is graceful: stop accepting, let the requests in flight finish
 * (answers then carry "Connection: close"), then close what is left (idle
 * keep-alive connections) and return.
 */
#ifndef PD_HTTP_SERVER_H
#define PD_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "http/metrics.h"
#include "http/router.h"

typedef struct pd_server pd_server;

/* Defaults for the zero fields of a config. */
#define PD_SERVER_CONNECTIONS_DEFAULT 1024                /* capped by the open-file limit */
#define PD_SERVER_PER_ADDRESS_DEFAULT 512                 /* capped by the connection limit */
#define PD_SERVER_TIMEOUT_DEFAULT 30                      /* seconds without traffic */
#define PD_SERVER_HEADER_TIMEOUT_DEFAULT 10               /* seconds for a request's head */
#define PD_SERVER_BODY_TIMEOUT_DEFAULT 10                 /* seconds of grace for a body... */
#define PD_SERVER_BODY_RATE_DEFAULT 4096                  /* ...then bytes a second at least */
#define PD_SERVER_HEAD_MAX_DEFAULT (16u * 1024)           /* request line and headers */
#define PD_SERVER_BODY_MAX_DEFAULT (1024u * 1024)         /* the largest body (imports) */
#define PD_SERVER_JSON_BODY_MAX_DEFAULT (64u * 1024)      /* a JSON body */
#define PD_SERVER_BODY_MEMORY_DEFAULT (64u * 1024 * 1024) /* all bodies in flight */
#define PD_SERVER_OUT_MAX_DEFAULT (64u * 1024 * 1024)     /* response body */
#define PD_SERVER_SIGN_IN_THREADS_DEFAULT 2               /* 64 MiB each while hashing */
#define PD_SERVER_SIGN_IN_QUEUE_DEFAULT 32                /* sign-ins waiting for a thread */

typedef struct pd_server_config {
    /* "127.0.0.1:8080", "[::1]:8080", ":8080" (every IPv4 address); port 0:
     * the system picks one (pd_server_port says which). */
    const char *listen;
    unsigned threads;          /* connection threads, >= 2; 0: 4 per core, at most 64 */
    unsigned handlers;         /* handler threads for GET and HEAD (routes not
                                  quick), and half as many for the other
                                  methods; 0: 2 per core, 8 to 64 */
    unsigned sign_in_threads;  /* handler threads of the routes marked sign_in
                                  (password checks); 0: default */
    unsigned sign_in_queue;    /* sign-ins waiting for one of them at most; past
                                  it 503 at once; 0: default */
    unsigned max_connections;  /* 0: default */
    unsigned max_per_address;  /* connections open from one client address (an
                                  IPv6 /64) at most; past it the connection
                                  gets a 503 and is closed at once; 0: default */
    unsigned timeout_s;        /* idle seconds before a connection is closed; 0: default */
    unsigned header_timeout_s; /* seconds from a connection's start, or the end of
                                  its previous answer, to the end of the next
                                  request's headers; then closed; 0: default */
    unsigned body_timeout_s;   /* seconds a body may take before it must keep up
                                  body_min_rate; then closed; 0: default */
    size_t body_min_rate;      /* bytes a second; 0: default */
    size_t head_max;           /* request line and headers; past it 431 (or
                                  libmicrohttpd's 414/431 well past it); 0: default */
    size_t body_max;           /* the largest body, for large_body routes; the
                                  ceiling of every other; 0: default */
    size_t json_body_max;      /* a body of any other route; 0: default */
    size_t body_memory_max;    /* body bytes of all requests in flight together;
                                  past it 503; 0: default */
    size_t out_max;            /* 0: default */
    const pd_router *router;   /* required; read-only while the server runs */
    pd_metrics *metrics;       /* optional; attached to the router at start, and
                                  given the server's counters (server.h, top),
                                  which read the server: one server a registry,
                                  and no scrape after pd_server_stop */
    pd_guard guard;            /* optional: the access check before each handler */
    void *guard_ctx;
    int log_requests; /* one log line per request (at info) */
} pd_server_config;

/* Parses ADDR:PORT as the config's listen field takes it. Fills a struct
 * sockaddr_storage (passed as void * to keep socket headers out of here). */
int pd_server_parse_listen(const char *listen, void *sockaddr_storage, size_t *addrlen,
                           pd_error *err);

/* Binds, listens and starts the threads. On success the server is
 * answering when this returns. The config is copied; the router, metrics
 * and guard_ctx it points to must outlive the server. PD_EUSAGE for a bad
 * listen address or config, PD_EIO when the address cannot be bound. */
int pd_server_start(const pd_server_config *config, pd_server **out, pd_error *err);

/* The threads pd_server_start would run handlers on for config (its
 * defaults applied: connection threads and handler threads of every
 * lane): what a pool of per-request resources, such as store
 * connections, must hold so that no request waits for one. */
unsigned pd_server_workers_for(const pd_server_config *config);

/* The config in force, its defaults applied (the connection limit lowered
 * to fit the open-file limit, the per-address limit to the connection
 * limit). Valid while the server is. */
const pd_server_config *pd_server_config_of(const pd_server *s);
/* The port listened on (the one the system chose for port 0). */
uint16_t pd_server_port(const pd_server *s);
/* "http://127.0.0.1:8080" (IPv6 in brackets; 0.0.0.0 shown as given). */
const char *pd_server_url(const pd_server *s);

/* Stops accepting new connections; requests in flight go on, and their
 * answers close their connections. Idempotent. */
void pd_server_quiesce(pd_server *s);
/* Requests begun and not yet finished. */
unsigned pd_server_in_flight(const pd_server *s);

/* Graceful stop: quiesces, waits up to drain_ms for the requests in flight
 * to finish, then closes every connection, joins the threads and frees the
 * server. NULL ok. */
void pd_server_stop(pd_server *s, unsigned drain_ms);

#endif
