/*
 * ratelimit.h - how many failed sign-ins may come, and from where, so that
 * passwords cannot be guessed at speed and no stranger can lock an account's
 * owner out (the rule and its numbers: docs/internals/sign-in.md).
 *
 * Four counts, each a sliding window of `window` seconds (an attempt stops
 * counting exactly that long after it was made):
 *
 * - PD_RL_PAIR: one account from one address (5). Failures from elsewhere
 *   never stop a try from this address.
 * - PD_RL_ACCOUNT: one account from every client that shows no device proof
 *   for it (20): bounds guessing one account from many addresses.
 * - PD_RL_ADDRESS: one address, whatever the account (20): bounds one
 *   address spraying many accounts.
 * - PD_RL_DEVICE: one device proof (5). A client showing a proof that it
 *   signed in to the account before (auth/device.h) is counted here and
 *   nowhere else: failures of others, from its own address or any other,
 *   never hold it back, and its own count only itself.
 *
 * A sign-in asks pd_ratelimit_check before verifying the password. The check
 * counts the attempt as a failure in advance in every count it consults,
 * atomically with deciding: any number of threads asking at once get at most
 * each limit's number of PD_OK answers in a window, never more. When the
 * password turns out right, pd_ratelimit_success forgets the pair's (or the
 * device's) failures and withdraws the advance count from the account and the
 * address (others' failures there still count); when it is wrong, there is
 * nothing more to do.
 *
 * The clock is the caller's: every call takes `now` in seconds (any epoch,
 * it only has to move forward), so tests can move time at will.
 *
 * Memory is fixed when the limiter is made: one table of a set number of
 * entries per count. When a table is full, the entry used least recently is
 * dropped, so someone spraying names or addresses cannot make it grow (and
 * an account under attack, touched by every try, is the last to go). Entries
 * are keyed by a BLAKE2b hash under a key drawn at random per limiter: names
 * of any length take the same room, and nobody can choose names that
 * collide. Account names are compared with ASCII letters folded to lower
 * case. Addresses given as IPv4 or IPv6 text are keyed by the IPv4 address,
 * or by the IPv6 /64 network (one host usually holds a whole /64); any other
 * text is keyed as it is.
 *
 * Thread-safe: one mutex per limiter, held for a few table operations.
 * pd_ratelimit_new allocates the limiter; pd_ratelimit_free releases it.
 */
#ifndef PD_RATELIMIT_H
#define PD_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* The counts, in the order a refusal names the one to wait for on a tie. */
typedef enum pd_rl_kind {
    PD_RL_PAIR = 0,
    PD_RL_ACCOUNT,
    PD_RL_ADDRESS,
    PD_RL_DEVICE,
    PD_RL_KINDS
} pd_rl_kind;

/* The defaults. */
#define PD_RATELIMIT_PAIR_FAILURES 5     /* one account from one address   */
#define PD_RATELIMIT_ACCOUNT_FAILURES 20 /* one account, clients w/o proof */
#define PD_RATELIMIT_ADDRESS_FAILURES 20 /* one address, any account       */
#define PD_RATELIMIT_DEVICE_FAILURES 5   /* one device proof               */
#define PD_RATELIMIT_WINDOW_SECONDS (15 * 60)
#define PD_RATELIMIT_PAIR_SLOTS 32768 /* entries remembered at once, each */
#define PD_RATELIMIT_ACCOUNT_SLOTS 16384
#define PD_RATELIMIT_ADDRESS_SLOTS 16384
#define PD_RATELIMIT_DEVICE_SLOTS 16384

/* Ceilings on the settings. */
#define PD_RATELIMIT_FAILURES_MAX 1000
#define PD_RATELIMIT_WINDOW_MAX (7 * 24 * 3600)
#define PD_RATELIMIT_SLOTS_MAX (1u << 20)

#define PD_RATELIMIT_DEVICE_BYTES 16 /* a device proof's identity (device.h) */

/* Settings, indexed by pd_rl_kind; a field left 0 takes its default. */
typedef struct pd_ratelimit_config {
    unsigned failures[PD_RL_KINDS]; /* per window           */
    size_t slots[PD_RL_KINDS];      /* entries of its table */
    int64_t window_seconds;
} pd_ratelimit_config;

/* Who is trying: the account's name, the client's address (text), and the
 * identity of a device proof the client showed that is good for this account
 * (verified by the caller), or NULL. */
typedef struct pd_ratelimit_who {
    const char *account;
    const char *address;
    const uint8_t *device;
} pd_ratelimit_who;

typedef struct pd_ratelimit pd_ratelimit;

/* A limiter with config c (NULL: every default). PD_EINPUT naming the
 * setting out of range, PD_ENOMEM, PD_EINTERNAL if libsodium cannot start.
 * The caller owns *out and releases it with pd_ratelimit_free. */
int pd_ratelimit_new(const pd_ratelimit_config *c, pd_ratelimit **out, pd_error *err);

/* Releases everything. NULL is fine. No other thread may be using it. */
void pd_ratelimit_free(pd_ratelimit *rl);

/* May `who` try a password at `now`? With a device proof, its own count
 * decides; without, the pair's, the account's and the address's. PD_OK, and
 * the attempt is counted as a failure in each of those until
 * pd_ratelimit_success says otherwise. PD_EBUSY when one has used up its
 * failures in the window: nothing is counted, *wait_seconds (if not NULL)
 * gets how long until every one allows a try again (at least 1), and err
 * says which limit was hit and that wait. PD_EINTERNAL for a NULL name or
 * address. */
int pd_ratelimit_check(pd_ratelimit *rl, const pd_ratelimit_who *who, int64_t now,
                       int64_t *wait_seconds, pd_error *err);

/* The attempt that pd_ratelimit_check just let through for `who` succeeded:
 * forgets the device's (with a proof) or the pair's (without) failures and
 * withdraws that attempt's count from the account and the address. Call it
 * once per such attempt, and only then. */
void pd_ratelimit_success(pd_ratelimit *rl, const pd_ratelimit_who *who, int64_t now);

/* Failures counting at `now` in each count who's fields name (a NULL field
 * leaves the counts that need it at 0), e.g. for tests and metrics. Changes
 * nothing. */
void pd_ratelimit_failures(pd_ratelimit *rl, const pd_ratelimit_who *who, int64_t now,
                           unsigned out[PD_RL_KINDS]);

/* Entries in use in each table and their fixed capacity (either may be
 * NULL). */
void pd_ratelimit_usage(pd_ratelimit *rl, size_t used[PD_RL_KINDS], size_t slots[PD_RL_KINDS]);

#endif
