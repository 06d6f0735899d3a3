/* lib_api.h - what the route tests of tests/api/ share: a store in a
 * temporary directory on a fixed clock, the accounts' guard and a router,
 * and requests sent through them without a socket.
 *
 * Memory: the fixture owns the store, the router and the temporary
 * directory (test_api_close frees and removes them); an answer's body is a
 * copy in the answer itself. */
#ifndef PD_TEST_API_LIB_H
#define PD_TEST_API_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "api/accounts.h"
#include "http/router.h"
#include "store/store.h"

#define TEST_API_PW "correct horse battery"

typedef struct test_api {
    char dir[64];
    char db[128];
    pd_clock clock; /* the store's and the accounts' */
    pd_store *s;
    pd_accounts a;
    pd_router *r; /* the account routes; tests add theirs */
} test_api;

/* An answer: status, Retry-After, body (NUL-terminated, cut at the size),
 * whether a device cookie was set. */
typedef struct test_answer {
    unsigned status;
    unsigned retry_after;
    char body[16384];
    int device_cookie;
} test_answer;

/* Opens a new store in a temporary directory named after `name`, with the
 * clock fixed at now, the accounts (a rate limiter, the cheapest password
 * cost) and a router holding the account routes. Fails the test on error. */
void test_api_open(test_api *f, const char *name, int64_t now);
void test_api_close(test_api *f);

/* Adds user `name` (password TEST_API_PW) with a role and its link. */
void test_api_user(test_api *f, const char *name, pd_role role, int64_t link);

/* Signs name in (TEST_API_PW); its token into token. */
void test_api_login(test_api *f, const char *name, char token[PD_TOKEN_TEXT_MAX]);

/* Sends method target (with its query) through the router and the guard:
 * bearer (or NULL) as Authorization, content_type (or NULL) as
 * Content-Type, body (or NULL). */
void test_api_call(test_api *f, const char *method, const char *target, const char *bearer,
                   const char *content_type, const char *body, test_answer *out);

/* The value of "key":"..." in a JSON body, into out; fails when none. */
void test_api_json_str(const char *body, const char *key, char *out, size_t cap);

/* The number after "key": in a JSON body; fails when none. */
long long test_api_json_int(const char *body, const char *key);

/* How many times part stands in body. */
int test_api_count(const char *body, const char *part);

/* Fails unless the answer has this status and its body contains `part`. */
void test_api_expect(const test_answer *a, unsigned status, const char *part);

#endif
