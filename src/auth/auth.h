/*
 * auth.h - what the account modules (password, token, ratelimit) share:
 * libsodium's one-time initialisation.
 *
 * libsodium must be initialised before its random generator and hashes are
 * used. pd_auth_init does it exactly once per process, whichever thread gets
 * there first, and remembers the outcome; every function of src/auth/
 * that draws randomness or hashes calls it, so callers never have to. A server may still call it
 * at start to refuse to run on a machine where libsodium cannot start,
 * rather than failing at the first login.
 *
 * pd_auth_init is defined in password.c, the first of the modules to need
 * it.
 */
#ifndef PD_AUTH_H
#define PD_AUTH_H

#include <sodium.h>

#include "util/error.h"

/* PD_OK once libsodium is ready; PD_EINTERNAL (every time) if sodium_init
 * failed. Thread-safe; cheap after the first call. */
int pd_auth_init(pd_error *err);

/* Feeds an account name into a BLAKE2b state with ASCII letters folded to
 * lower case, so that "Ops" and "ops" are one account to the rate limiter
 * and to device proofs alike. (In device.c.) */
void pd_auth_hash_name(crypto_generichash_state *st, const char *name);

#endif
