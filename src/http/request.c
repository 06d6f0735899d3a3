/* request.c - see request.h: a request's memory, its target (path and
 * query), and reading what came in. JSON bodies are in request_json.c, the
 * answer in request_answer.c, the head check in request_head.c. */
#include "http/request_int.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/num.h"
#include "util/utf8.h"

/* ---- arena ------------------------------------------------------------------ */

void *pd_req_alloc(pd_req *req, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    if (ARENA_INLINE - req->inline_used >= n) {
        void *p = req->inline_mem + req->inline_used;
        req->inline_used += n;
        return p;
    }
    arena_chunk *c = req->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = req->chunks;
        req->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

char *pd_req_strndup(pd_req *req, const char *s, size_t n)
{
    char *p = pd_req_alloc(req, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ---- the target: path and query ------------------------------------------------ */

/* Decodes s[0..n) of a query into the arena ('+' is a space); NULL with
 * *why set when the encoding is bad, a NUL results, or it is not UTF-8. */
static char *query_decode(pd_req *req, const char *s, size_t n, const char **why)
{
    char *out = pd_req_alloc(req, n + 1);
    if (!out) {
        *why = "out of memory";
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            out[j++] = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? pd_hex_value((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? pd_hex_value((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *why = "bad percent-encoding";
                return NULL;
            }
            c = (unsigned char)(hi * 16 + lo);
            if (c == 0) {
                *why = "a NUL character (%00)";
                return NULL;
            }
            out[j++] = (char)c;
            i += 2;
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = '\0';
    if (!pd_utf8_valid(out, j)) {
        *why = "not valid UTF-8";
        return NULL;
    }
    return out;
}

static void parse_query(pd_req *req, const char *q)
{
    size_t len = strlen(q);
    if (len > PD_REQ_QUERY_BYTES) {
        pd_error_set(&req->early, PD_EINPUT, "the query string is longer than %d bytes",
                     PD_REQ_QUERY_BYTES);
        return;
    }
    const char *p = q, *end = q + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) {
            if (req->nquery == PD_REQ_QUERY_MAX) {
                pd_error_set(&req->early, PD_EINPUT, "the query has more than %d parameters",
                             PD_REQ_QUERY_MAX);
                return;
            }
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *name_end = eq ? eq : stop;
            const char *why = NULL;
            char *name = query_decode(req, p, (size_t)(name_end - p), &why);
            char *value = NULL;
            if (name)
                value = eq ? query_decode(req, eq + 1, (size_t)(stop - eq - 1), &why)
                           : pd_req_strndup(req, "", 0);
            if (!name || !value) {
                if (!why)
                    why = "out of memory";
                pd_error_set(&req->early, strcmp(why, "out of memory") ? PD_EINPUT : PD_ENOMEM,
                             "query parameter %d: %s", (int)req->nquery + 1, why);
                return;
            }
            req->query[req->nquery].name = name;
            req->query[req->nquery].value = value;
            req->nquery++;
        }
        p = stop + 1;
    }
}

pd_req *pd_req_new(const char *method, const char *target, const pd_req_limits *limits)
{
    pd_req *req = malloc(sizeof *req);
    if (!req)
        return NULL;
    /* Zero everything but the inline arena. */
    memset(req, 0, offsetof(pd_req, inline_mem));
    req->lim = *limits;
    req->status = 200;
    req->content_type = PD_REQ_JSON_MEDIA;
    req->retry_after = 1;
    req->match.index = (size_t)-1;
    pd_buf_init(&req->body, limits->body_max);
    pd_buf_init(&req->out, limits->out_max > OUT_MIN ? limits->out_max : OUT_MIN);
    req->method = pd_req_strndup(req, method, strlen(method));

    /* A space or a control character cannot be in a target (RFC 9112
     * 3.2): a client that sends one means something else by it than a
     * proxy that splits the line at it. */
    for (const unsigned char *c = (const unsigned char *)target; *c; c++)
        if (*c <= 0x20 || *c == 0x7f) {
            pd_error_set(&req->early, PD_EUSAGE,
                         "the request target holds a space or a control character "
                         "(0x%02x): percent-encode it",
                         *c);
            break;
        }
    /* An absolute-form target (http://host/path) is routed by its path. */
    const char *t = target;
    if (strncasecmp(t, "http://", 7) == 0 || strncasecmp(t, "https://", 8) == 0) {
        const char *slash = strchr(strstr(t, "//") + 2, '/');
        t = slash ? slash : "/";
    }
    const char *qm = strchr(t, '?');
    size_t plen = qm ? (size_t)(qm - t) : strlen(t);
    req->path = pd_req_strndup(req, t, plen);
    if (!req->method || !req->path) {
        pd_req_free(req);
        return NULL;
    }
    if (qm && req->early.code == PD_OK)
        parse_query(req, qm + 1);
    return req;
}

void pd_req_free(pd_req *req)
{
    if (!req)
        return;
    pd_req_release_held(req);
    pd_buf_free(&req->body);
    pd_buf_free(&req->out);
    arena_chunk *c = req->chunks;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(req);
}

void pd_req_set_header_source(pd_req *req, pd_req_header_fn lookup, void *ctx)
{
    req->header_fn = lookup;
    req->header_ctx = ctx;
}

void pd_req_set_client(pd_req *req, const char *addr)
{
    snprintf(req->client, sizeof req->client, "%s", addr ? addr : "");
}

int pd_req_body_append(pd_req *req, const void *data, size_t n)
{
    if (n > req->lim.body_max || req->body.len > req->lim.body_max - n)
        return -1;
    return pd_buf_append(&req->body, data, n);
}

void pd_req_set_body_max(pd_req *req, size_t body_max)
{
    req->lim.body_max = body_max;
    req->body.max = body_max;
}

size_t pd_req_body_max(const pd_req *req)
{
    return req->lim.body_max;
}

int pd_req_body_reserve(pd_req *req, size_t n)
{
    if (n > req->lim.body_max)
        return -1;
    if (req->body.cap == 0 && n > 0) {
        /* Exactly the announced size: pd_buf would round up to a power of
         * two, up to twice what the body holds. */
        char *p = malloc(n + 1);
        if (!p)
            return -1;
        p[0] = '\0';
        req->body.data = p;
        req->body.cap = n + 1;
        return 0;
    }
    return pd_buf_reserve(&req->body, n);
}

size_t pd_req_body_capacity(const pd_req *req)
{
    return req->body.cap;
}

void pd_req_set_guarded(pd_req *req)
{
    req->guarded = 1;
}

int pd_req_guarded(const pd_req *req)
{
    return req->guarded;
}

int pd_req_early_error(const pd_req *req, pd_error *err)
{
    if (req->early.code == PD_OK)
        return PD_OK;
    if (err)
        *err = req->early;
    return req->early.code;
}

void pd_req_set_match(pd_req *req, const pd_route_match *m)
{
    req->match = *m;
    /* The parameters point into the match's own storage: rebase them. */
    for (size_t i = 0; i < m->nparams; i++)
        req->match.params[i].value = req->match.storage + (m->params[i].value - m->storage);
    req->routed = m->route != NULL;
}

/* ---- reading ------------------------------------------------------------------ */

const char *pd_req_method(const pd_req *req)
{
    return req->method;
}

int pd_req_safe_method(const pd_req *req)
{
    return strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
}

const char *pd_req_path(const pd_req *req)
{
    return req->path;
}

const char *pd_req_client(const pd_req *req)
{
    return req->client;
}

const pd_route *pd_req_route(const pd_req *req)
{
    return req->routed ? req->match.route : NULL;
}

size_t pd_req_route_index(const pd_req *req)
{
    return req->routed ? req->match.index : (size_t)-1;
}

void *pd_req_route_ctx(const pd_req *req)
{
    return req->routed ? req->match.ctx : NULL;
}

const char *pd_req_param(const pd_req *req, const char *name)
{
    const pd_route_param *p = req->routed ? pd_route_match_param(&req->match, name) : NULL;
    return p ? p->value : NULL;
}

int64_t pd_req_param_int(const pd_req *req, const char *name)
{
    const pd_route_param *p = req->routed ? pd_route_match_param(&req->match, name) : NULL;
    return p && p->is_int ? p->num : -1;
}

const char *pd_req_header(const pd_req *req, const char *name)
{
    return req->header_fn ? req->header_fn(req->header_ctx, name) : NULL;
}

size_t pd_req_query_count(const pd_req *req)
{
    return req->nquery;
}

void pd_req_query_at(const pd_req *req, size_t i, const char **name, const char **value)
{
    *name = req->query[i].name;
    *value = req->query[i].value;
}

const char *pd_req_query(const pd_req *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    return NULL;
}

/* Parses an optional '-' and 1 to 19 digits into *out; -1 when it is not
 * that or does not fit in int64. */
static int parse_i64(const char *s, int64_t *out)
{
    int neg = *s == '-';
    if (neg)
        s++;
    if (*s == '\0')
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return -1;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)v;
    }
    return 0;
}

int pd_req_query_int(const pd_req *req, const char *name, int64_t min, int64_t max, int64_t def,
                     int64_t *out, pd_error *err)
{
    const char *v = pd_req_query(req, name);
    if (!v) {
        *out = def;
        return PD_OK;
    }
    int64_t x;
    if (parse_i64(v, &x) < 0 || x < min || x > max)
        return pd_error_set(err, PD_EINPUT,
                            "query parameter '%s': expected a whole number from %lld to %lld, "
                            "got '%.40s'",
                            name, (long long)min, (long long)max, v);
    *out = x;
    return PD_OK;
}

void pd_req_set_principal(pd_req *req, void *principal)
{
    req->principal = principal;
}

void *pd_req_principal(const pd_req *req)
{
    return req->principal;
}

void pd_req_hold(pd_req *req, void *held, void (*release)(void *held))
{
    pd_req_release_held(req);
    req->held = held;
    req->release_held = release;
}

void *pd_req_held(const pd_req *req)
{
    return req->held;
}

void pd_req_release_held(pd_req *req)
{
    void *held = req->held;
    void (*release)(void *) = req->release_held;
    req->held = NULL;
    req->release_held = NULL;
    if (release)
        release(held);
}

const char *pd_req_body(const pd_req *req, size_t *len)
{
    if (len)
        *len = req->body.len;
    return req->body.data ? req->body.data : "";
}
