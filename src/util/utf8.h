/*
 * utf8.h - the one UTF-8 decoder of partnerd (RFC 3629; Unicode table 3-7).
 *
 * Valid means: shortest form only (no overlong sequences, so no C0/C1 lead
 * byte), no surrogates (U+D800..U+DFFF), nothing above U+10FFFF (no F5..FF
 * lead byte), and no sequence cut by the end of the input. NUL is a valid
 * character here; callers that refuse it say so themselves. What a caller
 * does with the code point (the text rules of core/text.h, XML's refusal of
 * U+FFFE, JSON's escapes) is its own business; how bytes become code points
 * is decided only here.
 *
 * Pure functions on caller memory: nothing allocates, nothing is kept.
 * pd_utf8_decode is inline so that the JSON and SVG escapers pay no call for
 * the rare non-ASCII character; their ASCII fast paths never reach it.
 */
#ifndef PD_UTF8_H
#define PD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s[0..n) (n > 0). Returns its length in bytes
 * (1..4) and stores its code point in *cp; returns 0 (and leaves *cp alone)
 * when the bytes there are not valid UTF-8, the input ending inside the
 * sequence included. */
static inline size_t pd_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    /* The lead byte fixes the length and the range of the second byte: that
     * range alone refuses overlong forms, surrogates and > U+10FFFF. */
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0; /* below: overlong */
        else if (c == 0xED)
            hi = 0x9F; /* above: surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90; /* below: overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above: past U+10FFFF */
    } else {
        return 0; /* a continuation byte, C0/C1 (always overlong), F5..FF */
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    v = v << 6 | (s[1] & 0x3Fu);
    for (size_t k = 2; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3Fu);
    }
    *cp = v;
    return len;
}

/* The length of the valid sequence at s[0..n) (n > 0), or 0: pd_utf8_decode
 * without the code point. */
static inline size_t pd_utf8_seq(const unsigned char *s, size_t n)
{
    uint32_t cp;
    return pd_utf8_decode(s, n, &cp);
}

/* Decodes the character at s[*i] (*i < n) into *cp and moves *i past it;
 * -1 (nothing moved, *cp unchanged) when the bytes there are not valid. */
int pd_utf8_next(const char *s, size_t n, size_t *i, uint32_t *cp);

/* Nonzero when s[0..len) is valid UTF-8 throughout (NULs allowed). */
int pd_utf8_valid(const char *s, size_t len);

#endif
