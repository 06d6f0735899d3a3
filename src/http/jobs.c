/* jobs.c - see jobs.h. One mutex and one condition guard a singly linked
 * queue; the threads take from its head. */
#include "http/jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pd_jobs {
    pthread_mutex_t mu;
    pthread_cond_t ready; /* a job queued, or stopping */
    pd_job *head, *tail;
    size_t waiting;
    size_t max_waiting; /* 0: no bound */
    int stopping;
    int joined;
    unsigned nthreads; /* started */
    pthread_t *threads;
};

static void *job_thread(void *arg)
{
    pd_jobs *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->head && !j->stopping)
            pthread_cond_wait(&j->ready, &j->mu);
        pd_job *job = j->head;
        if (!job)
            break; /* stopping, and nothing left */
        j->head = job->next;
        if (!j->head)
            j->tail = NULL;
        j->waiting--;
        pthread_mutex_unlock(&j->mu);
        job->next = NULL;
        job->run(job);
        pthread_mutex_lock(&j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

void pd_jobs_stop(pd_jobs *j)
{
    if (!j || j->joined)
        return;
    pthread_mutex_lock(&j->mu);
    j->stopping = 1;
    pthread_cond_broadcast(&j->ready);
    pthread_mutex_unlock(&j->mu);
    for (unsigned i = 0; i < j->nthreads; i++)
        pthread_join(j->threads[i], NULL);
    j->joined = 1;
}

void pd_jobs_free(pd_jobs *j)
{
    if (!j)
        return;
    pd_jobs_stop(j);
    free(j->threads);
    pthread_cond_destroy(&j->ready);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

int pd_jobs_start(unsigned threads, pd_jobs **out, pd_error *err)
{
    *out = NULL;
    if (threads < 1 || threads > 1024)
        return pd_error_set(err, PD_EUSAGE, "job threads: %u (1 to 1024)", threads);
    pd_jobs *j = calloc(1, sizeof *j);
    if (!j || !(j->threads = calloc(threads, sizeof *j->threads))) {
        free(j);
        return pd_error_set(err, PD_ENOMEM, "job threads: out of memory");
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->ready, NULL);
    for (unsigned i = 0; i < threads; i++) {
        int e = pthread_create(&j->threads[i], NULL, job_thread, j);
        if (e != 0) {
            pd_jobs_free(j);
            return pd_error_set(err, PD_EIO, "cannot start job thread %u of %u: %s", i + 1, threads,
                                strerror(e));
        }
        j->nthreads++;
    }
    *out = j;
    return PD_OK;
}

void pd_jobs_set_max_waiting(pd_jobs *j, size_t max)
{
    pthread_mutex_lock(&j->mu);
    j->max_waiting = max;
    pthread_mutex_unlock(&j->mu);
}

int pd_jobs_submit(pd_jobs *j, pd_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&j->mu);
    if (j->stopping || (j->max_waiting && j->waiting >= j->max_waiting)) {
        int rc = j->stopping ? PD_JOBS_STOPPING : PD_JOBS_FULL;
        pthread_mutex_unlock(&j->mu);
        return rc;
    }
    if (j->tail)
        j->tail->next = job;
    else
        j->head = job;
    j->tail = job;
    j->waiting++;
    pthread_cond_signal(&j->ready);
    pthread_mutex_unlock(&j->mu);
    return 0;
}

size_t pd_jobs_waiting(pd_jobs *j)
{
    pthread_mutex_lock(&j->mu);
    size_t n = j->waiting;
    pthread_mutex_unlock(&j->mu);
    return n;
}

int pd_jobs_full(pd_jobs *j)
{
    pthread_mutex_lock(&j->mu);
    int full = j->max_waiting && j->waiting >= j->max_waiting;
    pthread_mutex_unlock(&j->mu);
    return full;
}
