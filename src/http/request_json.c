/* request_json.c - see request.h, "JSON in": a JSON body parsed with its
 * limits, and the helpers that read one field each and name it in their
 * errors. */
#include "http/request_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/json_type.h"

/* ---- JSON in ------------------------------------------------------------------ */

/* Nonzero when the media type (before any ';') is application/json or
 * ends in +json. */
static int PD_REQ_JSON_MEDIA_type(const char *ct)
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
    if (ct && !PD_REQ_JSON_MEDIA_type(ct))
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
