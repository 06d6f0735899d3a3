/* num.c - see num.h. */
#include "util/num.h"

#include <string.h>

int pd_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out, const char **why)
{
    if (len == 0) {
        *why = "empty";
        return -1;
    }
    if (s[0] == '-') {
        int digits_follow = len > 1;
        for (size_t i = 1; i < len && digits_follow; i++)
            digits_follow = (unsigned)((unsigned char)s[i] - '0') <= 9;
        *why = digits_follow ? "negative" : "not a whole number";
        return -1;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9) {
            *why = "not a whole number";
            return -1;
        }
        /* 19 digits always fit in 64 bits; past that, check each step. */
        if (i >= 19 && v > (UINT64_MAX - d) / 10) {
            *why = "too large";
            return -1;
        }
        v = v * 10 + d;
    }
    if (v > max) {
        *why = "too large";
        return -1;
    }
    *out = v;
    return 0;
}

int pd_parse_hundredths(const char *s, size_t len, uint64_t max_hundredths, uint64_t *out,
                        const char **why)
{
    const char *dot = memchr(s, '.', len);
    size_t ilen = dot ? (size_t)(dot - s) : len;
    uint64_t whole, frac = 0;
    if (ilen == 0 && dot) {
        *why = "not a number";
        return -1;
    }
    if (pd_parse_uint(s, ilen, UINT64_MAX / 100, &whole, why) < 0)
        return -1;
    if (dot) {
        size_t flen = len - ilen - 1;
        if (flen == 0) {
            *why = "not a number";
            return -1;
        }
        if (flen > 2) {
            *why = "more than two decimals";
            return -1;
        }
        if (pd_parse_uint(dot + 1, flen, 99, &frac, why) < 0) {
            *why = "not a number";
            return -1;
        }
        if (flen == 1)
            frac *= 10;
    }
    uint64_t v;
    if (__builtin_mul_overflow(whole, 100, &v) || __builtin_add_overflow(v, frac, &v) ||
        v > max_hundredths) {
        *why = "too large";
        return -1;
    }
    *out = v;
    return 0;
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

size_t pd_fmt_u64(uint64_t v, char *buf)
{
    char tmp[24];
    char *p = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned k = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[k + 1];
        *--p = digit_pairs[k];
    }
    if (v >= 10) {
        *--p = digit_pairs[v * 2 + 1];
        *--p = digit_pairs[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(buf, p, n);
    return n;
}

size_t pd_fmt_hundredths(uint64_t v, char *buf)
{
    size_t n = pd_fmt_u64(v / 100, buf);
    buf[n++] = '.';
    buf[n++] = (char)('0' + v % 100 / 10);
    buf[n++] = (char)('0' + v % 10);
    return n;
}

size_t pd_fmt_thousands(uint64_t v, char *buf)
{
    char digits[24];
    size_t nd = pd_fmt_u64(v, digits), n = 0;
    for (size_t i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[n++] = ',';
        buf[n++] = digits[i];
    }
    buf[n] = '\0';
    return n;
}

uint64_t pd_avg_hundredths(uint64_t total, uint64_t n)
{
    if (n == 0)
        return 0;
    if (total < (1ULL << 56) && n < (1ULL << 32)) /* the usual case, in 64 bits */
        return (total * 200 + n) / (n * 2);
    unsigned __int128 num = (unsigned __int128)total * 200 + n;
    return (uint64_t)(num / ((unsigned __int128)n * 2));
}
