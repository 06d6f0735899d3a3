/*
 * show.h - numbers, rules and advice as the web pages show them to people.
 *
 * One place decides how a number reads on every page: counts with
 * thousands separators ("17,000"), decimals without trailing zeros
 * ("2.5", "10,000"), average views as whole views ("2,488"), engagement
 * with one decimal ("11.8%"), nouns that agree with their count ("1
 * post", "2 posts"); and how a failed rule is explained: its label, the
 * value now, what is needed, and what to change. The JSON API keeps exact
 * numbers (hundredths, counts); only its "change" sentences come from here.
 *
 * Writers of a number fill a caller buffer and return it, so that a call can
 * stand in a printf argument list; the longest number fits PD_SHOW_MAX.
 * Writers of sentences append to a pd_buf. Nothing here writes a character
 * HTML would need escaped (& < > " '), except pd_show_digits, which copies
 * its text: escape that. No I/O, no globals.
 */
#ifndef PD_HTTP_SHOW_H
#define PD_HTTP_SHOW_H

#include <stdint.h>

#include "core/policy.h"
#include "util/buf.h"

#define PD_SHOW_MAX 32      /* a number as shown, with its NUL (27 at most) */
#define PD_SHOW_NOUN_MAX 96 /* a count and its noun, with the NUL       */

/* 1234567 -> "1,234,567". */
const char *pd_show_count(uint64_t v, char buf[PD_SHOW_MAX]);

/* Hundredths as a decimal with only the decimals it needs, and separators:
 * 250 -> "2.5", 1000000 -> "10,000", 732125 -> "7,321.25". For thresholds. */
const char *pd_show_decimal(uint64_t hundredths, char buf[PD_SHOW_MAX]);

/* Average views (in hundredths) as whole views, rounded down, so that an
 * average below a threshold never reads as the threshold: 248875 -> "2,488". */
const char *pd_show_views(uint64_t hundredths, char buf[PD_SHOW_MAX]);

/* An engagement rate in basis points (1/10000) as a percentage with one
 * decimal, rounded half up: 1176 -> "11.8%", 0 -> "0.0%". */
const char *pd_show_percent(uint32_t bp, char buf[PD_SHOW_MAX]);

/* A count and its noun: (1, "post", "posts") -> "1 post", 2000 -> "2,000
 * posts". Nouns longer than the buffer allows are cut. */
const char *pd_show_noun(uint64_t n, const char *one, const char *many, char buf[PD_SHOW_NOUN_MAX]);

/* A day (days since 1970-01-01, UTC) as "2019-06-03". */
const char *pd_show_day(int64_t day, char buf[16]);

/* A rule's threshold as written in a policy, with separators: "5,000", "2.5". */
const char *pd_show_threshold(pd_rule r, uint64_t t, char buf[PD_SHOW_MAX]);

/* Appends text with separators put into its whole numbers ("followers 4971
 * < 5000" -> "followers 4,971 < 5,000"): for explanations stored as text.
 * Digits touching a letter, '_', '-', ':' or following a '.' (a fraction,
 * an id, a date) are copied as they are. text is copied otherwise unchanged. */
void pd_show_digits(pd_buf *out, const char *text);

/* A rule's name for people: "Followers", "Average views per post", ...
 * Static storage; "?" for a value out of range. */
const char *pd_show_rule_label(pd_rule r);

/* The value a rule reads, as the "Now" of a failed rule: "4,971",
 * "2,488", "3 organic, 2 sponsored", or "no posts in the 30-day window"
 * for a rule that needs posts when there are none. */
void pd_show_rule_value(pd_buf *out, const pd_policy *p, pd_rule r, uint64_t followers,
                        const pd_window_stats *w);

/* What the rule asks, as the "Needed": "5,000", "2.5 per sponsored",
 * "at most 3". */
void pd_show_rule_needed(pd_buf *out, const pd_policy *p, pd_rule r);

/* What to change for rule r of p to hold, one or two sentences: "Gain 29
 * more followers.", "Publish 1 more post within 30 days.". With by (a day
 * as "2019-06-03"; NULL for none) the sentences say what must be done by
 * that day instead (for a creator who will fail on it). The amounts are
 * pd_rule_shortfall's. */
void pd_show_advice(pd_buf *out, const pd_policy *p, pd_rule r, uint64_t followers,
                    const pd_window_stats *w, const char *by);

#endif
