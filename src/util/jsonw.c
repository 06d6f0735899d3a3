/* jsonw.c - see jsonw.h. */
#include "util/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/num.h"
#include "util/utf8.h"

static int fail(pd_jsonw *w, int code, const char *why)
{
    if (!w->failed) {
        w->failed = code;
        w->why = why;
    }
    return -1;
}

static int buf_check(pd_jsonw *w)
{
    if (pd_buf_failed(w->out))
        return fail(w, PD_ENOMEM, "the output buffer reached its ceiling or memory ran out");
    return 0;
}

void pd_jsonw_init(pd_jsonw *w, pd_buf *out, unsigned flags)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->flags = flags;
}

/* With PD_JSONW_INDENT: a line break and the indentation of the current
 * depth, before a member or a container's end. */
static int newline(pd_jsonw *w)
{
    static const char spaces[] = "                                ";
    if (pd_buf_putc(w->out, '\n') < 0)
        return buf_check(w);
    for (size_t n = 2 * (size_t)w->depth; n > 0;) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        if (pd_buf_append(w->out, spaces, k) < 0)
            return buf_check(w);
        n -= k;
    }
    return 0;
}

/* Before any value: checks that a value may come here and writes the comma
 * that separates it from the previous array element (and, indenting, the
 * line break). */
static int before_value(pd_jsonw *w)
{
    if (w->failed)
        return -1;
    if (w->depth == 0) {
        if (w->done)
            return fail(w, PD_EINTERNAL, "a second value at the top level");
        return 0;
    }
    if (w->stack[w->depth - 1] == '{') {
        if (!w->want_value)
            return fail(w, PD_EINTERNAL, "a value inside an object without a key");
        w->want_value = 0;
        return 0;
    }
    if (w->need_comma && pd_buf_putc(w->out, ',') < 0)
        return buf_check(w);
    if (w->flags & PD_JSONW_INDENT)
        return newline(w);
    return 0;
}

/* After a complete value (a scalar, or the end of a container). */
static void after_value(pd_jsonw *w)
{
    if (w->depth == 0)
        w->done = 1;
    else
        w->need_comma = 1;
}

static int open_container(pd_jsonw *w, char c)
{
    if (before_value(w) < 0)
        return -1;
    if (w->depth >= PD_JSONW_MAX_DEPTH)
        return fail(w, PD_EINTERNAL, "nested deeper than PD_JSONW_MAX_DEPTH");
    if (pd_buf_putc(w->out, c) < 0)
        return buf_check(w);
    w->stack[w->depth++] = (unsigned char)c;
    w->need_comma = 0;
    return 0;
}

static int close_container(pd_jsonw *w, char open, char close)
{
    if (w->failed)
        return -1;
    if (w->depth == 0 || w->stack[w->depth - 1] != (unsigned char)open)
        return fail(w, PD_EINTERNAL,
                    close == '}' ? "an object end without its beginning"
                                 : "an array end without its beginning");
    if (w->want_value)
        return fail(w, PD_EINTERNAL, "an object ends after a key, without its value");
    w->depth--;
    if ((w->flags & PD_JSONW_INDENT) && w->need_comma && newline(w) < 0)
        return -1;
    if (pd_buf_putc(w->out, close) < 0)
        return buf_check(w);
    after_value(w);
    return 0;
}

int pd_jsonw_obj_begin(pd_jsonw *w)
{
    return open_container(w, '{');
}

int pd_jsonw_obj_end(pd_jsonw *w)
{
    return close_container(w, '{', '}');
}

int pd_jsonw_arr_begin(pd_jsonw *w)
{
    return open_container(w, '[');
}

int pd_jsonw_arr_end(pd_jsonw *w)
{
    return close_container(w, '[', ']');
}

/* Bytes that may be copied as they are: printable ASCII but the quote and
 * the backslash (and < > & when writing for HTML). A table per mode, built
 * by the compiler, since every byte of every string goes through it. */
#define PLAIN_JSON(c) ((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')
#define PLAIN_HTML(c) (PLAIN_JSON(c) && (c) != '<' && (c) != '>' && (c) != '&')
#define ROW16(F, b)                                                                                \
    F(b), F(b + 1), F(b + 2), F(b + 3), F(b + 4), F(b + 5), F(b + 6), F(b + 7), F(b + 8),          \
        F(b + 9), F(b + 10), F(b + 11), F(b + 12), F(b + 13), F(b + 14), F(b + 15)
#define TABLE256(F)                                                                                \
    {                                                                                              \
        ROW16(F, 0x00), ROW16(F, 0x10), ROW16(F, 0x20), ROW16(F, 0x30), ROW16(F, 0x40),            \
            ROW16(F, 0x50), ROW16(F, 0x60), ROW16(F, 0x70), ROW16(F, 0x80), ROW16(F, 0x90),        \
            ROW16(F, 0xa0), ROW16(F, 0xb0), ROW16(F, 0xc0), ROW16(F, 0xd0), ROW16(F, 0xe0),        \
            ROW16(F, 0xf0)                                                                         \
    }
static const unsigned char plain_json[256] = TABLE256(PLAIN_JSON);
static const unsigned char plain_html[256] = TABLE256(PLAIN_HTML);

/* How many bytes from s[0] may be copied as they are, in mode `flags`. */
static size_t plain_run(const unsigned char *s, size_t len, unsigned flags)
{
    const unsigned char *plain = (flags & PD_JSONW_HTML_SAFE) ? plain_html : plain_json;
    size_t n = 0;
    while (n < len && plain[s[n]])
        n++;
    return n;
}

int pd_json_escape(pd_buf *out, const char *str, size_t len, unsigned flags)
{
    const char *hex = (flags & PD_JSONW_INDENT) ? "0123456789ABCDEF" : "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        size_t run = i + plain_run(s + i, len - i, flags);
        if (run > i && pd_buf_append(out, s + i, run - i) < 0)
            return -1;
        i = run;
        if (i == len)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            char esc[6] = {'\\', 0, 0, 0, 0, 0};
            size_t n = 2;
            switch (c) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                n = 6;
            }
            if (pd_buf_append(out, esc, n) < 0)
                return -1;
            i++;
            continue;
        }
        size_t n = pd_utf8_seq(s + i, len - i);
        if (n == 0) {
            if (!(flags & PD_JSONW_LOSSY))
                return -2;
            if (pd_buf_append(out, "\xEF\xBF\xBD", 3) < 0)
                return -1;
            i++;
            continue;
        }
        /* U+2028 and U+2029 end a line in JavaScript before ES2019. */
        if ((flags & PD_JSONW_HTML_SAFE) && n == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
            (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
            if (pd_buf_puts(out, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029") < 0)
                return -1;
        } else if (pd_buf_append(out, s + i, n) < 0) {
            return -1;
        }
        i += n;
    }
    return 0;
}

/* A quoted string, escaped; shared by keys and values. */
static int write_string(pd_jsonw *w, const char *s, size_t len)
{
    size_t mark = w->out->len;
    if (pd_buf_putc(w->out, '"') < 0)
        return buf_check(w);
    int rc = pd_json_escape(w->out, s, len, w->flags);
    if (rc == -2) {
        /* Take back the partial string: the buffer stays valid JSON so far. */
        w->out->len = mark;
        if (w->out->data)
            w->out->data[mark] = '\0';
        return fail(w, PD_EINPUT, "a string is not valid UTF-8");
    }
    if (rc < 0 || pd_buf_putc(w->out, '"') < 0)
        return buf_check(w);
    return 0;
}

int pd_jsonw_keyn(pd_jsonw *w, const char *key, size_t len)
{
    if (w->failed)
        return -1;
    if (w->depth == 0 || w->stack[w->depth - 1] != '{')
        return fail(w, PD_EINTERNAL, "a key outside an object");
    if (w->want_value)
        return fail(w, PD_EINTERNAL, "two keys in a row");
    /* The common case, a plain key: ,"key": in one append. */
    if (len <= 60 && !(w->flags & PD_JSONW_INDENT) &&
        plain_run((const unsigned char *)key, len, w->flags) == len) {
        char tmp[64];
        size_t n = 0;
        if (w->need_comma)
            tmp[n++] = ',';
        tmp[n++] = '"';
        memcpy(tmp + n, key, len);
        n += len;
        tmp[n++] = '"';
        tmp[n++] = ':';
        if (pd_buf_append(w->out, tmp, n) < 0)
            return buf_check(w);
    } else {
        if (w->need_comma && pd_buf_putc(w->out, ',') < 0)
            return buf_check(w);
        if ((w->flags & PD_JSONW_INDENT) && newline(w) < 0)
            return -1;
        if (write_string(w, key, len) < 0)
            return -1;
        if (pd_buf_puts(w->out, (w->flags & PD_JSONW_INDENT) ? ": " : ":") < 0)
            return buf_check(w);
    }
    w->want_value = 1;
    w->need_comma = 1;
    return 0;
}

int pd_jsonw_key(pd_jsonw *w, const char *key)
{
    return pd_jsonw_keyn(w, key, strlen(key));
}

int pd_jsonw_strn(pd_jsonw *w, const char *s, size_t len)
{
    if (before_value(w) < 0 || write_string(w, s, len) < 0)
        return -1;
    after_value(w);
    return 0;
}

int pd_jsonw_str(pd_jsonw *w, const char *s)
{
    if (!s)
        return pd_jsonw_null(w);
    return pd_jsonw_strn(w, s, strlen(s));
}

/* A bare token (number, literal). */
static int write_token(pd_jsonw *w, const char *tok, size_t len)
{
    if (before_value(w) < 0)
        return -1;
    if (pd_buf_append(w->out, tok, len) < 0)
        return buf_check(w);
    after_value(w);
    return 0;
}

int pd_jsonw_uint(pd_jsonw *w, uint64_t v)
{
    char tmp[24];
    size_t n = pd_fmt_u64(v, tmp);
    return write_token(w, tmp, n);
}

/* A signed number: '-' when v < 0, then fmt of its magnitude (num.h). */
static int write_signed(pd_jsonw *w, int64_t v, size_t (*fmt)(uint64_t, char *))
{
    char tmp[32];
    size_t n = 0;
    if (v < 0)
        tmp[n++] = '-';
    n += fmt(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, tmp + n);
    return write_token(w, tmp, n);
}

int pd_jsonw_int(pd_jsonw *w, int64_t v)
{
    return write_signed(w, v, pd_fmt_u64);
}

int pd_jsonw_hundredths(pd_jsonw *w, int64_t v)
{
    return write_signed(w, v, pd_fmt_hundredths);
}

int pd_jsonw_double(pd_jsonw *w, double v)
{
    if (w->failed)
        return -1;
    if (!isfinite(v))
        return fail(w, PD_EINPUT, "a number that is NaN or infinite");
    char tmp[40];
    int n = 0;
    /* The shortest of 15, 16, 17 significant digits that reads back equal. */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* 3.0 prints as "3", which readers take for an integer (jansson does,
     * and so does pd_req_json_int): keep it a decimal. */
    if (!strpbrk(tmp, ".eE") && (size_t)n + 2 < sizeof tmp) {
        memcpy(tmp + n, ".0", 3);
        n += 2;
    }
    return write_token(w, tmp, (size_t)n);
}

int pd_jsonw_bool(pd_jsonw *w, int v)
{
    return v ? write_token(w, "true", 4) : write_token(w, "false", 5);
}

int pd_jsonw_null(pd_jsonw *w)
{
    return write_token(w, "null", 4);
}

int pd_jsonw_raw(pd_jsonw *w, const char *json, size_t len)
{
    if (len == 0) {
        if (w->failed)
            return -1;
        return fail(w, PD_EINTERNAL, "an empty raw value");
    }
    return write_token(w, json, len);
}

int pd_jsonw_kstr(pd_jsonw *w, const char *key, const char *s)
{
    return pd_jsonw_key(w, key) < 0 ? -1 : pd_jsonw_str(w, s);
}

int pd_jsonw_kint(pd_jsonw *w, const char *key, int64_t v)
{
    return pd_jsonw_key(w, key) < 0 ? -1 : pd_jsonw_int(w, v);
}

int pd_jsonw_kuint(pd_jsonw *w, const char *key, uint64_t v)
{
    return pd_jsonw_key(w, key) < 0 ? -1 : pd_jsonw_uint(w, v);
}

int pd_jsonw_kbool(pd_jsonw *w, const char *key, int v)
{
    return pd_jsonw_key(w, key) < 0 ? -1 : pd_jsonw_bool(w, v);
}

int pd_jsonw_knull(pd_jsonw *w, const char *key)
{
    return pd_jsonw_key(w, key) < 0 ? -1 : pd_jsonw_null(w);
}

int pd_jsonw_khundredths(pd_jsonw *w, const char *key, int64_t v)
{
    return pd_jsonw_key(w, key) < 0 ? -1 : pd_jsonw_hundredths(w, v);
}

int pd_jsonw_finish(const pd_jsonw *w, pd_error *err)
{
    if (w->failed)
        return pd_error_set(err, (pd_code)w->failed, "json writer: %s", w->why);
    if (pd_buf_failed(w->out))
        return pd_error_set(err, PD_ENOMEM, "json writer: the output buffer failed");
    if (w->depth != 0)
        return pd_error_set(err, PD_EINTERNAL, "json writer: %d container(s) left open", w->depth);
    if (!w->done)
        return pd_error_set(err, PD_EINTERNAL, "json writer: no value was written");
    return PD_OK;
}
