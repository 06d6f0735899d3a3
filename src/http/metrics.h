/*
 * metrics.h - what the server counts, in Prometheus' text format, and the
 * two operational routes: GET /metrics and GET /healthz.
 *
 * Counted for every request: partnerd_http_requests_total{route,status} and
 * the latency histogram partnerd_http_request_duration_seconds{route}, the
 * route being its name in the table ("unmatched" for paths no route fits).
 * Also partnerd_http_requests_in_flight and process_start_time_seconds.
 * Other modules add gauges (the number of certified creators, ...) with
 * pd_metrics_add_gauge; each is read when /metrics is scraped.
 *
 * Threads: observations are lock-free (relaxed atomics), from any thread;
 * gauges may be added at any time; pd_metrics_write may run concurrently
 * with both.
 */
#ifndef PD_HTTP_METRICS_H
#define PD_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "http/router.h"
#include "util/buf.h"

typedef struct pd_metrics pd_metrics;

#define PD_METRICS_GAUGES_MAX 64

/* An empty registry; NULL when out of memory. */
pd_metrics *pd_metrics_new(void);
void pd_metrics_free(pd_metrics *m); /* NULL ok */

/* Makes room for the routes of r, whose names become the route labels.
 * Once, with the router complete (pd_server_start does it); r must outlive
 * the registry. Requests ended before this are not counted. */
int pd_metrics_attach(pd_metrics *m, const pd_router *r, pd_error *err);

/* A request has begun (for the in-flight gauge). */
void pd_metrics_begin(pd_metrics *m);
/* A request has ended: its route's index in the router ((size_t)-1 for
 * none), the status sent (0 when none was: only the in-flight gauge
 * moves), and how long it took. */
void pd_metrics_end(pd_metrics *m, size_t route_index, unsigned status, uint64_t micros);

/* Reads a gauge's current value; returns 0, or -1 to leave it out of this
 * scrape (the value cannot be had just now). Called from the scraping
 * thread, with other gauges' reads serialized by the registry. */
typedef int (*pd_gauge_fn)(void *ctx, double *value);

/* Adds a gauge: name matches [a-zA-Z_:][a-zA-Z0-9_:]* and is not taken,
 * help is one line (both copied). ctx must live as long as the registry. */
int pd_metrics_add_gauge(pd_metrics *m, const char *name, const char *help, pd_gauge_fn fn,
                         void *ctx, pd_error *err);
/* The same for a value that only grows (a count since start, named
 * ..._total by convention), exposed with TYPE counter; names are shared
 * with the gauges. */
int pd_metrics_add_counter(pd_metrics *m, const char *name, const char *help, pd_gauge_fn fn,
                           void *ctx, pd_error *err);

/* Appends every metric in the text exposition format 0.0.4 to out. */
int pd_metrics_write(pd_metrics *m, pd_buf *out, pd_error *err);

/* The routes GET /healthz (public) and GET /metrics, whose access class
 * is the caller's to choose (the auth layer's operators, say, or
 * PD_ACCESS_PUBLIC): the counters tell how busy the platform is, how many
 * sign-ins fail, which routes are slow, which is no stranger's business.
 * The registry keeps the two routes; it must outlive the router. */
int pd_ops_routes_add(pd_router *router, pd_metrics *m, unsigned metrics_access, pd_error *err);

/* The two routes as pd_ops_routes_add adds them with PD_ACCESS_PUBLIC. */
extern const pd_route pd_ops_routes[];
extern const size_t pd_ops_routes_count;

#endif
