/* show.c - see show.h. */
#include "api/show.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/instant.h"
#include "util/num.h"
#include "core/shortfall.h"

const char *pd_show_count(uint64_t v, char buf[PD_SHOW_MAX])
{
    pd_fmt_thousands(v, buf);
    return buf;
}

const char *pd_show_decimal(uint64_t hundredths, char buf[PD_SHOW_MAX])
{
    size_t n = pd_fmt_thousands(hundredths / 100, buf);
    unsigned frac = (unsigned)(hundredths % 100);
    if (frac % 10)
        snprintf(buf + n, PD_SHOW_MAX - n, ".%02u", frac);
    else if (frac)
        snprintf(buf + n, PD_SHOW_MAX - n, ".%u", frac / 10);
    return buf;
}

const char *pd_show_views(uint64_t hundredths, char buf[PD_SHOW_MAX])
{
    return pd_show_count(hundredths / 100, buf);
}

const char *pd_show_percent(uint32_t bp, char buf[PD_SHOW_MAX])
{
    uint64_t tenths = ((uint64_t)bp + 5) / 10;
    size_t n = pd_fmt_thousands(tenths / 10, buf);
    snprintf(buf + n, PD_SHOW_MAX - n, ".%u%%", (unsigned)(tenths % 10));
    return buf;
}

const char *pd_show_noun(uint64_t n, const char *one, const char *many, char buf[PD_SHOW_NOUN_MAX])
{
    char c[PD_SHOW_MAX];
    snprintf(buf, PD_SHOW_NOUN_MAX, "%s %s", pd_show_count(n, c), n == 1 ? one : many);
    return buf;
}

const char *pd_show_day(int64_t day, char buf[16])
{
    int64_t y;
    unsigned m, d;
    pd_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04lld-%02u-%02u", (long long)y, m % 100, d % 100);
    return buf;
}

const char *pd_show_threshold(pd_rule r, uint64_t t, char buf[PD_SHOW_MAX])
{
    return pd_rule_is_decimal(r) ? pd_show_decimal(t, buf) : pd_show_count(t, buf);
}

static int is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == ':';
}

void pd_show_digits(pd_buf *out, const char *text)
{
    const char *p = text ? text : "";
    while (*p) {
        if (*p < '0' || *p > '9') {
            pd_buf_putc(out, *p++);
            continue;
        }
        const char *start = p;
        while (*p >= '0' && *p <= '9')
            p++;
        size_t n = (size_t)(p - start);
        int plain = (start > text && (is_word(start[-1]) || start[-1] == '.')) || is_word(*p) ||
                    n < 4 || n > 20;
        for (size_t i = 0; i < n; i++) {
            if (!plain && i > 0 && (n - i) % 3 == 0)
                pd_buf_putc(out, ',');
            pd_buf_putc(out, start[i]);
        }
    }
}

const char *pd_show_rule_label(pd_rule r)
{
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: return "Followers";
    case PD_RULE_MIN_AVG_VIEWS: return "Average views per post";
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED: return "Organic posts per sponsored post";
    case PD_RULE_MIN_SPONSORED: return "Sponsored posts (at least)";
    case PD_RULE_MIN_POSTS: return "Posts (at least)";
    case PD_RULE_MAX_SPONSORED: return "Sponsored posts (at most)";
    default: return "?";
    }
}

void pd_show_rule_value(pd_buf *out, const pd_policy *p, pd_rule r, uint64_t followers,
                        const pd_window_stats *w)
{
    char n1[PD_SHOW_MAX], n2[PD_SHOW_MAX];
    if (pd_rule_needs_posts(r) && w->posts == 0) {
        pd_buf_printf(out, "no posts in the %u-day window", p->window_days);
        return;
    }
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS: pd_buf_puts(out, pd_show_count(followers, n1)); return;
    case PD_RULE_MIN_AVG_VIEWS:
        pd_buf_puts(out, pd_show_views(pd_avg_hundredths(w->views, w->posts), n1));
        return;
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED:
        pd_buf_printf(out, "%s organic, %s sponsored", pd_show_count(w->posts - w->sponsored, n1),
                      pd_show_count(w->sponsored, n2));
        return;
    case PD_RULE_MIN_SPONSORED:
    case PD_RULE_MAX_SPONSORED: pd_buf_puts(out, pd_show_count(w->sponsored, n1)); return;
    case PD_RULE_MIN_POSTS: pd_buf_puts(out, pd_show_count(w->posts, n1)); return;
    default: return;
    }
}

void pd_show_rule_needed(pd_buf *out, const pd_policy *p, pd_rule r)
{
    char t[PD_SHOW_MAX];
    pd_show_threshold(r, p->threshold[r], t);
    if (r == PD_RULE_MIN_ORGANIC_PER_SPONSORED)
        pd_buf_printf(out, "%s per sponsored", t);
    else if (r == PD_RULE_MAX_SPONSORED)
        pd_buf_printf(out, "at most %s", t);
    else
        pd_buf_puts(out, t);
}

void pd_show_advice(pd_buf *out, const pd_policy *p, pd_rule r, uint64_t followers,
                    const pd_window_stats *w, const char *by)
{
    char n1[PD_SHOW_NOUN_MAX], n2[PD_SHOW_NOUN_MAX], t[PD_SHOW_MAX], when[64];
    uint64_t more = pd_rule_shortfall(p, r, followers, w);
    uint64_t posts = w->posts;
    /* "within 30 days" or "by 2019-06-03" */
    if (by)
        snprintf(when, sizeof when, "by %.40s", by);
    else
        snprintf(when, sizeof when, "within %s", pd_show_noun(p->window_days, "day", "days", n1));
    if (pd_rule_needs_posts(r) && posts == 0) {
        if (by)
            pd_buf_printf(out,
                          "Publish a post %s: every rule about posts needs at least one post "
                          "in the %u-day window.",
                          when, p->window_days);
        else
            pd_buf_printf(out,
                          "Publish posts: every rule about posts needs at least one post in "
                          "the last %s.",
                          pd_show_noun(p->window_days, "day", "days", n1));
        return;
    }
    switch (r) {
    case PD_RULE_MIN_FOLLOWERS:
        pd_buf_printf(out, "Gain %s more %s%s%s.", pd_show_count(more, t),
                      more == 1 ? "follower" : "followers", by ? " " : "", by ? when : "");
        return;
    case PD_RULE_MIN_AVG_VIEWS:
        pd_show_threshold(r, p->threshold[r], t);
        pd_buf_printf(out, "Raise your average views per post to %s%s%s: ", t, by ? " " : "",
                      by ? when : "");
        pd_buf_printf(out, "%s %s in the window %s %s more %s in all.", by ? "the" : "your",
                      pd_show_noun(posts, "post", "posts", n1), posts == 1 ? "needs" : "need",
                      pd_show_count(more, n2), more == 1 ? "view" : "views");
        return;
    case PD_RULE_MIN_ORGANIC_PER_SPONSORED:
        pd_buf_printf(
            out, "Publish %s more organic (not sponsored) %s %s, or fewer sponsored ones.",
            pd_show_count(more, t), more == 1 ? "post" : "posts", by ? when : "in the window");
        return;
    case PD_RULE_MIN_SPONSORED:
        pd_buf_printf(out, "Publish %s more sponsored %s %s.", pd_show_count(more, t),
                      more == 1 ? "post" : "posts", when);
        return;
    case PD_RULE_MIN_POSTS:
        pd_buf_printf(out, "Publish %s more %s %s.", pd_show_count(more, t),
                      more == 1 ? "post" : "posts", when);
        return;
    case PD_RULE_MAX_SPONSORED:
        pd_buf_printf(out,
                      "Publish no more sponsored posts until %s of them %s left the %u-day "
                      "window.",
                      pd_show_count(more, t), more == 1 ? "has" : "have", p->window_days);
        return;
    default: return;
    }
}
