/*
 * num.h - strict parsing and fast formatting of the numbers in our files.
 *
 * Parsing accepts plain decimal digits only (no sign, no spaces, no "1e3"),
 * so that "12a", "", " 7" and "-3" are errors the user hears about, each with
 * its own reason. Formatting writes into caller buffers; nothing allocates.
 */
#ifndef PD_NUM_H
#define PD_NUM_H

#include <stddef.h>
#include <stdint.h>

/* Largest count we accept in a data file (views, likes, followers, ...):
 * 10^15, far above any real account, low enough that sums of millions of
 * them cannot overflow 64 bits. */
#define PD_COUNT_MAX 1000000000000000ULL

/* Parses s[0..len) as a whole number in [0, max]. Returns 0, or -1 with *why
 * set to a static reason: "empty", "negative", "not a whole number",
 * "too large". */
int pd_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out, const char **why);

/* Parses a decimal with at most two fractional digits ("10000", "2.5",
 * "0.25") into hundredths. Same reasons as pd_parse_uint, plus "more than two
 * decimals". */
int pd_parse_hundredths(const char *s, size_t len, uint64_t max_hundredths, uint64_t *out,
                        const char **why);

/* The value of a hexadecimal digit ('0'-'9', 'a'-'f', 'A'-'F'), or -1. */
static inline int pd_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Writes v in decimal into buf (at least 21 bytes); returns the length. No NUL. */
size_t pd_fmt_u64(uint64_t v, char *buf);

/* Writes v in hundredths as "123.45" (exactly two decimals) into buf (at
 * least 24 bytes); returns the length. No NUL. */
size_t pd_fmt_hundredths(uint64_t v, char *buf);

/* Writes v with thousands separators ("17,000") into buf (at least 27 bytes),
 * NUL-terminated; returns the length. */
size_t pd_fmt_thousands(uint64_t v, char *buf);

/* Average in hundredths, rounded half up from the exact quotient, as the spec
 * says: (200 * total + n) / (2 * n); 0 when n == 0. Computed in 128 bits, so
 * exact whenever the average itself fits in 64 bits (any total of counts up
 * to PD_COUNT_MAX does). */
uint64_t pd_avg_hundredths(uint64_t total, uint64_t n);

#endif
