/* discovery_query.c - see discovery_query.h. */
#include "api/discovery_query.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/creator.h"
#include "core/text.h"
#include "util/num.h"

static const char sort_letters[] = "faen"; /* pd_creator_sort order */
static const char *const sort_names[PD_DQ_SORTS] = {"followers", "avg_views", "engagement",
                                                    "newest"};

/* Each parameter: its name, and how the form labels it (PD_DQ_FORM's
 * messages). */
static const struct field {
    const char *name, *label;
} fields[] = {
    {"category", "Category"},
    {"q", "Text"},
    {"followers_min", "Followers from"},
    {"followers_max", "Followers to"},
    {"avg_views_min", "Average views from"},
    {"avg_views_max", "Average views to"},
    {"engagement_min", "Engagement from"},
    {"engagement_max", "Engagement to"},
    {"certified", "Certified partners only"},
    {"micro", "Micro-creators only"},
    {"mcn", "MCN"},
    {"sort", "Sort"},
    {"after", "Page link"},
    {"limit", "Rows"}, /* last: PD_DQ_API only */
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The parser's state: where values come from and how to say what is wrong. */
typedef struct parser {
    const pd_param_source *src;
    pd_dq_dialect d;
    pd_error *err;
} parser;

const char *pd_param_get(const pd_param_source *src, const char *name)
{
    for (size_t i = 0; i < src->n; i++) {
        const char *n, *v;
        src->at(src->ctx, i, &n, &v);
        if (strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

static const char *label_of(const char *name)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (strcmp(fields[i].name, name) == 0)
            return fields[i].label;
    return name;
}

/* The value of name as this dialect reads it: NULL when absent (in a form
 * also when blank), leading spaces skipped in a form. */
static const char *get(const parser *ps, const char *name)
{
    const char *v = pd_param_get(ps->src, name);
    if (v && ps->d == PD_DQ_FORM) {
        while (*v == ' ')
            v++;
        if (!*v)
            return NULL;
    }
    return v;
}

/* The length of v to parse as a number: a form's trailing spaces left out. */
static size_t num_len(const parser *ps, const char *v)
{
    size_t n = strlen(v);
    if (ps->d == PD_DQ_FORM)
        while (n > 0 && v[n - 1] == ' ')
            n--;
    return n;
}

static int bad_param(const parser *ps, const char *name, const char *why, const char *value)
{
    if (ps->d == PD_DQ_FORM)
        return pd_error_set(ps->err, PD_EINPUT, "%s: %s (got '%.40s')", label_of(name), why, value);
    return pd_error_set(ps->err, PD_EINPUT, "query parameter %s: %s (got '%.40s')", name, why,
                        value);
}

/* A count parameter: a whole number 0..PD_COUNT_MAX. *given (if not
 * NULL) tells whether it was there. */
static int param_count(const parser *ps, const char *name, uint64_t *out, int *given)
{
    const char *v = get(ps, name);
    if (given)
        *given = v != NULL;
    if (!v)
        return PD_OK;
    const char *why;
    if (pd_parse_uint(v, num_len(ps, v), PD_COUNT_MAX, out, &why) < 0)
        return bad_param(ps, name, why, v);
    return PD_OK;
}

/* A decimal parameter with at most two decimals, in hundredths. */
static int param_hundredths(const parser *ps, const char *name, uint64_t max, uint64_t *out,
                            int *given)
{
    const char *v = get(ps, name);
    if (given)
        *given = v != NULL;
    if (!v)
        return PD_OK;
    const char *why;
    if (pd_parse_hundredths(v, num_len(ps, v), max, out, &why) < 0)
        return bad_param(ps, name, why, v);
    return PD_OK;
}

/* true|false; in a form also a checkbox's 1. */
static int param_bool(const parser *ps, const char *name, int *out)
{
    const char *v = get(ps, name);
    if (!v)
        return PD_OK;
    if (strcmp(v, "true") == 0 || (ps->d == PD_DQ_FORM && strcmp(v, "1") == 0))
        *out = 1;
    else if (strcmp(v, "false") == 0)
        *out = 0;
    else
        return bad_param(
            ps, name, ps->d == PD_DQ_FORM ? "expected 1, true or false" : "expected true or false",
            v);
    return PD_OK;
}

/* A range: min and max given as numbers in the same unit. max 0 would
 * mean "no bound" to the store, so a given max must be at least 1, and
 * at least min. what: the range as the form names it. */
static int check_range(const parser *ps, const char *what, const char *min_name, uint64_t min,
                       const char *max_name, uint64_t max, int max_given)
{
    if (!max_given)
        return PD_OK;
    if (max == 0)
        return bad_param(ps, max_name,
                         ps->d == PD_DQ_FORM ? "must be above 0 (leave it empty for no upper bound)"
                                             : "must be above 0 (leave it out for no upper bound)",
                         get(ps, max_name));
    if (max < min)
        return ps->d == PD_DQ_FORM
                   ? pd_error_set(ps->err, PD_EINPUT, "%s: the lower bound is above the upper one.",
                                  what)
                   : pd_error_set(ps->err, PD_EINPUT, "query parameter %s: below %s", max_name,
                                  min_name);
    return PD_OK;
}

int pd_params_only(const pd_param_source *src, const char *const *allowed, pd_error *err)
{
    for (size_t i = 0; i < src->n; i++) {
        const char *name, *value;
        src->at(src->ctx, i, &name, &value);
        size_t k = 0;
        while (allowed[k] && strcmp(allowed[k], name) != 0)
            k++;
        if (!allowed[k])
            return pd_error_set(err, PD_EINPUT, "query parameter %.40s: unknown here", name);
        for (size_t j = 0; j < i; j++) {
            const char *other, *ov;
            src->at(src->ctx, j, &other, &ov);
            if (strcmp(other, name) == 0)
                return pd_error_set(err, PD_EINPUT, "query parameter %.40s: given twice", name);
        }
    }
    return PD_OK;
}

/* Refuses parameters the dialect does not know (limit= is the API's only). */
static int only_params(const parser *ps)
{
    const char *allowed[NFIELDS + 1];
    size_t known = ps->d == PD_DQ_API ? NFIELDS : NFIELDS - 1;
    for (size_t k = 0; k < known; k++)
        allowed[k] = fields[k].name;
    allowed[known] = NULL;
    return pd_params_only(ps->src, allowed, ps->err);
}

int pd_cursor_int(const char **p, char stop, int64_t min, int64_t *out)
{
    const char *s = *p;
    int neg = *s == '-';
    if (neg)
        s++;
    const char *end = s;
    while (*end >= '0' && *end <= '9')
        end++;
    if (end == s || *end != stop)
        return -1;
    uint64_t v;
    const char *why;
    if (pd_parse_uint(s, (size_t)(end - s), (uint64_t)INT64_MAX, &v, &why) < 0)
        return -1;
    int64_t x = neg ? -(int64_t)v : (int64_t)v;
    if (x < min)
        return -1;
    *out = x;
    *p = stop ? end + 1 : end;
    return 0;
}

/* after=: the cursor of the page before, for the same sort. */
static int param_after(const parser *ps, pd_creator_query *q)
{
    const char *v = pd_param_get(ps->src, "after");
    if (!v || (ps->d == PD_DQ_FORM && !*v))
        return PD_OK;
    const char *p = v + 1;
    int other_sort = v[0] != sort_letters[q->sort];
    if (other_sort || pd_cursor_int(&p, '.', INT64_MIN + 1, &q->after_key) < 0 ||
        pd_cursor_int(&p, '\0', 1, &q->after_id) < 0) {
        if (ps->d == PD_DQ_FORM)
            return pd_error_set(ps->err, PD_EINPUT,
                                "This page link is broken or belongs to another sort order: "
                                "start again from the first page.");
        const char *at = other_sort && *v ? strchr(sort_letters, v[0]) : NULL;
        return bad_param(ps, "after",
                         at ? "a cursor of another sort (give the same sort as the page "
                              "it came from)"
                            : "not a cursor from a previous page's next",
                         v);
    }
    q->has_after = 1;
    return PD_OK;
}

/* limit= (API): as pd_req_query_int words it. */
static int param_limit(const parser *ps, unsigned *out)
{
    const char *v = pd_param_get(ps->src, "limit");
    if (!v) {
        *out = PD_DQ_LIMIT_DEFAULT;
        return PD_OK;
    }
    const char *s = v[0] == '-' ? v + 1 : v;
    uint64_t x;
    const char *why;
    if (v[0] == '-' || pd_parse_uint(s, strlen(s), PD_DQ_LIMIT_MAX, &x, &why) < 0 || x < 1)
        return pd_error_set(ps->err, PD_EINPUT,
                            "query parameter 'limit': expected a whole number from %d to %d, "
                            "got '%.40s'",
                            1, PD_DQ_LIMIT_MAX, v);
    *out = (unsigned)x;
    return PD_OK;
}

static int param_mcn(const parser *ps, pd_creator_query *q)
{
    const char *v = get(ps, "mcn");
    if (!v)
        return PD_OK;
    uint64_t id;
    const char *why;
    if (strcmp(v, "none") == 0 || (ps->d == PD_DQ_FORM && strcmp(v, "independent") == 0))
        q->mcn_id = -1;
    else if (pd_parse_uint(v, num_len(ps, v), (uint64_t)INT64_MAX, &id, &why) == 0 && id >= 1)
        q->mcn_id = (int64_t)id;
    else
        return bad_param(ps, "mcn",
                         ps->d == PD_DQ_FORM ? "an MCN's number, or independent"
                                             : "expected an MCN id (1 or more) or none",
                         v);
    return PD_OK;
}

int pd_discovery_parse(const pd_param_source *src, pd_dq_dialect d, unsigned form_limit,
                       pd_creator_query *q, pd_error *err)
{
    parser ps = {.src = src, .d = d, .err = err};
    memset(q, 0, sizeof *q);
    int rc = only_params(&ps);
    if (rc)
        return rc;
    const char *v;
    if ((v = get(&ps, "category"))) {
        pd_text_fault f;
        if (pd_text_check(v, strlen(v), PD_CATEGORY_MAX, PD_TEXT_LABEL, &f) < 0)
            return bad_param(&ps, "category", f.why, v);
        q->category = v;
    }
    if ((v = get(&ps, "q"))) {
        if (!*v)
            return bad_param(&ps, "q", "empty (leave it out to match every creator)", v);
        if (strlen(v) > PD_DQ_TEXT_MAX)
            return bad_param(&ps, "q", "longer than 256 bytes", v);
        q->text = v;
    }
    int g_fmax, g_amax, g_emax; /* whether each max was given */
    uint64_t emin = 0, emax = 0;
    if ((rc = param_count(&ps, "followers_min", &q->followers_min, NULL)) ||
        (rc = param_count(&ps, "followers_max", &q->followers_max, &g_fmax)) ||
        (rc = param_hundredths(&ps, "avg_views_min", PD_DECIMAL_MAX_HUNDREDTHS, &q->avg_views_min,
                               NULL)) ||
        (rc = param_hundredths(&ps, "avg_views_max", PD_DECIMAL_MAX_HUNDREDTHS, &q->avg_views_max,
                               &g_amax)) ||
        (rc = param_hundredths(&ps, "engagement_min", 1000000, &emin, NULL)) ||
        (rc = param_hundredths(&ps, "engagement_max", 1000000, &emax, &g_emax)))
        return rc;
    q->engagement_min_bp = (uint32_t)emin;
    q->engagement_max_bp = (uint32_t)emax;
    if ((rc = check_range(&ps, "Followers", "followers_min", q->followers_min, "followers_max",
                          q->followers_max, g_fmax)) ||
        (rc = check_range(&ps, "Average views", "avg_views_min", q->avg_views_min, "avg_views_max",
                          q->avg_views_max, g_amax)) ||
        (rc = check_range(&ps, "Engagement", "engagement_min", emin, "engagement_max", emax,
                          g_emax)))
        return rc;
    if ((rc = param_bool(&ps, "certified", &q->certified_only)) ||
        (rc = param_bool(&ps, "micro", &q->micro_only)) || (rc = param_mcn(&ps, q)))
        return rc;
    q->sort = PD_SORT_FOLLOWERS;
    if ((v = get(&ps, "sort"))) {
        size_t k = 0;
        while (k < PD_DQ_SORTS && strcmp(sort_names[k], v) != 0)
            k++;
        if (k == PD_DQ_SORTS)
            return bad_param(&ps, "sort", "expected followers, avg_views, engagement or newest", v);
        q->sort = (pd_creator_sort)k;
    }
    if (d == PD_DQ_API) {
        if ((rc = param_limit(&ps, &q->limit)))
            return rc;
    } else {
        q->limit = form_limit;
    }
    return param_after(&ps, q);
}

const char *pd_discovery_cursor(pd_creator_sort sort, int64_t key, int64_t id,
                                char buf[PD_DQ_CURSOR_MAX])
{
    snprintf(buf, PD_DQ_CURSOR_MAX, "%c%" PRId64 ".%" PRId64,
             (unsigned)sort < PD_DQ_SORTS ? sort_letters[sort] : '?', key, id);
    return buf;
}

const char *pd_discovery_sort_name(pd_creator_sort s)
{
    return (unsigned)s < PD_DQ_SORTS ? sort_names[s] : NULL;
}

size_t pd_discovery_key(const pd_creator_query *q, char *buf, size_t n)
{
    /* the numbers in a zeroed struct (its padding too), then the category's
     * and the text's bytes, their lengths in the struct */
    struct {
        uint64_t fol_min, fol_max, av_min, av_max;
        int64_t mcn, after_key, after_id;
        uint32_t eng_min, eng_max, limit, cat_len, text_len;
        uint8_t certified, micro, sort, has_after;
    } k;
    memset(&k, 0, sizeof k);
    const char *cat = q->category ? q->category : "", *text = q->text ? q->text : "";
    size_t cat_len = strlen(cat), text_len = strlen(text);
    if (sizeof k + cat_len + text_len > n)
        return 0;
    k.fol_min = q->followers_min;
    k.fol_max = q->followers_max;
    k.av_min = q->avg_views_min;
    k.av_max = q->avg_views_max;
    k.mcn = q->mcn_id;
    k.after_key = q->after_key;
    k.after_id = q->after_id;
    k.eng_min = q->engagement_min_bp;
    k.eng_max = q->engagement_max_bp;
    k.limit = q->limit;
    k.cat_len = (uint32_t)cat_len;
    k.text_len = (uint32_t)text_len;
    k.certified = (uint8_t)q->certified_only;
    k.micro = (uint8_t)q->micro_only;
    k.sort = (uint8_t)q->sort;
    k.has_after = (uint8_t)q->has_after;
    memcpy(buf, &k, sizeof k);
    memcpy(buf + sizeof k, cat, cat_len);
    memcpy(buf + sizeof k + cat_len, text, text_len);
    return sizeof k + cat_len + text_len;
}
