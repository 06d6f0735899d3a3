/* creators.c - the creators and posts routes (see creators.h).
 *
 * Conventions of this file: a handler parses, asks a use case, answers. It
 * never takes a connection or begins a transaction: a write is one use case
 * of app/creators.h or app/import.h (its own transaction, rolled back on
 * any error), so that a refused request changes nothing; a read is a view
 * of app/views.h (discovery in one read, with its kept pages) or a lookup
 * of records on a connection the view lends (pd_app_lookup). Records
 * are large (a creator holds a 1 KiB bio), so they live in request memory
 * (pd_req_alloc), never on a server thread's stack.
 *
 * Cursors ("next" of a page, given back as ?after=) are opaque to clients
 * but plain text to us: "<sort letter><key>.<id>" for discovery (the sort
 * letter makes a cursor of another sort an error, not a wrong page) and
 * "<seconds>.<nanoseconds>.<id>" for a creator's posts. */
#include "api/creators.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/import.h"
#include "core/instant.h"
#include "util/num.h"
#include "core/policy.h"
#include "core/text.h"
#include "api/accounts.h"
#include "api/discovery_query.h"
#include "app/creators.h"
#include "app/online.h"
#include "app/views.h"
#include "http/request.h"
#include "api/verdict.h"
#include "util/jsonw.h"

/* ---- small helpers ---------------------------------------------------------------------- */

static int out_of_memory(pd_error *err)
{
    return pd_error_set(err, PD_ENOMEM, "out of memory");
}

static void *req_zalloc(pd_req *req, size_t n)
{
    void *p = pd_req_alloc(req, n);
    if (p)
        memset(p, 0, n);
    return p;
}

static void write_instant(pd_jsonw *w, const char *key, pd_instant t)
{
    char buf[PD_INSTANT_FMT_MAX];
    pd_instant_format(t, buf);
    pd_jsonw_kstr(w, key, buf);
}

static void write_time(pd_jsonw *w, const char *key, int64_t sec)
{
    write_instant(w, key, (pd_instant){.sec = sec, .nsec = 0});
}

static void write_link(pd_jsonw *w, const char *key, int64_t id)
{
    if (id)
        pd_jsonw_kint(w, key, id);
    else
        pd_jsonw_knull(w, key);
}

/* ---- the JSON of creators and posts -------------------------------------------------------- */

/* The public part of a verdict: what discovery and a profile show. */
static void write_public_status(pd_jsonw *w, const pd_creator_status *st)
{
    pd_jsonw_obj_begin(w);
    pd_jsonw_kbool(w, "certified", st->certified);
    write_link(w, "policy_id", st->policy_id);
    pd_jsonw_kuint(w, "followers", st->followers);
    pd_jsonw_kuint(w, "window_posts", st->win.posts);
    pd_jsonw_khundredths(w, "avg_views", (int64_t)st->avg_views);
    pd_jsonw_khundredths(w, "engagement_rate", (int64_t)st->engagement_bp); /* percent */
    pd_jsonw_obj_end(w);
}

static void write_profile(pd_jsonw *w, const pd_creator_rec *c, const pd_creator_status *st)
{
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", c->id);
    pd_jsonw_kstr(w, "handle", c->handle);
    pd_jsonw_kstr(w, "category", c->category);
    pd_jsonw_kstr(w, "bio", c->bio);
    pd_jsonw_kuint(w, "followers", c->followers);
    write_link(w, "mcn_id", c->mcn_id);
    write_time(w, "created_at", c->created_at);
    write_time(w, "updated_at", c->updated_at);
    pd_jsonw_key(w, "certification");
    write_public_status(w, st);
    pd_jsonw_obj_end(w);
}

static void write_post(pd_jsonw *w, const pd_post_rec *p)
{
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", p->id);
    pd_jsonw_kint(w, "creator_id", p->creator_id);
    write_instant(w, "published_at", p->published_at);
    pd_jsonw_kstr(w, "kind", p->sponsored ? "sponsored" : "organic");
    pd_jsonw_kuint(w, "views", p->views);
    pd_jsonw_kuint(w, "likes", p->likes);
    pd_jsonw_kuint(w, "comments", p->comments);
    pd_jsonw_kuint(w, "collects", p->collects);
    pd_jsonw_obj_end(w);
}

/* A creator's whole verdict: the policy, each failed rule with its value,
 * threshold and explanation, and the window. pol is the policy the verdict
 * is under (NULL when none is in force). */
static void write_verdict_fields(pd_jsonw *w, const pd_creator_status *st, const pd_policy_rec *pol)
{
    pd_jsonw_kbool(w, "certified", st->certified);
    pd_jsonw_key(w, "policy");
    if (pol) {
        pd_verdict_policy(w, pol);
    } else {
        pd_jsonw_null(w);
    }
    pd_jsonw_kuint(w, "followers", st->followers);
    pd_jsonw_key(w, "window");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kuint(w, "posts", st->win.posts);
    pd_jsonw_kuint(w, "sponsored", st->win.sponsored);
    pd_jsonw_kuint(w, "organic", st->win.posts - st->win.sponsored);
    pd_jsonw_kuint(w, "views", st->win.views);
    pd_jsonw_khundredths(w, "avg_views", (int64_t)st->avg_views);
    pd_jsonw_kuint(w, "engagements", st->engagements);
    pd_jsonw_khundredths(w, "engagement_rate", (int64_t)st->engagement_bp);
    pd_jsonw_obj_end(w);
    char text[PD_EXPLAIN_MAX];
    text[0] = '\0';
    pd_jsonw_key(w, "failed");
    pd_jsonw_arr_begin(w);
    if (pol) {
        uint32_t failed = st->failed & pol->policy.rules;
        for (uint32_t m = failed; m; m &= m - 1) {
            pd_rule r = (pd_rule)__builtin_ctz(m);
            char t[32], one[PD_EXPLAIN_MAX];
            size_t tn = pd_rule_format_threshold(r, pol->policy.threshold[r], t);
            pd_policy_explain(&pol->policy, 1u << r, st->followers, &st->win, one, sizeof one);
            pd_jsonw_obj_begin(w);
            pd_jsonw_kstr(w, "rule", pd_rule_key(r));
            pd_verdict_rule_value(w, r, st->followers, &st->win);
            pd_jsonw_key(w, "threshold");
            pd_jsonw_raw(w, t, tn);
            pd_jsonw_kstr(w, "explanation", one);
            pd_jsonw_obj_end(w);
        }
        pd_policy_explain(&pol->policy, failed, st->followers, &st->win, text, sizeof text);
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_kstr(w, "explanation", text);
    if (st->since)
        write_time(w, "since", st->since);
    else
        pd_jsonw_knull(w, "since");
}

/* The policy a status was judged under, into *pol (request memory), or
 * NULL when no policy is in force. */
static int load_policy(pd_req *req, pd_db *db, const pd_creator_status *st, pd_policy_rec **pol,
                       pd_error *err)
{
    *pol = NULL;
    if (!st->policy_id)
        return PD_OK;
    pd_policy_rec *p = req_zalloc(req, sizeof *p);
    if (!p)
        return out_of_memory(err);
    int rc = pd_db_policy_get(db, st->policy_id, p, err);
    if (rc == PD_OK)
        *pol = p;
    return rc;
}

/* ---- GET /api/creators: discovery ---------------------------------------------------------------
 *
 * The query is read by api/discovery_query.h, as the discovery page reads
 * its form. */

_Static_assert(PD_DQ_LIMIT_MAX == PD_CREATORS_PAGE_MAX &&
                   PD_DQ_LIMIT_DEFAULT == PD_CREATORS_PAGE_DEFAULT,
               "discovery_query.h and creators.h agree on the page size");

/* A query parameter's error, as discovery_query.c words them (the posts'
 * cursor below). */
static int bad_param(pd_error *err, const char *name, const char *why, const char *value)
{
    return pd_error_set(err, PD_EINPUT, "query parameter %s: %s (got '%.40s')", name, why, value);
}

static void query_at(const void *req, size_t i, const char **name, const char **value)
{
    pd_req_query_at(req, i, name, value);
}

/* The request's query parameters for discovery_query.h. */
static pd_param_source query_of(const pd_req *req)
{
    return (pd_param_source){.n = pd_req_query_count(req), .at = query_at, .ctx = req};
}

/* Refuses unknown and repeated query parameters (the other list routes). */
static int only_params(pd_req *req, const char *const *allowed, pd_error *err)
{
    pd_param_source src = query_of(req);
    return pd_params_only(&src, allowed, err);
}

static int cursor_int(const char **p, char stop, int64_t min, int64_t *out)
{
    return pd_cursor_int(p, stop, min, out);
}

/* One page of discovery, {"items": [...], "next": cursor or null}: made
 * from rows, or the kept bytes of the same page at the same version. */
struct search_page {
    pd_jsonw *w;
    const pd_creator_query *q;
    pd_pagecache *cache; /* NULL: no page is kept */
    char key[PD_DQ_KEY_MAX];
    size_t klen;  /* 0: this page is not kept */
    size_t start; /* where the page begins in w's buffer */
    int begun;    /* "items" opened */
    unsigned n;
    int64_t last_key, last_id;
};

static void page_begin(struct search_page *pg)
{
    if (pg->begun)
        return;
    pg->begun = 1;
    pd_jsonw_obj_begin(pg->w);
    pd_jsonw_key(pg->w, "items");
    pd_jsonw_arr_begin(pg->w);
}

static int page_kept(void *ctx, const void *conn, uint64_t version)
{
    struct search_page *pg = ctx;
    return pg->klen && pd_pagecache_get(pg->cache, conn, version, pg->key, pg->klen, pg->w);
}

static int search_row(void *ctx, const pd_creator_hit *h)
{
    struct search_page *pg = ctx;
    page_begin(pg);
    write_profile(pg->w, &h->c, &h->st);
    pg->n++;
    pg->last_key = h->key;
    pg->last_id = h->c.id;
    return 0;
}

static void page_done(void *ctx, const void *conn, uint64_t version)
{
    struct search_page *pg = ctx;
    pd_jsonw *w = pg->w;
    page_begin(pg);
    pd_jsonw_arr_end(w);
    pd_jsonw_key(w, "next");
    if (pg->n == pg->q->limit) {
        char cur[PD_DQ_CURSOR_MAX];
        pd_jsonw_str(w, pd_discovery_cursor(pg->q->sort, pg->last_key, pg->last_id, cur));
    } else {
        pd_jsonw_null(w);
    }
    pd_jsonw_obj_end(w);
    if (pg->klen && !w->failed && !pd_buf_failed(w->out))
        pd_pagecache_put(pg->cache, conn, version, pg->key, pg->klen, w->out->data + pg->start,
                         w->out->len - pg->start);
}

/* Discovery, read in the read the caller was signed in with (one snapshot
 * for both: the guard holds it on the request as a pd_app_read, see
 * api/accounts.h, pd_accounts_read) or, with none held, in one of the use
 * case's own (app/views.h). */
static int list_creators(pd_req *req, void *ctx, pd_error *err)
{
    pd_param_source src = query_of(req);
    pd_creator_query q;
    int rc = pd_discovery_parse(&src, PD_DQ_API, 0, &q, err);
    if (rc)
        return rc;
    pd_creators *cr = ctx;
    struct search_page *pg = req_zalloc(req, sizeof *pg);
    if (!pg)
        return out_of_memory(err);
    pg->w = pd_req_jsonw(req);
    pg->q = &q;
    pg->cache = cr->pages;
    pg->klen = cr->pages ? pd_discovery_key(&q, pg->key, sizeof pg->key) : 0;
    pg->start = pg->w->out->len;
    pd_app_page page = {.kept = page_kept, .row = search_row, .done = page_done, .ctx = pg};
    rc = pd_app_discover_page(cr->store, pd_req_held(req), &q, &page, err);
    if (rc == PD_EINPUT && q.text)
        return pd_error_prefix(err, "query parameter q");
    return rc; /* on an error, the answer is replaced by it */
}

/* ---- one creator -------------------------------------------------------------------------- */

/* Loads creator id and its status into request memory. */
static int load_creator(pd_req *req, pd_db *db, int64_t id, pd_creator_rec **c,
                        pd_creator_status **st, pd_error *err)
{
    *c = req_zalloc(req, sizeof **c);
    *st = req_zalloc(req, sizeof **st);
    if (!*c || !*st)
        return out_of_memory(err);
    int rc = pd_db_creator_get(db, id, *c, err);
    if (rc == PD_OK)
        rc = pd_db_creator_status(db, id, *st, err);
    return rc;
}

/* What a route about one creator looks up (app/views.h: pd_app_lookup). */
struct one_creator {
    pd_req *req;
    int64_t id;
    pd_creator_rec *c;
    pd_creator_status *st;
};

static int read_creator(void *ctx, pd_db *db, pd_error *err)
{
    struct one_creator *o = ctx;
    return load_creator(o->req, db, o->id, &o->c, &o->st, err);
}

static int get_creator(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    struct one_creator o = {.req = req, .id = pd_req_param_int(req, "id")};
    int rc = pd_app_lookup(store, read_creator, &o, err);
    if (rc)
        return rc;
    write_profile(pd_req_jsonw(req), o.c, o.st);
    return PD_OK;
}

/* mcn_id of a body: a positive id, or null for "independent". *present
 * tells whether the field was there at all. */
static int json_mcn(const json_t *body, int64_t *out, int *present, pd_error *err)
{
    json_t *v = json_object_get(body, "mcn_id");
    *present = v != NULL;
    if (!v || json_is_null(v)) {
        *out = 0;
        return PD_OK;
    }
    return pd_req_json_int(body, "mcn_id", 1, INT64_MAX, out, err);
}

static int json_text(const json_t *body, const char *field, size_t min, size_t cap, char *dst,
                     int required, pd_error *err)
{
    const char *s;
    int rc = required ? pd_req_json_str(body, field, min, cap - 1, &s, err)
                      : pd_req_json_opt_str(body, field, min, cap - 1, NULL, &s, err);
    if (rc || !s)
        return rc;
    size_t n = strlen(s);
    memcpy(dst, s, n + 1);
    return PD_OK;
}

static int create_creator(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    json_t *body;
    int rc = pd_req_json_body(req, &body, err);
    if (rc)
        return rc;
    static const char *const fields[] = {"id",        "handle", "category", "bio",
                                         "followers", "mcn_id", NULL};
    pd_creator_rec *c = req_zalloc(req, sizeof *c);
    pd_creator_status *st = req_zalloc(req, sizeof *st);
    pd_creator_rec *old = req_zalloc(req, sizeof *old);
    int64_t followers = 0;
    int present;
    if (!c || !st || !old)
        rc = out_of_memory(err);
    if (rc == PD_OK)
        rc = pd_req_json_only(body, fields, err);
    if (rc == PD_OK)
        rc = pd_req_json_int(body, "id", 1, INT64_MAX, &c->id, err);
    if (rc == PD_OK)
        rc = json_text(body, "handle", 1, PD_HANDLE_MAX, c->handle, 1, err);
    if (rc == PD_OK)
        rc = json_text(body, "category", 1, PD_CATEGORY_MAX, c->category, 1, err);
    if (rc == PD_OK)
        rc = json_text(body, "bio", 0, PD_BIO_MAX, c->bio, 0, err);
    if (rc == PD_OK)
        rc = pd_req_json_int(body, "followers", 0, (int64_t)PD_COUNT_MAX, &followers, err);
    if (rc == PD_OK)
        rc = json_mcn(body, &c->mcn_id, &present, err);
    json_decref(body);
    if (rc)
        return rc;
    c->followers = (uint64_t)followers;

    if ((rc = pd_app_creator_create(store, c, old, st, err)))
        return rc;
    pd_req_status(req, 201);
    write_profile(pd_req_jsonw(req), old, st);
    return PD_OK;
}

/* What a write on creator {id} by its owner or an operator starts from
 * (PATCH, publishing a post): the id, whether the caller is an operator
 * (who may send more fields) and the JSON body (the caller decrefs it). */
typedef struct owner_write {
    pd_store *store;
    int64_t id;
    int is_operator;
    json_t *body;
} owner_write;

static int owner_write_begin(pd_req *req, void *ctx, owner_write *w, pd_error *err)
{
    const pd_user *u = pd_req_user(req);
    w->store = ((pd_creators *)ctx)->store;
    w->id = pd_req_param_int(req, "id");
    w->is_operator = u && u->role == PD_ROLE_OPERATOR;
    return pd_req_json_body(req, &w->body, err);
}

static int patch_creator(pd_req *req, void *ctx, pd_error *err)
{
    owner_write ow;
    int rc = owner_write_begin(req, ctx, &ow, err);
    if (rc)
        return rc;
    json_t *body = ow.body;
    static const char *const fields[] = {"handle", "category", "bio", "followers", "mcn_id", NULL};
    pd_creator_rec *c = req_zalloc(req, sizeof *c);
    pd_creator_rec *want = req_zalloc(req, sizeof *want);
    pd_creator_status *st = req_zalloc(req, sizeof *st);
    if (!c || !want || !st)
        rc = out_of_memory(err);
    if (rc == PD_OK)
        rc = pd_req_json_only(body, fields, err);
    if (rc == PD_OK && json_object_size(body) == 0)
        rc = pd_error_set(err, PD_EINPUT,
                          "nothing to change: give handle, category, bio, followers or mcn_id");
    /* Followers come from the platform's counters and the MCN link from the
     * MCN's roster: a creator may not set either. */
    static const char *const operator_only[] = {"followers", "mcn_id"};
    for (size_t i = 0; rc == PD_OK && i < 2; i++)
        if (!ow.is_operator && json_object_get(body, operator_only[i]))
            rc = pd_error_set(err, PD_EDENIED, "%s: only an operator may change it",
                              operator_only[i]);
    int has_handle = json_object_get(body, "handle") != NULL;
    int has_category = json_object_get(body, "category") != NULL;
    int has_bio = json_object_get(body, "bio") != NULL;
    int has_followers = json_object_get(body, "followers") != NULL;
    int has_mcn = 0;
    int64_t followers = 0;
    if (rc == PD_OK && has_handle)
        rc = json_text(body, "handle", 1, PD_HANDLE_MAX, want->handle, 1, err);
    if (rc == PD_OK && has_category)
        rc = json_text(body, "category", 1, PD_CATEGORY_MAX, want->category, 1, err);
    if (rc == PD_OK && has_bio)
        rc = json_text(body, "bio", 0, PD_BIO_MAX, want->bio, 1, err);
    if (rc == PD_OK && has_followers)
        rc = pd_req_json_int(body, "followers", 0, (int64_t)PD_COUNT_MAX, &followers, err);
    if (rc == PD_OK)
        rc = json_mcn(body, &want->mcn_id, &has_mcn, err);
    json_decref(body);
    if (rc)
        return rc;

    want->followers = (uint64_t)followers;
    unsigned set = (has_handle ? PD_PATCH_HANDLE : 0u) | (has_category ? PD_PATCH_CATEGORY : 0u) |
                   (has_bio ? PD_PATCH_BIO : 0u) | (has_followers ? PD_PATCH_FOLLOWERS : 0u) |
                   (has_mcn ? PD_PATCH_MCN : 0u);
    if ((rc = pd_app_creator_patch(ow.store, ow.id, set, want, c, st, err)))
        return rc;
    write_profile(pd_req_jsonw(req), c, st);
    return PD_OK;
}

/* ---- certification and followers (private) --------------------------------------------------- */

struct history_page {
    pd_jsonw *w;
    unsigned n, limit;
    int64_t last_id;
    int more;
};

static int history_row(void *ctx, const pd_status_change *ch)
{
    struct history_page *pg = ctx;
    if (pg->n == pg->limit) {
        pg->more = 1;
        return 1; /* one past the page: there is a next one */
    }
    pd_jsonw *w = pg->w;
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", ch->id);
    write_time(w, "at", ch->at);
    pd_jsonw_kbool(w, "certified", ch->certified);
    write_link(w, "policy_id", ch->policy_id);
    pd_jsonw_key(w, "failed");
    pd_jsonw_arr_begin(w);
    for (uint32_t m = ch->failed; m; m &= m - 1) {
        int r = __builtin_ctz(m);
        if (r < PD_RULE_COUNT)
            pd_jsonw_str(w, pd_rule_key((pd_rule)r));
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_kstr(w, "explanation", ch->explanation);
    pd_jsonw_kstr(w, "cause", ch->cause);
    pd_jsonw_obj_end(w);
    pg->n++;
    pg->last_id = ch->id;
    return 0;
}

struct certification_ask {
    pd_req *req;
    int64_t id, before, limit;
};

/* The verdict and a page of its history, written as they are read. */
static int read_certification(void *ctx, pd_db *db, pd_error *err)
{
    struct certification_ask *a = ctx;
    pd_creator_rec *c;
    pd_creator_status *st;
    pd_policy_rec *pol = NULL;
    int rc = load_creator(a->req, db, a->id, &c, &st, err);
    if (rc == PD_OK)
        rc = load_policy(a->req, db, st, &pol, err);
    if (rc)
        return rc;
    pd_jsonw *w = pd_req_jsonw(a->req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "creator_id", a->id);
    write_verdict_fields(w, st, pol);
    pd_jsonw_key(w, "history");
    pd_jsonw_arr_begin(w);
    struct history_page pg = {.w = w, .limit = (unsigned)a->limit};
    rc = pd_db_status_history(db, a->id, a->before, (unsigned)a->limit + 1, history_row, &pg, err);
    if (rc == 1)
        rc = PD_OK;
    pd_jsonw_arr_end(w);
    pd_jsonw_key(w, "history_next");
    if (pg.more)
        pd_jsonw_int(w, pg.last_id);
    else
        pd_jsonw_null(w);
    pd_jsonw_obj_end(w);
    return rc;
}

static int get_certification(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    int64_t id = pd_req_param_int(req, "id");
    static const char *const params[] = {"before", "limit", NULL};
    int64_t before, limit;
    int rc = only_params(req, params, err);
    if (rc == PD_OK)
        rc = pd_req_query_int(req, "before", 1, INT64_MAX, 0, &before, err);
    if (rc == PD_OK)
        rc = pd_req_query_int(req, "limit", 1, PD_CREATORS_PAGE_MAX, PD_CREATORS_PAGE_DEFAULT,
                              &limit, err);
    if (rc)
        return rc;
    struct certification_ask a = {.req = req, .id = id, .before = before, .limit = limit};
    return pd_app_lookup(store, read_certification, &a, err);
}

static int follower_row(void *ctx, int64_t at, uint64_t followers)
{
    pd_jsonw *w = ctx;
    pd_jsonw_obj_begin(w);
    write_time(w, "at", at);
    pd_jsonw_kuint(w, "followers", followers);
    pd_jsonw_obj_end(w);
    return 0;
}

static int read_followers(void *ctx, pd_db *db, pd_error *err)
{
    struct one_creator *o = ctx;
    pd_jsonw *w = pd_req_jsonw(o->req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "creator_id", o->id);
    pd_jsonw_key(w, "items");
    pd_jsonw_arr_begin(w);
    int rc = pd_db_followers_history(db, o->id, follower_row, w, err);
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
    return rc;
}

static int get_followers(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    struct one_creator o = {.req = req, .id = pd_req_param_int(req, "id")};
    return pd_app_lookup(store, read_followers, &o, err);
}

/* ---- posts ---------------------------------------------------------------------------------- */

struct posts_page {
    pd_jsonw *w;
    int64_t creator_id;
    const pd_post_rec *after; /* NULL: the first page */
    unsigned n, limit;
    pd_post_rec last;
    int more;
};

static int post_row(void *ctx, const pd_post_rec *p)
{
    struct posts_page *pg = ctx;
    if (pg->n == pg->limit) {
        pg->more = 1;
        return 1;
    }
    write_post(pg->w, p);
    pg->n++;
    pg->last = *p;
    return 0;
}

static int read_posts(void *ctx, pd_db *db, pd_error *err)
{
    struct posts_page *pg = ctx;
    return pd_db_creator_posts(db, pg->creator_id, pg->after, pg->limit + 1, post_row, pg, err);
}

static int list_posts(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    int64_t id = pd_req_param_int(req, "id");
    static const char *const params[] = {"after", "limit", NULL};
    int64_t limit;
    int rc = only_params(req, params, err);
    if (rc == PD_OK)
        rc = pd_req_query_int(req, "limit", 1, PD_CREATORS_PAGE_MAX, PD_CREATORS_PAGE_DEFAULT,
                              &limit, err);
    if (rc)
        return rc;
    pd_post_rec after;
    int has_after = 0;
    const char *v = pd_req_query(req, "after");
    if (v) {
        const char *p = v;
        int64_t nsec;
        if (cursor_int(&p, '.', INT64_MIN + 1, &after.published_at.sec) < 0 ||
            cursor_int(&p, '.', 0, &nsec) < 0 || nsec > 999999999 ||
            cursor_int(&p, '\0', 1, &after.id) < 0)
            return bad_param(err, "after", "not a cursor from a previous page's next", v);
        after.published_at.nsec = (int32_t)nsec;
        has_after = 1;
    }
    struct posts_page pg = {.w = pd_req_jsonw(req),
                            .creator_id = id,
                            .after = has_after ? &after : NULL,
                            .limit = (unsigned)limit};
    pd_jsonw_obj_begin(pg.w);
    pd_jsonw_kint(pg.w, "creator_id", id);
    pd_jsonw_key(pg.w, "items");
    pd_jsonw_arr_begin(pg.w);
    rc = pd_app_lookup(store, read_posts, &pg, err);
    if (rc == 1)
        rc = PD_OK;
    if (rc)
        return rc;
    pd_jsonw_arr_end(pg.w);
    pd_jsonw_key(pg.w, "next");
    if (pg.more) {
        char cur[80];
        snprintf(cur, sizeof cur, "%lld.%d.%lld", (long long)pg.last.published_at.sec,
                 (int)pg.last.published_at.nsec, (long long)pg.last.id);
        pd_jsonw_str(pg.w, cur);
    } else {
        pd_jsonw_null(pg.w);
    }
    pd_jsonw_obj_end(pg.w);
    return PD_OK;
}

/* The four counters of a body (the metrics feed), each required. */
static int json_counters(const json_t *body, pd_post_rec *p, pd_error *err)
{
    static const char *const names[] = {"views", "likes", "comments", "collects"};
    uint64_t *dst[] = {&p->views, &p->likes, &p->comments, &p->collects};
    for (size_t i = 0; i < 4; i++) {
        int64_t v = 0;
        int rc = pd_req_json_int(body, names[i], 0, (int64_t)PD_COUNT_MAX, &v, err);
        if (rc)
            return rc;
        *dst[i] = (uint64_t)v;
    }
    return PD_OK;
}

/* Why a publisher may not send `field` (core/post.h says who decides what),
 * or NULL for the one field a publisher gives. */
static const char *set_by_others(const char *field)
{
    static const struct {
        const char *field, *why;
    } others[] = {
        {"id", "a published post's id is the server's (the answer gives it); a post under the "
               "feed's own id comes by POST /api/import/posts (operators)"},
        {"published_at", "a published post is dated by the server's clock; an earlier post comes "
                         "from the platform's feed, POST /api/import/posts (operators)"},
        {"views", NULL},
        {"likes", NULL},
        {"comments", NULL},
        {"collects", NULL},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strcmp(field, others[i].field) == 0)
            return others[i].why ? others[i].why
                                 : "counters come from the platform's feed only: an operator's "
                                   "PUT /api/posts/{id}/metrics or POST /api/import/posts; a new "
                                   "post starts at 0";
    return NULL;
}

/* POST /api/creators/{id}/posts: the creator (or an operator) publishes a
 * post now. The publisher gives its kind and nothing else: the store gives
 * the id, the clock the time, the feed the counters (core/post.h). A field
 * the feed or the server sets is refused by name, 403 for the creator (it
 * is not theirs to set) and 400 for an operator (it is not this route's:
 * the feed has its own). */
static int publish_post(pd_req *req, void *ctx, pd_error *err)
{
    owner_write ow;
    int rc = owner_write_begin(req, ctx, &ow, err);
    if (rc)
        return rc;
    json_t *body = ow.body;
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        const char *why = set_by_others(key);
        if (why) {
            rc = pd_error_set(err, ow.is_operator ? PD_EINPUT : PD_EDENIED, "%.40s: %s", key, why);
            break;
        }
    }
    static const char *const fields[] = {"kind", NULL};
    pd_post_rec p;
    memset(&p, 0, sizeof p);
    p.creator_id = ow.id; /* the use case dates it by the store's clock */
    const char *kind = NULL;
    if (rc == PD_OK)
        rc = pd_req_json_only(body, fields, err);
    if (rc == PD_OK)
        rc = pd_req_json_str(body, "kind", 1, 16, &kind, err);
    if (rc == PD_OK) {
        if (strcmp(kind, "organic") == 0)
            p.sponsored = 0;
        else if (strcmp(kind, "sponsored") == 0)
            p.sponsored = 1;
        else
            rc = pd_error_set(err, PD_EINPUT,
                              "kind: expected organic or sponsored (a paid collaboration), "
                              "not '%s'",
                              kind);
    }
    json_decref(body);
    if (rc)
        return rc;

    pd_creator_status *st = req_zalloc(req, sizeof *st);
    pd_policy_rec *pol = req_zalloc(req, sizeof *pol);
    if (!st || !pol)
        return out_of_memory(err);
    if ((rc = pd_app_post_publish(ow.store, &p, st, pol, err)))
        return rc;
    if (!pol->id)
        pol = NULL;
    pd_req_status(req, 201);
    char where[48];
    snprintf(where, sizeof where, "/api/posts/%lld", (long long)p.id);
    /* the post is stored: without the header (it cannot fail but for a
     * full header table) the body still gives its id */
    (void)pd_req_header_add(req, "Location", where);
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "post");
    write_post(w, &p);
    pd_jsonw_key(w, "certification");
    pd_jsonw_obj_begin(w);
    write_verdict_fields(w, st, pol);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

struct one_post {
    int64_t id;
    pd_post_rec p;
};

static int read_post(void *ctx, pd_db *db, pd_error *err)
{
    struct one_post *o = ctx;
    return pd_db_post_get(db, o->id, &o->p, err);
}

static int get_post(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    struct one_post o = {.id = pd_req_param_int(req, "id")};
    int rc = pd_app_lookup(store, read_post, &o, err);
    if (rc)
        return rc;
    write_post(pd_req_jsonw(req), &o.p);
    return PD_OK;
}

static int put_metrics(pd_req *req, void *ctx, pd_error *err)
{
    pd_store *store = ((pd_creators *)ctx)->store;
    int64_t id = pd_req_param_int(req, "id");
    json_t *body;
    int rc = pd_req_json_body(req, &body, err);
    if (rc)
        return rc;
    static const char *const fields[] = {"views", "likes", "comments", "collects", NULL};
    pd_post_rec p;
    memset(&p, 0, sizeof p);
    rc = pd_req_json_only(body, fields, err);
    if (rc == PD_OK)
        rc = json_counters(body, &p, err);
    json_decref(body);
    if (rc)
        return rc;
    pd_post_rec after;
    if ((rc =
             pd_app_post_metrics(store, id, p.views, p.likes, p.comments, p.collects, &after, err)))
        return rc;
    write_post(pd_req_jsonw(req), &after);
    return PD_OK;
}

/* ---- CSV imports (app/import.h does the work) -------------------------------------------- */

static int import_csv(pd_req *req, pd_store *store, pd_upload_kind kind, pd_error *err)
{
    const char *name = kind == PD_UPLOAD_CREATORS ? "creators.csv" : "posts.csv";
    const char *ct = pd_req_header(req, "Content-Type");
    if (ct && strncasecmp(ct, "text/csv", 8) != 0)
        return pd_error_set(err, PD_EINPUT, "Content-Type: send the file as text/csv (got '%.60s')",
                            ct);
    size_t len;
    const char *body = pd_req_body(req, &len);
    pd_upload_counts n;
    int rc = pd_import_upload(store, kind, name, body, len, &n, err);
    if (rc)
        return rc;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    if (kind == PD_UPLOAD_CREATORS) {
        pd_jsonw_kuint(w, "creators", n.created + n.updated);
        pd_jsonw_kuint(w, "created", n.created);
        pd_jsonw_kuint(w, "updated", n.updated);
    } else {
        pd_jsonw_kuint(w, "posts", n.posts);
        pd_jsonw_kuint(w, "posts_unknown_creator", n.unknown);
    }
    pd_jsonw_obj_end(w);
    return PD_OK;
}

static int import_creators(pd_req *req, void *ctx, pd_error *err)
{
    return import_csv(req, ((pd_creators *)ctx)->store, PD_UPLOAD_CREATORS, err);
}

static int import_posts(pd_req *req, void *ctx, pd_error *err)
{
    return import_csv(req, ((pd_creators *)ctx)->store, PD_UPLOAD_POSTS, err);
}

/* ---- the table ------------------------------------------------------------------------------ */

/* One route: its method, pattern, name, who may call it and its handler,
 * then its summary and any flags (.quick = 1, ...). */
#define ROUTE(m, p, n, acc, h, ...)                                                                \
    {                                                                                              \
        .method = m, .pattern = p, .name = n, .access = acc, .handler = h, .summary = __VA_ARGS__  \
    }

static const pd_route creator_routes[] = {
    ROUTE("GET", "/api/creators", "creators.list", PD_ACCESS_SIGNED_IN, list_creators,
          "Discover creators: filter by category, text, followers, average views, engagement, "
          "certification, micro tier and MCN; sorted and keyset-paged",
          .reads_only = 1, .quick = 1),
    ROUTE("POST", "/api/creators", "creators.create", PD_ACCESS_OPERATOR, create_creator,
          "Add a creator under the content platform's id (operators)"),
    ROUTE("GET", "/api/creators/{id:int}", "creators.get", PD_ACCESS_SIGNED_IN, get_creator,
          "A creator's public profile with the public part of their certification", .quick = 1),
    ROUTE(
        "PATCH", "/api/creators/{id:int}", "creators.update", PD_ACCESS_CREATOR_OWNER,
        patch_creator,
        "Change a creator's handle, category or bio (the creator); followers and MCN (operators)"),
    ROUTE("GET", "/api/creators/{id:int}/certification", "creators.certification",
          PD_ACCESS_CREATOR_PRIVATE, get_certification,
          "A creator's verdict with every failed rule explained, window statistics and the history "
          "of verdicts (the creator, their MCN, operators)"),
    ROUTE("GET", "/api/creators/{id:int}/followers", "creators.followers",
          PD_ACCESS_CREATOR_PRIVATE, get_followers,
          "A creator's follower count over time, oldest first (the creator, their MCN, operators)"),
    ROUTE("GET", "/api/creators/{id:int}/posts", "creators.posts", PD_ACCESS_SIGNED_IN, list_posts,
          "A creator's posts, newest first, keyset-paged"),
    ROUTE("POST", "/api/creators/{id:int}/posts", "creators.publish", PD_ACCESS_CREATOR_OWNER,
          publish_post,
          "Publish a post now (the creator, or an operator): the body gives only its kind; the "
          "server gives the id, the time and zero counters. Answers the post and the creator's "
          "verdict after it"),
    ROUTE("GET", "/api/posts/{id:int}", "posts.get", PD_ACCESS_SIGNED_IN, get_post, "One post",
          .quick = 1),
    ROUTE("PUT", "/api/posts/{id:int}/metrics", "posts.metrics", PD_ACCESS_OPERATOR, put_metrics,
          "Set a post's views, likes, comments and collects (the platform's counters feed; "
          "operators)"),
    ROUTE("POST", "/api/import/creators", "import.creators", PD_ACCESS_OPERATOR, import_creators,
          "Import a creators.csv body (text/csv) in one transaction: all lines or none (operators)",
          .large_body = 1),
    ROUTE("POST", "/api/import/posts", "import.posts", PD_ACCESS_OPERATOR, import_posts,
          "Import a posts.csv body (text/csv) in one transaction: all lines or none; posts of "
          "unknown creators are skipped and counted (operators)",
          .large_body = 1),
};

static int page_hits(void *ctx, double *v)
{
    uint64_t hits, misses;
    pd_pagecache_stats(ctx, &hits, &misses);
    *v = (double)hits;
    return 0;
}

static int page_misses(void *ctx, double *v)
{
    uint64_t hits, misses;
    pd_pagecache_stats(ctx, &hits, &misses);
    *v = (double)misses;
    return 0;
}

int pd_creators_metrics(pd_metrics *m, pd_creators *ctx, pd_error *err)
{
    if (!ctx->pages)
        return PD_OK;
    int rc = pd_metrics_add_counter(m, "partnerd_page_cache_hits_total",
                                    "Discovery pages answered from the page cache", page_hits,
                                    ctx->pages, err);
    if (rc == PD_OK)
        rc = pd_metrics_add_counter(m, "partnerd_page_cache_misses_total",
                                    "Discovery pages the page cache did not have (then computed)",
                                    page_misses, ctx->pages, err);
    return rc;
}

int pd_creators_routes(pd_router *r, pd_creators *ctx, pd_error *err)
{
    return pd_router_add(r, creator_routes, PD_ROUTES_COUNT(creator_routes), ctx, err);
}
