/* cmd_serve.c - `partnerd serve`: the HTTP server until SIGTERM or SIGINT.
 *
 * Signals: SIGTERM and SIGINT are blocked in every thread (the server's
 * threads inherit the mask from here) and taken by this thread with
 * sigwait, so no code runs inside a signal handler. The first one starts a
 * graceful stop: no new connections, the requests in flight finish (for up
 * to --drain seconds), then the server closes. A second one during that
 * wait stops at once. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/num.h"
#include "auth/ratelimit.h"
#include "http/accounts.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/server.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
    "Usage: partnerd serve [--listen ADDR:PORT] [--db FILE] [--threads N]\n"
    "                      [--max-connections N] [--max-body BYTES] [--timeout SECONDS]\n"
    "                      [--drain SECONDS] [--log-level LEVEL]\n"
    "\n"
    "Runs the HTTP API until SIGTERM or SIGINT, then stops gracefully: no new\n"
    "connections, requests in flight finish, then it exits 0. Logs are JSON lines\n"
    "on stderr, one per request.\n"
    "\n"
    "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080): 127.0.0.1:8080,\n"
    "                        [::1]:8080, :8080 (every IPv4 address); port 0 picks a\n"
    "                        free port, printed on stderr\n"
    "  --db FILE             the SQLite database (default partnerd.db); created and\n"
    "                        brought up to date when needed\n"
    "  --threads N           server threads, 2 to 256 (default: one per core, at least 2)\n"
    "  --max-connections N   open connections at most (default 1024, and below the\n"
    "                        open-file limit)\n"
    "  --max-body BYTES      largest request body (default 1048576); larger gets 413\n"
    "  --timeout SECONDS     close a connection idle this long (default 30)\n"
    "  --drain SECONDS       on stop, wait this long for requests in flight (default 30)\n"
    "  --log-level LEVEL     debug, info, warn or error (default info)\n"
    "\n"
    "Routes: POST /api/login, POST /api/logout, GET /api/me; GET /healthz,\n"
    "GET /metrics (Prometheus text format), GET /openapi.json (every route, as\n"
    "an OpenAPI 3.1 document). Accounts: partnerd user add.\n"
    "\n"
    "Exit status: 0 stopped by a signal, 2 usage, 3 cannot listen.\n";

/* The options of serve; strings point into argv. */
typedef struct serve_options {
    const char *listen;
    const char *db_path; /* the database file */
    unsigned threads;
    unsigned max_connections;
    size_t max_body;
    unsigned timeout_s;
    unsigned drain_s;
} serve_options;

/* A number in [min, max] for option name, or a usage error. */
static int parse_num(const char *name, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *why;
    if (pd_parse_uint(arg, strlen(arg), max, &v, &why) < 0 || v < min)
        return pd_cli_usage_error("serve", "%s '%s': expected a number from %llu to %llu", name,
                                  arg, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return PD_OK;
}

static int parse_options(int argc, char **argv, serve_options *o)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"db", required_argument, NULL, 'd'},
                                             {"threads", required_argument, NULL, 't'},
                                             {"max-connections", required_argument, NULL, 'c'},
                                             {"max-body", required_argument, NULL, 'b'},
                                             {"timeout", required_argument, NULL, 'T'},
                                             {"drain", required_argument, NULL, 'D'},
                                             {"log-level", required_argument, NULL, 'L'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int opt, rc;
    uint64_t v = 0;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l': o->listen = optarg; break;
        case 'd': o->db_path = optarg; break;
        case 't':
            if ((rc = parse_num("--threads", optarg, 2, 256, &v)) != 0)
                return rc;
            o->threads = (unsigned)v;
            break;
        case 'c':
            if ((rc = parse_num("--max-connections", optarg, 1, 1000000, &v)) != 0)
                return rc;
            o->max_connections = (unsigned)v;
            break;
        case 'b':
            if ((rc = parse_num("--max-body", optarg, 1, 1u << 30, &v)) != 0)
                return rc;
            o->max_body = (size_t)v;
            break;
        case 'T':
            if ((rc = parse_num("--timeout", optarg, 1, 3600, &v)) != 0)
                return rc;
            o->timeout_s = (unsigned)v;
            break;
        case 'D':
            if ((rc = parse_num("--drain", optarg, 0, 3600, &v)) != 0)
                return rc;
            o->drain_s = (unsigned)v;
            break;
        case 'L': {
            pd_log_level level;
            if (pd_log_level_parse(optarg, &level) < 0)
                return pd_cli_usage_error("serve", "--log-level '%s': debug, info, warn or error",
                                          optarg);
            pd_log_set_level(level);
            break;
        }
        case 'h': fputs(usage, stdout); return -1;
        case ':': return pd_cli_usage_error("serve", "%s needs a value", argv[optind - 1]);
        default: return pd_cli_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return pd_cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    return PD_OK;
}

/* Every route the server answers. Each module's table is added here with
 * the context its handlers need. */
static int add_routes(pd_router *router, pd_metrics *metrics, pd_accounts *accounts,
                      pd_error *err)
{
    static pd_openapi_ctx openapi; /* lives as long as the process */
    openapi.router = router;
    openapi.version = PD_VERSION;
    int rc = pd_router_add(router, pd_ops_routes, pd_ops_routes_count, metrics, err);
    if (rc == PD_OK)
        rc = pd_openapi_route(router, &openapi, err);
    if (rc == PD_OK)
        rc = pd_accounts_routes(router, accounts, err);
    return rc;
}

static const char *signal_name(int sig)
{
    return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal";
}

/* Waits for the requests in flight, up to drain_s, or for a second signal. */
static void drain(pd_server *s, const sigset_t *sigs, unsigned drain_s)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        unsigned left = pd_server_in_flight(s);
        if (left == 0)
            return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)drain_s) {
            PD_LOG(PD_LOG_WARN, "drain time is over; closing", PD_LOG_UINT("in_flight", left));
            return;
        }
        struct timespec tick = {0, 20 * 1000 * 1000};
        int sig = sigtimedwait(sigs, NULL, &tick);
        if (sig > 0) {
            PD_LOG(PD_LOG_WARN, "second signal; closing now",
                   PD_LOG_STR("signal", signal_name(sig)), PD_LOG_UINT("in_flight", left));
            return;
        }
    }
}

int pd_cmd_serve(int argc, char **argv)
{
    serve_options o = {.listen = "127.0.0.1:8080", .db_path = "partnerd.db", .drain_s = 30};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;

    pd_error err = {0};
    pd_store *store = NULL;
    pd_accounts accounts = {.cost = PD_PWCOST_INTERACTIVE};
    pd_router *router = pd_router_new();
    pd_metrics *metrics = pd_metrics_new();
    if (!router || !metrics) {
        pd_router_free(router);
        pd_metrics_free(metrics);
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        return pd_cli_fail("serve", &err);
    }
    pd_store_options so = {.create = 1, .migrate = 1};
    if ((rc = pd_store_open(o.db_path, &so, &store, &err)) != 0)
        goto out;
    accounts.store = store;
    if ((rc = pd_ratelimit_new(NULL, &accounts.limiter, &err)) != 0)
        goto out;
    if ((rc = add_routes(router, metrics, &accounts, &err)) != 0)
        goto out;

    /* Block the stop signals before any thread exists, so that every
     * thread inherits the mask and only sigwait below receives them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    pd_server_config cfg = {
        .listen = o.listen,
        .threads = o.threads,
        .max_connections = o.max_connections,
        .timeout_s = o.timeout_s,
        .body_max = o.max_body,
        .router = router,
        .metrics = metrics,
        .guard = pd_accounts_guard,
        .guard_ctx = &accounts,
        .log_requests = 1,
    };
    pd_server *server;
    if ((rc = pd_server_start(&cfg, &server, &err)) != 0)
        goto out;
    fprintf(stderr, "partnerd serve: listening on %s\n", pd_server_url(server));
    PD_LOG(PD_LOG_INFO, "listening", PD_LOG_STR("url", pd_server_url(server)),
           PD_LOG_UINT("routes", pd_router_count(router)));

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    PD_LOG(PD_LOG_INFO, "stopping", PD_LOG_STR("signal", signal_name(sig)),
           PD_LOG_UINT("in_flight", pd_server_in_flight(server)));
    pd_server_quiesce(server);
    drain(server, &sigs, o.drain_s);
    pd_server_stop(server, 0);
    pd_log_msg(PD_LOG_INFO, "stopped");

out:
    pd_router_free(router);
    pd_metrics_free(metrics);
    pd_ratelimit_free(accounts.limiter);
    pd_store_close(store); /* after the server: nothing uses it any more */
    if (rc)
        return err.code == PD_EUSAGE ? pd_cli_usage_error("serve", "%s", err.msg)
                                     : pd_cli_fail("serve", &err);
    return 0;
}
