/*
 * fuzz_policy.c - libFuzzer target for policy files (core/policy.h).
 *
 * pd_policy_parse_json on the bytes. When it accepts them, the policy must
 * pass pd_policy_validate, print as JSON (the length it reports being the
 * length it writes, truncation keeping a prefix) and parse back to the very
 * same policy. It is then evaluated and explained for a few creators drawn
 * from the input: the explanation is empty exactly when nothing failed, and
 * its length does not depend on the buffer it is written to.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_policy: check failed at line %d: %s\n", __LINE__, #cond);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static uint64_t take(const uint8_t **p, const uint8_t *end, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes && *p < end; i++, (*p)++)
        v = v << 8 | **p;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pd_policy p;
    pd_error err = {0};
    memset(&p, 0xA5, sizeof p);
    if (pd_policy_parse_json((const char *)data, size, &p, &err) != PD_OK) {
        CHECK(err.code == PD_EINPUT);
        CHECK(err.msg[0] != '\0');
        return 0;
    }
    CHECK(pd_policy_validate(&p, &err) == PD_OK);

    /* print, then parse back */
    size_t need = pd_policy_to_json(&p, NULL, 0);
    char *json = malloc(need + 1);
    CHECK(json);
    CHECK(pd_policy_to_json(&p, json, need + 1) == need);
    CHECK(strlen(json) == need);
    char small[16];
    CHECK(pd_policy_to_json(&p, small, sizeof small) == need);
    CHECK(strlen(small) == (need < sizeof small ? need : sizeof small - 1));
    CHECK(memcmp(small, json, strlen(small)) == 0);
    pd_policy back;
    memset(&back, 0x5A, sizeof back);
    if (pd_policy_parse_json(json, need, &back, &err) != PD_OK) {
        fprintf(stderr, "fuzz_policy: printed policy refused: %s\n%s", err.msg, json);
        abort();
    }
    if (memcmp(&p, &back, sizeof p) != 0) {
        fprintf(stderr, "fuzz_policy: policy changed on the round trip; printed:\n%s", json);
        for (int r = 0; r < PD_RULE_COUNT; r++)
            fprintf(stderr, "  rule %d: %llu -> %llu\n", r, (unsigned long long)p.threshold[r],
                    (unsigned long long)back.threshold[r]);
        abort();
    }
    free(json);

    /* evaluate and explain for a few creators taken from the input */
    const uint8_t *q = data, *end = data + size;
    for (int i = 0; i < 4; i++) {
        uint64_t followers = take(&q, end, 3) % 2000000;
        pd_window_stats s;
        s.posts = (uint32_t)(take(&q, end, 1) % 64);
        s.sponsored = s.posts ? (uint32_t)(take(&q, end, 1) % (s.posts + 1)) : 0;
        s.views = take(&q, end, 4) % 100000000;
        if (i == 3) { /* the extremes */
            followers = 1000000000000000ULL;
            s.posts = UINT32_MAX;
            s.sponsored = UINT32_MAX / 2;
            s.views = 1000000000000000ULL * 1000;
        }
        uint32_t failed = pd_policy_failures(&p, followers, &s);
        CHECK((failed & ~p.rules) == 0);
        char buf[1024];
        size_t len = pd_policy_explain(&p, failed, followers, &s, buf, sizeof buf);
        CHECK(len < sizeof buf);
        CHECK(strlen(buf) == len);
        CHECK((len == 0) == (failed == 0));
        CHECK(pd_policy_explain(&p, failed, followers, &s, NULL, 0) == len);
        char tiny[8];
        CHECK(pd_policy_explain(&p, failed, followers, &s, tiny, sizeof tiny) == len);
        CHECK(strncmp(tiny, buf, sizeof tiny - 1) == 0);
    }
    return 0;
}
