/* router.c - see router.h.
 *
 * Patterns are split into segments once, when added; matching splits and
 * decodes the path once, then compares it with every route of the same
 * number of segments. A linear scan over pre-split patterns costs well
 * under a microsecond for the few hundred routes we will ever have, and
 * keeps the "most literal wins" rule and the 405 answer simple. */
#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "util/num.h"
#include "util/utf8.h"

typedef struct segment {
    const char *lit; /* literal text (in the pattern), or NULL for a parameter */
    size_t lit_len;
    int is_int;
    char name[PD_ROUTE_PARAM_NAME_MAX];
} segment;

typedef struct entry {
    const pd_route *route;
    void *ctx;
    size_t nseg;
    segment seg[PD_ROUTE_MAX_SEGMENTS];
} entry;

struct pd_router {
    entry *e;
    size_t n, cap;
};

/* Methods a table may use, in the order an Allow header lists them. */
static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
#define NMETHODS (sizeof methods / sizeof methods[0])

pd_router *pd_router_new(void)
{
    return calloc(1, sizeof(pd_router));
}

void pd_router_free(pd_router *r)
{
    if (r) {
        free(r->e);
        free(r);
    }
}

size_t pd_router_count(const pd_router *r)
{
    return r->n;
}

const pd_route *pd_router_route(const pd_router *r, size_t i, void **ctx)
{
    if (i >= r->n)
        return NULL;
    if (ctx)
        *ctx = r->e[i].ctx;
    return r->e[i].route;
}

const pd_route *pd_router_find(const pd_router *r, const char *name, size_t *index)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].route->name, name) == 0) {
            if (index)
                *index = i;
            return r->e[i].route;
        }
    return NULL;
}

int pd_router_openapi_path(const pd_router *r, size_t i, char *buf, size_t n)
{
    if (i >= r->n || n == 0)
        return -1;
    const entry *e = &r->e[i];
    size_t len = 0;
    if (e->nseg == 0) {
        if (n < 2)
            return -1;
        memcpy(buf, "/", 2);
        return 0;
    }
    for (size_t k = 0; k < e->nseg; k++) {
        const segment *s = &e->seg[k];
        int w = s->lit ? snprintf(buf + len, n - len, "/%.*s", (int)s->lit_len, s->lit)
                       : snprintf(buf + len, n - len, "/{%s}", s->name);
        if (w < 0 || (size_t)w >= n - len)
            return -1;
        len += (size_t)w;
    }
    return 0;
}

size_t pd_router_params(const pd_router *r, size_t i, const char **names, int *is_int)
{
    if (i >= r->n)
        return 0;
    const entry *e = &r->e[i];
    size_t np = 0;
    for (size_t k = 0; k < e->nseg; k++) {
        if (e->seg[k].lit)
            continue;
        if (names)
            names[np] = e->seg[k].name;
        if (is_int)
            is_int[np] = e->seg[k].is_int;
        np++;
    }
    return np;
}

/* Characters a literal segment may hold: RFC 3986 pchar without '%'. */
static int literal_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

static int compile(const pd_route *rt, entry *out, pd_error *err)
{
    const char *p = rt->pattern;
    out->route = rt;
    out->nseg = 0;
    if (!p || p[0] != '/')
        return pd_error_set(err, PD_EINTERNAL, "pattern must start with '/'");
    if (strcmp(p, "/") == 0)
        return PD_OK;
    size_t nparams = 0;
    p++;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            return pd_error_set(err, PD_EINTERNAL, "empty segment (\"//\" or a trailing '/')");
        if (out->nseg == PD_ROUTE_MAX_SEGMENTS)
            return pd_error_set(err, PD_EINTERNAL, "more than %d segments", PD_ROUTE_MAX_SEGMENTS);
        segment *s = &out->seg[out->nseg++];
        memset(s, 0, sizeof *s);
        if (p[0] == '{') {
            if (p[len - 1] != '}' || len < 3)
                return pd_error_set(err, PD_EINTERNAL,
                                    "a parameter is written {name} or {name:int}");
            const char *name = p + 1;
            size_t nlen = len - 2;
            const char *colon = memchr(name, ':', nlen);
            if (colon) {
                size_t tlen = nlen - (size_t)(colon - name) - 1;
                if (tlen != 3 || memcmp(colon + 1, "int", 3) != 0)
                    return pd_error_set(err, PD_EINTERNAL,
                                        "unknown parameter type '%.*s' (only :int)", (int)tlen,
                                        colon + 1);
                s->is_int = 1;
                nlen = (size_t)(colon - name);
            }
            if (nlen == 0 || nlen >= PD_ROUTE_PARAM_NAME_MAX)
                return pd_error_set(err, PD_EINTERNAL, "a parameter name of 1 to %d characters",
                                    PD_ROUTE_PARAM_NAME_MAX - 1);
            for (size_t i = 0; i < nlen; i++) {
                char c = name[i];
                int ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
                if (!ok)
                    return pd_error_set(err, PD_EINTERNAL,
                                        "parameter name '%.*s': lower case letters, digits, '_'",
                                        (int)nlen, name);
            }
            memcpy(s->name, name, nlen);
            s->name[nlen] = '\0';
            for (size_t i = 0; i + 1 < out->nseg; i++)
                if (!out->seg[i].lit && strcmp(out->seg[i].name, s->name) == 0)
                    return pd_error_set(err, PD_EINTERNAL, "parameter '%s' twice", s->name);
            if (++nparams > PD_ROUTE_MAX_PARAMS)
                return pd_error_set(err, PD_EINTERNAL, "more than %d parameters",
                                    PD_ROUTE_MAX_PARAMS);
        } else {
            for (size_t i = 0; i < len; i++)
                if (!literal_char(p[i]))
                    return pd_error_set(err, PD_EINTERNAL, "character '%c' in a literal segment",
                                        p[i]);
            s->lit = p;
            s->lit_len = len;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return PD_OK;
}

static int same_shape(const entry *a, const entry *b)
{
    if (a->nseg != b->nseg)
        return 0;
    for (size_t i = 0; i < a->nseg; i++) {
        const segment *x = &a->seg[i], *y = &b->seg[i];
        if (!x->lit != !y->lit)
            return 0;
        if (x->lit && (x->lit_len != y->lit_len || memcmp(x->lit, y->lit, x->lit_len) != 0))
            return 0;
    }
    return 1;
}

static int known_method(const char *m)
{
    for (size_t i = 0; i < NMETHODS; i++)
        if (strcmp(m, methods[i]) == 0)
            return strcmp(m, "HEAD") != 0; /* HEAD is answered by GET */
    return 0;
}

int pd_router_add(pd_router *r, const pd_route *routes, size_t n, void *ctx, pd_error *err)
{
    if (n > PD_ROUTE_MAX || r->n > PD_ROUTE_MAX - n)
        return pd_error_set(err, PD_EINTERNAL, "more than %d routes", PD_ROUTE_MAX);
    if (r->n + n > r->cap) {
        size_t cap = r->cap ? r->cap : 16;
        while (cap < r->n + n)
            cap *= 2;
        entry *e = realloc(r->e, cap * sizeof *e);
        if (!e)
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        r->e = e;
        r->cap = cap;
    }
    size_t base = r->n;
    for (size_t i = 0; i < n; i++) {
        const pd_route *rt = &routes[i];
        const char *label = rt->name ? rt->name : "(no name)";
        entry *e = &r->e[base + i];
        int rc;
        if (!rt->name || !rt->name[0])
            rc = pd_error_set(err, PD_EINTERNAL, "no name");
        else if (!rt->method || !known_method(rt->method))
            rc = pd_error_set(err, PD_EINTERNAL, "method '%s' (use GET, POST, PUT, PATCH, DELETE)",
                              rt->method ? rt->method : "(none)");
        else if (!rt->summary || !rt->summary[0])
            rc = pd_error_set(err, PD_EINTERNAL, "no summary");
        else if (!rt->handler)
            rc = pd_error_set(err, PD_EINTERNAL, "no handler");
        else
            rc = compile(rt, e, err);
        if (rc)
            return pd_error_prefix(err, "route %s %s (%s)", rt->method ? rt->method : "?",
                                   rt->pattern ? rt->pattern : "?", label);
        e->ctx = ctx;
        for (size_t j = 0; j < base + i; j++) {
            const pd_route *other = r->e[j].route;
            if (strcmp(other->name, rt->name) == 0)
                return pd_error_set(err, PD_EINTERNAL, "route name '%s' used twice", rt->name);
            if (strcmp(other->method, rt->method) == 0 && same_shape(&r->e[j], e))
                return pd_error_set(err, PD_EINTERNAL, "routes %s %s (%s) and %s (%s) overlap",
                                    rt->method, rt->pattern, rt->name, other->pattern, other->name);
        }
    }
    r->n = base + n;
    return PD_OK;
}

typedef struct path_seg {
    const char *s; /* decoded, NUL-terminated, in m->storage */
    size_t len;
} path_seg;

/* Splits and decodes path into m->storage. Returns the number of segments,
 * -1 for a path no route can have (404), -2 for bad encoding (400). */
static int split_path(const char *path, pd_route_match *m, path_seg *segs)
{
    if (path[0] != '/')
        return -1;
    size_t plen = strlen(path);
    if (plen > PD_PATH_MAX)
        return -1;
    if (plen == 1)
        return 0;
    int n = 0;
    size_t out = 0;
    const char *p = path + 1;
    for (;;) {
        if (n == PD_ROUTE_MAX_SEGMENTS)
            return -1;
        segs[n].s = m->storage + out;
        size_t start = out;
        while (*p && *p != '/') {
            unsigned char c = (unsigned char)*p;
            if (c == '%') {
                int hi = p[1] ? pd_hex_value((unsigned char)p[1]) : -1;
                int lo = hi >= 0 && p[2] ? pd_hex_value((unsigned char)p[2]) : -1;
                if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                    return -2;
                c = (unsigned char)(hi * 16 + lo);
                p += 3;
            } else {
                p++;
            }
            m->storage[out++] = (char)c;
        }
        segs[n].len = out - start;
        m->storage[out++] = '\0';
        n++;
        if (!*p)
            break;
        p++; /* the '/' */
    }
    return n;
}

/* Does route e fit the path? */
static int fits(const entry *e, const path_seg *segs, int n)
{
    if (e->nseg != (size_t)n)
        return 0;
    for (int i = 0; i < n; i++) {
        const segment *s = &e->seg[i];
        if (s->lit) {
            if (s->lit_len != segs[i].len || memcmp(s->lit, segs[i].s, s->lit_len) != 0)
                return 0;
        } else if (segs[i].len == 0) {
            return 0;
        }
    }
    return 1;
}

/* Nonzero when a is more specific than b: a literal where b has a
 * parameter, at the first segment where they differ in kind. */
static int more_specific(const entry *a, const entry *b)
{
    for (size_t i = 0; i < a->nseg; i++) {
        int la = a->seg[i].lit != NULL, lb = b->seg[i].lit != NULL;
        if (la != lb)
            return la;
    }
    return 0;
}

static int parse_int_param(const char *s, int64_t *out)
{
    if (!*s)
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > (uint64_t)INT64_MAX)
            return -1;
    }
    *out = (int64_t)v;
    return 0;
}

pd_match_status pd_router_match(const pd_router *r, const char *method, const char *path,
                                pd_route_match *m, pd_error *err)
{
    m->route = NULL;
    m->ctx = NULL;
    m->index = (size_t)-1;
    m->nparams = 0;
    m->allow[0] = '\0';
    path_seg segs[PD_ROUTE_MAX_SEGMENTS];
    int n = split_path(path, m, segs);
    if (n == -2) {
        pd_error_set(err, PD_EINPUT, "path: bad percent-encoding (or %%00)");
        return PD_MATCH_BAD_REQUEST;
    }
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    const entry *best = NULL;
    size_t best_i = 0;
    int path_methods[NMETHODS] = {0};
    int path_known = 0;
    if (n >= 0) {
        for (size_t i = 0; i < r->n; i++) {
            const entry *e = &r->e[i];
            if (!fits(e, segs, n))
                continue;
            path_known = 1;
            for (size_t k = 0; k < NMETHODS; k++)
                if (strcmp(e->route->method, methods[k]) == 0)
                    path_methods[k] = 1;
            if (strcmp(e->route->method, want) == 0 && (!best || more_specific(e, best))) {
                best = e;
                best_i = i;
            }
        }
    }
    if (!best && path_known) {
        path_methods[1] |= path_methods[0]; /* GET routes answer HEAD */
        size_t len = 0;
        for (size_t k = 0; k < NMETHODS; k++)
            if (path_methods[k]) {
                int w = snprintf(m->allow + len, sizeof m->allow - len, "%s%s", len ? ", " : "",
                                 methods[k]);
                if (w > 0 && (size_t)w < sizeof m->allow - len)
                    len += (size_t)w;
            }
        return PD_MATCH_METHOD;
    }
    if (!best) {
        pd_error_set(err, PD_ENOTFOUND, "no such path: %.200s", path);
        return PD_MATCH_NOT_FOUND;
    }
    m->route = best->route;
    m->ctx = best->ctx;
    m->index = best_i;
    for (int i = 0; i < n; i++) {
        const segment *s = &best->seg[i];
        if (s->lit)
            continue;
        pd_route_param *p = &m->params[m->nparams++];
        p->name = s->name;
        p->value = segs[i].s;
        p->is_int = s->is_int;
        p->num = 0;
        if (!pd_utf8_valid(segs[i].s, segs[i].len) || memchr(segs[i].s, '\0', segs[i].len)) {
            pd_error_set(err, PD_EINPUT, "path parameter '%s': not valid UTF-8", s->name);
            return PD_MATCH_BAD_REQUEST;
        }
        if (s->is_int && parse_int_param(segs[i].s, &p->num) < 0) {
            pd_error_set(err, PD_EINPUT,
                         "path parameter '%s': expected a whole number from 0 to %lld, got "
                         "'%.40s'",
                         s->name, (long long)INT64_MAX, segs[i].s);
            return PD_MATCH_BAD_REQUEST;
        }
    }
    return PD_MATCH_OK;
}

const pd_route_param *pd_route_match_param(const pd_route_match *m, const char *name)
{
    for (size_t i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return &m->params[i];
    return NULL;
}
