/* progress.c - see progress.h. */
#include "batch/progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct pd_progress {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop;
    const char *label;
    uint64_t total;
    pd_progress_poll poll;
    void *ctx;
    struct timespec t0;
};

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *run(void *arg)
{
    pd_progress *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cond, &p->lock, &until);
        if (p->stop)
            break;
        uint64_t bytes = 0, rows = 0;
        p->poll(p->ctx, &bytes, &rows);
        double secs = seconds_since(&p->t0);
        double pct = p->total ? 100.0 * (double)bytes / (double)p->total : 100.0;
        double rate = secs > 0 ? (double)rows / secs : 0;
        fprintf(stderr, "\r%s  %3.0f%%  %.1f M rows/s  %.1f s ", p->label, pct > 100 ? 100 : pct,
                rate / 1e6, secs);
        fflush(stderr);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

pd_progress *pd_progress_start(int enabled, const char *label, uint64_t total_bytes,
                               pd_progress_poll poll, void *ctx)
{
    if (!enabled || !isatty(STDERR_FILENO))
        return NULL;
    pd_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->label = label;
    p->total = total_bytes;
    p->poll = poll;
    p->ctx = ctx;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p);
        return NULL;
    }
    return p;
}

void pd_progress_stop(pd_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    free(p);
}
