/*
 * server_int.h - the inside of the HTTP server, shared by its three files
 * and by them only (everything else sees server.h):
 *   server.c          the listening address, start and stop, counters
 *   server_request.c  one request through libmicrohttpd's callbacks, from
 *                     its line to its answer (the flow is described there)
 *   server_accept.c   accepting connections, the per-address and overall
 *                     limits, the worker threads and their deadlines
 * Functions shared between them are prefixed pd_srv_.
 */
#ifndef PD_HTTP_SERVER_INT_H
#define PD_HTTP_SERVER_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "http/jobs.h"
#include "http/peers.h"
#include "http/request.h"
#include "http/server.h"
#include "util/log.h"

/* Bytes of a too large chunked body read and thrown away before the
 * connection is closed without an answer. */
#define DRAIN_MAX (8u * 1024 * 1024)
/* libmicrohttpd's memory per connection beyond the head's limit: room to
 * answer a head just under the limit (libmicrohttpd writes the answer's
 * headers in the same memory), and to see one over it and answer 431. */
#define HEAD_RESERVE 4096u
/* How often a connection thread checks its connections' deadlines. */
#define SWEEP_MS 250
/* At the connection limit, with clients waiting to connect: connections
 * waiting this long for a request's head (idle, or a head that trickles)
 * are closed, oldest first, this many per thread at a time. */
#define EVICT_IDLE_MS 2000
#define EVICT_PER_WORKER 4
/* How often the accepting thread, at the limit, looks for waiting clients. */
#define ROOM_WAIT_MS 100

typedef struct pd_server pd_server;
typedef struct worker worker;

/* What a connection is doing, for its deadlines. */
typedef enum phase {
    PH_HEAD, /* waiting for a request's line and headers (or idle between requests) */
    PH_BODY, /* receiving a request's body */
    PH_BUSY  /* its request is complete: handled, answered, sent */
} phase;

/* Our record of one connection, from the accept to libmicrohttpd's word
 * that it closed (on_connection). Made by the accepting thread; once
 * handed over, touched only by its worker's thread. */
typedef struct conn {
    struct conn *prev, *next; /* the worker's list: by when PH_HEAD began */
    int fd;
    pd_peer_key key;
    phase ph;
    int64_t since_ms;  /* when ph began (CLOCK_MONOTONIC) */
    uint64_t received; /* body bytes of the request in PH_BODY */
    int closing;       /* shut down by us; libmicrohttpd closes it next */
} conn;

/* An accepted connection on its way to a worker's daemon. */
typedef struct handoff {
    int fd;
    socklen_t len;
    struct sockaddr_storage addr;
    conn *k;
} handoff;

/* One libmicrohttpd daemon and the thread of ours that runs it
 * (worker_loop). */
struct worker {
    pd_server *s;
    struct MHD_Daemon *mhd;
    int mhd_fd; /* the daemon's epoll descriptor */
    int wake;   /* eventfd: connections handed over, or stop */
    pthread_t thread;
    int running;
    atomic_int stop;
    /* The worker thread's own: */
    conn *head, *tail;     /* its connections */
    const handoff *adding; /* the one MHD_add_connection is adding */
    int adding_started;    /* ...and on_connection has taken it */
    int64_t next_sweep_ms;
    unsigned evict_seen; /* the last eviction round it did */
    /* Under s->conn_mu: */
    unsigned conns; /* handed to it and not closed yet */
    handoff *queue; /* accepted, not yet given to the daemon */
    size_t queued, queue_cap;
};

struct pd_server {
    pd_server_config cfg;
    /* The requests of routes not quick, in three lanes, so that writes
     * waiting for the store's write lock never hold up a read, and a flood
     * of sign-ins (a password hash each) never holds up a write: */
    pd_jobs *reads;    /* GET and HEAD: cfg.handlers threads */
    pd_jobs *writes;   /* the other methods: writes_of(cfg.handlers) threads */
    pd_jobs *sign_ins; /* routes marked sign_in: cfg.sign_in_threads, a bounded queue */
    worker *workers;   /* cfg.threads, each a daemon run by a thread of ours */
    int listen_fd;
    int quiesced;
    pthread_t acceptor; /* accept_loop, joined when quiesced */
    int acceptor_running;
    /* Connections handed to libmicrohttpd and not closed yet: at
     * max_connections the accepting thread waits on `room` (asking the
     * workers to close idle connections while clients wait), and clients
     * wait in the kernel's backlog, as they would for libmicrohttpd's own
     * accept; accepting and then dropping them would reset them. */
    pthread_mutex_t conn_mu;
    pthread_cond_t room;
    unsigned open_conns;
    pd_peers *peers;         /* open connections per client address, under conn_mu */
    atomic_uint evict_round; /* moved on to ask the workers for room */
    /* The answer a connection over the per-address limit gets, whole. */
    char *busy_answer;
    size_t busy_len;
    atomic_size_t body_bytes; /* body memory reserved by requests in flight */
    /* Refusals, for /metrics: */
    atomic_uint_fast64_t refused_per_address, closed_slow, evicted, shed;
    uint16_t port;
    char url[96];
    atomic_uint inflight;
    atomic_uint handed; /* handed to the handler threads, not yet ended */
    atomic_int draining;
};

/* Why a request's body is thrown away as it comes. */
typedef enum refusal { REFUSE_NONE, REFUSE_TOO_BIG, REFUSE_NO_ROOM } refusal;

/* Our state for one request, from on_uri to on_completed. */
typedef struct http_req {
    pd_job job; /* on the handler threads (run_handed) */
    pd_server *s;
    worker *w;                /* the worker whose daemon has the connection */
    conn *k;                  /* its connection's record */
    struct MHD_Connection *c; /* while handed over */
    int handed;               /* the handler runs, or ran, on a handler thread */
    pd_req *req;
    char *target;
    const char *uri_end; /* where libmicrohttpd's copy of the target ended (on_uri) */
    struct timespec t0;
    int started;       /* the first access call is done */
    int answered;      /* an answer is queued */
    int routed_answer; /* routing alone answered it (404, 405, 400) */
    int chunked;       /* the body comes in chunks (its length unknown) */
    refusal refused;   /* the body went past its ceiling or the budget */
    size_t drained;    /* bytes thrown away since */
    size_t reserved;   /* bytes of s->body_bytes this request holds */
    unsigned status;   /* what was queued (0: nothing) */
    size_t bytes;      /* body bytes of the answer */
    size_t route;      /* route index for metrics */
    const char *route_name;
} http_req;

/* ---- time and connections (inline: every file uses them) ------------------------ */

static inline uint64_t micros_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t us = (int64_t)(t.tv_sec - t0->tv_sec) * 1000000 + (t.tv_nsec - t0->tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

static inline int64_t ms_of(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

static inline void conn_unlink(worker *w, conn *k)
{
    if (k->prev)
        k->prev->next = k->next;
    else
        w->head = k->next;
    if (k->next)
        k->next->prev = k->prev;
    else
        w->tail = k->prev;
    k->prev = k->next = NULL;
}

static inline void conn_append(worker *w, conn *k)
{
    k->prev = w->tail;
    k->next = NULL;
    if (w->tail)
        w->tail->next = k;
    else
        w->head = k;
    w->tail = k;
}

/* k begins to wait for a request's head (again): to the end of the list,
 * which stays in the order PH_HEAD began, oldest first (evict_idle). */
static inline void conn_wait_head(worker *w, conn *k, int64_t now)
{
    k->ph = PH_HEAD;
    k->since_ms = now;
    k->received = 0;
    if (w->tail != k) {
        conn_unlink(w, k);
        conn_append(w, k);
    }
}

/* Disconnects k: libmicrohttpd reads the end of the stream next and
 * closes the connection (on_connection then forgets k). */
static inline void conn_close(conn *k, const char *why)
{
    k->closing = 1;
    shutdown(k->fd, SHUT_RDWR);
    PD_LOG(PD_LOG_DEBUG, "connection closed", PD_LOG_STR("why", why));
}

/* ---- server_request.c: libmicrohttpd's per-request callbacks -------------------- */

void *pd_srv_on_uri(void *cls, const char *uri, struct MHD_Connection *c);
enum MHD_Result pd_srv_on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls);
void pd_srv_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe);
void pd_srv_on_mhd_log(void *cls, const char *fmt, va_list ap);

/* ---- server_accept.c: connections, limits, workers ------------------------------ */

void pd_srv_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe);
void pd_srv_wake(worker *w);
int pd_srv_make_busy_answer(pd_server *s, pd_error *err);
void *pd_srv_accept_loop(void *arg);
void *pd_srv_worker_loop(void *arg);

#endif
