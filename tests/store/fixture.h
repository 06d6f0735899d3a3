/*
 * fixture.h - what the store tests share: a fresh, migrated SQLite store in
 * a temporary directory of its own with one connection held, and
 * ASSERT_CODE. Header-only (static inline), for the tests of tests/store/.
 * pd_store_fx_new hands out a fixture that pd_store_fx_free releases with
 * the connection, the store, the directory and every file in it.
 */
#ifndef PD_TEST_STORE_FIXTURE_H
#define PD_TEST_STORE_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

struct pd_store_fx {
    char dir[64]; /* /tmp/pd_test_NAME_XXXXXX */
    char db[128]; /* dir/test.db */
    pd_store *s;
    pd_db *d; /* held until pd_store_fx_free */
};

/* Removes the files directly in dir, then dir. */
static inline void pd_test_rmdir(const char *dir)
{
    DIR *dp = opendir(dir);
    if (dp) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(dp)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(dp);
    }
    rmdir(dir);
}

static inline struct pd_store_fx *pd_store_fx_new(const char *name, unsigned pool_size)
{
    struct pd_store_fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pd_test_%s_XXXXXX", name);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    pd_error err = {0};
    pd_store_options o = {.create = 1, .migrate = 1, .pool_size = pool_size};
    if (pd_store_open(f->db, &o, &f->s, &err) != PD_OK)
        fail_msg("opening %s: %s", f->db, err.msg);
    if (pd_store_acquire(f->s, &f->d, &err) != PD_OK)
        fail_msg("a connection to %s: %s", f->db, err.msg);
    return f;
}

static inline void pd_store_fx_free(struct pd_store_fx *f)
{
    if (f->s) {
        if (f->d)
            pd_store_release(f->s, f->d);
        pd_store_close(f->s);
    }
    pd_test_rmdir(f->dir);
    free(f);
}

/* Checks a call's code; on a mismatch shows the call, both codes and the
 * message (the call's pd_error must be named err). */
#define ASSERT_CODE(want, call)                                                                    \
    do {                                                                                           \
        int got_ = (call);                                                                         \
        if (got_ != (want))                                                                        \
            fail_msg("%s: got %d (%s), want %d", #call, got_, err.msg, (int)(want));               \
    } while (0)

#endif
