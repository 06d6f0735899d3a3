/*
 * discovery_query.h - the one reader of a discovery query: the filters,
 * sort, page size and cursor of GET /api/creators (api/creators.c) and of
 * the discovery page's form (pages/discover.c), into a pd_creator_query;
 * the cursor's spelling; and the query's key in the page cache.
 *
 * Two dialects of the same parameters, one parser:
 *   PD_DQ_API   the JSON API: every value counts as given ("" is an error),
 *               certified/micro are true|false, mcn is an id or none,
 *               limit= is read (1..PD_DQ_LIMIT_MAX); messages name the
 *               parameter ("query parameter followers_min: ...").
 *   PD_DQ_FORM  the page's form, which sends every field: blank fields are
 *               left out and leading spaces (and a number's trailing ones)
 *               ignored; certified/micro are checkboxes (1, or true|false);
 *               mcn may also say "independent"; the limit is the caller's
 *               (limit= is unknown); messages name the field as the form
 *               labels it ("Followers from: ...").
 * Both refuse unknown and repeated parameters. Numbers and ranges follow
 * the same rules: counts 0..PD_COUNT_MAX, views and engagement with at
 * most two decimals, a given upper bound at least 1 and not below the
 * lower one.
 *
 * The parameters come through pd_param_source (a count and a reader by
 * index), so nothing here knows the HTTP request. A parsed query borrows
 * the source's strings (category, text): they must outlive it.
 */
#ifndef PD_API_DISCOVERY_QUERY_H
#define PD_API_DISCOVERY_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

typedef enum pd_dq_dialect { PD_DQ_API, PD_DQ_FORM } pd_dq_dialect;

/* The query's parameters: n of them, the i-th read by at(ctx, i, ...). */
typedef struct pd_param_source {
    size_t n;
    void (*at)(const void *ctx, size_t i, const char **name, const char **value);
    const void *ctx;
} pd_param_source;

#define PD_DQ_TEXT_MAX 256     /* bytes of the q= search text           */
#define PD_DQ_CURSOR_MAX 48    /* a cursor with its NUL                 */
#define PD_DQ_KEY_MAX 1024     /* room for any page-cache key           */
#define PD_DQ_SORTS 4          /* pd_creator_sort values                */
#define PD_DQ_LIMIT_DEFAULT 20 /* rows when limit= is not given (API)   */
#define PD_DQ_LIMIT_MAX 100    /* and at most                           */

/* The value of parameter `name` (the first if repeated), or NULL. */
const char *pd_param_get(const pd_param_source *src, const char *name);

/* Refuses a parameter not in allowed (NULL-terminated names): a misspelt
 * filter would silently widen a search; and a repeated one. PD_EINPUT
 * "query parameter NAME: unknown here" / ": given twice". */
int pd_params_only(const pd_param_source *src, const char *const *allowed, pd_error *err);

/* Parses "[-]<digits>" at *p up to the character stop (consumed; '\0' for
 * the end), at least min, into *out, and advances *p; -1 when it is not
 * that. For the cursors of pages ("f5000.17", a post's "sec.nsec.id"). */
int pd_cursor_int(const char **p, char stop, int64_t min, int64_t *out);

/* Reads src into *q (zeroed first). In PD_DQ_FORM, form_limit is q->limit;
 * in PD_DQ_API limit= gives it (1..PD_DQ_LIMIT_MAX, default
 * PD_DQ_LIMIT_DEFAULT).
 * PD_EINPUT with a message naming the parameter or field. */
int pd_discovery_parse(const pd_param_source *src, pd_dq_dialect d, unsigned form_limit,
                       pd_creator_query *q, pd_error *err);

/* The cursor of the page after the row (key, id) in sort order:
 * "<sort letter><key>.<id>" ("f5000.17"); the sort letter makes a cursor
 * given with another sort an error, not a wrong page. Returns buf. */
const char *pd_discovery_cursor(pd_creator_sort sort, int64_t key, int64_t id,
                                char buf[PD_DQ_CURSOR_MAX]);

/* The sort's name in a query ("followers", "avg_views", "engagement",
 * "newest"), static storage; NULL out of range. */
const char *pd_discovery_sort_name(pd_creator_sort s);

/* Every field of q in one spelling, the key of its page in the page
 * cache, into buf (n bytes): 0 when it does not fit (the page is then not
 * kept). */
size_t pd_discovery_key(const pd_creator_query *q, char *buf, size_t n);

#endif
