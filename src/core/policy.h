/*
 * policy.h - certification policies: what they say, how they judge a creator,
 * and how a verdict is explained.
 *
 * A policy is a name, a window in days and a set of rules, each with a
 * threshold. It is a plain value (no pointers inside): copy it, compare it,
 * keep it in an array. Evaluation is pure and allocation-free, so it runs in
 * the batch engine's hot loop and inside the server alike.
 *
 * Thresholds are integers: counts for count rules, hundredths for the two
 * rules that allow two decimals (min_avg_views, min_organic_per_sponsored).
 * The JSON file format is described in docs/policies.md.
 */
#ifndef PD_POLICY_H
#define PD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

typedef enum pd_rule {
    PD_RULE_MIN_FOLLOWERS = 0,         /* followers >= t                          */
    PD_RULE_MIN_AVG_VIEWS,             /* views / posts >= t/100 (needs posts)    */
    PD_RULE_MIN_ORGANIC_PER_SPONSORED, /* organic >= t/100 * sponsored (needs posts) */
    PD_RULE_MIN_SPONSORED,             /* sponsored >= t (needs posts)            */
    PD_RULE_MIN_POSTS,                 /* posts >= t (needs posts)                */
    PD_RULE_MAX_SPONSORED,             /* sponsored <= t                          */
    PD_RULE_COUNT
} pd_rule;

#define PD_POLICY_NAME_MAX 64
#define PD_POLICY_DESC_MAX 256
#define PD_POLICY_WINDOW_MAX 3660 /* days: ten years and change */
/* Largest threshold of a decimal rule, in hundredths (10^13 units): below
 * 2^53, so every threshold survives a trip through a JSON number exactly. */
#define PD_DECIMAL_MAX_HUNDREDTHS 1000000000000000ULL

typedef struct pd_policy {
    char name[PD_POLICY_NAME_MAX];
    char description[PD_POLICY_DESC_MAX];
    uint32_t window_days;
    uint32_t rules;                    /* bit (1u << rule) set when it applies */
    uint64_t threshold[PD_RULE_COUNT]; /* see the unit of each rule above */
} pd_policy;

/* What the window of one creator holds: the inputs every rule reads. */
typedef struct pd_window_stats {
    uint32_t posts;     /* posts in the window                    */
    uint32_t sponsored; /* sponsored posts in the window           */
    uint64_t views;     /* total views of the posts in the window  */
} pd_window_stats;

/* The rule's key in policy files and on the command line ("min_followers"),
 * or NULL for an out-of-range value. Static storage. */
const char *pd_rule_key(pd_rule rule);

/* The rule named by key[0..len), or -1. */
int pd_rule_from_key(const char *key, size_t len);

/* 1 when the rule's threshold is in hundredths, 0 when it is a count. */
int pd_rule_is_decimal(pd_rule rule);

/* 1 when the rule fails for a window without posts (every rule but
 * min_followers and max_sponsored), 0 otherwise. */
int pd_rule_needs_posts(pd_rule rule);

/* The built-in presets, "red-2019-v1" and "red-2019-v2", or NULL. The
 * returned policy is static and must not be changed: copy it first. */
const pd_policy *pd_policy_preset(const char *name);

/* Names of the presets, NULL-terminated. Static storage. */
extern const char *const pd_policy_preset_names[];

/* Parses a policy from JSON text (see docs/policies.md). Refuses unknown
 * fields, wrong types, duplicate keys and impossible thresholds with a message
 * naming the field. Returns PD_OK or PD_EINPUT. */
int pd_policy_parse_json(const char *text, size_t len, pd_policy *out, pd_error *err);

/* Checks the invariants a valid policy keeps (a name, a window in range, at
 * least one rule, thresholds in range, min_sponsored <= max_sponsored).
 * Returns PD_OK or PD_EINPUT naming the field. */
int pd_policy_validate(const pd_policy *p, pd_error *err);

/* Writes the policy as pretty JSON in the file format into buf (cap bytes,
 * NUL-terminated, truncated if short). Returns the length it needed. */
size_t pd_policy_to_json(const pd_policy *p, char *buf, size_t cap);

/* The rules of p that fail for a creator with these followers and window
 * statistics, as a bit mask (0: certified). A creator without posts in the
 * window fails every rule that needs posts. */
uint32_t pd_policy_failures(const pd_policy *p, uint64_t followers, const pd_window_stats *s);

/* Explains every failed rule in `failed` as "value < threshold" phrases
 * joined by "; " (e.g. "followers 3120 < 5000; avg_views 7321.50 < 10000")
 * into buf (cap bytes, NUL-terminated, truncated if short). Returns the
 * length it needed. An empty string when failed == 0. */
size_t pd_policy_explain(const pd_policy *p, uint32_t failed, uint64_t followers,
                         const pd_window_stats *s, char *buf, size_t cap);

/* Formats a threshold of `rule` as the user wrote it: "5000", "2.5". buf holds
 * at least 32 bytes; returns the length (NUL-terminated). */
size_t pd_rule_format_threshold(pd_rule rule, uint64_t t, char *buf);

#endif
