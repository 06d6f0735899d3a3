/* policy.c - see policy.h. */
#include "core/policy.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/json_type.h"
#include "util/num.h"

static const struct rule_info {
    const char *key;
    int decimal;     /* threshold in hundredths */
    int needs_posts; /* fails when the window holds no post */
} rule_info[PD_RULE_COUNT] = {
    [PD_RULE_MIN_FOLLOWERS] = {"min_followers", 0, 0},
    [PD_RULE_MIN_AVG_VIEWS] = {"min_avg_views", 1, 1},
    [PD_RULE_MIN_ORGANIC_PER_SPONSORED] = {"min_organic_per_sponsored", 1, 1},
    [PD_RULE_MIN_SPONSORED] = {"min_sponsored", 0, 1},
    [PD_RULE_MIN_POSTS] = {"min_posts", 0, 1},
    [PD_RULE_MAX_SPONSORED] = {"max_sponsored", 0, 0},
};

const char *pd_rule_key(pd_rule rule)
{
    return (unsigned)rule < PD_RULE_COUNT ? rule_info[rule].key : NULL;
}

int pd_rule_from_key(const char *key, size_t len)
{
    for (int r = 0; r < PD_RULE_COUNT; r++)
        if (strlen(rule_info[r].key) == len && memcmp(rule_info[r].key, key, len) == 0)
            return r;
    return -1;
}

int pd_rule_is_decimal(pd_rule rule)
{
    return (unsigned)rule < PD_RULE_COUNT && rule_info[rule].decimal;
}

int pd_rule_needs_posts(pd_rule rule)
{
    return (unsigned)rule < PD_RULE_COUNT && rule_info[rule].needs_posts;
}

#define BIT(r) (1u << (r))

static const pd_policy preset_v1 = {
    .name = "red-2019-v1",
    .description = "Before the 2019 change: at least 1000 followers.",
    .window_days = 30,
    .rules = BIT(PD_RULE_MIN_FOLLOWERS),
    .threshold = {[PD_RULE_MIN_FOLLOWERS] = 1000},
};

static const pd_policy preset_v2 = {
    .name = "red-2019-v2",
    .description = "The 2019 change: 5000 followers, 10000 average views, "
                   "4 organic posts per sponsored one, 4 sponsored posts in 30 days.",
    .window_days = 30,
    .rules = BIT(PD_RULE_MIN_FOLLOWERS) | BIT(PD_RULE_MIN_AVG_VIEWS) |
             BIT(PD_RULE_MIN_ORGANIC_PER_SPONSORED) | BIT(PD_RULE_MIN_SPONSORED),
    .threshold = {[PD_RULE_MIN_FOLLOWERS] = 5000,
                  [PD_RULE_MIN_AVG_VIEWS] = 10000 * 100,
                  [PD_RULE_MIN_ORGANIC_PER_SPONSORED] = 4 * 100,
                  [PD_RULE_MIN_SPONSORED] = 4},
};

const char *const pd_policy_preset_names[] = {"red-2019-v1", "red-2019-v2", NULL};

const pd_policy *pd_policy_preset(const char *name)
{
    if (strcmp(name, preset_v1.name) == 0)
        return &preset_v1;
    if (strcmp(name, preset_v2.name) == 0)
        return &preset_v2;
    return NULL;
}

/* Largest threshold a rule accepts, in its own unit. */
static uint64_t rule_max(pd_rule r)
{
    return rule_info[r].decimal ? PD_DECIMAL_MAX_HUNDREDTHS : PD_COUNT_MAX;
}

int pd_policy_validate(const pd_policy *p, pd_error *err)
{
    size_t nlen = strnlen(p->name, sizeof p->name);
    if (nlen == 0 || nlen == sizeof p->name)
        return pd_error_set(err, PD_EINPUT, "name: must be 1 to %d characters",
                            PD_POLICY_NAME_MAX - 1);
    for (size_t i = 0; i < nlen; i++) {
        char c = p->name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return pd_error_set(err, PD_EINPUT,
                                "name: '%s' may hold only letters, digits, '-', '_' and '.'",
                                p->name);
    }
    if (p->window_days < 1 || p->window_days > PD_POLICY_WINDOW_MAX)
        return pd_error_set(err, PD_EINPUT, "window_days: %u is out of range 1..%d", p->window_days,
                            PD_POLICY_WINDOW_MAX);
    if ((p->rules & (BIT(PD_RULE_COUNT) - 1)) == 0 || (p->rules >> PD_RULE_COUNT) != 0)
        return pd_error_set(err, PD_EINPUT,
                            "rules: a policy needs at least one rule (it would certify everyone)");
    for (int r = 0; r < PD_RULE_COUNT; r++)
        if ((p->rules & BIT(r)) && p->threshold[r] > rule_max(r))
            return pd_error_set(err, PD_EINPUT, "rules.%s: threshold is too large",
                                rule_info[r].key);
    if ((p->rules & BIT(PD_RULE_MIN_SPONSORED)) && (p->rules & BIT(PD_RULE_MAX_SPONSORED)) &&
        p->threshold[PD_RULE_MIN_SPONSORED] > p->threshold[PD_RULE_MAX_SPONSORED])
        return pd_error_set(err, PD_EINPUT,
                            "rules.min_sponsored: %llu is above rules.max_sponsored %llu: "
                            "no creator could pass",
                            (unsigned long long)p->threshold[PD_RULE_MIN_SPONSORED],
                            (unsigned long long)p->threshold[PD_RULE_MAX_SPONSORED]);
    /* every other combination of thresholds can be met by some creator */
    return PD_OK;
}

/* ---- JSON ------------------------------------------------------------- */

static int parse_threshold(pd_rule r, const json_t *v, uint64_t *out, pd_error *err)
{
    const char *key = rule_info[r].key;
    if (rule_info[r].decimal) {
        double x;
        if (json_is_integer(v)) {
            json_int_t i = json_integer_value(v);
            if (i < 0)
                return pd_error_set(err, PD_EINPUT, "rules.%s: %lld is negative", key,
                                    (long long)i);
            if ((uint64_t)i > rule_max(r) / 100)
                return pd_error_set(err, PD_EINPUT, "rules.%s: %lld is too large", key,
                                    (long long)i);
            *out = (uint64_t)i * 100;
            return PD_OK;
        }
        if (!json_is_real(v))
            return pd_error_set(err, PD_EINPUT, "rules.%s: expected a number, got %s", key,
                                pd_json_type_name(v));
        x = json_real_value(v);
        if (x < 0)
            return pd_error_set(err, PD_EINPUT, "rules.%s: %g is negative", key, x);
        if (!(x <= (double)(rule_max(r) / 100)))
            return pd_error_set(err, PD_EINPUT, "rules.%s: %g is too large", key, x);
        /* x has at most two decimals when the nearest double to rh / 100 is x
         * itself: 2.55 passes, 10000.001 does not. */
        double rh = round(x * 100.0);
        if (rh / 100.0 != x)
            return pd_error_set(err, PD_EINPUT, "rules.%s: %.17g has more than two decimals", key,
                                x);
        *out = (uint64_t)rh;
        return PD_OK;
    }
    if (!json_is_integer(v))
        return pd_error_set(err, PD_EINPUT, "rules.%s: expected a whole number, got %s", key,
                            pd_json_type_name(v));
    json_int_t i = json_integer_value(v);
    if (i < 0)
        return pd_error_set(err, PD_EINPUT, "rules.%s: %lld is negative", key, (long long)i);
    if ((uint64_t)i > PD_COUNT_MAX)
        return pd_error_set(err, PD_EINPUT, "rules.%s: %lld is too large", key, (long long)i);
    *out = (uint64_t)i;
    return PD_OK;
}

static int copy_string(const json_t *v, const char *field, char *dst, size_t cap, pd_error *err)
{
    if (!json_is_string(v))
        return pd_error_set(err, PD_EINPUT, "%s: expected a string, got %s", field,
                            pd_json_type_name(v));
    size_t n = json_string_length(v);
    if (n >= cap)
        return pd_error_set(err, PD_EINPUT, "%s: longer than %zu characters", field, cap - 1);
    if (memchr(json_string_value(v), '\0', n))
        return pd_error_set(err, PD_EINPUT, "%s: contains a NUL character", field);
    memcpy(dst, json_string_value(v), n + 1);
    return PD_OK;
}

int pd_policy_parse_json(const char *text, size_t len, pd_policy *out, pd_error *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return pd_error_set(err, PD_EINPUT, "line %d, column %d: %s", jerr.line, jerr.column,
                            jerr.text);
    int rc = PD_OK;
    pd_policy p;
    memset(&p, 0, sizeof p);
    int have_name = 0, have_window = 0, have_rules = 0;
    const char *key;
    json_t *v;

    if (!json_is_object(root)) {
        rc =
            pd_error_set(err, PD_EINPUT, "expected a JSON object, got %s", pd_json_type_name(root));
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "name") == 0) {
            if ((rc = copy_string(v, "name", p.name, sizeof p.name, err)))
                goto out;
            have_name = 1;
        } else if (strcmp(key, "description") == 0) {
            if ((rc = copy_string(v, "description", p.description, sizeof p.description, err)))
                goto out;
        } else if (strcmp(key, "window_days") == 0) {
            if (!json_is_integer(v)) {
                rc = pd_error_set(err, PD_EINPUT, "window_days: expected a whole number, got %s",
                                  pd_json_type_name(v));
                goto out;
            }
            json_int_t w = json_integer_value(v);
            if (w < 1 || w > PD_POLICY_WINDOW_MAX) {
                rc = pd_error_set(err, PD_EINPUT, "window_days: %lld is out of range 1..%d",
                                  (long long)w, PD_POLICY_WINDOW_MAX);
                goto out;
            }
            p.window_days = (uint32_t)w;
            have_window = 1;
        } else if (strcmp(key, "rules") == 0) {
            if (!json_is_object(v)) {
                rc = pd_error_set(err, PD_EINPUT, "rules: expected an object, got %s",
                                  pd_json_type_name(v));
                goto out;
            }
            const char *rkey;
            json_t *rv;
            json_object_foreach(v, rkey, rv)
            {
                int r = pd_rule_from_key(rkey, strlen(rkey));
                if (r < 0) {
                    char known[256];
                    size_t n = 0;
                    for (int k = 0; k < PD_RULE_COUNT; k++)
                        n += (size_t)snprintf(known + n, sizeof known - n, "%s%s", k ? ", " : "",
                                              rule_info[k].key);
                    rc = pd_error_set(err, PD_EINPUT, "rules.%s: unknown rule (known: %s)", rkey,
                                      known);
                    goto out;
                }
                if ((rc = parse_threshold((pd_rule)r, rv, &p.threshold[r], err)))
                    goto out;
                p.rules |= BIT(r);
            }
            have_rules = 1;
        } else {
            rc = pd_error_set(err, PD_EINPUT,
                              "%s: unknown field (known: name, description, window_days, rules)",
                              key);
            goto out;
        }
    }
    if (!have_name)
        rc = pd_error_set(err, PD_EINPUT, "name: missing");
    else if (!have_window)
        rc = pd_error_set(err, PD_EINPUT, "window_days: missing");
    else if (!have_rules)
        rc = pd_error_set(err, PD_EINPUT, "rules: missing");
    else
        rc = pd_policy_validate(&p, err);
    if (rc == PD_OK)
        *out = p;
out:
    json_decref(root);
    return rc;
}

size_t pd_rule_format_threshold(pd_rule rule, uint64_t t, char *buf)
{
    size_t n;
    if (!pd_rule_is_decimal(rule)) {
        n = pd_fmt_u64(t, buf);
    } else {
        n = pd_fmt_u64(t / 100, buf);
        if (t % 100) {
            buf[n++] = '.';
            buf[n++] = (char)('0' + t % 100 / 10);
            if (t % 10)
                buf[n++] = (char)('0' + t % 10);
        }
    }
    buf[n] = '\0';
    return n;
}

/* A bounded appender that keeps counting past the end, so that callers learn
 * the length they needed. */
struct sink {
    char *buf;
    size_t cap, len;
};

static void sink_printf(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sink_printf(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = s->len < s->cap ? s->cap - s->len : 0;
    int n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->len += (size_t)n;
}

static void json_escape_into(struct sink *s, const char *str)
{
    sink_printf(s, "\"");
    for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
        if (*c == '"' || *c == '\\')
            sink_printf(s, "\\%c", *c);
        else if (*c < 0x20)
            sink_printf(s, "\\u%04x", *c);
        else
            sink_printf(s, "%c", *c);
    }
    sink_printf(s, "\"");
}

size_t pd_policy_to_json(const pd_policy *p, char *buf, size_t cap)
{
    struct sink s = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    sink_printf(&s, "{\n  \"name\": ");
    json_escape_into(&s, p->name);
    if (p->description[0]) {
        sink_printf(&s, ",\n  \"description\": ");
        json_escape_into(&s, p->description);
    }
    sink_printf(&s, ",\n  \"window_days\": %u,\n  \"rules\": {", p->window_days);
    int first = 1;
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        if (!(p->rules & BIT(r)))
            continue;
        char t[32];
        pd_rule_format_threshold((pd_rule)r, p->threshold[r], t);
        sink_printf(&s, "%s\n    \"%s\": %s", first ? "" : ",", rule_info[r].key, t);
        first = 0;
    }
    sink_printf(&s, "\n  }\n}\n");
    return s.len;
}

/* ---- evaluation ------------------------------------------------------- */

static int rule_fails(const pd_policy *p, pd_rule r, uint64_t followers, const pd_window_stats *s)
{
    uint64_t t = p->threshold[r];
    if (rule_info[r].needs_posts && s->posts == 0)
        return 1;
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: return followers < t;
    case PD_RULE_MIN_AVG_VIEWS: /* views / posts >= t / 100, exactly */
        return (unsigned __int128)s->views * 100 < (unsigned __int128)t * s->posts;
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED: /* organic >= t / 100 * sponsored */
        return (unsigned __int128)(s->posts - s->sponsored) * 100 <
               (unsigned __int128)t * s->sponsored;
    case PD_RULE_MIN_SPONSORED: return s->sponsored < t;
    case PD_RULE_MIN_POSTS: return s->posts < t;
    case PD_RULE_MAX_SPONSORED: return s->sponsored > t;
    case PD_RULE_COUNT: break;
    }
    return 1;
}

uint32_t pd_policy_failures(const pd_policy *p, uint64_t followers, const pd_window_stats *s)
{
    uint32_t failed = 0;
    for (uint32_t m = p->rules; m; m &= m - 1) {
        int r = __builtin_ctz(m);
        if (rule_fails(p, (pd_rule)r, followers, s))
            failed |= BIT(r);
    }
    return failed;
}

size_t pd_policy_explain(const pd_policy *p, uint32_t failed, uint64_t followers,
                         const pd_window_stats *s, char *buf, size_t cap)
{
    struct sink out = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    const char *sep = "";
    for (uint32_t m = failed & p->rules; m; m &= m - 1) {
        pd_rule r = (pd_rule)__builtin_ctz(m);
        char t[32], v[32];
        pd_rule_format_threshold(r, p->threshold[r], t);
        switch (r) {
        case PD_RULE_MIN_FOLLOWERS:
            sink_printf(&out, "%sfollowers %llu < %s", sep, (unsigned long long)followers, t);
            break;
        case PD_RULE_MIN_AVG_VIEWS:
            v[pd_fmt_hundredths(pd_avg_hundredths(s->views, s->posts), v)] = '\0';
            sink_printf(&out, "%savg_views %s < %s", sep, v, t);
            break;
        case PD_RULE_MIN_ORGANIC_PER_SPONSORED:
            sink_printf(&out, "%sorganic %u < %s x sponsored %u", sep, s->posts - s->sponsored, t,
                        s->sponsored);
            break;
        case PD_RULE_MIN_SPONSORED:
            sink_printf(&out, "%ssponsored %u < %s", sep, s->sponsored, t);
            break;
        case PD_RULE_MIN_POSTS: sink_printf(&out, "%sposts %u < %s", sep, s->posts, t); break;
        case PD_RULE_MAX_SPONSORED:
            sink_printf(&out, "%ssponsored %u > %s", sep, s->sponsored, t);
            break;
        case PD_RULE_COUNT: break;
        }
        if (rule_info[r].needs_posts && s->posts == 0)
            sink_printf(&out, " (no posts in the %u-day window)", p->window_days);
        sep = "; ";
    }
    return out.len;
}
