/*
 * request.h - one HTTP request as a handler sees it, and its answer.
 *
 * A pd_req carries what came in (method, path, path parameters, query,
 * headers, body, client address) and what goes out (status, headers, a
 * body buffer with a ceiling, a JSON writer on it). It knows nothing of
 * libmicrohttpd: the server fills it, and the tests build one by hand.
 *
 * Reading: every string handed out is NUL-terminated, valid UTF-8 where
 * the function says so, and lives until the request ends. Nothing to free.
 *
 * Answering: a handler writes a body through pd_req_jsonw (or pd_req_out
 * for other types), sets a status when 200 is not it, and returns PD_OK. To
 * fail it returns an error code with a message (`return pd_error_set(err,
 * PD_ENOTFOUND, "no creator %lld", id);`) and pd_req_error turns that into
 * the answer. pd_req_error is THE place where a pd_code becomes an HTTP
 * status; nothing else chooses error statuses.
 *
 * JSON in: pd_req_json_body parses the body with jansson, rejecting
 * duplicate keys, NUL characters and nesting deeper than PD_REQ_JSON_DEPTH.
 * The pd_req_json_* helpers read one field each and name it in their
 * errors; money and counts are JSON integers only (10.0 is refused).
 *
 * Memory: pd_req_alloc gives memory that lives until the request ends
 * (freed at once with it, like h2o's pool).
 */
#ifndef PD_HTTP_REQUEST_H
#define PD_HTTP_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "http/router.h"
#include "util/buf.h"
#include "util/jsonw.h"

#define PD_REQ_QUERY_MAX 64     /* parameters in one query string */
#define PD_REQ_QUERY_BYTES 8192 /* bytes of a query string */
#define PD_REQ_JSON_DEPTH 32    /* nesting of a JSON body */
#define PD_REQ_HEADERS_MAX 16   /* response headers a handler may add */

/* ---- what came in ------------------------------------------------------- */

const char *pd_req_method(const pd_req *req);    /* "GET", "HEAD", "POST", ... */
int pd_req_safe_method(const pd_req *req);       /* GET or HEAD: asks, changes nothing */
const char *pd_req_path(const pd_req *req);      /* as sent, without the query */
const char *pd_req_client(const pd_req *req);    /* "127.0.0.1", "::1", or "" */
const pd_route *pd_req_route(const pd_req *req); /* NULL until routed */
/* The route's index in the router (for metrics), or (size_t)-1. */
size_t pd_req_route_index(const pd_req *req);
/* The ctx given with the route's table to pd_router_add, or NULL. */
void *pd_req_route_ctx(const pd_req *req);

/* A path parameter, decoded and valid UTF-8; NULL when the route has none
 * of that name. */
const char *pd_req_param(const pd_req *req, const char *name);
/* The value of an {name:int} parameter (checked by the router), or -1. */
int64_t pd_req_param_int(const pd_req *req, const char *name);

/* A request header (name in any case), or NULL. */
const char *pd_req_header(const pd_req *req, const char *name);

/* The query string, decoded ('+' is a space) and valid UTF-8, in order. */
size_t pd_req_query_count(const pd_req *req);
void pd_req_query_at(const pd_req *req, size_t i, const char **name, const char **value);
/* The first value of name, or NULL when absent ("a" in "?a&b=1" is ""). */
const char *pd_req_query(const pd_req *req, const char *name);
/* A whole number in [min, max] (optional minus sign, digits only); def when
 * the parameter is absent. PD_EINPUT naming the parameter otherwise. */
int pd_req_query_int(const pd_req *req, const char *name, int64_t min, int64_t max, int64_t def,
                     int64_t *out, pd_error *err);

/* Who is asking, as the guard (the auth layer) found it: an object of the
 * auth layer's type, which it may allocate with pd_req_alloc. NULL until
 * set (no credentials, or no guard). */
void pd_req_set_principal(pd_req *req, void *principal);
void *pd_req_principal(const pd_req *req);

/* Something the guard took for the handler (the read transaction it
 * checked the caller's token in), given back by `release` once the handler
 * has returned, whatever it returned (pd_router_dispatch calls
 * pd_req_release_held), or when the request is freed. One at a time;
 * `held` is the auth layer's type, in request memory or its own. */
void pd_req_hold(pd_req *req, void *held, void (*release)(void *held));
void *pd_req_held(const pd_req *req);
void pd_req_release_held(pd_req *req);

/* The body: NUL-terminated (it may hold other NULs; trust *len), "" when
 * there is none. */
const char *pd_req_body(const pd_req *req, size_t *len);

/* ---- JSON in ------------------------------------------------------------- */

/* Parses the body as one JSON object. The caller owns *out (json_decref).
 * PD_EINPUT with the line and column for anything else: an empty body, bad
 * JSON, a duplicate key, a \u0000, nesting deeper than PD_REQ_JSON_DEPTH, an
 * array at the top, or a Content-Type other than application/json (or
 * *+json) when one is given. */
int pd_req_json_body(pd_req *req, json_t **out, pd_error *err);

/* One field of an object, required: PD_EINPUT naming the field when it is
 * missing, null, of another type or out of range. */
int pd_req_json_int(const json_t *obj, const char *field, int64_t min, int64_t max, int64_t *out,
                    pd_error *err);
/* A string of min_len..max_len bytes; *out points into obj (lives as long
 * as obj) and is valid UTF-8 without NUL (jansson checks both). */
int pd_req_json_str(const json_t *obj, const char *field, size_t min_len, size_t max_len,
                    const char **out, pd_error *err);
int pd_req_json_bool(const json_t *obj, const char *field, int *out, pd_error *err);

/* The same, optional: def when the field is missing or null. */
int pd_req_json_opt_int(const json_t *obj, const char *field, int64_t min, int64_t max, int64_t def,
                        int64_t *out, pd_error *err);
int pd_req_json_opt_str(const json_t *obj, const char *field, size_t min_len, size_t max_len,
                        const char *def, const char **out, pd_error *err);
int pd_req_json_opt_bool(const json_t *obj, const char *field, int def, int *out, pd_error *err);

/* PD_EINPUT naming the first key of obj not in allowed (a NULL-terminated
 * list): a misspelt field is an error, not silently ignored. */
int pd_req_json_only(const json_t *obj, const char *const *allowed, pd_error *err);

/* ---- the answer ------------------------------------------------------------ */

/* The body buffer (ceiling: the server's response limit). */
pd_buf *pd_req_out(pd_req *req);
/* A JSON writer on pd_req_out, started on the first call; the same writer
 * afterwards. If it was used, the server checks after the handler that it
 * holds one complete value (a 500 otherwise, logged). */
pd_jsonw *pd_req_jsonw(pd_req *req);
/* The status, 200 unless set. */
void pd_req_status(pd_req *req, unsigned status);
unsigned pd_req_get_status(const pd_req *req);
/* "application/json" unless set. Copied. */
void pd_req_content_type(pd_req *req, const char *type);
/* Adds a response header (copied). -1 when PD_REQ_HEADERS_MAX are set
 * already, or the name or value holds a CR, LF or NUL. */
int pd_req_header_add(pd_req *req, const char *name, const char *value);
/* Answers with status and a jansson value (small answers; large pages go
 * through pd_req_jsonw). */
int pd_req_reply_json(pd_req *req, unsigned status, const json_t *v, pd_error *err);
/* Seconds for Retry-After on the next 429 (default 1); what was set, or 0
 * (for an answer that is not a JSON error: a page's 429). */
void pd_req_set_retry_after(pd_req *req, unsigned seconds);
unsigned pd_req_get_retry_after(const pd_req *req);

/* Memory until the request ends (aligned for any type); NULL if out of it. */
void *pd_req_alloc(pd_req *req, size_t n);
char *pd_req_strndup(pd_req *req, const char *s, size_t n);

/* ---- errors: the one mapping ---------------------------------------------- */

/* The HTTP status for a code: PD_EINPUT and PD_EUSAGE 400, PD_EAUTH 401,
 * PD_EDENIED 403, PD_ENOTFOUND 404, PD_ECONFLICT 409, PD_ETOOBIG 413,
 * PD_EBUSY 429, PD_EUNAVAILABLE 503 (with Retry-After, as 429), anything
 * else 500. */
unsigned pd_http_status(pd_code code);
/* The error's name in the JSON body: "invalid_input", "not_found", ... */
const char *pd_http_error_name(pd_code code);

/* Replaces whatever the answer held with the JSON error for err:
 *   {"error": {"code": "not_found", "message": "no creator 42"}}
 * with its status, WWW-Authenticate for 401, Retry-After for 429. For a 500
 * the client reads only "internal error"; the message goes to the log with
 * the method and path. Returns the status. */
unsigned pd_req_error(pd_req *req, const pd_error *err);

/* The same for the few answers that have no pd_code (405 from the router):
 * status, error name and message as given. */
unsigned pd_req_error_status(pd_req *req, unsigned status, const char *code, const char *msg);

/* ---- for the server and the tests ------------------------------------------ */

typedef struct pd_req_limits {
    size_t body_max; /* bytes of a request body */
    size_t out_max;  /* bytes of a response body */
} pd_req_limits;

typedef const char *(*pd_req_header_fn)(void *ctx, const char *name);

/* A request for method and target (path and query, as sent). A target that
 * cannot be parsed (bad percent-encoding in the query, too many parameters,
 * not UTF-8) does not fail here: the request remembers it and
 * pd_router_dispatch answers 400. NULL when out of memory. */
pd_req *pd_req_new(const char *method, const char *target, const pd_req_limits *limits);
void pd_req_free(pd_req *req); /* NULL ok */

/* Where header values come from: lookup(ctx, name), case-insensitive. */
void pd_req_set_header_source(pd_req *req, pd_req_header_fn lookup, void *ctx);
void pd_req_set_client(pd_req *req, const char *addr); /* copied */
/* Appends to the body; -1 (and nothing appended) past body_max. */
int pd_req_body_append(pd_req *req, const void *data, size_t n);

/* A problem found before routing (the target would not parse), as
 * pd_req_new stored it: its code, or PD_OK. PD_EUSAGE when the target
 * holds a space or a control character (a request line that readers may
 * split differently); PD_EINPUT for a query that does not decode. */
int pd_req_early_error(const pd_req *req, pd_error *err);

/* Lowers (or raises) the body ceiling once the route is known (a sign-in
 * takes a few KiB, an import the most); and makes room for n bytes at
 * once when the length is announced, so that the buffer is allocated
 * once, not doubled up to it: 0, or -1 past the ceiling or out of memory. */
void pd_req_set_body_max(pd_req *req, size_t body_max);
size_t pd_req_body_max(const pd_req *req);
int pd_req_body_reserve(pd_req *req, size_t n);
/* Bytes the body buffer holds allocated (for the server's budget of body
 * memory in flight). */
size_t pd_req_body_capacity(const pd_req *req);

/* The guard ran for this request (pd_router_guard, before the body was
 * read): pd_router_run does not run it again. */
void pd_req_set_guarded(pd_req *req);
int pd_req_guarded(const pd_req *req);

/* ---- the request head (RFC 9112): checked before anything else ---------------
 *
 * What a proxy in front and this server must read the same way, or a
 * request can be smuggled inside another: the body's framing, and the
 * headers that must come once. The server feeds every header of a request
 * to pd_head_add as it arrived, then asks pd_req_check_head:
 *   - a header name holding whitespace or another character a name cannot
 *     have ("Content-Length : 37"): 400
 *   - Content-Length twice, Transfer-Encoding twice, both together, or a
 *     Content-Length that is not digits: 400
 *   - a Transfer-Encoding other than "chunked" (the only coding we read):
 *     501 not_implemented
 *   - Host missing (HTTP/1.1) or twice, Authorization twice: 400
 * Each refusal is answered at once and the connection closed: after a
 * request framed two ways, nothing that follows on it can be trusted. */
typedef struct pd_head {
    unsigned content_length, transfer_encoding, host, authorization; /* times seen */
    const char *cl_value, *te_value; /* the first of each (the caller's storage) */
    char bad_name[48];               /* the first bad header name, cut; "" */
    int has_bad_name;
} pd_head;

void pd_head_init(pd_head *h);
/* One header as received; name and value live as long as the check. */
void pd_head_add(pd_head *h, const char *name, size_t name_len, const char *value);
/* The verdict for req's head (http11: the request line said HTTP/1.1; 0
 * for 1.0). 0 when the head is sound: *body_len is the announced length
 * (0 without one) and *chunked says the body comes in chunks. Else the
 * answer is set in req and its status returned (400 or 501). */
unsigned pd_req_check_head(pd_req *req, const pd_head *h, int http11, uint64_t *body_len,
                           int *chunked);

/* Before the answer is sent: "Cache-Control: no-store" on every answer of
 * a route that is not public, and on every error answer to a request that
 * carried credentials (an Authorization or Cookie header), unless the
 * handler chose a Cache-Control itself: what one user may read must not
 * be kept by a shared cache or the browser's history. */
void pd_req_finish(pd_req *req);

/* Used by pd_router_route_req: stores the match (copied). */
void pd_req_set_match(pd_req *req, const pd_route_match *m);
/* After the handler returned PD_OK: checks the writer and the buffer,
 * turning a broken answer into a 500. */
void pd_req_check_answer(pd_req *req);

/* The answer, for the server to send. */
const char *pd_req_get_content_type(const pd_req *req);
size_t pd_req_header_count(const pd_req *req);
void pd_req_header_at(const pd_req *req, size_t i, const char **name, const char **value);
/* Hands the body to the caller (free() it; may be NULL when len is 0). */
char *pd_req_take_body(pd_req *req, size_t *len);

#endif
