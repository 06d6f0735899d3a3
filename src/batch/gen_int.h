/*
 * gen_int.h - what the files of the generator share (batch/gen.h is the
 * public side): the model's constants, the run's fixed context and a
 * creator as drawn, and the functions the files call across.
 *   gen.c        the run: directories, creators.csv, then posts.csv
 *   gen_model.c  the model: the context, a creator's draw, handles, MCN
 *                names and follower histories (the model is described in
 *                gen.c)
 *   gen_posts.c  posts: formatting them, the blocks and the threads that
 *                write posts.csv
 * Functions shared between them are prefixed pd_gen__.
 */
#ifndef PD_BATCH_GEN_INT_H
#define PD_BATCH_GEN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "batch/gen.h"
#include "core/rng.h"
#include "util/error.h"

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

#define FOLLOWERS_MEDIAN 1500.0
#define FOLLOWERS_SIGMA 1.8
#define FOLLOWERS_MAX 5e7
#define RED2019_MIN_FOLLOWERS 1000.0

#define MCN_SHARE 0.40      /* of creators of median size               */
#define MCN_SIZE_SLOPE 0.06 /* per unit of log(followers / median)      */
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
#define ACTIVITY_MAX 1200.0 /* 20 a day */
#define MAX_POSTS 2000u     /* per creator, after Poisson noise */

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

#define REACH_MEDIAN 1.05 /* views of a typical post per follower     */
#define REACH_SIGMA 0.70
#define BASE_VIEWS 150.0     /* what the recommendation feed brings anyone */
#define VIEW_SIGMA 0.80      /* per post                                 */
#define SPONSORED_VIEWS 0.80 /* a sponsored post is seen a little less   */
#define VIRAL_SHARE 0.004
#define VIRAL_MIN 3.0
#define VIRAL_ALPHA 1.5
#define VIEWS_MAX 1e11

#define LIKE_RATE_MEDIAN 0.0315 /* likes per view: 5.1% engagement on average */
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
#define JUMP_SHARE 0.35 /* creators with a day of sudden growth      */
#define JUMP_WEIGHT 8.0 /* that day's mean weight, in ordinary days */

#define UNKNOWN_SHARE 0.0001    /* of posts: creators missing from creators.csv */
#define OFFSET_SHARE 0.01       /* of instants written as +08:00             */
#define FRACTION_SHARE 0.01     /* of instants written with milliseconds     */
#define LOCAL_OFFSET (8 * 3600) /* the audience's clock: posting hours, +08:00 */

/* ---- sizes -------------------------------------------------------------- */

#define BLOCK_POSTS 32768u    /* a block closes once it holds this many posts */
#define BLOCK_CREATORS 65536u /* or this many creators                      */
#define MAX_UNKNOWN 1u        /* unknown posts after one creator            */
/* Longest post line: two ids and four counts of at most 20 digits, the
 * longest instant (25), ",sponsored," and the other separators. */
#define POST_LINE_MAX (6 * 20 + 25 + 11 + 5 + 1)
#define SLOT_BYTES (((size_t)BLOCK_POSTS + MAX_POSTS + MAX_UNKNOWN) * POST_LINE_MAX)
#define HANDLE_MAX 128 /* bytes of a handle before CSV quoting       */
#define DATE_LUT 64    /* days an instant of the window may show     */
#define HOUR_LUT_BITS 12

/* ---- the run's fixed context -------------------------------------------- */

typedef struct gen_ctx {
    uint64_t seed;
    uint64_t ncreators;
    uint64_t nmcn;
    double min_followers;
    int partners_only;  /* the red-2019 preset                       */
    int64_t ws, we;     /* posts in [ws, we), whole seconds           */
    int64_t local_day0; /* first local (+08:00) day touching the window */
    uint64_t local_days;
    int64_t date_day0;           /* day of date_lut[0]                         */
    char date_lut[DATE_LUT][11]; /* "YYYY-MM-DDT" */
    unsigned char hour_lut[1u << HOUR_LUT_BITS];
} gen_ctx;

typedef struct creator {
    uint64_t followers;
    uint64_t mcn_id; /* 0: none */
    unsigned category;
    uint32_t nposts;
    uint32_t nunknown;    /* posts of unknown creators written after ours */
    double sponsor_share; /* probability that a post is sponsored */
    double view_mu;       /* log of the median views of an organic post */
    double like_rate;     /* likes per view */
    double like_rate0;    /* the first model's (draws only) */
    double comment_ratio; /* comments per like */
    double collect_ratio; /* collects per like */
} creator;

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* A block of creators whose posts one thread formats at a time: creators
 * [first_creator, + ncreators), their posts numbered from first_post. */
typedef struct block {
    uint64_t first_creator;
    uint64_t ncreators;
    uint64_t first_post;
    uint64_t nposts;
} block;

/* The category names, by a creator's category index (gen_model.c). */
extern const char *const pd_gen__category_name[NCATEGORIES];

/* gen_model.c */
int pd_gen__ctx_init(gen_ctx *g, const pd_gen_options *o, pd_error *err);
void pd_gen__creator_draw(const gen_ctx *g, uint64_t id, creator *c);
size_t pd_gen__handle_draw(const gen_ctx *g, uint64_t id, unsigned category, char *out);
char *pd_gen__put_csv_field(char *p, const char *s, size_t n);

/* gen_posts.c */
char *pd_gen__put_u64(char *p, uint64_t v);
int pd_gen__write_all(FILE *fp, const char *p, size_t n, const char *what, pd_error *err);
int pd_gen__write_posts(const gen_ctx *g, const block *blocks, size_t nblocks, unsigned threads,
                        FILE *fp, const char *what, _Atomic uint64_t *done, uint64_t *bytes,
                        pd_error *err);

#endif
