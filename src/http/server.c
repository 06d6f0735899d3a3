/* server.c - see server.h. The glue between libmicrohttpd and pd_req.
 *
 * One request, as libmicrohttpd presents it:
 *   on_uri         the request line has arrived: allocate our context, note
 *                  the raw target (path and query as sent) and the time
 *   on_access #1   headers complete: build the pd_req; refuse an announced
 *                  body over the limit at once (413, connection closed)
 *   on_access #k   a piece of the body: append it (or drain, past the limit)
 *   on_access last the request is complete: route; for a quick route run
 *                  guard and handler here and queue the answer; else
 *                  suspend the connection and hand the request to a
 *                  handler thread (run_handed), which resumes it
 *   on_access again (handed requests) queue the answer the handler left
 *   on_completed   the answer is sent (or the connection died): log, count,
 *                  free
 * Answering on the last call, never the first, is what keeps keep-alive
 * working: an answer queued before the body is read forces libmicrohttpd
 * to close the connection. */
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
#include "http/request.h"
#include "util/log.h"

/* Bytes of a too large chunked body read and thrown away before the
 * connection is closed without an answer. */
#define DRAIN_MAX (8u * 1024 * 1024)

typedef struct pd_server pd_server;

/* An accepted connection on its way to a worker's daemon. */
typedef struct handoff {
    int fd;
    socklen_t len;
    struct sockaddr_storage addr;
} handoff;

/* One libmicrohttpd daemon and the thread of ours that runs it
 * (worker_loop). */
typedef struct worker {
    pd_server *s;
    struct MHD_Daemon *mhd;
    int mhd_fd; /* the daemon's epoll descriptor */
    int wake;   /* eventfd: connections handed over, or stop */
    pthread_t thread;
    int running;
    atomic_int stop;
    /* Under s->conn_mu: */
    unsigned conns;  /* handed to it and not closed yet */
    handoff *queue;  /* accepted, not yet given to the daemon */
    size_t queued, queue_cap;
} worker;

struct pd_server {
    pd_server_config cfg;
    /* The requests of routes not quick, in two lanes, so that writes
     * waiting for the store's write lock never hold up a read: */
    pd_jobs *reads;  /* GET and HEAD: cfg.handlers threads */
    pd_jobs *writes; /* the other methods: writes_of(cfg.handlers) threads */
    worker *workers; /* cfg.threads, each a daemon run by a thread of ours */
    int listen_fd;
    int quiesced;
    pthread_t acceptor; /* accept_loop, joined when quiesced */
    int acceptor_running;
    /* Connections handed to libmicrohttpd and not closed yet: at
     * max_connections the accepting thread waits on `room`, and clients
     * wait in the kernel's backlog, as they would for libmicrohttpd's own
     * accept; accepting and then dropping them would reset them. */
    pthread_mutex_t conn_mu;
    pthread_cond_t room;
    unsigned open_conns;
    uint16_t port;
    char url[96];
    atomic_uint inflight;
    atomic_uint handed; /* handed to the handler threads, not yet ended */
    atomic_int draining;
};

/* Our state for one request, from on_uri to on_completed. */
typedef struct http_req {
    pd_job job; /* on the handler threads (run_handed) */
    pd_server *s;
    worker *w;                /* the worker whose daemon has the connection */
    struct MHD_Connection *c; /* while handed over */
    int handed;               /* the handler runs, or ran, on a handler thread */
    pd_req *req;
    char *target;
    struct timespec t0;
    int started;     /* the first access call is done */
    int answered;    /* an answer is queued */
    int too_big;     /* the body went past body_max */
    size_t drained;  /* bytes thrown away since */
    unsigned status; /* what was queued (0: nothing) */
    size_t bytes;    /* body bytes of the answer */
    size_t route;    /* route index for metrics */
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

/* ---- the per-request callbacks ------------------------------------------------------ */

static uint64_t micros_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t us = (int64_t)(t.tv_sec - t0->tv_sec) * 1000000 + (t.tv_nsec - t0->tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    worker *w = cls;
    pd_server *s = w->s;
    http_req *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->job.run = run_handed;
    h->target = strdup(uri ? uri : "/");
    if (!h->target) {
        free(h);
        return NULL;
    }
    h->s = s;
    h->w = w;
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
        h->status = status;
        h->bytes = len;
        const pd_route *rt = pd_req_route(req);
        h->route = pd_req_route_index(req);
        h->route_name = rt ? rt->name : NULL;
    }
    return r;
}

static enum MHD_Result answer_too_big(struct MHD_Connection *c, http_req *h)
{
    pd_error err;
    pd_error_set(&err, PD_ETOOBIG, "request body larger than %zu bytes", h->s->cfg.body_max);
    pd_req_error(h->req, &err);
    return send_answer(c, h, 1);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    pd_server *s = cls;
    http_req *h = *con_cls;
    if (!h)
        return MHD_NO; /* on_uri ran out of memory */
    if (h->answered) {
        /* Answered early (413): throw away whatever still comes. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!h->started) {
        h->started = 1;
        h->req = pd_req_new(method, h->target[0] ? h->target : url,
                            &(pd_req_limits){s->cfg.body_max, s->cfg.out_max});
        if (!h->req)
            return MHD_NO;
        pd_req_set_header_source(h->req, header_lookup, c);
        set_client(h->req, c);
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl) {
            errno = 0;
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == ERANGE || (end != cl && n > s->cfg.body_max))
                return answer_too_big(c, h);
        }
        return MHD_YES; /* wait for the body, if any */
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!h->too_big && pd_req_body_append(h->req, upload_data, n) < 0)
            h->too_big = 1;
        if (h->too_big) {
            /* A chunked body past the limit (libmicrohttpd cannot answer
             * in the middle of a body): read on and throw it away, up to
             * DRAIN_MAX, so that the 413 can be sent at the end; past
             * that, give up on the client and close. */
            h->drained += n;
            if (h->drained > DRAIN_MAX)
                return MHD_NO;
        }
        return MHD_YES;
    }
    if (h->too_big)
        return answer_too_big(c, h);
    if (h->handed) /* resumed: the handler thread left the answer */
        return send_answer(c, h, 0);
    if (!pd_router_route_req(s->cfg.router, h->req)) {
        if (!pd_req_route(h->req)->quick) {
            /* The connection sleeps until run_handed resumes it, and
             * this worker goes on with its other connections. */
            h->handed = 1;
            atomic_fetch_add(&s->handed, 1);
            h->c = c;
            MHD_suspend_connection(c);
            pd_jobs *lane = pd_req_safe_method(h->req) ? s->reads : s->writes;
            if (pd_jobs_submit(lane, &h->job) != 0) {
                /* Stopping, past the drain: the handler threads take
                 * no more. Answered at once, on the resumed call. */
                pd_error err;
                pd_error_set(&err, PD_EUNAVAILABLE, "the server is stopping: try again shortly");
                pd_req_error(h->req, &err);
                MHD_resume_connection(c);
                wake(h->w);
            }
            return MHD_YES;
        }
        pd_router_run(h->req, s->cfg.guard, s->cfg.guard_ctx);
    }
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
    uint64_t us = micros_since(&h->t0);
    if (s->cfg.log_requests && pd_log_enabled(PD_LOG_INFO)) {
        const char *path = h->req ? pd_req_path(h->req) : h->target;
        const char *why = end_reason(toe);
        pd_log_field f[] = {
            PD_LOG_STR("method", h->req ? pd_req_method(h->req) : NULL),
            PD_LOG_STR("path", path),
            PD_LOG_STR("route", h->route_name),
            PD_LOG_UINT("status", h->status),
            PD_LOG_UINT("bytes", h->bytes),
            PD_LOG_UINT("us", us),
            PD_LOG_STR("client", h->req ? pd_req_client(h->req) : NULL),
            PD_LOG_STR("end", why),
        };
        pd_log_write(PD_LOG_INFO, "request", f, why ? 8 : 7);
    }
    if (s->cfg.metrics)
        pd_metrics_end(s->cfg.metrics, h->route, h->status, us);
    if (h->handed)
        atomic_fetch_sub(&s->handed, 1);
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

/* libmicrohttpd's word that a connection we handed it has closed. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)c;
    (void)socket_context;
    worker *w = cls;
    pd_server *s = w->s;
    if (toe != MHD_CONNECTION_NOTIFY_CLOSED)
        return;
    pthread_mutex_lock(&s->conn_mu);
    if (s->open_conns > 0)
        s->open_conns--;
    if (w->conns > 0)
        w->conns--;
    pthread_cond_signal(&s->room);
    pthread_mutex_unlock(&s->conn_mu);
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
static int hand_over(worker *w, int fd, const struct sockaddr_storage *ss, socklen_t len)
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
    return 0;
}

/* The accepting thread: every connection goes to a worker (pick_worker),
 * until pd_server_quiesce shuts the listening socket down. */
static void *accept_loop(void *arg)
{
    pd_server *s = arg;
    unsigned long refused = 0;
    for (;;) {
        pthread_mutex_lock(&s->conn_mu);
        while (s->open_conns >= s->cfg.max_connections && !atomic_load(&s->draining))
            pthread_cond_wait(&s->room, &s->conn_mu);
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
            if (refused++ % 1000 == 0)
                PD_LOG(PD_LOG_WARN, "cannot accept a connection", PD_LOG_STR("why", strerror(e)),
                       PD_LOG_UINT("times", refused));
            nap_ms(10);
            continue;
        }
        /* Counted first: on_connection may hear of its end at once. */
        pthread_mutex_lock(&s->conn_mu);
        worker *w = pick_worker(s);
        int queued = hand_over(w, fd, &ss, len) == 0;
        if (queued) {
            s->open_conns++;
            w->conns++;
        }
        pthread_mutex_unlock(&s->conn_mu);
        if (queued) {
            wake(w);
        } else {
            close(fd);
            PD_LOG(PD_LOG_WARN, "connection dropped", PD_LOG_STR("why", "out of memory"));
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
        /* On failure (out of memory) libmicrohttpd has closed it. */
        if (MHD_add_connection(w->mhd, q[i].fd, (struct sockaddr *)&q[i].addr, q[i].len) !=
            MHD_YES) {
            PD_LOG(PD_LOG_WARN, "connection dropped by libmicrohttpd",
                   PD_LOG_STR("why", strerror(errno)));
            pthread_mutex_lock(&s->conn_mu);
            s->open_conns--;
            w->conns--;
            pthread_cond_signal(&s->room);
            pthread_mutex_unlock(&s->conn_mu);
        }
    }
}

/* A worker's thread: runs its daemon without blocking inside it
 * (MHD_run), then waits on the daemon's epoll descriptor and the wakeup
 * for as long as libmicrohttpd says nothing is due. libmicrohttpd 0.9.75's
 * own thread, blocking inside MHD_run_wait, reads 128 events a call and
 * waits again whenever it got 128, so the connections it was just told of
 * wait for some other event: a thread of its own could hold no more than
 * about 125 busy connections, and 256 needed three threads on two cores,
 * one of them with a handful (p99 11-17 ms). Without blocking it never
 * waits inside, and a worker can hold any number. */
static void *worker_loop(void *arg)
{
    worker *w = arg;
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
        MHD_UNSIGNED_LONG_LONG due;
        int ms = -1;
        if (MHD_get_timeout(w->mhd, &due) == MHD_YES)
            ms = due > INT_MAX ? INT_MAX : (int)due;
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
        for (size_t k = 0; k < w->queued; k++)
            close(w->queue[k].fd);
        free(w->queue);
        if (w->wake >= 0)
            close(w->wake);
    }
    free(s->workers);
    pd_jobs_free(s->reads);
    pd_jobs_free(s->writes);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
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
    if (c->max_connections == 0)
        c->max_connections = PD_SERVER_CONNECTIONS_DEFAULT;
    if (c->timeout_s == 0)
        c->timeout_s = PD_SERVER_TIMEOUT_DEFAULT;
    if (c->connection_memory == 0)
        c->connection_memory = PD_SERVER_CONN_MEMORY_DEFAULT;
    if (c->body_max == 0)
        c->body_max = PD_SERVER_BODY_MAX_DEFAULT;
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
    return c.threads + c.handlers + writes_of(c.handlers);
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
    if (config->connection_memory && config->connection_memory < 4096)
        return pd_error_set(err, PD_EUSAGE, "server: connection memory below 4096 bytes");
    pd_server *s = calloc(1, sizeof *s);
    if (!s)
        return pd_error_set(err, PD_ENOMEM, "server: out of memory");
    s->cfg = *config;
    s->listen_fd = -1;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->handed, 0);
    atomic_init(&s->draining, 0);
    pthread_mutex_init(&s->conn_mu, NULL);
    pthread_cond_init(&s->room, NULL);
    apply_defaults(&s->cfg, 1);
    int rc = open_listener(s, err);
    if (rc == PD_OK && s->cfg.metrics)
        rc = pd_metrics_attach(s->cfg.metrics, s->cfg.router, err);
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
     * event sets and lets us wait at max_connections rather than accept
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
        (rc = pd_jobs_start(writes_of(s->cfg.handlers), &s->writes, err)) != PD_OK)
        return start_failed(s, rc);
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
         * connection closed a moment before it counts it gone. */
        w->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
            MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections + 1,
            MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            s->cfg.connection_memory, MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
            MHD_OPTION_URI_LOG_CALLBACK, on_uri, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
            MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_END);
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

unsigned pd_server_threads(const pd_server *s)
{
    return s->cfg.threads;
}

unsigned pd_server_handlers(const pd_server *s)
{
    return s->cfg.handlers;
}

unsigned pd_server_max_connections(const pd_server *s)
{
    return s->cfg.max_connections;
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
