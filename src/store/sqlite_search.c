/* sqlite_search.c - discovery (pd_db_creator_search) on the SQLite backend.
 *
 * A query's SQL is assembled from constant fragments only: which fragments
 * depend on which filters are present (the query's shape), and every value
 * (category, the text's FTS5 expression, bounds, the keyset, the limit) is
 * a bound parameter with a fixed number. No byte of the user's text is ever
 * part of the SQL, so it can be neither SQL nor FTS5 syntax. Each shape's
 * statement is prepared once per connection and kept in a small cache in
 * the connection (sq_db.search, freed by sq_search_free).
 *
 * Speed on a million creators comes from choosing, per query, which index
 * drives it (SQLite's planner, without statistics, would drive every
 * category query by the category index and then sort a fifth of the
 * table):
 *   - one MCN: its roster (creators_by_mcn), filtered and sorted;
 *   - text: when it matches few creators (a bounded count over the FTS5
 *     index says), the FTS5 index gives their ids and those rows are
 *     filtered and sorted; when it matches many, the walk below, checking
 *     each entry against the set of matching ids (built once);
 *   - otherwise the sort's walk: an index in the sort's order (for
 *     followers, the one that also holds the equality filters: certified
 *     and category, certified, category), read from the keyset down and
 *     filtered entry by entry; unless a filter that an index answers by
 *     itself (the equality filters, or a range on another key than the
 *     sort's) leaves fewer rows than about sqrt(limit * creators): then
 *     those rows are read and sorted. A bounded count over each such index
 *     (at most that many entries) tells; walking costs about limit /
 *     selectivity entries, sorting the filtered rows their number, and the
 *     two meet at that size.
 * The migration's discovery indexes hold every filtered column after
 * (key, id), so filters and probes are checked on index entries and the
 * table is read only for the rows returned (SQLite defers that seek).
 * Every page is sorted by the key descending, ties by id descending, and
 * the next page starts strictly after (key, id) of the previous page's last
 * row, so paging visits each matching row once even among equal keys.
 *
 * Text: the user's text is cut into words by the same tokenizer the index
 * uses (unicode61, remove_diacritics 2: letters and digits, folded), each
 * word is quoted as an FTS5 string ("" doubled, though a token never holds
 * one), the last as a prefix, and the words are ANDed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

#define CACHE_SLOTS 32 /* statements kept per connection */
#define SQL_MAX 2048   /* the longest assembled statement, with room */
#define MATCH_MAX 4096 /* the FTS5 expression built from the text */
#define MAX_WORDS 16   /* words of a text query, at most */
#define PROBE_MIN 256  /* bounds of the probe's threshold (rows) */
#define PROBE_MAX 20000
#define TEXT_COUNT_FACTOR 16 /* text matches are counted up to 16 times the probe's bound */

/* The parts of a query that change its SQL. */
enum {
    SH_CATEGORY = 1u << 0,
    SH_TEXT = 1u << 1,
    SH_FOL_LO = 1u << 2,
    SH_FOL_HI = 1u << 3,
    SH_AV_LO = 1u << 4,
    SH_AV_HI = 1u << 5,
    SH_ENG_LO = 1u << 6,
    SH_ENG_HI = 1u << 7,
    SH_CERT = 1u << 8,
    SH_MCN = 1u << 9,
    SH_INDEP = 1u << 10,
    SH_AFTER = 1u << 11,
    SH_SORT_SHIFT = 12, /* 2 bits: pd_creator_sort */
    SH_DRV_SHIFT = 14,  /* 4 bits: enum driver */
    SH_PROBE = 1u << 18,
    SH_COUNT = 1u << 19, /* the creators count statement */
};

/* Which index a query reads first. */
enum driver {
    DRV_SORT = 0,   /* the sort's own index, walked in order */
    DRV_FTS,        /* creators_fts */
    DRV_MCN,        /* creators_by_mcn (one MCN, or the independents) */
    DRV_CERT_CAT,   /* creators_certified_by_category: (category, followers) of certified */
    DRV_CERT,       /* creators_certified: (followers) of certified */
    DRV_CAT,        /* creators_by_category: (category, followers) */
    DRV_FOLLOWERS,  /* creators_by_followers */
    DRV_AVG_VIEWS,  /* creators_by_avg_views */
    DRV_ENGAGEMENT, /* creators_by_engagement */
    DRV_CERT_AVG,   /* creators_certified_by_avg_views: (avg_views) of certified */
    DRV_CERT_ENG,   /* creators_certified_by_engagement: (engagement_bp) of certified */
    DRV_COUNT
};
_Static_assert(DRV_COUNT <= 16, "a driver is 4 bits of the shape");
#define DRV_OF(shape) ((enum driver)(((shape) >> SH_DRV_SHIFT) & 15))

/* Parameter numbers, fixed whatever the shape. */
enum {
    P_CATEGORY = 1,
    P_MATCH,
    P_FOL_LO,
    P_FOL_HI,
    P_AV_LO,
    P_AV_HI,
    P_ENG_LO,
    P_ENG_HI,
    P_MCN,
    P_AFTER_KEY,
    P_AFTER_ID,
    P_LIMIT
};

struct slot {
    uint32_t key; /* the shape with bit 31 set; 0: an empty slot */
    sqlite3_stmt *st;
};

struct sq_search {
    struct slot slot[CACHE_SLOTS];
    unsigned next; /* round-robin victim */
    /* The FTS5 tokenizer of the index, made on first text query. */
    fts5_tokenizer tok;
    Fts5Tokenizer *tok_inst;
};

void sq_search_free(sq_db *d)
{
    struct sq_search *c = d->search;
    if (!c)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        sqlite3_finalize(c->slot[i].st);
    if (c->tok_inst)
        c->tok.xDelete(c->tok_inst);
    free(c);
    d->search = NULL;
}

/* ---- assembling SQL from constant fragments ------------------------------------------- */

struct sql {
    char b[SQL_MAX];
    size_t n;
    int overflow;
};

static void sql_add_(struct sql *s, const char *lit)
{
    size_t k = strlen(lit);
    if (s->n + k >= sizeof s->b) {
        s->overflow = 1;
        return;
    }
    memcpy(s->b + s->n, lit, k + 1);
    s->n += k;
}
/* Only string literals compile here: nothing from outside reaches the SQL. */
#define ADD(s, lit) sql_add_((s), "" lit "")

static void add_sort_col(struct sql *s, unsigned sort)
{
    switch (sort) {
    case PD_SORT_FOLLOWERS: ADD(s, "c.followers"); break;
    case PD_SORT_AVG_VIEWS: ADD(s, "c.avg_views"); break;
    case PD_SORT_ENGAGEMENT: ADD(s, "c.engagement_bp"); break;
    default: ADD(s, "c.created_at"); break;
    }
}

static void add_from(struct sql *s, enum driver drv, unsigned sort)
{
    switch (drv) {
    case DRV_FTS:
        ADD(s, " FROM creators_fts CROSS JOIN creators AS c ON c.id = creators_fts.rowid");
        break;
    case DRV_MCN: ADD(s, " FROM creators AS c INDEXED BY creators_by_mcn"); break;
    case DRV_CERT_CAT:
        ADD(s, " FROM creators AS c INDEXED BY creators_certified_by_category");
        break;
    case DRV_CERT: ADD(s, " FROM creators AS c INDEXED BY creators_certified"); break;
    case DRV_CAT: ADD(s, " FROM creators AS c INDEXED BY creators_by_category"); break;
    case DRV_FOLLOWERS: ADD(s, " FROM creators AS c INDEXED BY creators_by_followers"); break;
    case DRV_AVG_VIEWS: ADD(s, " FROM creators AS c INDEXED BY creators_by_avg_views"); break;
    case DRV_ENGAGEMENT: ADD(s, " FROM creators AS c INDEXED BY creators_by_engagement"); break;
    case DRV_CERT_AVG:
        ADD(s, " FROM creators AS c INDEXED BY creators_certified_by_avg_views");
        break;
    case DRV_CERT_ENG:
        ADD(s, " FROM creators AS c INDEXED BY creators_certified_by_engagement");
        break;
    case DRV_COUNT: break;
    case DRV_SORT:
        switch (sort) {
        case PD_SORT_FOLLOWERS:
            ADD(s, " FROM creators AS c INDEXED BY creators_by_followers");
            break;
        case PD_SORT_AVG_VIEWS:
            ADD(s, " FROM creators AS c INDEXED BY creators_by_avg_views");
            break;
        case PD_SORT_ENGAGEMENT:
            ADD(s, " FROM creators AS c INDEXED BY creators_by_engagement");
            break;
        default: ADD(s, " FROM creators AS c INDEXED BY creators_by_created"); break;
        }
        break;
    }
}

/* The filters of `shape` (only those, for a probe: the ones its index
 * answers). */
static void add_where(struct sql *s, uint32_t shape)
{
    ADD(s, " WHERE 1");
    if ((shape & SH_TEXT) && DRV_OF(shape) == DRV_FTS)
        ADD(s, " AND creators_fts MATCH ?2");
    else if (shape & SH_TEXT) /* a walk: the matching ids as a set */
        ADD(s, " AND c.id IN (SELECT rowid FROM creators_fts WHERE creators_fts MATCH ?2)");
    if (shape & SH_CATEGORY)
        ADD(s, " AND c.category = ?1");
    if (shape & SH_CERT)
        ADD(s, " AND c.certified = 1"); /* a literal: the partial indexes need it */
    if (shape & SH_FOL_LO)
        ADD(s, " AND c.followers >= ?3");
    if (shape & SH_FOL_HI)
        ADD(s, " AND c.followers <= ?4");
    if (shape & SH_AV_LO)
        ADD(s, " AND c.avg_views >= ?5");
    if (shape & SH_AV_HI)
        ADD(s, " AND c.avg_views <= ?6");
    if (shape & SH_ENG_LO)
        ADD(s, " AND c.engagement_bp >= ?7");
    if (shape & SH_ENG_HI)
        ADD(s, " AND c.engagement_bp <= ?8");
    if (shape & SH_MCN)
        ADD(s, " AND c.mcn_id = ?9");
    if (shape & SH_INDEP)
        ADD(s, " AND c.mcn_id IS NULL");
    if (shape & SH_AFTER) {
        /* (key < :k OR (key = :k AND id < :id)), as a row value SQLite
         * turns into a range of the (key, id) indexes. */
        ADD(s, " AND (");
        add_sort_col(s, (shape >> SH_SORT_SHIFT) & 3);
        ADD(s, ", c.id) < (?10, ?11)");
    }
}

#define HIT_COLS "SELECT " SQ_HIT_COLS
enum { COL_FOLLOWERS = 4, COL_CREATED = 6, COL_AVG_VIEWS = 12, COL_ENGAGEMENT = 13 };

static void build_sql(struct sql *s, uint32_t shape)
{
    unsigned sort = (shape >> SH_SORT_SHIFT) & 3;
    enum driver drv = DRV_OF(shape);
    if (shape & SH_COUNT) {
        ADD(s, "SELECT coalesce(max(id), 0) FROM creators");
        return;
    }
    if (shape & SH_PROBE && drv == DRV_FTS) {
        ADD(s, "SELECT count(*) FROM (SELECT 1 FROM creators_fts WHERE creators_fts MATCH ?2 "
               "LIMIT ?12)");
        return;
    }
    if (shape & SH_PROBE) {
        ADD(s, "SELECT count(*) FROM (SELECT 1");
        add_from(s, drv, sort);
        add_where(s, shape);
        ADD(s, " LIMIT ?12)");
        return;
    }
    ADD(s, HIT_COLS);
    add_from(s, drv, sort);
    add_where(s, shape);
    ADD(s, " ORDER BY ");
    add_sort_col(s, sort);
    ADD(s, " DESC, c.id DESC LIMIT ?12");
}

/* This connection's statements and tokenizer, made on first use and freed
 * when the connection closes. */
static struct sq_search *search_of(sq_db *d)
{
    if (!d->search && (d->search = calloc(1, sizeof *d->search)))
        sq_on_close(d, sq_search_free);
    return d->search;
}

static int cache_get(sq_db *d, uint32_t shape, sqlite3_stmt **out, pd_error *err)
{
    struct sq_search *c = search_of(d);
    if (!c)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    uint32_t key = shape | 1u << 31; /* never 0 */
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (c->slot[i].key == key) {
            *out = c->slot[i].st;
            return PD_OK;
        }
    struct sql s = {.n = 0};
    build_sql(&s, shape);
    if (s.overflow)
        return pd_error_set(err, PD_EINTERNAL, "a search statement is longer than %d bytes",
                            SQL_MAX);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(d->db, s.b, (int)s.n, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(d->db, rc, err, "preparing a search");
    struct slot *v = &c->slot[c->next];
    c->next = (c->next + 1) % CACHE_SLOTS;
    sqlite3_finalize(v->st);
    v->key = key;
    v->st = st;
    *out = st;
    return PD_OK;
}

/* ---- the text, as an FTS5 expression ------------------------------------------------------ */

static fts5_api *fts5_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

struct words {
    char *out; /* MATCH_MAX bytes */
    size_t n;
    unsigned count;
    int full;
    size_t last_end; /* where the last word's closing quote is */
    int phrase;      /* tokens of one phrase (the category): space apart, unquoted */
};

static int on_token(void *ctx, int flags, const char *tok, int ntok, int start, int end)
{
    (void)start;
    (void)end;
    struct words *w = ctx;
    if ((flags & FTS5_TOKEN_COLOCATED) || ntok <= 0)
        return SQLITE_OK;
    if (w->count == MAX_WORDS) {
        w->full = 1;
        return SQLITE_DONE; /* too many words: refused */
    }
    /* ' AND ' + quotes, each quote doubled, the prefix '*', the NUL. */
    size_t need = 5 + 2 + 2 * (size_t)ntok + 2;
    if (w->n + need > MATCH_MAX) {
        w->full = 1;
        return SQLITE_DONE;
    }
    if (w->count && w->phrase)
        w->out[w->n++] = ' ';
    else if (w->count)
        memcpy(w->out + w->n, " AND ", 5), w->n += 5;
    if (!w->phrase)
        w->out[w->n++] = '"';
    for (int i = 0; i < ntok; i++) {
        if (tok[i] == '"')
            w->out[w->n++] = '"';
        w->out[w->n++] = tok[i];
    }
    if (!w->phrase)
        w->out[w->n++] = '"';
    w->last_end = w->n;
    w->count++;
    w->out[w->n] = '\0';
    return SQLITE_OK;
}

/* Writes the FTS5 expression of `text` into out (MATCH_MAX bytes): its
 * words in handle or bio, and, when category is not NULL, the category's
 * words as a phrase in the category column (a superset of the creators of
 * exactly that category, which the SQL then checks). */
static int text_match(sq_db *d, const char *text, const char *category, char *out, pd_error *err)
{
    struct sq_search *c = d->search;
    if (!c->tok_inst) {
        fts5_api *api = fts5_of(d->db);
        void *ud = NULL;
        if (!api || api->xFindTokenizer(api, "unicode61", &ud, &c->tok) != SQLITE_OK)
            return pd_error_set(err, PD_EINTERNAL, "text search: SQLite has no FTS5 unicode61");
        const char *args[] = {"remove_diacritics", "2"};
        if (c->tok.xCreate(ud, args, 2, &c->tok_inst) != SQLITE_OK) {
            c->tok_inst = NULL;
            return pd_error_set(err, PD_ENOMEM, "text search: cannot make a tokenizer");
        }
    }
    static const char head[] = "{handle bio} : (";
    memcpy(out, head, sizeof head);
    struct words w = {.out = out, .n = sizeof head - 1};
    int rc =
        c->tok.xTokenize(c->tok_inst, &w, FTS5_TOKENIZE_QUERY, text, (int)strlen(text), on_token);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        return sq_fail(NULL, rc, err, "text search");
    if (w.full)
        return pd_error_set(err, PD_EINPUT, "text: more than %d words", MAX_WORDS);
    if (!w.count)
        return pd_error_set(err, PD_EINPUT,
                            "text: no word to search for (words are letters and digits)");
    /* The last word matches as a prefix: "word"*. */
    memmove(out + w.last_end + 1, out + w.last_end, w.n - w.last_end + 1);
    out[w.last_end] = '*';
    w.n++;
    out[w.n++] = ')';
    out[w.n] = '\0';
    if (!category || !*category)
        return PD_OK;
    /* ' AND category : "' then the phrase, '"', at most 2 * 63 bytes. */
    size_t keep = w.n;
    static const char cat[] = " AND category : \"";
    if (keep + sizeof cat + 2 * PD_CATEGORY_MAX + 2 > MATCH_MAX)
        return PD_OK;
    memcpy(out + w.n, cat, sizeof cat);
    struct words cw = {.out = out, .n = w.n + sizeof cat - 1, .phrase = 1};
    rc = c->tok.xTokenize(c->tok_inst, &cw, FTS5_TOKENIZE_QUERY, category, (int)strlen(category),
                          on_token);
    if ((rc != SQLITE_OK && rc != SQLITE_DONE) || cw.full || !cw.count) {
        out[keep] = '\0'; /* no word in the category: the SQL alone checks it */
        return rc == SQLITE_OK || rc == SQLITE_DONE ? PD_OK : sq_fail(NULL, rc, err, "text search");
    }
    out[cw.n++] = '"';
    out[cw.n] = '\0';
    return PD_OK;
}

/* ---- the search ----------------------------------------------------------------------------- */

struct plan {
    uint32_t shape; /* filters and sort, no driver */
    uint64_t fol_lo, fol_hi;
    uint64_t av_lo, av_hi;
    uint64_t eng_lo, eng_hi;
    int empty;          /* the bounds exclude everything */
    const char *match;  /* the text's FTS5 expression */
    int64_t text_count; /* matches of the text, counted up to a bound */
};

static void bind_all(sqlite3_stmt *st, uint32_t shape, const pd_creator_query *q,
                     const struct plan *p, const char *match, int64_t limit)
{
    if (shape & SH_CATEGORY)
        sq_bind_text(st, P_CATEGORY, q->category);
    if (shape & SH_TEXT)
        sq_bind_text(st, P_MATCH, match);
    if (shape & SH_FOL_LO)
        sqlite3_bind_int64(st, P_FOL_LO, (int64_t)p->fol_lo);
    if (shape & SH_FOL_HI)
        sqlite3_bind_int64(st, P_FOL_HI, (int64_t)p->fol_hi);
    if (shape & SH_AV_LO)
        sqlite3_bind_int64(st, P_AV_LO, (int64_t)p->av_lo);
    if (shape & SH_AV_HI)
        sqlite3_bind_int64(st, P_AV_HI, (int64_t)p->av_hi);
    if (shape & SH_ENG_LO)
        sqlite3_bind_int64(st, P_ENG_LO, (int64_t)p->eng_lo);
    if (shape & SH_ENG_HI)
        sqlite3_bind_int64(st, P_ENG_HI, (int64_t)p->eng_hi);
    if (shape & SH_MCN)
        sqlite3_bind_int64(st, P_MCN, q->mcn_id);
    if (shape & SH_AFTER) {
        sqlite3_bind_int64(st, P_AFTER_KEY, q->after_key);
        sqlite3_bind_int64(st, P_AFTER_ID, q->after_id);
    }
    sqlite3_bind_int64(st, P_LIMIT, limit);
}

/* Counts to ceil: runs a count statement, *n gets the result. */
static int count_of(sq_db *d, uint32_t shape, const pd_creator_query *q, const struct plan *p,
                    int64_t ceil, int64_t *n, pd_error *err)
{
    sqlite3_stmt *st;
    int rc = cache_get(d, shape, &st, err);
    if (rc)
        return rc;
    bind_all(st, shape, q, p, p->match, ceil);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = sq_fail(d->db, r, err, "searching creators");
    sq_done(st);
    return rc;
}

/* Narrows a range filter's upper bound on the sort's own key with the
 * keyset: whichever bound is tighter is the only one needed. */
static void fold_after(uint32_t *shape, const uint64_t *hi, uint32_t hi_bit,
                       const pd_creator_query *q)
{
    if (!(*shape & SH_AFTER) || !(*shape & hi_bit))
        return;
    if (q->after_key < 0 || (uint64_t)q->after_key <= *hi)
        *shape &= ~hi_bit; /* the keyset bounds it already */
    else
        *shape &= ~(uint32_t)SH_AFTER; /* every row in range is after the keyset */
}

static void make_plan(const pd_creator_query *q, int has_text, struct plan *p)
{
    memset(p, 0, sizeof *p);
    uint32_t sh = (uint32_t)q->sort << SH_SORT_SHIFT;
    if (q->category && *q->category)
        sh |= SH_CATEGORY;
    if (has_text)
        sh |= SH_TEXT;
    /* Followers: the range, narrowed to micro-creators when asked. */
    uint64_t lo = q->followers_min, hi = q->followers_max ? q->followers_max : UINT64_MAX;
    if (q->micro_only) {
        if (lo < PD_MICRO_MIN_FOLLOWERS)
            lo = PD_MICRO_MIN_FOLLOWERS;
        if (hi > PD_MICRO_MAX_FOLLOWERS - 1)
            hi = PD_MICRO_MAX_FOLLOWERS - 1;
    }
    if (lo > hi || lo > INT64_MAX)
        p->empty = 1;
    if (lo)
        sh |= SH_FOL_LO, p->fol_lo = lo;
    if (hi != UINT64_MAX && hi <= INT64_MAX)
        sh |= SH_FOL_HI, p->fol_hi = hi;
    if (q->avg_views_min)
        sh |= SH_AV_LO, p->av_lo = q->avg_views_min;
    if (q->avg_views_max)
        sh |= SH_AV_HI, p->av_hi = q->avg_views_max;
    if (q->engagement_min_bp)
        sh |= SH_ENG_LO, p->eng_lo = q->engagement_min_bp;
    if (q->engagement_max_bp)
        sh |= SH_ENG_HI, p->eng_hi = q->engagement_max_bp;
    if (q->avg_views_min > INT64_MAX)
        p->empty = 1;
    if (p->av_hi > INT64_MAX)
        sh &= ~(uint32_t)SH_AV_HI;
    if (q->certified_only)
        sh |= SH_CERT;
    if (q->mcn_id > 0)
        sh |= SH_MCN;
    else if (q->mcn_id == -1)
        sh |= SH_INDEP;
    if (q->has_after)
        sh |= SH_AFTER;
    switch (q->sort) {
    case PD_SORT_FOLLOWERS: fold_after(&sh, &p->fol_hi, SH_FOL_HI, q); break;
    case PD_SORT_AVG_VIEWS: fold_after(&sh, &p->av_hi, SH_AV_HI, q); break;
    case PD_SORT_ENGAGEMENT: fold_after(&sh, &p->eng_hi, SH_ENG_HI, q); break;
    default: break;
    }
    p->shape = sh;
}

/* The filters a driver's index answers by itself (for its probe). */
static uint32_t driver_filters(enum driver drv, uint32_t sh)
{
    const uint32_t fol = sh & (SH_FOL_LO | SH_FOL_HI);
    switch (drv) {
    case DRV_MCN: return sh & (SH_MCN | SH_INDEP);
    case DRV_CERT_CAT: return (sh & (SH_CATEGORY | SH_CERT)) | fol;
    case DRV_CERT: return (sh & SH_CERT) | fol;
    case DRV_CAT: return (sh & SH_CATEGORY) | fol;
    case DRV_FOLLOWERS: return fol;
    case DRV_AVG_VIEWS: return sh & (SH_AV_LO | SH_AV_HI);
    case DRV_ENGAGEMENT: return sh & (SH_ENG_LO | SH_ENG_HI);
    case DRV_CERT_AVG: return sh & (SH_CERT | SH_AV_LO | SH_AV_HI);
    case DRV_CERT_ENG: return sh & (SH_CERT | SH_ENG_LO | SH_ENG_HI);
    default: return 0;
    }
}

/* Which index drives the query (see the top of the file). */
static int choose_driver(sq_db *d, const pd_creator_query *q, struct plan *p, enum driver *out,
                         pd_error *err)
{
    uint32_t sh = p->shape;
    if (sh & SH_MCN) {
        *out = DRV_MCN;
        return PD_OK;
    }
    /* The walk: an index in the sort's order holding as many of the
     * equality filters as there is one for. */
    const int cert = (sh & SH_CERT) != 0, cat = (sh & SH_CATEGORY) != 0;
    switch (q->sort) {
    case PD_SORT_FOLLOWERS:
        *out = cert && cat ? DRV_CERT_CAT : cert ? DRV_CERT : cat ? DRV_CAT : DRV_FOLLOWERS;
        break;
    case PD_SORT_AVG_VIEWS: *out = cert ? DRV_CERT_AVG : DRV_SORT; break;
    case PD_SORT_ENGAGEMENT: *out = cert ? DRV_CERT_ENG : DRV_SORT; break;
    default: *out = DRV_SORT; break;
    }
    /* The other indexes that answer a filter by themselves. */
    enum driver cand[4];
    size_t nc = 0;
    if (!(sh & SH_TEXT)) {
        if (cat && q->sort != PD_SORT_FOLLOWERS)
            cand[nc++] = cert ? DRV_CERT_CAT : DRV_CAT;
        if ((sh & (SH_FOL_LO | SH_FOL_HI)) && q->sort != PD_SORT_FOLLOWERS)
            cand[nc++] = cert ? DRV_CERT : DRV_FOLLOWERS;
        else if (cert && !cat && q->sort == PD_SORT_NEWEST)
            cand[nc++] = DRV_CERT;
        if ((sh & (SH_AV_LO | SH_AV_HI)) && q->sort != PD_SORT_AVG_VIEWS)
            cand[nc++] = cert ? DRV_CERT_AVG : DRV_AVG_VIEWS;
        if ((sh & (SH_ENG_LO | SH_ENG_HI)) && q->sort != PD_SORT_ENGAGEMENT)
            cand[nc++] = cert ? DRV_CERT_ENG : DRV_ENGAGEMENT;
    }
    int64_t total = 0;
    int rc = PD_OK;
    if (sh & SH_TEXT) {
        /* Few matches: read them and sort (each costs a row read). Many: the
         * walk, checking each entry against the set of matching ids, which
         * is built once and is cheap per id. They meet lower than the other
         * filters do, as a match costs more than an index entry. */
        if ((rc = count_of(d, SH_COUNT, q, p, 0, &total, err)) != PD_OK)
            return rc;
        double t = sqrt((double)q->limit * (double)total) / 2;
        int64_t ceil = t < PROBE_MIN ? PROBE_MIN : t > PROBE_MAX ? PROBE_MAX : (int64_t)t;
        /* Counted further than the choice needs: the walk's budget. */
        rc = count_of(d, SH_PROBE | SH_TEXT | (uint32_t)DRV_FTS << SH_DRV_SHIFT, q, p,
                      TEXT_COUNT_FACTOR * ceil, &p->text_count, err);
        if (rc == PD_OK && p->text_count < ceil)
            *out = DRV_FTS;
        return rc;
    }
    if (!nc)
        return PD_OK;
    if ((rc = count_of(d, SH_COUNT, q, p, 0, &total, err)) != PD_OK)
        return rc;
    double t = sqrt((double)q->limit * (double)total);
    int64_t ceil = t < PROBE_MIN ? PROBE_MIN : t > PROBE_MAX ? PROBE_MAX : (int64_t)t;
    /* The candidate with the fewest rows, when they are few enough. Each
     * probe reads at most `ceil` entries of a covering index. */
    for (size_t i = 0; i < nc && rc == PD_OK; i++) {
        int64_t n = 0;
        uint32_t probe = SH_PROBE | (uint32_t)cand[i] << SH_DRV_SHIFT | driver_filters(cand[i], sh);
        rc = count_of(d, probe, q, p, ceil, &n, err);
        if (rc == PD_OK && n < ceil) {
            ceil = n;
            *out = cand[i];
        }
    }
    return rc;
}

/* The walk of a text query stops (SQLITE_INTERRUPT) past its budget of
 * virtual machine steps, counted in ticks of TICK_OPS. */
#define TICK_OPS 1000
#define OPS_PER_MATCH                                                                              \
    100 /* a walk's budget per matching id: what reading                                           \
           and sorting that match would cost, about */

struct budget {
    int64_t ticks, max;
};

static int over_budget(void *ctx)
{
    struct budget *b = ctx;
    return ++b->ticks > b->max;
}

void sq_read_hit(sqlite3_stmt *st, int key_col, pd_creator_hit *h)
{
    sq_read_creator(st, &h->c);
    pd_cert_row r = {.id = h->c.id, .followers = h->c.followers};
    sq_read_cert_aggs(st, 8, &r);
    sq_status_from_row(&r, sqlite3_column_int64(st, 17), &h->st);
    h->key = sqlite3_column_int64(st, key_col);
}

/* Runs the page's statement for driver drv into hits[0..*n). With a budget
 * (b not NULL): 1 when it ran out (nothing kept), else 0; or an error. */
static int run_page(sq_db *d, const pd_creator_query *q, const struct plan *p, enum driver drv,
                    struct budget *b, pd_creator_hit *hits, size_t *n, pd_error *err)
{
    sqlite3_stmt *st;
    int rc = cache_get(d, p->shape | (uint32_t)drv << SH_DRV_SHIFT, &st, err);
    if (rc)
        return rc;
    bind_all(st, p->shape, q, p, p->match, q->limit);
    int key_col = q->sort == PD_SORT_FOLLOWERS    ? COL_FOLLOWERS
                  : q->sort == PD_SORT_AVG_VIEWS  ? COL_AVG_VIEWS
                  : q->sort == PD_SORT_ENGAGEMENT ? COL_ENGAGEMENT
                                                  : COL_CREATED;
    if (b)
        sqlite3_progress_handler(d->db, TICK_OPS, over_budget, b);
    int r;
    *n = 0;
    while (*n < q->limit && (r = sqlite3_step(st)) == SQLITE_ROW)
        sq_read_hit(st, key_col, &hits[(*n)++]);
    if (*n == q->limit)
        r = SQLITE_DONE;
    if (b)
        sqlite3_progress_handler(d->db, 0, NULL, NULL);
    if (r == SQLITE_INTERRUPT && b && b->ticks > b->max) {
        *n = 0;
        rc = 1;
    } else if (r != SQLITE_DONE) {
        rc = sq_fail(d->db, r, err, "searching creators");
    }
    sq_done(st);
    return rc;
}

int sq_creator_search(pd_db *pdb, const pd_creator_query *q,
                      int (*each)(void *ctx, const pd_creator_hit *h), void *ctx, pd_error *err)
{
    sq_db *d = (sq_db *)pdb;
    int rc = PD_OK;
    if (!search_of(d))
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int has_text = q->text != NULL;
    char *match = NULL;
    if (has_text) {
        if (!(match = malloc(MATCH_MAX)))
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        if ((rc = text_match(d, q->text, q->category, match, err)) != PD_OK) {
            free(match);
            return rc;
        }
    }
    struct plan p;
    make_plan(q, has_text, &p);
    p.match = match;
    pd_creator_hit *hits = p.empty ? NULL : malloc(q->limit * sizeof *hits);
    if (p.empty || !hits) {
        free(match);
        return p.empty ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    /* One read transaction for the probes and the page, unless the caller
     * has one open. */
    int own;
    enum driver drv = DRV_SORT;
    size_t n = 0;
    rc = sq_read_begin(d, &own, err);
    if (rc == PD_OK)
        rc = choose_driver(d, q, &p, &drv, err);
    if (rc == PD_OK && has_text && drv != DRV_FTS) {
        /* A walk for many matches may still find few of them past the other
         * filters: past what reading the matches would cost, read them. */
        struct budget b = {.max = p.text_count * OPS_PER_MATCH / TICK_OPS};
        rc = run_page(d, q, &p, drv, &b, hits, &n, err);
        if (rc == 1)
            rc = run_page(d, q, &p, DRV_FTS, NULL, hits, &n, err);
    } else if (rc == PD_OK) {
        rc = run_page(d, q, &p, drv, NULL, hits, &n, err);
    }
    sq_read_end(d, own);
    /* The rows go out once the statement is done: the callback may use the
     * connection. */
    for (size_t i = 0; rc == PD_OK && i < n; i++)
        rc = each(ctx, &hits[i]);
    free(hits);
    free(match);
    return rc;
}
