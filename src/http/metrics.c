/* metrics.c - see metrics.h. */
#include "http/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/request.h"
#include "util/jsonw.h"

/* Upper bounds of the latency buckets, in microseconds: 100 us to 10 s. */
static const uint64_t bucket_us[] = {100,     250,     500,     1000,    2500,   5000,
                                     10000,   25000,   50000,   100000,  250000, 500000,
                                     1000000, 2500000, 5000000, 10000000};
#define NBUCKETS (sizeof bucket_us / sizeof bucket_us[0])

#define STATUS_MIN 100
#define STATUS_MAX 599

typedef struct route_stats {
    atomic_uint_fast64_t status[STATUS_MAX - STATUS_MIN + 1];
    atomic_uint_fast64_t bucket[NBUCKETS + 1]; /* the last one: above every bound */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
} route_stats;

typedef struct gauge {
    char name[128];
    char help[256];
    pd_gauge_fn fn;
    void *ctx;
    const char *type; /* "gauge" or "counter" */
} gauge;

struct pd_metrics {
    const pd_router *router;
    size_t nroutes;
    route_stats *stats; /* nroutes + 1: the last counts requests no route fits */
    atomic_int_fast64_t inflight;
    double start_time;
    pd_route ops[2];      /* /healthz and /metrics, as added (pd_ops_routes_add) */
    pthread_mutex_t lock; /* gauges */
    size_t ngauges;
    gauge gauges[PD_METRICS_GAUGES_MAX];
};

pd_metrics *pd_metrics_new(void)
{
    pd_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    atomic_init(&m->inflight, 0);
    pthread_mutex_init(&m->lock, NULL);
    return m;
}

void pd_metrics_free(pd_metrics *m)
{
    if (!m)
        return;
    free(m->stats);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

int pd_metrics_attach(pd_metrics *m, const pd_router *r, pd_error *err)
{
    if (m->stats)
        return pd_error_set(err, PD_EINTERNAL, "metrics: attached twice");
    size_t n = pd_router_count(r);
    /* calloc'd zero bytes are valid zero atomics on every platform we run on. */
    m->stats = calloc(n + 1, sizeof *m->stats);
    if (!m->stats)
        return pd_error_set(err, PD_ENOMEM, "metrics: out of memory");
    m->router = r;
    m->nroutes = n;
    return PD_OK;
}

void pd_metrics_begin(pd_metrics *m)
{
    atomic_fetch_add_explicit(&m->inflight, 1, memory_order_relaxed);
}

void pd_metrics_end(pd_metrics *m, size_t route_index, unsigned status, uint64_t micros)
{
    atomic_fetch_sub_explicit(&m->inflight, 1, memory_order_relaxed);
    /* No answer was sent (the client went away first): nothing to count. */
    if (!m->stats || status < STATUS_MIN || status > STATUS_MAX)
        return;
    route_stats *s = &m->stats[route_index < m->nroutes ? route_index : m->nroutes];
    atomic_fetch_add_explicit(&s->status[status - STATUS_MIN], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBUCKETS && micros > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, micros, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                 (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return 0;
    }
    return 1;
}

static int add_read(pd_metrics *m, const char *type, const char *name, const char *help,
                    pd_gauge_fn fn, void *ctx, pd_error *err)
{
    if (!valid_name(name) || strlen(name) >= sizeof m->gauges[0].name)
        return pd_error_set(err, PD_EINTERNAL, "metrics: bad %s name '%.60s'", type, name);
    if (!fn || strlen(help) >= sizeof m->gauges[0].help || strchr(help, '\n'))
        return pd_error_set(err, PD_EINTERNAL, "metrics: %s %s: bad help or no function", type,
                            name);
    int rc = PD_OK;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->ngauges; i++)
        if (strcmp(m->gauges[i].name, name) == 0)
            rc = pd_error_set(err, PD_ECONFLICT, "metrics: %s added twice", name);
    if (rc == PD_OK && m->ngauges == PD_METRICS_GAUGES_MAX)
        rc = pd_error_set(err, PD_ENOMEM, "metrics: more than %d gauges and counters",
                          PD_METRICS_GAUGES_MAX);
    if (rc == PD_OK) {
        gauge *g = &m->gauges[m->ngauges++];
        snprintf(g->name, sizeof g->name, "%s", name);
        snprintf(g->help, sizeof g->help, "%s", help);
        g->fn = fn;
        g->ctx = ctx;
        g->type = type;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int pd_metrics_add_gauge(pd_metrics *m, const char *name, const char *help, pd_gauge_fn fn,
                         void *ctx, pd_error *err)
{
    return add_read(m, "gauge", name, help, fn, ctx, err);
}

int pd_metrics_add_counter(pd_metrics *m, const char *name, const char *help, pd_gauge_fn fn,
                           void *ctx, pd_error *err)
{
    return add_read(m, "counter", name, help, fn, ctx, err);
}

/* A label value: backslash, quote and newline escaped. */
static void put_label(pd_buf *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            pd_buf_puts(out, "\\\\");
        else if (*s == '"')
            pd_buf_puts(out, "\\\"");
        else if (*s == '\n')
            pd_buf_puts(out, "\\n");
        else
            pd_buf_putc(out, *s);
    }
}

static void put_route(pd_buf *out, const pd_metrics *m, size_t i)
{
    pd_buf_puts(out, "route=\"");
    put_label(out, i < m->nroutes ? pd_router_route(m->router, i, NULL)->name : "unmatched");
    pd_buf_putc(out, '"');
}

static uint64_t load(atomic_uint_fast64_t *a)
{
    return (uint64_t)atomic_load_explicit(a, memory_order_relaxed);
}

int pd_metrics_write(pd_metrics *m, pd_buf *out, pd_error *err)
{
    size_t nstats = m->stats ? m->nroutes + 1 : 0;

    pd_buf_puts(out, "# HELP partnerd_http_requests_total HTTP requests answered, by route and "
                     "status.\n# TYPE partnerd_http_requests_total counter\n");
    for (size_t i = 0; i < nstats; i++)
        for (unsigned st = STATUS_MIN; st <= STATUS_MAX; st++) {
            uint64_t v = load(&m->stats[i].status[st - STATUS_MIN]);
            if (!v)
                continue;
            pd_buf_puts(out, "partnerd_http_requests_total{");
            put_route(out, m, i);
            pd_buf_printf(out, ",status=\"%u\"} %llu\n", st, (unsigned long long)v);
        }

    pd_buf_puts(out, "# HELP partnerd_http_request_duration_seconds Time from the request line "
                     "to the last byte of the answer.\n"
                     "# TYPE partnerd_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nstats; i++) {
        route_stats *s = &m->stats[i];
        /* Read the buckets first and derive the count from them, so that
         * the +Inf bucket and _count always agree within one scrape. */
        uint64_t buckets[NBUCKETS + 1], total = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            buckets[b] = load(&s->bucket[b]);
            total += buckets[b];
        }
        if (total == 0)
            continue;
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += buckets[b];
            pd_buf_puts(out, "partnerd_http_request_duration_seconds_bucket{");
            put_route(out, m, i);
            if (b < NBUCKETS)
                pd_buf_printf(out, ",le=\"%g\"} %llu\n", (double)bucket_us[b] / 1e6,
                              (unsigned long long)cum);
            else
                pd_buf_printf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
        }
        pd_buf_puts(out, "partnerd_http_request_duration_seconds_sum{");
        put_route(out, m, i);
        pd_buf_printf(out, "} %.6f\n", (double)load(&s->sum_us) / 1e6);
        pd_buf_puts(out, "partnerd_http_request_duration_seconds_count{");
        put_route(out, m, i);
        pd_buf_printf(out, "} %llu\n", (unsigned long long)total);
    }

    pd_buf_printf(out,
                  "# HELP partnerd_http_requests_in_flight Requests begun and not yet answered.\n"
                  "# TYPE partnerd_http_requests_in_flight gauge\n"
                  "partnerd_http_requests_in_flight %lld\n",
                  (long long)atomic_load_explicit(&m->inflight, memory_order_relaxed));
    pd_buf_printf(out,
                  "# HELP process_start_time_seconds Start time of the process since the Unix "
                  "epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"
                  "process_start_time_seconds %.3f\n",
                  m->start_time);

    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->ngauges; i++) {
        const gauge *g = &m->gauges[i];
        double v;
        if (g->fn(g->ctx, &v) != 0)
            continue;
        pd_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", g->name, g->help, g->name,
                      g->type, g->name, v);
    }
    pthread_mutex_unlock(&m->lock);

    if (pd_buf_failed(out))
        return pd_error_set(err, PD_ENOMEM, "metrics: the answer does not fit");
    return PD_OK;
}

/* ---- the routes ----------------------------------------------------------- */

static int get_metrics(pd_req *req, void *ctx, pd_error *err)
{
    int rc = pd_metrics_write(ctx, pd_req_out(req), err);
    if (rc)
        return rc;
    pd_req_content_type(req, "text/plain; version=0.0.4; charset=utf-8");
    return PD_OK;
}

static int get_healthz(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "status", "ok");
    pd_jsonw_obj_end(w);
    return PD_OK;
}

const pd_route pd_ops_routes[] = {
    {.method = "GET",
     .pattern = "/healthz",
     .name = "ops.healthz",
     .summary = "Liveness: 200 {\"status\":\"ok\"} while the server answers",
     .access = PD_ACCESS_PUBLIC,
     .handler = get_healthz,
     .quick = 1},
    {.method = "GET",
     .pattern = "/metrics",
     .name = "ops.metrics",
     .summary = "Counters, latency histograms and gauges in Prometheus' text format",
     .access = PD_ACCESS_PUBLIC,
     .handler = get_metrics},
};
const size_t pd_ops_routes_count = PD_ROUTES_COUNT(pd_ops_routes);

int pd_ops_routes_add(pd_router *router, pd_metrics *m, unsigned metrics_access, pd_error *err)
{
    _Static_assert(PD_ROUTES_COUNT(pd_ops_routes) == PD_ROUTES_COUNT(m->ops), "ops routes");
    for (size_t i = 0; i < PD_ROUTES_COUNT(m->ops); i++) {
        m->ops[i] = pd_ops_routes[i];
        if (m->ops[i].handler == get_metrics)
            m->ops[i].access = metrics_access;
    }
    return pd_router_add(router, m->ops, PD_ROUTES_COUNT(m->ops), m, err);
}
