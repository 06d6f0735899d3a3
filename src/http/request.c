/* request.c - see request.h. */
#include "http/request.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/json_type.h"
#include "util/log.h"
#include "util/num.h"
#include "util/utf8.h"

#define ARENA_INLINE 2048
#define ARENA_CHUNK 4096
#define OUT_MIN 4096 /* an error answer always fits */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
} arena_chunk;

typedef struct name_value {
    const char *name, *value;
} name_value;

struct pd_req {
    const char *method;
    const char *path;
    char client[64];
    pd_req_limits lim;
    pd_error early; /* found while parsing the target */

    size_t nquery;
    name_value query[PD_REQ_QUERY_MAX];

    pd_req_header_fn header_fn;
    void *header_ctx;
    void *principal;
    void *held;
    void (*release_held)(void *held);
    pd_buf body;

    int routed;
    int guarded; /* the guard ran before the body (pd_router_guard) */
    pd_route_match match;

    unsigned status;
    const char *content_type;
    size_t nheaders;
    name_value headers[PD_REQ_HEADERS_MAX];
    unsigned retry_after;
    pd_buf out;
    pd_jsonw jw;
    int jw_started;

    arena_chunk *chunks;
    size_t inline_used;
    alignas(max_align_t) unsigned char inline_mem[ARENA_INLINE];
};

static const char json_media[] = "application/json";

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
    req->content_type = json_media;
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

/* ---- JSON in ------------------------------------------------------------------ */

/* Nonzero when the media type (before any ';') is application/json or
 * ends in +json. */
static int json_media_type(const char *ct)
{
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* The deepest nesting of s, counting brackets outside strings; stops
 * counting once past limit. */
static int json_depth_over(const char *s, size_t len, int limit)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return 1;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

int pd_req_json_body(pd_req *req, json_t **out, pd_error *err)
{
    *out = NULL;
    const char *ct = pd_req_header(req, "Content-Type");
    if (ct && !json_media_type(ct))
        return pd_error_set(err, PD_EINPUT, "body: Content-Type is '%.60s'; send application/json",
                            ct);
    size_t len;
    const char *body = pd_req_body(req, &len);
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len)
        return pd_error_set(err, PD_EINPUT, "body: empty; expected a JSON object");
    if (json_depth_over(body, len, PD_REQ_JSON_DEPTH))
        return pd_error_set(err, PD_EINPUT, "body: JSON nested deeper than %d levels",
                            PD_REQ_JSON_DEPTH);
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return pd_error_set(err, PD_EINPUT, "body: invalid JSON at line %d, column %d: %s", je.line,
                            je.column, je.text);
    if (!json_is_object(v)) {
        const char *what = pd_json_type_name(v);
        json_decref(v);
        return pd_error_set(err, PD_EINPUT, "body: expected a JSON object, got %s", what);
    }
    *out = v;
    return PD_OK;
}

/* The field's value; NULL when missing or null (then *missing says which). */
static const json_t *field_get(const json_t *obj, const char *field, const char **absent)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, field) : NULL;
    if (!v) {
        *absent = "missing";
        return NULL;
    }
    if (json_is_null(v)) {
        *absent = "null";
        return NULL;
    }
    return v;
}

static int int_value(const json_t *v, const char *field, int64_t min, int64_t max, int64_t *out,
                     pd_error *err)
{
    if (!json_is_integer(v))
        return pd_error_set(err, PD_EINPUT,
                            "field '%s': expected a whole number from %lld to %lld, got %s", field,
                            (long long)min, (long long)max, pd_json_type_name(v));
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return pd_error_set(err, PD_EINPUT,
                            "field '%s': expected a whole number from %lld to %lld, got %lld",
                            field, (long long)min, (long long)max, (long long)x);
    *out = (int64_t)x;
    return PD_OK;
}

static int str_value(const json_t *v, const char *field, size_t min_len, size_t max_len,
                     const char **out, pd_error *err)
{
    if (!json_is_string(v))
        return pd_error_set(err, PD_EINPUT, "field '%s': expected a string, got %s", field,
                            pd_json_type_name(v));
    size_t n = json_string_length(v);
    if (n < min_len || n > max_len) {
        if (min_len == 1 && n == 0)
            return pd_error_set(err, PD_EINPUT, "field '%s': must not be empty", field);
        return pd_error_set(err, PD_EINPUT,
                            "field '%s': expected %zu to %zu bytes of text, got %zu", field,
                            min_len, max_len, n);
    }
    *out = json_string_value(v);
    return PD_OK;
}

static int bool_value(const json_t *v, const char *field, int *out, pd_error *err)
{
    if (!json_is_boolean(v))
        return pd_error_set(err, PD_EINPUT, "field '%s': expected true or false, got %s", field,
                            pd_json_type_name(v));
    *out = json_is_true(v);
    return PD_OK;
}

static int required(const json_t *obj, const char *field, const char *what, const json_t **v,
                    pd_error *err)
{
    const char *absent = NULL;
    *v = field_get(obj, field, &absent);
    if (*v)
        return PD_OK;
    if (!json_is_object(obj))
        return pd_error_set(err, PD_EINPUT, "expected an object holding field '%s'", field);
    return pd_error_set(err, PD_EINPUT, "field '%s' is %s; expected %s", field, absent, what);
}

int pd_req_json_int(const json_t *obj, const char *field, int64_t min, int64_t max, int64_t *out,
                    pd_error *err)
{
    const json_t *v;
    int rc = required(obj, field, "a whole number", &v, err);
    return rc ? rc : int_value(v, field, min, max, out, err);
}

int pd_req_json_str(const json_t *obj, const char *field, size_t min_len, size_t max_len,
                    const char **out, pd_error *err)
{
    const json_t *v;
    int rc = required(obj, field, "a string", &v, err);
    return rc ? rc : str_value(v, field, min_len, max_len, out, err);
}

int pd_req_json_bool(const json_t *obj, const char *field, int *out, pd_error *err)
{
    const json_t *v;
    int rc = required(obj, field, "true or false", &v, err);
    return rc ? rc : bool_value(v, field, out, err);
}

int pd_req_json_opt_int(const json_t *obj, const char *field, int64_t min, int64_t max, int64_t def,
                        int64_t *out, pd_error *err)
{
    const char *absent;
    const json_t *v = field_get(obj, field, &absent);
    if (!v) {
        *out = def;
        return PD_OK;
    }
    return int_value(v, field, min, max, out, err);
}

int pd_req_json_opt_str(const json_t *obj, const char *field, size_t min_len, size_t max_len,
                        const char *def, const char **out, pd_error *err)
{
    const char *absent;
    const json_t *v = field_get(obj, field, &absent);
    if (!v) {
        *out = def;
        return PD_OK;
    }
    return str_value(v, field, min_len, max_len, out, err);
}

int pd_req_json_opt_bool(const json_t *obj, const char *field, int def, int *out, pd_error *err)
{
    const char *absent;
    const json_t *v = field_get(obj, field, &absent);
    if (!v) {
        *out = def;
        return PD_OK;
    }
    return bool_value(v, field, out, err);
}

int pd_req_json_only(const json_t *obj, const char *const *allowed, pd_error *err)
{
    if (!json_is_object(obj))
        return pd_error_set(err, PD_EINPUT, "expected an object, got %s", pd_json_type_name(obj));
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i]) {
            pd_buf names;
            pd_buf_init(&names, 256);
            for (size_t j = 0; allowed[j]; j++)
                pd_buf_printf(&names, "%s%s", j ? ", " : "", allowed[j]);
            int rc = pd_error_set(err, PD_EINPUT, "unknown field '%.60s' (known: %s)", key,
                                  names.data ? names.data : "none");
            pd_buf_free(&names);
            return rc;
        }
    }
    return PD_OK;
}

/* ---- the answer ----------------------------------------------------------------- */

pd_buf *pd_req_out(pd_req *req)
{
    return &req->out;
}

pd_jsonw *pd_req_jsonw(pd_req *req)
{
    if (!req->jw_started) {
        pd_jsonw_init(&req->jw, &req->out, 0);
        req->jw_started = 1;
    }
    return &req->jw;
}

void pd_req_status(pd_req *req, unsigned status)
{
    req->status = status;
}

unsigned pd_req_get_status(const pd_req *req)
{
    return req->status;
}

void pd_req_content_type(pd_req *req, const char *type)
{
    const char *copy = pd_req_strndup(req, type, strlen(type));
    req->content_type = copy ? copy : json_media;
}

static int header_text_ok(const char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n')
            return 0;
    return 1;
}

int pd_req_header_add(pd_req *req, const char *name, const char *value)
{
    if (req->nheaders == PD_REQ_HEADERS_MAX || !*name || !header_text_ok(name) ||
        strchr(name, ':') || !header_text_ok(value))
        return -1;
    char *n = pd_req_strndup(req, name, strlen(name));
    char *v = pd_req_strndup(req, value, strlen(value));
    if (!n || !v)
        return -1;
    req->headers[req->nheaders].name = n;
    req->headers[req->nheaders].value = v;
    req->nheaders++;
    return 0;
}

void pd_req_set_retry_after(pd_req *req, unsigned seconds)
{
    req->retry_after = seconds;
}

unsigned pd_req_get_retry_after(const pd_req *req)
{
    return req->retry_after;
}

/* Empties the answer: body, writer, headers, type. */
static void answer_reset(pd_req *req)
{
    pd_buf_reset(&req->out);
    req->jw_started = 0;
    req->nheaders = 0;
    req->content_type = json_media;
}

int pd_req_reply_json(pd_req *req, unsigned status, const json_t *v, pd_error *err)
{
    answer_reset(req);
    size_t n = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
    if (n == 0)
        return pd_error_set(err, PD_EINTERNAL, "cannot encode the answer as JSON");
    if (pd_buf_reserve(&req->out, n) < 0)
        return pd_error_set(err, PD_ENOMEM, "answer larger than %zu bytes", req->out.max);
    json_dumpb(v, req->out.data, n, JSON_COMPACT | JSON_ENCODE_ANY);
    req->out.len = n;
    req->out.data[n] = '\0';
    req->status = status;
    return PD_OK;
}

const char *pd_req_get_content_type(const pd_req *req)
{
    return req->content_type;
}

size_t pd_req_header_count(const pd_req *req)
{
    return req->nheaders;
}

void pd_req_header_at(const pd_req *req, size_t i, const char **name, const char **value)
{
    *name = req->headers[i].name;
    *value = req->headers[i].value;
}

char *pd_req_take_body(pd_req *req, size_t *len)
{
    return pd_buf_detach(&req->out, len);
}

/* ---- errors ---------------------------------------------------------------------- */

unsigned pd_http_status(pd_code code)
{
    switch (code) {
    case PD_OK: return 200;
    case PD_EINPUT:
    case PD_EUSAGE: return 400;
    case PD_EAUTH: return 401;
    case PD_EDENIED: return 403;
    case PD_ENOTFOUND: return 404;
    case PD_ECONFLICT: return 409;
    case PD_ETOOBIG: return 413;
    case PD_EBUSY: return 429;
    case PD_EUNAVAILABLE: return 503;
    case PD_EIO:
    case PD_ENOMEM:
    case PD_EINTERNAL: return 500;
    }
    return 500;
}

const char *pd_http_error_name(pd_code code)
{
    switch (code) {
    case PD_OK: return "ok";
    case PD_EINPUT: return "invalid_input";
    case PD_EUSAGE: return "bad_request";
    case PD_EAUTH: return "unauthorized";
    case PD_EDENIED: return "forbidden";
    case PD_ENOTFOUND: return "not_found";
    case PD_ECONFLICT: return "conflict";
    case PD_ETOOBIG: return "too_large";
    case PD_EBUSY: return "too_many_requests";
    case PD_EUNAVAILABLE: return "unavailable";
    case PD_EIO:
    case PD_ENOMEM:
    case PD_EINTERNAL: return "internal_error";
    }
    return "internal_error";
}

unsigned pd_req_error_status(pd_req *req, unsigned status, const char *code, const char *msg)
{
    answer_reset(req);
    req->status = status;
    /* Lossy: a message may quote a client's bytes, or be cut inside a
     * UTF-8 sequence; it must still make a valid answer. */
    pd_jsonw w;
    pd_jsonw_init(&w, &req->out, PD_JSONW_LOSSY);
    pd_jsonw_obj_begin(&w);
    pd_jsonw_key(&w, "error");
    pd_jsonw_obj_begin(&w);
    pd_jsonw_kstr(&w, "code", code);
    pd_jsonw_kstr(&w, "message", msg);
    pd_jsonw_obj_end(&w);
    pd_jsonw_obj_end(&w);
    if (pd_jsonw_finish(&w, NULL) != PD_OK)
        pd_buf_reset(&req->out); /* cannot happen: OUT_MIN holds it */
    return status;
}

unsigned pd_req_error(pd_req *req, const pd_error *err)
{
    pd_code code = err->code == PD_OK ? PD_EINTERNAL : err->code;
    unsigned status = pd_http_status(code);
    const char *msg = err->msg[0] ? err->msg : pd_code_name(code);
    if (status == 500) {
        /* The details are for the operator, not the client. */
        const pd_route *r = pd_req_route(req);
        PD_LOG(PD_LOG_ERROR, "request failed", PD_LOG_STR("method", req->method),
               PD_LOG_STR("path", req->path), PD_LOG_STR("route", r ? r->name : NULL),
               PD_LOG_STR("code", pd_code_name(code)), PD_LOG_STR("error", msg));
        msg = "internal error";
    }
    pd_req_error_status(req, status, pd_http_error_name(code), msg);
    if (status == 401)
        pd_req_header_add(req, "WWW-Authenticate", "Bearer");
    if (status == 429 || status == 503) {
        char secs[24];
        snprintf(secs, sizeof secs, "%u", req->retry_after ? req->retry_after : 1);
        pd_req_header_add(req, "Retry-After", secs);
    }
    return status;
}

void pd_req_check_answer(pd_req *req)
{
    pd_error err = {0};
    if (req->jw_started && pd_jsonw_finish(&req->jw, &err) != PD_OK) {
        if (err.code == PD_ENOMEM)
            pd_error_set(&err, PD_EINTERNAL, "answer larger than %zu bytes", req->out.max);
        else
            pd_error_prefix(&err, "handler wrote a broken answer");
        err.code = PD_EINTERNAL;
        pd_req_error(req, &err);
    } else if (pd_buf_failed(&req->out)) {
        pd_error_set(&err, PD_EINTERNAL, "answer larger than %zu bytes", req->out.max);
        pd_req_error(req, &err);
    }
}

/* ---- the request head -------------------------------------------------------------- */

void pd_head_init(pd_head *h)
{
    memset(h, 0, sizeof *h);
}

/* RFC 9110 5.1: a field name is a token. */
static int token_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

void pd_head_add(pd_head *h, const char *name, size_t name_len, const char *value)
{
    int ok = name_len > 0;
    for (size_t i = 0; ok && i < name_len; i++)
        ok = token_char((unsigned char)name[i]);
    if (!ok) {
        if (!h->has_bad_name) {
            h->has_bad_name = 1;
            size_t n = name_len < sizeof h->bad_name - 1 ? name_len : sizeof h->bad_name - 1;
            memcpy(h->bad_name, name, n);
            h->bad_name[n] = '\0';
        }
        return;
    }
    if (name_is(name, name_len, "Content-Length")) {
        if (h->content_length++ == 0)
            h->cl_value = value;
    } else if (name_is(name, name_len, "Transfer-Encoding")) {
        if (h->transfer_encoding++ == 0)
            h->te_value = value;
    } else if (name_is(name, name_len, "Host")) {
        h->host++;
    } else if (name_is(name, name_len, "Authorization")) {
        h->authorization++;
    }
}

/* value without the spaces and tabs around it equals want (any case). */
static int trimmed_is(const char *value, const char *want)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    return n == strlen(want) && strncasecmp(value, want, n) == 0;
}

static unsigned head_refused(pd_req *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static unsigned head_refused(pd_req *req, const char *fmt, ...)
{
    pd_error err;
    va_list ap;
    va_start(ap, fmt);
    char msg[PD_ERROR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pd_error_set(&err, PD_EUSAGE, "%s", msg);
    return pd_req_error(req, &err);
}

unsigned pd_req_check_head(pd_req *req, const pd_head *h, int http11, uint64_t *body_len,
                           int *chunked)
{
    *body_len = 0;
    *chunked = 0;
    if (h->has_bad_name)
        return head_refused(req,
                            "header name '%s' holds whitespace or a character a header name "
                            "cannot have (write 'Name: value', nothing before the colon)",
                            h->bad_name);
    if (h->content_length > 1)
        return head_refused(req, "Content-Length sent %u times: send it once", h->content_length);
    if (h->transfer_encoding > 1)
        return head_refused(req, "Transfer-Encoding sent %u times: send it once",
                            h->transfer_encoding);
    if (h->content_length && h->transfer_encoding)
        return head_refused(req, "both Content-Length and Transfer-Encoding: send one of them "
                                 "(RFC 9112, section 6.3)");
    if (h->host > 1)
        return head_refused(req, "Host sent %u times: send it once", h->host);
    if (http11 && h->host == 0)
        return head_refused(req, "no Host header: HTTP/1.1 requires one");
    if (h->authorization > 1)
        return head_refused(req, "Authorization sent %u times: send one set of credentials",
                            h->authorization);
    if (h->transfer_encoding) {
        if (!trimmed_is(h->te_value, "chunked")) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "Transfer-Encoding '%.60s' is not supported: send the body with "
                     "Content-Length, or chunked",
                     h->te_value);
            return pd_req_error_status(req, 501, "not_implemented", msg);
        }
        *chunked = 1;
        return 0;
    }
    if (h->content_length) {
        const char *v = h->cl_value;
        while (*v == ' ' || *v == '\t')
            v++;
        uint64_t n = 0;
        size_t digits = 0;
        for (; *v >= '0' && *v <= '9'; v++, digits++) {
            if (n > (UINT64_MAX - 9) / 10)
                return head_refused(req, "Content-Length is too large");
            n = n * 10 + (uint64_t)(*v - '0');
        }
        while (*v == ' ' || *v == '\t')
            v++;
        if (digits == 0 || *v != '\0')
            return head_refused(req, "Content-Length '%.40s' is not a number of bytes",
                                h->cl_value);
        *body_len = n;
    }
    return 0;
}

void pd_req_finish(pd_req *req)
{
    const pd_route *r = pd_req_route(req);
    int private = r && r->access != PD_ACCESS_PUBLIC;
    if (!private && req->status >= 400)
        private = pd_req_header(req, "Authorization") || pd_req_header(req, "Cookie");
    if (!private)
        return;
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[i].name, "Cache-Control") == 0)
            return;
    pd_req_header_add(req, "Cache-Control", "no-store");
}
