/* discover.c - GET /discover: search creators with the filters of a form,
 * read by the one reader of discovery queries (api/discovery_query.h, the
 * form's dialect), through app/views.h; template discover.html. */
#include <inttypes.h>
#include <string.h>

#include "api/discovery_query.h"
#include "api/show.h"
#include "app/views.h"
#include "pages/page.h"

#define PAGE_ROWS 25 /* creators on one discovery page */

static const struct {
    pd_creator_sort sort;
    const char *label;
} sorts[] = {
    {PD_SORT_FOLLOWERS, "Most followers"},
    {PD_SORT_AVG_VIEWS, "Highest average views"},
    {PD_SORT_ENGAGEMENT, "Highest engagement"},
    {PD_SORT_NEWEST, "Newest"},
};

/* The form's fields, kept as typed for the form and the paging links. */
static const char *const form_fields[] = {
    "q",
    "category",
    "followers_min",
    "followers_max",
    "avg_views_min",
    "avg_views_max",
    "engagement_min",
    "engagement_max",
    "mcn",
    "sort",
};

static void query_at(const void *req, size_t i, const char **name, const char **value)
{
    pd_req_query_at(req, i, name, value);
}

typedef struct hits {
    pd_creator_hit *rows;
    size_t n, cap;
} hits;

static int collect_hit(void *ctx, const pd_creator_hit *h)
{
    hits *hs = ctx;
    if (hs->n < hs->cap)
        hs->rows[hs->n++] = *h;
    return 0;
}

/* The form's fields that are filled in, as a query string (escaped by the
 * template when written in a link). */
static void form_qs(pd_req *req, pd_buf *b)
{
    for (size_t i = 0; i < sizeof form_fields / sizeof form_fields[0]; i++) {
        const char *v = pd_req_query(req, form_fields[i]);
        while (v && *v == ' ')
            v++;
        if (v && *v)
            pd_page_qs_add(b, form_fields[i], v);
    }
    if (pd_req_query(req, "certified") && *pd_req_query(req, "certified"))
        pd_page_qs_add(b, "certified", "1");
    if (pd_req_query(req, "micro") && *pd_req_query(req, "micro"))
        pd_page_qs_add(b, "micro", "1");
}

static void form_values(pd_req *req, pd_tpl_scope *s, const pd_creator_query *q, int parsed)
{
    static const char *const keys[] = {
        "f_q",
        "f_category",
        "f_followers_min",
        "f_followers_max",
        "f_avg_views_min",
        "f_avg_views_max",
        "f_engagement_min",
        "f_engagement_max",
        "f_mcn",
        "f_sort",
    };
    for (size_t i = 0; i < sizeof form_fields / sizeof form_fields[0]; i++) {
        const char *v = pd_req_query(req, form_fields[i]);
        pd_tpl_set(s, keys[i], v ? v : "");
    }
    const char *sort = pd_req_query(req, "sort");
    for (size_t k = 0; k < sizeof sorts / sizeof sorts[0]; k++) {
        pd_tpl_scope *o = pd_tpl_add(s, "sorts");
        const char *key = pd_discovery_sort_name(sorts[k].sort);
        pd_tpl_set(o, "key", key);
        pd_tpl_set(o, "label", sorts[k].label);
        pd_tpl_set_flag(o, "selected", sort && *sort ? strcmp(sort, key) == 0 : k == 0);
    }
    const char *c = pd_req_query(req, "certified"), *m = pd_req_query(req, "micro");
    pd_tpl_set_flag(s, "certified", parsed ? q->certified_only : c && *c);
    pd_tpl_set_flag(s, "micro", parsed ? q->micro_only : m && *m);
}

static void result_rows(pd_req *req, pd_tpl_scope *s, const hits *hs, size_t shown)
{
    pd_tpl_list(s, "rows");
    for (size_t i = 0; i < shown; i++) {
        const pd_creator_hit *h = &hs->rows[i];
        pd_tpl_scope *r = pd_tpl_add(s, "rows");
        char n[PD_SHOW_MAX];
        pd_tpl_setf(r, "id", "%" PRId64, h->c.id);
        pd_tpl_set(r, "handle", h->c.handle);
        pd_tpl_set(r, "category", h->c.category);
        pd_tpl_setf(r, "followers_exact", "%" PRIu64, h->c.followers);
        pd_tpl_set(r, "followers", pd_show_count(h->c.followers, n));
        pd_tpl_set(r, "avg_views", pd_show_views(h->st.avg_views, n));
        pd_tpl_set(r, "engagement", pd_show_percent(h->st.engagement_bp, n));
        pd_tpl_set_flag(r, "certified", h->st.certified);
        int link = h->c.mcn_id && pd_access_mcn(pd_req_user(req), h->c.mcn_id);
        pd_tpl_setf(r, "mcn_id", "%" PRId64, h->c.mcn_id);
        pd_tpl_set_flag(r, "mcn_link", link);
        pd_tpl_set_flag(r, "mcn_plain", h->c.mcn_id && !link);
        pd_tpl_set_flag(r, "independent", !h->c.mcn_id);
    }
}

int pd_page_discover(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    pd_param_source src = {.n = pd_req_query_count(req), .at = query_at, .ctx = req};
    pd_creator_query q;
    pd_error e = {0};
    int rc = pd_discovery_parse(&src, PD_DQ_FORM, PAGE_ROWS + 1, &q, &e);
    /* one row more than shown tells whether there is a next page */
    hits hs = {.rows = pd_req_alloc(req, (PAGE_ROWS + 1) * sizeof(pd_creator_hit)),
               .cap = PAGE_ROWS + 1};
    if (!hs.rows)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    if (rc == PD_OK)
        rc = pd_app_discover(pg->store, &q, collect_hit, &hs, &e);
    if (rc && rc != PD_EINPUT)
        return pd_page_error(req, &e, err);

    pd_tpl_data *d = pd_tpl_data_new();
    if (!d)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_tpl_scope *s = pd_tpl_top(d);
    form_values(req, s, &q, rc == PD_OK);
    pd_tpl_list(s, "searched");
    if (rc) {
        pd_flash flash = {.kind = "error", .text = e.msg};
        return pd_page(req, 400, "Discover creators", "discover", &flash, "discover.html", d, NULL,
                       err);
    }
    pd_tpl_scope *r = pd_tpl_add(s, "searched");
    size_t shown = hs.n > PAGE_ROWS ? PAGE_ROWS : hs.n;
    char nn[PD_SHOW_NOUN_MAX];
    result_rows(req, r, &hs, shown);
    pd_tpl_set_flag(r, "any", shown > 0);
    pd_tpl_set_flag(r, "more", q.has_after);
    pd_tpl_set(r, "shown", pd_show_noun(shown, "creator", "creators", nn));
    pd_buf link;
    pd_buf_init(&link, 8192);
    if (q.has_after)
        form_qs(req, &link);
    pd_page_set_buf(r, "first_qs", &link);
    pd_buf_init(&link, 8192);
    if (hs.n > PAGE_ROWS) {
        const pd_creator_hit *last = &hs.rows[PAGE_ROWS - 1];
        char cursor[PD_DQ_CURSOR_MAX];
        form_qs(req, &link);
        pd_page_qs_add(&link, "after", pd_discovery_cursor(q.sort, last->key, last->c.id, cursor));
    }
    pd_tpl_set_flag(r, "has_next", hs.n > PAGE_ROWS);
    pd_page_set_buf(r, "next_qs", &link);
    return pd_page(req, 200, "Discover creators", "discover", NULL, "discover.html", d, NULL, err);
}
