/* test_log.c - structured logs: one JSON object per line with level,
 * time, msg and typed fields; level filtering; strings from outside cut
 * and made valid UTF-8; and lines from many threads never interleaved. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/log.h"

/* Points the log at a fresh temporary file; returns it. */
static FILE *capture(void)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    pd_log_set_fd(fileno(fp));
    return fp;
}

/* Reads every line written so far as JSON objects; *n gets the count. */
static json_t **lines(FILE *fp, size_t *n)
{
    fflush(fp);
    rewind(fp);
    size_t cap = 16;
    json_t **out = malloc(cap * sizeof *out);
    *n = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, fp)) > 0) {
        assert_int_equal(line[len - 1], '\n');
        json_error_t je;
        json_t *v = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &je);
        if (!v)
            fail_msg("not JSON: %s (%s)", line, je.text);
        if (*n == cap)
            out = realloc(out, (cap *= 2) * sizeof *out);
        out[(*n)++] = v;
    }
    free(line);
    return out;
}

static void free_lines(json_t **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_decref(l[i]);
    free(l);
}

static void test_fields(void **state)
{
    (void)state;
    FILE *fp = capture();
    pd_log_set_level(PD_LOG_DEBUG);
    PD_LOG(PD_LOG_INFO, "request", PD_LOG_STR("method", "GET"), PD_LOG_STR("route", NULL),
           PD_LOG_INT("neg", -5), PD_LOG_UINT("big", UINT64_MAX / 2), PD_LOG_BOOL("ok", 3),
           PD_LOG_DOUBLE("ratio", 0.25), PD_LOG_DOUBLE("nan", NAN), PD_LOG_STR("quote", "a\"b\n"));
    pd_log_msg(PD_LOG_WARN, "no fields");
    pd_logf(PD_LOG_ERROR, "formatted %d %s", 42, "x");
    pd_log_msg(PD_LOG_DEBUG, "debug shows at debug");
    size_t n;
    json_t **l = lines(fp, &n);
    assert_int_equal(n, 4);
    json_t *e = l[0];
    /* level, time and msg first, in that order, then the fields. */
    const char *first_keys[] = {"level", "time", "msg", "method"};
    void *it = json_object_iter(e);
    for (size_t i = 0; i < 4; i++, it = json_object_iter_next(e, it))
        assert_string_equal(json_object_iter_key(it), first_keys[i]);
    assert_string_equal(json_string_value(json_object_get(e, "level")), "info");
    const char *t = json_string_value(json_object_get(e, "time"));
    /* 2024-05-01T12:00:00.123Z */
    assert_int_equal(strlen(t), 24);
    assert_int_equal(t[10], 'T');
    assert_int_equal(t[19], '.');
    assert_int_equal(t[23], 'Z');
    assert_string_equal(json_string_value(json_object_get(e, "msg")), "request");
    assert_true(json_is_null(json_object_get(e, "route")));
    assert_int_equal(json_integer_value(json_object_get(e, "neg")), -5);
    assert_int_equal(json_integer_value(json_object_get(e, "big")), (json_int_t)(UINT64_MAX / 2));
    assert_true(json_is_true(json_object_get(e, "ok")));
    assert_true(json_real_value(json_object_get(e, "ratio")) == 0.25);
    assert_true(json_is_null(json_object_get(e, "nan")));
    assert_string_equal(json_string_value(json_object_get(e, "quote")), "a\"b\n");
    assert_string_equal(json_string_value(json_object_get(l[1], "level")), "warn");
    assert_int_equal(json_object_size(l[1]), 3);
    assert_string_equal(json_string_value(json_object_get(l[2], "msg")), "formatted 42 x");
    assert_string_equal(json_string_value(json_object_get(l[2], "level")), "error");
    assert_string_equal(json_string_value(json_object_get(l[3], "level")), "debug");
    free_lines(l, n);
    fclose(fp);
    pd_log_set_fd(2);
    pd_log_set_level(PD_LOG_INFO);
}

static void test_levels(void **state)
{
    (void)state;
    FILE *fp = capture();
    pd_log_set_level(PD_LOG_WARN);
    assert_int_equal(pd_log_get_level(), PD_LOG_WARN);
    assert_false(pd_log_enabled(PD_LOG_INFO));
    assert_true(pd_log_enabled(PD_LOG_ERROR));
    pd_log_msg(PD_LOG_DEBUG, "no");
    pd_log_msg(PD_LOG_INFO, "no");
    pd_logf(PD_LOG_INFO, "no %d", 1);
    pd_log_msg(PD_LOG_WARN, "yes");
    pd_log_msg(PD_LOG_ERROR, "yes");
    size_t n;
    json_t **l = lines(fp, &n);
    assert_int_equal(n, 2);
    free_lines(l, n);
    fclose(fp);
    pd_log_set_fd(2);
    pd_log_set_level(PD_LOG_INFO);

    pd_log_level lv;
    assert_int_equal(pd_log_level_parse("debug", &lv), 0);
    assert_int_equal(lv, PD_LOG_DEBUG);
    assert_int_equal(pd_log_level_parse("warning", &lv), 0);
    assert_int_equal(lv, PD_LOG_WARN);
    assert_int_equal(pd_log_level_parse("error", &lv), 0);
    assert_int_equal(lv, PD_LOG_ERROR);
    assert_int_equal(pd_log_level_parse("INFO", &lv), -1);
    assert_int_equal(pd_log_level_parse("", &lv), -1);
    assert_string_equal(pd_log_level_name(PD_LOG_INFO), "info");
    assert_string_equal(pd_log_level_name((pd_log_level)42), "unknown");
}

static void test_outside_strings(void **state)
{
    (void)state;
    FILE *fp = capture();
    /* Not UTF-8: replaced, the line still written. */
    PD_LOG(PD_LOG_INFO, "bad\xFF", PD_LOG_STR("path", "/a\xC3\x28/\xED\xA0\x80"));
    /* Too long: cut at PD_LOG_STR_MAX bytes and marked. */
    char *big = malloc(PD_LOG_STR_MAX * 3);
    memset(big, 'x', PD_LOG_STR_MAX * 3 - 1);
    big[PD_LOG_STR_MAX * 3 - 1] = '\0';
    PD_LOG(PD_LOG_INFO, "big", PD_LOG_STR("v", big));
    /* Cut inside a UTF-8 sequence: still valid. */
    memset(big, 'y', PD_LOG_STR_MAX - 1);
    memcpy(big + PD_LOG_STR_MAX - 1, "\xE2\x82\xAC", 3);
    PD_LOG(PD_LOG_INFO, "cut", PD_LOG_STR("v", big));
    free(big);
    size_t n;
    json_t **l = lines(fp, &n);
    assert_int_equal(n, 3);
    assert_string_equal(json_string_value(json_object_get(l[0], "msg")), "bad\xEF\xBF\xBD");
    assert_non_null(strstr(json_string_value(json_object_get(l[0], "path")), "\xEF\xBF\xBD"));
    const char *v = json_string_value(json_object_get(l[1], "v"));
    assert_int_equal(strlen(v), PD_LOG_STR_MAX + 3);
    assert_string_equal(v + PD_LOG_STR_MAX, "...");
    v = json_string_value(json_object_get(l[2], "v"));
    assert_string_equal(v + strlen(v) - 6, "\xEF\xBF\xBD...");
    free_lines(l, n);
    fclose(fp);
    pd_log_set_fd(2);
}

#define THREADS 8
#define PER_THREAD 2000

static void *writer(void *arg)
{
    long id = (long)(intptr_t)arg;
    char pad[300];
    memset(pad, 'a' + (int)id, sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    for (int i = 0; i < PER_THREAD; i++)
        PD_LOG(PD_LOG_INFO, "event", PD_LOG_INT("thread", id), PD_LOG_INT("i", i),
               PD_LOG_STR("pad", pad));
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    FILE *fp = capture();
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    size_t n;
    json_t **l = lines(fp, &n); /* fails on any interleaved line */
    assert_int_equal(n, THREADS * PER_THREAD);
    int next[THREADS] = {0};
    for (size_t k = 0; k < n; k++) {
        int id = (int)json_integer_value(json_object_get(l[k], "thread"));
        int i = (int)json_integer_value(json_object_get(l[k], "i"));
        assert_int_equal(i, next[id]); /* each thread's lines in its order */
        next[id]++;
        assert_int_equal(json_string_value(json_object_get(l[k], "pad"))[0], 'a' + id);
    }
    free_lines(l, n);
    fclose(fp);
    pd_log_set_fd(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_outside_strings),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
