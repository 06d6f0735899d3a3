/* policies.c - see policies.h. */
#include "api/policies.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/impact_report.h"
#include "core/instant.h"
#include "util/num.h"
#include "core/online.h"
#include "core/simulate.h"
#include "api/accounts.h"
#include "app/policies.h"
#include "app/views.h"
#include "http/request.h"
#include "util/buf.h"
#include "util/jsonw.h"

#define ACTIVATIONS_MAX 100000 /* kept in memory by one listing */

/* ---- writing ------------------------------------------------------------- */

static void format_day(int64_t day, char buf[16])
{
    int64_t y;
    unsigned m, d;
    pd_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04lld-%02u-%02u", (long long)y, m % 100, d % 100);
}

static void kinstant(pd_jsonw *w, const char *key, int64_t sec)
{
    char buf[PD_INSTANT_FMT_MAX];
    pd_instant_format((pd_instant){.sec = sec, .nsec = 0}, buf);
    pd_jsonw_kstr(w, key, buf);
}

/* An id where 0 means nobody (the system). */
static void klink(pd_jsonw *w, const char *key, int64_t id)
{
    if (id)
        pd_jsonw_kint(w, key, id);
    else
        pd_jsonw_knull(w, key);
}

/* A threshold as a policy file writes it: 5000, 2.5. */
static void threshold(pd_jsonw *w, pd_rule rule, uint64_t t)
{
    if (!pd_rule_is_decimal(rule))
        pd_jsonw_uint(w, t);
    else if (t % 100 == 0)
        pd_jsonw_uint(w, t / 100);
    else
        pd_jsonw_hundredths(w, (int64_t)t);
}

/* The fields of a policy in the file format (inside an open object). */
static void policy_fields(pd_jsonw *w, const pd_policy *p)
{
    pd_jsonw_kstr(w, "name", p->name);
    if (p->description[0])
        pd_jsonw_kstr(w, "description", p->description);
    pd_jsonw_kuint(w, "window_days", p->window_days);
    pd_jsonw_key(w, "rules");
    pd_jsonw_obj_begin(w);
    for (int k = 0; k < PD_RULE_COUNT; k++)
        if (p->rules & (1u << k)) {
            pd_jsonw_key(w, pd_rule_key((pd_rule)k));
            threshold(w, (pd_rule)k, p->threshold[k]);
        }
    pd_jsonw_obj_end(w);
}

static void write_policy(pd_jsonw *w, const pd_policy_rec *r, int64_t in_force_id)
{
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", r->id);
    pd_jsonw_kuint(w, "version", r->version);
    policy_fields(w, &r->policy);
    kinstant(w, "created_at", r->created_at);
    klink(w, "created_by", r->created_by);
    if (in_force_id >= 0)
        pd_jsonw_kbool(w, "in_force", r->id == in_force_id);
    pd_jsonw_obj_end(w);
}

static void write_activation(pd_jsonw *w, const pd_activation_rec *a)
{
    char day[16];
    format_day(a->from_day, day);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "id", a->id);
    pd_jsonw_kint(w, "policy_id", a->policy_id);
    pd_jsonw_kstr(w, "from", day);
    klink(w, "activated_by", a->activated_by);
    kinstant(w, "created_at", a->created_at);
    if (a->applied_at)
        kinstant(w, "applied_at", a->applied_at);
    else
        pd_jsonw_knull(w, "applied_at");
    pd_jsonw_obj_end(w);
}

static void write_report(pd_jsonw *w, const pd_online_report *rep)
{
    char from[16], to[16];
    format_day(rep->from_day, from);
    format_day(rep->to_day, to);
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "from_day", from);
    pd_jsonw_kstr(w, "to_day", to);
    pd_jsonw_kbool(w, "policy_changed", rep->policy_changed);
    pd_jsonw_kbool(w, "recomputed", rep->recomputed);
    pd_jsonw_kuint(w, "creators_touched", rep->creators_touched);
    pd_jsonw_kuint(w, "gained", rep->gained);
    pd_jsonw_kuint(w, "lost", rep->lost);
    pd_jsonw_obj_end(w);
}

/* ---- reading the store ------------------------------------------------------ */

/* Lookups on a connection app/views.h lends (pd_app_lookup). */

static int online_state(pd_store *s, pd_online_state *st, pd_error *err)
{
    return pd_app_online_state(s, st, err);
}

struct one_policy {
    int64_t id;
    pd_policy_rec *r;
};

static int read_policy(void *ctx, pd_db *db, pd_error *err)
{
    struct one_policy *o = ctx;
    return pd_db_policy_get(db, o->id, o->r, err);
}

static int policy_get(pd_store *s, int64_t id, pd_policy_rec *r, pd_error *err)
{
    struct one_policy o = {.id = id, .r = r};
    int rc = pd_app_lookup(s, read_policy, &o, err);
    if (rc == PD_ENOTFOUND)
        return pd_error_set(err, PD_ENOTFOUND, "no policy %lld (GET /api/policies lists them)",
                            (long long)id);
    return rc;
}

/* Every activation, newest first (at most ACTIVATIONS_MAX): a is malloc'd
 * (the caller frees it). */
typedef struct act_list {
    pd_activation_rec *a;
    size_t n;
} act_list;

/* Appends a record to the buffer ctx, which grows it. */
static int act_each(void *ctx, const pd_activation_rec *a)
{
    pd_buf *b = ctx;
    if (b->len + sizeof *a > b->max)
        return 1; /* enough for one answer */
    return pd_buf_append(b, a, sizeof *a) ? PD_ENOMEM : 0;
}

static int read_activations(void *ctx, pd_db *db, pd_error *err)
{
    return pd_db_activation_list(db, act_each, ctx, err);
}

static int activations(pd_store *s, act_list *l, pd_error *err)
{
    pd_buf b;
    pd_buf_init(&b, ACTIVATIONS_MAX * sizeof *l->a);
    int rc = pd_app_lookup(s, read_activations, &b, err);
    if (rc == 1)
        rc = PD_OK;
    else if (rc == PD_ENOMEM)
        rc = pd_error_set(err, PD_ENOMEM, "out of memory listing activations");
    size_t len;
    l->a = (pd_activation_rec *)(void *)pd_buf_detach(&b, &len); /* malloc'd: aligned */
    l->n = len / sizeof *l->a;
    return rc;
}

/* ---- routes ---------------------------------------------------------------------- */

typedef struct list_ctx {
    pd_jsonw *w;
    int64_t in_force;
} list_ctx;

static int list_each(void *ctx, const pd_policy_rec *r)
{
    list_ctx *l = ctx;
    write_policy(l->w, r, l->in_force);
    return pd_jsonw_failed(l->w) ? PD_ENOMEM : 0;
}

static int read_policies(void *ctx, pd_db *db, pd_error *err)
{
    return pd_db_policy_list(db, list_each, ctx, err);
}

static int list_policies(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    pd_online_state st;
    int rc = online_state(p->store, &st, err);
    if (rc)
        return rc;
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "policies");
    pd_jsonw_arr_begin(w);
    list_ctx l = {w, st.policy_id};
    rc = pd_app_lookup(p->store, read_policies, &l, err);
    if (rc == PD_ENOMEM && pd_jsonw_failed(w))
        return pd_error_set(err, PD_ENOMEM, "the list of policies is larger than an answer may be");
    if (rc)
        return rc;
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

static int add_policy(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    size_t len;
    const char *body = pd_req_body(req, &len);
    const char *type = pd_req_header(req, "Content-Type");
    if (type && strncmp(type, "application/json", 16) != 0 && !strstr(type, "+json"))
        return pd_error_set(err, PD_EINPUT,
                            "send the policy as JSON (Content-Type: application/json), not '%.60s'",
                            type);
    if (len == 0)
        return pd_error_set(err, PD_EINPUT,
                            "the body is empty: send a policy in the format of docs/policies.md "
                            "(name, window_days, rules)");
    pd_policy_rec r = {0};
    int rc = pd_policy_parse_json(body, len, &r.policy, err);
    if (rc)
        return rc;
    r.created_by = pd_req_user(req)->id;
    if ((rc = pd_app_policy_add(p->store, &r, err)))
        return rc;
    pd_req_status(req, 201);
    write_policy(pd_req_jsonw(req), &r, -1);
    return PD_OK;
}

static int get_policy(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    pd_policy_rec r;
    pd_online_state st;
    int rc = policy_get(p->store, pd_req_param_int(req, "id"), &r, err);
    if (rc == PD_OK)
        rc = online_state(p->store, &st, err);
    if (rc)
        return rc;
    write_policy(pd_req_jsonw(req), &r, st.policy_id);
    return PD_OK;
}

static int activate(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    int64_t id = pd_req_param_int(req, "id");
    json_t *body;
    int rc = pd_req_json_body(req, &body, err);
    if (rc)
        return rc;
    static const char *const fields[] = {"from", NULL};
    const char *from;
    int64_t from_day = 0;
    if ((rc = pd_req_json_only(body, fields, err)) == PD_OK &&
        (rc = pd_req_json_str(body, "from", 1, 64, &from, err)) == PD_OK)
        rc = pd_day_parse("from", from, &from_day, err);
    json_decref(body);
    if (rc)
        return rc;
    /* Recorded, and applied at once when its day has come (app/policies.h). */
    pd_activation_result *res = pd_req_alloc(req, sizeof *res);
    if (!res)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    if ((rc = pd_app_policy_activate(p->store, id, from_day, pd_req_user(req)->id, p->impact, res,
                                     err)))
        return rc;
    const pd_activation_rec a = res->activation;
    int applied = res->applied;
    const pd_online_report rep = res->report;
    pd_req_status(req, 201);
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "activation");
    write_activation(w, &a);
    pd_jsonw_kbool(w, "applied", applied);
    pd_jsonw_key(w, "report");
    if (applied)
        write_report(w, &rep);
    else
        pd_jsonw_null(w);
    pd_jsonw_obj_end(w);
    return PD_OK;
}

static int list_activations(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    act_list l = {0};
    int rc = activations(p->store, &l, err);
    if (rc) {
        free(l.a);
        return rc;
    }
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "activations");
    pd_jsonw_arr_begin(w);
    for (size_t i = 0; i < l.n; i++)
        write_activation(w, &l.a[i]);
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
    free(l.a);
    return PD_OK;
}

static int certification(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    pd_online_state st;
    int rc = online_state(p->store, &st, err);
    if (rc)
        return rc;
    act_list l = {0};
    if ((rc = activations(p->store, &l, err))) {
        free(l.a);
        return rc;
    }
    char today[16], as_of[PD_INSTANT_FMT_MAX];
    format_day(st.today, today);
    pd_instant_format(pd_online_as_of(st.today), as_of);
    pd_jsonw *w = pd_req_jsonw(req);
    pd_jsonw_obj_begin(w);
    pd_jsonw_key(w, "policy");
    if (st.policy_id) {
        pd_jsonw_obj_begin(w);
        pd_jsonw_kint(w, "id", st.policy_id);
        pd_jsonw_kuint(w, "version", st.version);
        policy_fields(w, &st.policy);
        pd_jsonw_obj_end(w);
    } else {
        pd_jsonw_null(w);
    }
    pd_jsonw_kstr(w, "today", today);
    pd_jsonw_kstr(w, "as_of", as_of);
    pd_jsonw_kuint(w, "certified", st.certified);
    pd_jsonw_kbool(w, "stale", st.stale);
    pd_jsonw_key(w, "pending");
    pd_jsonw_arr_begin(w);
    for (size_t i = l.n; i-- > 0;) /* oldest first: the order they take effect */
        if (!l.a[i].applied_at)
            write_activation(w, &l.a[i]);
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
    free(l.a);
    return PD_OK;
}

/* ---- impact ------------------------------------------------------------------------ */

/* A policy given in an impact request: a stored policy's id, or an inline
 * policy object (docs/policies.md). field names it in errors. */
static int request_policy(pd_policies *p, const json_t *v, const char *field, pd_policy *out,
                          pd_error *err)
{
    if (json_is_integer(v)) {
        json_int_t id = json_integer_value(v);
        pd_policy_rec r;
        int rc = id > 0 ? policy_get(p->store, id, &r, err) : PD_ENOTFOUND;
        if (rc == PD_ENOTFOUND)
            return pd_error_set(err, PD_EINPUT, "%s: no stored policy %lld", field, (long long)id);
        if (rc)
            return rc;
        *out = r.policy;
        return PD_OK;
    }
    if (!json_is_object(v))
        return pd_error_set(err, PD_EINPUT,
                            "%s: expected a policy object (name, window_days, rules) or the id "
                            "of a stored policy",
                            field);
    char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = pd_policy_parse_json(text, strlen(text), out, err);
    free(text);
    if (rc) {
        /* "rules.min_follower: ..." becomes "candidate.rules.min_follower: ..." */
        char msg[PD_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        const char *colon = strstr(msg, ": "), *space = strchr(msg, ' ');
        int names_field = colon && (!space || colon < space);
        return pd_error_set(err, (pd_code)rc, "%s%s%s", field, names_field ? "." : ": ", msg);
    }
    return PD_OK;
}

/* One number of a sweep, in the rule's unit (hundredths for decimal rules). */
static int sweep_number(const json_t *sw, const char *key, pd_rule rule, uint64_t *out,
                        pd_error *err)
{
    const json_t *v = json_object_get(sw, key);
    int dec = pd_rule_is_decimal(rule);
    if (!v || json_is_null(v))
        return pd_error_set(err, PD_EINPUT, "sweep.%s: missing", key);
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < 0 || (uint64_t)x > PD_COUNT_MAX)
            return pd_error_set(err, PD_EINPUT, "sweep.%s: %lld is out of range (0 to 10^15)", key,
                                (long long)x);
        *out = dec ? (uint64_t)x * 100 : (uint64_t)x;
        return PD_OK;
    }
    if (json_is_real(v)) {
        double x = json_real_value(v);
        if (!dec)
            return pd_error_set(err, PD_EINPUT, "sweep.%s: %s takes whole numbers, got %g", key,
                                pd_rule_key(rule), x);
        double h = x * 100.0, r = nearbyint(h);
        if (!(x >= 0) || r > (double)PD_DECIMAL_MAX_HUNDREDTHS)
            return pd_error_set(err, PD_EINPUT, "sweep.%s: %g is out of range", key, x);
        if (fabs(h - r) > 1e-6 * (r > 1 ? r : 1))
            return pd_error_set(err, PD_EINPUT, "sweep.%s: %g has more than two decimals", key, x);
        *out = (uint64_t)r;
        return PD_OK;
    }
    return pd_error_set(err, PD_EINPUT, "sweep.%s: expected a number", key);
}

static int parse_sweep(const json_t *sw, pd_sim_sweep_spec *out, pd_error *err)
{
    if (!json_is_object(sw))
        return pd_error_set(err, PD_EINPUT,
                            "sweep: expected an object {\"rule\", \"from\", \"to\", \"step\"}");
    static const char *const fields[] = {"rule", "from", "to", "step", NULL};
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)sw, key, val)
    {
        size_t i = 0;
        while (fields[i] && strcmp(fields[i], key))
            i++;
        if (!fields[i])
            return pd_error_set(err, PD_EINPUT,
                                "sweep.%.60s: unknown field (known: rule, from, to, step)", key);
    }
    const json_t *r = json_object_get(sw, "rule");
    if (!json_is_string(r))
        return pd_error_set(err, PD_EINPUT,
                            "sweep.rule: expected a rule name such as \"min_avg_views\"");
    int rule = pd_rule_from_key(json_string_value(r), json_string_length(r));
    if (rule < 0)
        return pd_error_set(
            err, PD_EINPUT,
            "sweep.rule: unknown rule '%.60s' (known: min_followers, min_avg_views, "
            "min_organic_per_sponsored, min_sponsored, min_posts, max_sponsored)",
            json_string_value(r));
    out->rule = (pd_rule)rule;
    int rc;
    if ((rc = sweep_number(sw, "from", out->rule, &out->from, err)) ||
        (rc = sweep_number(sw, "to", out->rule, &out->to, err)) ||
        (rc = sweep_number(sw, "step", out->rule, &out->step, err)))
        return rc;
    if ((rc = pd_sim_sweep_validate(out, err)))
        return pd_error_prefix(err, "sweep");
    return PD_OK;
}

/* "candidates[i]" into buf (32 bytes). */
static const char *cand_field(size_t i, char *buf)
{
    snprintf(buf, 32, "candidates[%zu]", i);
    return buf;
}

/* The request: policies[0] the baseline, then the candidates. */
static int parse_impact(pd_policies *p, pd_req *req, pd_policy *pols, size_t *npols,
                        pd_sim_sweep_spec *sweep, int *has_sweep, size_t *top_mcns, pd_error *err)
{
    json_t *body;
    int rc = pd_req_json_body(req, &body, err);
    if (rc)
        return rc;
    static const char *const fields[] = {"baseline", "candidate", "candidates",
                                         "sweep",    "top_mcns",  NULL};
    int64_t top = 0;
    if ((rc = pd_req_json_only(body, fields, err)) ||
        (rc = pd_req_json_opt_int(body, "top_mcns", 1, PD_SIM_MCN_TOP_MAX, PD_SIM_MCN_TOP_DEFAULT,
                                  &top, err)))
        goto out;
    *top_mcns = (size_t)top;
    const json_t *base = json_object_get(body, "baseline");
    if (!base || json_is_null(base) ||
        (json_is_string(base) && strcmp(json_string_value(base), "current") == 0)) {
        pd_online_state st;
        if ((rc = online_state(p->store, &st, err)))
            goto out;
        if (!st.policy_id) {
            rc = pd_error_set(err, PD_EINPUT,
                              "baseline: no policy is in force yet, so there is no \"current\" "
                              "one; give baseline as a stored policy's id or a policy object");
            goto out;
        }
        pols[0] = st.policy;
    } else if (json_is_string(base)) {
        rc = pd_error_set(err, PD_EINPUT,
                          "baseline: expected \"current\", a stored policy's id or a policy "
                          "object, got \"%.60s\"",
                          json_string_value(base));
        goto out;
    } else if ((rc = request_policy(p, base, "baseline", &pols[0], err))) {
        goto out;
    }
    *npols = 1;

    const json_t *one = json_object_get(body, "candidate");
    const json_t *many = json_object_get(body, "candidates");
    if (one && json_is_null(one))
        one = NULL;
    if (many && json_is_null(many))
        many = NULL;
    if ((one != NULL) == (many != NULL)) {
        rc = pd_error_set(err, PD_EINPUT,
                          one ? "give either candidate or candidates, not both"
                              : "candidate: missing (a policy object to compare with the "
                                "baseline; or candidates: a list of them)");
        goto out;
    }
    if (one) {
        if ((rc = request_policy(p, one, "candidate", &pols[1], err)))
            goto out;
        *npols = 2;
    } else {
        if (!json_is_array(many) || json_array_size(many) == 0 ||
            json_array_size(many) > PD_SIM_MAX_POLICIES - 1) {
            rc = pd_error_set(err, PD_EINPUT, "candidates: expected a list of 1 to %d policies",
                              PD_SIM_MAX_POLICIES - 1);
            goto out;
        }
        for (size_t i = 0; i < json_array_size(many); i++) {
            char field[32];
            if ((rc = request_policy(p, json_array_get(many, i), cand_field(i, field), &pols[1 + i],
                                     err)))
                goto out;
            *npols = 2 + i;
        }
    }
    char field[32];
    for (size_t i = 1; i < *npols; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(pols[i].name, pols[j].name) == 0) {
                rc = pd_error_set(err, PD_EINPUT,
                                  "%s.name: '%s' is also the name of the %s: give it another "
                                  "name, the report could not tell them apart",
                                  one ? "candidate" : cand_field(i - 1, field), pols[i].name,
                                  j == 0 ? "baseline" : "another candidate");
                goto out;
            }
    *has_sweep = 0;
    const json_t *sw = json_object_get(body, "sweep");
    if (sw && !json_is_null(sw)) {
        if ((rc = parse_sweep(sw, sweep, err)))
            goto out;
        *has_sweep = 1;
    }
out:
    json_decref(body);
    return rc;
}

static int impact(pd_req *req, void *ctx, pd_error *err)
{
    pd_policies *p = ctx;
    pd_policy pols[PD_SIM_MAX_POLICIES];
    size_t npols = 0;
    pd_sim_sweep_spec sweep;
    int has_sweep = 0;
    size_t top_mcns = 0;
    int rc = parse_impact(p, req, pols, &npols, &sweep, &has_sweep, &top_mcns, err);
    if (rc)
        return rc;
    return pd_impact_report(p->impact, pols, npols, has_sweep ? &sweep : NULL, top_mcns,
                            pd_req_out(req), err);
}

static const pd_route policy_routes[] = {
    {.method = "GET",
     .pattern = "/api/policies",
     .name = "policies.list",
     .summary = "Stored certification policies, every version",
     .access = PD_ACCESS_OPERATOR,
     .handler = list_policies},
    {.method = "POST",
     .pattern = "/api/policies",
     .name = "policies.add",
     .summary = "Store a policy (docs/policies.md format) as the next version of its name",
     .access = PD_ACCESS_OPERATOR,
     .handler = add_policy},
    {.method = "GET",
     .pattern = "/api/policies/{id:int}",
     .name = "policies.get",
     .summary = "One stored policy",
     .access = PD_ACCESS_OPERATOR,
     .handler = get_policy},
    {.method = "POST",
     .pattern = "/api/policies/{id:int}/activate",
     .name = "policies.activate",
     .summary = "Put a stored policy in force from a day ({\"from\": \"YYYY-MM-DD\"})",
     .access = PD_ACCESS_OPERATOR,
     .handler = activate},
    {.method = "POST",
     .pattern = "/api/policies/impact",
     .name = "policies.impact",
     .summary = "Who would keep, lose or gain certification under candidate policies",
     .access = PD_ACCESS_OPERATOR,
     .handler = impact},
    {.method = "GET",
     .pattern = "/api/activations",
     .name = "activations.list",
     .summary = "Every policy activation, newest first",
     .access = PD_ACCESS_OPERATOR,
     .handler = list_activations},
    {.method = "GET",
     .pattern = "/api/certification",
     .name = "certification.get",
     .summary = "Online certification now: the policy in force, today, certified count, "
                "pending activations",
     .access = PD_ACCESS_SIGNED_IN,
     .handler = certification},
};

int pd_policies_routes(pd_router *r, pd_policies *p, pd_error *err)
{
    return pd_router_add(r, policy_routes, PD_ROUTES_COUNT(policy_routes), p, err);
}
