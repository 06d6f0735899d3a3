/*
 * mono.h - the monotonic clock in milliseconds, for latencies, ages and
 * deadlines that must not jump when the wall clock is set. Never for what
 * decides or records by date: that reads the one clock --clock sets.
 * Header only; nothing to own.
 */
#ifndef PD_MONO_H
#define PD_MONO_H

#include <stdint.h>
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC (since an unspecified start: only
 * differences mean something). */
static inline int64_t pd_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
