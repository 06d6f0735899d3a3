/*
 * gen.c - see gen.h.
 *
 * The model, per creator (every constant is named below):
 *  - category: ten categories with uneven shares;
 *  - followers: lognormal (median 1,500, sigma 1.8, so a few reach
 *    millions);
 *  - brand partner or not: the odds grow with followers and depend on the
 *    category. Partners post on a schedule (about 70 posts per 60 days) and
 *    sponsor around 14% of them, a few far more; of the others, most never
 *    sponsor and they post less (about 30 posts per 60 days over everyone,
 *    partners included);
 *  - MCN: about 40% of creators belong to one of N/200 MCNs, bigger
 *    creators more often, and low MCN ids host more creators;
 *  - views: followers times a lognormal reach, plus the recommendation
 *    feed's baseline, with lognormal noise per post, sponsored posts seen a
 *    little less, and the odd viral post;
 *  - likes, comments, collects: creator-level rates with noise per post,
 *    calibrated on a published benchmark (below);
 *  - posting instants: uniform over the days of the window, at hours that
 *    follow the audience's day on the +08:00 clock.
 * The red-2019 preset is the partners with at least 1,000 followers (the
 * members of the partner program that red-2019-v1 certified); drawn from
 * the same model, conditioned by rejection.
 *
 * Calibration: ACTIVITY_MU makes the default population average 30 posts
 * per creator; REACH_MEDIAN and the partner constants make red-2019-v2
 * certify about 4,000 of the preset's 17,000 creators on the default as_of
 * (over seeds 1..130: mean 3,998, standard deviation 55, all within
 * 3,850..4,126). Change any constant and these move: rerun test_gen.
 *
 * Engagement (likes + comments + collects per view) is calibrated on
 * Socialinsider's Social Media Industry Benchmarks, 2023 edition (190
 * million posts of 2022): TikTok, the short-form social platform closest to
 * this one, averages 5.10% engagement by views (likes, comments and
 * shares per view; on instagram it is far lower, 0.60% by followers).
 * LIKE_RATE_MEDIAN is set so that the creators' mean rate over a preset
 * population is 5.1% (the median is about 4.8%, 99% stay under 11%), with
 * categories from 0.8 (tech) to 1.25 (pets) of it; docs/certification.md
 * gives the numbers. The first model (4% likes per view, sigma 0.5, so some
 * creators showed 40%) is still computed, only to draw the same random
 * numbers, so that everything certification reads (followers, views, kinds,
 * instants) is byte for byte what it was.
 *
 * Two passes. The first draws every creator from its own stream, writes
 * creators.csv and cuts the id range into blocks of about BLOCK_POSTS posts,
 * so that each block knows its first post id. The second draws each block's
 * creators again (same streams, same values) and their posts, on several
 * threads into a ring of buffers that the calling thread writes in block
 * order. The output is therefore independent of the number of threads, and
 * memory is the ring plus one small record per block.
 */
#include "batch/gen.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch/progress.h"
#include "util/num.h"
#include "core/rng.h"
#include "util/atomic_file.h"

/* ---- the model ---------------------------------------------------------- */

/* Random streams: one of each per creator id. */
enum {
    STREAM_CREATOR = 1,
    STREAM_HANDLE = 2,
    STREAM_POSTS = 3,
    STREAM_UNKNOWN = 4,
    STREAM_FOLLOWERS = 5, /* follower history (pd_gen_follower_history) */
};

#define NCATEGORIES 10
static const char *const category_name[NCATEGORIES] = {
    "beauty", "fashion", "food", "travel", "fitness",
    "parenting", "tech", "home", "pets", "books",
};
static const double category_share[NCATEGORIES] = {
    0.22, 0.18, 0.15, 0.10, 0.08, 0.08, 0.06, 0.06, 0.04, 0.03,
};
/* Views per follower, relative: pets and beauty travel well, books less. */
static const double category_reach[NCATEGORIES] = {
    1.10, 1.05, 1.00, 1.00, 0.95, 0.90, 0.90, 0.85, 1.20, 0.70,
};
/* Engagement per view, relative: pets and food draw comments and collects,
 * tech and books are read more than answered. */
static const double category_engagement[NCATEGORIES] = {
    1.00, 0.95, 1.10, 0.90, 0.95, 1.05, 0.80, 1.05, 1.25, 0.85,
};
/* Odds of being a brand partner, relative: brands buy beauty and fashion. */
static const double category_deals[NCATEGORIES] = {
    1.40, 1.30, 1.00, 0.90, 0.90, 1.00, 1.00, 0.80, 0.80, 0.50,
};

#define FOLLOWERS_MEDIAN 1500.0
#define FOLLOWERS_SIGMA 1.8
#define FOLLOWERS_MAX 5e7
#define RED2019_MIN_FOLLOWERS 1000.0

#define MCN_SHARE 0.40        /* of creators of median size               */
#define MCN_SIZE_SLOPE 0.06   /* per unit of log(followers / median)      */
#define CREATORS_PER_MCN 200

/* Brand partners: creators who work with brands for a living (the members
 * of the partner program). The odds of being one grow with size:
 * exp(PARTNER_INTERCEPT) at PARTNER_PIVOT followers, times (followers /
 * pivot)^PARTNER_SLOPE, times the category's odds. */
#define PARTNER_PIVOT 5000.0
#define PARTNER_INTERCEPT (-0.5)
#define PARTNER_SLOPE 1.0

/* Posts per 60 days: exp(mu + ACTIVITY_SLOPE * log size + sigma Z), with
 * their own mu and a smaller sigma for partners, who publish on a schedule.
 * ACTIVITY_MU was tuned so that the mean over the default population
 * (partners included) is 30; the count is Poisson around the rate. */
#define ACTIVITY_MU 2.56
#define ACTIVITY_SIGMA 0.70
#define ACTIVITY_SLOPE 0.10
#define PARTNER_ACTIVITY_MU 4.015
#define PARTNER_ACTIVITY_SIGMA 0.40
#define ACTIVITY_MAX 1200.0   /* 20 a day */
#define MAX_POSTS 2000u       /* per creator, after Poisson noise */

/* Sponsored share of a creator's posts: lognormal, with a tighter and
 * higher median for partners, except for the HEAVY_SPONSORS among them who
 * sponsor between HEAVY_MIN and HEAVY_MAX of their posts (what the 4:1 rule
 * of red-2019-v2 is after); only HOBBY_DEALS of the others ever take a deal
 * (a gifted product, a friend's shop). */
#define PARTNER_SPONSOR_MEDIAN 0.14
#define PARTNER_SPONSOR_SIGMA 0.30
#define HEAVY_SPONSORS 0.08
#define HEAVY_MIN 0.30
#define HEAVY_MAX 0.65
#define HOBBY_DEALS 0.15
#define HOBBY_SPONSOR_MEDIAN 0.08
#define HOBBY_SPONSOR_SIGMA 0.60
#define SPONSOR_MIN 0.01
#define SPONSOR_MAX 0.75

#define REACH_MEDIAN 1.05     /* views of a typical post per follower     */
#define REACH_SIGMA 0.70
#define BASE_VIEWS 150.0      /* what the recommendation feed brings anyone */
#define VIEW_SIGMA 0.80       /* per post                                 */
#define SPONSORED_VIEWS 0.80  /* a sponsored post is seen a little less   */
#define VIRAL_SHARE 0.004
#define VIRAL_MIN 3.0
#define VIRAL_ALPHA 1.5
#define VIEWS_MAX 1e11

#define LIKE_RATE_MEDIAN 0.0315  /* likes per view: 5.1% engagement on average */
#define LIKE_RATE_SIGMA 0.30
#define LIKE_RATE_MIN 0.004
#define LIKE_RATE_MAX 0.12
#define LIKE_SIGMA 0.35
#define COMMENT_RATIO_MEDIAN 0.08 /* per like */
#define COLLECT_RATIO_MEDIAN 0.35 /* per like: people collect what they like */
/* The first model's likes per view (see the calibration above). */
#define FIRST_LIKE_RATE_MEDIAN 0.04
#define FIRST_LIKE_RATE_SIGMA 0.50

/* Follower history over the window: most creators grow, by a lognormal
 * share (median 10%, a few double or more), unevenly from day to day with
 * the odd jump (a post that took off); some lose a few percent. */
#define GROWTH_MEDIAN 0.10
#define GROWTH_SIGMA 0.90
#define GROWTH_MAX 3.0
#define DECLINE_SHARE 0.12
#define DECLINE_MEDIAN 0.03
#define DECLINE_MAX 0.30
#define JUMP_SHARE 0.35       /* creators with a day of sudden growth      */
#define JUMP_WEIGHT 8.0       /* that day's mean weight, in ordinary days */

#define UNKNOWN_SHARE 0.0001  /* of posts: creators missing from creators.csv */
#define OFFSET_SHARE 0.01     /* of instants written as +08:00             */
#define FRACTION_SHARE 0.01   /* of instants written with milliseconds     */
#define LOCAL_OFFSET (8 * 3600) /* the audience's clock: posting hours, +08:00 */

/* Posting hours on the local clock, relative: lunch and the evening. */
static const double hour_weight[24] = {
    3.0, 1.5, 0.8, 0.5, 0.4, 0.6, 1.5, 3.0, 4.0, 4.0, 4.0, 5.0,
    7.0, 6.0, 4.0, 4.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 8.0, 5.0,
};

/* ---- sizes -------------------------------------------------------------- */

#define BLOCK_POSTS 32768u    /* a block closes once it holds this many posts */
#define BLOCK_CREATORS 65536u /* or this many creators                      */
#define MAX_UNKNOWN 1u        /* unknown posts after one creator            */
/* Longest post line: two ids and four counts of at most 20 digits, the
 * longest instant (25), ",sponsored," and the other separators. */
#define POST_LINE_MAX (6 * 20 + 25 + 11 + 5 + 1)
#define SLOT_BYTES (((size_t)BLOCK_POSTS + MAX_POSTS + MAX_UNKNOWN) * POST_LINE_MAX)
#define HANDLE_MAX 128        /* bytes of a handle before CSV quoting       */
#define DATE_LUT 64           /* days an instant of the window may show     */
#define HOUR_LUT_BITS 12

/* ---- the run's fixed context -------------------------------------------- */

typedef struct gen_ctx {
    uint64_t seed;
    uint64_t ncreators;
    uint64_t nmcn;
    double min_followers;
    int partners_only;         /* the red-2019 preset                       */
    int64_t ws, we;            /* posts in [ws, we), whole seconds           */
    int64_t local_day0;        /* first local (+08:00) day touching the window */
    uint64_t local_days;
    int64_t date_day0;         /* day of date_lut[0]                         */
    char date_lut[DATE_LUT][11]; /* "YYYY-MM-DDT" */
    unsigned char hour_lut[1u << HOUR_LUT_BITS];
} gen_ctx;

typedef struct creator {
    uint64_t followers;
    uint64_t mcn_id;        /* 0: none */
    unsigned category;
    uint32_t nposts;
    uint32_t nunknown;      /* posts of unknown creators written after ours */
    double sponsor_share;   /* probability that a post is sponsored */
    double view_mu;         /* log of the median views of an organic post */
    double like_rate;       /* likes per view */
    double like_rate0;      /* the first model's (draws only) */
    double comment_ratio;   /* comments per like */
    double collect_ratio;   /* collects per like */
} creator;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static int ctx_init(gen_ctx *g, const pd_gen_options *o, pd_error *err)
{
    memset(g, 0, sizeof *g);
    g->seed = o->seed;
    g->ncreators = pd_gen_creator_count(o);
    if (g->ncreators < 1 || g->ncreators > PD_GEN_MAX_CREATORS)
        return pd_error_set(err, PD_EUSAGE, "--creators: %llu is out of range 1..%u",
                            (unsigned long long)g->ncreators, PD_GEN_MAX_CREATORS);
    g->nmcn = g->ncreators / CREATORS_PER_MCN ? g->ncreators / CREATORS_PER_MCN : 1;
    g->partners_only = o->preset == PD_GEN_PRESET_RED_2019;
    g->min_followers = g->partners_only ? RED2019_MIN_FOLLOWERS : 0.0;

    /* Whole seconds strictly before as_of; instants with milliseconds stay
     * below the next whole second, so below as_of too. */
    g->we = o->as_of.sec;
    g->ws = g->we - (int64_t)PD_GEN_WINDOW_DAYS * 86400;
    const int64_t lo = pd_days_from_civil(1970, 3, 1) * 86400;
    const int64_t hi = pd_days_from_civil(9999, 12, 1) * 86400;
    if (g->ws < 0 || g->we < lo || g->we > hi)
        return pd_error_set(err, PD_EUSAGE, "--as-of: must fall between 1970-03-01 and 9999-12-01");

    g->local_day0 = floor_div(g->ws + LOCAL_OFFSET, 86400);
    g->local_days = (uint64_t)(floor_div(g->we - 1 + LOCAL_OFFSET, 86400) - g->local_day0 + 1);
    g->date_day0 = floor_div(g->ws, 86400);
    for (int i = 0; i < DATE_LUT; i++) {
        pd_instant t = {(g->date_day0 + i) * 86400, 0};
        char buf[PD_INSTANT_FMT_MAX];
        pd_instant_format(t, buf);
        memcpy(g->date_lut[i], buf, 11);
    }

    double total = 0.0, acc = 0.0;
    for (int h = 0; h < 24; h++)
        total += hour_weight[h];
    unsigned h = 0;
    for (unsigned i = 0; i < (1u << HOUR_LUT_BITS); i++) {
        double u = (i + 0.5) / (double)(1u << HOUR_LUT_BITS) * total;
        while (h < 23 && u >= acc + hour_weight[h]) {
            acc += hour_weight[h];
            h++;
        }
        g->hour_lut[i] = (unsigned char)h;
    }
    return PD_OK;
}

/* Draws creator `id` from its stream: the same values in both passes. */
static void creator_draw(const gen_ctx *g, uint64_t id, creator *c)
{
    pd_rng r;
    pd_rng_stream(&r, g->seed, STREAM_CREATOR, id);

    c->category = (unsigned)pd_rng_pick(&r, category_share, NCATEGORIES);
    double f, size;
    int partner;
    do {
        f = pd_rng_lognormal(&r, log(FOLLOWERS_MEDIAN), FOLLOWERS_SIGMA);
        f = floor(f < FOLLOWERS_MAX ? f : FOLLOWERS_MAX);
        size = log((f + 1.0) / FOLLOWERS_MEDIAN);
        double odds = exp(PARTNER_INTERCEPT + PARTNER_SLOPE * log((f + 1.0) / PARTNER_PIVOT)) *
                      category_deals[c->category];
        partner = pd_rng_chance(&r, odds / (1.0 + odds));
    } while (g->partners_only && (f < g->min_followers || !partner));
    c->followers = (uint64_t)f;

    c->mcn_id = 0;
    if (pd_rng_chance(&r, clampd(MCN_SHARE + MCN_SIZE_SLOPE * size, 0.05, 0.9))) {
        double u = pd_rng_uniform(&r);
        c->mcn_id = 1 + (uint64_t)((double)g->nmcn * u * u);
    }

    double rate = exp((partner ? PARTNER_ACTIVITY_MU : ACTIVITY_MU) + ACTIVITY_SLOPE * size +
                      (partner ? PARTNER_ACTIVITY_SIGMA : ACTIVITY_SIGMA) * pd_rng_normal(&r));
    uint64_t n = pd_rng_poisson(&r, rate < ACTIVITY_MAX ? rate : ACTIVITY_MAX);
    c->nposts = (uint32_t)(n < MAX_POSTS ? n : MAX_POSTS);

    c->sponsor_share = 0.0;
    if (partner && pd_rng_chance(&r, HEAVY_SPONSORS))
        c->sponsor_share = HEAVY_MIN + (HEAVY_MAX - HEAVY_MIN) * pd_rng_uniform(&r);
    else if (partner)
        c->sponsor_share = pd_rng_lognormal(&r, log(PARTNER_SPONSOR_MEDIAN), PARTNER_SPONSOR_SIGMA);
    else if (pd_rng_chance(&r, HOBBY_DEALS))
        c->sponsor_share = pd_rng_lognormal(&r, log(HOBBY_SPONSOR_MEDIAN), HOBBY_SPONSOR_SIGMA);
    if (c->sponsor_share > 0.0)
        c->sponsor_share = clampd(c->sponsor_share, SPONSOR_MIN, SPONSOR_MAX);

    double reach = pd_rng_lognormal(&r, log(REACH_MEDIAN), REACH_SIGMA) *
                   category_reach[c->category];
    double base = pd_rng_lognormal(&r, log(BASE_VIEWS), 0.5);
    c->view_mu = log(f * reach + base);
    double z = pd_rng_normal(&r);
    c->like_rate = clampd(exp(log(LIKE_RATE_MEDIAN) + LIKE_RATE_SIGMA * z) *
                              category_engagement[c->category],
                          LIKE_RATE_MIN, LIKE_RATE_MAX);
    c->like_rate0 = clampd(exp(log(FIRST_LIKE_RATE_MEDIAN) + FIRST_LIKE_RATE_SIGMA * z), 0.001, 0.3);
    c->comment_ratio = pd_rng_lognormal(&r, log(COMMENT_RATIO_MEDIAN), 0.4);
    c->collect_ratio = pd_rng_lognormal(&r, log(COLLECT_RATIO_MEDIAN), 0.4);

    c->nunknown = (uint32_t)pd_rng_chance(&r, UNKNOWN_SHARE * c->nposts);
}

/* ---- handles ------------------------------------------------------------ */

static const char *const en_names[] = {
    "mia", "lily", "emma", "chloe", "grace", "zoe", "amy", "ivy", "luna", "coco",
    "kiki", "nina", "ella", "sophie", "anna", "jess", "kate", "leo", "max", "sam",
    "jack", "alex", "ryan", "ethan", "lucas", "olivia", "ruby", "daisy", "vivian", "cindy",
    "tina", "wendy", "yuki", "hana", "jenny", "kelly", "sunny", "candy", "momo", "eric",
};
static const char *const py_names[] = {
    "xiaomei", "lili", "tingting", "yuyu", "mengmeng", "jiajia", "xiaoyu", "weiwei",
    "nannan", "yaoyao", "duoduo", "xiaobai", "ajie", "apeng", "dabao", "xiaoxiao",
    "chenchen", "qiqi", "linlin", "doudou", "tangtang", "huanhuan", "xiaolu", "beibei",
};
static const char *const surnames[] = {
    "Chen", "Li", "Wang", "Zhang", "Liu", "Yang", "Huang", "Zhao", "Wu", "Zhou",
};
static const char *const topic_words[NCATEGORIES][5] = {
    {"makeup", "glow", "skincare", "lipstick", "beauty"},
    {"ootd", "style", "closet", "wear", "chic"},
    {"eats", "kitchen", "foodie", "bakes", "noodles"},
    {"travels", "wander", "trips", "roams", "journeys"},
    {"fit", "gym", "yoga", "runs", "strong"},
    {"mama", "baby", "family", "kids", "mom"},
    {"tech", "gadgets", "geek", "code", "pixel"},
    {"home", "nest", "decor", "living", "cozy"},
    {"cat", "pup", "meow", "paws", "corgi"},
    {"reads", "books", "pages", "shelf", "stories"},
};
static const char *const cn_names[] = {
    "小美", "阿杰", "糖糖", "七七", "豆豆", "大宝", "小鱼", "安安",
    "一只", "阿鹏", "圆圆", "果果", "米粒", "小橙子", "胖虎", "木木",
};
static const char *const cn_topics[NCATEGORIES][3] = {
    {"的美妆日记", "爱护肤", "的化妆包"},
    {"的衣橱", "穿搭日记", "爱穿搭"},
    {"爱吃", "的厨房", "探店中"},
    {"去旅行", "在路上", "的旅行手账"},
    {"健身中", "爱跑步", "练瑜伽"},
    {"妈妈", "育儿日记", "和宝宝"},
    {"玩数码", "的科技", "测评"},
    {"的家", "爱收纳", "家居日常"},
    {"和猫", "家的狗子", "铲屎官"},
    {"读书", "的书架", "读书笔记"},
};

#define PICK(r, table) (table)[pd_rng_below((r), sizeof(table) / sizeof((table)[0]))]

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static void sb_put(strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > b->cap - b->len)
        n = b->cap - b->len;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_title(strbuf *b, const char *s)
{
    size_t at = b->len;
    sb_put(b, s);
    if (at < b->len && b->p[at] >= 'a' && b->p[at] <= 'z')
        b->p[at] = (char)(b->p[at] - 'a' + 'A');
}

static void sb_digits(strbuf *b, uint64_t v)
{
    char d[24];
    size_t n = pd_fmt_u64(v, d);
    d[n] = '\0';
    sb_put(b, d);
}

/* Writes a handle for creator id into out (HANDLE_MAX bytes); returns its
 * length. About 1% contain a comma or double quotes. */
static size_t handle_draw(const gen_ctx *g, uint64_t id, unsigned category, char *out)
{
    pd_rng r;
    pd_rng_stream(&r, g->seed, STREAM_HANDLE, id);
    strbuf b = {out, 0, HANDLE_MAX};
    const char *topic = topic_words[category][pd_rng_below(&r, 5)];
    const char *name = pd_rng_chance(&r, 0.6) ? PICK(&r, en_names) : PICK(&r, py_names);
    static const char *const seps[] = {"_", ".", ""};
    static const double pattern_weight[] = {25, 8, 20, 11, 25, 10, 0.5, 0.5};
    switch (pd_rng_pick(&r, pattern_weight, 8)) {
    case 0: /* lily_makeup, lily.makeup77 */
        sb_put(&b, name);
        sb_put(&b, PICK(&r, seps));
        sb_put(&b, topic);
        if (pd_rng_chance(&r, 0.5))
            sb_digits(&b, pd_rng_below(&r, 100));
        break;
    case 1: /* makeupbylily, makeup_with_lily_520 */
        sb_put(&b, topic);
        sb_put(&b, pd_rng_chance(&r, 0.5) ? "by" : "_with_");
        sb_put(&b, name);
        if (pd_rng_chance(&r, 0.5)) {
            sb_put(&b, "_");
            sb_digits(&b, pd_rng_below(&r, 1000));
        }
        break;
    case 2: /* lili1996, coco_88 */
        sb_put(&b, name);
        sb_put(&b, PICK(&r, seps));
        sb_digits(&b, pd_rng_chance(&r, 0.5) ? 1980 + pd_rng_below(&r, 25) : pd_rng_below(&r, 1000));
        break;
    case 3: /* Mia Travels */
        sb_title(&b, name);
        sb_put(&b, " ");
        sb_title(&b, topic);
        break;
    case 4: /* 小美的美妆日记, 阿杰爱吃_3 */
        sb_put(&b, PICK(&r, cn_names));
        sb_put(&b, cn_topics[category][pd_rng_below(&r, 3)]);
        if (pd_rng_chance(&r, 0.6)) {
            sb_put(&b, pd_rng_chance(&r, 0.5) ? "_" : "");
            sb_digits(&b, pd_rng_below(&r, 1000));
        }
        break;
    case 5: /* 豆豆2018 */
        sb_put(&b, PICK(&r, cn_names));
        sb_digits(&b, pd_rng_below(&r, 10000));
        break;
    case 6: /* Lily, Makeup & More: needs quoting */
        sb_title(&b, name);
        sb_put(&b, ", ");
        sb_title(&b, topic);
        sb_put(&b, " & More");
        break;
    default: /* Lily "Glow" Chen: needs quoting and escaping */
        sb_title(&b, name);
        sb_put(&b, " \"");
        sb_title(&b, topic);
        sb_put(&b, "\" ");
        sb_put(&b, PICK(&r, surnames));
        break;
    }
    return b.len;
}

/* Appends field s[0..n) to p as RFC 4180 wants it: quoted, with quotes
 * doubled, when it holds a comma, a quote or a line break. */
static char *put_csv_field(char *p, const char *s, size_t n)
{
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
        memcpy(p, s, n);
        return p + n;
    }
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

/* ---- formatting posts --------------------------------------------------- */

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The hot loop's decimal writer: counts the digits, then writes them
 * backwards two at a time straight into the block buffer, in 32-bit
 * arithmetic once the value fits (pd_fmt_u64 goes one digit at a time
 * through a copy, which shows at 200 million numbers). */
static char *put_u64(char *p, uint64_t v)
{
    unsigned n = 1;
    for (uint64_t x = v;; x /= 10000, n += 4) {
        if (x < 10)
            break;
        if (x < 100) {
            n += 1;
            break;
        }
        if (x < 1000) {
            n += 2;
            break;
        }
        if (x < 10000) {
            n += 3;
            break;
        }
    }
    char *e = p + n, *s = e;
    while (v > UINT32_MAX) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--s = digit_pairs[d + 1];
        *--s = digit_pairs[d];
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        unsigned d = (w % 100) * 2;
        w /= 100;
        *--s = digit_pairs[d + 1];
        *--s = digit_pairs[d];
    }
    if (w >= 10) {
        *--s = digit_pairs[w * 2 + 1];
        *--s = digit_pairs[w * 2];
    } else {
        *--s = (char)('0' + w);
    }
    return e;
}

static char *put_2(char *p, unsigned v)
{
    p[0] = digit_pairs[v * 2];
    p[1] = digit_pairs[v * 2 + 1];
    return p + 2;
}

enum { SHOW_Z = 0, SHOW_OFFSET, SHOW_MILLIS };

/* Writes instant t (whole seconds, plus ms milliseconds when shown so) as
 * "2019-05-14T08:30:00Z", "2019-05-14T16:30:00+08:00" (the same instant on
 * the local clock) or "2019-05-14T08:30:00.250Z". */
static char *put_instant(const gen_ctx *g, char *p, int64_t t, int show, unsigned ms)
{
    int64_t shown = show == SHOW_OFFSET ? t + LOCAL_OFFSET : t;
    int64_t day = floor_div(shown, 86400);
    unsigned sod = (unsigned)(shown - day * 86400);
    memcpy(p, g->date_lut[day - g->date_day0], 11);
    p += 11;
    p = put_2(p, sod / 3600);
    *p++ = ':';
    p = put_2(p, sod / 60 % 60);
    *p++ = ':';
    p = put_2(p, sod % 60);
    if (show == SHOW_MILLIS) {
        *p++ = '.';
        *p++ = (char)('0' + ms / 100);
        p = put_2(p, ms % 100);
    }
    if (show == SHOW_OFFSET) {
        memcpy(p, "+08:00", 6);
        return p + 6;
    }
    *p++ = 'Z';
    return p;
}

/* A posting instant: a local day of the window, a local hour from the daily
 * rhythm, a second in that hour; again when it falls outside the window. */
static int64_t draw_instant(const gen_ctx *g, pd_rng *r)
{
    for (;;) {
        uint64_t x = pd_rng_next(r);
        unsigned hour = g->hour_lut[x >> (64 - HOUR_LUT_BITS)];
        uint64_t sec = ((x & 0xffffffffu) * 3600) >> 32;
        int64_t day = g->local_day0 + (int64_t)pd_rng_below(r, g->local_days);
        int64_t t = day * 86400 + hour * 3600 + (int64_t)sec - LOCAL_OFFSET;
        if (t >= g->ws && t < g->we)
            return t;
    }
}

/* Sorts a creator's instants (a few dozen, at most MAX_POSTS): quicksort
 * on the middle element down to short runs, then one insertion pass. A
 * direct comparison, unlike qsort's callback, keeps this off the profile. */
static void sort_instants(int64_t *a, size_t n)
{
    while (n > 16) {
        int64_t pivot = a[n / 2];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            int64_t t = a[i];
            a[i++] = a[j];
            a[j--] = t;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse into the smaller part. */
        size_t left = j + 1;
        if (left < n - left) {
            sort_instants(a, left);
            a += left;
            n -= left;
        } else {
            sort_instants(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        int64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* x >= 0 rounded down or up by u in [0, 1), as pd_rng_round does with a
 * number it draws. */
static uint64_t round_by(double x, double u)
{
    if (!(x > 0.0))
        return 0;
    uint64_t k = (uint64_t)x;
    return k + (u < x - (double)k);
}

/* Draws and writes one post of creator c. */
static char *put_post(const gen_ctx *g, pd_rng *r, char *p, uint64_t post_id,
                      uint64_t creator_id, int64_t t, const creator *c)
{
    int sponsored = pd_rng_uniform(r) < c->sponsor_share;
    double v = exp(c->view_mu + VIEW_SIGMA * pd_rng_normal(r));
    if (sponsored)
        v *= SPONSORED_VIEWS;
    if (pd_rng_uniform(r) < VIRAL_SHARE)
        v *= pd_rng_pareto(r, VIRAL_MIN, VIRAL_ALPHA);
    uint64_t views = pd_rng_round(r, v < VIEWS_MAX ? v : VIEWS_MAX);
    /* The numbers drawn here are those the first model drew: a rounding
     * number for likes when there are views, and one for comments and one
     * for collects when the first model's likes were not 0. */
    double noise = exp(LIKE_SIGMA * pd_rng_normal(r));
    double l = (double)views * c->like_rate * noise, l0 = (double)views * c->like_rate0 * noise;
    uint64_t likes = 0, likes0 = 0;
    if (views) {
        double u = pd_rng_uniform(r);
        likes = round_by(l < (double)views ? l : (double)views, u);
        likes0 = round_by(l0 < (double)views ? l0 : (double)views, u);
    }
    double uc = pd_rng_uniform(r);
    double cm = (double)likes * c->comment_ratio * (0.5 + uc);
    uint64_t comments = round_by(cm, likes0 ? pd_rng_uniform(r) : uc);
    double uk = pd_rng_uniform(r);
    double ck = (double)likes * c->collect_ratio * (0.5 + uk);
    uint64_t collects = round_by(ck, likes0 ? pd_rng_uniform(r) : uk);
    /* Nobody comments on or collects a post without seeing it. */
    if (comments > views)
        comments = views;
    if (collects > views)
        collects = views;

    double u = pd_rng_uniform(r);
    int show = u < OFFSET_SHARE ? SHOW_OFFSET : u < OFFSET_SHARE + FRACTION_SHARE ? SHOW_MILLIS
                                                                                   : SHOW_Z;
    unsigned ms = show == SHOW_MILLIS ? 1 + (unsigned)pd_rng_below(r, 999) : 0;

    p = put_u64(p, post_id);
    *p++ = ',';
    p = put_u64(p, creator_id);
    *p++ = ',';
    p = put_instant(g, p, t, show, ms);
    if (sponsored) {
        memcpy(p, ",sponsored,", 11);
        p += 11;
    } else {
        memcpy(p, ",organic,", 9);
        p += 9;
    }
    p = put_u64(p, views);
    *p++ = ',';
    p = put_u64(p, likes);
    *p++ = ',';
    p = put_u64(p, comments);
    *p++ = ',';
    p = put_u64(p, collects);
    *p++ = '\n';
    return p;
}

/* Writes the posts of creator id, in time order, then the unknown creators'
 * posts that follow it. `times` holds MAX_POSTS instants. */
static char *put_creator_posts(const gen_ctx *g, uint64_t id, uint64_t *post_id, int64_t *times,
                               char *p)
{
    creator c;
    creator_draw(g, id, &c);
    pd_rng r;
    pd_rng_stream(&r, g->seed, STREAM_POSTS, id);
    for (uint32_t i = 0; i < c.nposts; i++)
        times[i] = draw_instant(g, &r);
    sort_instants(times, c.nposts);
    for (uint32_t i = 0; i < c.nposts; i++)
        p = put_post(g, &r, p, (*post_id)++, id, times[i], &c);

    if (c.nunknown) {
        /* A creator of an id past the last one, made up on the spot. */
        pd_rng_stream(&r, g->seed, STREAM_UNKNOWN, id);
        creator u = {
            .sponsor_share = 0.1,
            .view_mu = log(3000.0) + pd_rng_normal(&r),
            .like_rate = LIKE_RATE_MEDIAN,
            .like_rate0 = FIRST_LIKE_RATE_MEDIAN,
            .comment_ratio = COMMENT_RATIO_MEDIAN,
            .collect_ratio = COLLECT_RATIO_MEDIAN,
        };
        for (uint32_t i = 0; i < c.nunknown; i++) {
            uint64_t uid = g->ncreators + 1 + pd_rng_below(&r, PD_GEN_UNKNOWN_CREATORS);
            p = put_post(g, &r, p, (*post_id)++, uid, draw_instant(g, &r), &u);
        }
    }
    return p;
}

/* ---- blocks and threads ------------------------------------------------- */

typedef struct block {
    uint64_t first_creator;
    uint64_t ncreators;
    uint64_t first_post;
    uint64_t nposts;
} block;

typedef struct slot {
    char *buf;     /* SLOT_BYTES */
    size_t len;
    int ready;     /* filled, waiting to be written */
} slot;

typedef struct pipeline {
    const gen_ctx *g;
    const block *blocks;
    size_t nblocks;
    slot *slots;
    size_t nslots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_block;  /* the next block a worker takes             */
    size_t written;     /* blocks written so far, in order           */
    int stop;           /* the writer gave up                        */
} pipeline;

static void fill_block(const gen_ctx *g, const block *b, slot *s)
{
    int64_t times[MAX_POSTS];
    uint64_t post_id = b->first_post;
    char *p = s->buf;
    for (uint64_t id = b->first_creator; id < b->first_creator + b->ncreators; id++)
        p = put_creator_posts(g, id, &post_id, times, p);
    s->len = (size_t)(p - s->buf);
}

static void *worker(void *arg)
{
    pipeline *pl = arg;
    pthread_mutex_lock(&pl->mu);
    for (;;) {
        while (!pl->stop && pl->next_block < pl->nblocks &&
               pl->next_block >= pl->written + pl->nslots)
            pthread_cond_wait(&pl->cv, &pl->mu);
        if (pl->stop || pl->next_block >= pl->nblocks)
            break;
        size_t b = pl->next_block++;
        slot *s = &pl->slots[b % pl->nslots];
        pthread_mutex_unlock(&pl->mu);
        fill_block(pl->g, &pl->blocks[b], s);
        pthread_mutex_lock(&pl->mu);
        s->ready = 1;
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

static int write_all(FILE *fp, const char *p, size_t n, const char *what, pd_error *err)
{
    if (n && fwrite(p, 1, n, fp) != n)
        return pd_error_set(err, PD_EIO, "%s: write failed: %s", what, strerror(errno));
    return PD_OK;
}

/* Writes every block's posts to fp in order, generating them on `threads`
 * threads (the calling one only writes when there are workers). */
static int write_posts(const gen_ctx *g, const block *blocks, size_t nblocks, unsigned threads,
                       FILE *fp, const char *what, _Atomic uint64_t *done, uint64_t *bytes,
                       pd_error *err)
{
    pipeline pl = {.g = g, .blocks = blocks, .nblocks = nblocks};
    pl.nslots = threads > 1 ? 2 * (size_t)threads : 1;
    pl.slots = calloc(pl.nslots, sizeof *pl.slots);
    if (!pl.slots)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = PD_OK;
    for (size_t i = 0; i < pl.nslots && rc == PD_OK; i++)
        if (!(pl.slots[i].buf = malloc(SLOT_BYTES)))
            rc = pd_error_set(err, PD_ENOMEM, "out of memory (%zu buffers of %zu bytes)",
                              pl.nslots, (size_t)SLOT_BYTES);

    pthread_t tid[PD_GEN_MAX_THREADS];
    unsigned started = 0;
    int piped = rc == PD_OK && threads > 1; /* a pipeline of threads is running */
    if (piped) {
        pthread_mutex_init(&pl.mu, NULL);
        pthread_cond_init(&pl.cv, NULL);
        for (; started < threads; started++) {
            int e = pthread_create(&tid[started], NULL, worker, &pl);
            if (e) {
                rc = pd_error_set(err, PD_ENOMEM, "cannot start a thread: %s", strerror(e));
                break;
            }
        }
    }

    for (size_t b = 0; b < nblocks && rc == PD_OK; b++) {
        slot *s = &pl.slots[b % pl.nslots];
        if (piped) {
            pthread_mutex_lock(&pl.mu);
            while (!s->ready)
                pthread_cond_wait(&pl.cv, &pl.mu);
            pthread_mutex_unlock(&pl.mu);
        } else {
            fill_block(g, &blocks[b], s);
        }
        rc = write_all(fp, s->buf, s->len, what, err);
        *bytes += s->len;
        atomic_fetch_add_explicit(done, blocks[b].nposts, memory_order_relaxed);
        if (piped) {
            pthread_mutex_lock(&pl.mu);
            s->ready = 0;
            pl.written++;
            pthread_cond_broadcast(&pl.cv);
            pthread_mutex_unlock(&pl.mu);
        }
    }

    if (piped) {
        pthread_mutex_lock(&pl.mu);
        pl.stop = 1;
        pthread_cond_broadcast(&pl.cv);
        pthread_mutex_unlock(&pl.mu);
        for (unsigned i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        pthread_cond_destroy(&pl.cv);
        pthread_mutex_destroy(&pl.mu);
    }
    for (size_t i = 0; i < pl.nslots; i++)
        free(pl.slots[i].buf);
    free(pl.slots);
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

/* mkdir -p: creates path and its missing parents. */
static int make_dirs(const char *path, pd_error *err)
{
    size_t n = strlen(path);
    char *p = malloc(n + 1);
    if (!p)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    memcpy(p, path, n + 1);
    int rc = PD_OK;
    for (size_t i = 1; i <= n && rc == PD_OK; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char keep = p[i];
        p[i] = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = pd_error_set(err, PD_EIO, "%s: cannot create directory: %s", p, strerror(errno));
        else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = pd_error_set(err, PD_EIO, "%s: not a directory", p);
        p[i] = keep;
    }
    free(p);
    return rc;
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (s) {
        memcpy(s, dir, a);
        s[a] = '/';
        memcpy(s + a + 1, name, b + 1);
    }
    return s;
}

/* Writes creators.csv and cuts the ids into blocks. */
static int write_creators(const gen_ctx *g, FILE *fp, const char *what, block **blocks_out,
                          size_t *nblocks_out, uint64_t *posts, uint64_t *unknown,
                          uint64_t *bytes, pd_error *err)
{
    static const char header[] = "creator_id,handle,category,followers,mcn_id\n";
    size_t cap = g->ncreators / 16384 + 16, nblocks = 0;
    block *blocks = malloc(cap * sizeof *blocks);
    if (!blocks)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = write_all(fp, header, sizeof header - 1, what, err);
    *bytes += sizeof header - 1;
    block cur = {.first_creator = 1, .first_post = 1};
    char line[3 * 24 + 2 * HANDLE_MAX + 2 + 16 + 8];
    for (uint64_t id = 1; id <= g->ncreators && rc == PD_OK; id++) {
        creator c;
        creator_draw(g, id, &c);
        char handle[HANDLE_MAX];
        size_t hlen = handle_draw(g, id, c.category, handle);
        char *p = line;
        p = put_u64(p, id);
        *p++ = ',';
        p = put_csv_field(p, handle, hlen);
        *p++ = ',';
        size_t cl = strlen(category_name[c.category]);
        memcpy(p, category_name[c.category], cl);
        p += cl;
        *p++ = ',';
        p = put_u64(p, c.followers);
        *p++ = ',';
        if (c.mcn_id)
            p = put_u64(p, c.mcn_id);
        *p++ = '\n';
        rc = write_all(fp, line, (size_t)(p - line), what, err);
        *bytes += (uint64_t)(p - line);

        cur.ncreators++;
        cur.nposts += c.nposts + c.nunknown;
        *unknown += c.nunknown;
        if (cur.nposts >= BLOCK_POSTS || cur.ncreators >= BLOCK_CREATORS || id == g->ncreators) {
            if (nblocks == cap) {
                block *nb = realloc(blocks, 2 * cap * sizeof *blocks);
                if (!nb) {
                    rc = pd_error_set(err, PD_ENOMEM, "out of memory");
                    break;
                }
                blocks = nb;
                cap *= 2;
            }
            blocks[nblocks++] = cur;
            block next = {.first_creator = id + 1, .first_post = cur.first_post + cur.nposts};
            cur = next;
        }
    }
    *posts = cur.first_post - 1;
    if (rc != PD_OK) {
        free(blocks);
        return rc;
    }
    *blocks_out = blocks;
    *nblocks_out = nblocks;
    return PD_OK;
}

void pd_gen_options_init(pd_gen_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->as_of.sec = pd_days_from_civil(2019, 6, 1) * 86400;
    o->as_of.nsec = 0;
    o->preset = PD_GEN_PRESET_NONE;
}

int pd_gen_preset_from_name(const char *name, pd_gen_preset *out)
{
    if (strcmp(name, "red-2019") == 0) {
        *out = PD_GEN_PRESET_RED_2019;
        return 0;
    }
    if (strcmp(name, "none") == 0) {
        *out = PD_GEN_PRESET_NONE;
        return 0;
    }
    return -1;
}

const char *pd_gen_preset_name(pd_gen_preset p)
{
    return p == PD_GEN_PRESET_RED_2019 ? "red-2019" : "none";
}

uint64_t pd_gen_creator_count(const pd_gen_options *o)
{
    if (o->creators)
        return o->creators;
    return o->preset == PD_GEN_PRESET_RED_2019 ? PD_GEN_RED_2019_CREATORS
                                               : PD_GEN_DEFAULT_CREATORS;
}

/* pd_progress's view of the posts written so far: the total passed to it is
 * the number of posts, so the posts stand in for its bytes too. */
static void poll_done(void *ctx, uint64_t *bytes, uint64_t *rows)
{
    *bytes = *rows = atomic_load_explicit((_Atomic uint64_t *)ctx, memory_order_relaxed);
}

static unsigned auto_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 2 ? 2 : 1;
}

int pd_gen_run(const pd_gen_options *o, pd_gen_summary *out, pd_error *err)
{
    if (!o->out_dir || !o->out_dir[0])
        return pd_error_set(err, PD_EUSAGE, "--out: a directory is required");
    unsigned threads = o->threads ? o->threads : auto_threads();
    if (threads > PD_GEN_MAX_THREADS)
        threads = PD_GEN_MAX_THREADS;
    gen_ctx *g = malloc(sizeof *g);
    if (!g)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    int rc = ctx_init(g, o, err);
    if (rc == PD_OK)
        rc = make_dirs(o->out_dir, err);

    pd_gen_summary sum = {0};
    char *cpath = join_path(o->out_dir, "creators.csv");
    char *ppath = join_path(o->out_dir, "posts.csv");
    if (rc == PD_OK && (!cpath || !ppath))
        rc = pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_outfile cf = {0}, pf = {0};
    int cf_open = 0, pf_open = 0;
    if (rc == PD_OK)
        cf_open = (rc = pd_outfile_open(&cf, cpath, err)) == PD_OK;
    if (rc == PD_OK)
        pf_open = (rc = pd_outfile_open(&pf, ppath, err)) == PD_OK;

    block *blocks = NULL;
    size_t nblocks = 0;
    if (rc == PD_OK)
        rc = write_creators(g, cf.fp, cpath, &blocks, &nblocks, &sum.posts,
                            &sum.posts_unknown_creator, &sum.creators_bytes, err);
    if (rc == PD_OK) {
        static const char header[] =
            "post_id,creator_id,published_at,kind,views,likes,comments,collects\n";
        rc = write_all(pf.fp, header, sizeof header - 1, ppath, err);
        sum.posts_bytes += sizeof header - 1;
    }
    if (rc == PD_OK) {
        _Atomic uint64_t done = 0;
        pd_progress *pg = pd_progress_start(o->progress, "posts.csv", sum.posts, poll_done, &done);
        rc = write_posts(g, blocks, nblocks, threads, pf.fp, ppath, &done, &sum.posts_bytes, err);
        pd_progress_stop(pg);
    }
    /* Both complete: put both in place (a commit that fails aborts itself). */
    if (rc == PD_OK) {
        cf_open = 0;
        rc = pd_outfile_commit(&cf, err);
    }
    if (rc == PD_OK) {
        pf_open = 0;
        rc = pd_outfile_commit(&pf, err);
    }
    if (cf_open)
        pd_outfile_abort(&cf);
    if (pf_open)
        pd_outfile_abort(&pf);
    if (rc == PD_OK) {
        sum.creators = g->ncreators;
        if (out)
            *out = sum;
    }
    free(blocks);
    free(cpath);
    free(ppath);
    free(g);
    return rc;
}

/* ---- MCN names and follower histories (for a demo store) ---------------------- */

static const char *const mcn_heads[][2] = {
    {"星河", "Xinghe"},   {"青藤", "Qingteng"},   {"云朵", "Yunduo"},  {"木棉", "Mumian"},
    {"蓝鲸", "Lanjing"},  {"橙子", "Chengzi"},    {"初心", "Chuxin"},  {"麦芽", "Maiya"},
    {"银河", "Yinhe"},    {"锦鲤", "Jinli"},      {"青柠", "Qingning"}, {"白鹭", "Bailu"},
    {"嘉禾", "Jiahe"},    {"星辰", "Xingchen"},   {"向日葵", "Sunflower"}, {"繁星", "Fanxing"},
    {"森林", "Senlin"},   {"海盐", "Haiyan"},     {"小象", "Xiaoxiang"}, {"火烈鸟", "Flamingo"},
    {"南风", "Nanfeng"},  {"知了", "Zhiliao"},    {"熊猫", "Panda"},   {"晨光", "Chenguang"},
};
static const char *const mcn_tails[][2] = {
    {"传媒", "Media"},        {"文化", "Culture"},      {"网络科技", "Network"},
    {"互娱", "Entertainment"}, {"文化传播", "Communications"}, {"MCN", "Creators"},
    {"娱乐", "Studio"},        {"影视", "Pictures"},
};
#define MCN_HEADS (sizeof mcn_heads / sizeof mcn_heads[0])
#define MCN_TAILS (sizeof mcn_tails / sizeof mcn_tails[0])
#define MCN_STRIDE 53 /* coprime with MCN_HEADS * MCN_TAILS: a permutation */

uint64_t pd_gen_mcn_count(const pd_gen_options *o)
{
    uint64_t n = pd_gen_creator_count(o);
    return n / CREATORS_PER_MCN ? n / CREATORS_PER_MCN : 1;
}

void pd_gen_mcn_name(uint64_t seed, uint64_t mcn_id, char out[PD_GEN_MCN_NAME_MAX])
{
    const uint64_t combos = MCN_HEADS * MCN_TAILS;
    uint64_t k = mcn_id ? mcn_id - 1 : 0;
    uint64_t c = (k % combos * MCN_STRIDE + seed % combos) % combos, round = k / combos;
    const char *const *h = mcn_heads[c / MCN_TAILS], *const *t = mcn_tails[c % MCN_TAILS];
    if (round)
        snprintf(out, PD_GEN_MCN_NAME_MAX, "%s%s %s %s %llu", h[0], t[0], h[1], t[1],
                 (unsigned long long)round + 1);
    else
        snprintf(out, PD_GEN_MCN_NAME_MAX, "%s%s %s %s", h[0], t[0], h[1], t[1]);
}

void pd_gen_follower_history(uint64_t seed, uint64_t creator_id, uint64_t followers,
                             uint64_t *out, unsigned days)
{
    if (days == 0)
        return;
    pd_rng r;
    pd_rng_stream(&r, seed, STREAM_FOLLOWERS, creator_id);
    double growth;
    if (pd_rng_chance(&r, DECLINE_SHARE))
        growth = -clampd(pd_rng_lognormal(&r, log(DECLINE_MEDIAN), 0.6), 0.0, DECLINE_MAX);
    else
        growth = clampd(pd_rng_lognormal(&r, log(GROWTH_MEDIAN), GROWTH_SIGMA), 0.0, GROWTH_MAX);
    double now = (double)followers, start = now / (1.0 + growth);
    /* Each day's share of the change: exponential weights, one day of them
     * perhaps far heavier. w[d] is the change from day d to day d + 1. */
    double w[PD_GEN_HISTORY_DAYS_MAX], total = 0.0;
    if (days > PD_GEN_HISTORY_DAYS_MAX)
        days = PD_GEN_HISTORY_DAYS_MAX;
    for (unsigned d = 0; d < days; d++)
        total += w[d] = pd_rng_exponential(&r, 1.0);
    if (pd_rng_chance(&r, JUMP_SHARE)) {
        unsigned d = (unsigned)pd_rng_below(&r, days);
        double extra = pd_rng_exponential(&r, JUMP_WEIGHT);
        w[d] += extra;
        total += extra;
    }
    /* out[d]: the count days - d days before now; the changes after it sum
     * to now - out[d]. */
    double after = 0.0;
    for (unsigned d = days; d-- > 0;) {
        after += w[d];
        double v = now - (now - start) * after / total;
        out[d] = v <= 0.0 ? 0 : (uint64_t)(v + 0.5);
    }
}
