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
#include "cli/demo.h"
#include "core/num.h"
#include "auth/ratelimit.h"
#include "http/accounts.h"
#include "http/api.h"
#include "http/creators.h"
#include "http/impact.h"
#include "http/metrics.h"
#include "http/policies.h"
#include "http/router.h"
#include "http/server.h"
#include "http/sweeper.h"
#include "core/instant.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
    "Usage: partnerd serve --db FILE [--listen ADDR:PORT] [--threads N] [--handlers N]\n"
    "                      [--max-connections N] [--max-body BYTES] [--timeout SECONDS]\n"
    "                      [--drain SECONDS] [--log-level LEVEL] [--clock INSTANT]\n"
    "       partnerd serve --demo [--db FILE] [--listen ADDR:PORT] ...\n"
    "\n"
    "Runs the platform (HTTP API and web pages) until SIGTERM or SIGINT, then\n"
    "stops gracefully: no new connections, requests in flight finish, then it\n"
    "exits 0. Logs are JSON lines on stderr, one per request.\n"
    "\n"
    "To try partnerd, run it with --demo: it makes a demo database with a whole\n"
    "population of creators and an account per role, and prints their logins.\n"
    "For your own data, make a database and its first account, then serve it:\n"
    "  partnerd migrate --db partnerd.db\n"
    "  partnerd user add --db partnerd.db --name admin --role operator\n"
    "  partnerd serve --db partnerd.db\n"
    "\n"
    "  --db FILE             the SQLite database to serve (required without --demo);\n"
    "                        created (readable by its owner only) and brought up to\n"
    "                        date when needed\n"
    "  --demo                serve demo data: when FILE (default partnerd-demo.db)\n"
    "                        does not exist yet, fill it with 17,000 creators and\n"
    "                        their posts of the last 60 days (the red-2019 population),\n"
    "                        both preset policies (red-2019-v2 in force from today),\n"
    "                        a brand, MCNs and one account per role (operator, brand,\n"
    "                        creator, mcn) with a random password; then print the URL\n"
    "                        and the logins. An existing demo database is served\n"
    "                        again as it is (its logins were printed when it was made)\n"
    "  --listen ADDR:PORT    where to listen (default 127.0.0.1:8080): 127.0.0.1:8080,\n"
    "                        [::1]:8080, :8080 (every IPv4 address); port 0 picks a\n"
    "                        free port, printed on stderr\n"
    "  --threads N           connection threads, 2 to 256 (default: 4 per core, at\n"
    "                        most 64); each serves many connections and answers the\n"
    "                        quick routes (discovery, profiles, /healthz) itself\n"
    "  --handlers N          threads for the GET requests that may wait (web pages,\n"
    "                        policies), 1 to 1024 (default: 2 per core, 8 to 64); half\n"
    "                        as many more for the other methods (writes, sign-in, the\n"
    "                        policy simulator, imports)\n"
    "  --max-connections N   open connections at most (default 1024, and below the\n"
    "                        open-file limit)\n"
    "  --max-body BYTES      largest request body (default 1048576); larger gets 413\n"
    "  --timeout SECONDS     close a connection idle this long (default 30)\n"
    "  --drain SECONDS       on stop, wait this long for requests in flight (default 30)\n"
    "  --log-level LEVEL     debug, info, warn or error (default info)\n"
    "  --clock INSTANT       run the store's clock from this ISO-8601 instant\n"
    "                        (2019-05-31T23:59:55Z) instead of now: what the server\n"
    "                        records and the day online certification is for and\n"
    "                        sweeps at (each UTC midnight of that clock); for tests\n"
    "                        and demos\n"
    "\n"
    "Routes: GET /openapi.json describes every route of the API (OpenAPI 3.1);\n"
    "GET /healthz, GET /metrics (Prometheus text format); web pages at /login,\n"
    "/discover, /creators/ID and /simulator.\n"
    "\n"
    "Exit status: 0 stopped by a signal, 2 usage, 3 cannot listen or open the\n"
    "database.\n";

/* The options of serve; strings point into argv. */
typedef struct serve_options {
    const char *listen;
    const char *db_path; /* the database file */
    unsigned threads;
    unsigned handlers;
    unsigned max_connections;
    size_t max_body;
    unsigned timeout_s;
    unsigned drain_s;
    int demo;
    const char *clock; /* --clock: ISO-8601, or NULL for the system clock */
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
                                             {"handlers", required_argument, NULL, 'H'},
                                             {"max-connections", required_argument, NULL, 'c'},
                                             {"max-body", required_argument, NULL, 'b'},
                                             {"timeout", required_argument, NULL, 'T'},
                                             {"drain", required_argument, NULL, 'D'},
                                             {"log-level", required_argument, NULL, 'L'},
                                             {"demo", no_argument, NULL, 'M'},
                                             {"clock", required_argument, NULL, 'K'},
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
        case 'H':
            if ((rc = parse_num("--handlers", optarg, 1, 1024, &v)) != 0)
                return rc;
            o->handlers = (unsigned)v;
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
        case 'M': o->demo = 1; break;
        case 'K': {
            pd_instant t;
            const char *why = "";
            if (pd_instant_parse(optarg, strlen(optarg), &t, &why) < 0)
                return pd_cli_usage_error("serve", "--clock '%s': %s (e.g. 2019-05-31T23:59:55Z)",
                                          optarg, why);
            o->clock = optarg;
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

#define POOL_SPARE 4 /* store connections beyond one a server thread */
#define TOKEN_CACHE_SLOTS 1024    /* token checks kept (accounts.h) */
#define TOKEN_CACHE_VALUE_MAX 1024 /* a user and an expiry, with room */

static int count_user(void *ctx, const pd_user *u)
{
    (void)u;
    ++*(size_t *)ctx;
    return 0;
}

/* A database nobody can sign in to is served, but its operator is told how
 * to add the first account. */
static int warn_without_accounts(pd_store *store, const char *path, pd_error *err)
{
    pd_db *db;
    size_t users = 0;
    int rc = pd_store_acquire(store, &db, err);
    if (rc)
        return rc;
    rc = pd_db_user_list(db, count_user, &users, err);
    pd_store_release(store, db);
    if (rc == PD_OK && users == 0)
        fprintf(stderr,
                "partnerd serve: %s has no accounts yet, so nobody can sign in; add the first "
                "with:\n  partnerd user add --db %s --name admin --role operator\n",
                path, path);
    return rc;
}

/* After each daily sweep: the impact population is out of date. */
static void on_sweep(void *ctx, const pd_online_report *rep)
{
    if (rep->to_day != rep->from_day || rep->policy_changed || rep->recomputed ||
        rep->creators_touched)
        pd_impact_changed(ctx);
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
    serve_options o = {.listen = "127.0.0.1:8080", .db_path = NULL, .drain_s = 30};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.db_path && !o.demo)
        return pd_cli_usage_error("serve",
                                  "which database? --db FILE serves FILE (partnerd serve --help "
                                  "says how to make one and its first account), --demo serves "
                                  "demo data");
    if (!o.db_path)
        o.db_path = "partnerd-demo.db";
    pd_demo demo;
    if (o.demo) {
        pd_error derr = {0};
        if (pd_demo_prepare(o.db_path, stderr, &demo, &derr) != PD_OK)
            return derr.code == PD_EUSAGE ? pd_cli_usage_error("serve", "%s", derr.msg)
                                          : pd_cli_fail("serve", &derr);
    }

    pd_error err = {0};
    pd_store *store = NULL;
    pd_accounts accounts = {.cost = PD_PWCOST_INTERACTIVE};
    pd_policies policies = {0};
    pd_creators creators = {0};
    pd_api api; /* every route's context: lives as long as the router */
    pd_impact *impact = NULL;
    pd_sweeper *sweeper = NULL;
    pd_router *router = pd_router_new();
    pd_metrics *metrics = pd_metrics_new();
    if (!router || !metrics) {
        pd_router_free(router);
        pd_metrics_free(metrics);
        pd_error_set(&err, PD_ENOMEM, "out of memory");
        return pd_cli_fail("serve", &err);
    }
    /* A store connection for every server thread (connection and handler
     * threads), and a few for the sweep, the impact population's builds
     * and the odd handler that holds two: a request never waits for a
     * connection another thread holds. */
    pd_server_config sizing = {.threads = o.threads, .handlers = o.handlers};
    pd_store_options so = {.create = 1, .migrate = 1,
                           .pool_size = pd_server_workers_for(&sizing) + POOL_SPARE};
    if (o.clock) {
        pd_instant t;
        pd_instant_parse(o.clock, strlen(o.clock), &t, NULL); /* checked by parse_options */
        so.clock_offset = t.sec - (int64_t)time(NULL);
    }
    if ((rc = pd_store_open(o.db_path, &so, &store, &err)) != 0)
        goto out;
    if ((rc = warn_without_accounts(store, o.db_path, &err)) != 0)
        goto out;
    accounts.store = store;
    policies.store = store;
    creators.store = store;
    if ((rc = pd_ratelimit_new(NULL, &accounts.limiter, &err)) != 0)
        goto out;
    creators.pages = pd_pagecache_new(PD_PAGECACHE_SLOTS_DEFAULT, PD_PAGECACHE_BODY_MAX);
    accounts.tokens = pd_pagecache_new(TOKEN_CACHE_SLOTS, TOKEN_CACHE_VALUE_MAX);
    if (!creators.pages || !accounts.tokens) {
        rc = pd_error_set(&err, PD_ENOMEM, "out of memory");
        goto out;
    }
    api = (pd_api){.store = store,
                   .accounts = &accounts,
                   .creators = &creators,
                   .policies = &policies,
                   .metrics = metrics,
                   .version = PD_VERSION};
    if ((rc = pd_api_add(&api, router, &err)) != 0)
        goto out;

    /* Block the stop signals before any thread exists, so that every
     * thread inherits the mask and only sigwait below receives them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Threads of online certification: the impact population's refresher
     * and the daily sweep (started here, after the mask). */
    pd_impact_source src = pd_impact_store_source(store);
    if ((rc = pd_impact_new(&src, NULL, &impact, &err)) != 0)
        goto out;
    policies.impact = impact;
    if ((rc = pd_sweeper_start(store, on_sweep, impact, &sweeper, &err)) != 0)
        goto out;

    pd_server_config cfg = {
        .listen = o.listen,
        .threads = o.threads,
        .handlers = o.handlers,
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
    if (o.demo)
        pd_demo_print(&demo, pd_server_url(server), stderr);
    PD_LOG(PD_LOG_INFO, "listening", PD_LOG_STR("url", pd_server_url(server)),
           PD_LOG_UINT("routes", pd_router_count(router)),
           PD_LOG_UINT("threads", pd_server_threads(server)),
           PD_LOG_UINT("handlers", pd_server_handlers(server)),
           PD_LOG_UINT("max_connections", pd_server_max_connections(server)));

    int sig = 0;
    while (sigwait(&sigs, &sig) != 0)
        ;
    PD_LOG(PD_LOG_INFO, "stopping", PD_LOG_STR("signal", signal_name(sig)),
           PD_LOG_UINT("in_flight", pd_server_in_flight(server)));
    pd_server_quiesce(server);
    drain(server, &sigs, o.drain_s);
    pd_server_stop(server, 0);
    uint64_t hits, misses;
    pd_pagecache_stats(creators.pages, &hits, &misses);
    PD_LOG(PD_LOG_INFO, "stopped", PD_LOG_UINT("page_cache_hits", hits),
           PD_LOG_UINT("page_cache_misses", misses));

out:
    pd_sweeper_stop(sweeper);
    pd_impact_free(impact);
    pd_router_free(router);
    pd_metrics_free(metrics);
    pd_ratelimit_free(accounts.limiter);
    pd_pagecache_free(creators.pages);
    pd_pagecache_free(accounts.tokens);
    pd_store_close(store); /* after the server: nothing uses it any more */
    if (rc)
        return err.code == PD_EUSAGE ? pd_cli_usage_error("serve", "%s", err.msg)
                                     : pd_cli_fail("serve", &err);
    return 0;
}
