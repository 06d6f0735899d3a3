/*
 * test_gen.c - unit tests of the synthetic data generator (batch/gen.h).
 * The random number generator it draws from has its own (core/test_rng.c).
 *
 * The generated files are read back with a small RFC 4180 reader of this
 * file's own (not the batch loader: an independent reading is the point),
 * checked against the format of docs/certification.md and the shape the
 * generator promises, and the red-2019 preset is judged with the policy
 * code itself (pd_policy_failures) to check its calibration: all 17,000
 * creators pass red-2019-v1 and 3,800 to 4,200 pass red-2019-v2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "batch/gen.h"
#include "core/instant.h"
#include "core/policy.h"
#include "core/rng.h"

/* ---- helpers ------------------------------------------------------------ */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/pd_test_gen.XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void remove_dir(const char *dir)
{
    const char *names[] = {"creators.csv", "posts.csv"};
    for (size_t i = 0; i < 2; i++) {
        char *p = path_in(dir, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
    data[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return data;
}

static void run_gen(const pd_gen_options *o, pd_gen_summary *sum)
{
    pd_error err = {0};
    int rc = pd_gen_run(o, sum, &err);
    if (rc != PD_OK)
        fail_msg("pd_gen_run: %s", err.msg);
}

/* Splits one CSV line (no line breaks inside fields: the generator writes
 * none) into at most max fields, in place: quotes removed, "" made ". Returns
 * the field count, or -1 for a malformed line. Sets *quoted when a field was
 * quoted. */
static int split_csv(char *line, char **field, size_t *flen, int max, int *quoted)
{
    int n = 0;
    char *p = line;
    *quoted = 0;
    for (;;) {
        if (n == max)
            return -1;
        if (*p == '"') {
            *quoted = 1;
            char *w = ++p;
            field[n] = w;
            for (;;) {
                if (*p == '\0')
                    return -1; /* unterminated */
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            flen[n] = (size_t)(w - field[n]);
            n++;
            if (*p == '\0')
                return n;
            if (*p != ',')
                return -1; /* text after the closing quote */
            p++;
        } else {
            field[n] = p;
            while (*p && *p != ',') {
                if (*p == '"')
                    return -1; /* a quote inside an unquoted field */
                p++;
            }
            flen[n] = (size_t)(p - field[n]);
            n++;
            if (*p == '\0')
                return n;
            *p++ = '\0';
        }
    }
}

static uint64_t parse_u64(const char *s, size_t len)
{
    assert_true(len > 0 && len <= 19);
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        assert_true(s[i] >= '0' && s[i] <= '9');
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v;
}

/* What the checks below learn from one generated directory. */
typedef struct dataset_facts {
    uint64_t ncreators;
    uint64_t *followers; /* [1..ncreators] */
    uint64_t no_mcn, max_mcn, quoted_handles, cjk_handles;
    uint64_t category_count[10];
    uint64_t nposts, unknown, sponsored, offset_instants, fraction_instants;
    pd_window_stats *win30;        /* [1..ncreators]: the 30 days before as_of */
    uint64_t never_sponsored;      /* creators with posts but no sponsored one */
    uint8_t *category;             /* [1..ncreators] */
    uint64_t *views, *engagements; /* [1..ncreators]: every post's, summed */
    uint64_t cert_hash;            /* FNV-1a of posts.csv's first five columns */
} dataset_facts;

static const char *const categories[10] = {"beauty",    "fashion", "food", "travel", "fitness",
                                           "parenting", "tech",    "home", "pets",   "books"};

/* Reads creators.csv and posts.csv of dir, asserting the format on every
 * line, and collects the facts. */
static void read_dataset(const char *dir, pd_instant as_of, dataset_facts *f)
{
    memset(f, 0, sizeof *f);
    char *field[16];
    size_t flen[16];
    int quoted;
    size_t len;

    char *path = path_in(dir, "creators.csv");
    char *data = slurp(path, &len);
    free(path);
    assert_true(len > 0 && data[len - 1] == '\n');
    char *save = NULL;
    char *line = strtok_r(data, "\n", &save);
    assert_non_null(line);
    assert_string_equal(line, "creator_id,handle,category,followers,mcn_id");
    size_t cap = 1024;
    f->followers = calloc(cap + 1, sizeof *f->followers);
    f->category = calloc(cap + 1, 1);
    while ((line = strtok_r(NULL, "\n", &save))) {
        int n = split_csv(line, field, flen, 16, &quoted);
        assert_int_equal(n, 5);
        uint64_t id = parse_u64(field[0], flen[0]);
        assert_int_equal(id, f->ncreators + 1); /* 1..N ascending */
        f->ncreators = id;
        if (id > cap) {
            cap *= 2;
            f->followers = realloc(f->followers, (cap + 1) * sizeof *f->followers);
            f->category = realloc(f->category, cap + 1);
            assert_non_null(f->followers);
            assert_non_null(f->category);
        }
        assert_true(flen[1] > 0);
        f->quoted_handles += (uint64_t)quoted;
        for (size_t i = 0; i < flen[1]; i++)
            if ((unsigned char)field[1][i] >= 0x80) {
                f->cjk_handles++;
                break;
            }
        int cat = -1;
        for (int c = 0; c < 10; c++)
            if (strlen(categories[c]) == flen[2] && memcmp(categories[c], field[2], flen[2]) == 0)
                cat = c;
        assert_true(cat >= 0);
        f->category_count[cat]++;
        f->category[id] = (uint8_t)cat;
        f->followers[id] = parse_u64(field[3], flen[3]);
        if (flen[4] == 0) {
            f->no_mcn++;
        } else {
            uint64_t m = parse_u64(field[4], flen[4]);
            assert_true(m >= 1);
            if (m > f->max_mcn)
                f->max_mcn = m;
        }
    }
    free(data);

    path = path_in(dir, "posts.csv");
    data = slurp(path, &len);
    free(path);
    assert_true(len > 0 && data[len - 1] == '\n');
    save = NULL;
    line = strtok_r(data, "\n", &save);
    assert_string_equal(line, "post_id,creator_id,published_at,kind,views,likes,comments,collects");
    f->win30 = calloc(f->ncreators + 1, sizeof *f->win30);
    f->views = calloc(f->ncreators + 1, sizeof *f->views);
    f->engagements = calloc(f->ncreators + 1, sizeof *f->engagements);
    assert_true(f->views && f->engagements);
    f->cert_hash = 14695981039346656037ull;
    uint8_t *has_posts = calloc(f->ncreators + 1, 1), *has_sponsored = calloc(f->ncreators + 1, 1);
    assert_true(f->win30 && has_posts && has_sponsored);
    const pd_instant ws60 = pd_instant_add(as_of, -60 * 86400);
    const pd_instant ws30 = pd_instant_add(as_of, -30 * 86400);
    uint64_t prev_creator = 0;
    pd_instant prev_t = {0, 0};
    while ((line = strtok_r(NULL, "\n", &save))) {
        /* What certification reads: id, creator, instant, kind, views. */
        for (int commas = 0, i = 0; line[i]; i++) {
            if (line[i] == ',' && ++commas == 5)
                break;
            f->cert_hash = (f->cert_hash ^ (unsigned char)line[i]) * 1099511628211ull;
        }
        f->cert_hash = (f->cert_hash ^ '\n') * 1099511628211ull;
        int n = split_csv(line, field, flen, 16, &quoted);
        assert_int_equal(n, 8);
        assert_false(quoted);
        uint64_t post_id = parse_u64(field[0], flen[0]);
        assert_int_equal(post_id, f->nposts + 1); /* 1.. ascending, no gap */
        f->nposts = post_id;
        uint64_t cid = parse_u64(field[1], flen[1]);
        assert_true(cid >= 1 && cid <= f->ncreators + PD_GEN_UNKNOWN_CREATORS);

        pd_instant t;
        const char *why = NULL;
        if (pd_instant_parse(field[2], flen[2], &t, &why) != 0)
            fail_msg("post %llu: published_at '%.*s': %s", (unsigned long long)post_id,
                     (int)flen[2], field[2], why);
        assert_true(pd_instant_cmp(t, ws60) >= 0 && pd_instant_cmp(t, as_of) < 0);
        if (flen[2] > 6 && memcmp(field[2] + flen[2] - 6, "+08:00", 6) == 0)
            f->offset_instants++;
        else
            assert_int_equal(field[2][flen[2] - 1], 'Z');
        if (memchr(field[2], '.', flen[2])) {
            f->fraction_instants++;
            assert_true(t.nsec > 0);
        }

        int sponsored = 0;
        if (flen[3] == 9 && memcmp(field[3], "sponsored", 9) == 0)
            sponsored = 1;
        else if (flen[3] == 7 && memcmp(field[3], "organic", 7) == 0)
            sponsored = 0;
        else
            fail_msg("post %llu: kind '%.*s'", (unsigned long long)post_id, (int)flen[3], field[3]);
        uint64_t views = parse_u64(field[4], flen[4]);
        uint64_t likes = parse_u64(field[5], flen[5]);
        uint64_t comments = parse_u64(field[6], flen[6]);
        uint64_t collects = parse_u64(field[7], flen[7]);
        assert_true(likes <= views);
        assert_true(comments <= views && collects <= views);
        f->sponsored += (uint64_t)sponsored;

        if (cid > f->ncreators) {
            f->unknown++;
            continue;
        }
        /* A creator's posts come together, in time order. */
        if (cid == prev_creator)
            assert_true(pd_instant_cmp(prev_t, t) <= 0 ||
                        prev_t.sec == t.sec); /* same second, different millis */
        else
            assert_true(cid > prev_creator);
        prev_creator = cid;
        prev_t = t;
        has_posts[cid] = 1;
        has_sponsored[cid] |= (uint8_t)sponsored;
        f->views[cid] += views;
        f->engagements[cid] += likes + comments + collects;
        if (pd_instant_cmp(t, ws30) >= 0) {
            f->win30[cid].posts++;
            f->win30[cid].sponsored += (uint32_t)sponsored;
            f->win30[cid].views += views;
        }
    }
    for (uint64_t id = 1; id <= f->ncreators; id++)
        f->never_sponsored += has_posts[id] && !has_sponsored[id];
    free(has_posts);
    free(has_sponsored);
    free(data);
}

static void facts_free(dataset_facts *f)
{
    free(f->followers);
    free(f->win30);
    free(f->category);
    free(f->views);
    free(f->engagements);
}

/* Engagement per view (likes + comments + collects over views, each
 * creator's posts together), calibrated on the 5.10% average by views of
 * Socialinsider's 2023 benchmarks (gen.c): the creators' mean near it, a
 * believable tail, and the categories apart as gen.c sets them. */
static void check_engagement(const dataset_facts *f)
{
    double sum = 0.0, max = 0.0, cat_sum[10] = {0};
    uint64_t n = 0, over12 = 0, cat_n[10] = {0};
    for (uint64_t id = 1; id <= f->ncreators; id++) {
        if (!f->views[id])
            continue;
        double r = (double)f->engagements[id] / (double)f->views[id];
        sum += r;
        n++;
        over12 += r > 0.12;
        if (r > max)
            max = r;
        cat_sum[f->category[id]] += r;
        cat_n[f->category[id]]++;
    }
    double mean = sum / (double)n;
    print_message("engagement per view: mean %.2f%%, max %.2f%%, %llu of %llu over 12%%\n",
                  100 * mean, 100 * max, (unsigned long long)over12, (unsigned long long)n);
    assert_true(mean > 0.048 && mean < 0.054);
    assert_true(max < 0.25);
    assert_true(over12 < n / 100);
    double pets = cat_sum[8] / (double)cat_n[8], tech = cat_sum[6] / (double)cat_n[6];
    double beauty = cat_sum[0] / (double)cat_n[0];
    assert_true(pets > 1.3 * tech);
    assert_true(beauty > 0.045 && beauty < 0.056);
}

static uint64_t count_certified(const dataset_facts *f, const char *policy)
{
    const pd_policy *p = pd_policy_preset(policy);
    assert_non_null(p);
    uint64_t n = 0;
    for (uint64_t id = 1; id <= f->ncreators; id++)
        n += pd_policy_failures(p, f->followers[id], &f->win30[id]) == 0;
    return n;
}

/* ---- rng ---------------------------------------------------------------- */

static void test_gen_options(void **state)
{
    (void)state;
    pd_gen_options o;
    pd_gen_options_init(&o);
    assert_int_equal(o.seed, 1);
    assert_int_equal(o.as_of.sec, 1559347200); /* 2019-06-01T00:00:00Z */
    assert_int_equal(pd_gen_creator_count(&o), PD_GEN_DEFAULT_CREATORS);
    pd_gen_preset p;
    assert_int_equal(pd_gen_preset_from_name("red-2019", &p), 0);
    assert_int_equal(p, PD_GEN_PRESET_RED_2019);
    assert_string_equal(pd_gen_preset_name(p), "red-2019");
    assert_int_equal(pd_gen_preset_from_name("red-2020", &p), -1);
    o.preset = PD_GEN_PRESET_RED_2019;
    assert_int_equal(pd_gen_creator_count(&o), PD_GEN_RED_2019_CREATORS);
    o.creators = 5;
    assert_int_equal(pd_gen_creator_count(&o), 5);
}

static void test_gen_errors(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    pd_gen_options o;
    pd_gen_options_init(&o);
    pd_error err = {0};

    assert_int_equal(pd_gen_run(&o, NULL, &err), PD_EUSAGE); /* no out_dir */

    o.out_dir = dir;
    o.creators = PD_GEN_MAX_CREATORS + 1ull;
    assert_int_equal(pd_gen_run(&o, NULL, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "--creators"));

    o.creators = 10;
    o.as_of.sec = 86400; /* 1970-01-02: the window would start before 1970 */
    assert_int_equal(pd_gen_run(&o, NULL, &err), PD_EUSAGE);
    assert_non_null(strstr(err.msg, "--as-of"));

    /* A directory that cannot be made: its parent is a file. */
    pd_gen_options_init(&o);
    o.creators = 10;
    char *file = path_in(dir, "creators.csv");
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fputs("keep me\n", fp);
    fclose(fp);
    char *below = path_in(file, "sub");
    o.out_dir = below;
    assert_int_equal(pd_gen_run(&o, NULL, &err), PD_EIO);
    assert_non_null(strstr(err.msg, "not a directory"));

    /* The file in the way is untouched. */
    size_t len;
    char *data = slurp(file, &len);
    assert_string_equal(data, "keep me\n");
    free(data);
    free(below);
    free(file);
    remove_dir(dir);
    free(dir);
}

static void test_gen_deterministic(void **state)
{
    (void)state;
    char *d1 = make_tmpdir(), *d2 = make_tmpdir(), *d3 = make_tmpdir();
    char *nested = path_in(d2, "a/b"); /* created with its parents */
    pd_gen_options o;
    pd_gen_options_init(&o);
    o.creators = 3000;
    o.out_dir = d1;
    o.threads = 1;
    pd_gen_summary s1, s2, s3;
    run_gen(&o, &s1);
    o.out_dir = nested;
    o.threads = 3;
    run_gen(&o, &s2);
    o.out_dir = d3;
    o.seed = 2;
    o.threads = 2;
    run_gen(&o, &s3);

    assert_int_equal(s1.creators, 3000);
    assert_int_equal(s1.posts, s2.posts);
    assert_int_equal(s1.posts_bytes, s2.posts_bytes);
    const char *names[] = {"creators.csv", "posts.csv"};
    for (int i = 0; i < 2; i++) {
        char *p1 = path_in(d1, names[i]), *p2 = path_in(nested, names[i]),
             *p3 = path_in(d3, names[i]);
        size_t l1, l2, l3;
        char *a = slurp(p1, &l1), *b = slurp(p2, &l2), *c = slurp(p3, &l3);
        assert_int_equal(l1, i == 0 ? s1.creators_bytes : s1.posts_bytes);
        assert_int_equal(l1, l2);
        assert_memory_equal(a, b, l1);                  /* same seed, other thread count */
        assert_true(l1 != l3 || memcmp(a, c, l1) != 0); /* other seed */
        free(a);
        free(b);
        free(c);
        free(p1);
        free(p2);
        free(p3);
    }
    remove_dir(nested);
    char *ab = path_in(d2, "a");
    rmdir(ab);
    free(ab);
    remove_dir(d1);
    remove_dir(d2);
    remove_dir(d3);
    free(nested);
    free(d1);
    free(d2);
    free(d3);
}

/* The default population: format and shape. */
static void test_gen_shape(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    pd_gen_options o;
    pd_gen_options_init(&o);
    o.creators = 40000;
    o.seed = 9;
    o.out_dir = dir;
    pd_gen_summary sum;
    run_gen(&o, &sum);
    dataset_facts f;
    read_dataset(dir, o.as_of, &f);

    assert_int_equal(f.ncreators, 40000);
    assert_int_equal(f.nposts, sum.posts);
    assert_int_equal(f.unknown, sum.posts_unknown_creator);
    double n = (double)f.ncreators, p = (double)f.nposts;
    /* about 30 posts per creator */
    assert_true(p / n > 27.0 && p / n < 33.0);
    /* about 0.01% of posts of creators missing from creators.csv */
    assert_true(f.unknown >= 40 && f.unknown <= 250);
    /* about 1% of instants with an offset, 1% with fractional seconds */
    assert_true(f.offset_instants > p * 0.008 && f.offset_instants < p * 0.012);
    assert_true(f.fraction_instants > p * 0.008 && f.fraction_instants < p * 0.012);
    /* about 1% of handles need quotes; some are not ASCII */
    assert_true(f.quoted_handles > n * 0.007 && f.quoted_handles < n * 0.013);
    assert_true(f.cjk_handles > n * 0.2);
    /* about 60% without an MCN; ids up to N/200 */
    assert_true(f.no_mcn > n * 0.55 && f.no_mcn < n * 0.65);
    assert_true(f.max_mcn <= 200 && f.max_mcn > 150);
    /* uneven categories: beauty first, books last */
    for (int c = 1; c < 10; c++)
        assert_true(f.category_count[c] > 0);
    assert_true(f.category_count[0] > 3 * f.category_count[9]);
    /* heavy-tailed followers: a long way from the median to the top */
    uint64_t below_1k = 0, above_100k = 0, max = 0;
    for (uint64_t id = 1; id <= f.ncreators; id++) {
        below_1k += f.followers[id] < 1000;
        above_100k += f.followers[id] >= 100000;
        if (f.followers[id] > max)
            max = f.followers[id];
    }
    assert_true(below_1k > n * 0.3 && below_1k < n * 0.55);
    assert_true(above_100k > 0 && above_100k < n * 0.03);
    assert_true(max > 1000000);
    /* sponsorship varies: many never sponsor, some sponsored posts overall */
    assert_true(f.never_sponsored > n * 0.3);
    assert_true(f.sponsored > p * 0.02 && f.sponsored < p * 0.2);
    facts_free(&f);
    remove_dir(dir);
    free(dir);
}

/* The red-2019 preset: 17,000 v1-certified creators, about 4,000 of them
 * meet v2. Checked for the default seed and two others. */
static void check_preset(uint64_t seed)
{
    char *dir = make_tmpdir();
    pd_gen_options o;
    pd_gen_options_init(&o);
    o.preset = PD_GEN_PRESET_RED_2019;
    o.seed = seed;
    o.out_dir = dir;
    pd_gen_summary sum;
    run_gen(&o, &sum);
    dataset_facts f;
    read_dataset(dir, o.as_of, &f);
    assert_int_equal(f.ncreators, 17000);
    for (uint64_t id = 1; id <= f.ncreators; id++)
        assert_true(f.followers[id] >= 1000);
    assert_int_equal(count_certified(&f, "red-2019-v1"), 17000);
    uint64_t v2 = count_certified(&f, "red-2019-v2");
    print_message("red-2019, seed %llu: %llu posts, %llu certified by red-2019-v2\n",
                  (unsigned long long)seed, (unsigned long long)f.nposts, (unsigned long long)v2);
    if (v2 < 3800 || v2 > 4200)
        fail_msg("seed %llu: %llu creators certified by red-2019-v2, expected 3800..4200",
                 (unsigned long long)seed, (unsigned long long)v2);
    assert_true(f.unknown > 0);
    check_engagement(&f);
    /* Likes, comments and collects were once drawn by another model; what
     * certification reads stayed byte for byte what it was then (gen.c). */
    if (seed == 1)
        assert_int_equal(f.cert_hash, 0x2e690fcf9ad0df66ull);
    facts_free(&f);
    remove_dir(dir);
    free(dir);
}

static void test_gen_preset_default_seed(void **state)
{
    (void)state;
    check_preset(1);
}

static void test_gen_preset_other_seeds(void **state)
{
    (void)state;
    check_preset(2);
    check_preset(20190601);
}

/* An evaluation instant that is not midnight, with fractional seconds: the
 * window still ends just before it. */
static void test_gen_odd_as_of(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    pd_gen_options o;
    pd_gen_options_init(&o);
    const char *s = "2020-02-29T13:45:10.5+05:30";
    assert_int_equal(pd_instant_parse(s, strlen(s), &o.as_of, NULL), 0);
    o.creators = 2000;
    o.out_dir = dir;
    pd_gen_summary sum;
    run_gen(&o, &sum);
    dataset_facts f;
    read_dataset(dir, o.as_of, &f); /* asserts every instant is in the window */
    assert_true(f.nposts > 0);
    facts_free(&f);
    remove_dir(dir);
    free(dir);
}

/* MCN names: distinct for the first 192, numbered after, the same for the
 * same seed, short enough for the store, valid UTF-8. */
static void test_gen_mcn_names(void **state)
{
    (void)state;
    pd_gen_options o;
    pd_gen_options_init(&o);
    o.preset = PD_GEN_PRESET_RED_2019;
    assert_int_equal(pd_gen_mcn_count(&o), 85); /* 17,000 / 200 */
    o.preset = PD_GEN_PRESET_NONE;
    o.creators = 150;
    assert_int_equal(pd_gen_mcn_count(&o), 1);
    static char names[193][PD_GEN_MCN_NAME_MAX];
    for (uint64_t id = 1; id <= 193; id++) {
        char *n = names[id - 1];
        memset(n, 'x', PD_GEN_MCN_NAME_MAX);
        pd_gen_mcn_name(1, id, n);
        size_t len = strnlen(n, PD_GEN_MCN_NAME_MAX);
        assert_true(len > 4 && len < PD_GEN_MCN_NAME_MAX);
        assert_non_null(strchr(n, ' '));
        assert_true((unsigned char)n[0] >= 0xE0); /* a Chinese name first */
        for (size_t i = 0; i < len;) {            /* well-formed UTF-8 */
            unsigned char c = (unsigned char)n[i];
            size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            for (size_t j = 1; j < k; j++)
                assert_int_equal((unsigned char)n[i + j] & 0xC0, 0x80);
            i += k;
        }
        for (uint64_t other = 1; other < id && id <= 192; other++)
            assert_string_not_equal(names[other - 1], n);
    }
    assert_non_null(strstr(names[192], " 2")); /* the 193rd: a second round */
    char again[PD_GEN_MCN_NAME_MAX], seed2[PD_GEN_MCN_NAME_MAX];
    pd_gen_mcn_name(1, 17, again);
    assert_string_equal(again, names[16]);
    pd_gen_mcn_name(2, 17, seed2);
    assert_string_not_equal(seed2, names[16]);
}

/* Follower histories: they end where the creator is now, move one way
 * (most up, some down) within the bounds gen.c sets, and are the same for
 * the same arguments. */
static void test_gen_follower_history(void **state)
{
    (void)state;
    enum { N = 4000, DAYS = 60 };
    uint64_t h[DAYS], again[DAYS];
    unsigned declining = 0, flat = 0;
    double ratio_sum = 0;
    for (uint64_t id = 1; id <= N; id++) {
        uint64_t now = 1000 + id * 997 % 200000;
        pd_gen_follower_history(7, id, now, h, DAYS);
        int down = h[0] > now, up = h[0] < now;
        declining += down;
        flat += !down && !up;
        uint64_t prev = h[0];
        for (unsigned d = 1; d <= DAYS; d++) {
            uint64_t v = d < DAYS ? h[d] : now;
            if (down)
                assert_true(v <= prev);
            else
                assert_true(v >= prev);
            prev = v;
        }
        /* growth at most 300%, a decline at most 30% (plus rounding) */
        assert_true((double)h[0] >= (double)now / 4.0 - 1);
        assert_true((double)h[0] <= (double)now / 0.7 + 1);
        ratio_sum += (double)h[DAYS - 1] / (double)now;
        pd_gen_follower_history(7, id, now, again, DAYS);
        assert_memory_equal(h, again, sizeof h);
    }
    print_message("follower histories: %u of %u declining, %u flat\n", declining, N, flat);
    assert_true(declining > N * 0.08 && declining < N * 0.16);
    assert_true(flat < N / 100);
    assert_true(ratio_sum / N > 0.95 && ratio_sum / N < 1.01); /* yesterday is near today */
    /* nothing is written for no days; at most PD_GEN_HISTORY_DAYS_MAX are */
    h[0] = 12345;
    pd_gen_follower_history(7, 1, 5000, h, 0);
    assert_int_equal(h[0], 12345);
    uint64_t *big = calloc(PD_GEN_HISTORY_DAYS_MAX + 1, sizeof *big);
    assert_non_null(big);
    big[PD_GEN_HISTORY_DAYS_MAX] = 777;
    pd_gen_follower_history(7, 1, 5000, big, PD_GEN_HISTORY_DAYS_MAX + 1);
    assert_int_equal(big[PD_GEN_HISTORY_DAYS_MAX], 777);
    assert_true(big[PD_GEN_HISTORY_DAYS_MAX - 1] > 0);
    free(big);
}

/* Peak memory of a child process generating n creators. */
static long child_maxrss_kb(const char *dir, uint64_t n)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pd_gen_options o;
        pd_gen_options_init(&o);
        o.creators = n;
        o.out_dir = dir;
        pd_error err;
        _exit(pd_gen_run(&o, NULL, &err) == PD_OK ? 0 : 1);
    }
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return ru.ru_maxrss;
}

/* Posts are streamed: twenty times the data, about the same memory. */
static void test_gen_memory_does_not_grow(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    long small = child_maxrss_kb(dir, 5000);
    long large = child_maxrss_kb(dir, 100000); /* 3 million posts, ~180 MB */
    print_message("peak memory: %ld kB for 5,000 creators, %ld kB for 100,000\n", small, large);
    assert_true(large < small + 8 * 1024);
    remove_dir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_options),
        cmocka_unit_test(test_gen_errors),
        cmocka_unit_test(test_gen_deterministic),
        cmocka_unit_test(test_gen_shape),
        cmocka_unit_test(test_gen_preset_default_seed),
        cmocka_unit_test(test_gen_preset_other_seeds),
        cmocka_unit_test(test_gen_odd_as_of),
        cmocka_unit_test(test_gen_mcn_names),
        cmocka_unit_test(test_gen_follower_history),
        cmocka_unit_test(test_gen_memory_does_not_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
