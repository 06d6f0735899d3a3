/* test_dataset.c - the batch loader over small files in a temporary
 * directory: column lookup by name, window edges, several windows, unknown
 * creators, duplicates, bad lines (stopping or skipped and reported), and
 * above all the parallel split: the same files loaded on 1 to 7 threads with
 * tiny chunks must give the same creators, statistics and line numbers, even
 * when a guessed chunk start falls inside a quoted field.
 *
 * A loaded dataset is turned into a text description (summary, then one line
 * per creator), so that a mismatch prints both sides in full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch/dataset.h"
#include "batch/rows.h"
#include "core/instant.h"
#include "util/buf.h"

/* 2019-06-01T00:00:00Z */
#define AS_OF 1559347200LL
#define DAY 86400LL

/* ---- temporary files ---------------------------------------------------------- */

struct tmp {
    char dir[64];
    char creators[128];
    char posts[128];
};

static void tmp_write(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Directories not yet removed, so that a failed test (which leaves its
 * function early) leaves nothing behind: the group teardown removes them. */
#define MAX_LIVE 16
static struct tmp live[MAX_LIVE];

static void tmp_rm(const struct tmp *t)
{
    unlink(t->creators);
    unlink(t->posts);
    rmdir(t->dir);
}

static int remove_leftovers(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAX_LIVE; i++) {
        if (live[i].dir[0])
            tmp_rm(&live[i]);
        live[i].dir[0] = '\0';
    }
    return 0;
}

/* A fresh directory with creators.csv and posts.csv holding c and p (NULL:
 * no such file). */
static void tmp_make(struct tmp *t, const char *c, const char *p)
{
    snprintf(t->dir, sizeof t->dir, "%s", "/tmp/pd_test_dataset_XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->creators, sizeof t->creators, "%s/creators.csv", t->dir);
    snprintf(t->posts, sizeof t->posts, "%s/posts.csv", t->dir);
    for (size_t i = 0; i < MAX_LIVE; i++) {
        if (!live[i].dir[0]) {
            live[i] = *t;
            break;
        }
    }
    if (c)
        tmp_write(t->creators, c, strlen(c));
    if (p)
        tmp_write(t->posts, p, strlen(p));
}

static void tmp_remove(struct tmp *t)
{
    for (size_t i = 0; i < MAX_LIVE; i++)
        if (strcmp(live[i].dir, t->dir) == 0)
            live[i].dir[0] = '\0';
    unlink(t->creators);
    unlink(t->posts);
    assert_int_equal(rmdir(t->dir), 0);
}

/* Options for the 30-day window ending at AS_OF, on one thread. */
static pd_load_options opts_for(const struct tmp *t)
{
    pd_load_options o;
    memset(&o, 0, sizeof o);
    o.creators_path = t->creators;
    o.posts_path = t->posts;
    o.as_of.sec = AS_OF;
    o.window_days[0] = 30;
    o.nwindows = 1;
    o.threads = 1;
    return o;
}

/* ---- describing a dataset ------------------------------------------------------- */

static void describe_summary(pd_buf *b, const pd_load_summary *s, size_t nwindows)
{
    pd_buf_printf(b,
                  "creators=%llu posts_read=%llu unknown=%llu skipped_creators=%llu "
                  "skipped_posts=%llu in_window=",
                  (unsigned long long)s->creators, (unsigned long long)s->posts_read,
                  (unsigned long long)s->posts_unknown_creator,
                  (unsigned long long)s->skipped_creator_lines,
                  (unsigned long long)s->skipped_post_lines);
    for (size_t w = 0; w < nwindows; w++)
        pd_buf_printf(b, "%s%llu", w ? "," : "", (unsigned long long)s->posts_in_window[w]);
    pd_buf_putc(b, '\n');
}

/* The description of ds (the caller frees it). */
static char *describe(const pd_dataset *ds)
{
    pd_buf b;
    pd_buf_init(&b, 1u << 30);
    describe_summary(&b, &ds->summary, ds->nwindows);
    for (size_t i = 0; i < ds->n; i++) {
        const pd_creator *c = &ds->creators[i];
        assert_true(c->category < ds->ncategories);
        pd_buf_printf(&b, "%lld f=%llu mcn=%llu cat=%s line=%u", (long long)c->id,
                      (unsigned long long)c->followers, (unsigned long long)c->mcn_id,
                      ds->categories[c->category], c->line);
        for (size_t w = 0; w < ds->nwindows; w++) {
            const pd_window_stats *s = &ds->stats[w][i];
            pd_buf_printf(&b, " [%u/%u/%llu]", s->posts, s->sponsored,
                          (unsigned long long)s->views);
        }
        pd_buf_putc(&b, '\n');
    }
    assert_false(pd_buf_failed(&b));
    return pd_buf_detach(&b, NULL);
}

/* Loads with o and returns the description; fails the test on an error. */
static char *load_describe(const pd_load_options *o)
{
    pd_dataset ds;
    pd_error err;
    pd_error_clear(&err);
    int rc = pd_dataset_load(o, &ds, &err);
    if (rc != PD_OK)
        print_error("load failed (threads %u, min chunk %llu): %s\n", o->threads,
                    (unsigned long long)o->min_chunk_bytes, err.msg);
    assert_int_equal(rc, PD_OK);
    /* the invariants of a loaded dataset */
    for (size_t i = 1; i < ds.n; i++)
        assert_true(ds.creators[i - 1].id < ds.creators[i].id);
    assert_int_equal(ds.summary.creators, ds.n);
    char *d = describe(&ds);
    pd_dataset_free(&ds);
    assert_null(ds.creators);
    return d;
}

/* Loads with o and expects failure with `code`; returns the message. */
static void load_fails(const pd_load_options *o, pd_code code, pd_error *err)
{
    pd_dataset ds;
    memset(&ds, 0x5a, sizeof ds);
    pd_error_clear(err);
    int rc = pd_dataset_load(o, &ds, err);
    if (rc != (int)code)
        print_error("rc %d, message: %s\n", rc, err->msg);
    assert_int_equal(rc, code);
    assert_int_equal(err->code, code);
    /* left empty: nothing to free */
    assert_int_equal(ds.n, 0);
    assert_null(ds.creators);
    assert_null(ds.categories);
    for (size_t w = 0; w < PD_MAX_WINDOWS; w++)
        assert_null(ds.stats[w]);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        print_error("'%s'\ndoes not contain\n'%s'\n", haystack, needle);
    assert_non_null(strstr(haystack, needle));
}

/* ---- small files with known answers ---------------------------------------------- */

static const char creators_csv[] = "creator_id,handle,category,followers,mcn_id\n"
                                   "1,alice,beauty,1500,7\n"
                                   "2,\"bob, the \"\"chef\"\"\",food,6000,\n"
                                   "3,carol,beauty,0,12\n";

static const char posts_csv[] =
    "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
    "1,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
    "2,1,2019-05-21T10:00:00+08:00,sponsored,200,0,0,0\n"
    "3,2,2019-05-31T23:59:59Z,organic,1000,0,0,0\n"
    "4,2,2019-06-01T00:00:00Z,organic,5000,0,0,0\n"
    "5,9,2019-05-20T00:00:00Z,organic,7,0,0,0\n"
    "6,3,2019-04-01,organic,10,0,0,0\n";

static const char known_description[] =
    "creators=3 posts_read=6 unknown=1 skipped_creators=0 skipped_posts=0 in_window=3\n"
    "1 f=1500 mcn=7 cat=beauty line=2 [2/1/300]\n"
    "2 f=6000 mcn=0 cat=food line=3 [1/0/1000]\n"
    "3 f=0 mcn=12 cat=beauty line=4 [0/0/0]\n";

static void test_known_answers(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, creators_csv, posts_csv);
    pd_load_options o = opts_for(&t);
    char *d = load_describe(&o);
    assert_string_equal(d, known_description);
    free(d);

    /* the same through the public accessors */
    pd_dataset ds;
    pd_error err;
    assert_int_equal(pd_dataset_load(&o, &ds, &err), PD_OK);
    assert_int_equal(ds.n, 3);
    assert_int_equal(ds.ncategories, 2);
    assert_int_equal(ds.creators[0].category, ds.creators[2].category);
    assert_non_null(pd_dataset_stats(&ds, 30));
    assert_ptr_equal(pd_dataset_stats(&ds, 30), ds.stats[0]);
    assert_null(pd_dataset_stats(&ds, 7));
    assert_int_equal(ds.nwindows, 1);
    assert_int_equal(ds.window_days[0], 30);
    pd_dataset_free(&ds);
    pd_dataset_free(&ds); /* twice is fine: it was emptied */
    tmp_remove(&t);
}

static void test_reordered_and_extra_columns(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "bio,mcn_id,followers,category,handle,creator_id,notes\n"
             "\"likes, lipstick\",7,1500,beauty,alice,1,\n"
             "cooks,,6000,food,\"bob, the \"\"chef\"\"\",2,x\n"
             "\"multi\nline\",12,0,beauty,carol,3,\"\"\n",
             "views,kind,caption,creator_id,collects,comments,likes,published_at,post_id\n"
             "100,organic,hello,1,3,2,1,2019-05-20T10:00:00Z,1\n"
             "200,sponsored,\"ad, paid\",1,0,0,0,2019-05-21T10:00:00+08:00,2\n"
             "1000,organic,,2,0,0,0,2019-05-31T23:59:59Z,3\n"
             "5000,organic,\"two\nlines\",2,0,0,0,2019-06-01T00:00:00Z,4\n"
             "7,organic,x,9,0,0,0,2019-05-20T00:00:00Z,5\n"
             "10,organic,y,3,0,0,0,2019-04-01,6\n");
    pd_load_options o = opts_for(&t);
    char *d = load_describe(&o);
    /* carol's line is still 4: the quoted newline is inside her record */
    assert_string_equal(d, known_description);
    free(d);
    tmp_remove(&t);
}

static void test_missing_column(void **state)
{
    (void)state;
    struct tmp t;
    pd_error err;
    tmp_make(&t, "creator_id,handle,category,mcn_id\n1,a,b,\n", posts_csv);
    pd_load_options o = opts_for(&t);
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "creators.csv:1");
    assert_contains(err.msg, "missing column 'followers'");
    tmp_remove(&t);

    tmp_make(&t, creators_csv,
             "post_id,creator_id,published_at,views,likes,comments,collects\n"
             "1,1,2019-05-20T10:00:00Z,100,1,2,3\n");
    o = opts_for(&t);
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "posts.csv:1");
    assert_contains(err.msg, "missing column 'kind'");
    tmp_remove(&t);
}

static void test_duplicate_header_column(void **state)
{
    (void)state;
    struct tmp t;
    pd_error err;
    tmp_make(&t, "creator_id,handle,category,followers,mcn_id,followers\n1,a,b,1,,2\n", posts_csv);
    pd_load_options o = opts_for(&t);
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "creators.csv:1");
    assert_contains(err.msg, "'followers' appears twice");
    tmp_remove(&t);
}

/* A header spanning two lines (a quoted column name with a newline): data
 * lines are numbered from the header's end. */
static void test_multiline_header(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, creators_csv,
             "post_id,creator_id,published_at,kind,views,likes,comments,collects,\"my\nnote\"\n"
             "1,1,2019-05-20T10:00:00Z,organic,100,1,2,3,a\n"
             "2,1,2019-05-20T10:00:00Z,organic,100,1,2,3,b\n"
             "3,1,2019-05-20T10:00:00Z,organic,1,x,2,3,c\n"
             "4,1,2019-05-20T10:00:00Z,organic,100,1,2,3,d\n");
    char want[256];
    snprintf(want, sizeof want, "%s:5: column 6 (likes): not a whole number: 'x'", t.posts);
    static const unsigned threads[] = {1, 2, 4};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        pd_load_options o = opts_for(&t);
        o.threads = threads[k];
        o.min_chunk_bytes = 1;
        pd_error err;
        load_fails(&o, PD_EINPUT, &err);
        assert_string_equal(err.msg, want);
    }
    tmp_remove(&t);
}

static void test_empty_and_unreadable_files(void **state)
{
    (void)state;
    struct tmp t;
    pd_error err;
    tmp_make(&t, "", posts_csv);
    pd_load_options o = opts_for(&t);
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "creators.csv");
    assert_contains(err.msg, "empty file");
    tmp_remove(&t);

    /* a blank first line is not an empty file: it is told as such */
    tmp_make(&t, creators_csv, "\n\n");
    o = opts_for(&t);
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "posts.csv:1: blank line where the header should be");
    tmp_remove(&t);

    tmp_make(&t, "\r\ncreator_id,handle,category,followers,mcn_id\n1,a,b,1,\n", posts_csv);
    o = opts_for(&t);
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "creators.csv:1: blank line where the header should be");
    tmp_remove(&t);

    tmp_make(&t, creators_csv, NULL);
    o = opts_for(&t);
    load_fails(&o, PD_EIO, &err);
    assert_contains(err.msg, "posts.csv");
    tmp_remove(&t);

    /* a directory is not a file */
    tmp_make(&t, creators_csv, posts_csv);
    o = opts_for(&t);
    o.creators_path = t.dir;
    load_fails(&o, PD_EIO, &err);
    tmp_remove(&t);
}

static void test_header_only_files(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, creators_csv,
             "post_id,creator_id,published_at,kind,views,likes,comments,collects\n");
    pd_load_options o = opts_for(&t);
    char *d = load_describe(&o);
    assert_string_equal(d, "creators=3 posts_read=0 unknown=0 skipped_creators=0 skipped_posts=0 "
                           "in_window=0\n"
                           "1 f=1500 mcn=7 cat=beauty line=2 [0/0/0]\n"
                           "2 f=6000 mcn=0 cat=food line=3 [0/0/0]\n"
                           "3 f=0 mcn=12 cat=beauty line=4 [0/0/0]\n");
    free(d);
    tmp_remove(&t);

    /* no creators: every post is of an unknown creator */
    tmp_make(&t, "creator_id,handle,category,followers,mcn_id", posts_csv);
    o = opts_for(&t);
    d = load_describe(&o);
    assert_string_equal(d, "creators=0 posts_read=6 unknown=6 skipped_creators=0 "
                           "skipped_posts=0 in_window=0\n");
    free(d);
    tmp_remove(&t);
}

static void test_bad_options(void **state)
{
    (void)state;
    struct tmp t;
    pd_error err;
    tmp_make(&t, creators_csv, posts_csv);
    pd_load_options o = opts_for(&t);
    o.nwindows = 0;
    load_fails(&o, PD_EUSAGE, &err);
    o.nwindows = PD_MAX_WINDOWS + 1;
    load_fails(&o, PD_EUSAGE, &err);
    o = opts_for(&t);
    o.window_days[0] = 0;
    load_fails(&o, PD_EUSAGE, &err);
    o = opts_for(&t);
    o.posts_path = NULL;
    load_fails(&o, PD_EUSAGE, &err);
    tmp_remove(&t);
}

static void test_duplicate_creator_id(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "handle,creator_id,category,followers,mcn_id\n" /* 1 */
             "a,1,beauty,10,\n"                              /* 2 */
             "\"b\nb\",2,food,20,\n"                         /* 3-4 */
             "c,3,food,30,\n"                                /* 5 */
             "d,1,beauty,40,\n"                              /* 6: duplicate of 2 */
             "e,2,beauty,50,\n",                             /* 7: duplicate of 3 */
             posts_csv);
    char want[512];
    snprintf(want, sizeof want,
             "%s:6: column 2 (creator_id): duplicate creator_id 1 (first on line 2)", t.creators);
    static const unsigned threads[] = {1, 2, 4, 7};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        pd_load_options o = opts_for(&t);
        o.threads = threads[k];
        o.min_chunk_bytes = 1;
        pd_error err;
        load_fails(&o, PD_EINPUT, &err);
        assert_string_equal(err.msg, want);
    }
    /* skipped: the first of each id is kept, the others counted */
    FILE *diag = tmpfile();
    assert_non_null(diag);
    pd_load_options o = opts_for(&t);
    o.skip_bad_lines = 1;
    o.diag = diag;
    char *d = load_describe(&o);
    assert_string_equal(d, "creators=3 posts_read=6 unknown=1 skipped_creators=2 "
                           "skipped_posts=0 in_window=3\n"
                           "1 f=10 mcn=0 cat=beauty line=2 [2/1/300]\n"
                           "2 f=20 mcn=0 cat=food line=3 [1/0/1000]\n"
                           "3 f=30 mcn=0 cat=food line=5 [0/0/0]\n");
    free(d);
    rewind(diag);
    char line[512];
    assert_non_null(fgets(line, sizeof line, diag));
    assert_contains(line, "creators.csv");
    assert_contains(line, "line 6");
    assert_contains(line, "creator_id 1");
    fclose(diag);
    tmp_remove(&t);
}

static void test_unknown_creators_counted(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, creators_csv,
             "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
             "1,4,2019-05-20T10:00:00Z,organic,100,1,2,3\n" /* unknown, in window */
             "2,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
             "3,1000000,2019-05-20T10:00:00Z,organic,1,0,0,0\n"     /* unknown, big id */
             "4,99,2018-01-01T00:00:00Z,sponsored,1,0,0,0\n"        /* unknown, old */
             "5,9223372036854775807,2019-05-20,organic,1,0,0,0\n"); /* unknown, max id */
    pd_load_options o = opts_for(&t);
    char *d = load_describe(&o);
    assert_string_equal(d, "creators=3 posts_read=5 unknown=4 skipped_creators=0 skipped_posts=0 "
                           "in_window=1\n"
                           "1 f=1500 mcn=7 cat=beauty line=2 [1/0/100]\n"
                           "2 f=6000 mcn=0 cat=food line=3 [0/0/0]\n"
                           "3 f=0 mcn=12 cat=beauty line=4 [0/0/0]\n");
    free(d);
    tmp_remove(&t);
}

/* Sparse, large ids take the hash index instead of the direct one. */
static void test_sparse_ids(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "creator_id,handle,category,followers,mcn_id\n"
             "9000000000000,a,x,1,\n"
             "5,b,x,2,\n"
             "9223372036854775807,c,y,3,\n",
             "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
             "1,9223372036854775807,2019-05-20T10:00:00Z,organic,10,0,0,0\n"
             "2,9000000000000,2019-05-20T10:00:00Z,sponsored,20,0,0,0\n"
             "3,5,2019-05-20T10:00:00Z,organic,30,0,0,0\n"
             "4,6,2019-05-20T10:00:00Z,organic,40,0,0,0\n");
    pd_load_options o = opts_for(&t);
    char *d = load_describe(&o);
    assert_string_equal(d, "creators=3 posts_read=4 unknown=1 skipped_creators=0 skipped_posts=0 "
                           "in_window=3\n"
                           "5 f=2 mcn=0 cat=x line=3 [1/0/30]\n"
                           "9000000000000 f=1 mcn=0 cat=x line=2 [1/1/20]\n"
                           "9223372036854775807 f=3 mcn=0 cat=y line=4 [1/0/10]\n");
    free(d);
    tmp_remove(&t);
}

/* The window is [as_of - 30 days, as_of): one creator per edge case. */
static void test_window_edges(void **state)
{
    (void)state;
    struct tmp t;
    pd_buf c;
    pd_buf_init(&c, 1 << 20);
    pd_buf_puts(&c, "creator_id,handle,category,followers,mcn_id\n");
    for (int i = 1; i <= 12; i++)
        pd_buf_printf(&c, "%d,h%d,x,0,\n", i, i);
    tmp_make(&t, c.data,
             "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
             "1,1,2019-05-02T00:00:00Z,organic,1,0,0,0\n"             /* as_of - 30 d: in */
             "2,2,2019-05-01T23:59:59Z,organic,1,0,0,0\n"             /* a second before: out */
             "3,3,2019-06-01T00:00:00Z,organic,1,0,0,0\n"             /* as_of: out */
             "4,4,2019-05-31T23:59:59Z,organic,1,0,0,0\n"             /* a second before: in */
             "5,5,2019-05-31T23:59:59.999999999Z,organic,1,0,0,0\n"   /* in */
             "6,6,2019-05-02T07:59:59+08:00,organic,1,0,0,0\n"        /* 05-01T23:59:59Z: out */
             "7,7,2019-05-02T08:00:00+08:00,organic,1,0,0,0\n"        /* 05-02T00:00:00Z: in */
             "8,8,2019-05-02,organic,1,0,0,0\n"                       /* date alone: in */
             "9,9,2019-06-01T07:59:59+08:00,organic,1,0,0,0\n"        /* 05-31T23:59:59Z: in */
             "10,10,2019-05-01T23:59:59.999999999Z,organic,1,0,0,0\n" /* out */
             "11,11,2019-05-31T19:00:00-05:00,organic,1,0,0,0\n"      /* 06-01T00:00Z: out */
             "12,12,2019-06-01,organic,1,0,0,0\n");                   /* as_of: out */
    pd_buf_free(&c);
    pd_load_options o = opts_for(&t);
    pd_dataset ds;
    pd_error err;
    assert_int_equal(pd_dataset_load(&o, &ds, &err), PD_OK);
    static const unsigned in[13] = {0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 0};
    assert_int_equal(ds.n, 12);
    for (size_t i = 0; i < ds.n; i++) {
        int64_t id = ds.creators[i].id;
        if (ds.stats[0][i].posts != in[id])
            print_error("creator %lld\n", (long long)id);
        assert_int_equal(ds.stats[0][i].posts, in[id]);
    }
    assert_int_equal(ds.summary.posts_in_window[0], 6);
    assert_int_equal(ds.summary.posts_read, 12);
    pd_dataset_free(&ds);

    /* the window follows as_of to the nanosecond */
    o.as_of.nsec = 1;
    assert_int_equal(pd_dataset_load(&o, &ds, &err), PD_OK);
    assert_int_equal(ds.stats[0][0].posts, 0); /* as_of - 30 d + 1 ns is after it */
    assert_int_equal(ds.stats[0][2].posts, 1); /* as_of itself is now before as_of */
    pd_dataset_free(&ds);
    tmp_remove(&t);
}

static void test_several_windows(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "creator_id,handle,category,followers,mcn_id\n"
             "1,a,x,0,\n"
             "2,b,x,0,\n",
             "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
             "1,1,2019-05-31T00:00:00Z,organic,1,0,0,0\n"       /* 1 day:  7 and 30 */
             "2,1,2019-05-25T12:00:00Z,sponsored,10,0,0,0\n"    /* 6.5 d:  7 and 30 */
             "3,1,2019-05-25T00:00:00Z,organic,100,0,0,0\n"     /* 7 d exactly: both */
             "4,1,2019-05-24T23:59:59Z,sponsored,1000,0,0,0\n"  /* 30 only */
             "5,1,2019-05-12T00:00:00Z,organic,10000,0,0,0\n"   /* 20 d: 30 only */
             "6,1,2019-05-02T00:00:00Z,organic,100000,0,0,0\n"  /* 30 d exactly: 30 */
             "7,1,2019-05-01T00:00:00Z,organic,1000000,0,0,0\n" /* 31 d: neither */
             "8,2,2019-05-20T00:00:00Z,sponsored,5,0,0,0\n");   /* 30 only */
    pd_load_options o = opts_for(&t);
    o.window_days[0] = 7;
    o.window_days[1] = 30;
    o.nwindows = 2;
    char *d = load_describe(&o);
    assert_string_equal(d, "creators=2 posts_read=8 unknown=0 skipped_creators=0 "
                           "skipped_posts=0 in_window=3,7\n"
                           "1 f=0 mcn=0 cat=x line=2 [3/1/111] [6/2/111111]\n"
                           "2 f=0 mcn=0 cat=x line=3 [0/0/0] [1/1/5]\n");
    free(d);

    pd_dataset ds;
    pd_error err;
    assert_int_equal(pd_dataset_load(&o, &ds, &err), PD_OK);
    const pd_window_stats *w7 = pd_dataset_stats(&ds, 7), *w30 = pd_dataset_stats(&ds, 30);
    assert_non_null(w7);
    assert_non_null(w30);
    assert_int_equal(w7[0].views, 111);
    assert_int_equal(w30[0].views, 111111);
    assert_null(pd_dataset_stats(&ds, 90));
    pd_dataset_free(&ds);

    /* the same with the windows the other way round, and a third */
    o.window_days[0] = 30;
    o.window_days[1] = 7;
    o.window_days[2] = 1;
    o.nwindows = 3;
    d = load_describe(&o);
    assert_string_equal(d, "creators=2 posts_read=8 unknown=0 skipped_creators=0 "
                           "skipped_posts=0 in_window=7,3,1\n"
                           "1 f=0 mcn=0 cat=x line=2 [6/2/111111] [3/1/111] [1/0/1]\n"
                           "2 f=0 mcn=0 cat=x line=3 [1/1/5] [0/0/0] [0/0/0]\n");
    free(d);
    tmp_remove(&t);
}

static void test_bom_and_mcn(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "\xEF\xBB\xBF"
             "creator_id,handle,category,followers,mcn_id\r\n"
             "1,alice,beauty,1500,7\r\n"
             "2,\"bob, the \"\"chef\"\"\",food,6000,\r\n"
             "3,carol,beauty,0,12\r\n",
             "\xEF\xBB\xBF"
             "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
             "1,1,2019-05-20T10:00:00Z,organic,100,1,2,3\n"
             "2,1,2019-05-21T10:00:00+08:00,sponsored,200,0,0,0\n"
             "3,2,2019-05-31T23:59:59Z,organic,1000,0,0,0\n"
             "4,2,2019-06-01T00:00:00Z,organic,5000,0,0,0\n"
             "5,9,2019-05-20T00:00:00Z,organic,7,0,0,0\n"
             "6,3,2019-04-01,organic,10,0,0,0\n");
    pd_load_options o = opts_for(&t);
    char *d = load_describe(&o);
    /* the BOM is not part of the first column's name; an empty mcn_id is 0 */
    assert_string_equal(d, known_description);
    free(d);
    tmp_remove(&t);
}

/* ---- bad lines --------------------------------------------------------------------- */

static const char bad_creators_csv[] = "creator_id,handle,category,followers,mcn_id\n" /* 1 */
                                       "1,a,x,10,\n"                                   /* 2 */
                                       "2,b,x,12a,\n"       /* 3: followers */
                                       "0,c,x,10,\n"        /* 4: creator_id */
                                       "4,\"d\nd\",x,10,\n" /* 5-6: fine */
                                       "5,e,x,10\n"         /* 7: a field missing */
                                       "6,f,x,-3,\n"        /* 8: negative */
                                       "7,g\"g,x,1,\n"      /* 9: a quote inside */
                                       "8,h,x,1,0\n"        /* 10: mcn_id 0 */
                                       "9,i,x,1,,extra\n"   /* 11: an extra field */
                                       "10,j,x,1,\n";       /* 12 */

static const char bad_posts_csv[] =
    "post_id,creator_id,published_at,kind,views,likes,comments,collects\n" /* 1 */
    "1,1,2019-05-20T10:00:00Z,organic,100,0,0,0\n"                         /* 2 */
    "2,1,2019-05-20T10:00:00Z,organic,-3,0,0,0\n"                          /* 3: views */
    "3,1,yesterday,organic,1,0,0,0\r\n"                                    /* 4: instant */
    "4,1,2019-05-20T10:00:00Z,promo,1,0,0,0\n"                             /* 5: kind */
    "5,4,\"2019-05-20T10:00:00Z\",\"sponsored\",\"7\",0,0,0\n"             /* 6: fine */
    "0,1,2019-05-20T10:00:00Z,organic,1,0,0,0\n"                           /* 7: post_id */
    "6,1,2019-05-20T10:00:00,organic,1,0,0,0\n"                            /* 8: no zone */
    "7,1,2019-05-20T10:00:00Z,organic\n"                                   /* 9: too few */
    "8,1,2019-05-20T10:00:00Z,organic,1,0,0,0,9\n"                         /* 10: too many */
    "9,1,2019-05-20T10:00:00Z,organic,1,1x,0,0\n"                          /* 11: likes */
    "10,10,2019-05-20T10:00:00Z,sponsored,1000,0,0,0\n";                   /* 12 */

static const char *const bad_creator_reports[] = {
    "creators.csv:3: skipped: column 4 (followers): not a whole number: '12a'\n",
    "creators.csv:4: skipped: column 1 (creator_id): must be 1 or more: '0'\n",
    "creators.csv:7: skipped: column 5 (mcn_id): missing: the line has fewer fields than the "
    "header\n",
    "creators.csv:8: skipped: column 4 (followers): negative: '-3'\n",
    "creators.csv:9: skipped: column 2 (handle): a quote inside an unquoted field (quote the "
    "whole field)\n",
    "creators.csv:10: skipped: column 5 (mcn_id): must be 1 or more (or empty): '0'\n",
    /* an extra field is past the last column: named by its number */
    "creators.csv:11: skipped: column 6: unexpected extra field: the line has more fields "
    "than the header\n",
};

static const char *const bad_post_reports[] = {
    "posts.csv:3: skipped: column 5 (views): negative: '-3'\n",
    "posts.csv:4: skipped: column 3 (published_at): expected YYYY-MM-DD at the start: "
    "'yesterday'\n",
    "posts.csv:5: skipped: column 4 (kind): expected 'organic' or 'sponsored': 'promo'\n",
    "posts.csv:7: skipped: column 1 (post_id): must be 1 or more: '0'\n",
    "posts.csv:8: skipped: column 3 (published_at): missing time zone: end with 'Z' or an "
    "offset such as +08:00: '2019-05-20T10:00:00'\n",
    "posts.csv:9: skipped: column 5 (views): missing: the line has fewer fields than the "
    "header\n",
    "posts.csv:10: skipped: column 9: unexpected extra field: the line has more fields "
    "than the header\n",
    "posts.csv:11: skipped: column 6 (likes): not a whole number: '1x'\n",
};

/* Removes every "DIR/" from s in place (reports name files by their path)
 * and returns s. */
static char *strip_dir(char *s, const char *dir)
{
    char prefix[80];
    snprintf(prefix, sizeof prefix, "%s/", dir);
    size_t n = strlen(prefix);
    char *w = s;
    for (const char *r = s; *r;) {
        if (strncmp(r, prefix, n) == 0) {
            r += n;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    return s;
}

/* Reads the whole of f (from its start) into a string the caller frees. */
static char *slurp(FILE *f)
{
    assert_int_equal(fflush(f), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    return s;
}

static void test_skip_bad_lines(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, bad_creators_csv, bad_posts_csv);
    char want_diag[4096] = "";
    for (size_t i = 0; i < sizeof bad_creator_reports / sizeof *bad_creator_reports; i++)
        snprintf(want_diag + strlen(want_diag), sizeof want_diag - strlen(want_diag), "%s",
                 bad_creator_reports[i]);
    for (size_t i = 0; i < sizeof bad_post_reports / sizeof *bad_post_reports; i++)
        snprintf(want_diag + strlen(want_diag), sizeof want_diag - strlen(want_diag), "%s",
                 bad_post_reports[i]);
    static const unsigned threads[] = {1, 2, 3, 4, 7};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        FILE *diag = tmpfile();
        assert_non_null(diag);
        pd_load_options o = opts_for(&t);
        o.skip_bad_lines = 1;
        o.diag = diag;
        o.threads = threads[k];
        o.min_chunk_bytes = 1;
        free(load_describe(&o));
        char *got = strip_dir(slurp(diag), t.dir);
        if (strcmp(got, want_diag) != 0)
            print_error("threads %u\n", threads[k]);
        assert_string_equal(got, want_diag);
        free(got);
        fclose(diag);
    }
    tmp_remove(&t);
}

static void test_skip_bad_lines_summary(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, bad_creators_csv, bad_posts_csv);
    FILE *diag = tmpfile();
    assert_non_null(diag);
    pd_load_options o = opts_for(&t);
    o.skip_bad_lines = 1;
    o.diag = diag;
    char *d = load_describe(&o);
    /* line 11 ("9,i,x,1,,extra") has an extra field: skipped, so creator 9
     * is not there */
    assert_string_equal(d, "creators=3 posts_read=3 unknown=0 skipped_creators=7 "
                           "skipped_posts=8 in_window=3\n"
                           "1 f=10 mcn=0 cat=x line=2 [1/0/100]\n"
                           "4 f=10 mcn=0 cat=x line=5 [1/1/7]\n"
                           "10 f=1 mcn=0 cat=x line=12 [1/1/1000]\n");
    free(d);
    fclose(diag);
    tmp_remove(&t);
}

/* At most 10 skipped lines are reported per file, then a count of the rest. */
static void test_skip_bad_lines_report_limit(void **state)
{
    (void)state;
    pd_buf p;
    pd_buf_init(&p, 1 << 20);
    pd_buf_puts(&p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n");
    for (int i = 1; i <= 25; i++)
        pd_buf_printf(&p, "%d,1,2019-05-20T10:00:00Z,%s,1,0,0,0\n", i, i % 2 ? "organic" : "bogus");
    struct tmp t;
    tmp_make(&t, creators_csv, p.data);
    pd_buf_free(&p);
    static const unsigned threads[] = {1, 4};
    for (size_t k = 0; k < 2; k++) {
        FILE *diag = tmpfile();
        assert_non_null(diag);
        pd_load_options o = opts_for(&t);
        o.skip_bad_lines = 1;
        o.diag = diag;
        o.threads = threads[k];
        o.min_chunk_bytes = 1;
        pd_dataset ds;
        pd_error err;
        assert_int_equal(pd_dataset_load(&o, &ds, &err), PD_OK);
        assert_int_equal(ds.summary.skipped_post_lines, 12);
        assert_int_equal(ds.summary.posts_read, 13);
        pd_dataset_free(&ds);
        char *got = strip_dir(slurp(diag), t.dir);
        pd_buf want;
        pd_buf_init(&want, 1 << 20);
        for (int i = 2; i <= 20; i += 2) /* posts 2, 4, ... on lines 3, 5, ... */
            pd_buf_printf(&want,
                          "posts.csv:%d: skipped: column 4 (kind): expected 'organic' or "
                          "'sponsored': 'bogus'\n",
                          i + 1);
        pd_buf_puts(&want, "posts.csv: ... and 2 more skipped lines\n");
        assert_string_equal(got, want.data);
        pd_buf_free(&want);
        free(got);
        fclose(diag);
    }
    tmp_remove(&t);
}

/* Without skip_bad_lines: the first bad line stops the load, with
 * "file:line: column N (name): reason". */
static void test_bad_line_stops(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t, bad_creators_csv, posts_csv);
    char want[512];
    snprintf(want, sizeof want, "%s:3: column 4 (followers): not a whole number: '12a'",
             t.creators);
    static const unsigned threads[] = {1, 2, 4, 7};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        pd_load_options o = opts_for(&t);
        o.threads = threads[k];
        o.min_chunk_bytes = 1;
        pd_error err;
        load_fails(&o, PD_EINPUT, &err);
        assert_string_equal(err.msg, want);
    }
    tmp_remove(&t);

    tmp_make(&t, creators_csv, bad_posts_csv);
    snprintf(want, sizeof want, "%s:3: column 5 (views): negative: '-3'", t.posts);
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        pd_load_options o = opts_for(&t);
        o.threads = threads[k];
        o.min_chunk_bytes = 1;
        pd_error err;
        load_fails(&o, PD_EINPUT, &err);
        assert_string_equal(err.msg, want);
    }
    tmp_remove(&t);
}

/* ---- a generated data set with a known answer ------------------------------------------ */

#define GEN_WINDOWS 2
static const uint32_t gen_windows[GEN_WINDOWS] = {7, 30};

struct gen {
    uint64_t state;
    pd_buf creators, posts;
    size_t n;
    int64_t *ids; /* in file order */
    uint64_t *followers;
    uint64_t *mcn;
    const char **cat;
    uint64_t *line;
    pd_window_stats *stats[GEN_WINDOWS]; /* by file order */
    uint64_t posts_read, unknown, in_window[GEN_WINDOWS];
    uint64_t post_lines; /* lines written to posts.csv */
    uint64_t creator_lines;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
    g->state = g->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g->state >> 33) % n;
}

static const char *const categories[] = {"beauty",    "fashion", "food", "travel", "fitness",
                                         "parenting", "tech",    "home", "pets",   "books"};

/* Text for a quoted field: commas, doubled quotes and newlines (LF or CRLF),
 * so that guessed chunk starts land inside it. Counts the newlines. */
static void gen_text(struct gen *g, pd_buf *b, uint64_t *lines)
{
    size_t len = rnd(g, 40);
    pd_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        switch (rnd(g, 8)) {
        case 0: pd_buf_putc(b, ','); break;
        case 1: pd_buf_puts(b, "\"\""); break;
        case 2:
            pd_buf_puts(b, rnd(g, 2) ? "\n" : "\r\n");
            (*lines)++;
            break;
        case 3: /* something that looks like a post line */
            pd_buf_puts(b, "\n1,1,2019-05-20T10:00:00Z,organic,1,0,0,0\n");
            *lines += 2;
            break;
        default: pd_buf_putc(b, (char)('a' + rnd(g, 26))); break;
        }
    }
    pd_buf_putc(b, '"');
}

static int64_t gen_id(const struct gen *g, size_t i)
{
    (void)g;
    return (int64_t)(i * 3 + 1); /* gaps: 2, 3, 5, 6, ... are unknown */
}

/* Writes an instant at `sec` in a random one of the accepted spellings. */
static void gen_instant(struct gen *g, pd_buf *b, int64_t sec, int32_t nsec)
{
    unsigned style = rnd(g, 6);
    if (sec % DAY == 0 && nsec == 0 && style == 5) {
        time_t tt = (time_t)sec;
        struct tm tm;
        gmtime_r(&tt, &tm);
        pd_buf_printf(b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        return;
    }
    int offset = style == 1 ? 8 * 3600 : style == 2 ? -(5 * 3600 + 1800) : 0;
    time_t tt = (time_t)(sec + offset);
    struct tm tm;
    gmtime_r(&tt, &tm);
    pd_buf_printf(b, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  'T', tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (nsec)
        pd_buf_printf(b, ".%09d", nsec);
    if (style == 1)
        pd_buf_puts(b, "+08:00");
    else if (style == 2)
        pd_buf_puts(b, "-05:30");
    else
        pd_buf_putc(b, 'Z');
}

/* A creators.csv of n creators in shuffled order and a posts.csv of
 * nposts posts; the expected statistics alongside. bad_post: index of a post
 * written with a negative view count (its line in *bad_line), or -1.
 * bad_creator: index (in file order) of a creator written with followers
 * "x..." (its line in *bad_creator_line), or -1; the expected statistics
 * ignore it, so use it only for loads that must fail. */
static void gen_make(struct gen *g, size_t n, size_t nposts, long bad_post, uint64_t *bad_line,
                     long bad_creator, uint64_t *bad_creator_line)
{
    g->n = n;
    g->ids = calloc(n, sizeof *g->ids);
    g->followers = calloc(n, sizeof *g->followers);
    g->mcn = calloc(n, sizeof *g->mcn);
    g->cat = calloc(n, sizeof *g->cat);
    g->line = calloc(n, sizeof *g->line);
    for (size_t w = 0; w < GEN_WINDOWS; w++)
        g->stats[w] = calloc(n, sizeof *g->stats[w]);
    pd_buf_init(&g->creators, 256u << 20);
    pd_buf_init(&g->posts, 256u << 20);

    /* shuffled ids */
    size_t *order = malloc(n * sizeof *order);
    assert_non_null(order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd(g, (uint32_t)i);
        size_t tmp = order[i - 1];
        order[i - 1] = order[j];
        order[j] = tmp;
    }
    pd_buf_puts(&g->creators, "creator_id,handle,category,followers,mcn_id,bio\n");
    g->creator_lines = 1;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        if (rnd(g, 10) == 0) { /* blank line */
            pd_buf_puts(&g->creators, "\n");
            g->creator_lines++;
        }
        g->ids[i] = gen_id(g, i);
        g->followers[i] = rnd(g, 200000);
        g->mcn[i] = rnd(g, 3) ? 0 : 1 + rnd(g, 50);
        g->cat[i] = categories[rnd(g, 10)];
        g->line[i] = g->creator_lines + 1;
        uint64_t nl = 0;
        pd_buf_printf(&g->creators, "%lld,", (long long)g->ids[i]);
        if (rnd(g, 2))
            gen_text(g, &g->creators, &nl);
        else
            pd_buf_printf(&g->creators, "h%zu", i);
        if ((long)k == bad_creator)
            *bad_creator_line = g->line[i];
        pd_buf_printf(&g->creators, ",%s,%s%llu,", g->cat[i], (long)k == bad_creator ? "x" : "",
                      (unsigned long long)g->followers[i]);
        if (g->mcn[i])
            pd_buf_printf(&g->creators, "%llu", (unsigned long long)g->mcn[i]);
        pd_buf_putc(&g->creators, ',');
        if (rnd(g, 2))
            gen_text(g, &g->creators, &nl);
        pd_buf_puts(&g->creators, rnd(g, 3) ? "\n" : "\r\n");
        g->creator_lines += nl + 1;
    }
    free(order);

    pd_buf_puts(&g->posts,
                "post_id,creator_id,published_at,kind,views,likes,comments,collects,caption\r\n");
    g->post_lines = 1;
    *bad_line = 0;
    for (size_t k = 0; k < nposts; k++) {
        if (rnd(g, 20) == 0) {
            pd_buf_puts(&g->posts, rnd(g, 2) ? "\n" : "\r\n");
            g->post_lines++;
        }
        /* mostly known creators, some unknown */
        size_t i = rnd(g, (uint32_t)n);
        int64_t id = rnd(g, 10) ? gen_id(g, i) : gen_id(g, i) + 1 + rnd(g, 2);
        int known = id == gen_id(g, i);
        int64_t sec = AS_OF - 35 * DAY + (int64_t)rnd(g, 37 * DAY);
        if (rnd(g, 10) == 0) /* on an edge */
            sec = AS_OF - (int64_t)gen_windows[rnd(g, GEN_WINDOWS)] * DAY - 1 + rnd(g, 3);
        if (rnd(g, 20) == 0)
            sec -= sec % DAY; /* midnight, maybe a date alone */
        int32_t nsec = rnd(g, 8) == 0 ? (int32_t)rnd(g, 1000000000) : 0;
        int sponsored = rnd(g, 4) == 0;
        uint64_t views = rnd(g, 3) ? rnd(g, 50000) : (uint64_t)rnd(g, 1000000) * 1000000;
        uint64_t nl = 0;
        int quote = rnd(g, 8) == 0;
        pd_buf_printf(&g->posts, "%zu,%lld,", k + 1, (long long)id);
        gen_instant(g, &g->posts, sec, nsec);
        pd_buf_printf(&g->posts, quote ? ",\"%s\"," : ",%s,", sponsored ? "sponsored" : "organic");
        if ((long)k == bad_post) {
            pd_buf_puts(&g->posts, "-3");
            *bad_line = g->post_lines + 1;
        } else {
            pd_buf_printf(&g->posts, "%llu", (unsigned long long)views);
        }
        pd_buf_printf(&g->posts, ",%u,%u,%u,", rnd(g, 100), rnd(g, 100), rnd(g, 100));
        if (rnd(g, 4) == 0)
            gen_text(g, &g->posts, &nl);
        pd_buf_puts(&g->posts, rnd(g, 2) ? "\n" : "\r\n");
        g->post_lines += nl + 1;
        if ((long)k == bad_post)
            continue;
        g->posts_read++;
        if (!known) {
            g->unknown++;
            continue;
        }
        if (sec >= AS_OF)
            continue;
        for (size_t w = 0; w < GEN_WINDOWS; w++) {
            if (sec < AS_OF - (int64_t)gen_windows[w] * DAY)
                continue;
            g->stats[w][i].posts++;
            g->stats[w][i].sponsored += (uint32_t)sponsored;
            g->stats[w][i].views += views;
            g->in_window[w]++;
        }
    }
    assert_false(pd_buf_failed(&g->creators));
    assert_false(pd_buf_failed(&g->posts));
}

/* The description a correct load of the generated files gives. */
static char *gen_describe(const struct gen *g)
{
    pd_load_summary s;
    memset(&s, 0, sizeof s);
    s.creators = g->n;
    s.posts_read = g->posts_read;
    s.posts_unknown_creator = g->unknown;
    for (size_t w = 0; w < GEN_WINDOWS; w++)
        s.posts_in_window[w] = g->in_window[w];
    pd_buf b;
    pd_buf_init(&b, 1u << 30);
    describe_summary(&b, &s, GEN_WINDOWS);
    for (size_t i = 0; i < g->n; i++) { /* ids ascend with i */
        pd_buf_printf(&b, "%lld f=%llu mcn=%llu cat=%s line=%llu", (long long)g->ids[i],
                      (unsigned long long)g->followers[i], (unsigned long long)g->mcn[i], g->cat[i],
                      (unsigned long long)g->line[i]);
        for (size_t w = 0; w < GEN_WINDOWS; w++)
            pd_buf_printf(&b, " [%u/%u/%llu]", g->stats[w][i].posts, g->stats[w][i].sponsored,
                          (unsigned long long)g->stats[w][i].views);
        pd_buf_putc(&b, '\n');
    }
    return pd_buf_detach(&b, NULL);
}

static void gen_free(struct gen *g)
{
    free(g->ids);
    free(g->followers);
    free(g->mcn);
    free(g->cat);
    free(g->line);
    for (size_t w = 0; w < GEN_WINDOWS; w++)
        free(g->stats[w]);
    pd_buf_free(&g->creators);
    pd_buf_free(&g->posts);
}

static pd_load_options gen_opts(const struct tmp *t, unsigned threads, uint64_t min_chunk)
{
    pd_load_options o = opts_for(t);
    o.window_days[0] = gen_windows[0];
    o.window_days[1] = gen_windows[1];
    o.nwindows = GEN_WINDOWS;
    o.threads = threads;
    o.min_chunk_bytes = min_chunk;
    return o;
}

/* The heart of it: the same generated files on 1 to 7 threads, with chunks
 * of every size down to one byte, give the answer computed independently. */
static void test_parallel_split_generated(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {1, 2, 2019};
    static const size_t sizes[][2] = {{7, 40}, {60, 500}, {400, 4000}};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        struct gen g;
        memset(&g, 0, sizeof g);
        g.state = seeds[s];
        uint64_t bad_line;
        gen_make(&g, sizes[s][0], sizes[s][1], -1, &bad_line, -1, NULL);
        struct tmp t;
        tmp_make(&t, g.creators.data, g.posts.data);
        char *want = gen_describe(&g);
        static const unsigned threads[] = {1, 2, 3, 4, 7, 0};
        static const uint64_t chunks[] = {1, 17, 300, 0};
        for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
            for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
                pd_load_options o = gen_opts(&t, threads[k], chunks[c]);
                char *got = load_describe(&o);
                if (strcmp(got, want) != 0)
                    print_error("seed %llu, threads %u, min chunk %llu\n",
                                (unsigned long long)seeds[s], threads[k],
                                (unsigned long long)chunks[c]);
                assert_string_equal(got, want);
                free(got);
            }
        }
        free(want);
        tmp_remove(&t);
        gen_free(&g);
    }
}

/* Hand-written files where quoted fields hold newlines and commas right
 * where tiny chunks begin, and posts end in CRLF. */
static void test_parallel_split_quoted(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "creator_id,handle,category,followers,mcn_id\n"
             "3,\"c\n3,x,beauty,1,\n\",food,30,\n"
             "1,\"a,\n\n,a\",beauty,10,5\n"
             "\n"
             "2,\"\"\"b\"\"\nb\r\nb\",food,20,\r\n"
             "5,\"\n\n\n\",books,50,1\n"
             "4,plain,books,40,\n",
             "post_id,creator_id,published_at,kind,views,likes,comments,collects,caption\r\n"
             "1,1,2019-05-20T10:00:00Z,organic,100,0,0,0,\"x\n2,2,2019-05-20T10:00:00Z,"
             "sponsored,999,0,0,0,\"\r\n"
             "2,2,2019-05-21T10:00:00Z,sponsored,200,0,0,0,plain\r\n"
             "\r\n"
             "3,3,2019-05-22T10:00:00.5Z,organic,300,0,0,0,\"a,b\r\nc\"\r\n"
             "4,4,2019-05-23T10:00:00+08:00,\"sponsored\",400,0,0,0,\r\n"
             "5,5,2019-05-24,organic,500,0,0,0,\"\"\"\"\r\n"
             "6,6,2019-05-24T10:00:00Z,organic,600,0,0,0,\"\n\n\"\r\n"
             "7,1,2019-04-24T10:00:00Z,organic,700,0,0,0,\r\n"
             "8,1,2019-05-25T10:00:00Z,organic,800,0,0,0,x");
    const char *want = "creators=5 posts_read=8 unknown=1 skipped_creators=0 skipped_posts=0 "
                       "in_window=6\n"
                       "1 f=10 mcn=5 cat=beauty line=5 [2/0/900]\n"
                       "2 f=20 mcn=0 cat=food line=9 [1/1/200]\n"
                       "3 f=30 mcn=0 cat=food line=2 [1/0/300]\n"
                       "4 f=40 mcn=0 cat=books line=16 [1/1/400]\n"
                       "5 f=50 mcn=1 cat=books line=12 [1/0/500]\n";
    static const unsigned threads[] = {1, 2, 3, 4, 5, 6, 7, 8, 16};
    for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
        for (uint64_t chunk = 1; chunk <= 64; chunk *= 2) {
            pd_load_options o = opts_for(&t);
            o.threads = threads[k];
            o.min_chunk_bytes = chunk;
            char *got = load_describe(&o);
            if (strcmp(got, want) != 0)
                print_error("threads %u, min chunk %llu\n", threads[k], (unsigned long long)chunk);
            assert_string_equal(got, want);
            free(got);
        }
    }
    tmp_remove(&t);
}

/* A bad line late in the file, found by a later chunk: the message names its
 * absolute line, and the same line on one thread or many. */
static void test_parallel_bad_line_number(void **state)
{
    (void)state;
    static const long bad_at[] = {0, 57, 333, 499};
    for (size_t b = 0; b < sizeof bad_at / sizeof bad_at[0]; b++) {
        struct gen g;
        memset(&g, 0, sizeof g);
        g.state = 77 + b;
        uint64_t bad_line;
        gen_make(&g, 50, 500, bad_at[b], &bad_line, -1, NULL);
        assert_true(bad_line > 1);
        struct tmp t;
        tmp_make(&t, g.creators.data, g.posts.data);
        char want[512];
        snprintf(want, sizeof want, "%s:%llu: column 5 (views): negative: '-3'", t.posts,
                 (unsigned long long)bad_line);
        static const unsigned threads[] = {1, 2, 4, 7};
        for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
            pd_load_options o = gen_opts(&t, threads[k], 1);
            pd_error err;
            load_fails(&o, PD_EINPUT, &err);
            assert_string_equal(err.msg, want);
        }
        /* and skipped: reported on that line, the rest as if it were not there */
        char *expect = gen_describe(&g);
        for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
            FILE *diag = tmpfile();
            assert_non_null(diag);
            pd_load_options o = gen_opts(&t, threads[k], 1);
            o.skip_bad_lines = 1;
            o.diag = diag;
            char *got = load_describe(&o);
            /* the expected summary has no skipped line: patch it in */
            char *p = strstr(expect, "skipped_posts=0");
            assert_non_null(p);
            p[strlen("skipped_posts=")] = '1';
            assert_string_equal(got, expect);
            p[strlen("skipped_posts=")] = '0';
            free(got);
            char *report = strip_dir(slurp(diag), t.dir);
            char line[512];
            snprintf(line, sizeof line,
                     "posts.csv:%llu: skipped: column 5 (views): negative: "
                     "'-3'\n",
                     (unsigned long long)bad_line);
            assert_string_equal(report, line);
            free(report);
            fclose(diag);
        }
        free(expect);
        tmp_remove(&t);
        gen_free(&g);
    }
}

/* A bad creator line in a later chunk: the same absolute line on any number
 * of threads. */
static void test_parallel_bad_creator_line(void **state)
{
    (void)state;
    static const long bad_at[] = {0, 150, 299};
    for (size_t b = 0; b < sizeof bad_at / sizeof bad_at[0]; b++) {
        struct gen g;
        memset(&g, 0, sizeof g);
        g.state = 5 + b;
        uint64_t bad_post_line, bad_line = 0;
        gen_make(&g, 300, 10, -1, &bad_post_line, bad_at[b], &bad_line);
        assert_true(bad_line > 1);
        struct tmp t;
        tmp_make(&t, g.creators.data, g.posts.data);
        uint64_t followers = UINT64_MAX;
        for (size_t i = 0; i < g.n; i++)
            if (g.line[i] == bad_line)
                followers = g.followers[i];
        assert_true(followers != UINT64_MAX);
        char want[256];
        snprintf(want, sizeof want, "%s:%llu: column 4 (followers): not a whole number: 'x%llu'",
                 t.creators, (unsigned long long)bad_line, (unsigned long long)followers);
        static const unsigned threads[] = {1, 3, 4, 7};
        for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
            pd_load_options o = gen_opts(&t, threads[k], 1);
            pd_error err;
            load_fails(&o, PD_EINPUT, &err);
            if (strcmp(err.msg, want) != 0)
                print_error("threads %u\n", threads[k]);
            assert_string_equal(err.msg, want);
        }
        tmp_remove(&t);
        gen_free(&g);
    }
}

/* ---- the posts fast path ------------------------------------------------------- */

/* Views, ids and counts of every length the fast path reads (its SWAR digit
 * parser takes 8 bytes at a time, up to 15 digits; longer goes the careful
 * way), summed per creator and compared with the exact total. */
static void test_fast_path_digit_lengths(void **state)
{
    (void)state;
    pd_buf p;
    pd_buf_init(&p, 1 << 20);
    pd_buf_puts(&p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n");
    uint64_t total[3] = {0, 0, 0};
    uint32_t count[3] = {0, 0, 0};
    static const char *const digits = "9876543210987654";
    size_t k = 1;
    for (size_t len = 1; len <= 16; len++) {
        /* views of len digits: a varied one, all nines, a one and zeros, zeros */
        char v[4][20];
        snprintf(v[0], sizeof v[0], "%.*s", (int)len, digits + (len % 3));
        memset(v[1], '9', len);
        v[1][len] = '\0';
        v[2][0] = '1';
        memset(v[2] + 1, '0', len - 1);
        v[2][len] = '\0';
        memset(v[3], '0', len);
        v[3][len] = '\0';
        for (int j = 0; j < 4; j++) {
            uint64_t views = strtoull(v[j], NULL, 10);
            if (views > 1000000000000000ULL)
                continue; /* over PD_COUNT_MAX: refused, tested elsewhere */
            size_t creator = k % 3;
            /* the creator id with leading zeros of the same length */
            char cid[24];
            snprintf(cid, sizeof cid, "%0*zu", (int)len, creator + 1);
            pd_buf_printf(&p, "%0*zu,%s,2019-05-20T10:00:00Z,organic,%s,%s,%s,%s\n", (int)len, k,
                          cid, v[j], v[0], v[2], v[3]); /* all at most 10^15 */
            total[creator] += views;
            count[creator]++;
            k++;
        }
    }
    struct tmp t;
    tmp_make(&t, "creator_id,handle,category,followers,mcn_id\n1,a,x,0,\n2,b,x,0,\n3,c,x,0,\n",
             p.data);
    pd_buf_free(&p);
    pd_load_options o = opts_for(&t);
    pd_dataset ds;
    pd_error err;
    int rc = pd_dataset_load(&o, &ds, &err);
    if (rc)
        print_error("%s\n", err.msg);
    assert_int_equal(rc, PD_OK);
    assert_int_equal(ds.summary.posts_read, k - 1);
    assert_int_equal(ds.summary.posts_unknown_creator, 0);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ds.stats[0][i].posts, count[i]);
        assert_int_equal(ds.stats[0][i].views, total[i]);
    }
    pd_dataset_free(&ds);
    tmp_remove(&t);
}

/* Ids of zeros are refused, whatever their length, on the fast path too. */
static void test_fast_path_zero_ids(void **state)
{
    (void)state;
    static const char *const zeros[] = {"0",        "00",        "0000000",
                                        "00000000", "000000000", "000000000000000"};
    for (size_t z = 0; z < sizeof zeros / sizeof zeros[0]; z++) {
        for (int col = 0; col < 2; col++) {
            char posts[512];
            snprintf(posts, sizeof posts,
                     "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                     "1,1,2019-05-20T10:00:00Z,organic,5,0,0,0\n"
                     "%s,%s,2019-05-20T10:00:00Z,organic,5,0,0,0\n",
                     col == 0 ? zeros[z] : "2", col == 1 ? zeros[z] : "1");
            struct tmp t;
            tmp_make(&t, creators_csv, posts);
            pd_load_options o = opts_for(&t);
            pd_error err;
            load_fails(&o, PD_EINPUT, &err);
            char want[256];
            snprintf(want, sizeof want, "%s:3: column %d (%s): must be 1 or more: '%s'", t.posts,
                     col + 1, col == 0 ? "post_id" : "creator_id", zeros[z]);
            assert_string_equal(err.msg, want);
            tmp_remove(&t);
        }
    }
}

/* Counts above 10^15 are refused, however the fast path reads digits. */
static void test_fast_path_too_large(void **state)
{
    (void)state;
    static const char *const big[] = {"1000000000000001", "9999999999999999",
                                      "99999999999999999999"};
    for (size_t b = 0; b < sizeof big / sizeof big[0]; b++) {
        char posts[512];
        snprintf(posts, sizeof posts,
                 "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                 "1,1,2019-05-20T10:00:00Z,organic,1000000000000000,0,0,0\n"
                 "2,1,2019-05-20T10:00:00Z,organic,%s,0,0,0\n",
                 big[b]);
        struct tmp t;
        tmp_make(&t, creators_csv, posts);
        pd_load_options o = opts_for(&t);
        pd_error err;
        load_fails(&o, PD_EINPUT, &err);
        char want[256];
        snprintf(want, sizeof want, "%s:3: column 5 (views): too large: '%s'", t.posts, big[b]);
        assert_string_equal(err.msg, want);
        tmp_remove(&t);
    }
}

/* Instants the fast path reads itself ("YYYY-MM-DDTHH:MM:SSZ") must agree
 * with the general parser: each day of a leap and a common year, and the
 * dates it must leave to the general parser to refuse. */
static void test_fast_path_instants(void **state)
{
    (void)state;
    pd_buf p;
    pd_buf_init(&p, 4 << 20);
    pd_buf_puts(&p, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n");
    /* as_of 2021-01-01 with a 730-day window: 2019-01-02 .. 2020-12-31 */
    const int64_t as_of = pd_days_from_civil(2021, 1, 1) * DAY;
    uint64_t want = 0;
    size_t k = 1;
    for (int64_t day = pd_days_from_civil(2018, 12, 25); day < pd_days_from_civil(2021, 1, 8);
         day++) {
        int64_t y;
        unsigned m, d;
        pd_civil_from_days(day, &y, &m, &d);
        unsigned hh = (unsigned)(day * 7 % 24), mm = (unsigned)(day * 13 % 60);
        unsigned ss = (unsigned)(day * 17 % 60);
        int64_t sec = day * DAY + hh * 3600 + mm * 60 + ss;
        pd_buf_printf(&p, "%zu,%zu,%04lld-%02u-%02uT%02u:%02u:%02uZ,organic,1,0,0,0\n", k,
                      (size_t)(day & 1) + 1, (long long)y, m, d, hh, mm, ss);
        if (sec >= as_of - 730 * DAY && sec < as_of)
            want++;
        k++;
    }
    struct tmp t;
    tmp_make(&t, "creator_id,handle,category,followers,mcn_id\n1,a,x,0,\n2,b,x,0,\n", p.data);
    pd_load_options o = opts_for(&t);
    o.as_of.sec = as_of;
    o.window_days[0] = 730;
    pd_dataset ds;
    pd_error err;
    assert_int_equal(pd_dataset_load(&o, &ds, &err), PD_OK);
    assert_int_equal(ds.summary.posts_in_window[0], want);
    assert_int_equal(ds.stats[0][0].posts + ds.stats[0][1].posts, want);
    pd_dataset_free(&ds);
    tmp_remove(&t);
    pd_buf_free(&p);

    /* impossible dates that look right are refused with the parser's reason */
    static const struct {
        const char *instant;
        const char *why;
    } bad[] = {
        {"2019-02-29T10:00:00Z", "day out of range for its month"},
        {"1900-02-29T10:00:00Z", "day out of range for its month"},
        {"2019-04-31T10:00:00Z", "day out of range for its month"},
        {"2019-13-01T10:00:00Z", "month out of range"},
        {"2019-00-01T10:00:00Z", "month out of range"},
        {"2019-05-00T10:00:00Z", "day out of range for its month"},
        {"2019-05-20T24:00:00Z", "hour out of range"},
        {"2019-05-20T10:60:00Z", "minute out of range"},
        {"2019-05-20T10:00:61Z", "second out of range"},
        {"2019-05-20X10:00:00Z", "expected 'T' between date and time"},
        {"2019/05/20T10:00:00Z", "expected YYYY-MM-DD at the start"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char posts[256];
        snprintf(posts, sizeof posts,
                 "post_id,creator_id,published_at,kind,views,likes,comments,collects\n"
                 "1,1,%s,organic,1,0,0,0\n",
                 bad[i].instant);
        tmp_make(&t, creators_csv, posts);
        o = opts_for(&t);
        load_fails(&o, PD_EINPUT, &err);
        char w[256];
        snprintf(w, sizeof w, "%s:2: column 3 (published_at): %s: '%s'", t.posts, bad[i].why,
                 bad[i].instant);
        assert_string_equal(err.msg, w);
        tmp_remove(&t);
    }
}

/* The end of the first 1 MiB read (READ_BUF - 1 bytes after the header)
 * cuts a line at every possible byte: the fast path must leave the cut line
 * whole for after the refill, count every line once and read every value
 * right. (Before PD_CSV_PAD this also caught memcmp reading the kind past
 * the buffer under ASan.) */
static void test_fast_path_buffer_end(void **state)
{
    (void)state;
    const size_t fill = (1u << 20) - 1;
    const char *header = "post_id,creator_id,published_at,kind,views,likes,comments,"
                         "collects,note\n";
    /* every line is 1234567,1,2019-05-20T10:00:00Z,sponsored,12345,0,0,0,n\r\n but
     * the pad line, whose note has the length that puts a line start where we
     * want it */
    const char *line_fmt = "%07zu,1,2019-05-20T10:00:00Z,%s,%05zu,0,0,0,n\r\n";
    const size_t line_len = (size_t)snprintf(NULL, 0, line_fmt, (size_t)1, "sponsored", (size_t)1);
    assert_int_equal(line_len, 56);
    for (size_t cut = 1; cut <= line_len; cut++) {
        pd_buf p;
        pd_buf_init(&p, 8u << 20);
        pd_buf_puts(&p, header);
        /* the line that the buffer end cuts `cut` bytes after its start */
        const size_t target = p.len + fill - cut;
        uint64_t views = 0;
        uint32_t sponsored = 0;
        size_t k = 1;
        while (target - p.len >= 200) {
            const char *kind = k % 3 ? "organic" : "sponsored";
            size_t before = p.len;
            pd_buf_printf(&p, line_fmt, k, kind, k % 100000);
            if (k == 1)
                assert_int_equal(p.len - before, k % 3 ? line_len - 2 : line_len);
            views += k % 100000;
            sponsored += k % 3 == 0;
            k++;
        }
        size_t note = target - p.len -
                      strlen("0000000,1,2019-05-20T10:00:00Z,organic,00000,"
                             "0,0,0,\n");
        pd_buf_printf(&p, "%07zu,1,2019-05-20T10:00:00Z,organic,%05zu,0,0,0,", k, k % 100000);
        for (size_t i = 0; i < note; i++)
            pd_buf_putc(&p, 'p');
        pd_buf_putc(&p, '\n');
        views += k % 100000;
        k++;
        assert_int_equal(p.len, target);
        for (int i = 0; i < 20; i++) {
            pd_buf_printf(&p, line_fmt, k, "sponsored", k % 100000);
            views += k % 100000;
            sponsored++;
            k++;
        }
        assert_false(pd_buf_failed(&p));
        struct tmp t;
        tmp_make(&t, "creator_id,handle,category,followers,mcn_id\n1,a,x,0,\n", p.data);
        pd_buf_free(&p);
        pd_load_options o = opts_for(&t);
        pd_dataset ds;
        pd_error err;
        int rc = pd_dataset_load(&o, &ds, &err);
        if (rc)
            print_error("cut %zu: %s\n", cut, err.msg);
        assert_int_equal(rc, PD_OK);
        if (ds.stats[0][0].views != views)
            print_error("cut %zu\n", cut);
        assert_int_equal(ds.summary.posts_read, k - 1);
        assert_int_equal(ds.stats[0][0].posts, k - 1);
        assert_int_equal(ds.stats[0][0].sponsored, sponsored);
        assert_int_equal(ds.stats[0][0].views, views);
        pd_dataset_free(&ds);
        tmp_remove(&t);
    }
}

/* ---- issue 12: one set of row checks ------------------------------------------------ */

/* posts.csv of 400 posts of creator 1 (ids from `base`, one per line), with
 * the post of line `dup_line` (absolute) repeating the id of line
 * `first_line`; its views are 7 so that counting it would show. */
static char *posts_with_repeat(uint64_t base, unsigned dup_line, unsigned first_line)
{
    pd_buf b;
    pd_buf_init(&b, 1u << 20);
    pd_buf_puts(&b, "post_id,creator_id,published_at,kind,views,likes,comments,collects\n");
    for (unsigned line = 2; line < 402; line++) {
        uint64_t id = base + (line == dup_line ? first_line : line);
        pd_buf_printf(&b, "%llu,1,2019-05-20T10:00:00Z,organic,%u,0,0,0\n", (unsigned long long)id,
                      line == dup_line ? 7u : 100u);
    }
    assert_false(pd_buf_failed(&b));
    return pd_buf_detach(&b, NULL);
}

static const char one_creator_csv[] = "creator_id,handle,category,followers,mcn_id\n"
                                      "1,a,food,10,\n";

/* A repeated post_id: the later line is the bad one, named with the first,
 * whatever the threads and the split, for ids in the bit sets and above
 * them; skipped, it never counts. */
static void test_repeated_post_id(void **state)
{
    (void)state;
    static const uint64_t bases[] = {0, 5000000000ULL};
    static const unsigned threads[] = {1, 2, 4, 7};
    static const unsigned dups[][2] = {{3, 2}, {350, 10}, {400, 399}, {401, 200}};
    for (size_t bi = 0; bi < 2; bi++) {
        for (size_t d = 0; d < sizeof dups / sizeof dups[0]; d++) {
            char *posts = posts_with_repeat(bases[bi], dups[d][0], dups[d][1]);
            struct tmp t;
            tmp_make(&t, one_creator_csv, posts);
            free(posts);
            char want[512], skipped[600];
            snprintf(want, sizeof want,
                     "%s:%u: column 1 (post_id): duplicate post_id %llu (first on line %u)",
                     t.posts, dups[d][0], (unsigned long long)(bases[bi] + dups[d][1]), dups[d][1]);
            snprintf(skipped, sizeof skipped,
                     "%s:%u: skipped: column 1 (post_id): duplicate post_id %llu (first on "
                     "line %u)\n",
                     t.posts, dups[d][0], (unsigned long long)(bases[bi] + dups[d][1]), dups[d][1]);
            for (size_t k = 0; k < sizeof threads / sizeof threads[0]; k++) {
                pd_load_options o = opts_for(&t);
                o.threads = threads[k];
                o.min_chunk_bytes = 64;
                pd_error err;
                load_fails(&o, PD_EINPUT, &err);
                assert_string_equal(err.msg, want);
                FILE *diag = tmpfile();
                assert_non_null(diag);
                o.skip_bad_lines = 1;
                o.diag = diag;
                char *got = load_describe(&o);
                assert_non_null(strstr(got, "posts_read=399 "));
                assert_non_null(strstr(got, "skipped_posts=1 "));
                assert_non_null(strstr(got, "[399/0/39900]"));
                free(got);
                char *report = slurp(diag);
                assert_string_equal(report, skipped);
                free(report);
            }
            tmp_remove(&t);
        }
    }
}

/* Unknown columns are ignored, names match exactly (so "Views" beside
 * "views" is just another column). */
static void test_header_names_exact(void **state)
{
    (void)state;
    struct tmp t;
    tmp_make(&t,
             "Creator_ID,creator_id,handle,category,followers,mcn_id,extra\n"
             "x,1,a,food,10,,whatever\n",
             "post_id,creator_id,published_at,kind,views,Views,likes,comments,collects\n"
             "1,1,2019-05-20T10:00:00Z,organic,100,not a number,0,0,0\n");
    pd_load_options o = opts_for(&t);
    char *got = load_describe(&o);
    assert_non_null(strstr(got, "[1/0/100]"));
    free(got);
    tmp_remove(&t);

    tmp_make(&t, "creator_id,handle,category,Followers,mcn_id\n1,a,food,10,\n", posts_csv);
    o = opts_for(&t);
    pd_error err;
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "missing column 'followers'");
    tmp_remove(&t);
}

/* A handle or a category that is not UTF-8, or holds a NUL, is a bad line
 * for certify as for import. */
static void test_labels_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *creators;
        const char *want;
    } cases[] = {
        {"creator_id,handle,category,followers,mcn_id\n1,a\xff,food,10,\n",
         "creators.csv:2: column 2 (handle): not valid UTF-8"},
        {"creator_id,handle,category,followers,mcn_id\n1,a,fo\xc3,10,\n",
         "creators.csv:2: column 3 (category): not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tmp t;
        tmp_make(&t, cases[i].creators, posts_csv);
        pd_load_options o = opts_for(&t);
        pd_error err;
        load_fails(&o, PD_EINPUT, &err);
        assert_contains(err.msg, cases[i].want);
        tmp_remove(&t);
    }
    struct tmp t;
    tmp_make(&t, NULL, posts_csv);
    static const char nul[] = "creator_id,handle,category,followers,mcn_id\n1,a\0b,food,10,\n";
    tmp_write(t.creators, nul, sizeof nul - 1);
    pd_load_options o = opts_for(&t);
    pd_error err;
    load_fails(&o, PD_EINPUT, &err);
    assert_contains(err.msg, "creators.csv:2: column 2 (handle): contains a NUL byte");
    tmp_remove(&t);
}

/* pd_rows_id_lower_bound: where an id stands in a sorted list, or would. */
static void test_id_lower_bound(void **state)
{
    (void)state;
    const uint64_t ids[] = {2, 5, 5, 9};
    assert_int_equal(pd_rows_id_lower_bound(ids, 0, 5), 0);
    assert_int_equal(pd_rows_id_lower_bound(ids, 4, 1), 0);
    assert_int_equal(pd_rows_id_lower_bound(ids, 4, 2), 0);
    assert_int_equal(pd_rows_id_lower_bound(ids, 4, 3), 1);
    assert_int_equal(pd_rows_id_lower_bound(ids, 4, 5), 1);
    assert_int_equal(pd_rows_id_lower_bound(ids, 4, 9), 3);
    assert_int_equal(pd_rows_id_lower_bound(ids, 4, 10), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_lower_bound),
        cmocka_unit_test_teardown(test_known_answers, remove_leftovers),
        cmocka_unit_test_teardown(test_reordered_and_extra_columns, remove_leftovers),
        cmocka_unit_test_teardown(test_missing_column, remove_leftovers),
        cmocka_unit_test_teardown(test_duplicate_header_column, remove_leftovers),
        cmocka_unit_test_teardown(test_multiline_header, remove_leftovers),
        cmocka_unit_test_teardown(test_empty_and_unreadable_files, remove_leftovers),
        cmocka_unit_test_teardown(test_header_only_files, remove_leftovers),
        cmocka_unit_test_teardown(test_bad_options, remove_leftovers),
        cmocka_unit_test_teardown(test_duplicate_creator_id, remove_leftovers),
        cmocka_unit_test_teardown(test_unknown_creators_counted, remove_leftovers),
        cmocka_unit_test_teardown(test_sparse_ids, remove_leftovers),
        cmocka_unit_test_teardown(test_window_edges, remove_leftovers),
        cmocka_unit_test_teardown(test_several_windows, remove_leftovers),
        cmocka_unit_test_teardown(test_bom_and_mcn, remove_leftovers),
        cmocka_unit_test_teardown(test_skip_bad_lines, remove_leftovers),
        cmocka_unit_test_teardown(test_skip_bad_lines_summary, remove_leftovers),
        cmocka_unit_test_teardown(test_skip_bad_lines_report_limit, remove_leftovers),
        cmocka_unit_test_teardown(test_bad_line_stops, remove_leftovers),
        cmocka_unit_test_teardown(test_parallel_split_generated, remove_leftovers),
        cmocka_unit_test_teardown(test_parallel_split_quoted, remove_leftovers),
        cmocka_unit_test_teardown(test_parallel_bad_line_number, remove_leftovers),
        cmocka_unit_test_teardown(test_parallel_bad_creator_line, remove_leftovers),
        cmocka_unit_test_teardown(test_fast_path_digit_lengths, remove_leftovers),
        cmocka_unit_test_teardown(test_fast_path_zero_ids, remove_leftovers),
        cmocka_unit_test_teardown(test_fast_path_too_large, remove_leftovers),
        cmocka_unit_test_teardown(test_fast_path_instants, remove_leftovers),
        cmocka_unit_test_teardown(test_fast_path_buffer_end, remove_leftovers),
        cmocka_unit_test_teardown(test_repeated_post_id, remove_leftovers),
        cmocka_unit_test_teardown(test_header_names_exact, remove_leftovers),
        cmocka_unit_test_teardown(test_labels_utf8, remove_leftovers),
    };
    return cmocka_run_group_tests(tests, NULL, remove_leftovers);
}
