/*
 * rows_fast.h - the fast path of the posts.csv row checks (rows.h), for the
 * batch loader's hot loop: a plain line (no quotes) parsed and checked in
 * one pass, with SWAR digit runs and a cache of the days of each year.
 *
 * It accepts a subset of what pd_rows_post_parse accepts and computes the
 * same values; anything else (a quote, an unusual instant, a bad field) makes
 * pd_rows_fast_post return NULL, and the caller then reads the line the
 * careful way (pd_csv_next + pd_rows_post_parse), which decides and words
 * the message. So the two paths can never disagree on what a line means:
 * the fast one only declines. Static inline: it must inline into the loop.
 * Reads up to 32 bytes past a field (PD_CSV_PAD covers it).
 */
#ifndef PD_ROWS_FAST_H
#define PD_ROWS_FAST_H

#include <stdint.h>
#include <string.h>

#include "batch/rows.h"
#include "core/instant.h"

typedef struct pd_rows_day_cache pd_rows_day_cache;

static const unsigned char rf_stop_byte[256] = {
    [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1, ['\0'] = 1};

/* Days since the epoch of January 1st, per year, filled as years are met. */
struct pd_rows_day_cache {
    int64_t year_days[10000];
    unsigned char known[10000];
};

static const uint16_t rf_month_start[2][13] = {
    {0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334},
    {0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335}};
static const unsigned char rf_month_len[2][13] = {
    {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
    {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}};

/* 1 when all 8 bytes of c are ASCII digits... as a mask of the non-digit
 * bytes: 0 when every byte of c is '0'..'9'. */
static inline uint64_t rf_nondigits8(uint64_t c)
{
    return ((c & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL) |
           (((c + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL);
}

/* The value of 8 ASCII digits, the first in the lowest byte. */
static inline uint64_t rf_value8(uint64_t c)
{
    c -= 0x3030303030303030ULL;
    c = c * 10 + (c >> 8);
    c = (((c & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
         (((c >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >>
        32;
    return c;
}

/* The 8 bytes at p into *c, and how many digits lead them (8: all are). */
static inline unsigned rf_lead8(const char *p, uint64_t *c)
{
    memcpy(c, p, 8);
    uint64_t nd = rf_nondigits8(*c);
    return nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
}

/* Reads a run of up to 15 digits at p (8 readable bytes are guaranteed past
 * any point of the buffer). Returns the byte after the digits, or NULL when
 * there is none or more than 15. */
static inline const char *rf_digits(const char *p, uint64_t *out)
{
    uint64_t c;
    unsigned n = rf_lead8(p, &c);
    if (n == 0)
        return NULL;
    if (n < 8) {
        unsigned s = (8 - n) * 8;
        *out = rf_value8((c << s) | (0x3030303030303030ULL >> (64 - s)));
        return p + n;
    }
    uint64_t v = rf_value8(c);
    p += 8;
    for (unsigned k = 8; (unsigned)((unsigned char)*p - '0') <= 9; k++, p++) {
        if (k == 15)
            return NULL;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return p;
}

/* Checks a run of 1 to 15 digits at p without computing its value (the
 * columns nobody reads still have to be whole numbers). Returns the byte
 * after it or NULL. With nonzero set, an all-zero run is refused too. */
static inline const char *rf_check_digits(const char *p, int nonzero)
{
    uint64_t c;
    unsigned n = rf_lead8(p, &c);
    if (n == 0)
        return NULL;
    if (n < 8) {
        if (nonzero && ((c ^ 0x3030303030303030ULL) << ((8 - n) * 8)) == 0)
            return NULL;
        return p + n;
    }
    int any = (c ^ 0x3030303030303030ULL) != 0;
    p += 8;
    for (unsigned k = 8; (unsigned)((unsigned char)*p - '0') <= 9; k++, p++) {
        if (k == 15)
            return NULL;
        any |= *p != '0';
    }
    return nonzero && !any ? NULL : p;
}

static inline int rf_two(const char *s, unsigned *v)
{
    unsigned a = (unsigned char)s[0] - '0', b = (unsigned char)s[1] - '0';
    *v = a * 10 + b;
    return a <= 9 && b <= 9;
}

/* "YYYY-MM-DDTHH:MM:SSZ" quickly; 0 when it is not exactly that (the
 * general parser then decides, and explains). */
static inline int rf_fast_instant(const char *s, size_t len, pd_rows_day_cache *dc, pd_instant *t)
{
    if (len != 20 || s[19] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return 0;
    unsigned y1, y2, mo, d, hh, mm, ss;
    if (!rf_two(s, &y1) || !rf_two(s + 2, &y2) || !rf_two(s + 5, &mo) || !rf_two(s + 8, &d) ||
        !rf_two(s + 11, &hh) || !rf_two(s + 14, &mm) || !rf_two(s + 17, &ss))
        return 0;
    unsigned y = y1 * 100 + y2;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > rf_month_len[leap][mo] || hh > 23 || mm > 59 || ss > 59)
        return 0;
    if (!dc->known[y]) {
        dc->year_days[y] = pd_days_from_civil(y, 1, 1);
        dc->known[y] = 1;
    }
    int64_t days = dc->year_days[y] + rf_month_start[leap][mo] + d - 1;
    t->sec = days * 86400 + hh * 3600 + mm * 60 + ss;
    t->nsec = 0;
    return 1;
}

/* Parses one plain line at p (NUL sentinel after the data). Returns the byte
 * after it, or NULL when the line needs the careful path. */
static inline const char *pd_rows_fast_post(const pd_rows_input *in, const char *p,
                                            pd_rows_day_cache *dc, pd_rows_post *out)
{
    const size_t ncols = in->ncols;
    for (size_t i = 0; i < ncols; i++) {
        const char *s = p;
        switch (in->role[i]) {
        case PD_COL_P_ID:
            if (!(p = rf_digits(p, &out->id)) || out->id == 0)
                return NULL;
            break;
        case PD_COL_P_LIKES:
        case PD_COL_P_COMMENTS:
        case PD_COL_P_COLLECTS:
            if (!(p = rf_check_digits(p, 0)))
                return NULL;
            break;
        case PD_COL_P_CREATOR:
            if (!(p = rf_digits(p, &out->creator)) || out->creator == 0)
                return NULL;
            break;
        case PD_COL_P_VIEWS:
            if (!(p = rf_digits(p, &out->views)))
                return NULL;
            break;
        case PD_COL_P_TIME:
            if ((p[20] == ',' || p[20] == '\n' || p[20] == '\r') &&
                rf_fast_instant(p, 20, dc, &out->t)) {
                p += 20;
                break;
            }
            while (!rf_stop_byte[(unsigned char)*p])
                p++;
            if (pd_instant_parse(s, (size_t)(p - s), &out->t, NULL) < 0)
                return NULL;
            break;
        case PD_COL_P_KIND:
            if (memcmp(p, "organic", 7) == 0) {
                out->sponsored = 0;
                p += 7;
            } else if (memcmp(p, "sponsored", 9) == 0) {
                out->sponsored = 1;
                p += 9;
            } else {
                return NULL;
            }
            break;
        default:
            while (!rf_stop_byte[(unsigned char)*p])
                p++;
            break;
        }
        if (i + 1 < ncols) {
            if (*p != ',')
                return NULL;
            p++;
        } else {
            if (*p == '\r')
                p++;
            if (*p != '\n')
                return NULL;
            p++;
        }
    }
    return p;
}

#endif
