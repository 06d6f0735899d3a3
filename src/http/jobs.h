/*
 * jobs.h - a fixed set of threads that run the jobs handed to them, oldest
 * first.
 *
 * The server's connection threads must never wait: each serves many
 * connections, and a request that waits for a lock, a password hash or a
 * long computation would hold up every one of them. Such requests are
 * handed here, and their connection is picked up again when the job is
 * done (server.c).
 *
 * A job is a pd_job inside the caller's own structure (no allocation
 * here, so handing one over cannot fail); its run function recovers the
 * structure from it. Jobs run on any of the threads, several at once.
 *
 * Memory: the pool owns its threads and nothing else. A job belongs to its
 * caller and must stay valid until its run function has been called; the
 * pool forgets it as that call begins.
 */
#ifndef PD_HTTP_JOBS_H
#define PD_HTTP_JOBS_H

#include <stddef.h>

#include "util/error.h"

typedef struct pd_job pd_job;
struct pd_job {
    void (*run)(pd_job *job); /* set by the caller */
    pd_job *next;             /* the pool's */
};

typedef struct pd_jobs pd_jobs;

/* Starts threads (1 to 1024) threads. PD_EUSAGE for a bad count, PD_EIO
 * when the system has no more threads to give. */
int pd_jobs_start(unsigned threads, pd_jobs **out, pd_error *err);

/* Bounds the queue: at most max jobs waiting for a thread (0: no bound,
 * the default). Set before the first submit. A lane whose jobs are costly
 * (a password hash: a core and 64 MiB for a tenth of a second) is bounded
 * so that a flood of them is refused at once rather than queued for
 * minutes. */
void pd_jobs_set_max_waiting(pd_jobs *jobs, size_t max);

#define PD_JOBS_STOPPING (-1)
#define PD_JOBS_FULL (-2)

/* Queues a job; it runs as soon as a thread is free: 0. PD_JOBS_STOPPING
 * once pd_jobs_stop has begun, PD_JOBS_FULL when the queue holds its
 * bound already: the job will not run, and stays the caller's. */
int pd_jobs_submit(pd_jobs *jobs, pd_job *job);

/* Jobs queued and not yet begun. */
size_t pd_jobs_waiting(pd_jobs *jobs);
/* Nonzero when the queue holds its bound (a submit now would be refused):
 * a hint, the queue may move at once. */
int pd_jobs_full(pd_jobs *jobs);

/* Refuses new jobs, runs every job already queued to its end and joins
 * the threads. The pool stays valid (submits fail) until pd_jobs_free.
 * Idempotent; NULL ok. */
void pd_jobs_stop(pd_jobs *jobs);
/* Stops the pool if it is not stopped yet, and frees it. NULL ok. */
void pd_jobs_free(pd_jobs *jobs);

#endif
