/*
 * clock.h - the one clock that partnerd decides and records by.
 *
 * Everything that decides or records by time reads a pd_clock: tokens and
 * their expiry, sign-in rate-limit windows, device proofs, created_at,
 * the daily sweep and policy activations. `partnerd serve --clock INSTANT`
 * (and PARTNERD_CLOCK for the other commands, cli/common.h) start it at
 * another instant, from which it runs on at the system clock's pace; tests
 * may fix it and move it by hand. Only log timestamps and latency
 * measurements read the real clock (CLOCK_REALTIME, CLOCK_MONOTONIC) on
 * their own.
 *
 * clock.c is the only place in src/ that calls time(NULL).
 *
 * Memory: a pd_clock is a small value owned by whoever made it; it holds no
 * resources. Readers borrow a const pointer. A fixed clock may be moved
 * (pd_clock_set, pd_clock_advance) only while no other thread reads it, as
 * tests do between calls.
 */
#ifndef PD_CLOCK_H
#define PD_CLOCK_H

#include <stdint.h>

typedef struct pd_clock {
    int64_t offset; /* seconds added to the system clock (not fixed)       */
    int64_t at;     /* the instant a fixed clock says, in epoch seconds    */
    int fixed;      /* 1: always says `at`; 0: the system clock + offset   */
} pd_clock;

/* The system clock itself (offset 0). A zeroed pd_clock is the same. */
pd_clock pd_clock_system(void);

/* A clock that says `at` (epoch seconds) now and runs on from there. */
pd_clock pd_clock_starting_at(int64_t at);

/* A clock that says `at` until it is moved (tests). */
pd_clock pd_clock_fixed(int64_t at);

/* Seconds since the epoch by clock c; NULL reads the system clock. */
int64_t pd_clock_now(const pd_clock *c);

/* A fixed clock is set to `at` or moved by `seconds`; a running one gets
 * its offset changed so that it says the same. */
void pd_clock_set(pd_clock *c, int64_t at);
void pd_clock_advance(pd_clock *c, int64_t seconds);

#endif
