/* server_request.c - see server_int.h. The glue between libmicrohttpd and
 * pd_req.
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
#include "http/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/dispatch.h"
#include "util/mono.h"

static void run_handed(pd_job *job);

/* ---- the per-request callbacks ------------------------------------------------------ */

void *pd_srv_on_uri(void *cls, const char *uri, struct MHD_Connection *c)
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

enum MHD_Result pd_srv_on_access(void *cls, struct MHD_Connection *c, const char *url,
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
            pd_srv_wake(h->w);
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
    pd_srv_wake(w);
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

void pd_srv_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
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
    int64_t us =
        (int64_t)(now.tv_sec - h->t0.tv_sec) * 1000000 + (now.tv_nsec - h->t0.tv_nsec) / 1000;
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
void pd_srv_on_mhd_log(void *cls, const char *fmt, va_list ap)
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
