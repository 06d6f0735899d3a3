/*
 * token.h - bearer tokens: what a client sends on every request after login.
 *
 * A token is 256 random bits. Clients see it as text: "pd_" followed by the
 * 43 characters of its URL-safe base64 encoding without padding, 46 in all,
 * e.g. "pd_q3...Zw". The prefix makes a leaked token easy to recognise (and
 * for secret scanners to find). The server never stores a token: the store
 * keeps its 32-byte hash (BLAKE2b-256 of the 32 raw bytes), so a copy of the
 * database does not let anyone log in. A hash is not salted; it needs none,
 * as the input is 256 random bits.
 *
 * Clients send a token in "Authorization: Bearer pd_...". pd_token_parse_header
 * reads that header's value strictly (RFC 6750's b64token, narrowed to our one
 * format): the scheme in any case, one or more spaces, exactly one token.
 *
 * Memory: tokens and hashes are fixed-size values in caller storage; nothing
 * is allocated. A pd_token is a secret: wipe it (pd_token_wipe) when done.
 * Error messages never contain any part of a token.
 */
#ifndef PD_TOKEN_H
#define PD_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define PD_TOKEN_BYTES 32      /* random bytes in a token                    */
#define PD_TOKEN_HASH_BYTES 32 /* bytes of the stored hash (store.h's 32)    */
#define PD_TOKEN_PREFIX "pd_"
#define PD_TOKEN_PREFIX_LEN 3
#define PD_TOKEN_TEXT_LEN (PD_TOKEN_PREFIX_LEN + 43) /* "pd_" + base64url */
#define PD_TOKEN_TEXT_MAX (PD_TOKEN_TEXT_LEN + 1)    /* with the NUL      */

/* Ceiling on an Authorization header value we look at; anything longer is
 * refused before any parsing. */
#define PD_TOKEN_HEADER_MAX 256

typedef struct pd_token {
    uint8_t raw[PD_TOKEN_BYTES];
} pd_token;

/* A new token from libsodium's random generator (the kernel's getrandom).
 * PD_EINTERNAL only if libsodium cannot be initialised. */
int pd_token_new(pd_token *t, pd_error *err);

/* The text form, "pd_" and 43 base64url characters, NUL-terminated. */
void pd_token_format(const pd_token *t, char out[PD_TOKEN_TEXT_MAX]);

/* Reads the text form (exactly PD_TOKEN_TEXT_LEN bytes at text; no NUL
 * needed). PD_OK, or PD_EAUTH saying what is wrong with it; *t is
 * untouched on failure. */
int pd_token_parse(const char *text, size_t len, pd_token *t, pd_error *err);

/* Reads an Authorization header value ("Bearer pd_..."; value may be NULL
 * when the header is absent). Leading and trailing spaces and tabs are
 * ignored (HTTP does not count them as part of the value). PD_OK, or
 * PD_EAUTH with a message fit for the client: no header, another scheme,
 * no token, more than one, a malformed token, a value over
 * PD_TOKEN_HEADER_MAX. */
int pd_token_parse_header(const char *value, pd_token *t, pd_error *err);

/* The hash the store keeps: BLAKE2b-256 of the raw bytes. */
void pd_token_hash(const pd_token *t, uint8_t out[PD_TOKEN_HASH_BYTES]);

/* 1 when equal, 0 otherwise, in time independent of where they differ. */
int pd_token_equal(const pd_token *a, const pd_token *b);
int pd_token_hash_equal(const uint8_t a[PD_TOKEN_HASH_BYTES], const uint8_t b[PD_TOKEN_HASH_BYTES]);

/* Overwrites a token with zeros in a way the compiler cannot drop. */
void pd_token_wipe(pd_token *t);

#endif
