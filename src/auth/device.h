/*
 * device.h - device proofs: what a client keeps to show that someone signed
 * in to an account from it before.
 *
 * After each successful sign-in the server gives the client a proof (the
 * cookie PD_DEVICE_COOKIE, see docs/internals/sign-in.md): "pdd1." and the
 * URL-safe base64 (no padding) of 56 bytes, the time it was made (8 bytes,
 * big-endian seconds), a random nonce (16) and a MAC (32) over both and the
 * account's name (ASCII letters folded to lower case, as the rate limiter
 * folds them), BLAKE2b-256 keyed with the server's device key (32 random
 * bytes the store keeps, so that proofs outlive a restart). A proof is good
 * for its account for PD_DEVICE_TTL seconds from when it was made. It grants
 * nothing by itself: it only lets the login rate limiter (auth/ratelimit.h)
 * count this client's failures apart from everyone else's, so that strangers
 * failing from other addresses cannot lock the account's owner out of a
 * client they have signed in from.
 *
 * Memory: text and ids in caller storage; nothing allocated. A proof and the
 * key are secrets (the proof is sent HttpOnly): wipe them when done.
 */
#ifndef PD_DEVICE_H
#define PD_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define PD_DEVICE_COOKIE "pd_device"
#define PD_DEVICE_KEY_NAME "device-proof" /* its name in the store's server keys */
#define PD_DEVICE_KEY_BYTES 32
#define PD_DEVICE_ID_BYTES 16          /* a proof's identity: its nonce       */
#define PD_DEVICE_TTL (90 * 24 * 3600) /* seconds a proof is good for         */
#define PD_DEVICE_SKEW 300             /* seconds a proof may be from ahead   */
#define PD_DEVICE_TEXT_LEN (5 + 75)    /* "pdd1." + base64url of 56 bytes     */
#define PD_DEVICE_TEXT_MAX (PD_DEVICE_TEXT_LEN + 1)

/* A new proof that `account` signed in at `now`, NUL-terminated into text.
 * PD_EINTERNAL only if libsodium cannot start. */
int pd_device_issue(const uint8_t key[PD_DEVICE_KEY_BYTES], const char *account, int64_t now,
                    char text[PD_DEVICE_TEXT_MAX], pd_error *err);

/* 1 when text[0..len) is a proof made with key for `account`, made at most
 * PD_DEVICE_TTL seconds before now (and at most PD_DEVICE_SKEW after); id
 * then gets its identity. 0 for anything else (another account, another
 * key, expired, altered, malformed), id untouched. Constant time in the
 * MAC's comparison. */
int pd_device_verify(const uint8_t key[PD_DEVICE_KEY_BYTES], const char *account, const char *text,
                     size_t len, int64_t now, uint8_t id[PD_DEVICE_ID_BYTES]);

#endif
