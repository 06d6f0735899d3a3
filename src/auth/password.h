/*
 * password.h - account passwords: the policy a new password must meet, and
 * storing it as an Argon2id hash (libsodium's crypto_pwhash_str).
 *
 * A hash is a self-describing NUL-terminated string ("$argon2id$v=19$m=...")
 * of fewer than PD_PASSWORD_HASH_MAX bytes, salt and cost included, which is
 * what the store keeps (store.h's PD_HASH_MAX is the same 128). Nothing here
 * allocates memory the caller must free; hashes are written into caller
 * arrays. libsodium itself allocates the Argon2 work area for the duration of
 * each call: 64 MiB at the default cost, so N logins in flight at once use
 * N * 64 MiB.
 *
 * Passwords are passed as (pointer, length) because they may come from JSON
 * strings; they are never copied, logged or put into error messages.
 */
#ifndef PD_PASSWORD_H
#define PD_PASSWORD_H

#include <stddef.h>

#include "util/error.h"

/* The policy: length in bytes (UTF-8), both ends included. */
#define PD_PASSWORD_MIN 8
#define PD_PASSWORD_MAX 1024

/* Room for a hash string with its NUL (crypto_pwhash_STRBYTES). */
#define PD_PASSWORD_HASH_MAX 128

/* How much work (time and memory) a new hash costs. The cost is stored in
 * the hash, so verifying needs no cost; pd_password_needs_rehash tells when
 * a stored hash was made at another cost than the one now chosen. */
typedef enum pd_pwcost {
    /* The default: libsodium's INTERACTIVE limits for Argon2id (2 passes over
     * 64 MiB), about a tenth of a second per hash on a current core. */
    PD_PWCOST_INTERACTIVE = 0,
    /* libsodium's MIN limits (1 pass over 8 KiB): microseconds, and no
     * protection to speak of. For test suites and throwaway demo databases
     * only; a server running with it should say so loudly. */
    PD_PWCOST_MIN = 1,
} pd_pwcost;

/* "interactive" or "min"; NULL for anything else. Static storage. */
const char *pd_pwcost_name(pd_pwcost cost);
/* The reverse: PD_OK, or PD_EUSAGE naming the accepted values. */
int pd_pwcost_from_name(const char *name, pd_pwcost *out, pd_error *err);

/* Checks a new password against the policy: PD_PASSWORD_MIN to
 * PD_PASSWORD_MAX bytes, valid UTF-8 without NUL bytes, and not only
 * whitespace. PD_OK, or PD_EINPUT with a message saying what to change. */
int pd_password_check_policy(const char *pw, size_t len, pd_error *err);

/* Checks the policy, then hashes pw at the given cost into out (a
 * NUL-terminated string). PD_EINPUT when the policy refuses the password,
 * PD_ENOMEM when the Argon2 work area cannot be allocated. On failure out
 * is an empty string. */
int pd_password_hash(const char *pw, size_t len, pd_pwcost cost, char out[PD_PASSWORD_HASH_MAX],
                     pd_error *err);

/* Checks pw against a stored hash, in time that does not depend on how much
 * of it matches. PD_OK when it matches; PD_EAUTH when it does not (or when
 * pw is longer than PD_PASSWORD_MAX, refused without hashing); PD_EINPUT
 * when hash is not an Argon2 hash string; PD_ENOMEM when the work area its
 * cost asks for cannot be allocated. The policy is not checked: a password
 * accepted once keeps working if the policy changes. */
int pd_password_verify(const char *hash, const char *pw, size_t len, pd_error *err);

/* Spends the time (and memory) a pd_password_verify at this cost takes,
 * against a hash of a random password made once per process, and returns
 * PD_EAUTH. For a login naming no existing user, so that the answer does
 * not come back faster than a wrong password's and tell which names exist. */
int pd_password_verify_absent(const char *pw, size_t len, pd_pwcost cost, pd_error *err);

/* Sets *needs to 1 when hash was not made by Argon2id at exactly this cost
 * (an older or other algorithm, other limits), so that a successful login
 * should store a new hash of the password; 0 otherwise. PD_EINPUT when hash
 * is not an Argon2 hash string. */
int pd_password_needs_rehash(const char *hash, pd_pwcost cost, int *needs, pd_error *err);

#endif
