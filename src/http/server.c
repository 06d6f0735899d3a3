/* server.c - see server.h. The glue between libmicrohttpd and pd_req.
 *
 * One request, as libmicrohttpd presents it:
 *   on_uri         the request line has arrived: allocate our context, note
 *                  the raw target (path and query as sent) and the time
 *   on_access #1   headers complete (begin_request): build the pd_req,
 *                  check the head (framing, Host, a NUL in the target),
 *                  route; for a request that announces a body, run the
 *                  guard and check the body's ceiling and the budget of
 *                  body memory, answering a refusal at once (connection
 *                  closed)
 *   on_access #k   a piece of the body: append it (or drain, past the limit)
 *   on_access last the request is complete: for a quick route run guard
 *                  and handler here and queue the answer; else suspend the
 *                  connection and hand the request to a handler thread
 *                  (run_handed) of its lane, which resumes it
 *   on_access again (handed requests) queue the answer the handler left
 *   on_completed   the answer is sent (or the connection died): log, count,
 *                  free
 * Answering on the last call, never the first, is what keeps keep-alive
 * working: an answer queued before the body is read forces libmicrohttpd
 * to close the connection, which is what a refusal from the head wants.
 *
 * Each connection has a record of ours (conn) from the accept to
 * libmicrohttpd's word that it closed: its client's key (the per-address
 * count), and the phase it is in with the time that phase began (waiting
 * for a request's head, receiving a body, busy with a request), which the
 * connection's thread checks against the deadlines a few times a second
 * (sweep): a client too slow is disconnected with shutdown(2) on the
 * socket, which libmicrohttpd then reads as the client going away. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/jobs.h"
#include "http/peers.h"
#include "http/request.h"
#include "util/log.h"
#include "util/mono.h"

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
    int64_t since_ms; /* when ph began (CLOCK_MONOTONIC) */
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
    conn *head, *tail;      /* its connections */
    const handoff *adding;  /* the one MHD_add_connection is adding */
    int adding_started;     /* ...and on_connection has taken it */
    int64_t next_sweep_ms;
    unsigned evict_seen;    /* the last eviction round it did */
    /* Under s->conn_mu: */
    unsigned conns;  /* handed to it and not closed yet */
    handoff *queue;  /* accepted, not yet given to the daemon */
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
    pd_peers *peers; /* open connections per client address, under conn_mu */
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

static void run_handed(pd_job *job);
static void wake(worker *w);

/* ---- ADDR:PORT ------------------------------------------------------------------- */

int pd_server_parse_listen(const char *listen, void *storage, size_t *addrlen, pd_error *err)
{
    struct sockaddr_storage *ss = storage;
    memset(ss, 0, sizeof *ss);
    const char *colon;
    char host[64];
    if (!listen || !*listen)
        return pd_error_set(err, PD_EUSAGE, "empty listen address (write 127.0.0.1:8080)");
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            return pd_error_set(err, PD_EUSAGE,
                                "listen address '%s': write an IPv6 address as [::1]:8080", listen);
        size_t n = (size_t)(close - listen - 1);
        if (n == 0 || n >= sizeof host)
            return pd_error_set(err, PD_EUSAGE, "listen address '%s': bad IPv6 address", listen);
        memcpy(host, listen + 1, n);
        host[n] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon)
            return pd_error_set(err, PD_EUSAGE,
                                "listen address '%s': expected ADDR:PORT (127.0.0.1:8080, "
                                "[::1]:8080, :8080)",
                                listen);
        size_t n = (size_t)(colon - listen);
        if (n >= sizeof host || memchr(listen, ':', n))
            return pd_error_set(err, PD_EUSAGE,
                                "listen address '%s': write an IPv6 address in brackets", listen);
        memcpy(host, listen, n);
        host[n] = '\0';
    }
    const char *port_s = colon + 1;
    unsigned long port = 0;
    size_t digits = strspn(port_s, "0123456789");
    if (digits == 0 || digits > 5 || port_s[digits] != '\0' ||
        (port = strtoul(port_s, NULL, 10)) > 65535)
        return pd_error_set(err, PD_EUSAGE,
                            "listen address '%s': the port must be a number from 0 to 65535",
                            listen);
    if (listen[0] == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return pd_error_set(err, PD_EUSAGE, "listen address '%s': bad IPv6 address '%s'",
                                listen, host);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *addrlen = sizeof *a6;
        return PD_OK;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (host[0] == '\0')
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return pd_error_set(err, PD_EUSAGE,
                            "listen address '%s': '%s' is not an IPv4 address (or use [::1])",
                            listen, host);
    *addrlen = sizeof *a4;
    return PD_OK;
}

static int open_listener(pd_server *s, pd_error *err)
{
    struct sockaddr_storage ss;
    size_t alen;
    int rc = pd_server_parse_listen(s->cfg.listen, &ss, &alen, err);
    if (rc)
        return rc;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return pd_error_set(err, PD_EIO, "listen %s: socket: %s", s->cfg.listen, strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, (socklen_t)alen) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        return pd_error_set(err, PD_EIO, "listen %s: %s", s->cfg.listen, strerror(e));
    }
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    char host[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        s->port = ntohs(a6->sin6_port);
        snprintf(s->url, sizeof s->url, "http://[%s]:%u", host, (unsigned)s->port);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        s->port = ntohs(a4->sin_port);
        snprintf(s->url, sizeof s->url, "http://%s:%u", host, (unsigned)s->port);
    }
    s->listen_fd = fd;
    return PD_OK;
}

/* ---- time and connections ------------------------------------------------------------- */

static uint64_t micros_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t us = (int64_t)(t.tv_sec - t0->tv_sec) * 1000000 + (t.tv_nsec - t0->tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

static int64_t ms_of(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

static void conn_unlink(worker *w, conn *k)
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

static void conn_append(worker *w, conn *k)
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
static void conn_wait_head(worker *w, conn *k, int64_t now)
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
static void conn_close(conn *k, const char *why)
{
    k->closing = 1;
    shutdown(k->fd, SHUT_RDWR);
    PD_LOG(PD_LOG_DEBUG, "connection closed", PD_LOG_STR("why", why));
}

/* ---- the per-request callbacks ------------------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    worker *w = cls;
    pd_server *s = w->s;
    http_req *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->job.run = run_handed;
    size_t n = uri ? strlen(uri) : 0;
    h->target = uri ? strndup(uri, n) : strdup("/");
    if (!h->target) {
        free(h);
        return NULL;
    }
    /* The target is libmicrohttpd's copy of the request line: it ends
     * just before the HTTP version unless a NUL byte cut it short
     * (begin_request compares). */
    h->uri_end = uri ? uri + n : NULL;
    h->s = s;
    h->w = w;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    h->k = ci ? ci->socket_context : NULL;
    h->route = (size_t)-1;
    clock_gettime(CLOCK_MONOTONIC, &h->t0);
    atomic_fetch_add(&s->inflight, 1);
    if (s->cfg.metrics)
        pd_metrics_begin(s->cfg.metrics);
    return h;
}

static const char *header_lookup(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static enum MHD_Result head_add(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)value_size;
    pd_head_add(cls, key, key_size, value ? value : "");
    return MHD_YES;
}

static void set_client(pd_req *req, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char addr[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr,
                      sizeof addr);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr,
                      sizeof addr);
    }
    pd_req_set_client(req, addr);
}

/* Queues the answer held in h->req. MHD_NO when libmicrohttpd refuses it
 * (then it closes the connection). */
static enum MHD_Result send_answer(struct MHD_Connection *c, http_req *h, int close_conn)
{
    pd_req *req = h->req;
    unsigned status = pd_req_get_status(req);
    if (status < 100 || status > 599) {
        pd_error err;
        pd_error_set(&err, PD_EINTERNAL, "handler set status %u", status);
        status = pd_req_error(req, &err);
    }
    pd_req_finish(req);
    size_t len;
    char *body = pd_req_take_body(req, &len);
    struct MHD_Response *resp;
    if (body)
        resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, pd_req_get_content_type(req));
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < pd_req_header_count(req); i++) {
        const char *name, *value;
        pd_req_header_at(req, i, &name, &value);
        MHD_add_response_header(resp, name, value);
    }
    if (close_conn || atomic_load(&h->s->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    if (r == MHD_YES) {
        h->answered = 1;
        if (h->k)
            h->k->ph = PH_BUSY; /* no deadline while it is sent */
        h->status = status;
        h->bytes = len;
        const pd_route *rt = pd_req_route(req);
        h->route = pd_req_route_index(req);
        h->route_name = rt ? rt->name : NULL;
    }
    return r;
}

/* Answers err at once and closes the connection. */
static enum MHD_Result refuse(struct MHD_Connection *c, http_req *h, const pd_error *err)
{
    pd_req_error(h->req, err);
    return send_answer(c, h, 1);
}

static enum MHD_Result answer_too_big(struct MHD_Connection *c, http_req *h)
{
    pd_error err;
    pd_error_set(&err, PD_ETOOBIG, "request body larger than %zu bytes, the most this route takes",
                 pd_req_body_max(h->req));
    return refuse(c, h, &err);
}

/* 503 for want of room (body memory, the sign-in lane): the client may
 * try again in a moment. */
static enum MHD_Result answer_no_room(struct MHD_Connection *c, http_req *h, const char *what)
{
    atomic_fetch_add_explicit(&h->s->shed, 1, memory_order_relaxed);
    pd_error err;
    pd_error_set(&err, PD_EUNAVAILABLE, "%s: try again in a second", what);
    pd_req_set_retry_after(h->req, 1);
    return refuse(c, h, &err);
}

/* Takes n bytes of the budget of body memory for h: 0, or -1 when the
 * bodies in flight hold it all. */
static int budget_take(pd_server *s, http_req *h, size_t n)
{
    size_t was = atomic_fetch_add(&s->body_bytes, n);
    if (was + n > s->cfg.body_memory_max) {
        atomic_fetch_sub(&s->body_bytes, n);
        return -1;
    }
    h->reserved += n;
    return 0;
}

/* The body ceiling of a request to rt (NULL: routing answered it). */
static size_t body_ceiling(const pd_server *s, const pd_route *rt)
{
    size_t c = rt && rt->sign_in      ? PD_SIGN_IN_BODY_MAX
               : rt && rt->large_body ? s->cfg.body_max
                                      : s->cfg.json_body_max;
    return c < s->cfg.body_max ? c : s->cfg.body_max;
}

/* The first access call: the headers are complete. Builds the pd_req,
 * refuses a head that could be read two ways, routes, and for a request
 * that announces a body, answers a refusal before reading a byte of it. */
static enum MHD_Result begin_request(pd_server *s, struct MHD_Connection *c, http_req *h,
                                     const char *url, const char *method, const char *version)
{
    h->started = 1;
    h->req = pd_req_new(method, h->target[0] ? h->target : url,
                        &(pd_req_limits){body_ceiling(s, NULL), s->cfg.out_max});
    if (!h->req)
        return MHD_NO;
    pd_req_set_header_source(h->req, header_lookup, c);
    set_client(h->req, c);
    pd_error err;
    if (h->uri_end && (uintptr_t)version != (uintptr_t)(h->uri_end + 1)) {
        pd_error_set(&err, PD_EUSAGE, "the request target holds a NUL byte");
        return refuse(c, h, &err);
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    if (ci && ci->header_size > s->cfg.head_max) {
        char msg[128];
        snprintf(msg, sizeof msg, "request line and headers of %zu bytes: at most %zu",
                 ci->header_size, s->cfg.head_max);
        pd_req_error_status(h->req, 431, "headers_too_large", msg);
        return send_answer(c, h, 1);
    }
    /* A target with a space or a control character (request.h): a proxy
     * may have split the line elsewhere, so nothing after it on this
     * connection can be trusted. */
    if (pd_req_early_error(h->req, &err) == PD_EUSAGE)
        return refuse(c, h, &err);
    pd_head head;
    pd_head_init(&head);
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, head_add, &head);
    uint64_t body_len;
    int http11 = strncmp(version, "HTTP/1.", 7) == 0 && version[7] >= '1';
    if (pd_req_check_head(h->req, &head, http11, &body_len, &h->chunked))
        return send_answer(c, h, 1);
    h->routed_answer = pd_router_route_req(s->cfg.router, h->req);
    const pd_route *rt = h->routed_answer ? NULL : pd_req_route(h->req);
    if (!h->chunked && body_len == 0) {
        if (h->k)
            h->k->ph = PH_BUSY;
        return MHD_YES;
    }
    /* A body is announced: whatever would refuse it is answered now,
     * before a byte of it is read (the connection is closed, the rest
     * unread). */
    if (rt && pd_router_guard(h->req, s->cfg.guard, s->cfg.guard_ctx))
        return send_answer(c, h, 1);
    if (rt && rt->sign_in && !rt->quick && pd_jobs_full(s->sign_ins))
        return answer_no_room(c, h, "too many sign-ins at once");
    pd_req_set_body_max(h->req, body_ceiling(s, rt));
    if (body_len > pd_req_body_max(h->req))
        return answer_too_big(c, h);
    if (body_len) {
        if (budget_take(s, h, (size_t)body_len + 1) < 0)
            return answer_no_room(c, h, "the server is receiving too many request bodies");
        if (pd_req_body_reserve(h->req, (size_t)body_len) < 0)
            return MHD_NO; /* out of memory */
    }
    if (h->k) {
        h->k->ph = PH_BODY;
        h->k->since_ms = pd_mono_ms();
        h->k->received = 0;
    }
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    pd_server *s = cls;
    http_req *h = *con_cls;
    if (!h)
        return MHD_NO; /* on_uri ran out of memory */
    if (h->answered) {
        /* Answered early: throw away whatever still comes. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!h->started)
        return begin_request(s, c, h, url, method, version);
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (h->k)
            h->k->received += n;
        if (!h->refused && h->chunked && budget_take(s, h, n) < 0)
            h->refused = REFUSE_NO_ROOM;
        if (!h->refused && pd_req_body_append(h->req, upload_data, n) < 0)
            h->refused = REFUSE_TOO_BIG;
        if (h->refused) {
            /* A chunked body past the limit (libmicrohttpd cannot answer
             * in the middle of a body): read on and throw it away, up to
             * DRAIN_MAX, so that the refusal can be sent at the end; past
             * that, give up on the client and close. */
            h->drained += n;
            if (h->drained > DRAIN_MAX)
                return MHD_NO;
        }
        return MHD_YES;
    }
    if (h->refused == REFUSE_TOO_BIG)
        return answer_too_big(c, h);
    if (h->refused == REFUSE_NO_ROOM)
        return answer_no_room(c, h, "the server is receiving too many request bodies");
    if (h->handed) /* resumed: the handler thread left the answer */
        return send_answer(c, h, 0);
    if (h->k)
        h->k->ph = PH_BUSY;
    if (h->routed_answer)
        return send_answer(c, h, 0);
    const pd_route *rt = pd_req_route(h->req);
    if (!rt->quick) {
        /* The connection sleeps until run_handed resumes it, and this
         * worker goes on with its other connections. */
        h->handed = 1;
        atomic_fetch_add(&s->handed, 1);
        h->c = c;
        MHD_suspend_connection(c);
        pd_jobs *lane = rt->sign_in                  ? s->sign_ins
                        : pd_req_safe_method(h->req) ? s->reads
                                                     : s->writes;
        int rc = pd_jobs_submit(lane, &h->job);
        if (rc != 0) {
            /* Stopping, past the drain: the handler threads take no
             * more; or the sign-in lane is full. Answered at once, on
             * the resumed call. */
            pd_error err;
            if (rc == PD_JOBS_FULL) {
                atomic_fetch_add_explicit(&s->shed, 1, memory_order_relaxed);
                pd_error_set(&err, PD_EUNAVAILABLE,
                             "too many sign-ins at once: try again in a second");
            } else {
                pd_error_set(&err, PD_EUNAVAILABLE, "the server is stopping: try again shortly");
            }
            pd_req_error(h->req, &err);
            MHD_resume_connection(c);
            wake(h->w);
        }
        return MHD_YES;
    }
    pd_router_run(h->req, s->cfg.guard, s->cfg.guard_ctx);
    return send_answer(c, h, 0);
}

/* A handler thread's job: the guard and handler of a route that is not
 * quick, then the connection back to its worker, which calls on_access
 * once more to send the answer. */
static void run_handed(pd_job *job)
{
    http_req *h = (http_req *)(void *)((char *)job - offsetof(http_req, job));
    worker *w = h->w;
    pd_router_run(h->req, h->s->cfg.guard, h->s->cfg.guard_ctx);
    /* h belongs to the worker from here on. */
    MHD_resume_connection(h->c);
    /* libmicrohttpd signals the resume on its own descriptor, but may
     * consume that signal inside an MHD_run that had already looked for
     * resumed connections: our wakeup makes the worker look again. */
    wake(w);
}

static const char *end_reason(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK: return NULL;
    case MHD_REQUEST_TERMINATED_WITH_ERROR: return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED: return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN: return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR: return "client_closed";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT: return "client_aborted";
    }
    return "unknown";
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    pd_server *s = cls;
    http_req *h = *con_cls;
    if (!h)
        return;
    *con_cls = NULL;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us = (int64_t)(now.tv_sec - h->t0.tv_sec) * 1000000 +
                 (now.tv_nsec - h->t0.tv_nsec) / 1000;
    if (us < 0)
        us = 0;
    if (h->k && !h->k->closing)
        conn_wait_head(h->w, h->k, ms_of(&now));
    if (s->cfg.log_requests && pd_log_enabled(PD_LOG_INFO)) {
        const char *path = h->req ? pd_req_path(h->req) : h->target;
        const char *why = end_reason(toe);
        pd_log_field f[] = {
            PD_LOG_STR("method", h->req ? pd_req_method(h->req) : NULL),
            PD_LOG_STR("path", path),
            PD_LOG_STR("route", h->route_name),
            PD_LOG_UINT("status", h->status),
            PD_LOG_UINT("bytes", h->bytes),
            PD_LOG_UINT("us", (uint64_t)us),
            PD_LOG_STR("client", h->req ? pd_req_client(h->req) : NULL),
            PD_LOG_STR("end", why),
        };
        pd_log_write(PD_LOG_INFO, "request", f, why ? 8 : 7);
    }
    if (s->cfg.metrics)
        pd_metrics_end(s->cfg.metrics, h->route, h->status, (uint64_t)us);
    if (h->handed)
        atomic_fetch_sub(&s->handed, 1);
    if (h->reserved)
        atomic_fetch_sub(&s->body_bytes, h->reserved);
    pd_req_free(h->req);
    free(h->target);
    free(h);
    atomic_fetch_sub(&s->inflight, 1);
}

/* libmicrohttpd's messages: those a client causes (it went away, sent
 * headers too large) are routine, at debug; the rest (no threads, the
 * connection limit reached) at warn. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    static const char *const routine[] = {"remote side", "response code is 4", "timed out",
                                          "Connection reset", "Socket disconnected"};
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    pd_log_level level = PD_LOG_WARN;
    for (size_t i = 0; i < sizeof routine / sizeof routine[0]; i++)
        if (strstr(msg, routine[i]))
            level = PD_LOG_DEBUG;
    PD_LOG(level, "libmicrohttpd", PD_LOG_STR("detail", msg));
}

/* ---- accepting -------------------------------------------------------------------------- */

/* libmicrohttpd's word that a connection we handed it has begun (inside
 * MHD_add_connection, on the worker's thread) or closed. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)c;
    worker *w = cls;
    pd_server *s = w->s;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn *k = w->adding ? w->adding->k : NULL;
        *socket_context = k;
        if (k) {
            w->adding_started = 1;
            k->ph = PH_HEAD;
            k->since_ms = pd_mono_ms();
            conn_append(w, k);
        }
        return;
    }
    if (toe != MHD_CONNECTION_NOTIFY_CLOSED)
        return;
    conn *k = *socket_context;
    *socket_context = NULL;
    if (k)
        conn_unlink(w, k);
    pthread_mutex_lock(&s->conn_mu);
    if (s->open_conns > 0)
        s->open_conns--;
    if (w->conns > 0)
        w->conns--;
    if (k)
        pd_peers_remove(s->peers, &k->key);
    pthread_cond_signal(&s->room);
    pthread_mutex_unlock(&s->conn_mu);
    free(k);
}

/* The worker for a new connection (under conn_mu): the one with the
 * fewest. There are as many workers as threads asked for (4 per core by
 * default: docs/internals/http.md has the figures that chose it). */
static worker *pick_worker(pd_server *s)
{
    worker *best = &s->workers[0];
    for (unsigned i = 1; i < s->cfg.threads; i++)
        if (s->workers[i].conns < best->conns)
            best = &s->workers[i];
    return best;
}

static void wake(worker *w)
{
    uint64_t one = 1;
    /* Fails only when the count would overflow: it is set either way. */
    ssize_t r = write(w->wake, &one, sizeof one);
    (void)r;
}

static void nap_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Queues an accepted connection for w (under conn_mu); 0, or -1 out of
 * memory. */
static int hand_over(worker *w, int fd, const struct sockaddr_storage *ss, socklen_t len, conn *k)
{
    if (w->queued == w->queue_cap) {
        size_t cap = w->queue_cap ? 2 * w->queue_cap : 16;
        handoff *q = realloc(w->queue, cap * sizeof *q);
        if (!q)
            return -1;
        w->queue = q;
        w->queue_cap = cap;
    }
    handoff *h = &w->queue[w->queued++];
    h->fd = fd;
    h->len = len;
    memcpy(&h->addr, ss, len);
    h->k = k;
    return 0;
}

/* The answer of a connection over the per-address limit: a whole HTTP
 * answer, made once (the JSON error as pd_req_error writes it, with
 * Retry-After), sent as the connection is accepted, then closed. */
static int make_busy_answer(pd_server *s, pd_error *err)
{
    pd_req *req = pd_req_new("GET", "/", &(pd_req_limits){0, 4096});
    if (!req)
        return pd_error_set(err, PD_ENOMEM, "server: out of memory");
    pd_error e;
    pd_error_set(&e, PD_EUNAVAILABLE,
                 "too many connections from your address (%u are open): close some, or wait "
                 "for them to finish, and try again",
                 s->cfg.max_per_address);
    pd_req_set_retry_after(req, 5);
    unsigned status = pd_req_error(req, &e);
    size_t blen;
    char *body = pd_req_take_body(req, &blen);
    pd_buf b;
    pd_buf_init(&b, 8192);
    pd_buf_printf(&b, "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nX-Content-Type-Options: nosniff\r\n",
                  status, MHD_get_reason_phrase_for(status), pd_req_get_content_type(req));
    for (size_t i = 0; i < pd_req_header_count(req); i++) {
        const char *name, *value;
        pd_req_header_at(req, i, &name, &value);
        pd_buf_printf(&b, "%s: %s\r\n", name, value);
    }
    pd_buf_printf(&b, "Connection: close\r\nContent-Length: %zu\r\n\r\n", blen);
    pd_buf_append(&b, body ? body : "", blen);
    free(body);
    pd_req_free(req);
    if (pd_buf_failed(&b)) {
        pd_buf_free(&b);
        return pd_error_set(err, PD_ENOMEM, "server: out of memory");
    }
    s->busy_answer = pd_buf_detach(&b, &s->busy_len);
    return PD_OK;
}

/* Refuses a connection over the per-address limit: the answer is written
 * into the socket's empty send buffer (it cannot block) and the socket
 * closed; the client reads a 503 rather than waiting in a queue. */
static void refuse_connection(pd_server *s, int fd)
{
    ssize_t w = send(fd, s->busy_answer, s->busy_len, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)w;
    shutdown(fd, SHUT_WR);
    close(fd);
    atomic_fetch_add_explicit(&s->refused_per_address, 1, memory_order_relaxed);
}

/* At the connection limit: when a client waits to connect (the listening
 * socket is readable), asks every worker to close its longest idle
 * connections (evict_idle). */
static void ask_for_room(pd_server *s)
{
    struct pollfd p = {.fd = s->listen_fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
        return;
    atomic_fetch_add(&s->evict_round, 1);
    for (unsigned i = 0; i < s->cfg.threads; i++)
        wake(&s->workers[i]);
}

/* Waits, under conn_mu, while max_connections are open (and the server
 * is not stopping), asking for room while clients wait. */
static void wait_for_room(pd_server *s)
{
    while (s->open_conns >= s->cfg.max_connections && !atomic_load(&s->draining)) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += ROOM_WAIT_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&s->room, &s->conn_mu, &until) == ETIMEDOUT &&
            s->open_conns >= s->cfg.max_connections) {
            pthread_mutex_unlock(&s->conn_mu);
            ask_for_room(s);
            pthread_mutex_lock(&s->conn_mu);
        }
    }
}

/* The accepting thread: every connection goes to a worker (pick_worker),
 * unless its address has max_per_address open already, until
 * pd_server_quiesce shuts the listening socket down. */
static void *accept_loop(void *arg)
{
    pd_server *s = arg;
    unsigned long failed = 0;
    uint64_t refused_logged = 0;
    int64_t refused_log_ms = 0;
    for (;;) {
        pthread_mutex_lock(&s->conn_mu);
        wait_for_room(s);
        pthread_mutex_unlock(&s->conn_mu);
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (atomic_load(&s->draining)) {
            if (fd >= 0)
                close(fd);
            break;
        }
        if (fd < 0) {
            int e = errno;
            if (e == EINTR || e == ECONNABORTED || e == EAGAIN || e == EPROTO)
                continue;
            /* Out of descriptors or memory: the client waits in the
             * backlog while connections close. */
            if (failed++ % 1000 == 0)
                PD_LOG(PD_LOG_WARN, "cannot accept a connection", PD_LOG_STR("why", strerror(e)),
                       PD_LOG_UINT("times", failed));
            nap_ms(10);
            continue;
        }
        conn *k = calloc(1, sizeof *k);
        if (!k) {
            close(fd);
            PD_LOG(PD_LOG_WARN, "connection dropped", PD_LOG_STR("why", "out of memory"));
            continue;
        }
        k->fd = fd;
        pd_peer_key_of(&ss, len, &k->key);
        /* Counted first: on_connection may hear of its end at once. */
        pthread_mutex_lock(&s->conn_mu);
        unsigned n = pd_peers_add(s->peers, &k->key);
        int over = n == 0 || n > s->cfg.max_per_address;
        worker *w = NULL;
        int queued = 0;
        if (over) {
            if (n)
                pd_peers_remove(s->peers, &k->key);
        } else {
            w = pick_worker(s);
            queued = hand_over(w, fd, &ss, len, k) == 0;
            if (queued) {
                s->open_conns++;
                w->conns++;
            } else {
                pd_peers_remove(s->peers, &k->key);
            }
        }
        pthread_mutex_unlock(&s->conn_mu);
        if (queued) {
            wake(w);
            continue;
        }
        free(k);
        if (!over) {
            close(fd);
            PD_LOG(PD_LOG_WARN, "connection dropped", PD_LOG_STR("why", "out of memory"));
            continue;
        }
        refuse_connection(s, fd);
        /* One line a second at most, however many are refused. */
        int64_t now = pd_mono_ms();
        if (now - refused_log_ms >= 1000) {
            uint64_t total = atomic_load(&s->refused_per_address);
            char addr[INET6_ADDRSTRLEN] = "?";
            if (ss.ss_family == AF_INET)
                inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof addr);
            else if (ss.ss_family == AF_INET6)
                inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof addr);
            PD_LOG(PD_LOG_WARN, "connections refused: too many from one address",
                   PD_LOG_STR("client", addr), PD_LOG_UINT("limit", s->cfg.max_per_address),
                   PD_LOG_UINT("refused", total - refused_logged));
            refused_logged = total;
            refused_log_ms = now;
        }
    }
    return NULL;
}

/* Gives the daemon what the accepting thread handed over. libmicrohttpd
 * wants connections added from the thread that runs the daemon. */
static void take_handed(worker *w, handoff **spare, size_t *spare_cap)
{
    pd_server *s = w->s;
    pthread_mutex_lock(&s->conn_mu);
    handoff *q = w->queue;
    size_t n = w->queued, cap = w->queue_cap;
    w->queue = *spare;
    w->queue_cap = *spare_cap;
    w->queued = 0;
    pthread_mutex_unlock(&s->conn_mu);
    *spare = q;
    *spare_cap = cap;
    for (size_t i = 0; i < n; i++) {
        w->adding = &q[i];
        w->adding_started = 0;
        /* On failure (out of memory) libmicrohttpd has closed it. */
        enum MHD_Result r =
            MHD_add_connection(w->mhd, q[i].fd, (struct sockaddr *)&q[i].addr, q[i].len);
        w->adding = NULL;
        if (r == MHD_YES)
            continue;
        PD_LOG(PD_LOG_WARN, "connection dropped by libmicrohttpd",
               PD_LOG_STR("why", strerror(errno)));
        /* Once it had begun, on_connection heard of its end too. */
        if (w->adding_started)
            continue;
        pthread_mutex_lock(&s->conn_mu);
        s->open_conns--;
        w->conns--;
        pd_peers_remove(s->peers, &q[i].k->key);
        pthread_cond_signal(&s->room);
        pthread_mutex_unlock(&s->conn_mu);
        free(q[i].k);
    }
}

/* Closes the connections of w that missed a deadline: a head not in
 * within header_timeout_s of its phase's start, a body not keeping up
 * body_min_rate after body_timeout_s. */
static void sweep(worker *w, int64_t now)
{
    const pd_server_config *c = &w->s->cfg;
    int64_t head_ms = (int64_t)c->header_timeout_s * 1000;
    int64_t body_ms = (int64_t)c->body_timeout_s * 1000;
    for (conn *k = w->head; k; k = k->next) {
        if (k->closing || k->ph == PH_BUSY)
            continue;
        int64_t took = now - k->since_ms;
        int64_t allowed = k->ph == PH_HEAD
                              ? head_ms
                              : body_ms + (int64_t)(k->received * 1000 / c->body_min_rate);
        if (took > allowed) {
            atomic_fetch_add_explicit(&w->s->closed_slow, 1, memory_order_relaxed);
            conn_close(k, k->ph == PH_HEAD ? "request head too slow" : "request body too slow");
        }
    }
}

/* Closes up to EVICT_PER_WORKER connections of w that have waited for a
 * request's head EVICT_IDLE_MS or more, longest first (the list keeps
 * them in the order they began to wait). */
static void evict_idle(worker *w, int64_t now)
{
    unsigned n = 0;
    for (conn *k = w->head; k && n < EVICT_PER_WORKER; k = k->next) {
        if (k->closing || k->ph != PH_HEAD || now - k->since_ms < EVICT_IDLE_MS)
            continue;
        atomic_fetch_add_explicit(&w->s->evicted, 1, memory_order_relaxed);
        conn_close(k, "idle at the connection limit");
        n++;
    }
}

/* A worker's thread: runs its daemon without blocking inside it
 * (MHD_run), then waits on the daemon's epoll descriptor and the wakeup
 * for as long as libmicrohttpd says nothing is due, and at most until its
 * next sweep of the deadlines. libmicrohttpd 0.9.75's own thread, blocking
 * inside MHD_run_wait, reads 128 events a call and waits again whenever
 * it got 128, so the connections it was just told of wait for some other
 * event: a thread of its own could hold no more than about 125 busy
 * connections, and 256 needed three threads on two cores, one of them
 * with a handful (p99 11-17 ms). Without blocking it never waits inside,
 * and a worker can hold any number. */
static void *worker_loop(void *arg)
{
    worker *w = arg;
    pd_server *s = w->s;
    handoff *spare = NULL;
    size_t spare_cap = 0;
    int woken = 1;
    while (!atomic_load(&w->stop)) {
        /* The accepting thread wakes us after each hand-over (and a
         * handler thread after each resume): conn_mu, which every worker
         * shares, is taken only when woken. */
        if (woken)
            take_handed(w, &spare, &spare_cap);
        woken = 0;
        MHD_run(w->mhd);
        int64_t now = pd_mono_ms();
        if (now >= w->next_sweep_ms) {
            sweep(w, now);
            w->next_sweep_ms = now + SWEEP_MS;
        }
        unsigned round = atomic_load(&s->evict_round);
        if (round != w->evict_seen) {
            w->evict_seen = round;
            evict_idle(w, now);
        }
        MHD_UNSIGNED_LONG_LONG due;
        int ms = -1;
        if (MHD_get_timeout(w->mhd, &due) == MHD_YES)
            ms = due > INT_MAX ? INT_MAX : (int)due;
        if (w->head) {
            int to_sweep = (int)(w->next_sweep_ms - now);
            if (ms < 0 || ms > to_sweep)
                ms = to_sweep > 0 ? to_sweep : 0;
        }
        struct pollfd p[2] = {{.fd = w->mhd_fd, .events = POLLIN},
                              {.fd = w->wake, .events = POLLIN}};
        if (poll(p, 2, ms) > 0 && (p[1].revents & POLLIN)) {
            uint64_t n;
            woken = read(w->wake, &n, sizeof n) == (ssize_t)sizeof n;
        }
    }
    free(spare);
    return NULL;
}

/* ---- start and stop ----------------------------------------------------------------- */

/* How long, once the handler threads have stopped, the connection threads
 * get to send the answers those finished last. */
#define SEND_AFTER_JOBS_MS 2000u

/* Waits up to ms for *n to be 0; what is left. */
static unsigned wait_for_zero(atomic_uint *n, unsigned ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(n) > 0 && micros_since(&t0) < (uint64_t)ms * 1000) {
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    return atomic_load(n);
}

/* Stops libmicrohttpd (closing what it holds), closes the listening
 * socket and frees the server; the accepting thread must not be running. */
static void server_free(pd_server *s)
{
    /* The handler threads finish what they hold and resume those
     * connections while the workers still run; requests that come after
     * are refused (on_access), and the pool is freed once no worker can
     * hand it one. */
    pd_jobs_stop(s->reads);
    pd_jobs_stop(s->writes);
    pd_jobs_stop(s->sign_ins);
    /* What they finished still has to be sent. */
    wait_for_zero(&s->handed, SEND_AFTER_JOBS_MS);
    for (unsigned i = 0; s->workers && i < s->cfg.threads; i++) {
        worker *w = &s->workers[i];
        if (w->running) {
            atomic_store(&w->stop, 1);
            wake(w);
            pthread_join(w->thread, NULL);
        }
        if (w->mhd)
            MHD_stop_daemon(w->mhd);
        for (size_t k = 0; k < w->queued; k++) {
            close(w->queue[k].fd);
            free(w->queue[k].k);
        }
        free(w->queue);
        if (w->wake >= 0)
            close(w->wake);
    }
    free(s->workers);
    pd_jobs_free(s->reads);
    pd_jobs_free(s->writes);
    pd_jobs_free(s->sign_ins);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    pd_peers_free(s->peers);
    free(s->busy_answer);
    pthread_cond_destroy(&s->room);
    pthread_mutex_destroy(&s->conn_mu);
    free(s);
}

/* Undoes a start that failed before the accepting thread ran; returns rc. */
static int start_failed(pd_server *s, int rc)
{
    server_free(s);
    return rc;
}

/* say: log the lowering of the connection limit (once, when starting). */
static void apply_defaults(pd_server_config *c, int say)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (c->threads == 0)
        c->threads = cores > 16 ? 64 : 4 * (unsigned)cores;
    if (c->handlers == 0)
        c->handlers = cores > 32 ? 64 : cores < 4 ? 8 : 2 * (unsigned)cores;
    if (c->sign_in_threads == 0)
        c->sign_in_threads = PD_SERVER_SIGN_IN_THREADS_DEFAULT;
    if (c->sign_in_queue == 0)
        c->sign_in_queue = PD_SERVER_SIGN_IN_QUEUE_DEFAULT;
    if (c->max_connections == 0)
        c->max_connections = PD_SERVER_CONNECTIONS_DEFAULT;
    if (c->max_per_address == 0)
        c->max_per_address = PD_SERVER_PER_ADDRESS_DEFAULT;
    if (c->timeout_s == 0)
        c->timeout_s = PD_SERVER_TIMEOUT_DEFAULT;
    if (c->header_timeout_s == 0)
        c->header_timeout_s = PD_SERVER_HEADER_TIMEOUT_DEFAULT;
    if (c->body_timeout_s == 0)
        c->body_timeout_s = PD_SERVER_BODY_TIMEOUT_DEFAULT;
    if (c->body_min_rate == 0)
        c->body_min_rate = PD_SERVER_BODY_RATE_DEFAULT;
    if (c->head_max == 0)
        c->head_max = PD_SERVER_HEAD_MAX_DEFAULT;
    if (c->body_max == 0)
        c->body_max = PD_SERVER_BODY_MAX_DEFAULT;
    if (c->json_body_max == 0)
        c->json_body_max = PD_SERVER_JSON_BODY_MAX_DEFAULT;
    if (c->body_memory_max == 0)
        c->body_memory_max = PD_SERVER_BODY_MEMORY_DEFAULT;
    if (c->out_max == 0)
        c->out_max = PD_SERVER_OUT_MAX_DEFAULT;
    /* Each connection is a descriptor: stay under the open-file limit,
     * with room for the database, logs and the listener. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 128 &&
        c->max_connections > rl.rlim_cur - 64) {
        unsigned cap = (unsigned)(rl.rlim_cur - 64);
        if (say)
            PD_LOG(PD_LOG_WARN, "connection limit lowered to fit the open-file limit",
               PD_LOG_UINT("asked", c->max_connections), PD_LOG_UINT("limit", cap),
               PD_LOG_UINT("nofile", rl.rlim_cur));
        c->max_connections = cap;
    }
    if (c->max_per_address > c->max_connections)
        c->max_per_address = c->max_connections;
}

/* The write lane's threads: they mostly take turns at SQLite's one write
 * lock, so half as many as read. */
static unsigned writes_of(unsigned handlers)
{
    return (handlers + 1) / 2;
}

unsigned pd_server_workers_for(const pd_server_config *config)
{
    pd_server_config c = *config;
    apply_defaults(&c, 0);
    return c.threads + c.handlers + writes_of(c.handlers) + c.sign_in_threads;
}

/* ---- the server's own counters, for /metrics ----------------------------------------- */

static int read_counter(void *ctx, double *value)
{
    *value = (double)atomic_load_explicit((atomic_uint_fast64_t *)ctx, memory_order_relaxed);
    return 0;
}

static int read_open(void *ctx, double *value)
{
    pd_server *s = ctx;
    pthread_mutex_lock(&s->conn_mu);
    *value = s->open_conns;
    pthread_mutex_unlock(&s->conn_mu);
    return 0;
}

static int read_body_bytes(void *ctx, double *value)
{
    *value = (double)atomic_load(&((pd_server *)ctx)->body_bytes);
    return 0;
}

static int add_counters(pd_server *s, pd_error *err)
{
    const struct {
        const char *name, *help;
        atomic_uint_fast64_t *n;
    } counters[] = {
        {"partnerd_http_connections_refused_total",
         "Connections answered 503 and closed at once: their address had the most open already.",
         &s->refused_per_address},
        {"partnerd_http_connections_slow_closed_total",
         "Connections closed for a request head or body slower than its deadline.",
         &s->closed_slow},
        {"partnerd_http_connections_evicted_total",
         "Idle connections closed at the connection limit to let waiting clients in.",
         &s->evicted},
        {"partnerd_http_requests_shed_total",
         "Requests answered 503 for want of room: body memory or the sign-in queue.", &s->shed},
    };
    pd_metrics *m = s->cfg.metrics;
    int rc = PD_OK;
    for (size_t i = 0; rc == PD_OK && i < sizeof counters / sizeof counters[0]; i++)
        rc = pd_metrics_add_counter(m, counters[i].name, counters[i].help, read_counter,
                                    counters[i].n, err);
    if (rc == PD_OK)
        rc = pd_metrics_add_gauge(m, "partnerd_http_connections_open", "Connections open now.",
                                  read_open, s, err);
    if (rc == PD_OK)
        rc = pd_metrics_add_gauge(m, "partnerd_http_body_bytes_in_flight",
                                  "Bytes of request bodies held by requests in flight.",
                                  read_body_bytes, s, err);
    return rc;
}

int pd_server_start(const pd_server_config *config, pd_server **out, pd_error *err)
{
    *out = NULL;
    if (!config->router)
        return pd_error_set(err, PD_EUSAGE, "server: no router");
    if (config->threads == 1)
        return pd_error_set(err, PD_EUSAGE,
                            "server: at least 2 threads (with one, every request waits for "
                            "the handler of the one before it)");
    if (config->head_max && config->head_max < 1024)
        return pd_error_set(err, PD_EUSAGE, "server: a request head below 1024 bytes");
    pd_server *s = calloc(1, sizeof *s);
    if (!s)
        return pd_error_set(err, PD_ENOMEM, "server: out of memory");
    s->cfg = *config;
    s->listen_fd = -1;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->handed, 0);
    atomic_init(&s->draining, 0);
    atomic_init(&s->evict_round, 0);
    atomic_init(&s->body_bytes, 0);
    pthread_mutex_init(&s->conn_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* wait_for_room's deadlines */
    pthread_cond_init(&s->room, &ca);
    pthread_condattr_destroy(&ca);
    apply_defaults(&s->cfg, 1);
    s->peers = pd_peers_new(s->cfg.max_connections + 1);
    if (!s->peers)
        return start_failed(s, pd_error_set(err, PD_ENOMEM, "server: out of memory"));
    int rc = make_busy_answer(s, err);
    if (rc == PD_OK)
        rc = open_listener(s, err);
    if (rc == PD_OK && s->cfg.metrics)
        rc = pd_metrics_attach(s->cfg.metrics, s->cfg.router, err);
    if (rc == PD_OK && s->cfg.metrics)
        rc = add_counters(s, err);
    if (rc)
        return start_failed(s, rc);
    /* Our own thread accepts and hands each connection to one of our
     * workers (pick_worker), each a libmicrohttpd daemon in epoll mode
     * that a thread of ours runs (worker_loop). Each of libmicrohttpd
     * 0.9.75's own ways fails under load on this kernel
     * (docs/internals/http.md): its epoll thread stalls on 128 ready
     * connections (see worker_loop); in poll mode, some wrk runs at 256
     * connections had requests waiting hundreds of milliseconds before it
     * read them; its own accepting spread connections over all threads.
     * Accepting here also keeps the listening socket out of the workers'
     * event sets, counts connections per address before libmicrohttpd
     * sees them, and lets us wait at max_connections rather than accept
     * and drop. */
    int fl = fcntl(s->listen_fd, F_GETFL);
    if (fl < 0 || fcntl(s->listen_fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
        return start_failed(
            s, pd_error_set(err, PD_EIO, "server: listening socket: %s", strerror(errno)));
    unsigned flags = MHD_USE_ERROR_LOG | MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES)
        return start_failed(
            s, pd_error_set(err, PD_EIO, "server: this libmicrohttpd has no epoll support"));
    if ((rc = pd_jobs_start(s->cfg.handlers, &s->reads, err)) != PD_OK ||
        (rc = pd_jobs_start(writes_of(s->cfg.handlers), &s->writes, err)) != PD_OK ||
        (rc = pd_jobs_start(s->cfg.sign_in_threads, &s->sign_ins, err)) != PD_OK)
        return start_failed(s, rc);
    pd_jobs_set_max_waiting(s->sign_ins, s->cfg.sign_in_queue);
    s->workers = calloc(s->cfg.threads, sizeof *s->workers);
    if (!s->workers)
        return start_failed(s, pd_error_set(err, PD_ENOMEM, "server: out of memory"));
    for (unsigned i = 0; i < s->cfg.threads; i++)
        s->workers[i].wake = -1;
    for (unsigned i = 0; i < s->cfg.threads; i++) {
        worker *w = &s->workers[i];
        w->s = s;
        atomic_init(&w->stop, 0);
        w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->wake < 0)
            return start_failed(
                s, pd_error_set(err, PD_EIO, "server: eventfd: %s", strerror(errno)));
        /* The daemon's limit has a connection of slack: it may tell us a
         * connection closed a moment before it counts it gone. Host and
         * the target's spaces are checked by us (begin_request), so that
         * those refusals are JSON too: strict mode would answer them with
         * libmicrohttpd's own HTML page. */
        w->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
            MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections + 1,
            MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            s->cfg.head_max + HEAD_RESERVE, MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
            MHD_OPTION_STRICT_FOR_CLIENT, (int)0, MHD_OPTION_END);
        if (!w->mhd)
            return start_failed(
                s, pd_error_set(err, PD_EIO, "server: libmicrohttpd did not start (see the log)"));
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        if (!di)
            return start_failed(
                s, pd_error_set(err, PD_EIO, "server: libmicrohttpd has no epoll descriptor"));
        w->mhd_fd = di->epoll_fd;
        int te = pthread_create(&w->thread, NULL, worker_loop, w);
        if (te != 0)
            return start_failed(s, pd_error_set(err, PD_EIO, "server: cannot start a worker: %s",
                                                strerror(te)));
        w->running = 1;
    }
    int pe = pthread_create(&s->acceptor, NULL, accept_loop, s);
    if (pe != 0)
        return start_failed(s, pd_error_set(err, PD_EIO,
                                            "server: cannot start the accepting thread: %s",
                                            strerror(pe)));
    s->acceptor_running = 1;
    *out = s;
    return PD_OK;
}

const pd_server_config *pd_server_config_of(const pd_server *s)
{
    return &s->cfg;
}

uint16_t pd_server_port(const pd_server *s)
{
    return s->port;
}

const char *pd_server_url(const pd_server *s)
{
    return s->url;
}

unsigned pd_server_in_flight(const pd_server *s)
{
    return atomic_load(&((pd_server *)s)->inflight);
}

void pd_server_quiesce(pd_server *s)
{
    if (s->quiesced)
        return;
    s->quiesced = 1;
    atomic_store(&s->draining, 1);
    /* accept(2) returns at once (EINVAL) and the kernel refuses new
     * clients instead of queueing them in the backlog. */
    shutdown(s->listen_fd, SHUT_RDWR);
    pthread_mutex_lock(&s->conn_mu);
    pthread_cond_broadcast(&s->room); /* in case it waits for room */
    pthread_mutex_unlock(&s->conn_mu);
    if (s->acceptor_running) {
        pthread_join(s->acceptor, NULL);
        s->acceptor_running = 0;
    }
}

void pd_server_stop(pd_server *s, unsigned drain_ms)
{
    if (!s)
        return;
    pd_server_quiesce(s);
    unsigned left = wait_for_zero(&s->inflight, drain_ms);
    if (left)
        PD_LOG(PD_LOG_WARN, "stopping with requests in flight", PD_LOG_UINT("requests", left),
               PD_LOG_UINT("waited_ms", drain_ms));
    server_free(s);
}
