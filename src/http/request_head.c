/* request_head.c - see request.h, "the request head": the headers that
 * frame a request (RFC 9112), checked before anything else is read. */
#include "http/request_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
