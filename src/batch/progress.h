/*
 * progress.h - a progress line on stderr for long batch jobs.
 *
 * When stderr is a terminal, pd_progress_start starts a thread that redraws
 * one line ("posts.csv  42%  12.3 M rows/s") every 200 ms by asking `poll`
 * for the bytes and rows done so far; pd_progress_stop ends it and clears the
 * line. When stderr is not a terminal (or enabled is 0) nothing is drawn and
 * no thread starts. The returned handle is owned by the caller until stop.
 */
#ifndef PD_PROGRESS_H
#define PD_PROGRESS_H

#include <stdint.h>

typedef void (*pd_progress_poll)(void *ctx, uint64_t *bytes, uint64_t *rows);

typedef struct pd_progress pd_progress;

/* Returns NULL when nothing is to be drawn (not a terminal, disabled, or no
 * memory: progress is never worth failing a job for). */
pd_progress *pd_progress_start(int enabled, const char *label, uint64_t total_bytes,
                               pd_progress_poll poll, void *ctx);

/* Stops the thread, clears the line and frees p. NULL is fine. */
void pd_progress_stop(pd_progress *p);

#endif
