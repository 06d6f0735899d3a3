/* test_import.c - app/import.h's upload, the path of POST /api/import/creators
 * and /api/import/posts, without a server: counts, all or nothing, the
 * row checks' messages (the same as certify's), repeated and stored post
 * ids, and the export of what was stored. (The bulk load, pd_import_files,
 * is tested in tests/store/test_store.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/import.h"
#include "store/store.h"

#include "../store/fixture.h"

static int setup(void **state)
{
    *state = pd_store_fx_new("app_import", 2);
    return 0;
}

static int teardown(void **state)
{
    pd_store_fx_free(*state);
    return 0;
}

static int upload(struct pd_store_fx *f, pd_upload_kind kind, const char *body, pd_upload_counts *n,
                  pd_error *err)
{
    const char *name = kind == PD_UPLOAD_CREATORS ? "creators.csv" : "posts.csv";
    return pd_import_upload(f->s, kind, name, body, strlen(body), n, err);
}

static const char creators[] = "creator_id,handle,category,followers,mcn_id,note\n"
                               "1,ann,food,100,,x\n"
                               "2,\"bob, the cook\",food,2000,7,y\n";

static void test_upload_creators_and_posts(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_upload_counts n;
    ASSERT_CODE(PD_OK, upload(f, PD_UPLOAD_CREATORS, creators, &n, &err));
    assert_int_equal(n.created, 2);
    assert_int_equal(n.updated, 0);
    ASSERT_CODE(PD_OK, upload(f, PD_UPLOAD_CREATORS,
                              "creator_id,handle,category,followers,mcn_id\n"
                              "1,ann2,food,150,\n",
                              &n, &err));
    assert_int_equal(n.created, 0);
    assert_int_equal(n.updated, 1);
    ASSERT_CODE(PD_OK, upload(f, PD_UPLOAD_POSTS,
                              "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                              "10,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                              "11,9,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                              "12,2,2019-05-21T10:00:00.5+08:00,sponsored,300,0,0,0\n",
                              &n, &err));
    assert_int_equal(n.posts, 2);
    assert_int_equal(n.unknown, 1);

    /* the export writes back what was stored */
    char *cb = NULL, *pb = NULL;
    size_t cn = 0, pn = 0;
    FILE *cf = open_memstream(&cb, &cn), *pf = open_memstream(&pb, &pn);
    assert_non_null(cf);
    assert_non_null(pf);
    ASSERT_CODE(PD_OK, pd_export_files(f->s, cf, pf, &err));
    fclose(cf);
    fclose(pf);
    assert_string_equal(cb, "creator_id,handle,category,followers,mcn_id\n"
                            "1,ann2,food,150,\n"
                            "2,\"bob, the cook\",food,2000,7\n");
    assert_string_equal(pb, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                            "10,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                            "12,2,2019-05-21T02:00:00.5Z,sponsored,300,0,0,0\n");
    free(cb);
    free(pb);
}

/* A bad line stops the upload and nothing of it is stored; the message is
 * the row checks' (certify's) with "(nothing was stored)". */
static void test_upload_all_or_nothing(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_upload_counts n;
    ASSERT_CODE(PD_EINPUT, upload(f, PD_UPLOAD_CREATORS,
                                  "creator_id,handle,category,followers,mcn_id\n"
                                  "5,eve,food,100,\n"
                                  "6,f\xff,food,100,\n",
                                  &n, &err));
    assert_string_equal(err.msg,
                        "creators.csv:3: column 2 (handle): not valid UTF-8 (nothing was stored)");
    pd_creator_rec c;
    ASSERT_CODE(PD_ENOTFOUND, pd_db_creator_get(f->d, 5, &c, &err));

    ASSERT_CODE(PD_OK, upload(f, PD_UPLOAD_CREATORS, creators, &n, &err));
    ASSERT_CODE(PD_EINPUT,
                upload(f, PD_UPLOAD_POSTS,
                       "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                       "20,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                       "21,1,2019-05-20 10:00:00Z,organic,100,1,2,3\n",
                       &n, &err));
    assert_string_equal(err.msg, "posts.csv:3: column 3 (published_at): expected 'T' between date "
                                 "and time: '2019-05-20 10:00:00Z' (nothing was stored)");
    pd_post_rec p;
    ASSERT_CODE(PD_ENOTFOUND, pd_db_post_get(f->d, 20, &p, &err));

    ASSERT_CODE(PD_EINPUT, upload(f, PD_UPLOAD_POSTS, "\npost_id\n", &n, &err));
    assert_non_null(strstr(err.msg, "posts.csv:1: blank line where the header should be"));
    ASSERT_CODE(PD_EINPUT, upload(f, PD_UPLOAD_POSTS, "", &n, &err));
    assert_non_null(strstr(err.msg, "empty body"));
}

/* A post_id met twice in an upload names both lines, whoever its creator;
 * one stored before says so. */
static void test_upload_repeated_post_ids(void **state)
{
    struct pd_store_fx *f = *state;
    pd_error err = {0};
    pd_upload_counts n;
    ASSERT_CODE(PD_OK, upload(f, PD_UPLOAD_CREATORS, creators, &n, &err));
    ASSERT_CODE(PD_EINPUT,
                upload(f, PD_UPLOAD_POSTS,
                       "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                       "30,99,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                       "31,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                       "30,98,2019-05-20T10:00:00Z,organic,100,1,2,3\n",
                       &n, &err));
    assert_string_equal(err.msg, "posts.csv:4: column 1 (post_id): duplicate post_id 30 (first on "
                                 "line 2) (nothing was stored)");
    ASSERT_CODE(PD_OK, upload(f, PD_UPLOAD_POSTS,
                              "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                              "40,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n",
                              &n, &err));
    ASSERT_CODE(PD_EINPUT,
                upload(f, PD_UPLOAD_POSTS,
                       "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                       "41,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
                       "40,2,2019-05-20T10:00:00Z,organic,100,1,2,3\n",
                       &n, &err));
    assert_string_equal(err.msg, "posts.csv:3: column 1 (post_id): duplicate post_id (stored "
                                 "already): '40' (nothing was stored)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upload_creators_and_posts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_repeated_post_ids, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
