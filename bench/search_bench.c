/* search_bench.c - times discovery pages (pd_db_creator_search) and the
 * population scan (pd_store_window_scan) on a store, through the store's
 * own code path. Driven by bench/search.sh; built on demand
 * (`ninja -C build search_bench`), not by default.
 *
 *   search_bench --db FILE [--prepare] [--runs N] [--pages P] [--import C.csv P.csv]
 *
 * --import   loads the CSV files with pd_store_import first (the store is
 *            created and migrated when missing)
 * --prepare  when the aggregates are stale (after an import), computes
 *            them with SQL for the 30-day window ending with the last day
 *            that has posts, and certification under red-2019-v2 with the
 *            policy code of core/, then marks them current: a stand-in for
 *            pd_app_online_advance, so that filters and sorts on
 *            aggregates see realistic values
 * --online   with --prepare: use online certification itself (policy_add,
 *            policy_activate, pd_app_online_advance) instead of SQL
 * --runs     runs per query (default 200); each run reads --pages pages
 *            (default 3) following the keyset, and each page is one sample
 *
 * Prints, per query, the mean, median, p99 and largest page time in
 * milliseconds, and the rows per page; then the window scan's time on the
 * aggregate columns and on the posts. The parameters of each run vary
 * (categories, ranges, words), so one cached page is not timed again and
 * again.
 *
 * Memory: everything is on the stack or freed before exit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/policy.h"
#include "app/online.h"
#include "app/import.h"
#include "store/store.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const pd_error *err)
{
    fprintf(stderr, "search_bench: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

/* ---- --prepare: aggregates and verdicts without online certification ------------------- */

static void sql_or_die(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "search_bench: %s: %s\n", sql, msg);
        exit(1);
    }
}

static void prepare(const char *path)
{
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("cannot open the database", NULL);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT stale FROM online_state", -1, &st, NULL);
    int stale = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 1;
    sqlite3_finalize(st);
    if (!stale) {
        fprintf(stderr, "# aggregates are current: --prepare has nothing to do\n");
        sqlite3_close(db);
        return;
    }
    const pd_policy *pol = pd_policy_preset("red-2019-v2");
    double t0 = now_ms();
    sql_or_die(db, "BEGIN IMMEDIATE");
    sql_or_die(db, "PRAGMA cache_size = -262144");
    /* The state: today = the last day with posts, the policy's window. */
    char sql[2048];
    snprintf(sql, sizeof sql,
             "UPDATE online_state SET today = (SELECT coalesce(max(published_at), 0) / 86400 "
             "FROM posts), window_days = %u, stale = 0",
             pol->window_days);
    sql_or_die(db, sql);
    snprintf(sql, sizeof sql,
             "WITH a AS (SELECT creator_id, count(*) AS n, sum(sponsored) AS s, sum(views) AS v, "
             "sum(likes + comments + collects) AS e FROM posts WHERE published_at >= "
             "((SELECT today FROM online_state) - %u + 1) * 86400 GROUP BY creator_id) "
             "UPDATE creators SET win_posts = a.n, win_sponsored = a.s, win_views = a.v, "
             "win_engagements = a.e, avg_views = (a.v * 100 + a.n / 2) / a.n, "
             "engagement_bp = CASE WHEN a.v > 0 THEN a.e * 10000 / a.v ELSE 0 END "
             "FROM a WHERE creators.id = a.creator_id",
             pol->window_days);
    sql_or_die(db, sql);
    /* Verdicts with the policy code. */
    sqlite3_stmt *rd, *up;
    sqlite3_prepare_v2(db,
                       "SELECT id, followers, win_posts, win_sponsored, win_views FROM creators",
                       -1, &rd, NULL);
    sqlite3_prepare_v2(db, "UPDATE creators SET certified = ?2, failed_rules = ?3 WHERE id = ?1",
                       -1, &up, NULL);
    /* Read all first (updating while reading the same table is allowed in
     * SQLite, but this keeps it simple). */
    size_t cap = 1 << 20, n = 0;
    int64_t *ids = malloc(cap * sizeof *ids);
    uint32_t *failed = malloc(cap * sizeof *failed);
    while (ids && failed && sqlite3_step(rd) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            ids = realloc(ids, cap * sizeof *ids);
            failed = realloc(failed, cap * sizeof *failed);
            if (!ids || !failed)
                break;
        }
        pd_window_stats w = {.posts = (uint32_t)sqlite3_column_int64(rd, 2),
                             .sponsored = (uint32_t)sqlite3_column_int64(rd, 3),
                             .views = (uint64_t)sqlite3_column_int64(rd, 4)};
        ids[n] = sqlite3_column_int64(rd, 0);
        failed[n++] = pd_policy_failures(pol, (uint64_t)sqlite3_column_int64(rd, 1), &w);
    }
    sqlite3_finalize(rd);
    if (!ids || !failed)
        die("out of memory", NULL);
    size_t certified = 0;
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(up, 1, ids[i]);
        sqlite3_bind_int(up, 2, failed[i] == 0);
        sqlite3_bind_int64(up, 3, failed[i]);
        if (sqlite3_step(up) != SQLITE_DONE)
            die("updating verdicts", NULL);
        sqlite3_reset(up);
        certified += failed[i] == 0;
    }
    sqlite3_finalize(up);
    free(ids);
    free(failed);
    sql_or_die(db, "COMMIT");
    sqlite3_close(db);
    fprintf(stderr,
            "# prepared aggregates and red-2019-v2 verdicts of %zu creators (%zu certified) "
            "in %.1f s\n",
            n, certified, (now_ms() - t0) / 1e3);
}

/* --prepare --online: the real thing, online certification: red-2019-v2
 * from the last day with posts, and pd_app_online_advance to it. */
static void online_prepare(pd_store *s, const char *path)
{
    sqlite3 *raw;
    sqlite3_stmt *st;
    int64_t today = 0;
    if (sqlite3_open(path, &raw) != SQLITE_OK ||
        sqlite3_prepare_v2(raw, "SELECT coalesce(max(published_at), 0) / 86400 FROM posts", -1, &st,
                           NULL) != SQLITE_OK)
        die("reading the last day", NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        today = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    pd_error err = {0};
    pd_db *db;
    double t0 = now_ms();
    if (pd_store_acquire(s, &db, &err))
        die("a connection", &err);
    pd_policy_rec r = {0};
    r.policy = *pd_policy_preset("red-2019-v2");
    if (pd_db_policy_add(db, &r, pd_store_now(s), &err) ||
        pd_db_policy_activate(db, r.id, today, 0, pd_store_now(s), NULL, &err))
        die("activating red-2019-v2", &err);
    pd_store_release(s, db);
    pd_online_report rep;
    if (pd_app_online_advance(s, today, &rep, &err))
        die("pd_app_online_advance", &err);
    pd_online_state os;
    if (pd_store_acquire(s, &db, &err) || pd_db_online_state(db, &os, &err))
        die("reading the online state", &err);
    pd_store_release(s, db);
    fprintf(stderr,
            "# online certification to day %lld in %.1f s: %llu certified (%llu gained, %llu "
            "lost)\n",
            (long long)today, (now_ms() - t0) / 1e3, (unsigned long long)os.certified,
            (unsigned long long)rep.gained, (unsigned long long)rep.lost);
}

/* ---- queries ---------------------------------------------------------------------------- */

static const char *const categories[] = {"beauty",    "fashion", "food", "travel", "fitness",
                                         "parenting", "tech",    "home", "pets",   "books"};
#define NCAT 10

/* Words people type: real handle words, whole and as prefixes. */
static const char *const words[] = {"family",         "lili",       "cat",       "chef", "glow",
                                    "style",          "mama",       "trip",      "tech", "home",
                                    "book",           "run",        "yu",        "fit",  "bea",
                                    "daily",          "with",       "the",       "lo",   "kitchen",
                                    "travel noodles", "mama bakes", "family wi", "z"};
#define NWORDS (sizeof words / sizeof *words)

typedef void (*make_fn)(unsigned run, pd_creator_query *q);

static void q_cat_cert_followers(unsigned i, pd_creator_query *q)
{
    q->category = categories[i % NCAT];
    q->certified_only = 1;
    q->sort = PD_SORT_FOLLOWERS;
}
static void q_range_engagement(unsigned i, pd_creator_query *q)
{
    static const uint64_t lo[] = {1000, 5000, 10000, 20000, 50000, 100000, 2000, 3000};
    q->followers_min = lo[i % 8] + i % 37 * 13;
    q->followers_max = q->followers_min * (2 + i % 3);
    q->sort = PD_SORT_ENGAGEMENT;
}
static void q_text(unsigned i, pd_creator_query *q)
{
    q->text = words[i % NWORDS];
    q->sort = PD_SORT_FOLLOWERS;
}
static void q_text_cat(unsigned i, pd_creator_query *q)
{
    q->text = words[i % NWORDS];
    q->category = categories[i % NCAT];
    q->sort = PD_SORT_ENGAGEMENT;
}
static void q_cat_avg_views(unsigned i, pd_creator_query *q)
{
    q->category = categories[i % NCAT];
    q->sort = PD_SORT_AVG_VIEWS;
}
static void q_cat_cert_engagement(unsigned i, pd_creator_query *q)
{
    q->category = categories[i % NCAT];
    q->certified_only = 1;
    q->sort = PD_SORT_ENGAGEMENT;
}
static void q_micro_uncert_engagement(unsigned i, pd_creator_query *q)
{
    q->micro_only = 1;
    q->category = categories[i % NCAT];
    q->engagement_min_bp = 300 + i % 7 * 50;
    q->sort = PD_SORT_ENGAGEMENT;
}
static void q_newest(unsigned i, pd_creator_query *q)
{
    q->sort = PD_SORT_NEWEST;
    q->mcn_id = i % 2 ? -1 : 0;
}
static void q_mcn(unsigned i, pd_creator_query *q)
{
    q->mcn_id = 1 + (int64_t)(i * 7919 % 3000);
    q->sort = PD_SORT_FOLLOWERS;
}
static void q_views_range_followers(unsigned i, pd_creator_query *q)
{
    q->avg_views_min = (uint64_t)(500 + i % 20 * 250) * 100;
    q->avg_views_max = q->avg_views_min * 2;
    q->certified_only = i % 2;
    q->sort = PD_SORT_FOLLOWERS;
}

static const struct {
    const char *name;
    make_fn make;
} queries[] = {
    {"category+certified, by followers", q_cat_cert_followers},
    {"followers range, by engagement", q_range_engagement},
    {"text, by followers", q_text},
    {"text+category, by engagement", q_text_cat},
    {"category, by avg_views", q_cat_avg_views},
    {"category+certified, by engagement", q_cat_cert_engagement},
    {"micro+category+min engagement, by engagement", q_micro_uncert_engagement},
    {"all or independents, newest", q_newest},
    {"one MCN, by followers", q_mcn},
    {"avg_views range (+certified), by followers", q_views_range_followers},
};
#define NQUERIES (sizeof queries / sizeof *queries)

struct last {
    size_t n;
    int64_t key, id;
};

static int on_hit(void *ctx, const pd_creator_hit *h)
{
    struct last *l = ctx;
    l->n++;
    l->key = h->key;
    l->id = h->c.id;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int on_window(void *ctx, const pd_creator_window *w)
{
    uint64_t *sum = ctx;
    *sum += w->win.posts + w->followers % 7;
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = NULL, *imp_c = NULL, *imp_p = NULL;
    int do_prepare = 0, online = 0;
    unsigned runs = 200, pages = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--prepare"))
            do_prepare = 1;
        else if (!strcmp(argv[i], "--online"))
            online = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pages") && i + 1 < argc)
            pages = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--import") && i + 2 < argc)
            imp_c = argv[++i], imp_p = argv[++i];
        else {
            fprintf(stderr, "usage: search_bench --db FILE [--prepare] [--runs N] [--pages P] "
                            "[--import C.csv P.csv]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* each result as soon as it is measured */
    if (!path || !runs || !pages) {
        fprintf(stderr, "search_bench: --db is needed; --runs and --pages at least 1\n");
        return 2;
    }
    pd_error err = {0};
    pd_store *s;
    pd_store_options o = {.create = 1, .migrate = 1};
    if (pd_store_open(path, &o, &s, &err))
        die("opening the store", &err);
    if (imp_c) {
        double t0 = now_ms();
        pd_import_summary sum;
        if (pd_import_paths(s, imp_c, imp_p, 0, &sum, &err))
            die("import", &err);
        fprintf(stderr, "# imported %llu creators, %llu posts in %.1f s\n",
                (unsigned long long)sum.creators, (unsigned long long)sum.posts,
                (now_ms() - t0) / 1e3);
    }
    if (do_prepare && online) {
        online_prepare(s, path);
    } else if (do_prepare) {
        pd_store_close(s);
        prepare(path);
        if (pd_store_open(path, &o, &s, &err))
            die("opening the store", &err);
    }
    pd_db *db;
    if (pd_store_acquire(s, &db, &err))
        die("a connection", &err);
    double *t = malloc((size_t)runs * pages * sizeof *t);
    if (!t)
        die("out of memory", NULL);
    printf("%-46s %8s %8s %8s %8s %9s\n", "query (limit 20, pages 1..P by keyset)", "mean_ms",
           "p50_ms", "p99_ms", "max_ms", "rows/page");
    double worst_p99 = 0;
    for (size_t k = 0; k < NQUERIES; k++) {
        size_t n = 0, rows = 0;
        /* One unmeasured pass to warm the page cache and the statements. */
        for (unsigned r = 0; r < runs + runs / 4; r++) {
            int measured = r >= runs / 4;
            pd_creator_query q = {.limit = 20};
            queries[k].make(r, &q);
            for (unsigned p = 0; p < pages; p++) {
                struct last l = {0};
                double t0 = now_ms();
                if (pd_db_creator_search(db, &q, on_hit, &l, &err))
                    die(queries[k].name, &err);
                double dt = now_ms() - t0;
                if (measured) {
                    t[n++] = dt;
                    rows += l.n;
                }
                if (l.n < q.limit)
                    break;
                q.has_after = 1;
                q.after_key = l.key;
                q.after_id = l.id;
            }
        }
        qsort(t, n, sizeof *t, cmp_double);
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += t[i];
        size_t i99 = (size_t)ceil(0.99 * (double)n) - 1;
        printf("%-46s %8.3f %8.3f %8.3f %8.3f %9.1f\n", queries[k].name, sum / (double)n, t[n / 2],
               t[i99], t[n - 1], (double)rows / (double)n);
        if (t[i99] > worst_p99)
            worst_p99 = t[i99];
    }
    printf("worst_p99_ms=%.3f\n", worst_p99);
    free(t);
    pd_store_release(s, db);
    /* The population scan: the columns (the state's window), then the posts. */
    uint32_t windows[] = {30, 7};
    for (size_t w = 0; w < 2; w++) {
        uint64_t check = 0;
        int64_t today = 0;
        double best = 1e18;
        for (int r = 0; r < 3; r++) {
            double t0 = now_ms();
            if (pd_store_window_scan(s, windows[w], &today, on_window, &check, &err))
                die("window scan", &err);
            double dt = now_ms() - t0;
            if (dt < best)
                best = dt;
        }
        printf("window_scan_%ud_ms=%.0f (best of 3; today=%lld)\n", windows[w], best,
               (long long)today);
    }
    pd_store_close(s);
    return 0;
}
