/*
 * instant.h - ISO-8601 instants as the certification spec reads them.
 *
 * An instant is seconds since 1970-01-01T00:00:00Z plus nanoseconds. Accepted
 * are exactly the spellings of the certification contract (its "Input
 * files"): "2019-05-14T08:30:00Z"; the same with an offset ("+08:00",
 * "-05:30": sign, two digits, a colon, two digits) instead of "Z"; either
 * with fractional seconds after a '.' (one digit or more; up to 9 are kept,
 * more are read and dropped); and a date alone ("2019-05-14", that day at
 * 00:00:00Z). Everything else is refused with a reason: a lowercase 't' or
 * 'z', a space for 'T', a time without seconds, a second 60 (a leap second
 * names no POSIX instant), "+0800" or "+08", a ',' before the fraction, a
 * time without a zone (it names no instant), and an instant outside the
 * years 0000 to 9999 in UTC.
 * Pure functions, no allocation.
 */
#ifndef PD_INSTANT_H
#define PD_INSTANT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef struct pd_instant {
    int64_t sec;  /* seconds since the epoch, UTC */
    int32_t nsec; /* 0 .. 999,999,999 */
} pd_instant;

/* Parses s[0..len). On success stores the instant and returns 0. On failure
 * returns -1 and, if why is not NULL, points it at a static sentence saying
 * what is wrong ("month out of range"). */
int pd_instant_parse(const char *s, size_t len, pd_instant *out, const char **why);

/* The days an instant may fall on (the years 0000 to 9999), as days since
 * 1970-01-01: 0000-01-01 and 9999-12-31. */
#define PD_DAY_MIN (-719528)
#define PD_DAY_MAX 2932896

/* Days since 1970-01-01 of a proleptic Gregorian date (valid input assumed). */
int64_t pd_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The inverse of pd_days_from_civil. */
void pd_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* -1, 0 or 1 as a is before, equal to or after b. */
static inline int pd_instant_cmp(pd_instant a, pd_instant b)
{
    if (a.sec != b.sec)
        return a.sec < b.sec ? -1 : 1;
    if (a.nsec != b.nsec)
        return a.nsec < b.nsec ? -1 : 1;
    return 0;
}

/* Adds whole seconds (may be negative). */
static inline pd_instant pd_instant_add(pd_instant t, int64_t seconds)
{
    t.sec += seconds;
    return t;
}

#define PD_INSTANT_FMT_MAX 40

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" (with ".fffffffff" when nsec != 0, the
 * trailing zeros trimmed) into buf, which holds PD_INSTANT_FMT_MAX bytes.
 * Returns the length written (without the NUL). */
size_t pd_instant_format(pd_instant t, char *buf);

/* Parses a day written "YYYY-MM-DD" (a date alone, nothing more: an instant
 * with a time and an offset would name a UTC day the user may not mean) into
 * days since 1970-01-01. On failure returns PD_EINPUT with "FIELD: expected a
 * date YYYY-MM-DD, got '...': why"; field names the option or JSON member
 * ("--from", "from"). The one parser of a day for the CLI and the API. */
int pd_day_parse(const char *field, const char *s, int64_t *day, pd_error *err);

#endif
