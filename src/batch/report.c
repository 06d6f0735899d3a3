/* report.c - see report.h. */
#include "batch/report.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/creator.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/num.h"
#include "util/svg.h"

#define BIT(r) (1u << (r))

static const char *const dim_titles[PD_SIM_DIM_COUNT] = {
    "By category", "By follower tier", "MCN vs independent", "By MCN (the largest by creators)"};
static const char *const dim_headers[PD_SIM_DIM_COUNT] = {"category", "followers", "group", "MCN"};
static const char *const dim_keys[PD_SIM_DIM_COUNT] = {"category", "follower_tier", "mcn", "mcns"};

int pd_report_format_parse(const char *name, pd_report_format *out, pd_error *err)
{
    if (strcmp(name, "text") == 0)
        *out = PD_REPORT_TEXT;
    else if (strcmp(name, "csv") == 0)
        *out = PD_REPORT_CSV;
    else if (strcmp(name, "json") == 0)
        *out = PD_REPORT_JSON;
    else
        return pd_error_set(err, PD_EUSAGE, "--format '%s': expected text, csv or json", name);
    return PD_OK;
}

static int done(const pd_buf *out, pd_error *err)
{
    if (pd_buf_failed(out))
        return pd_error_set(err, PD_ENOMEM, "report: out of memory or over the output ceiling");
    return PD_OK;
}

/* ---- groups ----------------------------------------------------------- */

static const char *category_label(const pd_report *r, size_t g)
{
    return r->categories && r->categories[g] ? r->categories[g] : "";
}

typedef struct label {
    char s[PD_REPORT_LABEL_MAX];
} label;

int pd_report_mcn_label(const pd_report *r, const pd_sim_mcn_group *m, char *buf, size_t cap)
{
    const char *name = NULL;
    switch (m->kind) {
    case PD_SIM_MCN_ONE:
        name = r->mcn_name ? r->mcn_name(r->mcn_ctx, m->id) : NULL;
        if (name && name[0])
            return snprintf(buf, cap, "%s", name);
        return snprintf(buf, cap, "MCN %llu", (unsigned long long)m->id);
    case PD_SIM_MCN_OTHERS:
        return snprintf(buf, cap, "%llu other %s", (unsigned long long)m->mcns,
                        m->mcns == 1 ? "MCN" : "MCNs");
    case PD_SIM_MCN_NONE: break;
    }
    return snprintf(buf, cap, "independent");
}

/* The label of group g of dimension d. */
static label group_label(const pd_report *r, pd_sim_dim d, size_t g)
{
    label l = {""};
    switch (d) {
    case PD_SIM_BY_CATEGORY: snprintf(l.s, sizeof l.s, "%s", category_label(r, g)); break;
    case PD_SIM_BY_TIER:
        snprintf(l.s, sizeof l.s, "%s", pd_follower_tier_label((unsigned)g));
        break;
    case PD_SIM_BY_MCN:
        snprintf(l.s, sizeof l.s, "%s", g == PD_SIM_MCN_MEMBER ? "mcn" : "independent");
        break;
    case PD_SIM_BY_MCN_ID: pd_report_mcn_label(r, &r->sim->mcn_groups[g], l.s, sizeof l.s); break;
    case PD_SIM_DIM_COUNT: break;
    }
    return l;
}

typedef struct named {
    const char *name;
    size_t g;
} named;

static int by_name(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->g > y->g) - (x->g < y->g);
}

/* The order in which groups of d are shown: categories by name, the others
 * as they are. A malloc'd array of ngroups indexes, or NULL (out of memory). */
static size_t *group_order(const pd_report *r, pd_sim_dim d)
{
    size_t n = r->sim->ngroups[d];
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return NULL;
    for (size_t g = 0; g < n; g++)
        order[g] = g;
    if (d == PD_SIM_BY_CATEGORY && n > 1) {
        named *v = malloc(n * sizeof *v);
        if (!v) {
            free(order);
            return NULL;
        }
        for (size_t g = 0; g < n; g++)
            v[g] = (named){category_label(r, g), g};
        qsort(v, n, sizeof *v, by_name);
        for (size_t g = 0; g < n; g++)
            order[g] = v[g].g;
        free(v);
    }
    return order;
}

/* ---- small formatting helpers ------------------------------------------- */

typedef struct num_text {
    char s[32];
} num_text;

static num_text thou(uint64_t v)
{
    num_text t;
    pd_fmt_thousands(v, t.s);
    return t;
}

/* num / den as a percentage with one decimal, rounded half up; "-" when den
 * is 0. */
static num_text percent(uint64_t num, uint64_t den)
{
    num_text t;
    if (den == 0) {
        snprintf(t.s, sizeof t.s, "-");
        return t;
    }
    uint64_t permille = (uint64_t)(((unsigned __int128)num * 1000 + den / 2) / den);
    snprintf(t.s, sizeof t.s, "%llu.%llu%%", (unsigned long long)(permille / 10),
             (unsigned long long)(permille % 10));
    return t;
}

static num_text threshold_text(pd_rule rule, uint64_t t)
{
    num_text s;
    pd_rule_format_threshold(rule, t, s.s);
    return s;
}

/* ---- aligned text tables ------------------------------------------------ */

#define TABLE_MAX_COLS 64

typedef struct table {
    size_t ncols;
    uint64_t left; /* bit c: column c is left-aligned */
    pd_buf text;   /* cell texts, each NUL-terminated */
    size_t *offs;
    size_t ncells, cap;
    int failed;
} table;

static void t_init(table *t, size_t ncols, uint64_t left)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
    t->left = left;
    pd_buf_init(&t->text, PD_REPORT_MAX);
}

static void t_free(table *t)
{
    pd_buf_free(&t->text);
    free(t->offs);
}

/* Adds a cell; control characters (a newline inside a quoted CSV field) are
 * shown as '?' so that a row stays on one line. */
static void t_cell(table *t, const char *s)
{
    size_t *o = pd_grow(t->offs, &t->cap, t->ncells, sizeof *o, 64);
    if (!o) {
        t->failed = 1;
        return;
    }
    t->offs = o;
    t->offs[t->ncells++] = t->text.len;
    for (const char *p = s; *p; p++)
        pd_buf_putc(&t->text, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
    pd_buf_append(&t->text, "", 1); /* the cell's terminating NUL */
}

static void t_num(table *t, uint64_t v)
{
    t_cell(t, thou(v).s);
}

/* Display width: code points (wide scripts will be off; good enough). */
static size_t width_of(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static void t_render(table *t, pd_buf *out)
{
    if (t->failed || pd_buf_failed(&t->text)) {
        out->failed = 1;
        return;
    }
    size_t w[TABLE_MAX_COLS] = {0};
    for (size_t i = 0; i < t->ncells; i++) {
        size_t cw = width_of(t->text.data + t->offs[i]);
        if (cw > w[i % t->ncols])
            w[i % t->ncols] = cw;
    }
    for (size_t i = 0; i < t->ncells; i++) {
        size_t c = i % t->ncols;
        const char *s = t->text.data + t->offs[i];
        size_t pad = w[c] - width_of(s);
        int last = c == t->ncols - 1 || i == t->ncells - 1;
        pd_buf_puts(out, "  "); /* the indent, then the gap between columns */
        if (!(t->left >> c & 1))
            for (size_t k = 0; k < pad; k++)
                pd_buf_putc(out, ' ');
        pd_buf_puts(out, s);
        if ((t->left >> c & 1) && !last)
            for (size_t k = 0; k < pad; k++)
                pd_buf_putc(out, ' ');
        if (last) {
            /* no trailing blanks */
            while (out->len && out->data[out->len - 1] == ' ')
                out->data[--out->len] = '\0';
            pd_buf_putc(out, '\n');
        }
    }
}

/* ---- text ------------------------------------------------------------- */

static void rules_text(const pd_policy *p, pd_buf *b)
{
    const char *sep = "";
    for (int k = 0; k < PD_RULE_COUNT; k++) {
        if (!(p->rules & BIT(k)))
            continue;
        pd_buf_printf(b, "%s%s %s", sep, pd_rule_key((pd_rule)k),
                      threshold_text((pd_rule)k, p->threshold[k]).s);
        sep = ", ";
    }
}

static void headline(const pd_report *r, size_t p, pd_buf *out)
{
    const pd_sim_result *s = r->sim;
    const char *first = s->policies[0].name, *name = s->policies[p].name;
    const pd_sim_trans *t = &s->overall[p];
    uint64_t base = pd_sim_baseline(t);
    pd_buf_printf(out, "%s keeps %s of the %s %s certified under %s\n", name, thou(t->kept).s,
                  thou(base).s, base == 1 ? "creator" : "creators", first);
    table tb;
    t_init(&tb, 3, 1u | 4u);
    char why[2 * PD_POLICY_NAME_MAX + 64];
    t_cell(&tb, "lost");
    t_num(&tb, t->lost);
    snprintf(why, sizeof why, "certified under %s, not under %s", first, name);
    t_cell(&tb, why);
    t_cell(&tb, "gained");
    t_num(&tb, t->gained);
    snprintf(why, sizeof why, "certified under %s, not under %s", name, first);
    t_cell(&tb, why);
    t_cell(&tb, "never");
    t_num(&tb, t->never);
    t_cell(&tb, "certified under neither");
    t_render(&tb, out);
    t_free(&tb);
}

static void policies_text(const pd_report *r, pd_buf *out)
{
    const pd_sim_result *s = r->sim;
    pd_buf_printf(out, "Policies (%s %s%s%s)\n", thou(s->creators).s,
                  s->creators == 1 ? "creator" : "creators", r->as_of ? ", as of " : "",
                  r->as_of ? r->as_of : "");
    table tb;
    t_init(&tb, 5, 1u | 2u | 16u);
    t_cell(&tb, "policy");
    t_cell(&tb, "window");
    t_cell(&tb, "certified");
    t_cell(&tb, "share");
    t_cell(&tb, "rules");
    pd_buf rules;
    pd_buf_init(&rules, 4096);
    for (size_t p = 0; p < s->npolicies; p++) {
        char win[32];
        snprintf(win, sizeof win, "%u %s", s->policies[p].window_days,
                 s->policies[p].window_days == 1 ? "day" : "days");
        t_cell(&tb, s->policies[p].name);
        t_cell(&tb, win);
        uint64_t cert = pd_sim_certified(&s->overall[p]);
        t_num(&tb, cert);
        t_cell(&tb, percent(cert, s->creators).s);
        pd_buf_reset(&rules);
        rules_text(&s->policies[p], &rules);
        t_cell(&tb, pd_buf_failed(&rules) || !rules.data ? "" : rules.data);
    }
    pd_buf_free(&rules);
    t_render(&tb, out);
    t_free(&tb);
}

/* The transition columns of one group row. */
static void trans_cells(table *tb, const pd_sim_trans *t)
{
    t_num(tb, t->kept);
    t_num(tb, t->lost);
    t_num(tb, t->gained);
    t_num(tb, t->never);
    t_cell(tb, percent(t->kept, pd_sim_baseline(t)).s);
}

static void trans_headers(table *tb)
{
    t_cell(tb, "kept");
    t_cell(tb, "lost");
    t_cell(tb, "gained");
    t_cell(tb, "never");
    t_cell(tb, "kept %");
}

static void breakdown_text(const pd_report *r, pd_sim_dim d, const size_t *order, pd_buf *out)
{
    const pd_sim_result *s = r->sim;
    size_t np = s->npolicies, ng = s->ngroups[d];
    int inline_trans = np == 2;
    size_t ncols = 2 + np + (np == 1 ? 1 : 0) + (inline_trans ? 5 : 0);
    pd_buf_printf(out, "%s\n", dim_titles[d]);
    table tb;
    t_init(&tb, ncols, 1u);
    t_cell(&tb, dim_headers[d]);
    t_cell(&tb, "creators");
    for (size_t p = 0; p < np; p++)
        t_cell(&tb, s->policies[p].name);
    if (np == 1)
        t_cell(&tb, "share");
    if (inline_trans)
        trans_headers(&tb);
    for (size_t i = 0; i <= ng; i++) {
        int total = i == ng;
        size_t g = total ? 0 : order[i];
        const pd_sim_trans *t0 = total ? &s->overall[0] : pd_sim_group(s, d, g, 0);
        t_cell(&tb, total ? "all" : group_label(r, d, g).s);
        t_num(&tb, pd_sim_total(t0));
        for (size_t p = 0; p < np; p++)
            t_num(&tb, pd_sim_certified(total ? &s->overall[p] : pd_sim_group(s, d, g, p)));
        if (np == 1)
            t_cell(&tb, percent(pd_sim_certified(t0), pd_sim_total(t0)).s);
        if (inline_trans)
            trans_cells(&tb, total ? &s->overall[1] : pd_sim_group(s, d, g, 1));
    }
    t_render(&tb, out);
    t_free(&tb);

    if (np <= 2)
        return;
    for (size_t p = 1; p < np; p++) {
        pd_buf_printf(out, "\n%s: %s compared with %s\n", dim_titles[d], s->policies[p].name,
                      s->policies[0].name);
        t_init(&tb, 6, 1u);
        t_cell(&tb, dim_headers[d]);
        trans_headers(&tb);
        for (size_t i = 0; i <= ng; i++) {
            int total = i == ng;
            size_t g = total ? 0 : order[i];
            t_cell(&tb, total ? "all" : group_label(r, d, g).s);
            trans_cells(&tb, total ? &s->overall[p] : pd_sim_group(s, d, g, p));
        }
        t_render(&tb, out);
        t_free(&tb);
    }
}

static void sweep_text(const pd_report *r, pd_buf *out)
{
    const pd_sim_result *s = r->sim;
    const pd_policy *last = &s->policies[s->npolicies - 1];
    pd_rule rule = s->sweep.rule;
    const char *key = pd_rule_key(rule);
    int has_rule = (last->rules & BIT(rule)) != 0;
    uint64_t base = pd_sim_baseline(&s->overall[0]);
    pd_buf_printf(out, "Sweep of %s in %s from %s to %s by %s", key, last->name,
                  threshold_text(rule, s->sweep.from).s, threshold_text(rule, s->sweep.to).s,
                  threshold_text(rule, s->sweep.step).s);
    if (has_rule)
        pd_buf_printf(out, " (today %s)\n", threshold_text(rule, last->threshold[rule]).s);
    else
        pd_buf_printf(out, " (%s has no %s rule: the sweep adds it)\n", last->name, key);
    pd_buf_printf(out, "kept, lost and gained compare with the %s %s certified under %s\n",
                  thou(base).s, base == 1 ? "creator" : "creators", s->policies[0].name);
    table tb;
    t_init(&tb, 7, 64u);
    t_cell(&tb, key);
    t_cell(&tb, "certified");
    t_cell(&tb, "kept");
    t_cell(&tb, "lost");
    t_cell(&tb, "gained");
    t_cell(&tb, "never");
    t_cell(&tb, "");
    for (size_t k = 0; k < s->nsweep; k++) {
        const pd_sim_sweep_point *pt = &s->sweep_points[k];
        t_cell(&tb, threshold_text(rule, pt->threshold).s);
        t_num(&tb, pd_sim_certified(&pt->trans));
        t_num(&tb, pt->trans.kept);
        t_num(&tb, pt->trans.lost);
        t_num(&tb, pt->trans.gained);
        t_num(&tb, pt->trans.never);
        t_cell(&tb, has_rule && pt->threshold == last->threshold[rule] ? "<- today" : "");
    }
    t_render(&tb, out);
    t_free(&tb);
}

int pd_report_text(const pd_report *r, pd_buf *out, pd_error *err)
{
    const pd_sim_result *s = r->sim;
    if (s->npolicies == 1) {
        uint64_t cert = pd_sim_certified(&s->overall[0]);
        pd_buf_printf(out, "%s certifies %s of the %s %s\n", s->policies[0].name, thou(cert).s,
                      thou(s->creators).s, s->creators == 1 ? "creator" : "creators");
    }
    for (size_t p = 1; p < s->npolicies; p++) {
        if (p > 1)
            pd_buf_putc(out, '\n');
        headline(r, p, out);
    }
    pd_buf_putc(out, '\n');
    policies_text(r, out);
    for (int d = 0; d < PD_SIM_DIM_COUNT; d++) {
        size_t *order = group_order(r, (pd_sim_dim)d);
        if (!order)
            return pd_error_set(err, PD_ENOMEM, "report: out of memory");
        pd_buf_putc(out, '\n');
        breakdown_text(r, (pd_sim_dim)d, order, out);
        free(order);
    }
    if (s->has_sweep) {
        pd_buf_putc(out, '\n');
        sweep_text(r, out);
    }
    return done(out, err);
}

/* ---- CSV -------------------------------------------------------------- */

/* A field, quoted when it holds a comma, a quote or a line end. */
static void csv_field(pd_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        pd_buf_puts(b, s);
        return;
    }
    pd_buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            pd_buf_putc(b, '"');
        pd_buf_putc(b, *p);
    }
    pd_buf_putc(b, '"');
}

static void csv_row(pd_buf *b, const char *section, const char *group, const char *threshold,
                    const char *policy, uint64_t creators, const pd_sim_trans *t, int with_trans)
{
    pd_buf_printf(b, "%s,", section);
    csv_field(b, group);
    pd_buf_printf(b, ",%s,%s,%llu,%llu,", threshold, policy, (unsigned long long)creators,
                  (unsigned long long)pd_sim_certified(t));
    if (with_trans)
        pd_buf_printf(b, "%llu,%llu,%llu,%llu\n", (unsigned long long)t->kept,
                      (unsigned long long)t->lost, (unsigned long long)t->gained,
                      (unsigned long long)t->never);
    else
        pd_buf_puts(b, ",,,\n");
}

int pd_report_csv(const pd_report *r, pd_buf *out, pd_error *err)
{
    const pd_sim_result *s = r->sim;
    size_t np = s->npolicies;
    pd_buf_puts(out, "section,group,threshold,policy,creators,certified,kept,lost,gained,never\n");
    for (size_t p = 0; p < np; p++)
        csv_row(out, "overall", "all", "", s->policies[p].name, s->creators, &s->overall[p], p > 0);
    for (int d = 0; d < PD_SIM_DIM_COUNT; d++) {
        size_t *order = group_order(r, (pd_sim_dim)d);
        if (!order)
            return pd_error_set(err, PD_ENOMEM, "report: out of memory");
        for (size_t i = 0; i < s->ngroups[d]; i++) {
            size_t g = order[i];
            uint64_t total = pd_sim_total(pd_sim_group(s, (pd_sim_dim)d, g, 0));
            for (size_t p = 0; p < np; p++)
                csv_row(out, dim_keys[d], group_label(r, (pd_sim_dim)d, g).s, "",
                        s->policies[p].name, total, pd_sim_group(s, (pd_sim_dim)d, g, p), p > 0);
        }
        free(order);
    }
    if (s->has_sweep) {
        const char *key = pd_rule_key(s->sweep.rule);
        const char *name = s->policies[np - 1].name;
        for (size_t k = 0; k < s->nsweep; k++) {
            const pd_sim_sweep_point *pt = &s->sweep_points[k];
            csv_row(out, "sweep", key, threshold_text(s->sweep.rule, pt->threshold).s, name,
                    s->creators, &pt->trans, 1);
        }
    }
    return done(out, err);
}

/* ---- JSON ------------------------------------------------------------- */

/* Written through util/jsonw.h as jansson's JSON_INDENT(2) would write the
 * same tree (the format files and scripts have always read): strings with
 * invalid UTF-8 get U+FFFD for each bad byte rather than losing the label
 * (PD_JSONW_LOSSY), decimals as "%.15g" does. */

/* A threshold as a policy file writes it: a whole number, or a decimal as
 * jansson writes a double with JSON_REAL_PRECISION(15) (2.5, 0.25,
 * 123456789012346.0 when 15 digits leave no fraction, 1.5e15: no '+' and
 * no leading zeros in an exponent). */
static void jthreshold(pd_jsonw *w, pd_rule rule, uint64_t t)
{
    if (!pd_rule_is_decimal(rule)) {
        pd_jsonw_uint(w, t);
        return;
    }
    if (t % 100 == 0) {
        pd_jsonw_uint(w, t / 100);
        return;
    }
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.15g", (double)t / 100.0);
    if (n <= 0 || (size_t)n >= sizeof tmp) {
        pd_jsonw_double(w, (double)t / 100.0);
        return;
    }
    char *e = strchr(tmp, 'e');
    if (e) {
        char *from = e + 1, *to = e + 1;
        if (*from == '+')
            from++;
        else if (*from == '-')
            *to++ = *from++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
    } else if (!strchr(tmp, '.')) {
        memcpy(tmp + n, ".0", 3); /* 15 digits left no fraction: still a decimal */
    }
    pd_jsonw_raw(w, tmp, strlen(tmp));
}

static void jtrans(pd_jsonw *w, const pd_sim_trans *t)
{
    pd_jsonw_kuint(w, "kept", t->kept);
    pd_jsonw_kuint(w, "lost", t->lost);
    pd_jsonw_kuint(w, "gained", t->gained);
    pd_jsonw_kuint(w, "never", t->never);
}

static void jpolicy(pd_jsonw *w, const pd_sim_result *s, size_t p)
{
    const pd_policy *pol = &s->policies[p];
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "name", pol->name);
    if (pol->description[0])
        pd_jsonw_kstr(w, "description", pol->description);
    pd_jsonw_kuint(w, "window_days", pol->window_days);
    pd_jsonw_key(w, "rules");
    pd_jsonw_obj_begin(w);
    for (int k = 0; k < PD_RULE_COUNT; k++) {
        if (pol->rules & BIT(k)) {
            pd_jsonw_key(w, pd_rule_key((pd_rule)k));
            jthreshold(w, (pd_rule)k, pol->threshold[k]);
        }
    }
    pd_jsonw_obj_end(w);
    pd_jsonw_kuint(w, "certified", pd_sim_certified(&s->overall[p]));
    if (p > 0)
        jtrans(w, &s->overall[p]);
    pd_jsonw_obj_end(w);
}

static void jgroup(pd_jsonw *w, const pd_report *r, pd_sim_dim d, size_t g)
{
    const pd_sim_result *s = r->sim;
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "group", group_label(r, d, g).s);
    if (d == PD_SIM_BY_MCN_ID) {
        static const char *const kinds[] = {"mcn", "others", "independent"};
        const pd_sim_mcn_group *m = &s->mcn_groups[g];
        pd_jsonw_kstr(w, "kind", kinds[m->kind]);
        if (m->kind == PD_SIM_MCN_ONE)
            pd_jsonw_kuint(w, "mcn_id", m->id);
        else
            pd_jsonw_knull(w, "mcn_id");
        pd_jsonw_kuint(w, "mcns", m->mcns);
    }
    pd_jsonw_kuint(w, "creators", pd_sim_total(pd_sim_group(s, d, g, 0)));
    pd_jsonw_key(w, "policies");
    pd_jsonw_arr_begin(w);
    for (size_t p = 0; p < s->npolicies; p++) {
        const pd_sim_trans *t = pd_sim_group(s, d, g, p);
        pd_jsonw_obj_begin(w);
        pd_jsonw_kstr(w, "name", s->policies[p].name);
        pd_jsonw_kuint(w, "certified", pd_sim_certified(t));
        if (p > 0)
            jtrans(w, t);
        pd_jsonw_obj_end(w);
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
}

static void jsweep(pd_jsonw *w, const pd_sim_result *s)
{
    const pd_policy *last = &s->policies[s->npolicies - 1];
    pd_rule rule = s->sweep.rule;
    pd_jsonw_obj_begin(w);
    pd_jsonw_kstr(w, "policy", last->name);
    pd_jsonw_kstr(w, "rule", pd_rule_key(rule));
    pd_jsonw_key(w, "from");
    jthreshold(w, rule, s->sweep.from);
    pd_jsonw_key(w, "to");
    jthreshold(w, rule, s->sweep.to);
    pd_jsonw_key(w, "step");
    jthreshold(w, rule, s->sweep.step);
    pd_jsonw_key(w, "current");
    if (last->rules & BIT(rule))
        jthreshold(w, rule, last->threshold[rule]);
    else
        pd_jsonw_null(w);
    pd_jsonw_key(w, "points");
    pd_jsonw_arr_begin(w);
    for (size_t k = 0; k < s->nsweep; k++) {
        const pd_sim_sweep_point *pt = &s->sweep_points[k];
        pd_jsonw_obj_begin(w);
        pd_jsonw_key(w, "threshold");
        jthreshold(w, rule, pt->threshold);
        pd_jsonw_kuint(w, "certified", pd_sim_certified(&pt->trans));
        jtrans(w, &pt->trans);
        pd_jsonw_obj_end(w);
    }
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_end(w);
}

int pd_report_json(const pd_report *r, pd_buf *out, pd_error *err)
{
    const pd_sim_result *s = r->sim;
    pd_jsonw w;
    pd_jsonw_init(&w, out, PD_JSONW_INDENT | PD_JSONW_LOSSY);
    pd_jsonw_obj_begin(&w);
    if (r->as_of)
        pd_jsonw_kstr(&w, "as_of", r->as_of);
    pd_jsonw_kuint(&w, "creators", s->creators);
    pd_jsonw_kstr(&w, "baseline", s->policies[0].name);
    pd_jsonw_key(&w, "policies");
    pd_jsonw_arr_begin(&w);
    for (size_t p = 0; p < s->npolicies; p++)
        jpolicy(&w, s, p);
    pd_jsonw_arr_end(&w);
    pd_jsonw_key(&w, "breakdowns");
    pd_jsonw_obj_begin(&w);
    for (int d = 0; d < PD_SIM_DIM_COUNT; d++) {
        size_t *order = group_order(r, (pd_sim_dim)d);
        if (!order)
            return pd_error_set(err, PD_ENOMEM, "report: out of memory ordering groups");
        pd_jsonw_key(&w, dim_keys[d]);
        pd_jsonw_arr_begin(&w);
        for (size_t i = 0; i < s->ngroups[d]; i++)
            jgroup(&w, r, (pd_sim_dim)d, order[i]);
        free(order);
        pd_jsonw_arr_end(&w);
    }
    pd_jsonw_obj_end(&w);
    if (s->has_sweep) {
        pd_jsonw_key(&w, "sweep");
        jsweep(&w, s);
    }
    pd_jsonw_obj_end(&w);
    int rc = pd_jsonw_finish(&w, err);
    if (rc)
        return pd_error_prefix(err, "report");
    pd_buf_putc(out, '\n');
    return done(out, err);
}

int pd_report_write(const pd_report *r, pd_report_format f, pd_buf *out, pd_error *err)
{
    switch (f) {
    case PD_REPORT_TEXT: return pd_report_text(r, out, err);
    case PD_REPORT_CSV: return pd_report_csv(r, out, err);
    case PD_REPORT_JSON: return pd_report_json(r, out, err);
    }
    return pd_error_set(err, PD_EINTERNAL, "report: unknown format %d", (int)f);
}

/* ---- chart ------------------------------------------------------------ */

static int sweep_chart(const pd_report *r, pd_buf *out, pd_error *err)
{
    const pd_sim_result *s = r->sim;
    const pd_policy *first = &s->policies[0], *last = &s->policies[s->npolicies - 1];
    pd_rule rule = s->sweep.rule;
    const char *key = pd_rule_key(rule);
    size_t n = s->nsweep;
    double *v = malloc(3 * (n ? n : 1) * sizeof *v);
    if (!v)
        return pd_error_set(err, PD_ENOMEM, "chart: out of memory");
    double *x = v, *cert = v + n, *kept = v + 2 * n;
    double scale = pd_rule_is_decimal(rule) ? 100.0 : 1.0;
    for (size_t k = 0; k < n; k++) {
        x[k] = (double)s->sweep_points[k].threshold / scale;
        cert[k] = (double)pd_sim_certified(&s->sweep_points[k].trans);
        kept[k] = (double)s->sweep_points[k].trans.kept;
    }
    char title[PD_POLICY_NAME_MAX + 64], subtitle[256], name0[PD_POLICY_NAME_MAX + 64],
        name1[PD_POLICY_NAME_MAX + 96], xt[64], mlabel[PD_POLICY_NAME_MAX + 48];
    uint64_t base = pd_sim_baseline(&s->overall[0]);
    snprintf(title, sizeof title, "Sweep of %s in %s", key, last->name);
    snprintf(subtitle, sizeof subtitle, "%s creators%s%s; %s certifies %s today",
             thou(s->creators).s, r->as_of ? " as of " : "", r->as_of ? r->as_of : "", first->name,
             thou(base).s);
    snprintf(name0, sizeof name0, "certified under %s with this %s", last->name, key);
    snprintf(name1, sizeof name1, "of them, also certified under %s today", first->name);
    snprintf(xt, sizeof xt, "%s threshold", key);
    pd_svg_series series[2] = {{name0, x, cert, n}, {name1, x, kept, n}};
    pd_svg_marker marker = {0, mlabel};
    size_t nmarkers = 0;
    if (last->rules & BIT(rule)) {
        marker.x = (double)last->threshold[rule] / scale;
        snprintf(mlabel, sizeof mlabel, "%s today: %s", last->name,
                 threshold_text(rule, last->threshold[rule]).s);
        nmarkers = 1;
    }
    pd_svg_line_chart c = {.title = title,
                           .subtitle = subtitle,
                           .x_title = xt,
                           .y_title = "creators",
                           .series = series,
                           .nseries = 2,
                           .markers = &marker,
                           .nmarkers = nmarkers,
                           .y_from_zero = 1};
    int rc = pd_svg_line(out, &c, err);
    free(v);
    return rc;
}

static int bars_chart(const pd_report *r, pd_buf *out, pd_error *err)
{
    const pd_sim_result *s = r->sim;
    size_t ng = s->ngroups[PD_SIM_BY_CATEGORY], np = s->npolicies;
    size_t *order = group_order(r, PD_SIM_BY_CATEGORY);
    double *values = malloc((ng ? ng : 1) * np * sizeof *values);
    const char **groups = malloc((ng ? ng : 1) * sizeof *groups);
    if (!order || !values || !groups) {
        free(order);
        free(values);
        free(groups);
        return pd_error_set(err, PD_ENOMEM, "chart: out of memory");
    }
    const char *names[PD_SIM_MAX_POLICIES];
    for (size_t p = 0; p < np; p++)
        names[p] = s->policies[p].name;
    for (size_t i = 0; i < ng; i++) {
        groups[i] = category_label(r, order[i]);
        for (size_t p = 0; p < np; p++)
            values[i * np + p] =
                (double)pd_sim_certified(pd_sim_group(s, PD_SIM_BY_CATEGORY, order[i], p));
    }
    char subtitle[256];
    snprintf(subtitle, sizeof subtitle, "%s creators%s%s", thou(s->creators).s,
             r->as_of ? " as of " : "", r->as_of ? r->as_of : "");
    pd_svg_bar_chart c = {.title = "Creators certified, by category",
                          .subtitle = subtitle,
                          .x_title = "category",
                          .y_title = "creators certified",
                          .groups = groups,
                          .ngroups = ng,
                          .series = names,
                          .nseries = np,
                          .values = values};
    int rc = pd_svg_bars(out, &c, err);
    free(order);
    free(values);
    free(groups);
    return rc;
}

int pd_report_chart(const pd_report *r, pd_buf *out, pd_error *err)
{
    return r->sim->has_sweep ? sweep_chart(r, out, err) : bars_chart(r, out, err);
}
