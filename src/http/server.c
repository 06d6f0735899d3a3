/* server.c - see server.h: the listening address, starting and stopping
 * the server, and its counters for /metrics. One request's way through
 * libmicrohttpd is in server_request.c; accepting connections, the limits
 * and the worker threads in server_accept.c (server_int.h has their
 * shared state). */
#include "http/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/mono.h"

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
     * are refused (pd_srv_on_access), and the pool is freed once no worker can
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
            pd_srv_wake(w);
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
         "Idle connections closed at the connection limit to let waiting clients in.", &s->evicted},
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
    int rc = pd_srv_make_busy_answer(s, err);
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
     * that a thread of ours runs (pd_srv_worker_loop). Each of libmicrohttpd
     * 0.9.75's own ways fails under load on this kernel
     * (docs/internals/http.md): its epoll thread stalls on 128 ready
     * connections (see pd_srv_worker_loop); in poll mode, some wrk runs at 256
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
    unsigned flags =
        MHD_USE_ERROR_LOG | MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME;
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
            return start_failed(s,
                                pd_error_set(err, PD_EIO, "server: eventfd: %s", strerror(errno)));
        /* The daemon's limit has a connection of slack: it may tell us a
         * connection closed a moment before it counts it gone. Host and
         * the target's spaces are checked by us (begin_request), so that
         * those refusals are JSON too: strict mode would answer them with
         * libmicrohttpd's own HTML page. */
        w->mhd = MHD_start_daemon(
            flags, 0, NULL, NULL, pd_srv_on_access, s, MHD_OPTION_EXTERNAL_LOGGER,
            pd_srv_on_mhd_log, s, MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_connections + 1,
            MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            s->cfg.head_max + HEAD_RESERVE, MHD_OPTION_NOTIFY_CONNECTION, pd_srv_on_connection, w,
            MHD_OPTION_URI_LOG_CALLBACK, pd_srv_on_uri, w, MHD_OPTION_NOTIFY_COMPLETED,
            pd_srv_on_completed, s, MHD_OPTION_STRICT_FOR_CLIENT, (int)0, MHD_OPTION_END);
        if (!w->mhd)
            return start_failed(
                s, pd_error_set(err, PD_EIO, "server: libmicrohttpd did not start (see the log)"));
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
        if (!di)
            return start_failed(
                s, pd_error_set(err, PD_EIO, "server: libmicrohttpd has no epoll descriptor"));
        w->mhd_fd = di->epoll_fd;
        int te = pthread_create(&w->thread, NULL, pd_srv_worker_loop, w);
        if (te != 0)
            return start_failed(
                s, pd_error_set(err, PD_EIO, "server: cannot start a worker: %s", strerror(te)));
        w->running = 1;
    }
    int pe = pthread_create(&s->acceptor, NULL, pd_srv_accept_loop, s);
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
