/* instant.c - see instant.h. The calendar arithmetic is Howard Hinnant's
 * days_from_civil / civil_from_days, exact for the proleptic Gregorian
 * calendar over the whole int64 range we accept (years 0000 to 9999). */
#include "core/instant.h"

#include <string.h>

int64_t pd_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void pd_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits at s[*i]; returns -1 when they are not all there. */
static int digits(const char *s, size_t len, size_t *i, unsigned n, unsigned *out)
{
    unsigned v = 0;
    if (*i + n > len)
        return -1;
    for (unsigned k = 0; k < n; k++) {
        unsigned c = (unsigned char)s[*i + k] - '0';
        if (c > 9)
            return -1;
        v = v * 10 + c;
    }
    *i += n;
    *out = v;
    return 0;
}

#define FAIL(msg)                                                                                  \
    do {                                                                                           \
        if (why)                                                                                   \
            *why = (msg);                                                                          \
        return -1;                                                                                 \
    } while (0)

int pd_instant_parse(const char *s, size_t len, pd_instant *out, const char **why)
{
    size_t i = 0;
    unsigned year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
    int32_t nsec = 0;
    int64_t offset = 0;

    if (len == 0)
        FAIL("empty instant");
    if (digits(s, len, &i, 4, &year) < 0 || i >= len || s[i] != '-')
        FAIL("expected YYYY-MM-DD at the start");
    i++;
    if (digits(s, len, &i, 2, &mon) < 0 || i >= len || s[i] != '-')
        FAIL("expected YYYY-MM-DD at the start");
    i++;
    if (digits(s, len, &i, 2, &day) < 0)
        FAIL("expected YYYY-MM-DD at the start");
    if (mon < 1 || mon > 12)
        FAIL("month out of range");
    if (day < 1 || day > days_in_month(year, mon))
        FAIL("day out of range for its month");

    if (i < len) {
        if (s[i] != 'T')
            FAIL("expected 'T' between date and time");
        i++;
        if (digits(s, len, &i, 2, &hour) < 0 || i >= len || s[i] != ':')
            FAIL("expected HH:MM:SS after the date");
        i++;
        if (digits(s, len, &i, 2, &min) < 0 || i >= len || s[i] != ':')
            FAIL("expected HH:MM:SS after the date");
        i++;
        if (digits(s, len, &i, 2, &sec) < 0)
            FAIL("expected HH:MM:SS after the date");
        if (hour > 23)
            FAIL("hour out of range");
        if (min > 59)
            FAIL("minute out of range");
        if (sec > 59)
            FAIL("second out of range");
        if (i < len && s[i] == '.') {
            i++;
            unsigned nd = 0;
            while (i < len && (unsigned)((unsigned char)s[i] - '0') <= 9) {
                if (nd < 9)
                    nsec = nsec * 10 + (s[i] - '0');
                nd++;
                i++;
            }
            if (nd == 0)
                FAIL("expected digits after the decimal point");
            for (; nd < 9; nd++)
                nsec *= 10;
        }
        if (i >= len)
            FAIL("missing time zone: end with 'Z' or an offset such as +08:00");
        char z = s[i];
        if (z == 'Z') {
            i++;
        } else if (z == '+' || z == '-') {
            unsigned oh, om;
            i++;
            if (digits(s, len, &i, 2, &oh) < 0 || i >= len || s[i] != ':')
                FAIL("expected an offset such as +08:00");
            i++;
            if (digits(s, len, &i, 2, &om) < 0)
                FAIL("expected an offset such as +08:00");
            if (oh > 23 || om > 59)
                FAIL("offset out of range");
            offset = (int64_t)oh * 3600 + (int64_t)om * 60;
            if (z == '-')
                offset = -offset;
        } else {
            FAIL("expected 'Z' or an offset such as +08:00 after the time");
        }
        if (i != len)
            FAIL("unexpected characters after the instant");
    }

    int64_t days = pd_days_from_civil(year, mon, day);
    int64_t t = days * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 + sec - offset;
    /* An offset can carry 0000-01-01 or 9999-12-31 out of the years we can
     * write back; such an instant is refused. */
    if (t < pd_days_from_civil(0, 1, 1) * 86400 || t >= pd_days_from_civil(10000, 1, 1) * 86400)
        FAIL("instant out of range (years 0000 to 9999 in UTC)");
    out->sec = t;
    out->nsec = nsec;
    return 0;
}

size_t pd_instant_format(pd_instant t, char *buf)
{
    int64_t days = t.sec / 86400, rem = t.sec % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    pd_civil_from_days(days, &y, &m, &d);
    unsigned hh = (unsigned)(rem / 3600), mm = (unsigned)(rem / 60 % 60), ss = (unsigned)(rem % 60);
    char *p = buf;
    unsigned yy = (unsigned)(y < 0 ? 0 : y > 9999 ? 9999 : y);
    *p++ = (char)('0' + yy / 1000);
    *p++ = (char)('0' + yy / 100 % 10);
    *p++ = (char)('0' + yy / 10 % 10);
    *p++ = (char)('0' + yy % 10);
    *p++ = '-';
    *p++ = (char)('0' + m / 10);
    *p++ = (char)('0' + m % 10);
    *p++ = '-';
    *p++ = (char)('0' + d / 10);
    *p++ = (char)('0' + d % 10);
    *p++ = 'T';
    *p++ = (char)('0' + hh / 10);
    *p++ = (char)('0' + hh % 10);
    *p++ = ':';
    *p++ = (char)('0' + mm / 10);
    *p++ = (char)('0' + mm % 10);
    *p++ = ':';
    *p++ = (char)('0' + ss / 10);
    *p++ = (char)('0' + ss % 10);
    if (t.nsec) {
        char frac[10];
        int32_t v = t.nsec;
        for (int k = 8; k >= 0; k--) {
            frac[k] = (char)('0' + v % 10);
            v /= 10;
        }
        int n = 9;
        while (n > 0 && frac[n - 1] == '0')
            n--;
        *p++ = '.';
        memcpy(p, frac, (size_t)n);
        p += n;
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - buf);
}

int pd_day_parse(const char *field, const char *s, int64_t *day, pd_error *err)
{
    pd_instant t;
    const char *why = NULL;
    size_t len = strlen(s);
    if (len != 10 || pd_instant_parse(s, len, &t, &why) < 0)
        return pd_error_set(err, PD_EINPUT, "%s: expected a date YYYY-MM-DD, got '%.40s'%s%s",
                            field, s, why ? ": " : "", why ? why : "");
    *day = t.sec / 86400; /* a date alone is midnight UTC: an exact multiple */
    return PD_OK;
}
