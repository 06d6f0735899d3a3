/* server_accept.c - see server_int.h: the accepting thread (the overall
 * connection limit, the per-address limit through http/peers.h, waiting
 * for room), the hand-over of connections to the worker threads, and each
 * worker's loop with its deadlines (sweep) and evictions. */
#include "http/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/mono.h"

/* ---- accepting -------------------------------------------------------------------------- */

/* libmicrohttpd's word that a connection we handed it has begun (inside
 * MHD_add_connection, on the worker's thread) or closed. */
void pd_srv_on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
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

void pd_srv_wake(worker *w)
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
int pd_srv_make_busy_answer(pd_server *s, pd_error *err)
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
        pd_srv_wake(&s->workers[i]);
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
void *pd_srv_accept_loop(void *arg)
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
            pd_srv_wake(w);
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
        int64_t allowed =
            k->ph == PH_HEAD ? head_ms : body_ms + (int64_t)(k->received * 1000 / c->body_min_rate);
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
void *pd_srv_worker_loop(void *arg)
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
