/*
 * jsonw.h - a streaming JSON writer into a pd_buf.
 *
 * The server writes its large pages through this instead of building a
 * jansson tree (for a 1,000-row page the tree costs about 30 times more).
 * The writer appends tokens as they come and checks the structure as it
 * goes: a key only inside an object, a value after each key, ends that match
 * their beginnings, one value at the top, at most PD_JSONW_MAX_DEPTH levels.
 *
 * Strings are escaped fully (quote, backslash, every control character) and
 * validated as UTF-8 by util/utf8.h (no overlong forms, no surrogates,
 * nothing above U+10FFFF). An invalid string is an error, unless the writer was made with
 * PD_JSONW_LOSSY, which writes U+FFFD for each bad sequence instead (for
 * logs, where a client's bytes must never stop a line from being written).
 *
 * Like pd_buf, failures are sticky: write freely, then call pd_jsonw_finish
 * once, which says what went wrong first. Every write function also returns
 * 0, or -1 once the writer has failed.
 *
 * Memory: the writer owns nothing; the pd_buf stays the caller's. A writer
 * is plain data and may be copied or dropped at any time.
 */
#ifndef PD_JSONW_H
#define PD_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/buf.h"

#define PD_JSONW_MAX_DEPTH 64

enum {
    PD_JSONW_LOSSY = 1,     /* replace invalid UTF-8 with U+FFFD instead of failing */
    PD_JSONW_HTML_SAFE = 2, /* also escape < > & U+2028 U+2029 (JSON inside <script>) */
    PD_JSONW_INDENT = 4,    /* one member per line, two spaces a level, "key": value,
                             * empty containers as {} and [], \u001F in capitals: as
                             * jansson's JSON_INDENT(2) writes it (files people read,
                             * e.g. batch/report.h) */
};

typedef struct pd_jsonw {
    pd_buf *out;
    unsigned flags;
    int depth;
    int failed;                              /* a pd_code, PD_OK while all is well */
    const char *why;                         /* static text of the first failure */
    int done;                                /* the top-level value is complete */
    int want_value;                          /* a key was written: a value must follow */
    int need_comma;                          /* the current container holds a member already */
    unsigned char stack[PD_JSONW_MAX_DEPTH]; /* '{' or '[' per open level */
} pd_jsonw;

/* Starts a writer that appends one JSON value to out. */
void pd_jsonw_init(pd_jsonw *w, pd_buf *out, unsigned flags);

int pd_jsonw_obj_begin(pd_jsonw *w);
int pd_jsonw_obj_end(pd_jsonw *w);
int pd_jsonw_arr_begin(pd_jsonw *w);
int pd_jsonw_arr_end(pd_jsonw *w);

/* A member name inside an object (NUL-terminated, or len bytes). */
int pd_jsonw_key(pd_jsonw *w, const char *key);
int pd_jsonw_keyn(pd_jsonw *w, const char *key, size_t len);

/* Values. pd_jsonw_str(w, NULL) writes null. */
int pd_jsonw_str(pd_jsonw *w, const char *s);
int pd_jsonw_strn(pd_jsonw *w, const char *s, size_t len);
int pd_jsonw_int(pd_jsonw *w, int64_t v);
int pd_jsonw_uint(pd_jsonw *w, uint64_t v);
int pd_jsonw_bool(pd_jsonw *w, int v);
int pd_jsonw_null(pd_jsonw *w);
/* A decimal given in hundredths: -1234 writes -12.34, 5 writes 0.05. */
int pd_jsonw_hundredths(pd_jsonw *w, int64_t v);
/* A double, shortest form that reads back exactly, always with a fraction
 * or an exponent (3.0 is "3.0", never "3", which readers take for an
 * integer); NaN and infinities are errors (JSON has no spelling for them). */
int pd_jsonw_double(pd_jsonw *w, double v);
/* Already encoded JSON, written as one value without being checked (the
 * output of json_dumpb, a cached fragment). The caller vouches for it. */
int pd_jsonw_raw(pd_jsonw *w, const char *json, size_t len);

/* A key and its value in one call. */
int pd_jsonw_kstr(pd_jsonw *w, const char *key, const char *s);
int pd_jsonw_kint(pd_jsonw *w, const char *key, int64_t v);
int pd_jsonw_kuint(pd_jsonw *w, const char *key, uint64_t v);
int pd_jsonw_kbool(pd_jsonw *w, const char *key, int v);
int pd_jsonw_knull(pd_jsonw *w, const char *key);
int pd_jsonw_khundredths(pd_jsonw *w, const char *key, int64_t v);

/* PD_OK when exactly one complete value was written and nothing failed;
 * otherwise the first failure: PD_EINTERNAL for misuse (a key outside an
 * object, an end that does not match, nesting too deep, an unfinished
 * value), PD_EINPUT for a string that is not UTF-8 or a non-finite double,
 * PD_ENOMEM when the buffer reached its ceiling or memory ran out. */
int pd_jsonw_finish(const pd_jsonw *w, pd_error *err);

/* Nonzero once any write has failed. */
static inline int pd_jsonw_failed(const pd_jsonw *w)
{
    return w->failed != 0;
}

/* Appends s[0..len) to out as the inside of a JSON string (no quotes),
 * escaped as the writer would with these flags. 0, -2 when s is not UTF-8
 * (without PD_JSONW_LOSSY; out may then hold part of it), -1 when the buffer
 * fails. For callers that build JSON text around their own framing. */
int pd_json_escape(pd_buf *out, const char *s, size_t len, unsigned flags);

#endif
