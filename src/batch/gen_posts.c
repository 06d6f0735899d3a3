/* gen_posts.c - see gen_int.h: posts.csv, each block of creators drawn
 * again and its posts formatted on a worker thread into a ring of buffers
 * that the calling thread writes in block order. */
#include "batch/gen_int.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch/progress.h"
#include "util/num.h"
#include "core/rng.h"
#include "util/atomic_file.h"
#include "util/wake.h"

/* ---- formatting posts --------------------------------------------------- */

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The hot loop's decimal writer: counts the digits, then writes them
 * backwards two at a time straight into the block buffer, in 32-bit
 * arithmetic once the value fits (pd_fmt_u64 goes one digit at a time
 * through a copy, which shows at 200 million numbers). */
char *pd_gen__put_u64(char *p, uint64_t v)
{
    unsigned n = 1;
    for (uint64_t x = v;; x /= 10000, n += 4) {
        if (x < 10)
            break;
        if (x < 100) {
            n += 1;
            break;
        }
        if (x < 1000) {
            n += 2;
            break;
        }
        if (x < 10000) {
            n += 3;
            break;
        }
    }
    char *e = p + n, *s = e;
    while (v > UINT32_MAX) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--s = digit_pairs[d + 1];
        *--s = digit_pairs[d];
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        unsigned d = (w % 100) * 2;
        w /= 100;
        *--s = digit_pairs[d + 1];
        *--s = digit_pairs[d];
    }
    if (w >= 10) {
        *--s = digit_pairs[w * 2 + 1];
        *--s = digit_pairs[w * 2];
    } else {
        *--s = (char)('0' + w);
    }
    return e;
}

static char *put_2(char *p, unsigned v)
{
    p[0] = digit_pairs[v * 2];
    p[1] = digit_pairs[v * 2 + 1];
    return p + 2;
}

enum { SHOW_Z = 0, SHOW_OFFSET, SHOW_MILLIS };

/* Writes instant t (whole seconds, plus ms milliseconds when shown so) as
 * "2019-05-14T08:30:00Z", "2019-05-14T16:30:00+08:00" (the same instant on
 * the local clock) or "2019-05-14T08:30:00.250Z". */
static char *put_instant(const gen_ctx *g, char *p, int64_t t, int show, unsigned ms)
{
    int64_t shown = show == SHOW_OFFSET ? t + LOCAL_OFFSET : t;
    int64_t day = floor_div(shown, 86400);
    unsigned sod = (unsigned)(shown - day * 86400);
    memcpy(p, g->date_lut[day - g->date_day0], 11);
    p += 11;
    p = put_2(p, sod / 3600);
    *p++ = ':';
    p = put_2(p, sod / 60 % 60);
    *p++ = ':';
    p = put_2(p, sod % 60);
    if (show == SHOW_MILLIS) {
        *p++ = '.';
        *p++ = (char)('0' + ms / 100);
        p = put_2(p, ms % 100);
    }
    if (show == SHOW_OFFSET) {
        memcpy(p, "+08:00", 6);
        return p + 6;
    }
    *p++ = 'Z';
    return p;
}

/* A posting instant: a local day of the window, a local hour from the daily
 * rhythm, a second in that hour; again when it falls outside the window. */
static int64_t draw_instant(const gen_ctx *g, pd_rng *r)
{
    for (;;) {
        uint64_t x = pd_rng_next(r);
        unsigned hour = g->hour_lut[x >> (64 - HOUR_LUT_BITS)];
        uint64_t sec = ((x & 0xffffffffu) * 3600) >> 32;
        int64_t day = g->local_day0 + (int64_t)pd_rng_below(r, g->local_days);
        int64_t t = day * 86400 + hour * 3600 + (int64_t)sec - LOCAL_OFFSET;
        if (t >= g->ws && t < g->we)
            return t;
    }
}

/* Sorts a creator's instants (a few dozen, at most MAX_POSTS): quicksort
 * on the middle element down to short runs, then one insertion pass. A
 * direct comparison, unlike qsort's callback, keeps this off the profile. */
static void sort_instants(int64_t *a, size_t n)
{
    while (n > 16) {
        int64_t pivot = a[n / 2];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            int64_t t = a[i];
            a[i++] = a[j];
            a[j--] = t;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse into the smaller part. */
        size_t left = j + 1;
        if (left < n - left) {
            sort_instants(a, left);
            a += left;
            n -= left;
        } else {
            sort_instants(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        int64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* x >= 0 rounded down or up by u in [0, 1), as pd_rng_round does with a
 * number it draws. */
static uint64_t round_by(double x, double u)
{
    if (!(x > 0.0))
        return 0;
    uint64_t k = (uint64_t)x;
    return k + (u < x - (double)k);
}

/* Draws and writes one post of creator c. */
static char *put_post(const gen_ctx *g, pd_rng *r, char *p, uint64_t post_id, uint64_t creator_id,
                      int64_t t, const creator *c)
{
    int sponsored = pd_rng_uniform(r) < c->sponsor_share;
    double v = exp(c->view_mu + VIEW_SIGMA * pd_rng_normal(r));
    if (sponsored)
        v *= SPONSORED_VIEWS;
    if (pd_rng_uniform(r) < VIRAL_SHARE)
        v *= pd_rng_pareto(r, VIRAL_MIN, VIRAL_ALPHA);
    uint64_t views = pd_rng_round(r, v < VIEWS_MAX ? v : VIEWS_MAX);
    /* The numbers drawn here are those the first model drew: a rounding
     * number for likes when there are views, and one for comments and one
     * for collects when the first model's likes were not 0. */
    double noise = exp(LIKE_SIGMA * pd_rng_normal(r));
    double l = (double)views * c->like_rate * noise, l0 = (double)views * c->like_rate0 * noise;
    uint64_t likes = 0, likes0 = 0;
    if (views) {
        double u = pd_rng_uniform(r);
        likes = round_by(l < (double)views ? l : (double)views, u);
        likes0 = round_by(l0 < (double)views ? l0 : (double)views, u);
    }
    double uc = pd_rng_uniform(r);
    double cm = (double)likes * c->comment_ratio * (0.5 + uc);
    uint64_t comments = round_by(cm, likes0 ? pd_rng_uniform(r) : uc);
    double uk = pd_rng_uniform(r);
    double ck = (double)likes * c->collect_ratio * (0.5 + uk);
    uint64_t collects = round_by(ck, likes0 ? pd_rng_uniform(r) : uk);
    /* Nobody comments on or collects a post without seeing it. */
    if (comments > views)
        comments = views;
    if (collects > views)
        collects = views;

    double u = pd_rng_uniform(r);
    int show = u < OFFSET_SHARE                    ? SHOW_OFFSET
               : u < OFFSET_SHARE + FRACTION_SHARE ? SHOW_MILLIS
                                                   : SHOW_Z;
    unsigned ms = show == SHOW_MILLIS ? 1 + (unsigned)pd_rng_below(r, 999) : 0;

    p = pd_gen__put_u64(p, post_id);
    *p++ = ',';
    p = pd_gen__put_u64(p, creator_id);
    *p++ = ',';
    p = put_instant(g, p, t, show, ms);
    if (sponsored) {
        memcpy(p, ",sponsored,", 11);
        p += 11;
    } else {
        memcpy(p, ",organic,", 9);
        p += 9;
    }
    p = pd_gen__put_u64(p, views);
    *p++ = ',';
    p = pd_gen__put_u64(p, likes);
    *p++ = ',';
    p = pd_gen__put_u64(p, comments);
    *p++ = ',';
    p = pd_gen__put_u64(p, collects);
    *p++ = '\n';
    return p;
}

/* Writes the posts of creator id, in time order, then the unknown creators'
 * posts that follow it. `times` holds MAX_POSTS instants. */
static char *put_creator_posts(const gen_ctx *g, uint64_t id, uint64_t *post_id, int64_t *times,
                               char *p)
{
    creator c;
    pd_gen__creator_draw(g, id, &c);
    pd_rng r;
    pd_rng_stream(&r, g->seed, STREAM_POSTS, id);
    for (uint32_t i = 0; i < c.nposts; i++)
        times[i] = draw_instant(g, &r);
    sort_instants(times, c.nposts);
    for (uint32_t i = 0; i < c.nposts; i++)
        p = put_post(g, &r, p, (*post_id)++, id, times[i], &c);

    if (c.nunknown) {
        /* A creator of an id past the last one, made up on the spot. */
        pd_rng_stream(&r, g->seed, STREAM_UNKNOWN, id);
        creator u = {
            .sponsor_share = 0.1,
            .view_mu = log(3000.0) + pd_rng_normal(&r),
            .like_rate = LIKE_RATE_MEDIAN,
            .like_rate0 = FIRST_LIKE_RATE_MEDIAN,
            .comment_ratio = COMMENT_RATIO_MEDIAN,
            .collect_ratio = COLLECT_RATIO_MEDIAN,
        };
        for (uint32_t i = 0; i < c.nunknown; i++) {
            uint64_t uid = g->ncreators + 1 + pd_rng_below(&r, PD_GEN_UNKNOWN_CREATORS);
            p = put_post(g, &r, p, (*post_id)++, uid, draw_instant(g, &r), &u);
        }
    }
    return p;
}

/* ---- blocks and threads ------------------------------------------------- */

typedef struct slot {
    char *buf; /* SLOT_BYTES */
    size_t len;
    int ready; /* filled, waiting to be written */
} slot;

typedef struct pipeline {
    const gen_ctx *g;
    const block *blocks;
    size_t nblocks;
    slot *slots;
    size_t nslots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_block; /* the next block a worker takes             */
    size_t written;    /* blocks written so far, in order           */
    int stop;          /* the writer gave up                        */
} pipeline;

static void fill_block(const gen_ctx *g, const block *b, slot *s)
{
    int64_t times[MAX_POSTS];
    uint64_t post_id = b->first_post;
    char *p = s->buf;
    for (uint64_t id = b->first_creator; id < b->first_creator + b->ncreators; id++)
        p = put_creator_posts(g, id, &post_id, times, p);
    s->len = (size_t)(p - s->buf);
}

static void *worker(void *arg)
{
    pipeline *pl = arg;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->stop && pl->next_block < pl->nblocks &&
               pl->next_block >= pl->written + pl->nslots)
            pthread_cond_wait(&pl->cv, &pl->mu);
        if (pl->stop || pl->next_block >= pl->nblocks)
            break;
        size_t b = pl->next_block++;
        slot *s = &pl->slots[b % pl->nslots];
        pthread_mutex_unlock(&pl->mu);
        fill_block(pl->g, &pl->blocks[b], s);
        pthread_mutex_lock(&pl->mu);
        s->ready = 1;
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

int pd_gen__write_all(FILE *fp, const char *p, size_t n, const char *what, pd_error *err)
{
    if (n && fwrite(p, 1, n, fp) != n)
        return pd_error_set(err, PD_EIO, "%s: write failed: %s", what, strerror(errno));
    return PD_OK;
}

/* Writes every block's posts to fp in order, generating them on `threads`
 * threads (the calling one only writes when there are workers). */
int pd_gen__write_posts(const gen_ctx *g, const block *blocks, size_t nblocks, unsigned threads,
                        FILE *fp, const char *what, _Atomic uint64_t *done, uint64_t *bytes,
                        pd_error *err)
{
    pipeline pl = {.g = g, .blocks = blocks, .nblocks = nblocks};
    pl.nslots = threads > 1 ? 2 * (size_t)threads : 1;
    pl.slots = calloc(pl.nslots, sizeof *pl.slots);
    if (!pl.slots)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = PD_OK;
    for (size_t i = 0; i < pl.nslots && rc == PD_OK; i++)
        if (!(pl.slots[i].buf = malloc(SLOT_BYTES)))
            rc = pd_error_set(err, PD_ENOMEM, "out of memory (%zu buffers of %zu bytes)", pl.nslots,
                              (size_t)SLOT_BYTES);

    pthread_t tid[PD_GEN_MAX_THREADS];
    unsigned started = 0;
    int piped = rc == PD_OK && threads > 1; /* a pipeline of threads is running */
    if (piped) {
        pthread_mutex_init(&pl.mu, NULL);
        pthread_cond_init(&pl.cv, NULL);
        for (; started < threads; started++) {
            int e = pthread_create(&tid[started], NULL, worker, &pl);
            if (e) {
                rc = pd_error_set(err, PD_ENOMEM, "cannot start a thread: %s", strerror(e));
                break;
            }
        }
    }

    for (size_t b = 0; b < nblocks && rc == PD_OK; b++) {
        slot *s = &pl.slots[b % pl.nslots];
        if (piped) {
            pthread_mutex_lock(&pl.mu);
            while (!s->ready)
                pthread_cond_wait(&pl.cv, &pl.mu);
            pthread_mutex_unlock(&pl.mu);
        } else {
            fill_block(g, &blocks[b], s);
        }
        rc = pd_gen__write_all(fp, s->buf, s->len, what, err);
        *bytes += s->len;
        atomic_fetch_add_explicit(done, blocks[b].nposts, memory_order_relaxed);
        if (piped) {
            pthread_mutex_lock(&pl.mu);
            s->ready = 0;
            pl.written++;
            pthread_cond_broadcast(&pl.cv);
            pthread_mutex_unlock(&pl.mu);
        }
    }

    if (piped) {
        pd_wake_all(&pl.mu, &pl.cv, &pl.stop, 1);
        for (unsigned i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        pthread_cond_destroy(&pl.cv);
        pthread_mutex_destroy(&pl.mu);
    }
    for (size_t i = 0; i < pl.nslots; i++)
        free(pl.slots[i].buf);
    free(pl.slots);
    return rc;
}
