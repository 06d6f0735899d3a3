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
 * in two lanes: config->handlers for GET and HEAD, half as many for the
 * other methods, so that writes queued for the write lock never hold up a
 * read. Handlers of different requests run at the same time.
 *
 * A request is answered once it has fully arrived: the body is gathered
 * (up to body_max) and the handler runs on the last call libmicrohttpd
 * makes for it, which keeps the connection usable for the next request
 * (keep-alive). A body announced larger than body_max is refused at once
 * with 413 and the connection is closed rather than left half-read; one
 * sent in chunks that grows past it is drained up to a bound, then
 * answered 413 and closed the same way. Headers are bounded by the
 * per-connection memory (libmicrohttpd answers 431 itself past it).
 *
 * Every request ends with one structured log line (method, path, route,
 * status, bytes, microseconds, client) and a count in the metrics.
 *
 * Stopping is graceful: stop accepting, let the requests in flight finish
 * (answers then carry "Connection: close"), then close what is left (idle
 * keep-alive connections) and return.
 */
#ifndef PD_HTTP_SERVER_H
#define PD_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "http/metrics.h"
#include "http/router.h"

typedef struct pd_server pd_server;

/* Defaults for the zero fields of a config. */
#define PD_SERVER_CONNECTIONS_DEFAULT 1024            /* capped by the open-file limit */
#define PD_SERVER_TIMEOUT_DEFAULT 30                  /* seconds without traffic */
#define PD_SERVER_CONN_MEMORY_DEFAULT (16u * 1024)    /* request line and headers */
#define PD_SERVER_BODY_MAX_DEFAULT (1024u * 1024)     /* request body */
#define PD_SERVER_OUT_MAX_DEFAULT (64u * 1024 * 1024) /* response body */

typedef struct pd_server_config {
    /* "127.0.0.1:8080", "[::1]:8080", ":8080" (every IPv4 address); port 0:
     * the system picks one (pd_server_port says which). */
    const char *listen;
    unsigned threads;         /* connection threads, >= 2; 0: 4 per core, at most 64 */
    unsigned handlers;        /* handler threads for GET and HEAD (routes not
                                 quick), and half as many for the other
                                 methods; 0: 2 per core, 8 to 64 */
    unsigned max_connections; /* 0: default */
    unsigned timeout_s;       /* idle seconds before a connection is closed; 0: default */
    size_t connection_memory; /* per connection: request line, headers, I/O; 0: default */
    size_t body_max;          /* 0: default */
    size_t out_max;           /* 0: default */
    const pd_router *router;  /* required; read-only while the server runs */
    pd_metrics *metrics;      /* optional; attached to the router at start */
    pd_guard guard;           /* optional: the access check before each handler */
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
 * defaults applied: connection threads and handler threads): what a pool of
 * per-request resources, such as store connections, must hold so that no
 * request waits for one. */
unsigned pd_server_workers_for(const pd_server_config *config);

/* The connection threads, the handler threads of the GET and HEAD lane
 * (the other lane has half as many) and the connection limit in force
 * (lowered to fit the open-file limit). */
unsigned pd_server_threads(const pd_server *s);
unsigned pd_server_handlers(const pd_server *s);
unsigned pd_server_max_connections(const pd_server *s);
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
