/* test_jsonw.c - the streaming JSON writer: every kind of value, nesting
 * and commas, escaping of every control character, UTF-8 validation
 * (overlong forms, surrogates, truncated and out-of-range sequences), the
 * lossy and HTML-safe modes, misuse caught as errors, the buffer ceiling,
 * and output that jansson reads back as the same document. */
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/jsonw.h"
#include "util/utf8.h"

typedef struct fixture {
    pd_buf b;
    pd_jsonw w;
} fixture;

static void start(fixture *f, unsigned flags)
{
    pd_buf_init(&f->b, 1 << 20);
    pd_jsonw_init(&f->w, &f->b, flags);
}

/* Finishes f and checks its text and that jansson parses it. */
static void expect_json(fixture *f, const char *want)
{
    pd_error err = {0};
    int rc = pd_jsonw_finish(&f->w, &err);
    if (rc != PD_OK)
        fail_msg("finish: %s", err.msg);
    assert_string_equal(f->b.data, want);
    json_error_t je;
    json_t *v = json_loads(f->b.data, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v)
        fail_msg("jansson rejects %s: %s", f->b.data, je.text);
    json_decref(v);
    pd_buf_free(&f->b);
}

/* Finishes f and checks it failed with code. */
static void expect_fail(fixture *f, int code)
{
    pd_error err = {0};
    assert_int_equal(pd_jsonw_finish(&f->w, &err), code);
    assert_true(err.msg[0] != '\0');
    assert_true(pd_jsonw_failed(&f->w) || code == PD_EINTERNAL);
    pd_buf_free(&f->b);
}

static void test_scalars(void **state)
{
    (void)state;
    fixture f;
    struct {
        int kind;
        int64_t i;
        const char *want;
    } cases[] = {
        {0, 0, "0"},
        {0, -1, "-1"},
        {0, INT64_MAX, "9223372036854775807"},
        {0, INT64_MIN, "-9223372036854775808"},
        {1, 0, "true"},
        {2, 0, "false"},
        {3, 0, "null"},
        {4, 0, "0.00"},
        {4, 5, "0.05"},
        {4, 1234, "12.34"},
        {4, -1234, "-12.34"},
        {4, -5, "-0.05"},
        {4, INT64_MIN, "-92233720368547758.08"},
        {4, INT64_MAX, "92233720368547758.07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(&f, 0);
        switch (cases[i].kind) {
        case 0: assert_int_equal(pd_jsonw_int(&f.w, cases[i].i), 0); break;
        case 1: pd_jsonw_bool(&f.w, 7); break;
        case 2: pd_jsonw_bool(&f.w, 0); break;
        case 3: pd_jsonw_null(&f.w); break;
        case 4: pd_jsonw_hundredths(&f.w, cases[i].i); break;
        }
        expect_json(&f, cases[i].want);
    }
    /* Valid JSON, though jansson (int64) cannot read it back. */
    start(&f, 0);
    pd_jsonw_uint(&f.w, UINT64_MAX);
    assert_int_equal(pd_jsonw_finish(&f.w, NULL), PD_OK);
    assert_string_equal(f.b.data, "18446744073709551615");
    pd_buf_free(&f.b);
    start(&f, 0);
    pd_jsonw_str(&f.w, NULL);
    expect_json(&f, "null");
}

static void test_doubles(void **state)
{
    (void)state;
    double vals[] = {0.0,   1.0,     -2.5,    0.1,     1.0 / 3.0,
                     1e300, -1e-300, DBL_MAX, DBL_MIN, 123456789.125};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        fixture f;
        start(&f, 0);
        pd_jsonw_double(&f.w, vals[i]);
        assert_int_equal(pd_jsonw_finish(&f.w, NULL), PD_OK);
        /* Reads back exactly, and in the shortest of 15-17 digits. */
        assert_true(strtod(f.b.data, NULL) == vals[i]);
        json_t *v = json_loads(f.b.data, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        json_decref(v);
        pd_buf_free(&f.b);
    }
    fixture f;
    start(&f, 0);
    pd_jsonw_double(&f.w, 0.1);
    expect_json(&f, "0.1");
    /* Whole values stay decimals, so that readers type them as reals. */
    start(&f, 0);
    pd_jsonw_double(&f.w, 3.0);
    expect_json(&f, "3.0");
    start(&f, 0);
    pd_jsonw_double(&f.w, -9007199254740992.0); /* -2^53 */
    expect_json(&f, "-9007199254740992.0");
    start(&f, 0);
    pd_jsonw_double(&f.w, 1e300);
    expect_json(&f, "1e+300");
    start(&f, 0);
    pd_jsonw_double(&f.w, NAN);
    expect_fail(&f, PD_EINPUT);
    start(&f, 0);
    pd_jsonw_double(&f.w, -INFINITY);
    expect_fail(&f, PD_EINPUT);
}

static void test_nesting_and_commas(void **state)
{
    (void)state;
    fixture f;
    start(&f, 0);
    pd_jsonw *w = &f.w;
    pd_jsonw_obj_begin(w);
    pd_jsonw_kint(w, "a", 1);
    pd_jsonw_key(w, "list");
    pd_jsonw_arr_begin(w);
    pd_jsonw_int(w, 1);
    pd_jsonw_arr_begin(w);
    pd_jsonw_arr_end(w);
    pd_jsonw_obj_begin(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_str(w, "x");
    pd_jsonw_obj_begin(w);
    pd_jsonw_kbool(w, "t", 1);
    pd_jsonw_knull(w, "n");
    pd_jsonw_obj_end(w);
    pd_jsonw_arr_end(w);
    pd_jsonw_kstr(w, "s", "v");
    pd_jsonw_kuint(w, "u", 7);
    pd_jsonw_khundredths(w, "price", 1999);
    pd_jsonw_key(w, "empty");
    pd_jsonw_obj_begin(w);
    pd_jsonw_obj_end(w);
    pd_jsonw_obj_end(w);
    expect_json(&f, "{\"a\":1,\"list\":[1,[],{},\"x\",{\"t\":true,\"n\":null}],\"s\":\"v\","
                    "\"u\":7,\"price\":19.99,\"empty\":{}}");

    start(&f, 0);
    pd_jsonw_arr_begin(&f.w);
    pd_jsonw_arr_end(&f.w);
    expect_json(&f, "[]");

    /* The deepest nesting allowed, and one more. */
    start(&f, 0);
    for (int i = 0; i < PD_JSONW_MAX_DEPTH; i++)
        assert_int_equal(pd_jsonw_arr_begin(&f.w), 0);
    for (int i = 0; i < PD_JSONW_MAX_DEPTH; i++)
        assert_int_equal(pd_jsonw_arr_end(&f.w), 0);
    assert_int_equal(pd_jsonw_finish(&f.w, NULL), PD_OK);
    pd_buf_free(&f.b);
    start(&f, 0);
    for (int i = 0; i < PD_JSONW_MAX_DEPTH; i++)
        pd_jsonw_arr_begin(&f.w);
    assert_int_equal(pd_jsonw_obj_begin(&f.w), -1);
    expect_fail(&f, PD_EINTERNAL);
}

static void test_raw(void **state)
{
    (void)state;
    fixture f;
    start(&f, 0);
    pd_jsonw_arr_begin(&f.w);
    pd_jsonw_raw(&f.w, "{\"cached\":true}", 15);
    pd_jsonw_raw(&f.w, "2", 1);
    pd_jsonw_arr_end(&f.w);
    expect_json(&f, "[{\"cached\":true},2]");
    start(&f, 0);
    pd_jsonw_raw(&f.w, "", 0);
    expect_fail(&f, PD_EINTERNAL);
}

static void test_misuse(void **state)
{
    (void)state;
    fixture f;

    start(&f, 0); /* nothing written */
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* two values at the top */
    pd_jsonw_int(&f.w, 1);
    assert_int_equal(pd_jsonw_int(&f.w, 2), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* a key outside an object */
    pd_jsonw_arr_begin(&f.w);
    assert_int_equal(pd_jsonw_key(&f.w, "k"), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* a key at the top */
    assert_int_equal(pd_jsonw_key(&f.w, "k"), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* a value in an object without a key */
    pd_jsonw_obj_begin(&f.w);
    assert_int_equal(pd_jsonw_int(&f.w, 1), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* two keys in a row */
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_key(&f.w, "a");
    assert_int_equal(pd_jsonw_key(&f.w, "b"), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* an object ends after a key */
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_key(&f.w, "a");
    assert_int_equal(pd_jsonw_obj_end(&f.w), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* ends that do not match */
    pd_jsonw_obj_begin(&f.w);
    assert_int_equal(pd_jsonw_arr_end(&f.w), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0);
    assert_int_equal(pd_jsonw_obj_end(&f.w), -1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* left open */
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_kint(&f.w, "a", 1);
    expect_fail(&f, PD_EINTERNAL);

    start(&f, 0); /* sticky: the first failure is the one reported */
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_int(&f.w, 1);
    pd_jsonw_double(&f.w, NAN);
    pd_error err;
    assert_int_equal(pd_jsonw_finish(&f.w, &err), PD_EINTERNAL);
    assert_non_null(strstr(err.msg, "without a key"));
    pd_buf_free(&f.b);
}

static void test_escaping(void **state)
{
    (void)state;
    fixture f;
    start(&f, 0);
    pd_jsonw_str(&f.w, "quote\" backslash\\ slash/ tab\t nl\n cr\r bs\b ff\f del\x7f");
    expect_json(&f, "\"quote\\\" backslash\\\\ slash/ tab\\t nl\\n cr\\r bs\\b ff\\f del\x7f\"");

    /* Every control character is escaped, and jansson reads it back. */
    for (int c = 0; c < 0x20; c++) {
        char s[1] = {(char)c};
        start(&f, 0);
        pd_jsonw_strn(&f.w, s, 1);
        assert_int_equal(pd_jsonw_finish(&f.w, NULL), PD_OK);
        for (size_t i = 1; i + 1 < f.b.len; i++)
            assert_true((unsigned char)f.b.data[i] >= 0x20);
        json_t *v = json_loads(f.b.data, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(v);
        assert_int_equal(json_string_length(v), 1);
        assert_int_equal(json_string_value(v)[0], c);
        json_decref(v);
        pd_buf_free(&f.b);
    }
    start(&f, 0);
    pd_jsonw_strn(&f.w, "a\0b\x1f", 4);
    expect_json(&f, "\"a\\u0000b\\u001f\"");

    /* Keys are escaped the same way. */
    start(&f, 0);
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_kint(&f.w, "k\"\n", 1);
    pd_jsonw_obj_end(&f.w);
    expect_json(&f, "{\"k\\\"\\n\":1}");

    /* Long plain runs around escapes. */
    char big[3000];
    memset(big, 'a', sizeof big);
    big[1500] = '"';
    start(&f, 0);
    pd_jsonw_strn(&f.w, big, sizeof big);
    assert_int_equal(pd_jsonw_finish(&f.w, NULL), PD_OK);
    assert_int_equal(f.b.len, sizeof big + 3);
    pd_buf_free(&f.b);
}

static void test_utf8(void **state)
{
    (void)state;
    const char *valid[] = {
        "caf\xC3\xA9",              /* é */
        "\xE2\x82\xAC",             /* € */
        "\xF0\x9F\x98\x80",         /* U+1F600 */
        "\xF4\x8F\xBF\xBF",         /* U+10FFFF, the last */
        "\xED\x9F\xBF",             /* U+D7FF, just below the surrogates */
        "\xEE\x80\x80",             /* U+E000, just above */
        "\xE0\xA0\x80",             /* U+0800, the first 3-byte */
        "\xF0\x90\x80\x80",         /* U+10000, the first 4-byte */
        "\xE2\x80\xA8",             /* U+2028 */
        "\xe4\xb8\xad\xe6\x96\x87", /* 中文 */
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        fixture f;
        start(&f, 0);
        pd_jsonw_str(&f.w, valid[i]);
        char want[64];
        snprintf(want, sizeof want, "\"%s\"", valid[i]);
        expect_json(&f, want);
        assert_true(pd_utf8_valid(valid[i], strlen(valid[i])));
    }
    const char *invalid[] = {
        "\x80",             /* a lone continuation byte */
        "\xC3",             /* truncated */
        "\xC3(",            /* bad continuation */
        "\xC0\xAF",         /* overlong '/' */
        "\xC1\xBF",         /* overlong */
        "\xE0\x80\xAF",     /* overlong 3-byte */
        "\xED\xA0\x80",     /* U+D800, a surrogate */
        "\xED\xBF\xBF",     /* U+DFFF */
        "\xF0\x80\x80\xAF", /* overlong 4-byte */
        "\xF4\x90\x80\x80", /* U+110000 */
        "\xF5\x80\x80\x80", /* no such lead byte */
        "\xFF",
        "\xE2\x82",       /* truncated € */
        "ok\xF0\x9F\x98", /* truncated at the end */
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        fixture f;
        start(&f, 0);
        pd_jsonw_arr_begin(&f.w);
        pd_jsonw_str(&f.w, "before");
        assert_int_equal(pd_jsonw_str(&f.w, invalid[i]), -1);
        /* The partial string is taken back. */
        assert_string_equal(f.b.data, "[\"before\",");
        expect_fail(&f, PD_EINPUT);
        assert_false(pd_utf8_valid(invalid[i], strlen(invalid[i])));
    }
    /* Lossy: each bad byte becomes U+FFFD and the rest is kept. */
    fixture f;
    start(&f, PD_JSONW_LOSSY);
    pd_jsonw_str(&f.w, "a\xFF"
                       "b\xC3"
                       "c\xE2\x82\xAC");
    expect_json(&f, "\"a\xEF\xBF\xBD"
                    "b\xEF\xBF\xBD"
                    "c\xE2\x82\xAC\"");
    start(&f, PD_JSONW_LOSSY);
    pd_jsonw_str(&f.w, "\xED\xA0\x80");
    expect_json(&f, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

static void test_html_safe(void **state)
{
    (void)state;
    fixture f;
    start(&f, PD_JSONW_HTML_SAFE);
    pd_jsonw_str(&f.w, "</script><b>&amp;\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\xAA");
    expect_json(&f,
                "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\\u2028\\u2029\xE2\x80\xAA\"");
    /* Without the flag, they stay as they are. */
    start(&f, 0);
    pd_jsonw_str(&f.w, "<&>");
    expect_json(&f, "\"<&>\"");
}

static void test_ceiling(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 16);
    pd_jsonw w;
    pd_jsonw_init(&w, &b, 0);
    pd_jsonw_arr_begin(&w);
    int failed_at = -1;
    for (int i = 0; i < 20; i++)
        if (pd_jsonw_int(&w, 12345) < 0) {
            failed_at = i;
            break;
        }
    assert_true(failed_at > 0);
    assert_true(b.len <= 16);
    /* Sticky: nothing more is written. */
    assert_int_equal(pd_jsonw_arr_end(&w), -1);
    pd_error err;
    assert_int_equal(pd_jsonw_finish(&w, &err), PD_ENOMEM);
    pd_buf_free(&b);

    /* A string that does not fit. */
    pd_buf_init(&b, 8);
    pd_jsonw_init(&w, &b, 0);
    assert_int_equal(pd_jsonw_str(&w, "0123456789"), -1);
    assert_int_equal(pd_jsonw_finish(&w, &err), PD_ENOMEM);
    pd_buf_free(&b);
}

static void test_escape_helper(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 100);
    assert_int_equal(pd_json_escape(&b, "a\"b", 3, 0), 0);
    assert_string_equal(b.data, "a\\\"b");
    assert_int_equal(pd_json_escape(&b, "\xFF", 1, 0), -2);
    pd_buf small;
    pd_buf_init(&small, 2);
    assert_int_equal(pd_json_escape(&small, "abc", 3, 0), -1);
    pd_buf_free(&small);
    pd_buf_free(&b);
}

/* A 1,000-row page written through the writer parses back to the same
 * values (the shape discovery pages have). */
static void test_page_round_trip(void **state)
{
    (void)state;
    pd_buf b;
    pd_buf_init(&b, 1 << 22);
    pd_jsonw w;
    pd_jsonw_init(&w, &b, 0);
    pd_jsonw_obj_begin(&w);
    pd_jsonw_key(&w, "items");
    pd_jsonw_arr_begin(&w);
    for (int i = 0; i < 1000; i++) {
        char handle[32];
        snprintf(handle, sizeof handle, "creator_%d \"q\"", i);
        pd_jsonw_obj_begin(&w);
        pd_jsonw_kint(&w, "id", i);
        pd_jsonw_kstr(&w, "handle", handle);
        pd_jsonw_kuint(&w, "followers", (uint64_t)i * 1000003u);
        pd_jsonw_khundredths(&w, "avg_views", i * 101);
        pd_jsonw_kbool(&w, "certified", i % 3 == 0);
        pd_jsonw_obj_end(&w);
    }
    pd_jsonw_arr_end(&w);
    pd_jsonw_knull(&w, "next");
    pd_jsonw_obj_end(&w);
    assert_int_equal(pd_jsonw_finish(&w, NULL), PD_OK);
    json_error_t je;
    json_t *doc = json_loadb(b.data, b.len, JSON_REJECT_DUPLICATES, &je);
    assert_non_null(doc);
    json_t *items = json_object_get(doc, "items");
    assert_int_equal(json_array_size(items), 1000);
    json_t *it = json_array_get(items, 777);
    assert_int_equal(json_integer_value(json_object_get(it, "id")), 777);
    assert_string_equal(json_string_value(json_object_get(it, "handle")), "creator_777 \"q\"");
    assert_int_equal(json_integer_value(json_object_get(it, "followers")), 777ll * 1000003);
    assert_true(fabs(json_real_value(json_object_get(it, "avg_views")) - 784.77) < 1e-9);
    assert_true(json_is_true(json_object_get(it, "certified")) == (777 % 3 == 0));
    assert_true(json_is_null(json_object_get(doc, "next")));
    json_decref(doc);
    pd_buf_free(&b);
}

/* Keys: plain ones take the short way, others are escaped as values are,
 * in both modes, and a long plain key is written whole. */
static void test_keys(void **state)
{
    (void)state;
    fixture f;
    start(&f, 0);
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_kint(&f.w, "a", 1);
    pd_jsonw_kint(&f.w, "say \"hi\"\n", 2);
    pd_jsonw_kint(&f.w, "<b>&", 3);
    pd_jsonw_kint(&f.w, "\xe5\xb0\x8f", 4);
    pd_jsonw_kint(&f.w, "", 5);
    char longkey[80];
    memset(longkey, 'k', 70);
    longkey[70] = '\0';
    pd_jsonw_kint(&f.w, longkey, 6);
    pd_jsonw_obj_end(&f.w);
    expect_json(&f,
                "{\"a\":1,\"say \\\"hi\\\"\\n\":2,\"<b>&\":3,\"\xe5\xb0\x8f\":4,\"\":5,"
                "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":6}");
    start(&f, PD_JSONW_HTML_SAFE);
    pd_jsonw_obj_begin(&f.w);
    pd_jsonw_kint(&f.w, "<b>&", 3);
    pd_jsonw_obj_end(&f.w);
    expect_json(&f, "{\"\\u003cb\\u003e\\u0026\":3}");
}

/* Writes v (no reals) through w, member by member. */
static void write_tree(pd_jsonw *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        pd_jsonw_obj_begin(w);
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            pd_jsonw_key(w, k);
            write_tree(w, m);
        }
        pd_jsonw_obj_end(w);
        break;
    }
    case JSON_ARRAY: {
        pd_jsonw_arr_begin(w);
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) write_tree(w, m);
        pd_jsonw_arr_end(w);
        break;
    }
    case JSON_STRING: pd_jsonw_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: pd_jsonw_int(w, json_integer_value(v)); break;
    case JSON_TRUE: pd_jsonw_bool(w, 1); break;
    case JSON_FALSE: pd_jsonw_bool(w, 0); break;
    default: pd_jsonw_null(w); break;
    }
}

/* PD_JSONW_INDENT writes what jansson's JSON_INDENT(2) writes, byte for
 * byte (batch/report.c's files depend on it). */
static void test_indent(void **state)
{
    (void)state;
    static const char *const docs[] = {
        "{}",
        "[]",
        "7",
        "\"s\"",
        "{\"a\": 1}",
        "[1, 2, [], {}, [[]], {\"x\": {}}]",
        "{\"a\": [], \"b\": {}, \"c\": [{\"d\": null, \"e\": true, \"f\": false}]}",
        "{\"ctl\": \"\\u0001\\u001f\\t\\n\\\"\\\\/\", \"k\\u0002\": -5, \"caf\u00e9\": \"\u2028\"}",
        "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
        "{\"policies\": [{\"name\": \"v1\", \"rules\": {\"min_followers\": 1000}, "
        "\"certified\": 3}, {\"name\": \"v2\", \"rules\": {}, \"certified\": 0}]}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
        json_error_t je;
        json_t *v = json_loads(docs[i], JSON_DECODE_ANY, &je);
        if (!v)
            fail_msg("%s: %s", docs[i], je.text);
        char *want = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        assert_non_null(want);
        fixture f;
        start(&f, PD_JSONW_INDENT);
        write_tree(&f.w, v);
        expect_json(&f, want);
        free(want);
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_nesting_and_commas),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_html_safe),
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_escape_helper),
        cmocka_unit_test(test_page_round_trip),
        cmocka_unit_test(test_indent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
