/* request_answer.c - see request.h, "the answer" and "errors": the status,
 * headers and body a handler leaves, and pd_req_error, the one place where
 * a pd_code becomes an HTTP status. */
#include "http/request_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

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
    req->content_type = copy ? copy : PD_REQ_JSON_MEDIA;
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
    req->content_type = PD_REQ_JSON_MEDIA;
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

/* ---- before sending --------------------------------------------------------------- */

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
