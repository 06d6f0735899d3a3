/*
 * ratelimit.h - how many failed logins an account, and a client address, may
 * have in a window of time, so that passwords cannot be guessed at speed.
 *
 * A login asks pd_ratelimit_check before verifying the password. The check
 * counts the attempt as a failure in advance, atomically with deciding: any
 * number of threads asking at once for the same account get at most its
 * limit of PD_OK answers in a window, never more. When the password turns
 * out right, pd_ratelimit_success withdraws that advance count from the
 * address and forgets the account's failures; when it is wrong, there is
 * nothing more to do. The count is a sliding window: an attempt stops
 * counting exactly `window` seconds after it was made.
 *
 * The clock is the caller's: every call takes `now` in seconds (any epoch,
 * it only has to move forward), so tests can move time at will.
 *
 * Memory is fixed when the limiter is made: two tables of a set number of
 * entries (accounts, addresses). When a table is full, the entry used least
 * recently is dropped, so someone spraying names or addresses cannot make
 * it grow. Entries are keyed by a BLAKE2b hash under a key drawn at random
 * per limiter: names of any length take the same room, and nobody can choose
 * names that collide. Account names are compared with ASCII letters folded
 * to lower case. Addresses given as IPv4 or IPv6 text are keyed by the IPv4
 * address, or by the IPv6 /64 network (one host usually holds a whole /64);
 * any other text is keyed as it is.
 *
 * Thread-safe: one mutex per limiter, held for a few table operations.
 * pd_ratelimit_new allocates the limiter; pd_ratelimit_free releases it.
 */
#ifndef PD_RATELIMIT_H
#define PD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The defaults. */
#define PD_RATELIMIT_ACCOUNT_FAILURES 5  /* per account per window      */
#define PD_RATELIMIT_ADDRESS_FAILURES 20 /* per client address per window */
#define PD_RATELIMIT_WINDOW_SECONDS (15 * 60)
#define PD_RATELIMIT_ACCOUNT_SLOTS 16384 /* accounts remembered at once */
#define PD_RATELIMIT_ADDRESS_SLOTS 16384 /* addresses remembered at once */

/* Ceilings on the settings. */
#define PD_RATELIMIT_FAILURES_MAX 1000
#define PD_RATELIMIT_WINDOW_MAX (7 * 24 * 3600)
#define PD_RATELIMIT_SLOTS_MAX (1u << 20)

/* Settings; a field left 0 takes its default. */
typedef struct pd_ratelimit_config {
    unsigned account_failures;
    unsigned address_failures;
    int64_t window_seconds;
    size_t account_slots;
    size_t address_slots;
} pd_ratelimit_config;

typedef struct pd_ratelimit pd_ratelimit;

/* A limiter with config c (NULL: every default). PD_EINPUT naming the
 * setting out of range, PD_ENOMEM, PD_EINTERNAL if libsodium cannot start.
 * The caller owns *out and releases it with pd_ratelimit_free. */
int pd_ratelimit_new(const pd_ratelimit_config *c, pd_ratelimit **out, pd_error *err);

/* Releases everything. NULL is fine. No other thread may be using it. */
void pd_ratelimit_free(pd_ratelimit *rl);

/* May `account`, asking from `address`, try a password at `now`? PD_OK, and
 * the attempt is counted as a failure for both until pd_ratelimit_success
 * says otherwise. PD_EBUSY when either has used up its failures in the
 * window: nothing is counted, *wait_seconds (if not NULL) gets how long
 * until both allow a try again (at least 1), and err says which limit was
 * hit and that wait. PD_EINTERNAL for a NULL name or address. */
int pd_ratelimit_check(pd_ratelimit *rl, const char *account, const char *address, int64_t now,
                       int64_t *wait_seconds, pd_error *err);

/* The attempt that pd_ratelimit_check just let through succeeded: forgets
 * every failure of the account and withdraws that attempt's count from the
 * address. Call it once per such attempt, and only then. */
void pd_ratelimit_success(pd_ratelimit *rl, const char *account, const char *address, int64_t now);

/* Failures counting at `now` for an account and for an address (either may
 * be NULL), e.g. for tests and metrics. Changes nothing. */
void pd_ratelimit_failures(pd_ratelimit *rl, const char *account, const char *address, int64_t now,
                           unsigned *account_failures, unsigned *address_failures);

/* Entries in use in each table and their fixed capacity (any may be NULL). */
void pd_ratelimit_usage(pd_ratelimit *rl, size_t *accounts, size_t *account_slots,
                        size_t *addresses, size_t *address_slots);

#endif
