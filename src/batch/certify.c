/* certify.c - see certify.h.
 *
 * Rows are formatted in blocks by several threads; each block is written as
 * soon as every block before it has been, so the file comes out in order
 * while memory stays at one block buffer per thread. */
#include "batch/certify.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/num.h"
#include "util/buf.h"
#include "util/wake.h"

#define BLOCK_ROWS 16384
#define BLOCK_MAX (256u << 20) /* ceiling of one block's text */
#define EXPLAIN_MAX 1024       /* one row's failed_rules text */

size_t pd_csv_quote(const char *s, size_t len, char *out)
{
    if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
        !memchr(s, '\r', len)) {
        memcpy(out, s, len);
        return len;
    }
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            out[n++] = '"';
        out[n++] = s[i];
    }
    out[n++] = '"';
    return n;
}

struct job {
    FILE *fp;
    const pd_dataset *ds;
    const pd_policy *p;
    const pd_window_stats *stats;
    int explain;
    size_t nblocks;
    unsigned nthreads;
    pthread_mutex_t lock;
    pthread_cond_t turn;
    size_t next; /* the block to be written next */
    int failed;  /* a write or an allocation failed: everyone stops */
    int err_no;
    uint64_t certified;
};

/* Formats rows [from, to) into b; returns the number certified. */
static uint64_t format_rows(const struct job *j, size_t from, size_t to, pd_buf *b)
{
    uint64_t count = 0;
    char why[EXPLAIN_MAX];
    for (size_t i = from; i < to; i++) {
        const pd_creator *c = &j->ds->creators[i];
        const pd_window_stats *s = &j->stats[i];
        uint32_t failed = pd_policy_failures(j->p, c->followers, s);
        count += failed == 0;
        if (pd_buf_reserve(b, 128 + 2 * EXPLAIN_MAX) < 0)
            return count;
        char *o = b->data + b->len;
        o += pd_fmt_u64((uint64_t)c->id, o);
        *o++ = ',';
        *o++ = failed ? '0' : '1';
        *o++ = ',';
        o += pd_fmt_u64(c->followers, o);
        *o++ = ',';
        o += pd_fmt_u64(s->posts, o);
        *o++ = ',';
        o += pd_fmt_u64(s->sponsored, o);
        *o++ = ',';
        o += pd_fmt_hundredths(pd_avg_hundredths(s->views, s->posts), o);
        if (j->explain) {
            *o++ = ',';
            size_t wl = pd_policy_explain(j->p, failed, c->followers, s, why, sizeof why);
            if (wl >= sizeof why)
                wl = sizeof why - 1;
            o += pd_csv_quote(why, wl, o);
        }
        *o++ = '\n';
        b->len = (size_t)(o - b->data);
    }
    return count;
}

static void *worker(void *arg)
{
    struct job *j = ((void **)arg)[0];
    size_t first = (size_t)(uintptr_t)((void **)arg)[1];
    pd_buf b;
    pd_buf_init(&b, BLOCK_MAX);
    for (size_t k = first; k < j->nblocks; k += j->nthreads) {
        size_t from = k * BLOCK_ROWS;
        size_t to = from + BLOCK_ROWS < j->ds->n ? from + BLOCK_ROWS : j->ds->n;
        pd_buf_reset(&b);
        uint64_t count = format_rows(j, from, to, &b);
        pthread_mutex_lock(&j->lock);
        while (j->next != k && !j->failed)
            pthread_cond_wait(&j->turn, &j->lock);
        if (!j->failed) {
            if (pd_buf_failed(&b)) {
                j->failed = 1;
                j->err_no = ENOMEM;
            } else if (b.len && fwrite(b.data, 1, b.len, j->fp) != b.len) {
                j->failed = 1;
                j->err_no = errno;
            }
            j->certified += count;
        }
        j->next++;
        pthread_cond_broadcast(&j->turn);
        int stop = j->failed;
        pthread_mutex_unlock(&j->lock);
        if (stop)
            break;
    }
    pd_buf_free(&b);
    return NULL;
}

int pd_certify_write(FILE *fp, const pd_dataset *ds, const pd_policy *p, int explain,
                     unsigned threads, uint64_t *certified, pd_error *err)
{
    const pd_window_stats *stats = pd_dataset_stats(ds, p->window_days);
    if (!stats)
        return pd_error_set(err, PD_EUSAGE, "the %u-day window of policy %s was not loaded",
                            p->window_days, p->name);
    static const char header[] = "creator_id,certified,followers,posts,sponsored,avg_views";
    if (fputs(header, fp) < 0 || (explain && fputs(",failed_rules", fp) < 0) || fputc('\n', fp) < 0)
        return pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));

    struct job j = {.fp = fp, .ds = ds, .p = p, .stats = stats, .explain = explain};
    j.nblocks = (ds->n + BLOCK_ROWS - 1) / BLOCK_ROWS;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : cpus > 64 ? 64 : (unsigned)cpus;
    }
    j.nthreads = threads < j.nblocks ? threads : (unsigned)(j.nblocks ? j.nblocks : 1);
    pthread_mutex_init(&j.lock, NULL);
    pthread_cond_init(&j.turn, NULL);

    pthread_t tid[64];
    void *args[64][2];
    unsigned started = 1;
    for (unsigned t = 0; t < j.nthreads; t++) {
        args[t][0] = &j;
        args[t][1] = (void *)(uintptr_t)t;
    }
    for (unsigned t = 1; t < j.nthreads; t++) {
        if (pthread_create(&tid[t], NULL, worker, args[t]) != 0)
            break;
        started++;
    }
    if (started < j.nthreads) {
        /* A thread could not start. Nothing is written before block 0,
         * which is this thread's: stop the others, then do it all here. */
        pd_wake_all(&j.lock, &j.turn, &j.failed, 1);
        for (unsigned t = 1; t < started; t++)
            pthread_join(tid[t], NULL);
        started = 1;
        j.failed = 0;
        j.next = 0;
        j.certified = 0;
        j.nthreads = 1;
    }
    worker(args[0]);
    for (unsigned t = 1; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&j.lock);
    pthread_cond_destroy(&j.turn);
    if (j.failed)
        return pd_error_set(err, j.err_no == ENOMEM ? PD_ENOMEM : PD_EIO, "write failed: %s",
                            strerror(j.err_no));
    *certified = j.certified;
    return PD_OK;
}
