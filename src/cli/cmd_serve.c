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
#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/demo.h"
#include "util/num.h"
#include "auth/ratelimit.h"
#include "api/accounts.h"
#include "site/site.h"
#include "api/creators.h"
#include "app/impact.h"
#include "http/metrics.h"
#include "api/policies.h"
#include "http/router.h"
#include "http/server.h"
#include "app/sweeper.h"
#include "core/instant.h"
#include "store/store.h"
#include "util/log.h"

static const char usage[] =
    "Usage: partnerd serve --db FILE [--listen ADDR:PORT] [--threads N] [--handlers N]\n"
    "                      [--max-connections N] [--max-per-address N] [--max-body BYTES]\n"
    "                      [--timeout SECONDS] [--drain SECONDS] [--metrics-access WHO]\n"
    "                      [--log-level LEVEL] [--clock INSTANT] [limits below]\n"
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
    "                        as many more for the other methods (writes, the policy\n"
    "                        simulator, imports)\n"
    "  --sign-in-threads N   threads checking passwords (POST /api/login, the sign-in\n"
    "                        page), 1 to 64 (default 2; 64 MiB each while hashing)\n"
    "  --sign-in-queue N     sign-ins waiting for one of them at most, 1 to 100000\n"
    "                        (default 32); past it 503 with Retry-After at once\n"
    "  --metrics-access WHO  who may read GET /metrics: operator (default: signed in\n"
    "                        as an operator) or public (anyone, e.g. a Prometheus on\n"
    "                        a private network)\n"
    "  --drain SECONDS       on stop, wait this long for requests in flight (default 30)\n"
    "  --log-level LEVEL     debug, info, warn or error (default info)\n"
    "  --clock INSTANT       run the server's one clock from this ISO-8601 instant\n"
    "                        (2019-05-31T23:59:55Z) instead of now: what it records\n"
    "                        (created_at), tokens' expiry, sign-in limits' windows,\n"
    "                        device proofs, and the day online certification is for\n"
    "                        and sweeps at (each UTC midnight of that clock); for\n"
    "                        tests and demos. Without it, the environment variable\n"
    "                        PARTNERD_CLOCK does the same (as for 'user', 'brand'\n"
    "                        and 'mcn'); --clock wins\n"
    "\n"
    "Limits (what one client may hold; docs/internals/http.md, Limits):\n"
    "  --max-connections N   open connections at most (default 1024; the open-file\n"
    "                        limit is raised to fit, else it lowers this). At the\n"
    "                        limit new clients wait, and connections idle for 2 s\n"
    "                        or more are closed, oldest first, to let them in\n"
    "  --max-per-address N   open connections from one client address (an IPv6 /64)\n"
    "                        at most (default 512); past it a new one is answered\n"
    "                        503 and closed at once. Behind a reverse proxy every\n"
    "                        client has the proxy's address: give it the value of\n"
    "                        --max-connections there, and limit clients in the proxy\n"
    "  --header-timeout SECONDS  a request's line and headers must arrive within this\n"
    "                        of the connection's start or of the previous answer\n"
    "                        (default 10); else the connection is closed. An idle\n"
    "                        keep-alive connection is closed after it too\n"
    "  --body-timeout SECONDS  a request body may take this long (default 10), and\n"
    "  --body-min-rate BYTES   then must keep coming at this many bytes a second\n"
    "                        (default 4096); else the connection is closed\n"
    "  --timeout SECONDS     close a connection silent this long while an answer is\n"
    "                        sent or a body read (default 30)\n"
    "  --max-body BYTES      largest request body, for CSV imports (default 1048576);\n"
    "                        larger gets 413\n"
    "  --max-json-body BYTES largest JSON body of any other route (default 65536);\n"
    "                        sign-ins take 8 KiB at most\n"
    "  --max-body-memory BYTES  request bodies in flight hold this much at most\n"
    "                        together (default 67108864); past it 503 with\n"
    "                        Retry-After\n"
    "  A request is checked from its headers, before its body is read: a caller the\n"
    "  route refuses gets 401 or 403, a body over the route's ceiling 413, framing a\n"
    "  proxy could read another way (Content-Length twice, with Transfer-Encoding,\n"
    "  a header name with a space) 400, a Transfer-Encoding other than chunked 501;\n"
    "  each such answer closes the connection. Headers: 16 KiB at most (431).\n"
    "\n"
    "Routes: GET /openapi.json describes every route of the API (OpenAPI 3.1);\n"
    "GET /healthz, GET /metrics (Prometheus text format; see --metrics-access); web\n"
    "pages at /login, /discover, /creators/ID and /simulator.\n"
    "\n"
    "Exit status: 0 stopped by a signal, 2 usage, 3 cannot listen or open the\n"
    "database.\n";

/* The options of serve; strings point into argv. */
typedef struct serve_options {
    const char *listen;
    const char *db_path;     /* the database file */
    pd_server_config limits; /* threads, handlers and every limit given (0: default) */
    unsigned drain_s;
    int metrics_public; /* --metrics-access public */
    int demo;
    const char *clock;    /* --clock: ISO-8601, or NULL (then PARTNERD_CLOCK) */
    pd_clock clock_value; /* the one clock: from --clock, PARTNERD_CLOCK or the
                             system's (cli/common.h, pd_cli_clock)           */
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

/* The options that are a number: where it goes in the config and its range. */
typedef struct num_option {
    int id;
    const char *name;
    uint64_t min, max;
} num_option;

enum {
    OPT_THREADS = 't',
    OPT_HANDLERS = 'H',
    OPT_MAX_CONN = 'c',
    OPT_MAX_BODY = 'b',
    OPT_TIMEOUT = 'T',
    OPT_DRAIN = 'D',
    OPT_PER_ADDR = 256,
    OPT_HEADER_TIMEOUT,
    OPT_BODY_TIMEOUT,
    OPT_BODY_RATE,
    OPT_JSON_BODY,
    OPT_BODY_MEMORY,
    OPT_SIGN_IN_THREADS,
    OPT_SIGN_IN_QUEUE,
    OPT_METRICS_ACCESS
};

static const num_option num_options[] = {
    {OPT_THREADS, "--threads", 2, 256},
    {OPT_HANDLERS, "--handlers", 1, 1024},
    {OPT_MAX_CONN, "--max-connections", 1, 1000000},
    {OPT_PER_ADDR, "--max-per-address", 1, 1000000},
    {OPT_MAX_BODY, "--max-body", 1, 1u << 30},
    {OPT_JSON_BODY, "--max-json-body", 1, 1u << 30},
    {OPT_BODY_MEMORY, "--max-body-memory", 1024, (uint64_t)1 << 40},
    {OPT_TIMEOUT, "--timeout", 1, 3600},
    {OPT_HEADER_TIMEOUT, "--header-timeout", 1, 3600},
    {OPT_BODY_TIMEOUT, "--body-timeout", 1, 3600},
    {OPT_BODY_RATE, "--body-min-rate", 1, 1u << 30},
    {OPT_DRAIN, "--drain", 0, 3600},
    {OPT_SIGN_IN_THREADS, "--sign-in-threads", 1, 64},
    {OPT_SIGN_IN_QUEUE, "--sign-in-queue", 1, 100000},
};

/* Stores the value of a number option where it belongs. */
static void set_num(serve_options *o, int id, uint64_t v)
{
    pd_server_config *c = &o->limits;
    switch (id) {
    case OPT_THREADS: c->threads = (unsigned)v; break;
    case OPT_HANDLERS: c->handlers = (unsigned)v; break;
    case OPT_MAX_CONN: c->max_connections = (unsigned)v; break;
    case OPT_PER_ADDR: c->max_per_address = (unsigned)v; break;
    case OPT_MAX_BODY: c->body_max = (size_t)v; break;
    case OPT_JSON_BODY: c->json_body_max = (size_t)v; break;
    case OPT_BODY_MEMORY: c->body_memory_max = (size_t)v; break;
    case OPT_TIMEOUT: c->timeout_s = (unsigned)v; break;
    case OPT_HEADER_TIMEOUT: c->header_timeout_s = (unsigned)v; break;
    case OPT_BODY_TIMEOUT: c->body_timeout_s = (unsigned)v; break;
    case OPT_BODY_RATE: c->body_min_rate = (size_t)v; break;
    case OPT_DRAIN: o->drain_s = (unsigned)v; break;
    case OPT_SIGN_IN_THREADS: c->sign_in_threads = (unsigned)v; break;
    case OPT_SIGN_IN_QUEUE: c->sign_in_queue = (unsigned)v; break;
    }
}

static int parse_options(int argc, char **argv, serve_options *o)
{
    static const struct option own[] = {
        {"listen", required_argument, NULL, 'l'},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"handlers", required_argument, NULL, OPT_HANDLERS},
        {"max-connections", required_argument, NULL, OPT_MAX_CONN},
        {"max-per-address", required_argument, NULL, OPT_PER_ADDR},
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-json-body", required_argument, NULL, OPT_JSON_BODY},
        {"max-body-memory", required_argument, NULL, OPT_BODY_MEMORY},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT},
        {"body-timeout", required_argument, NULL, OPT_BODY_TIMEOUT},
        {"body-min-rate", required_argument, NULL, OPT_BODY_RATE},
        {"drain", required_argument, NULL, OPT_DRAIN},
        {"sign-in-threads", required_argument, NULL, OPT_SIGN_IN_THREADS},
        {"sign-in-queue", required_argument, NULL, OPT_SIGN_IN_QUEUE},
        {"metrics-access", required_argument, NULL, OPT_METRICS_ACCESS},
        {"log-level", required_argument, NULL, 'L'},
        {"demo", no_argument, NULL, 'M'},
        {"clock", required_argument, NULL, 'K'},
        {NULL, 0, NULL, 0}};
    int opt, rc;
    uint64_t v = 0;
    pd_cli_opts po = {.cmd = "serve", .usage = usage, .own = own, .db = &o->db_path, .no_args = 1};
    while ((opt = pd_cli_opt(&po, argc, argv)) > 0) {
        const num_option *num = NULL;
        for (size_t i = 0; i < sizeof num_options / sizeof num_options[0]; i++)
            if (num_options[i].id == opt)
                num = &num_options[i];
        if (num) {
            if ((rc = parse_num(num->name, optarg, num->min, num->max, &v)) != 0)
                return rc;
            set_num(o, opt, v);
            continue;
        }
        switch (opt) {
        case 'l': o->listen = optarg; break;
        case OPT_METRICS_ACCESS:
            if (strcmp(optarg, "operator") != 0 && strcmp(optarg, "public") != 0)
                return pd_cli_usage_error("serve", "--metrics-access '%s': operator or public",
                                          optarg);
            o->metrics_public = strcmp(optarg, "public") == 0;
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
        case 'K': o->clock = optarg; break;
        }
    }
    if (opt < 0)
        return po.status ? po.status : -1;
    pd_error cerr = {0};
    if (pd_cli_clock(o->clock, &o->clock_value, &cerr) != PD_OK)
        return pd_cli_usage_error("serve", "%s", cerr.msg);
    return PD_OK;
}

/* Request bodies (up to --max-body) and large answers are allocated and
 * freed by many threads. glibc serves a block above its mmap threshold
 * (128 KiB) with a mapping of its own, given back at free, but after the
 * first such free it raises the threshold to that block's size, and from
 * then on bodies of a megabyte come from the threads' arenas, which keep
 * the memory after the requests end (a burst of 200 imports of 1 MiB left
 * 49 MiB held; with the threshold fixed, 15 MiB). Fixing it turns the
 * adjustment off. */
static void keep_large_blocks_mapped(void)
{
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

/* The open-file limit up to its hard limit, so that --max-connections is
 * what is served: each connection is a descriptor, and the usual soft
 * limit (1024) would lower it below the default. */
static void raise_open_files(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            PD_LOG(PD_LOG_WARN, "cannot raise the open-file limit", PD_LOG_UINT("soft", was),
                   PD_LOG_UINT("hard", rl.rlim_max), PD_LOG_STR("why", strerror(errno)));
    }
}

#define POOL_SPARE 4               /* store connections beyond one a server thread */
#define TOKEN_CACHE_SLOTS 1024     /* token checks kept (accounts.h) */
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
        if (pd_demo_prepare(o.db_path, &o.clock_value, stderr, &demo, &derr) != PD_OK)
            return derr.code == PD_EUSAGE ? pd_cli_usage_error("serve", "%s", derr.msg)
                                          : pd_cli_fail("serve", &derr);
    }

    pd_error err = {0};
    pd_store *store = NULL;
    pd_accounts accounts = {.cost = PD_PWCOST_INTERACTIVE};
    pd_policies policies = {0};
    pd_creators creators = {0};
    pd_site api = {0}; /* every route's context: lives as long as the router */
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
    raise_open_files();
    keep_large_blocks_mapped();
    /* The clock says --clock's instant from here (a demo took its time). */
    pd_cli_clock(o.clock, &o.clock_value, NULL); /* checked by parse_options */
    pd_store_options so = {.create = 1,
                           .migrate = 1,
                           .pool_size = pd_server_workers_for(&o.limits) + POOL_SPARE,
                           .clock = &o.clock_value};
    accounts.clock = &o.clock_value;
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
    api = (pd_site){.store = store,
                    .accounts = &accounts,
                    .creators = &creators,
                    .policies = &policies,
                    .metrics = metrics,
                    .metrics_access = o.metrics_public ? PD_ACCESS_PUBLIC : PD_ACCESS_OPERATOR,
                    .version = PD_VERSION};
    if ((rc = pd_site_add(&api, router, &err)) != 0)
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

    pd_server_config cfg = o.limits;
    cfg.listen = o.listen;
    cfg.router = router;
    cfg.metrics = metrics;
    cfg.guard = pd_accounts_guard;
    cfg.guard_ctx = &accounts;
    cfg.log_requests = 1;
    pd_server *server;
    if ((rc = pd_server_start(&cfg, &server, &err)) != 0)
        goto out;
    fprintf(stderr, "partnerd serve: listening on %s\n", pd_server_url(server));
    if (o.demo)
        pd_demo_print(&demo, pd_server_url(server), stderr);
    const pd_server_config *in_force = pd_server_config_of(server);
    PD_LOG(PD_LOG_INFO, "listening", PD_LOG_STR("url", pd_server_url(server)),
           PD_LOG_UINT("routes", pd_router_count(router)),
           PD_LOG_UINT("threads", in_force->threads), PD_LOG_UINT("handlers", in_force->handlers),
           PD_LOG_UINT("sign_in_threads", in_force->sign_in_threads),
           PD_LOG_UINT("max_connections", in_force->max_connections),
           PD_LOG_UINT("max_per_address", in_force->max_per_address),
           PD_LOG_STR("metrics_access", o.metrics_public ? "public" : "operator"));

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
    pd_site_free(&api);
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
