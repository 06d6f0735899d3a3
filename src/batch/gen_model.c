/* gen_model.c - see gen_int.h: the model of a creator (gen.c describes it),
 * drawn from the creator's own random streams, its handle, and the MCN
 * names and follower histories a demo store adds. */
#include "batch/gen_int.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t pd_gen_creator_count(const pd_gen_options *o)
{
    if (o->creators)
        return o->creators;
    return o->preset == PD_GEN_PRESET_RED_2019 ? PD_GEN_RED_2019_CREATORS : PD_GEN_DEFAULT_CREATORS;
}

#include "batch/progress.h"
#include "util/num.h"
#include "core/rng.h"
#include "util/atomic_file.h"

/* ---- the model's tables ------------------------------------------------ */

const char *const pd_gen__category_name[NCATEGORIES] = {
    "beauty", "fashion", "food", "travel", "fitness", "parenting", "tech", "home", "pets", "books",
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
/* Posting hours on the local clock, relative: lunch and the evening. */
static const double hour_weight[24] = {
    3.0, 1.5, 0.8, 0.5, 0.4, 0.6, 1.5, 3.0, 4.0, 4.0, 4.0, 5.0,
    7.0, 6.0, 4.0, 4.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 8.0, 5.0,
};

int pd_gen__ctx_init(gen_ctx *g, const pd_gen_options *o, pd_error *err)
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
void pd_gen__creator_draw(const gen_ctx *g, uint64_t id, creator *c)
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

    double reach =
        pd_rng_lognormal(&r, log(REACH_MEDIAN), REACH_SIGMA) * category_reach[c->category];
    double base = pd_rng_lognormal(&r, log(BASE_VIEWS), 0.5);
    c->view_mu = log(f * reach + base);
    double z = pd_rng_normal(&r);
    c->like_rate =
        clampd(exp(log(LIKE_RATE_MEDIAN) + LIKE_RATE_SIGMA * z) * category_engagement[c->category],
               LIKE_RATE_MIN, LIKE_RATE_MAX);
    c->like_rate0 =
        clampd(exp(log(FIRST_LIKE_RATE_MEDIAN) + FIRST_LIKE_RATE_SIGMA * z), 0.001, 0.3);
    c->comment_ratio = pd_rng_lognormal(&r, log(COMMENT_RATIO_MEDIAN), 0.4);
    c->collect_ratio = pd_rng_lognormal(&r, log(COLLECT_RATIO_MEDIAN), 0.4);

    c->nunknown = (uint32_t)pd_rng_chance(&r, UNKNOWN_SHARE * c->nposts);
}

/* ---- handles ------------------------------------------------------------ */

static const char *const en_names[] = {
    "mia",  "lily",  "emma", "chloe",  "grace", "zoe",    "amy",   "ivy",   "luna",   "coco",
    "kiki", "nina",  "ella", "sophie", "anna",  "jess",   "kate",  "leo",   "max",    "sam",
    "jack", "alex",  "ryan", "ethan",  "lucas", "olivia", "ruby",  "daisy", "vivian", "cindy",
    "tina", "wendy", "yuki", "hana",   "jenny", "kelly",  "sunny", "candy", "momo",   "eric",
};
static const char *const py_names[] = {
    "xiaomei",  "lili",   "tingting", "yuyu",    "mengmeng", "jiajia",   "xiaoyu", "weiwei",
    "nannan",   "yaoyao", "duoduo",   "xiaobai", "ajie",     "apeng",    "dabao",  "xiaoxiao",
    "chenchen", "qiqi",   "linlin",   "doudou",  "tangtang", "huanhuan", "xiaolu", "beibei",
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
    "小美", "阿杰", "糖糖", "七七", "豆豆", "大宝",   "小鱼", "安安",
    "一只", "阿鹏", "圆圆", "果果", "米粒", "小橙子", "胖虎", "木木",
};
static const char *const cn_topics[NCATEGORIES][3] = {
    {"的美妆日记", "爱护肤", "的化妆包"}, {"的衣橱", "穿搭日记", "爱穿搭"},
    {"爱吃", "的厨房", "探店中"},         {"去旅行", "在路上", "的旅行手账"},
    {"健身中", "爱跑步", "练瑜伽"},       {"妈妈", "育儿日记", "和宝宝"},
    {"玩数码", "的科技", "测评"},         {"的家", "爱收纳", "家居日常"},
    {"和猫", "家的狗子", "铲屎官"},       {"读书", "的书架", "读书笔记"},
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
size_t pd_gen__handle_draw(const gen_ctx *g, uint64_t id, unsigned category, char *out)
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
        sb_digits(&b,
                  pd_rng_chance(&r, 0.5) ? 1980 + pd_rng_below(&r, 25) : pd_rng_below(&r, 1000));
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
char *pd_gen__put_csv_field(char *p, const char *s, size_t n)
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

/* ---- MCN names and follower histories (for a demo store) ---------------------- */

static const char *const mcn_heads[][2] = {
    {"星河", "Xinghe"},  {"青藤", "Qingteng"}, {"云朵", "Yunduo"},      {"木棉", "Mumian"},
    {"蓝鲸", "Lanjing"}, {"橙子", "Chengzi"},  {"初心", "Chuxin"},      {"麦芽", "Maiya"},
    {"银河", "Yinhe"},   {"锦鲤", "Jinli"},    {"青柠", "Qingning"},    {"白鹭", "Bailu"},
    {"嘉禾", "Jiahe"},   {"星辰", "Xingchen"}, {"向日葵", "Sunflower"}, {"繁星", "Fanxing"},
    {"森林", "Senlin"},  {"海盐", "Haiyan"},   {"小象", "Xiaoxiang"},   {"火烈鸟", "Flamingo"},
    {"南风", "Nanfeng"}, {"知了", "Zhiliao"},  {"熊猫", "Panda"},       {"晨光", "Chenguang"},
};
static const char *const mcn_tails[][2] = {
    {"传媒", "Media"},
    {"文化", "Culture"},
    {"网络科技", "Network"},
    {"互娱", "Entertainment"},
    {"文化传播", "Communications"},
    {"MCN", "Creators"},
    {"娱乐", "Studio"},
    {"影视", "Pictures"},
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

void pd_gen_follower_history(uint64_t seed, uint64_t creator_id, uint64_t followers, uint64_t *out,
                             unsigned days)
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
