/*
 * fuzz_instant.c - libFuzzer target for ISO-8601 instants (core/instant.h).
 *
 * pd_instant_parse on the bytes. A refusal must say why; an accepted instant
 * must have nanoseconds in range, and formatting it and parsing the result
 * must give the same instant back (formatting twice gives the same text).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_instant: check failed at line %d: %s\n", __LINE__, #cond);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so that reading past the end is caught */
    char *s = malloc(size ? size : 1);
    CHECK(s);
    if (size)
        memcpy(s, data, size);
    pd_instant t;
    const char *why = NULL;
    int rc = pd_instant_parse(s, size, &t, &why);
    pd_instant t2;
    CHECK(pd_instant_parse(s, size, &t2, NULL) == rc);
    free(s);
    if (rc < 0) {
        CHECK(why != NULL && why[0] != '\0');
        return 0;
    }
    CHECK(rc == 0);
    CHECK(t2.sec == t.sec && t2.nsec == t.nsec);
    CHECK(t.nsec >= 0 && t.nsec < 1000000000);

    char buf[PD_INSTANT_FMT_MAX];
    size_t n = pd_instant_format(t, buf);
    CHECK(n < PD_INSTANT_FMT_MAX);
    CHECK(strlen(buf) == n);
    pd_instant back;
    if (pd_instant_parse(buf, n, &back, &why) < 0) {
        fprintf(stderr, "fuzz_instant: '%.*s' formats as '%s', which is refused: %s\n", (int)size,
                (const char *)data, buf, why);
        abort();
    }
    if (back.sec != t.sec || back.nsec != t.nsec) {
        fprintf(stderr, "fuzz_instant: '%.*s' = %lld s %d ns formats as '%s' = %lld s %d ns\n",
                (int)size, (const char *)data, (long long)t.sec, (int)t.nsec, buf,
                (long long)back.sec, (int)back.nsec);
        abort();
    }
    char again[PD_INSTANT_FMT_MAX];
    CHECK(pd_instant_format(back, again) == n && memcmp(buf, again, n + 1) == 0);
    return 0;
}
