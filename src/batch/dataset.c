/* dataset.c - see dataset.h.
 *
 * How a file is read in parallel: the data after the header is cut into one
 * range per thread at nominal offsets; each thread starts at the first line
 * start after its offset and reads the records that start before the next
 * offset. That guess of a record start is wrong only when a quoted field
 * holds a newline right there; the thread before knows the truth (where its
 * last record really ended), so after the join every guess is checked and,
 * on a mismatch, the file is read again on one thread. Line numbers are
 * counted per range and made absolute after the join.
 *
 * Posts take a fast path for plain lines (no quotes) that parses and checks
 * each field in one pass (batch/rows_fast.h); anything unusual goes through
 * the general CSV reader and the careful checks of batch/rows.c (shared
 * with app/import.c), which also write the error messages.
 *
 * A repeated post_id is a bad line. Each thread notes the ids it meets in
 * its own bit set (no atomic operation per post) and lists the ids above
 * the set's ceiling; after the join the sets are merged and the lists
 * sorted, which finds every id met twice. Only then, and only when there is
 * one, posts.csv is read again on one thread in file order, so that the
 * second line with an id is the bad one (named with the first) however the
 * file was split, and a skipped repeat never counts. */
#include "batch/dataset.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch/csv.h"
#include "batch/progress.h"
#include "batch/rows.h"
#include "util/buf.h"
#include "util/hashtab.h"
#include "batch/rows_fast.h"
#include "util/num.h"
#include "core/window.h"

#define DEFAULT_MIN_CHUNK (1u << 20)
#define READ_BUF (1u << 20)
#define MAX_REPORTS 10 /* skipped lines reported per file */
#define MAX_CATEGORIES 65536
#define NONE UINT32_MAX

/* A bad line, as found by a thread (line relative to its range), or a
 * failure that is no line's fault (a read error, memory). */
struct bad {
    pd_rows_bad b;
    int fatal;
    pd_code code;
};

/* ---- category names ------------------------------------------------------ */

struct strtab {
    char **names; /* by index */
    size_t n, cap;
    pd_hashtab tab; /* name -> index (util/hashtab.h) */
};

static void strtab_free(struct strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->names[i]);
    free(t->names);
    pd_hashtab_free(&t->tab);
    memset(t, 0, sizeof *t);
}

struct strkey {
    const struct strtab *t;
    const char *name;
    size_t len;
};

static int strtab_same(const void *ctx, uint32_t ref)
{
    const struct strkey *k = ctx;
    const char *s = k->t->names[ref];
    return strlen(s) == k->len && memcmp(s, k->name, k->len) == 0;
}

/* Index of name[0..len), added when new; -1 when full or out of memory. */
static long strtab_intern(struct strtab *t, const char *name, size_t len)
{
    if (pd_hashtab_reserve(&t->tab, t->n + 1) < 0)
        return -1;
    uint64_t h = pd_hash_bytes(name, len);
    struct strkey key = {t, name, len};
    size_t i = pd_hashtab_find(&t->tab, h, strtab_same, &key);
    if (pd_hashtab_used(&t->tab, i))
        return pd_hashtab_ref(&t->tab, i);
    if (t->n >= MAX_CATEGORIES)
        return -1;
    char **names = pd_grow(t->names, &t->cap, t->n, sizeof *names, 16);
    if (!names)
        return -1;
    t->names = names;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, name, len);
    copy[len] = '\0';
    t->names[t->n] = copy;
    pd_hashtab_fill(&t->tab, i, h, (uint32_t)t->n);
    return (long)t->n++;
}

/* ---- creator index: creator_id -> position in the sorted array ---------- */

struct index {
    uint32_t *direct;  /* when ids are dense: direct[id] */
    uint64_t direct_n; /* entries of direct */
    pd_hashtab tab;    /* otherwise id -> position (util/hashtab.h) */
};

_Static_assert(PD_HASHTAB_NONE == NONE, "index_find answers NONE for an unknown id");

static inline uint32_t index_find(const struct index *ix, uint64_t id)
{
    if (ix->direct)
        return id < ix->direct_n ? ix->direct[id] : NONE;
    return pd_hashtab_get_id(&ix->tab, (int64_t)id);
}

static int index_build(struct index *ix, const pd_creator *c, size_t n)
{
    memset(ix, 0, sizeof *ix);
    uint64_t max_id = n ? (uint64_t)c[n - 1].id : 0; /* sorted */
    if (max_id <= 8 * (uint64_t)n + (1u << 20)) {
        ix->direct_n = max_id + 1;
        ix->direct = malloc(ix->direct_n * sizeof *ix->direct);
        if (!ix->direct)
            return -1;
        memset(ix->direct, 0xff, ix->direct_n * sizeof *ix->direct);
        for (size_t i = 0; i < n; i++)
            ix->direct[c[i].id] = (uint32_t)i;
        return 0;
    }
    if (pd_hashtab_reserve(&ix->tab, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (pd_hashtab_put_id(&ix->tab, c[i].id, (uint32_t)i) < 0)
            return -1;
    return 0;
}

static void index_free(struct index *ix)
{
    free(ix->direct);
    pd_hashtab_free(&ix->tab);
    memset(ix, 0, sizeof *ix);
}

/* ---- the load as a whole ------------------------------------------------- */

struct chunk;

struct load {
    const pd_load_options *o;
    pd_rows_input *in; /* the file being scanned now */
    struct chunk *chunks;
    size_t nchunks;
    int posts; /* scanning posts.csv, else creators.csv */
    /* posts */
    struct index ix;
    size_t n;
    pd_window win[PD_MAX_WINDOWS]; /* core/window.h: the one window rule */
    int one_thread;                /* read on one thread (the second pass) */
    /* repeated post ids: the first pass finds them, the second names them */
    uint64_t *dups;      /* second pass: the repeated ids, sorted */
    uint64_t *dup_first; /* ndups: relative line + 1 of the first */
    size_t ndups;
};

struct chunk {
    struct load *ld;
    size_t index;
    uint64_t start, stop; /* records starting in [start, stop) */
    uint64_t end;         /* where it stopped: first record start >= stop */
    uint64_t lines;       /* newlines in [start, end) */
    pd_csv_reader rd;
    _Atomic uint64_t rows; /* for progress */
    int failed;            /* stopped on a bad line or a failure */
    struct bad first;      /* what stopped it */
    uint64_t skipped;
    struct bad reports[MAX_REPORTS];
    size_t nreports;
    pthread_t thread;
    /* creators */
    pd_creator *cr;
    size_t ncr, capcr;
    struct strtab cats;
    /* posts */
    pd_window_stats *stats[PD_MAX_WINDOWS];
    uint64_t posts_read, unknown, in_window[PD_MAX_WINDOWS];
    pd_rows_ids ids;       /* ids met by this chunk (first pass)       */
    pd_rows_idlist far;    /* ids above ids.max, checked after the join */
    pd_rows_idlist dupids; /* ids met twice                             */
};

/* Records a bad line. Returns 1 when the scan must stop. */
static int chunk_bad(struct chunk *c, const pd_rows_bad *b)
{
    struct bad bad = {.b = *b};
    if (!c->ld->o->skip_bad_lines) {
        c->first = bad;
        c->failed = 1;
        return 1;
    }
    if (c->nreports < MAX_REPORTS)
        c->reports[c->nreports++] = bad;
    c->skipped++;
    return 0;
}

static int chunk_fatal(struct chunk *c, pd_code code, const char *why, int io_errno)
{
    c->failed = 1;
    memset(&c->first, 0, sizeof c->first);
    c->first.fatal = 1;
    c->first.code = code;
    pd_rows_bad_set(&c->first.b, c->rd.line, -1, why, NULL, 0);
    if (io_errno)
        snprintf(c->first.b.value, sizeof c->first.b.value, "%s", strerror(io_errno));
    return 1;
}

/* A malformed CSV record reported by the reader. Returns 1 to stop. */
static int chunk_csv_fault(struct chunk *c)
{
    pd_rows_bad b;
    pd_code code = (pd_code)pd_rows_fault(&c->rd, &b);
    if (code == PD_OK)
        return chunk_bad(c, &b);
    c->failed = 1;
    c->first = (struct bad){.b = b, .fatal = 1, .code = code};
    return 1;
}

/* ---- creators ------------------------------------------------------------ */

static int creators_record(struct chunk *c, const pd_csv_record *rec)
{
    const pd_rows_input *in = c->ld->in;
    pd_rows_creator row;
    pd_rows_bad b;
    if (pd_rows_creator_parse(in, rec, &row, &b))
        return chunk_bad(c, &b);
    long k = strtab_intern(&c->cats, row.category.p, row.category.len);
    if (k < 0) {
        pd_rows_bad_set(&b, rec->line, in->col[PD_COL_C_CATEGORY],
                        "more than 65,536 distinct categories", row.category.p, row.category.len);
        return chunk_bad(c, &b);
    }
    pd_creator cr = {
        .id = row.id, .followers = row.followers, .mcn_id = row.mcn_id, .category = (uint32_t)k};
    cr.line = rec->line > UINT32_MAX ? UINT32_MAX : (uint32_t)rec->line;
    pd_creator *p = pd_grow(c->cr, &c->capcr, c->ncr, sizeof *p, 1024);
    if (!p)
        return chunk_fatal(c, PD_ENOMEM, "out of memory for creators", 0);
    c->cr = p;
    c->cr[c->ncr++] = cr;
    return 0;
}

/* The chunk's next record the careful way, past the malformed ones that
 * chunk_csv_fault lets it skip: 1 a record in *rec, 0 the end, -1 stop. */
static int chunk_next(struct chunk *c, pd_csv_record *rec)
{
    int r;
    while ((r = pd_csv_next(&c->rd, rec)) < 0)
        if (chunk_csv_fault(c))
            return -1;
    return r;
}

static void creators_scan(struct chunk *c)
{
    pd_csv_record rec;
    while (chunk_next(c, &rec) > 0) {
        if (creators_record(c, &rec))
            return;
        if ((c->ncr & 4095) == 0)
            atomic_store_explicit(&c->rows, c->ncr, memory_order_relaxed);
    }
}

/* ---- posts --------------------------------------------------------------- */

/* What the statistics need of a post; the fast path fills no more. */
typedef pd_rows_post post_t;

/* Adds a post to its creator's windows. Returns 1 on overflow. */
static inline int apply_post(struct chunk *c, const post_t *p)
{
    const struct load *ld = c->ld;
    c->posts_read++;
    uint32_t k = index_find(&ld->ix, p->creator);
    if (k == NONE) {
        c->unknown++;
        return 0;
    }
    for (size_t w = 0; w < ld->o->nwindows; w++) {
        if (!pd_window_holds(ld->win[w], p->t))
            continue;
        pd_window_stats *s = &c->stats[w][k];
        if (__builtin_add_overflow(s->views, p->views, &s->views) || s->posts == UINT32_MAX)
            return 1;
        s->posts++;
        s->sponsored += (uint32_t)p->sponsored;
        c->in_window[w]++;
    }
    return 0;
}

/* The post's id: 0 when new; -1 when the line is skipped, 1 to stop. On
 * the first pass (no ld->dups) a repeat is only noted; the second pass,
 * on one thread in file order, makes the second line with an id the bad
 * one, naming the first. `line` is relative to the chunk. */
static inline int post_id_check(struct chunk *c, uint64_t id, uint64_t line)
{
    struct load *ld = c->ld;
    if (!ld->dups) {
        int r = pd_rows_ids_add(&c->ids, id);
        if (r == 0)
            return 0;
        if (pd_rows_idlist_push(r > 0 ? &c->dupids : &c->far, id) < 0)
            return chunk_fatal(c, PD_ENOMEM, "out of memory for the post ids", 0);
        return 0;
    }
    size_t lo = pd_rows_id_lower_bound(ld->dups, ld->ndups, id);
    if (lo == ld->ndups || ld->dups[lo] != id)
        return 0;
    if (!ld->dup_first[lo]) {
        ld->dup_first[lo] = line + 1;
        return 0;
    }
    pd_rows_bad b;
    pd_rows_bad_duplicate_post(&b, ld->in, line, pd_rows_line(ld->in, ld->dup_first[lo] - 1), id);
    return chunk_bad(c, &b) ? 1 : -1;
}

/* The careful path: every field checked, every problem named. 0: a post
 * in *p; -1: a bad line to skip; 1: stop. */
static int posts_record(struct chunk *c, const pd_csv_record *rec, post_t *p)
{
    pd_rows_bad b;
    if (pd_rows_post_parse(c->ld->in, rec, p, &b))
        return chunk_bad(c, &b) ? 1 : -1;
    return 0;
}

static int posts_overflow(struct chunk *c)
{
    return chunk_fatal(c, PD_EINPUT,
                       "a creator's total views (or posts) in a window overflow 64 bits", 0);
}

/* A post read: st 0 when it parsed (else posts_record's -1 or 1), then its
 * id checked and the post counted. 0 taken; -1 the line skipped; 1 stop. */
static inline int post_take(struct chunk *c, const post_t *p, uint64_t line, int st)
{
    if (st == 0)
        st = post_id_check(c, p->id, line);
    if (st == 0 && apply_post(c, p)) {
        posts_overflow(c);
        st = 1;
    }
    return st;
}

static void posts_scan_with(struct chunk *c, pd_rows_day_cache *dc)
{
    pd_csv_reader *rd = &c->rd;
    const pd_rows_input *in = c->ld->in;
    post_t p;
    uint64_t rows = 0;

    for (;;) {
        /* Fast path over the complete plain lines in the buffer. */
        const uint64_t stop = rd->stop;
        while (!rd->resync && rd->pos < rd->len && rd->buf_off + rd->pos < stop) {
            const char *line = rd->buf + rd->pos;
            const char *next = pd_rows_fast_post(in, line, dc, &p);
            if (!next || next > rd->buf + rd->len)
                break;
            rd->pos = (size_t)(next - rd->buf);
            rows++;
            int st = post_take(c, &p, rd->line++, 0);
            if (st > 0)
                return;
            if (st < 0)
                continue;
        }
        atomic_store_explicit(&c->rows, rows, memory_order_relaxed);
        if (pd_csv_done(rd))
            break;
        if (!rd->resync && (rd->pos == rd->len || (rd->len - rd->pos < 4096 && !rd->eof))) {
            /* Near the end of the buffer: read more before going careful. */
            size_t before = rd->len - rd->pos;
            int f = pd_csv_fill(rd);
            if (f < 0) {
                if (chunk_csv_fault(c))
                    return;
                continue; /* skipped: the reader has moved past it */
            }
            if (f > 0 && rd->len - rd->pos > before)
                continue;
        }
        /* One record the careful way. */
        pd_csv_record rec;
        int r = chunk_next(c, &rec);
        if (r <= 0)
            break; /* the end, or stop */
        rows++;
        if (post_take(c, &p, rec.line, posts_record(c, &rec, &p)) > 0)
            return;
    }
}

static void posts_scan(struct chunk *c)
{
    pd_rows_day_cache *dc = calloc(1, sizeof *dc);
    if (!dc) {
        chunk_fatal(c, PD_ENOMEM, "out of memory", 0);
        return;
    }
    posts_scan_with(c, dc);
    free(dc);
}

/* ---- running chunks ------------------------------------------------------ */

/* First line start at or after `at` (which is > data_start): the byte after
 * the first LF at or after at - 1. */
static int find_line_start(int fd, uint64_t at, uint64_t size, uint64_t *out)
{
    char buf[65536];
    uint64_t pos = at - 1;
    while (pos < size) {
        size_t want = size - pos < sizeof buf ? (size_t)(size - pos) : sizeof buf;
        ssize_t n = pread(fd, buf, want, (off_t)pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        char *nl = memchr(buf, '\n', (size_t)n);
        if (nl) {
            *out = pos + (uint64_t)(nl - buf) + 1;
            return 0;
        }
        pos += (uint64_t)n;
    }
    *out = size;
    return 0;
}

static void *chunk_main(void *arg)
{
    struct chunk *c = arg;
    if (c->ld->posts)
        posts_scan(c);
    else
        creators_scan(c);
    c->end = c->rd.buf_off + c->rd.pos;
    c->lines = c->rd.line;
    atomic_store_explicit(&c->rows, c->ld->posts ? c->posts_read : c->ncr, memory_order_relaxed);
    return NULL;
}

static void progress_poll(void *ctx, uint64_t *bytes, uint64_t *rows)
{
    struct load *ld = ctx;
    uint64_t b = 0, r = 0;
    for (size_t i = 0; i < ld->nchunks; i++) {
        b += atomic_load_explicit(&ld->chunks[i].rd.bytes_read, memory_order_relaxed);
        r += atomic_load_explicit(&ld->chunks[i].rows, memory_order_relaxed);
    }
    *bytes = b;
    *rows = r;
}

static void chunks_free(struct load *ld)
{
    for (size_t i = 0; i < ld->nchunks; i++) {
        struct chunk *c = &ld->chunks[i];
        pd_csv_reader_free(&c->rd);
        free(c->cr);
        strtab_free(&c->cats);
        for (size_t w = 0; w < PD_MAX_WINDOWS; w++)
            free(c->stats[w]);
        pd_rows_ids_free(&c->ids);
        free(c->far.id);
        free(c->dupids.id);
    }
    free(ld->chunks);
    ld->chunks = NULL;
    ld->nchunks = 0;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* Sets up n chunks over the data of ld->in. */
static int chunks_setup(struct load *ld, size_t n, pd_error *err)
{
    pd_rows_input *in = ld->in;
    ld->chunks = calloc(n, sizeof *ld->chunks);
    if (!ld->chunks)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    ld->nchunks = n;
    uint64_t data = in->size - in->data_start;
    uint64_t prev_stop = in->data_start;
    for (size_t i = 0; i < n; i++) {
        struct chunk *c = &ld->chunks[i];
        c->ld = ld;
        c->index = i;
        uint64_t nominal_next = i + 1 == n ? in->size : in->data_start + data / n * (i + 1);
        c->start = prev_stop;
        if (i > 0 && c->start > in->data_start &&
            find_line_start(in->fd, c->start, in->size, &c->start) < 0)
            return pd_error_set(err, PD_EIO, "%s: cannot read: %s", in->path, strerror(errno));
        c->stop = nominal_next;
        prev_stop = nominal_next;
        if (c->start > c->stop)
            c->start = c->stop; /* a line longer than the range: nothing starts here */
        int rc = pd_csv_reader_init(&c->rd, in->fd, c->start, c->stop, in->size, READ_BUF, err);
        if (rc)
            return rc;
    }
    return PD_OK;
}

/* Runs every chunk (chunk 0 on this thread); checks the guessed starts.
 * Returns 1 when a guess was wrong and the file must be read again on one
 * thread, 0 otherwise, or an error. */
static int chunks_run(struct load *ld, const char *label)
{
    size_t started = 1;
    for (size_t i = 1; i < ld->nchunks; i++) {
        if (pthread_create(&ld->chunks[i].thread, NULL, chunk_main, &ld->chunks[i]) != 0)
            break;
        started++;
    }
    pd_progress *pg = pd_progress_start(ld->o->progress, label, ld->in->size - ld->in->data_start,
                                        progress_poll, ld);
    chunk_main(&ld->chunks[0]);
    for (size_t i = 1; i < started; i++)
        pthread_join(ld->chunks[i].thread, NULL);
    /* Threads that could not start run here, in order. */
    for (size_t i = started; i < ld->nchunks; i++)
        chunk_main(&ld->chunks[i]);
    pd_progress_stop(pg);

    for (size_t i = 0; i + 1 < ld->nchunks; i++) {
        struct chunk *c = &ld->chunks[i];
        if (c->failed)
            return 0; /* its error comes first; later chunks do not matter */
        if (c->end != ld->chunks[i + 1].start)
            return 1;
    }
    return 0;
}

/* Turns the chunk errors into the load's error or skipped-line reports. */
static int chunks_report(struct load *ld, uint64_t *skipped, pd_error *err)
{
    pd_rows_input *in = ld->in;
    uint64_t base = 1 + in->header_lines; /* line number of the first data line */
    FILE *diag = ld->o->diag ? ld->o->diag : stderr;
    size_t printed = 0;
    char what[PD_ERROR_MSG_MAX];
    *skipped = 0;
    for (size_t i = 0; i < ld->nchunks; i++) {
        struct chunk *c = &ld->chunks[i];
        for (size_t k = 0; k < c->nreports && printed < MAX_REPORTS; k++, printed++) {
            pd_rows_describe(in, &c->reports[k].b, what, sizeof what);
            fprintf(diag, "%s:%llu: skipped: %s\n", in->path,
                    (unsigned long long)(base + c->reports[k].b.line), what);
        }
        *skipped += c->skipped;
        if (c->failed) {
            pd_rows_describe(in, &c->first.b, what, sizeof what);
            return pd_error_set(err, c->first.fatal ? c->first.code : PD_EINPUT, "%s:%llu: %s",
                                in->path, (unsigned long long)(base + c->first.b.line), what);
        }
        base += c->lines;
    }
    if (*skipped > printed)
        fprintf(diag, "%s: ... and %llu more skipped lines\n", in->path,
                (unsigned long long)(*skipped - printed));
    return PD_OK;
}

/* Scans ld->in with the configured threads (falling back to one when a
 * guessed range start was wrong). `prepare` runs on each fresh chunk. */
static int scan_file(struct load *ld, const char *label,
                     int (*prepare)(struct load *, struct chunk *, pd_error *), pd_error *err)
{
    const pd_load_options *o = ld->o;
    uint64_t data = ld->in->size - ld->in->data_start;
    uint64_t min_chunk = o->min_chunk_bytes ? o->min_chunk_bytes : DEFAULT_MIN_CHUNK;
    size_t n = ld->one_thread ? 1 : o->threads ? o->threads : online_cpus();
    if (data / min_chunk < n)
        n = (size_t)(data / min_chunk);
    if (n < 1)
        n = 1;
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc = chunks_setup(ld, attempt ? 1 : n, err);
        for (size_t i = 0; rc == PD_OK && i < ld->nchunks; i++)
            rc = prepare(ld, &ld->chunks[i], err);
        if (rc) {
            chunks_free(ld);
            return rc;
        }
        rc = chunks_run(ld, label);
        if (rc == 1) {
            chunks_free(ld);
            continue;
        }
        return rc;
    }
    return pd_error_set(err, PD_EINTERNAL, "%s: could not split the file", ld->in->path);
}

/* ---- creators: merge, sort, check, index --------------------------------- */

static int no_prepare(struct load *ld, struct chunk *c, pd_error *err)
{
    (void)ld;
    (void)c;
    (void)err;
    return PD_OK;
}

static int cmp_creator(const void *a, const void *b)
{
    const pd_creator *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int load_creators(struct load *ld, pd_dataset *ds, pd_error *err)
{
    pd_rows_input in;
    int rc = pd_rows_open(&in, ld->o->creators_path, PD_ROWS_CREATORS, err);
    if (rc)
        return rc;
    ld->in = &in;
    rc = scan_file(ld, in.name, no_prepare, err);
    uint64_t skipped = 0;
    if (rc == PD_OK)
        rc = chunks_report(ld, &skipped, err);
    if (rc)
        goto out;
    ds->summary.skipped_creator_lines = skipped;

    /* Merge the chunks in file order, with one table of category names. */
    size_t n = 0;
    for (size_t i = 0; i < ld->nchunks; i++)
        n += ld->chunks[i].ncr;
    struct strtab cats = {0};
    pd_creator *all = malloc((n ? n : 1) * sizeof *all);
    if (!all) {
        rc = pd_error_set(err, PD_ENOMEM, "out of memory for %zu creators", n);
        goto out;
    }
    size_t k = 0;
    uint64_t base = 1 + in.header_lines;
    for (size_t i = 0; i < ld->nchunks && rc == PD_OK; i++) {
        struct chunk *c = &ld->chunks[i];
        uint32_t *map = malloc((c->cats.n ? c->cats.n : 1) * sizeof *map);
        if (!map) {
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
            break;
        }
        for (size_t j = 0; j < c->cats.n; j++) {
            long g = strtab_intern(&cats, c->cats.names[j], strlen(c->cats.names[j]));
            if (g < 0) {
                rc = pd_error_set(err, PD_EINPUT, "%s: more than 65,536 distinct categories",
                                  in.path);
                break;
            }
            map[j] = (uint32_t)g;
        }
        for (size_t j = 0; rc == PD_OK && j < c->ncr; j++) {
            pd_creator cr = c->cr[j];
            cr.category = map[cr.category];
            uint64_t line = base + cr.line;
            cr.line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
            all[k++] = cr;
        }
        free(map);
        free(c->cr);
        c->cr = NULL;
        base += c->lines;
    }
    if (rc) {
        free(all);
        strtab_free(&cats);
        goto out;
    }

    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = all[i - 1].id < all[i].id;
    if (!sorted)
        qsort(all, n, sizeof *all, cmp_creator);

    /* Duplicates: the later line is the bad one. */
    size_t w = 0;
    uint32_t worst = UINT32_MAX, worst_first = 0;
    int64_t worst_id = 0;
    uint64_t dups = 0;
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && all[w - 1].id == all[i].id) {
            dups++;
            if (all[i].line < worst) {
                worst = all[i].line;
                worst_first = all[w - 1].line;
                worst_id = all[i].id;
            }
            continue;
        }
        all[w++] = all[i];
    }
    if (dups && !ld->o->skip_bad_lines) {
        rc = pd_rows_duplicate_error(&in, worst, worst_first, worst_id, err);
        free(all);
        strtab_free(&cats);
        goto out;
    }
    if (dups) {
        pd_rows_duplicates_skipped(ld->o->diag ? ld->o->diag : stderr, &in, dups, worst, worst_id);
        ds->summary.skipped_creator_lines += dups;
    }
    n = w;
    if (n > UINT32_MAX - 1) {
        free(all);
        strtab_free(&cats);
        rc = pd_error_set(err, PD_ENOMEM, "%s: more than 4 billion creators", in.path);
        goto out;
    }
    if (n) {
        pd_creator *shrunk = realloc(all, n * sizeof *all);
        if (shrunk)
            all = shrunk;
    }
    ds->creators = all;
    ds->n = n;
    ds->categories = cats.names;
    ds->ncategories = cats.n;
    pd_hashtab_free(&cats.tab);
    ds->summary.creators = n;
out:
    chunks_free(ld);
    pd_rows_close(&in);
    ld->in = NULL;
    return rc;
}

/* ---- posts ---------------------------------------------------------------- */

static int posts_prepare(struct load *ld, struct chunk *c, pd_error *err)
{
    if (!ld->dups) {
        int rc = pd_rows_ids_init(&c->ids, ld->in->size - ld->in->data_start, err);
        if (rc)
            return rc;
    }
    for (size_t w = 0; w < ld->o->nwindows; w++) {
        c->stats[w] = calloc(ld->n ? ld->n : 1, sizeof *c->stats[w]);
        if (!c->stats[w])
            return pd_error_set(err, PD_ENOMEM, "out of memory for window statistics");
    }
    return PD_OK;
}

/* After the first pass: the ids met twice (noted in the bit set, or found
 * by sorting the ids above it), sorted and unique in ld->dups. When there
 * are any, posts.csv is read again on one thread, in file order, so that
 * the same line is the bad one however the file was split. */
static int second_pass_if_repeats(struct load *ld, pd_error *err)
{
    pd_rows_idlist far = {0}, dups = {0};
    int oom = 0;
    for (size_t i = 1; i < ld->nchunks && !oom; i++)
        oom = pd_rows_ids_merge(&ld->chunks[0].ids, &ld->chunks[i].ids, &dups) < 0;
    for (size_t i = 0; i < ld->nchunks && !oom; i++)
        oom = pd_rows_idlist_append(&far, &ld->chunks[i].far) < 0 ||
              pd_rows_idlist_append(&dups, &ld->chunks[i].dupids) < 0;
    oom = oom || pd_rows_idlist_repeats(&far, &dups) < 0;
    free(far.id);
    if (oom) {
        free(dups.id);
        return pd_error_set(err, PD_ENOMEM, "out of memory for the post ids");
    }
    if (dups.n == 0)
        return PD_OK;
    pd_rows_idlist_unique(&dups);
    ld->dups = dups.id;
    ld->ndups = dups.n;
    ld->dup_first = calloc(dups.n, sizeof *ld->dup_first);
    if (!ld->dup_first)
        return pd_error_set(err, PD_ENOMEM, "out of memory for the post ids");
    chunks_free(ld);
    ld->one_thread = 1;
    return scan_file(ld, ld->in->name, posts_prepare, err);
}

static int load_posts(struct load *ld, pd_dataset *ds, pd_error *err)
{
    pd_rows_input in;
    int rc = pd_rows_open(&in, ld->o->posts_path, PD_ROWS_POSTS, err);
    if (rc)
        return rc;
    ld->in = &in;
    ld->posts = 1;
    if (index_build(&ld->ix, ds->creators, ds->n) < 0) {
        rc = pd_error_set(err, PD_ENOMEM, "out of memory for the creator index");
        goto out;
    }
    rc = scan_file(ld, in.name, posts_prepare, err);
    if (rc == PD_OK)
        rc = second_pass_if_repeats(ld, err);
    uint64_t skipped = 0;
    if (rc == PD_OK)
        rc = chunks_report(ld, &skipped, err);
    if (rc)
        goto out;
    ds->summary.skipped_post_lines = skipped;

    /* Sum the chunks into the first one's arrays, which the dataset keeps. */
    struct chunk *c0 = &ld->chunks[0];
    for (size_t w = 0; w < ld->o->nwindows; w++) {
        for (size_t i = 1; i < ld->nchunks; i++) {
            const pd_window_stats *s = ld->chunks[i].stats[w];
            pd_window_stats *d = c0->stats[w];
            for (size_t k = 0; k < ld->n; k++) {
                if (!s[k].posts)
                    continue;
                if (__builtin_add_overflow(d[k].views, s[k].views, &d[k].views) ||
                    __builtin_add_overflow(d[k].posts, s[k].posts, &d[k].posts)) {
                    rc = pd_error_set(err, PD_EINPUT,
                                      "%s: creator %lld: total views (or posts) in the window "
                                      "overflow 64 bits",
                                      in.path, (long long)ds->creators[k].id);
                    goto out;
                }
                d[k].sponsored += s[k].sponsored;
            }
        }
        ds->stats[w] = c0->stats[w];
        c0->stats[w] = NULL;
        ds->window_days[w] = ld->o->window_days[w];
    }
    ds->nwindows = ld->o->nwindows;
    for (size_t i = 0; i < ld->nchunks; i++) {
        ds->summary.posts_read += ld->chunks[i].posts_read;
        ds->summary.posts_unknown_creator += ld->chunks[i].unknown;
        for (size_t w = 0; w < ld->o->nwindows; w++)
            ds->summary.posts_in_window[w] += ld->chunks[i].in_window[w];
    }
out:
    chunks_free(ld);
    free(ld->dups);
    free(ld->dup_first);
    ld->dups = ld->dup_first = NULL;
    ld->ndups = 0;
    index_free(&ld->ix);
    pd_rows_close(&in);
    ld->in = NULL;
    return rc;
}

int pd_dataset_load(const pd_load_options *o, pd_dataset *ds, pd_error *err)
{
    memset(ds, 0, sizeof *ds);
    if (!o->creators_path || !o->posts_path)
        return pd_error_set(err, PD_EUSAGE, "both --creators and --posts are needed");
    if (o->nwindows < 1 || o->nwindows > PD_MAX_WINDOWS)
        return pd_error_set(err, PD_EUSAGE, "between 1 and %d distinct windows", PD_MAX_WINDOWS);
    struct load ld = {.o = o};
    for (size_t w = 0; w < o->nwindows; w++) {
        if (o->window_days[w] < 1 || o->window_days[w] > PD_POLICY_WINDOW_MAX)
            return pd_error_set(err, PD_EUSAGE, "window of %u days is out of range",
                                o->window_days[w]);
        ld.win[w] = pd_window_ending(o->as_of, o->window_days[w]);
    }
    int rc = load_creators(&ld, ds, err);
    if (rc == PD_OK) {
        ld.n = ds->n;
        rc = load_posts(&ld, ds, err);
    }
    if (rc)
        pd_dataset_free(ds);
    return rc;
}

const pd_window_stats *pd_dataset_stats(const pd_dataset *ds, uint32_t window_days)
{
    for (size_t w = 0; w < ds->nwindows; w++)
        if (ds->window_days[w] == window_days)
            return ds->stats[w];
    return NULL;
}

void pd_dataset_free(pd_dataset *ds)
{
    free(ds->creators);
    for (size_t i = 0; i < ds->ncategories; i++)
        free(ds->categories[i]);
    free(ds->categories);
    for (size_t w = 0; w < PD_MAX_WINDOWS; w++)
        free(ds->stats[w]);
    memset(ds, 0, sizeof *ds);
}
