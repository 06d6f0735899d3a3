/* test_search.c - discovery (pd_db_creator_search) and the population scan
 * (pd_store_window_scan) over real SQLite files.
 *
 * Search results are checked against a brute-force model of the same
 * creators: every filter and every sort, alone and combined, paged through
 * with the keyset at several page sizes (every matching row exactly once,
 * in order, ties by id). The data is large enough that both of the
 * search's strategies run (walking the sort's index, or reading a filter's
 * rows and sorting them). Text search: words, prefixes, folding, and input
 * full of FTS5 and SQL syntax or odd Unicode that must stay plain words.
 * The window scan's two paths (the aggregate columns, and a GROUP BY over
 * the posts) are compared with a computation from scratch.
 *
 * The aggregate columns are set with SQL on the file (opened with the
 * sqlite3 API beside the store), so these tests do not depend on online
 * certification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/online.h"
#include "app/import.h"
#include "store/store.h"

#include "fixture.h"

#define N 700

struct model {
    int64_t id;
    char handle[32];
    const char *category;
    uint64_t followers;
    int64_t mcn;
    int64_t created;
    uint64_t avg_views;
    uint32_t eng;
    int cert;
};

struct fx {
    char dir[64];
    char db[128];
    pd_store *s;
    pd_db *d;
    sqlite3 *raw;
    struct model m[N];
};

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 33;
}

static void raw_exec(struct fx *f, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(f->raw, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "%s", "/tmp/pd_test_search_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    pd_error err = {0};
    pd_store_options o = {.create = 1, .migrate = 1, .pool_size = 4};
    assert_int_equal(pd_store_open(f->db, &o, &f->s, &err), PD_OK);
    assert_int_equal(pd_store_acquire(f->s, &f->d, &err), PD_OK);
    assert_int_equal(sqlite3_open(f->db, &f->raw), SQLITE_OK);
    sqlite3_busy_timeout(f->raw, 5000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    sqlite3_close(f->raw);
    pd_store_release(f->s, f->d);
    pd_store_close(f->s);
    pd_test_rmdir(f->dir);
    free(f);
    return 0;
}

/* N creators: a skewed category mix (one category holds most, so both
 * search strategies run), followers with many ties, three MCN choices,
 * aggregates and certification set directly. */
static void populate(struct fx *f)
{
    static const char *const cats[] = {"beauty", "beauty", "beauty", "beauty", "food", "beauté"};
    pd_error err = {0};
    rng_state = 7;
    assert_int_equal(pd_db_mcn_add(f->d, 1, "One", NULL, &err), PD_OK);
    assert_int_equal(pd_db_mcn_add(f->d, 2, "Two", NULL, &err), PD_OK);
    assert_int_equal(pd_db_begin(f->d, &err), PD_OK);
    for (int i = 0; i < N; i++) {
        struct model *m = &f->m[i];
        m->id = i + 1;
        snprintf(m->handle, sizeof m->handle, "maker%d", i + 1);
        m->category = cats[rnd() % 6];
        m->followers = (rnd() % 40) * 1500; /* 0 .. 58,500: ties and micro edges */
        m->mcn = (int64_t)(rnd() % 3);
        m->created = 1000 + (int64_t)(rnd() % 50);
        m->avg_views = (rnd() % 30) * 100;
        m->eng = (uint32_t)(rnd() % 25) * 10;
        m->cert = rnd() % 4 == 0;
        pd_creator_rec c = {.id = m->id, .followers = m->followers, .mcn_id = m->mcn};
        snprintf(c.handle, sizeof c.handle, "%s", m->handle);
        snprintf(c.category, sizeof c.category, "%s", m->category);
        assert_int_equal(pd_db_creator_put(f->d, &c, m->created, &err), PD_OK);
    }
    assert_int_equal(pd_db_commit(f->d, &err), PD_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->raw,
                                        "UPDATE creators SET avg_views = ?2, engagement_bp = ?3, "
                                        "certified = ?4 WHERE id = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    raw_exec(f, "BEGIN");
    for (int i = 0; i < N; i++) {
        sqlite3_bind_int64(st, 1, f->m[i].id);
        sqlite3_bind_int64(st, 2, (int64_t)f->m[i].avg_views);
        sqlite3_bind_int64(st, 3, f->m[i].eng);
        sqlite3_bind_int(st, 4, f->m[i].cert);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    raw_exec(f, "COMMIT");
    sqlite3_finalize(st);
}

/* ---- the model ---------------------------------------------------------------------- */

static int model_match(const struct model *m, const pd_creator_query *q)
{
    if (q->category && strcmp(q->category, m->category) != 0)
        return 0;
    /* Text in these queries is one word that prefixes handles. */
    if (q->text && strncasecmp(m->handle, q->text, strlen(q->text)) != 0)
        return 0;
    if (m->followers < q->followers_min || (q->followers_max && m->followers > q->followers_max))
        return 0;
    if (m->avg_views < q->avg_views_min || (q->avg_views_max && m->avg_views > q->avg_views_max))
        return 0;
    if (m->eng < q->engagement_min_bp || (q->engagement_max_bp && m->eng > q->engagement_max_bp))
        return 0;
    if (q->certified_only && !m->cert)
        return 0;
    if (q->micro_only &&
        (m->followers < PD_MICRO_MIN_FOLLOWERS || m->followers >= PD_MICRO_MAX_FOLLOWERS))
        return 0;
    if (q->mcn_id > 0 && m->mcn != q->mcn_id)
        return 0;
    if (q->mcn_id == -1 && m->mcn != 0)
        return 0;
    return 1;
}

static int64_t model_key(const struct model *m, pd_creator_sort s)
{
    switch (s) {
    case PD_SORT_FOLLOWERS: return (int64_t)m->followers;
    case PD_SORT_AVG_VIEWS: return (int64_t)m->avg_views;
    case PD_SORT_ENGAGEMENT: return m->eng;
    default: return m->created;
    }
}

static pd_creator_sort cmp_sort;
static const struct model *cmp_base;
static int by_key_desc(const void *a, const void *b)
{
    const struct model *x = &cmp_base[*(const int *)a], *y = &cmp_base[*(const int *)b];
    int64_t kx = model_key(x, cmp_sort), ky = model_key(y, cmp_sort);
    if (kx != ky)
        return kx > ky ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id ? 1 : 0;
}

/* The expected ids, in order; returns how many. */
static size_t model_run(const struct fx *f, const pd_creator_query *q, int *idx)
{
    size_t n = 0;
    for (int i = 0; i < N; i++)
        if (model_match(&f->m[i], q))
            idx[n++] = i;
    cmp_sort = q->sort;
    cmp_base = f->m;
    qsort(idx, n, sizeof *idx, by_key_desc);
    return n;
}

/* ---- paging through the store ---------------------------------------------------- */

struct page {
    pd_creator_hit h[100];
    size_t n;
};

static int collect(void *ctx, const pd_creator_hit *h)
{
    struct page *p = ctx;
    p->h[p->n++] = *h;
    return 0;
}

/* Pages through q with the keyset; checks every row against the model. */
static void check_query(const struct fx *f, pd_creator_query q, const char *what)
{
    int *want = malloc(N * sizeof *want);
    assert_non_null(want);
    size_t nwant = model_run(f, &q, want), got = 0;
    struct page *p = malloc(sizeof *p);
    assert_non_null(p);
    q.has_after = 0;
    for (int guard = 0; guard <= N + 1; guard++) {
        pd_error err = {0};
        p->n = 0;
        int rc = pd_db_creator_search(f->d, &q, collect, p, &err);
        if (rc != PD_OK)
            fail_msg("%s: %s", what, err.msg);
        for (size_t i = 0; i < p->n; i++, got++) {
            if (got >= nwant)
                fail_msg("%s: more rows than the %zu expected", what, nwant);
            const struct model *m = &f->m[want[got]];
            if (p->h[i].c.id != m->id)
                fail_msg("%s: row %zu is creator %lld, expected %lld", what, got,
                         (long long)p->h[i].c.id, (long long)m->id);
            assert_int_equal(p->h[i].key, model_key(m, q.sort));
            assert_int_equal(p->h[i].c.followers, m->followers);
            assert_string_equal(p->h[i].c.category, m->category);
            assert_string_equal(p->h[i].c.handle, m->handle);
            assert_int_equal(p->h[i].st.certified, m->cert);
            assert_int_equal(p->h[i].st.avg_views, m->avg_views);
            assert_int_equal(p->h[i].st.engagement_bp, m->eng);
            assert_int_equal(p->h[i].st.creator_id, m->id);
        }
        if (p->n < q.limit)
            break;
        q.has_after = 1;
        q.after_key = p->h[p->n - 1].key;
        q.after_id = p->h[p->n - 1].c.id;
    }
    if (got != nwant)
        fail_msg("%s: %zu rows, expected %zu", what, got, nwant);
    free(p);
    free(want);
}

static void test_filters_sorts_paging(void **state)
{
    struct fx *f = *state;
    populate(f);
    const unsigned limits[] = {1, 7, 20, 100};
    for (int sort = PD_SORT_FOLLOWERS; sort <= PD_SORT_NEWEST; sort++) {
        pd_creator_query qs[] = {
            {0},
            {.category = "beauty"},
            {.category = "food"},
            {.category = "beauté"},
            {.category = "nothing"},
            {.certified_only = 1},
            {.certified_only = 1, .category = "beauty"},
            {.certified_only = 1, .category = "food"},
            {.followers_min = 3000},
            {.followers_max = 9000},
            {.followers_min = 4500, .followers_max = 4500},
            {.followers_min = 1500, .followers_max = 30000, .category = "beauty"},
            {.micro_only = 1},
            {.micro_only = 1, .certified_only = 1},
            {.micro_only = 1, .followers_min = 40000, .followers_max = 90000},
            {.micro_only = 1, .followers_min = 60000},
            {.avg_views_min = 500, .avg_views_max = 2000},
            {.avg_views_max = 1000},
            {.engagement_min_bp = 100},
            {.engagement_min_bp = 50, .engagement_max_bp = 150, .certified_only = 1},
            {.mcn_id = 1},
            {.mcn_id = 2, .category = "beauty"},
            {.mcn_id = -1},
            {.mcn_id = -1, .certified_only = 1, .category = "beauté"},
            {.mcn_id = 99},
            {.category = "beauty",
             .certified_only = 1,
             .followers_min = 1500,
             .avg_views_min = 100,
             .engagement_max_bp = 200,
             .mcn_id = -1},
            /* Narrow ranges on other keys than the sort's, so that each
             * index is chosen to drive some query (and each walk others). */
            {.avg_views_min = 500, .avg_views_max = 600},
            {.engagement_min_bp = 200, .engagement_max_bp = 210},
            {.avg_views_min = 500, .avg_views_max = 700, .certified_only = 1},
            {.engagement_min_bp = 100,
             .engagement_max_bp = 130,
             .certified_only = 1,
             .category = "beauty"},
            {.followers_min = 3000, .followers_max = 6000, .certified_only = 1},
            {.followers_min = 3000,
             .followers_max = 6000,
             .avg_views_min = 2000,
             .engagement_min_bp = 200},
            /* Text matching every creator (the walk with the set of ids),
             * and a few (the FTS5 index first). */
            {.text = "maker"},
            {.text = "MAKER", .category = "food", .followers_min = 3000},
            {.text = "maker", .certified_only = 1, .mcn_id = 2},
            {.text = "maker", .category = "beauté"},
            {.text = "maker", .category = "beaute"}, /* folded alike in the index, not equal */
            {.text = "maker", .category = "— & —"},  /* no word: checked by SQL alone */
            {.text = "maker1", .category = "food"},
            {.text = "maker1"},
            {.text = "maker2", .certified_only = 1},
            {.text = "maker70"},
            {.text = "makers"},
        };
        for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
            for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
                pd_creator_query q = qs[i];
                q.sort = (pd_creator_sort)sort;
                q.limit = limits[l];
                char what[64];
                snprintf(what, sizeof what, "sort %d, query %zu, limit %u", sort, i, q.limit);
                check_query(f, q, what);
            }
    }
}

/* A page that starts after a keyset given by the caller (not from a
 * previous page): an upper bound and the keyset together. */
static void test_keyset_with_bounds(void **state)
{
    struct fx *f = *state;
    populate(f);
    pd_creator_query q = {.sort = PD_SORT_FOLLOWERS,
                          .followers_max = 30000,
                          .limit = 100,
                          .has_after = 1,
                          .after_key = 45000,
                          .after_id = 1};
    /* Everything up to 30,000 is after (45,000, 1). */
    struct page *p = malloc(sizeof *p);
    pd_error err = {0};
    p->n = 0;
    assert_int_equal(pd_db_creator_search(f->d, &q, collect, p, &err), PD_OK);
    assert_true(p->n > 0);
    assert_true(p->h[0].key <= 30000);
    /* A keyset below the bound: the keyset rules. */
    q.after_key = 3000;
    q.after_id = 350;
    p->n = 0;
    assert_int_equal(pd_db_creator_search(f->d, &q, collect, p, &err), PD_OK);
    for (size_t i = 0; i < p->n; i++)
        assert_true(p->h[i].key < 3000 || (p->h[i].key == 3000 && p->h[i].c.id < 350));
    free(p);
}

/* ---- text ------------------------------------------------------------------------------ */

struct ids {
    int64_t id[100];
    size_t n;
};

static int collect_ids(void *ctx, const pd_creator_hit *h)
{
    struct ids *s = ctx;
    s->id[s->n++] = h->c.id;
    return 0;
}

static size_t text_ids(struct fx *f, const char *text, struct ids *out, int *rc, pd_error *err)
{
    pd_creator_query q = {.text = text, .limit = 100, .sort = PD_SORT_FOLLOWERS};
    out->n = 0;
    *rc = pd_db_creator_search(f->d, &q, collect_ids, out, err);
    return out->n;
}

static void put(struct fx *f, int64_t id, const char *handle, const char *bio, uint64_t followers)
{
    pd_error err = {0};
    pd_creator_rec c = {.id = id, .followers = followers};
    snprintf(c.handle, sizeof c.handle, "%s", handle);
    snprintf(c.category, sizeof c.category, "food");
    snprintf(c.bio, sizeof c.bio, "%s", bio);
    assert_int_equal(pd_db_creator_put(f->d, &c, 100, &err), PD_OK);
}

static void test_text(void **state)
{
    struct fx *f = *state;
    put(f, 1, "anna_bakes", "Sourdough & cakes in Zürich", 100);
    put(f, 2, "zurich_eats", "street food, \"quoted\" AND NOT OR", 300);
    put(f, 3, "cakeboss", "cakes cakes cakes", 200);
    put(f, 4, "北京美食", "吃 饭", 50);
    struct ids r;
    pd_error err = {0};
    int rc;
    /* Folding and diacritics: both Zürich and zurich. Followers order. */
    assert_int_equal(text_ids(f, "ZURICH", &r, &rc, &err), 2);
    assert_int_equal(rc, PD_OK);
    assert_int_equal(r.id[0], 2);
    assert_int_equal(r.id[1], 1);
    /* The last word is a prefix; every word must match. */
    assert_int_equal(text_ids(f, "sour", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "cake", &r, &rc, &err), 2);
    assert_int_equal(text_ids(f, "cakes anna", &r, &rc, &err), 1);
    assert_int_equal(r.id[0], 1);
    assert_int_equal(text_ids(f, "cake anna", &r, &rc, &err), 0); /* only the last is a prefix */
    /* FTS5 and SQL syntax are plain words (or dropped). */
    const char *odd[] = {
        "\"",
        "\"anna",
        "anna\"",
        "anna\" OR \"cakeboss",
        "a*",
        "*",
        "NEAR(anna bakes)",
        "anna OR cakeboss",
        "anna AND NOT bakes",
        "-anna",
        "^anna",
        "anna:bakes",
        "handle:anna",
        "'; DROP TABLE creators; --",
        "\\",
        "anna)",
        "(",
        "{handle bio}: anna",
        "anna + bakes",
        "x\xcc\x81",
        "😀 anna",
        "\xef\xbc\xa1nna",
        "ǅ",
        "\xe2\x80\x8b anna \xe2\x80\x8b",
        "北京",
        "吃",
        "quoted",
        "NOT",
        "OR",
        "AND",
    };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        err.code = PD_OK;
        text_ids(f, odd[i], &r, &rc, &err);
        if (rc != PD_OK && rc != PD_EINPUT)
            fail_msg("text '%s': %d %s", odd[i], rc, err.msg);
        if (rc == PD_EINPUT && !strstr(err.msg, "text"))
            fail_msg("text '%s': message '%s' does not name the field", odd[i], err.msg);
    }
    /* Some of them, exactly. */
    assert_int_equal(text_ids(f, "anna OR cakeboss", &r, &rc, &err), 0); /* "or" is a word */
    assert_int_equal(text_ids(f, "anna\" OR \"cakeboss", &r, &rc, &err), 0);
    assert_int_equal(text_ids(f, "NEAR(anna bakes)", &r, &rc, &err), 0);
    assert_int_equal(text_ids(f, "anna bakes", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "-anna", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "^anna", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "handle:anna", &r, &rc, &err), 0); /* words handle, anna */
    assert_int_equal(text_ids(f, "'; DROP TABLE creators; --", &r, &rc, &err), 0);
    assert_int_equal(rc, PD_OK);
    assert_int_equal(text_ids(f, "quoted not", &r, &rc, &err), 1); /* "not" as a prefix word */
    assert_int_equal(r.id[0], 2);
    assert_int_equal(text_ids(f, "😀 anna", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "北京美食", &r, &rc, &err), 1);
    assert_int_equal(r.id[0], 4);
    /* No word at all. */
    const char *none[] = {"", "   ", "!!! ...", "\"\"", "*", "😀😀", "— –"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        err.code = PD_OK;
        text_ids(f, none[i], &r, &rc, &err);
        if (rc != PD_EINPUT || !strstr(err.msg, "text"))
            fail_msg("text '%s': %d '%s', expected PD_EINPUT naming text", none[i], rc, err.msg);
    }
    /* Invalid UTF-8 and overlong input. */
    text_ids(f, "anna\xff", &r, &rc, &err);
    assert_int_equal(rc, PD_EINPUT);
    assert_non_null(strstr(err.msg, "text"));
    char big[400];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    text_ids(f, big, &r, &rc, &err);
    assert_int_equal(rc, PD_EINPUT);
    assert_non_null(strstr(err.msg, "text"));
    /* A changed bio is searched at once (the triggers). */
    put(f, 3, "cakeboss", "pies now", 200);
    assert_int_equal(text_ids(f, "pies", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "cakes", &r, &rc, &err), 1);
    /* Text with other filters and another sort. */
    pd_creator_query q = {
        .text = "cakes", .followers_min = 150, .limit = 10, .sort = PD_SORT_NEWEST};
    r.n = 0;
    assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, &err), PD_OK);
    assert_int_equal(r.n, 0); /* anna (100 followers) only, now */
    q.followers_min = 0;
    assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, &err), PD_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.id[0], 1);
}

/* Text matching many creators, with a filter that leaves almost none of
 * them: the walk gives up past its budget and the matches are read
 * instead; the page is the same either way. */
static void test_text_many_matches_few_left(void **state)
{
    struct fx *f = *state;
    pd_error err = {0};
    enum { M = 6000 };
    assert_int_equal(pd_db_begin(f->d, &err), PD_OK);
    for (int i = 1; i <= M; i++) {
        pd_creator_rec c = {.id = i, .followers = (uint64_t)(i % 50)};
        snprintf(c.handle, sizeof c.handle, i % 16 == 0 ? "zz%d" : "other%d", i);
        snprintf(c.category, sizeof c.category, "%s",
                 i == 16 * 3 || i == 16 * 4 || i == 16 * 5 ? "rare" : "common");
        assert_int_equal(pd_db_creator_put(f->d, &c, i, &err), PD_OK);
    }
    assert_int_equal(pd_db_commit(f->d, &err), PD_OK);
    raw_exec(f, "UPDATE creators SET engagement_bp = (id * 7919) % 1000, avg_views = id");
    for (int sort = PD_SORT_FOLLOWERS; sort <= PD_SORT_NEWEST; sort++) {
        pd_creator_query q = {
            .text = "zz", .category = "rare", .limit = 2, .sort = (pd_creator_sort)sort};
        struct ids r = {.n = 0};
        assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, &err), PD_OK);
        assert_int_equal(r.n, 2);
        q.has_after = 1;
        q.after_id = r.id[1];
        q.after_key = sort == PD_SORT_FOLLOWERS    ? r.id[1] % 50
                      : sort == PD_SORT_AVG_VIEWS  ? r.id[1]
                      : sort == PD_SORT_ENGAGEMENT ? (r.id[1] * 7919) % 1000
                                                   : r.id[1];
        assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, &err), PD_OK);
        assert_int_equal(r.n, 3);
        int64_t seen = r.id[0] + r.id[1] + r.id[2];
        assert_int_equal(seen, 16 * 3 + 16 * 4 + 16 * 5);
        q.category = "none";
        q.has_after = 0;
        r.n = 0;
        assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, &err), PD_OK);
        assert_int_equal(r.n, 0);
    }
}

static void test_bad_queries(void **state)
{
    struct fx *f = *state;
    struct {
        pd_creator_query q;
        const char *field;
    } bad[] = {
        {{.limit = 0}, "limit"},
        {{.limit = 101}, "limit"},
        {{.limit = 10, .sort = (pd_creator_sort)9}, "sort"},
        {{.limit = 10, .followers_min = 10, .followers_max = 5}, "followers"},
        {{.limit = 10, .avg_views_min = 10, .avg_views_max = 5}, "avg_views"},
        {{.limit = 10, .engagement_min_bp = 10, .engagement_max_bp = 5}, "engagement"},
        {{.limit = 10, .mcn_id = -2}, "mcn_id"},
        {{.limit = 10, .has_after = 1, .after_id = 0}, "after_id"},
        {{.limit = 10, .category = "bad\x01"}, "category"},
        {{.limit = 10, .category = "\xc3"}, "category"},
        {{.limit = 10, .text = "..."}, "text"},
        {{.limit = 10, .text = "a b c d e f g h i j k l m n o p q"}, "text"}, /* 17 words */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pd_error err = {0};
        struct ids r = {.n = 0};
        int rc = pd_db_creator_search(f->d, &bad[i].q, collect_ids, &r, &err);
        if (rc != PD_EINPUT || !strstr(err.msg, bad[i].field))
            fail_msg("bad query %zu: %d '%s', expected PD_EINPUT naming %s", i, rc, err.msg,
                     bad[i].field);
    }
    /* A NULL error is fine. */
    pd_creator_query q = {.limit = 0};
    assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, NULL, NULL), PD_EINPUT);
    /* Limits at the edges are fine; an empty min/max pair as well. */
    q.limit = 100;
    struct ids r = {.n = 0};
    assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, NULL), PD_OK);
    q.limit = 1;
    q.followers_min = q.followers_max = 5;
    assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, NULL), PD_OK);
}

/* A callback's non-zero return stops the page and is returned. */
static int stop_after_one(void *ctx, const pd_creator_hit *h)
{
    (void)h;
    return ++*(int *)ctx == 1 ? 42 : 0;
}

static void test_callback_stops(void **state)
{
    struct fx *f = *state;
    populate(f);
    int calls = 0;
    pd_creator_query q = {.limit = 50};
    assert_int_equal(pd_db_creator_search(f->d, &q, stop_after_one, &calls, NULL), 42);
    assert_int_equal(calls, 1);
    /* The connection is usable afterwards (statement reset, no transaction). */
    struct ids r = {.n = 0};
    assert_int_equal(pd_db_creator_search(f->d, &q, collect_ids, &r, NULL), PD_OK);
    assert_int_equal(r.n, 50);
    pd_error err = {0};
    assert_int_equal(pd_db_begin(f->d, &err), PD_OK);
    pd_db_rollback(f->d);
}

/* ---- the population scan ---------------------------------------------------------------- */

#define SC 40
#define TODAY 18000

struct scan_want {
    int64_t id;
    const char *cat;
    uint64_t followers;
    int64_t mcn;
    pd_window_stats w30, w7;
};

struct scan_got {
    pd_creator_window w[SC];
    char cat[SC][PD_CATEGORY_MAX];
    size_t n;
};

static int collect_windows(void *ctx, const pd_creator_window *w)
{
    struct scan_got *g = ctx;
    assert_true(g->n < SC);
    g->w[g->n] = *w;
    snprintf(g->cat[g->n], PD_CATEGORY_MAX, "%s", w->category);
    g->w[g->n].category = g->cat[g->n];
    g->n++;
    return 0;
}

static void check_scan(struct fx *f, uint32_t days, const struct scan_want *want,
                       int which /* 30 or 7 */)
{
    struct scan_got *g = calloc(1, sizeof *g);
    assert_non_null(g);
    int64_t today = 0;
    pd_error err = {0};
    assert_int_equal(pd_store_window_scan(f->s, days, &today, collect_windows, g, &err), PD_OK);
    assert_int_equal(today, TODAY);
    assert_int_equal(g->n, SC);
    for (size_t i = 0; i < SC; i++) {
        const pd_window_stats *e = which == 30 ? &want[i].w30 : &want[i].w7;
        assert_int_equal(g->w[i].id, want[i].id);
        assert_string_equal(g->w[i].category, want[i].cat);
        assert_int_equal(g->w[i].followers, want[i].followers);
        assert_int_equal(g->w[i].mcn_id, want[i].mcn);
        if (g->w[i].win.posts != e->posts || g->w[i].win.sponsored != e->sponsored ||
            g->w[i].win.views != e->views)
            fail_msg("window %u, creator %lld: %u/%u/%llu, expected %u/%u/%llu", days,
                     (long long)want[i].id, g->w[i].win.posts, g->w[i].win.sponsored,
                     (unsigned long long)g->w[i].win.views, e->posts, e->sponsored,
                     (unsigned long long)e->views);
    }
    free(g);
}

static int stop_scan(void *ctx, const pd_creator_window *w)
{
    (void)w;
    return ++*(int *)ctx == 3 ? 7 : 0;
}

static void test_window_scan(void **state)
{
    struct fx *f = *state;
    pd_error err = {0};
    struct scan_want *want = calloc(SC, sizeof *want);
    assert_non_null(want);
    rng_state = 11;
    assert_int_equal(pd_db_mcn_add(f->d, 5, "Five", NULL, &err), PD_OK);
    assert_int_equal(pd_db_begin(f->d, &err), PD_OK);
    int64_t post_id = 1;
    for (int i = 0; i < SC; i++) {
        struct scan_want *w = &want[i];
        w->id = 3 * i + 2; /* gaps in the ids */
        w->cat = i % 3 ? "pets" : "tech";
        w->followers = rnd() % 100000;
        w->mcn = i % 4 == 0 ? 5 : 0;
        pd_creator_rec c = {.id = w->id, .followers = w->followers, .mcn_id = w->mcn};
        snprintf(c.handle, sizeof c.handle, "c%d", i);
        snprintf(c.category, sizeof c.category, "%s", w->cat);
        assert_int_equal(pd_db_creator_put(f->d, &c, 5, &err), PD_OK);
        int posts = i % 5 == 4 ? 0 : (int)(rnd() % 12);
        for (int k = 0; k < posts; k++) {
            /* Days from 40 before today to 2 after, at any second. */
            int64_t day = TODAY - 40 + (int64_t)(rnd() % 43);
            pd_post_rec p = {.id = post_id++,
                             .creator_id = w->id,
                             .published_at = {.sec = day * 86400 + (int64_t)(rnd() % 86400)},
                             .sponsored = rnd() % 3 == 0,
                             .views = rnd() % 5000};
            assert_int_equal(pd_db_post_add(f->d, &p, &err), PD_OK);
            /* core/window.h: up to the midnight after TODAY, not later */
            if (day >= TODAY - 29 && day <= TODAY)
                pd_stats_add_post(&w->w30, p.sponsored, p.views);
            if (day >= TODAY - 6 && day <= TODAY)
                pd_stats_add_post(&w->w7, p.sponsored, p.views);
        }
    }
    assert_int_equal(pd_db_commit(f->d, &err), PD_OK);
    /* The aggregate columns, as online certification would keep them for a
     * 30-day window ending TODAY. */
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->raw,
                                        "UPDATE creators SET win_posts = ?2, win_sponsored = ?3, "
                                        "win_views = ?4 WHERE id = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    raw_exec(f, "BEGIN");
    for (int i = 0; i < SC; i++) {
        sqlite3_bind_int64(st, 1, want[i].id);
        sqlite3_bind_int64(st, 2, want[i].w30.posts);
        sqlite3_bind_int64(st, 3, want[i].w30.sponsored);
        sqlite3_bind_int64(st, 4, (int64_t)want[i].w30.views);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    raw_exec(f, "UPDATE online_state SET window_days = 30, today = 18000, stale = 0");
    raw_exec(f, "COMMIT");
    sqlite3_finalize(st);
    /* Both paths agree with the computation from scratch. */
    check_scan(f, 30, want, 30); /* the columns */
    check_scan(f, 7, want, 7);   /* the posts */
    raw_exec(f, "UPDATE online_state SET stale = 1");
    check_scan(f, 30, want, 30); /* stale: the posts */
    /* window_days 0 in the state means the default of 30. */
    raw_exec(f, "UPDATE online_state SET window_days = 0, stale = 0");
    check_scan(f, 30, want, 30);
    /* The columns are what is read when they are current: a column made
     * wrong on purpose shows (and only then). */
    raw_exec(f, "UPDATE creators SET win_posts = win_posts + 1, win_sponsored = win_sponsored "
                "WHERE id = 2");
    want[0].w30.posts++;
    check_scan(f, 30, want, 30);
    want[0].w30.posts--;
    raw_exec(f, "UPDATE online_state SET stale = 1");
    check_scan(f, 30, want, 30);
    /* A callback's non-zero return stops the scan. */
    int calls = 0;
    assert_int_equal(pd_store_window_scan(f->s, 30, NULL, stop_scan, &calls, &err), 7);
    assert_int_equal(calls, 3);
    /* Out of range. */
    assert_int_equal(pd_store_window_scan(f->s, 0, NULL, stop_scan, &calls, &err), PD_EINPUT);
    assert_non_null(strstr(err.msg, "window_days"));
    assert_int_equal(pd_store_window_scan(f->s, 100000, NULL, stop_scan, &calls, &err), PD_EINPUT);
    free(want);
}

/* ---- import: FTS built at the end, aggregates marked stale --------------------------------- */

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static int count_triggers(struct fx *f)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->raw,
                                        "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                                        "AND name LIKE 'creators_fts_%'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_import_fts_and_stale(void **state)
{
    struct fx *f = *state;
    char c[160], p[160];
    snprintf(c, sizeof c, "%s/c.csv", f->dir);
    snprintf(p, sizeof p, "%s/p.csv", f->dir);
    raw_exec(f, "UPDATE online_state SET stale = 0");
    write_text(c, "creator_id,handle,category,followers,mcn_id\n"
                  "1,lili_bakes,food,500,\n2,tom_runs,fitness,900,3\n");
    write_text(p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                  "1,1,2019-04-03T10:48:09Z,organic,753,36,1,17\n"
                  "2,9,2019-04-03T10:48:09Z,organic,1,1,1,1\n");
    pd_error err = {0};
    assert_int_equal(count_triggers(f), 3);
    /* A failed import (a bad post line) leaves the triggers and the state. */
    write_text(p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                  "1,1,2019-04-03T10:48:09Z,organic,bad,36,1,17\n");
    assert_int_equal(pd_import_paths(f->s, c, p, 0, NULL, &err), PD_EINPUT);
    assert_int_equal(count_triggers(f), 3);
    struct ids r;
    int rc;
    assert_int_equal(text_ids(f, "lili", &r, &rc, &err), 0);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT stale FROM online_state", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int stale = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (stale)
        fail_msg("a failed import marked the aggregates stale");
    /* A good one. */
    write_text(p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                  "1,1,2019-04-03T10:48:09Z,organic,753,36,1,17\n");
    assert_int_equal(pd_import_paths(f->s, c, p, 0, NULL, &err), PD_OK);
    assert_int_equal(count_triggers(f), 3);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    assert_int_equal(text_ids(f, "lili", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "runs", &r, &rc, &err), 1);
    assert_int_equal(r.id[0], 2);
    /* The triggers work again: a new creator and a changed handle. */
    put(f, 3, "new_face", "", 10);
    put(f, 1, "lola_bakes", "", 500);
    assert_int_equal(text_ids(f, "new", &r, &rc, &err), 1);
    assert_int_equal(text_ids(f, "lili", &r, &rc, &err), 0);
    assert_int_equal(text_ids(f, "lola", &r, &rc, &err), 1);
    /* A second import into a store with creators keeps the triggers on. */
    write_text(c, "creator_id,handle,category,followers,mcn_id\n4,zed_cooks,food,5,\n");
    write_text(p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n");
    assert_int_equal(pd_import_paths(f->s, c, p, 0, NULL, &err), PD_OK);
    assert_int_equal(text_ids(f, "zed", &r, &rc, &err), 1);
    assert_int_equal(count_triggers(f), 3);
    raw_exec(f, "INSERT INTO creators_fts(creators_fts) VALUES ('integrity-check')");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_filters_sorts_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyset_with_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_many_matches_few_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_queries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_fts_and_stale, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
