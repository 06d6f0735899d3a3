/* import.c - see import.h: the bulk load of both files.
 *
 * creators.csv is read on the calling thread; then posts.csv on a second
 * thread that parses and checks lines into batches while the calling
 * thread stores the previous batches: a small ring of batches between them,
 * so memory does not grow with the file. The posts of creators that are
 * neither in the file nor in the store are counted and dropped here, which
 * is why the store may skip its per-row foreign key check. */
#include "app/import.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "batch/csv.h"
#include "batch/progress.h"
#include "batch/rows.h"
#include "util/num.h"

#define READ_BUF (1u << 20)
#define MAX_REPORTS 10   /* skipped lines reported per file, as certify does */
#define BATCH_POSTS 8192 /* posts handed from the reading thread at once */
#define RING 4           /* batches in flight */

/* Callers may pass a NULL pd_error. */
#define ERR_OR_LOCAL(err)                                                                          \
    pd_error local_err_;                                                                           \
    if (!(err))                                                                                    \
    (err) = &local_err_

/* ---- import: a set of ids ----------------------------------------------------------------------
 */

/* creator_id -> the line of creators.csv that set it (0: stored before).
 * Open addressing; key and value side by side, one cache line a probe. */
struct idslot {
    int64_t key; /* 0: empty (ids are >= 1) */
    uint64_t line;
};

struct idmap {
    struct idslot *slot;
    size_t n, mask;
};

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void idmap_free(struct idmap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The slot of id: where it is, or the empty one where it would go. */
static inline size_t idmap_slot(const struct idmap *m, int64_t id)
{
    size_t h = mix64((uint64_t)id) & m->mask;
    while (m->slot[h].key && m->slot[h].key != id)
        h = (h + 1) & m->mask;
    return h;
}

static int idmap_grow(struct idmap *m)
{
    size_t cap = m->mask ? (m->mask + 1) * 2 : 1024;
    struct idmap g = {calloc(cap, sizeof *g.slot), m->n, cap - 1};
    if (!g.slot)
        return -1;
    for (size_t i = 0; m->mask && i <= m->mask; i++)
        if (m->slot[i].key)
            g.slot[idmap_slot(&g, m->slot[i].key)] = m->slot[i];
    idmap_free(m);
    *m = g;
    return 0;
}

/* Finds id; when absent, adds it with `line` and returns NULL. Returns the
 * stored line of a present id. *oom on allocation failure. */
static uint64_t *idmap_put(struct idmap *m, int64_t id, uint64_t line, int *oom)
{
    if ((m->n + 1) * 2 > m->mask && idmap_grow(m) < 0) {
        *oom = 1;
        return NULL;
    }
    size_t h = idmap_slot(m, id);
    if (m->slot[h].key)
        return &m->slot[h].line;
    m->slot[h].key = id;
    m->slot[h].line = line;
    m->n++;
    return NULL;
}

static inline int idmap_has(const struct idmap *m, int64_t id)
{
    return m->mask && m->slot[idmap_slot(m, id)].key == id;
}

static int idmap_add_stored(void *ctx, int64_t id)
{
    int oom = 0;
    idmap_put(ctx, id, 0, &oom);
    return oom ? PD_ENOMEM : 0;
}

/* ---- import: skipped lines
 * ------------------------------------------------------------------------ */

/* The first skipped lines of one kind (room for two kinds merged). */
struct reports {
    pd_rows_bad b[2 * MAX_REPORTS];
    size_t n;
    uint64_t skipped;
};

static void reports_add(struct reports *r, const pd_rows_bad *b)
{
    if (r->n < MAX_REPORTS)
        r->b[r->n++] = *b;
    r->skipped++;
}

static int bad_line_cmp(const void *a, const void *b)
{
    const pd_rows_bad *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Prints the skipped lines of one file as certify does: the first ten
 * (lines absolute), then how many more. */
static void reports_print(FILE *diag, const pd_rows_input *in, struct reports *r)
{
    qsort(r->b, r->n, sizeof r->b[0], bad_line_cmp);
    char what[PD_ERROR_MSG_MAX];
    size_t printed = 0;
    for (; printed < r->n && printed < MAX_REPORTS; printed++) {
        pd_rows_describe(in, &r->b[printed], what, sizeof what);
        fprintf(diag, "%s:%llu: skipped: %s\n", in->path, (unsigned long long)r->b[printed].line,
                what);
    }
    if (r->skipped > printed)
        fprintf(diag, "%s: ... and %llu more skipped lines\n", in->path,
                (unsigned long long)(r->skipped - printed));
}

/* The error for a bad line (line absolute). */
static int bad_line_error(const pd_rows_input *in, const pd_rows_bad *b, pd_code code,
                          pd_error *err)
{
    char what[PD_ERROR_MSG_MAX];
    pd_rows_describe(in, b, what, sizeof what);
    return pd_error_set(err, code, "%s:%llu: %s", in->path, (unsigned long long)b->line, what);
}

/* ---- import: progress
 * ------------------------------------------------------------------------------- */

struct progress_src {
    pd_csv_reader *rd;
    _Atomic uint64_t rows;
};

static void progress_poll(void *ctx, uint64_t *bytes, uint64_t *rows)
{
    struct progress_src *p = ctx;
    *bytes = atomic_load_explicit(&p->rd->bytes_read, memory_order_relaxed);
    *rows = atomic_load_explicit(&p->rows, memory_order_relaxed);
}

/* ---- import: creators
 * ------------------------------------------------------------------------------ */

struct import {
    pd_store *s;
    const pd_import_options *o;
    FILE *diag;
    pd_store_bulk *bulk;
    int64_t at;
    struct idmap creators;
    struct idmap mcns;
    pd_import_summary *sum;
};

static int import_creators(struct import *im, const pd_rows_input *in, pd_error *err)
{
    pd_csv_reader rd;
    int rc = pd_csv_reader_init(&rd, in->fd, in->data_start, UINT64_MAX, in->size, READ_BUF, err);
    if (rc)
        return rc;
    struct progress_src ps = {.rd = &rd};
    pd_progress *pg =
        pd_progress_start(im->o->progress, in->name, in->size - in->data_start, progress_poll, &ps);
    struct reports rep = {0};
    uint64_t dups = 0, dup_line = 0, dup_first = 0;
    int64_t dup_id = 0;
    pd_creator_rec *c = calloc(1, sizeof *c);
    if (!c)
        rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    while (rc == PD_OK) {
        pd_csv_record rec;
        pd_rows_creator row;
        pd_rows_bad b;
        int r = pd_csv_next(&rd, &rec);
        if (r == 0)
            break;
        if (r < 0) {
            pd_code code = (pd_code)pd_rows_fault(&rd, &b);
            b.line = pd_rows_line(in, b.line);
            if (code != PD_OK || !im->o->skip_bad_lines) {
                rc = bad_line_error(in, &b, code ? code : PD_EINPUT, err);
                break;
            }
            reports_add(&rep, &b);
            continue;
        }
        /* (Every other field of *c is set below; bio stays empty.) */
        const char *why = NULL;
        if (pd_rows_creator_parse(in, &rec, &row, &b) < 0 ||
            pd_rows_creator_labels(in, &rec, &row, c->handle, sizeof c->handle, c->category,
                                   sizeof c->category, &b) < 0)
            why = b.why;
        if (why) {
            b.line = pd_rows_line(in, b.line);
            if (!im->o->skip_bad_lines) {
                rc = bad_line_error(in, &b, PD_EINPUT, err);
                break;
            }
            reports_add(&rep, &b);
            continue;
        }
        uint64_t line = pd_rows_line(in, rec.line);
        int oom = 0;
        uint64_t *seen = idmap_put(&im->creators, row.id, line, &oom);
        if (oom) {
            rc = pd_error_set(err, PD_ENOMEM, "out of memory for creator ids");
            break;
        }
        if (seen && *seen) {
            /* Reported once the whole file is read, as certify does. */
            if (!dups++) {
                dup_line = line;
                dup_first = *seen;
                dup_id = row.id;
            }
            continue;
        }
        if (seen)
            *seen = line; /* stored before: now updated from this line */
        if (row.mcn_id && !idmap_put(&im->mcns, (int64_t)row.mcn_id, 1, &oom)) {
            if (oom) {
                rc = pd_error_set(err, PD_ENOMEM, "out of memory for MCN ids");
                break;
            }
            if ((rc = pd_store_bulk_mcn(im->bulk, (int64_t)row.mcn_id, im->at, err)) != PD_OK)
                break;
        }
        c->id = row.id;
        c->followers = row.followers;
        c->mcn_id = (int64_t)row.mcn_id;
        if ((rc = pd_store_bulk_creator(im->bulk, c, im->at, err)) != PD_OK) {
            pd_error_prefix(err, "%s:%llu", in->path, (unsigned long long)line);
            break;
        }
        im->sum->creators++;
        atomic_store_explicit(&ps.rows, im->sum->creators, memory_order_relaxed);
    }
    pd_progress_stop(pg);
    free(c);
    pd_csv_reader_free(&rd);
    if (rc == PD_OK && dups && !im->o->skip_bad_lines)
        rc = pd_rows_duplicate_error(in, dup_line, dup_first, dup_id, err);
    if (rc == PD_OK) {
        reports_print(im->diag, in, &rep);
        if (dups)
            pd_rows_duplicates_skipped(im->diag, in, dups, dup_line, dup_id);
        im->sum->skipped_lines += rep.skipped + dups;
    }
    return rc;
}

/* ---- import: posts
 * ------------------------------------------------------------------------------------- */

struct batch {
    pd_post_rec *p;
    uint64_t *line;
    size_t n;
};

struct posts_pipe {
    struct import *im;
    const pd_rows_input *in;
    pd_csv_reader rd;
    struct progress_src ps;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch ring[RING];
    size_t r, w, count; /* full batches: ring[r % RING] .. ring[(r + count - 1) % RING] */
    int finished;       /* the reader is done (ok or not) */
    atomic_int stop;    /* the writer failed: the reader stops */
    /* the reader's results */
    int failed;
    pd_code code;
    pd_rows_bad bad;
    struct reports rep;
    uint64_t unknown;
    /* the writer's: posts whose id was taken */
    struct reports dup_rep;
    pd_rows_ids ids;  /* the reader's: post ids met in the file          */
    struct idmap far; /* and those above ids.max of unknown creators: line */
};

/* A repeated post_id at `line` (absolute) as a bad line in *bad: names the
 * first line with it, or says it was stored before. The first line is
 * found by reading the file again, so only for a line that will be told
 * (`told`): a stopping error or one of the first skipped lines reported. */
static int duplicate_post(const pd_rows_input *in, uint64_t id, uint64_t line, int told,
                          pd_rows_bad *bad, pd_error *err)
{
    uint64_t first = 0;
    int rc = told ? pd_rows_post_first_line(in, id, line, &first, err) : PD_OK;
    pd_rows_bad_duplicate_post(bad, in, line, first, id);
    return rc;
}

/* The one repeat the reader cannot see: a high id (above its bit set) on a
 * line the store took, then again on a line of an unknown creator, which
 * the store never sees. far holds the high ids of unknown creators with
 * their lines (few: such posts are rare); one more read of the file finds
 * any other line with one of them. Only when there are such ids. */
static int far_repeats(const pd_rows_input *in, const struct idmap *far, pd_error *err)
{
    pd_csv_reader rd;
    int rc = pd_csv_reader_init(&rd, in->fd, in->data_start, UINT64_MAX, in->size, READ_BUF, err);
    if (rc)
        return rc;
    int col = in->col[PD_COL_P_ID];
    uint64_t best = 0, best_first = 0, best_id = 0;
    pd_csv_record rec;
    int r;
    while ((r = pd_csv_next(&rd, &rec)) != 0) {
        uint64_t id, line = pd_rows_line(in, rec.line);
        const char *why;
        if (r < 0 || (size_t)col >= rec.nfields ||
            pd_parse_uint(rec.fields[col].p, rec.fields[col].len, INT64_MAX, &id, &why) < 0 ||
            !idmap_has(far, (int64_t)id))
            continue;
        uint64_t other = far->slot[idmap_slot(far, (int64_t)id)].line;
        if (other != line && (!best || (line > other ? line : other) < best)) {
            best = line > other ? line : other;
            best_first = line > other ? other : line;
            best_id = id;
        }
    }
    pd_csv_reader_free(&rd);
    if (!best)
        return PD_OK;
    pd_rows_bad bad;
    pd_rows_bad_duplicate_post(&bad, in, best, best_first, best_id);
    return bad_line_error(in, &bad, PD_EINPUT, err);
}

/* The reader's next free batch, or NULL when the writer stopped. */
static struct batch *pipe_take_free(struct posts_pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    while (pp->count == RING && !atomic_load(&pp->stop))
        pthread_cond_wait(&pp->cv, &pp->mu);
    struct batch *b = atomic_load(&pp->stop) ? NULL : &pp->ring[pp->w % RING];
    pthread_mutex_unlock(&pp->mu);
    if (b)
        b->n = 0;
    return b;
}

static void pipe_put_full(struct posts_pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    pp->w++;
    pp->count++;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

static void *posts_reader(void *arg)
{
    struct posts_pipe *pp = arg;
    const pd_rows_input *in = pp->in;
    const struct import *im = pp->im;
    struct batch *b = pipe_take_free(pp);
    pd_csv_record rec;
    pd_rows_post row;
    pd_rows_bad bad;
    while (b) {
        int r = pd_csv_next(&pp->rd, &rec);
        if (r == 0)
            break;
        int ok = r > 0 && pd_rows_post_parse(in, &rec, &row, &bad) == 0 &&
                 pd_rows_post_storable(in, &rec, &row, &bad) == 0;
        if (!ok) {
            pd_code code = r < 0 ? (pd_code)pd_rows_fault(&pp->rd, &bad) : PD_OK;
            bad.line = pd_rows_line(in, bad.line);
            if (code != PD_OK || !im->o->skip_bad_lines) {
                pp->failed = 1;
                pp->code = code ? code : PD_EINPUT;
                pp->bad = bad;
                break;
            }
            reports_add(&pp->rep, &bad);
            continue;
        }
        uint64_t line = pd_rows_line(in, rec.line);
        int known = idmap_has(&im->creators, (int64_t)row.creator);
        int seen = pd_rows_ids_add(&pp->ids, row.id);
        uint64_t first = 0;
        if (seen < 0) {
            /* Above the bit set: the store finds a repeat of a post it
             * stores; the posts it never sees (unknown creators) are kept
             * here, with their lines. */
            int oom = 0;
            uint64_t *had = known ? NULL : idmap_put(&pp->far, (int64_t)row.id, line, &oom);
            if (known && idmap_has(&pp->far, (int64_t)row.id))
                had = &pp->far.slot[idmap_slot(&pp->far, (int64_t)row.id)].line;
            if (oom) {
                pd_rows_bad_set(&bad, line, -1, "out of memory for the post ids", NULL, 0);
                pp->failed = 1;
                pp->code = PD_ENOMEM;
                pp->bad = bad;
                break;
            }
            seen = had != NULL;
            first = had ? *had : 0;
        }
        if (seen > 0) {
            /* the second line with this id (unknown creator or not) */
            int told = !im->o->skip_bad_lines || pp->rep.n < MAX_REPORTS;
            pd_error e = {0};
            int code = first ? PD_OK : duplicate_post(in, row.id, line, told, &bad, &e);
            if (first)
                pd_rows_bad_duplicate_post(&bad, in, line, first, row.id);
            if (code != PD_OK || !im->o->skip_bad_lines) {
                pp->failed = 1;
                pp->code = code ? (pd_code)code : PD_EINPUT;
                pp->bad = bad;
                break;
            }
            reports_add(&pp->rep, &bad);
            continue;
        }
        if (!known) {
            pp->unknown++;
            continue;
        }
        pd_post_rec *p = &b->p[b->n];
        p->id = (int64_t)row.id;
        p->creator_id = (int64_t)row.creator;
        p->published_at = row.t;
        p->sponsored = row.sponsored;
        p->views = row.views;
        p->likes = row.likes;
        p->comments = row.comments;
        p->collects = row.collects;
        b->line[b->n] = pd_rows_line(in, rec.line);
        if (++b->n == BATCH_POSTS) {
            pipe_put_full(pp);
            b = pipe_take_free(pp);
        }
    }
    if (b && b->n)
        pipe_put_full(pp);
    pthread_mutex_lock(&pp->mu);
    pp->finished = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* Stores one batch; a duplicate post id is a bad line (skipped or not). */
static int store_batch(struct posts_pipe *pp, const struct batch *b, pd_error *err)
{
    struct import *im = pp->im;
    size_t i = 0;
    while (i < b->n) {
        size_t failed = SIZE_MAX;
        int rc = pd_store_bulk_posts(im->bulk, b->p + i, b->n - i, &failed, err);
        if (rc == PD_OK) {
            im->sum->posts += b->n - i;
            break;
        }
        if (rc != PD_ECONFLICT || failed == SIZE_MAX)
            return rc;
        im->sum->posts += failed;
        i += failed;
        /* an id stored before, or one the reader's set does not hold */
        pd_rows_bad bad;
        int told = !im->o->skip_bad_lines || pp->dup_rep.n < MAX_REPORTS;
        rc = duplicate_post(pp->in, (uint64_t)b->p[i].id, b->line[i], told, &bad, err);
        if (rc)
            return rc;
        if (!im->o->skip_bad_lines)
            return bad_line_error(pp->in, &bad, PD_EINPUT, err);
        reports_add(&pp->dup_rep, &bad);
        i++;
    }
    atomic_store_explicit(&pp->ps.rows, im->sum->posts, memory_order_relaxed);
    return PD_OK;
}

static int import_posts(struct import *im, const pd_rows_input *in, pd_error *err)
{
    struct posts_pipe *pp = calloc(1, sizeof *pp);
    if (!pp)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pp->im = im;
    pp->in = in;
    int rc =
        pd_csv_reader_init(&pp->rd, in->fd, in->data_start, UINT64_MAX, in->size, READ_BUF, err);
    if (rc) {
        free(pp);
        return rc;
    }
    if ((rc = pd_rows_ids_init(&pp->ids, in->size - in->data_start, err)) != PD_OK) {
        pd_csv_reader_free(&pp->rd);
        free(pp);
        return rc;
    }
    pp->ps.rd = &pp->rd;
    for (size_t i = 0; i < RING && rc == PD_OK; i++) {
        pp->ring[i].p = malloc(BATCH_POSTS * sizeof *pp->ring[i].p);
        pp->ring[i].line = malloc(BATCH_POSTS * sizeof *pp->ring[i].line);
        if (!pp->ring[i].p || !pp->ring[i].line)
            rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    pthread_t th;
    int started = 0;
    if (rc == PD_OK) {
        pthread_mutex_init(&pp->mu, NULL);
        pthread_cond_init(&pp->cv, NULL);
        if (pthread_create(&th, NULL, posts_reader, pp) == 0) {
            started = 1;
        } else {
            rc = pd_error_set(err, PD_ENOMEM, "cannot start a thread");
            pthread_mutex_destroy(&pp->mu);
            pthread_cond_destroy(&pp->cv);
        }
    }
    pd_progress *pg = started ? pd_progress_start(im->o->progress, in->name,
                                                  in->size - in->data_start, progress_poll, &pp->ps)
                              : NULL;
    while (started) {
        pthread_mutex_lock(&pp->mu);
        while (pp->count == 0 && !pp->finished)
            pthread_cond_wait(&pp->cv, &pp->mu);
        int empty = pp->count == 0;
        struct batch *b = &pp->ring[pp->r % RING];
        pthread_mutex_unlock(&pp->mu);
        if (empty)
            break; /* finished, and nothing left */
        rc = store_batch(pp, b, err);
        pthread_mutex_lock(&pp->mu);
        pp->r++;
        pp->count--;
        if (rc)
            atomic_store(&pp->stop, 1);
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
        if (rc)
            break;
    }
    if (started) {
        pthread_join(th, NULL);
        pd_progress_stop(pg);
        pthread_mutex_destroy(&pp->mu);
        pthread_cond_destroy(&pp->cv);
    }
    /* Every post before the reader's bad line was stored first: a writer's
     * error (an earlier line) wins. */
    if (rc == PD_OK && pp->failed)
        rc = bad_line_error(in, &pp->bad, pp->code, err);
    if (rc == PD_OK && pp->far.n && !im->o->skip_bad_lines)
        rc = far_repeats(in, &pp->far, err);
    if (rc == PD_OK) {
        /* One report for the file: the reader's bad lines and the writer's
         * taken ids, in line order, the first ten. */
        for (size_t i = 0; i < pp->dup_rep.n; i++)
            pp->rep.b[pp->rep.n++] = pp->dup_rep.b[i];
        pp->rep.skipped += pp->dup_rep.skipped;
        im->sum->posts_unknown_creator = pp->unknown;
        im->sum->skipped_lines += pp->rep.skipped;
        reports_print(im->diag, in, &pp->rep);
    }
    for (size_t i = 0; i < RING; i++) {
        free(pp->ring[i].p);
        free(pp->ring[i].line);
    }
    pd_csv_reader_free(&pp->rd);
    pd_rows_ids_free(&pp->ids);
    idmap_free(&pp->far);
    free(pp);
    return rc;
}

int pd_import_files(pd_store *s, const pd_import_options *o, pd_import_summary *sum, pd_error *err)
{
    ERR_OR_LOCAL(err);
    pd_import_summary local_sum;
    if (!sum)
        sum = &local_sum;
    memset(sum, 0, sizeof *sum);
    if (!o->creators_path || !o->posts_path)
        return pd_error_set(err, PD_EUSAGE, "both the creators and the posts file are needed");
    struct import im = {
        .s = s, .o = o, .diag = o->diag ? o->diag : stderr, .sum = sum, .at = pd_store_now(s)};
    /* Both headers first: a wrong file is found before the database is. */
    pd_rows_input cin, pin;
    int rc = pd_rows_open(&cin, o->creators_path, PD_ROWS_CREATORS, err);
    if (rc)
        return rc;
    rc = pd_rows_open(&pin, o->posts_path, PD_ROWS_POSTS, err);
    if (rc) {
        pd_rows_close(&cin);
        return rc;
    }
    rc = pd_store_bulk_begin(s, &im.bulk, err);
    if (rc == PD_OK) {
        rc = pd_store_bulk_creator_ids(im.bulk, idmap_add_stored, &im.creators, err);
        if (rc == PD_OK)
            rc = import_creators(&im, &cin, err);
        if (rc == PD_OK)
            rc = import_posts(&im, &pin, err);
        /* The commit, or the rollback that leaves the store as it was. */
        pd_error end_err = {0};
        int end = pd_store_bulk_end(im.bulk, rc == PD_OK, rc == PD_OK ? err : &end_err);
        if (rc == PD_OK)
            rc = end;
    }
    if (rc != PD_OK) {
        pd_import_summary none = {0};
        *sum = none;
    }
    idmap_free(&im.creators);
    idmap_free(&im.mcns);
    pd_rows_close(&cin);
    pd_rows_close(&pin);
    return rc;
}

int pd_import_paths(pd_store *s, const char *creators_csv, const char *posts_csv,
                    int skip_bad_lines, pd_import_summary *sum, pd_error *err)
{
    pd_import_options o = {
        .creators_path = creators_csv, .posts_path = posts_csv, .skip_bad_lines = skip_bad_lines};
    return pd_import_files(s, &o, sum, err);
}
