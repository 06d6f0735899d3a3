/* pages.c - the web pages (see pages.h): HTML written straight into the
 * request's answer buffer, one function per page, with the frame (head,
 * navigation) and the escaping shared. No templates: the pages are few and
 * small, and C code that writes them is as easy to read as a template
 * language would be, with the escaping impossible to forget in one place. */
#include "pages/pages.h"
#include "pages/template.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/creator.h"
#include "core/instant.h"
#include "core/policy.h"
#include "http/assets.h"
#include "api/mcns.h"
#include "http/request.h"
#include "api/show.h"
#include "util/log.h"
#include "util/svg.h"

#define PAGE_ROWS 25             /* creators on one discovery page */
#define HISTORY_ROWS 20          /* status changes shown on a profile */
#define FOLLOWER_POINTS_MAX 2000 /* points of the follower chart */
#define FORM_FIELDS_MAX 16       /* fields of a submitted form we look at */

/* ---- escaping and small writers -------------------------------------------------- */

static void esc(pd_buf *b, const char *s)
{
    pd_html_escape(b, s);
}

/* Numbers as every page shows them (http/show.h): "1,234,567" (buf: 32
 * bytes), and hundredths with only the decimals they need, "2.5",
 * "10,000" (buf: 40 bytes). */
static const char *fmt_u64(uint64_t v, char *buf)
{
    return pd_show_count(v, buf);
}

static const char *fmt_hundredths(uint64_t v, char *buf)
{
    return pd_show_decimal(v, buf);
}

/* "2019-06-01 12:00 UTC" for seconds since the epoch. */
static const char *fmt_time(int64_t sec, char *buf)
{
    char iso[PD_INSTANT_FMT_MAX];
    pd_instant_format((pd_instant){.sec = sec, .nsec = 0}, iso);
    snprintf(buf, 40, "%.10s %.5s UTC", iso, iso + 11);
    return buf;
}

/* Appends name=value to a query string being built (percent-encoded). */
static void qs_add(pd_buf *b, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    if (b->len > 0)
        pd_buf_putc(b, '&');
    pd_buf_puts(b, name);
    pd_buf_putc(b, '=');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            pd_buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            pd_buf_append(b, e, 3);
        }
    }
}

static const pd_asset *asset_find(const char *name)
{
    for (size_t i = 0; i < pd_assets_count; i++)
        if (strcmp(pd_assets[i].name, name) == 0)
            return &pd_assets[i];
    return NULL;
}

/* The link to a static file, with its version: /static/app.css?v=3f2a... */
static void asset_url(pd_buf *b, const char *name)
{
    const pd_asset *a = asset_find(name);
    pd_buf_printf(b, "/static/%s?v=%s", name, a ? a->version : "0");
}

/* Where each role's work is, the page they land on: a creator on their own
 * verdict, an MCN manager on their roster, an operator on the policy
 * simulator, brand staff on discovery. buf: 48 bytes. */
static const char *home_path(const pd_user *u, char *buf)
{
    if (u && u->role == PD_ROLE_CREATOR && u->creator_id > 0)
        snprintf(buf, 48, "/creators/%" PRId64, u->creator_id);
    else if (u && u->role == PD_ROLE_MCN && u->mcn_id > 0)
        snprintf(buf, 48, "/mcns/%" PRId64, u->mcn_id);
    else if (u && u->role == PD_ROLE_OPERATOR)
        snprintf(buf, 48, "/simulator");
    else
        snprintf(buf, 48, "/discover");
    return buf;
}

/* ---- the frame of every page ----------------------------------------------------- */

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

/* Starts an HTML answer: status, headers, the head and the top bar. `nav`
 * names the current section ("discover", "simulator", "profile") or "". */
static pd_buf *page_begin(pd_req *req, unsigned status, const char *title, const char *nav)
{
    pd_buf *b = pd_req_out(req);
    pd_buf_reset(b);
    pd_req_status(req, status);
    pd_req_content_type(req, "text/html; charset=utf-8");
    pd_req_header_add(req, "Cache-Control", "no-store");
    pd_req_header_add(req, "Content-Security-Policy", csp);
    pd_req_header_add(req, "Referrer-Policy", "same-origin");
    pd_buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    esc(b, title);
    pd_buf_puts(b, " · partnerd</title>\n<link rel=\"stylesheet\" href=\"");
    asset_url(b, "app.css");
    const pd_user *u = pd_req_user(req);
    char home[48];
    pd_buf_printf(b,
                  "\">\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
                  "<header class=\"top\">\n<a class=\"brand\" href=\"%s\">partnerd</a>\n",
                  u ? home_path(u, home) : "/");
    if (u) {
        pd_buf_puts(b, "<nav aria-label=\"Main\">");
        pd_buf_printf(b, "<a href=\"/discover\"%s>Discover</a>",
                      strcmp(nav, "discover") == 0 ? " aria-current=\"page\"" : "");
        if (u->role == PD_ROLE_CREATOR)
            pd_buf_printf(b, "<a href=\"/creators/%" PRId64 "\"%s>My profile</a>", u->creator_id,
                          strcmp(nav, "profile") == 0 ? " aria-current=\"page\"" : "");
        if (u->role == PD_ROLE_MCN)
            pd_buf_printf(b, "<a href=\"/mcns/%" PRId64 "\"%s>Roster</a>", u->mcn_id,
                          strcmp(nav, "roster") == 0 ? " aria-current=\"page\"" : "");
        if (u->role == PD_ROLE_OPERATOR)
            pd_buf_printf(b, "<a href=\"/simulator\"%s>Policy simulator</a>",
                          strcmp(nav, "simulator") == 0 ? " aria-current=\"page\"" : "");
        pd_buf_puts(b, "</nav>\n<span class=\"who\">Signed in as <strong>");
        esc(b, u->name);
        pd_buf_printf(b, "</strong> (%s)</span>\n",
                      u->role == PD_ROLE_BRAND ? "brand staff"
                      : u->role == PD_ROLE_MCN ? "MCN manager"
                                               : pd_role_name(u->role));
        pd_buf_puts(b, "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign "
                       "out</button></form>\n");
    }
    pd_buf_puts(b, "</header>\n<main id=\"main\">\n");
    return b;
}

/* Ends the page; scripts (NULL-terminated asset names) load at the end. */
static int page_end(pd_req *req, pd_buf *b, const char *script, pd_error *err)
{
    pd_buf_puts(b, "</main>\n");
    if (script) {
        pd_buf_puts(b, "<script src=\"");
        asset_url(b, script);
        pd_buf_puts(b, "\" defer></script>\n");
    }
    pd_buf_puts(b, "</body>\n</html>\n");
    if (pd_buf_failed(b))
        return pd_error_set(err, PD_ENOMEM, "page %s larger than the answer limit",
                            pd_req_path(req));
    return PD_OK;
}

/* An error as a page: the status for err's code, a title and the message
 * (for a server failure, only "something went wrong": the log has it). */
static int error_page(pd_req *req, const pd_error *e, pd_error *err)
{
    pd_code code = e->code == PD_OK ? PD_EINTERNAL : e->code;
    unsigned status = pd_http_status(code);
    const char *title = status == 404   ? "Not found"
                        : status == 403 ? "Not allowed"
                        : status == 400 ? "Bad request"
                        : status < 500  ? "Cannot do that"
                                        : "Something went wrong";
    const char *msg = e->msg[0] ? e->msg : pd_code_name(code);
    if (status >= 500) {
        PD_LOG(PD_LOG_ERROR, "page failed", PD_LOG_STR("path", pd_req_path(req)),
               PD_LOG_STR("code", pd_code_name(code)), PD_LOG_STR("error", msg));
        msg = "The server could not show this page. Try again in a moment.";
    }
    pd_buf *b = page_begin(req, status, title, "");
    pd_buf_puts(b, "<h1>");
    esc(b, title);
    pd_buf_puts(b, "</h1>\n<div class=\"card\"><p>");
    esc(b, msg);
    pd_buf_puts(b, "</p><p><a href=\"/discover\">Back to discovery</a></p></div>\n");
    return page_end(req, b, NULL, err);
}

static int redirect(pd_req *req, const char *location)
{
    pd_req_status(req, 303);
    pd_req_content_type(req, "text/plain; charset=utf-8");
    pd_req_header_add(req, "Location", location);
    pd_req_header_add(req, "Cache-Control", "no-store");
    pd_buf_printf(pd_req_out(req), "See %s\n", location);
    return PD_OK;
}

/* ---- forms ------------------------------------------------------------------------ */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The value of field `name` in an application/x-www-form-urlencoded body,
 * decoded ('+' is a space) into request memory; NULL when absent or when
 * it holds a NUL or bad percent-encoding. */
static const char *form_field(pd_req *req, const char *body, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    const char *p = body, *end = body + len;
    for (int fields = 0; p < end && fields < FORM_FIELDS_MAX * 4; fields++) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            const char *v = eq + 1;
            char *out = pd_req_alloc(req, (size_t)(stop - v) + 1);
            if (!out)
                return NULL;
            size_t o = 0;
            for (const char *q = v; q < stop; q++) {
                if (*q == '+') {
                    out[o++] = ' ';
                } else if (*q == '%') {
                    int hi = q + 2 < stop ? hexval(q[1]) : -1;
                    int lo = hi >= 0 ? hexval(q[2]) : -1;
                    if (lo < 0 || (hi == 0 && lo == 0))
                        return NULL;
                    out[o++] = (char)(hi * 16 + lo);
                    q += 2;
                } else {
                    out[o++] = *q;
                }
            }
            out[o] = '\0';
            return out;
        }
        p = stop + 1;
    }
    return NULL;
}

/* Where to go after signing in when the form says: a path of this site
 * ("/creators/7"), never another site ("//evil", "https://...", "/\\evil");
 * NULL for none or one refused (the user's home page then, home_path). */
static const char *safe_next(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 1024)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)next; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F || *p == '\\')
            return NULL;
    return next;
}

/* ---- sign in and out --------------------------------------------------------------- */

static int login_page(pd_req *req, unsigned status, const char *name, const char *message,
                      const char *next, pd_error *err)
{
    pd_buf *b = page_begin(req, status, "Sign in", "");
    pd_buf_puts(b, "<div class=\"login card\">\n<h1>Sign in to partnerd</h1>\n");
    if (message) {
        pd_buf_puts(b, "<div class=\"alert error\" role=\"alert\" id=\"login-error\">");
        esc(b, message);
        pd_buf_puts(b, "</div>\n");
    }
    pd_buf_puts(b, "<form method=\"post\" action=\"/login\">\n");
    if (safe_next(next)) {
        pd_buf_puts(b, "<input type=\"hidden\" name=\"next\" value=\"");
        esc(b, safe_next(next));
        pd_buf_puts(b, "\">\n");
    }
    pd_buf_puts(b, "<div class=\"field\"><label for=\"name\">Name</label>"
                   "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" "
                   "required maxlength=\"63\" autofocus value=\"");
    esc(b, name ? name : "");
    pd_buf_puts(b, "\"></div>\n<div class=\"field\"><label for=\"password\">Password</label>"
                   "<input type=\"password\" id=\"password\" name=\"password\" "
                   "autocomplete=\"current-password\" required maxlength=\"1024\"></div>\n"
                   "<button type=\"submit\">Sign in</button>\n</form>\n</div>\n");
    return page_end(req, b, NULL, err);
}

static int get_login(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    return login_page(req, 200, NULL, NULL, pd_req_query(req, "next"), err);
}

static int same_origin_or_none(pd_req *req)
{
    const char *origin = pd_req_header(req, "Origin");
    const char *host = pd_req_header(req, "Host");
    if (!origin)
        return 1;
    if (!host)
        return 0;
    const char *rest = strncmp(origin, "http://", 7) == 0    ? origin + 7
                       : strncmp(origin, "https://", 8) == 0 ? origin + 8
                                                             : NULL;
    return rest && strcmp(rest, host) == 0;
}

static int post_login(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    size_t len = 0;
    const char *body = pd_req_body(req, &len);
    const char *name = form_field(req, body, len, "name");
    const char *password = form_field(req, body, len, "password");
    const char *next = safe_next(form_field(req, body, len, "next"));
    if (!same_origin_or_none(req)) {
        pd_error e;
        pd_error_set(&e, PD_EDENIED, "Sign in from this site's own sign-in page.");
        return error_page(req, &e, err);
    }
    if (!name || !password || !name[0] || !password[0] || strlen(name) >= PD_NAME_MAX ||
        strlen(password) > 1024)
        return login_page(req, 400, name, "Enter your name and your password.", next, err);

    pd_user u;
    char token[PD_TOKEN_TEXT_MAX];
    int64_t expires_at = 0;
    pd_error e = {0};
    int rc = pd_accounts_sign_in(pg->accounts, req, name, password, strlen(password), &u, token,
                                 &expires_at, &e);
    memset((char *)password, 0, strlen(password)); /* our decoded copy */
    if (rc == PD_EAUTH)
        return login_page(req, 401, name, "Wrong name or password, or the account is disabled.",
                          next, err);
    if (rc == PD_EBUSY) {
        /* as the JSON 429 of POST /api/login says it (request.c) */
        char secs[24];
        unsigned wait = pd_req_get_retry_after(req);
        snprintf(secs, sizeof secs, "%u", wait ? wait : 1);
        rc = login_page(req, 429, name, e.msg, next, err);
        if (rc == PD_OK && pd_req_header_add(req, "Retry-After", secs) < 0)
            rc = pd_error_set(err, PD_EINTERNAL, "cannot set Retry-After");
        return rc;
    }
    if (rc)
        return error_page(req, &e, err);
    char cookie[PD_TOKEN_TEXT_MAX + 64];
    snprintf(cookie, sizeof cookie, "%s=%s; HttpOnly; SameSite=Strict; Path=/", PD_SESSION_COOKIE,
             token);
    memset(token, 0, sizeof token);
    int hr = pd_req_header_add(req, "Set-Cookie", cookie);
    memset(cookie, 0, sizeof cookie);
    if (hr < 0)
        return pd_error_set(err, PD_EINTERNAL, "cannot set the session cookie");
    char home[48];
    return redirect(req, next ? next : home_path(&u, home));
}

static int post_logout(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    const char *cookie = pd_accounts_session_cookie(req);
    pd_token t;
    pd_error ignored;
    if (cookie && pd_token_parse(cookie, strlen(cookie), &t, &ignored) == PD_OK) {
        int rc = pd_accounts_sign_out(pg->accounts, &t, err);
        pd_token_wipe(&t);
        if (rc)
            return rc;
    }
    pd_req_header_add(req, "Set-Cookie",
                      PD_SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    return redirect(req, "/login");
}

static int get_root(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    char home[48];
    return redirect(req, home_path(pd_req_user(req), home));
}

/* ---- static files ---------------------------------------------------------------- */

static int get_static(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    const pd_asset *a = asset_find(pd_req_param(req, "name"));
    if (!a)
        return pd_error_set(err, PD_ENOTFOUND, "no static file '%s'", pd_req_param(req, "name"));
    pd_req_content_type(req, a->type);
    pd_req_header_add(req, "Cache-Control", "public, max-age=31536000, immutable");
    if (pd_buf_append(pd_req_out(req), a->data, a->len) < 0)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    return PD_OK;
}

/* ---- discovery ------------------------------------------------------------------- */

/* The filters as the user typed them (for the form and the paging links). */
typedef struct discover_form {
    const char *category, *q, *followers_min, *followers_max, *views_min, *views_max, *eng_min,
        *eng_max, *mcn, *sort;
    int certified, micro;
} discover_form;

static const char *qget(pd_req *req, const char *name)
{
    const char *v = pd_req_query(req, name);
    if (!v)
        return "";
    while (*v == ' ')
        v++;
    return v;
}

/* A whole number typed in a filter ("" is none). -1 with *why otherwise. */
static int parse_whole(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (max - (uint64_t)(s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    while (s[i] == ' ')
        i++;
    if (i == 0 || s[i] != '\0')
        return -1;
    *out = v;
    return 0;
}

/* A number with at most two decimals ("2.5"), in hundredths. */
static int parse_hundredths(const char *s, uint64_t max, uint64_t *out)
{
    char whole[32], frac[3] = "00";
    const char *dot = strchr(s, '.');
    size_t wl = dot ? (size_t)(dot - s) : strlen(s);
    if (wl == 0 || wl >= sizeof whole)
        return -1;
    memcpy(whole, s, wl);
    whole[wl] = '\0';
    uint64_t w;
    if (parse_whole(whole, max / 100, &w) < 0)
        return -1;
    if (dot) {
        size_t fl = strlen(dot + 1);
        if (fl == 0 || fl > 2)
            return -1;
        for (size_t k = 0; k < fl; k++) {
            if (dot[1 + k] < '0' || dot[1 + k] > '9')
                return -1;
            frac[k] = dot[1 + k];
        }
    }
    *out = w * 100 + (uint64_t)((frac[0] - '0') * 10 + (frac[1] - '0'));
    return 0;
}

static const char sort_letters[] = "faen"; /* by pd_creator_sort, as creators.c */

static const struct {
    const char *key, *label;
    pd_creator_sort sort;
} sorts[] = {
    {"followers", "Most followers", PD_SORT_FOLLOWERS},
    {"avg_views", "Highest average views", PD_SORT_AVG_VIEWS},
    {"engagement", "Highest engagement", PD_SORT_ENGAGEMENT},
    {"newest", "Newest", PD_SORT_NEWEST},
};

/* Reads the form into q; PD_EINPUT naming the field a person typed wrong. */
static int discover_query(pd_req *req, discover_form *f, pd_creator_query *q, pd_error *err)
{
    f->category = qget(req, "category");
    f->q = qget(req, "q");
    f->followers_min = qget(req, "followers_min");
    f->followers_max = qget(req, "followers_max");
    f->views_min = qget(req, "avg_views_min");
    f->views_max = qget(req, "avg_views_max");
    f->eng_min = qget(req, "eng_min");
    f->eng_max = qget(req, "eng_max");
    f->mcn = qget(req, "mcn");
    f->sort = qget(req, "sort");
    f->certified = strcmp(qget(req, "certified"), "1") == 0;
    f->micro = strcmp(qget(req, "micro"), "1") == 0;

    memset(q, 0, sizeof *q);
    q->limit = PAGE_ROWS + 1; /* one more tells whether there is a next page */
    if (f->category[0]) {
        if (strlen(f->category) >= PD_CATEGORY_MAX)
            return pd_error_set(err, PD_EINPUT, "Category: at most %d characters.",
                                PD_CATEGORY_MAX - 1);
        q->category = f->category;
    }
    if (f->q[0]) {
        if (strlen(f->q) > 200)
            return pd_error_set(err, PD_EINPUT, "Text: at most 200 characters.");
        q->text = f->q;
    }
    uint64_t v;
    const uint64_t big = 1000000000000000ULL;
    if (f->followers_min[0] && parse_whole(f->followers_min, big, &q->followers_min) < 0)
        return pd_error_set(err, PD_EINPUT, "Followers from: a whole number, like 5000.");
    if (f->followers_max[0] && parse_whole(f->followers_max, big, &q->followers_max) < 0)
        return pd_error_set(err, PD_EINPUT, "Followers to: a whole number, like 50000.");
    if (f->views_min[0]) {
        if (parse_whole(f->views_min, big, &v) < 0)
            return pd_error_set(err, PD_EINPUT, "Average views from: a whole number, like 10000.");
        q->avg_views_min = v * 100;
    }
    if (f->views_max[0]) {
        if (parse_whole(f->views_max, big, &v) < 0)
            return pd_error_set(err, PD_EINPUT, "Average views to: a whole number.");
        q->avg_views_max = v * 100;
    }
    if (f->eng_min[0]) {
        if (parse_hundredths(f->eng_min, 100000, &v) < 0)
            return pd_error_set(
                err, PD_EINPUT,
                "Engagement from: a percentage with at most two decimals, like 2.5.");
        q->engagement_min_bp = (uint32_t)v;
    }
    if (f->eng_max[0]) {
        if (parse_hundredths(f->eng_max, 100000, &v) < 0)
            return pd_error_set(err, PD_EINPUT,
                                "Engagement to: a percentage with at most two decimals, like 8.");
        q->engagement_max_bp = (uint32_t)v;
    }
    if (q->followers_max && q->followers_min > q->followers_max)
        return pd_error_set(err, PD_EINPUT, "Followers: the lower bound is above the upper one.");
    if (q->avg_views_max && q->avg_views_min > q->avg_views_max)
        return pd_error_set(err, PD_EINPUT,
                            "Average views: the lower bound is above the upper one.");
    if (q->engagement_max_bp && q->engagement_min_bp > q->engagement_max_bp)
        return pd_error_set(err, PD_EINPUT, "Engagement: the lower bound is above the upper one.");
    q->certified_only = f->certified;
    q->micro_only = f->micro;
    if (strcmp(f->mcn, "independent") == 0) {
        q->mcn_id = -1;
    } else if (f->mcn[0]) {
        if (parse_whole(f->mcn, INT64_MAX, &v) < 0 || v == 0)
            return pd_error_set(err, PD_EINPUT, "MCN: an MCN's number, or 'independent'.");
        q->mcn_id = (int64_t)v;
    }
    q->sort = PD_SORT_FOLLOWERS;
    if (f->sort[0]) {
        size_t k = 0;
        while (k < sizeof sorts / sizeof sorts[0] && strcmp(sorts[k].key, f->sort) != 0)
            k++;
        if (k == sizeof sorts / sizeof sorts[0])
            return pd_error_set(err, PD_EINPUT,
                                "Sort: followers, avg_views, engagement or newest.");
        q->sort = sorts[k].sort;
    }
    /* The cursor of GET /api/creators (creators.c): "<sort letter><key>.<id>". */
    const char *after = pd_req_query(req, "after");
    if (after) {
        long long key = 0, id = 0;
        int used = 0;
        if (after[0] != sort_letters[q->sort] ||
            sscanf(after + 1, "%lld.%lld%n", &key, &id, &used) != 2 || after[1 + used] != '\0' ||
            id < 1 || key == LLONG_MIN)
            return pd_error_set(err, PD_EINPUT,
                                "This page link is broken or belongs to another "
                                "sort order: start again from the first page.");
        q->has_after = 1;
        q->after_key = key;
        q->after_id = id;
    }
    return PD_OK;
}

/* The form's fields as a query string (for the paging links). */
static void discover_qs(pd_buf *b, const discover_form *f)
{
    const struct {
        const char *name, *value;
    } fields[] = {{"category", f->category},
                  {"q", f->q},
                  {"followers_min", f->followers_min},
                  {"followers_max", f->followers_max},
                  {"avg_views_min", f->views_min},
                  {"avg_views_max", f->views_max},
                  {"eng_min", f->eng_min},
                  {"eng_max", f->eng_max},
                  {"mcn", f->mcn},
                  {"sort", f->sort}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].value[0])
            qs_add(b, fields[i].name, fields[i].value);
    if (f->certified)
        qs_add(b, "certified", "1");
    if (f->micro)
        qs_add(b, "micro", "1");
}

static void text_input(pd_buf *b, const char *id, const char *label, const char *value,
                       const char *extra)
{
    pd_buf_printf(b,
                  "<div><label for=\"%s\">%s</label><input type=\"text\" id=\"%s\" name=\"%s\" "
                  "%s value=\"",
                  id, label, id, id, extra);
    esc(b, value);
    pd_buf_puts(b, "\"></div>\n");
}

static void range_inputs(pd_buf *b, const char *legend, const char *id_min, const char *vmin,
                         const char *id_max, const char *vmax, const char *mode)
{
    pd_buf_printf(b, "<fieldset><legend>%s</legend><div class=\"range\">", legend);
    pd_buf_printf(b,
                  "<div><label class=\"sr\" for=\"%s\">%s from</label><input type=\"text\" "
                  "inputmode=\"%s\" id=\"%s\" name=\"%s\" placeholder=\"from\" value=\"",
                  id_min, legend, mode, id_min, id_min);
    esc(b, vmin);
    pd_buf_printf(b,
                  "\"></div><div><label class=\"sr\" for=\"%s\">%s to</label><input "
                  "type=\"text\" inputmode=\"%s\" id=\"%s\" name=\"%s\" placeholder=\"to\" "
                  "value=\"",
                  id_max, legend, mode, id_max, id_max);
    esc(b, vmax);
    pd_buf_puts(b, "\"></div></div></fieldset>\n");
}

static void discover_filters(pd_buf *b, const discover_form *f)
{
    pd_buf_puts(b, "<form class=\"card\" method=\"get\" action=\"/discover\" role=\"search\" "
                   "aria-label=\"Filter creators\">\n<div class=\"filters\">\n");
    text_input(b, "q", "Text (handle, bio)", f->q, "placeholder=\"e.g. travel\"");
    text_input(b, "category", "Category", f->category, "placeholder=\"e.g. beauty\"");
    range_inputs(b, "Followers", "followers_min", f->followers_min, "followers_max",
                 f->followers_max, "numeric");
    range_inputs(b, "Average views", "avg_views_min", f->views_min, "avg_views_max", f->views_max,
                 "numeric");
    range_inputs(b, "Engagement %", "eng_min", f->eng_min, "eng_max", f->eng_max, "decimal");
    text_input(b, "mcn", "MCN", f->mcn, "placeholder=\"number, or independent\"");
    pd_buf_puts(b, "<div><label for=\"sort\">Sort by</label><select id=\"sort\" name=\"sort\">");
    for (size_t k = 0; k < sizeof sorts / sizeof sorts[0]; k++)
        pd_buf_printf(b, "<option value=\"%s\"%s>%s</option>", sorts[k].key,
                      (f->sort[0] ? strcmp(f->sort, sorts[k].key) == 0 : k == 0) ? " selected" : "",
                      sorts[k].label);
    pd_buf_puts(b, "</select></div>\n<div class=\"checks\">");
    pd_buf_printf(b,
                  "<label><input type=\"checkbox\" name=\"certified\" value=\"1\"%s> "
                  "Certified partners only</label>",
                  f->certified ? " checked" : "");
    pd_buf_printf(b,
                  "<label><input type=\"checkbox\" name=\"micro\" value=\"1\"%s> "
                  "Micro-creators only (1k&ndash;50k)</label></div>\n",
                  f->micro ? " checked" : "");
    pd_buf_puts(b, "<div class=\"actions\"><button type=\"submit\">Search</button>"
                   "<a class=\"button secondary\" href=\"/discover\">Clear</a></div>\n"
                   "</div>\n</form>\n");
}

typedef struct hits {
    pd_creator_hit *rows;
    size_t n, cap;
} hits;

static int collect_hit(void *ctx, const pd_creator_hit *h)
{
    hits *hs = ctx;
    if (hs->n < hs->cap)
        hs->rows[hs->n++] = *h;
    return 0;
}

static int get_discover(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    discover_form f;
    pd_creator_query q;
    pd_error e = {0};
    int rc = discover_query(req, &f, &q, &e);
    hits hs = {.rows = pd_req_alloc(req, (PAGE_ROWS + 1) * sizeof(pd_creator_hit)),
               .cap = PAGE_ROWS + 1};
    if (!hs.rows)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    if (rc == PD_OK) {
        pd_db *db;
        rc = pd_store_acquire(pg->store, &db, &e);
        if (rc == PD_OK) {
            rc = pd_db_creator_search(db, &q, collect_hit, &hs, &e);
            pd_store_release(pg->store, db);
        }
    }
    if (rc && rc != PD_EINPUT)
        return error_page(req, &e, err);

    pd_buf *b = page_begin(req, rc ? 400 : 200, "Discover creators", "discover");
    pd_buf_puts(b, "<h1>Discover creators</h1>\n");
    discover_filters(b, &f);
    if (rc) {
        pd_buf_puts(b, "<div class=\"alert error\" role=\"alert\">");
        esc(b, e.msg);
        pd_buf_puts(b, "</div>\n");
        return page_end(req, b, NULL, err);
    }
    size_t shown = hs.n > PAGE_ROWS ? PAGE_ROWS : hs.n;
    if (shown == 0) {
        pd_buf_printf(b,
                      "<p class=\"card\" id=\"no-results\">No creator matches these "
                      "filters%s.</p>\n",
                      q.has_after ? " past this point" : "");
    } else {
        pd_buf_puts(b, "<table id=\"results\" class=\"stack\">\n<caption>");
        char nn[PD_SHOW_NOUN_MAX];
        pd_buf_printf(b, "%s%s on this page", q.has_after ? "More results: " : "",
                      pd_show_noun(shown, "creator", "creators", nn));
        pd_buf_puts(b,
                    "</caption>\n<thead><tr><th scope=\"col\">Creator</th>"
                    "<th scope=\"col\">Category</th><th scope=\"col\" class=\"num\">Followers</th>"
                    "<th scope=\"col\" class=\"num\">Avg views</th>"
                    "<th scope=\"col\" class=\"num\">Engagement</th>"
                    "<th scope=\"col\">Certified</th><th scope=\"col\">MCN</th></tr></thead>\n"
                    "<tbody>\n");
        for (size_t i = 0; i < shown; i++) {
            const pd_creator_hit *h = &hs.rows[i];
            char n1[PD_SHOW_MAX], n2[PD_SHOW_MAX];
            pd_buf_printf(b,
                          "<tr data-id=\"%" PRId64
                          "\"><th scope=\"row\"><a href=\"/creators/%" PRId64 "\">",
                          h->c.id, h->c.id);
            esc(b, h->c.handle);
            pd_buf_puts(b, "</a></th><td data-label=\"Category\">");
            esc(b, h->c.category);
            pd_buf_printf(b,
                          "</td><td class=\"num\" data-label=\"Followers\" data-followers=\"%" PRIu64
                          "\">%s</td>",
                          h->c.followers, fmt_u64(h->c.followers, n1));
            pd_buf_printf(b, "<td class=\"num\" data-label=\"Avg views\">%s</td>",
                          pd_show_views(h->st.avg_views, n2));
            pd_buf_printf(b, "<td class=\"num\" data-label=\"Engagement\">%s</td>",
                          pd_show_percent(h->st.engagement_bp, n2));
            pd_buf_puts(b, h->st.certified ? "<td data-label=\"Certified\"><span class=\"badge "
                                             "ok\">Certified</span></td>"
                                           : "<td data-label=\"Certified\"><span class=\"badge "
                                             "no\">Not certified</span></td>");
            if (h->c.mcn_id && pd_access_mcn(pd_req_user(req), h->c.mcn_id))
                pd_buf_printf(b,
                              "<td data-label=\"MCN\"><a href=\"/mcns/%" PRId64 "\">MCN %" PRId64
                              "</a></td></tr>\n",
                              h->c.mcn_id, h->c.mcn_id);
            else if (h->c.mcn_id)
                pd_buf_printf(b, "<td data-label=\"MCN\">MCN %" PRId64 "</td></tr>\n",
                              h->c.mcn_id);
            else
                pd_buf_puts(b, "<td class=\"muted\" data-label=\"MCN\">independent</td></tr>\n");
        }
        pd_buf_puts(b, "</tbody>\n</table>\n");
    }
    pd_buf_puts(b, "<nav class=\"pager\" aria-label=\"Pages\"><span>");
    if (q.has_after) {
        pd_buf link;
        pd_buf_init(&link, 8192);
        discover_qs(&link, &f);
        pd_buf_puts(b, "<a href=\"/discover?");
        esc(b, link.data ? link.data : "");
        pd_buf_puts(b, "\" id=\"first-page\">First page</a>");
        pd_buf_free(&link);
    }
    pd_buf_puts(b, "</span><span>");
    if (hs.n > PAGE_ROWS) {
        const pd_creator_hit *last = &hs.rows[PAGE_ROWS - 1];
        pd_buf link;
        pd_buf_init(&link, 8192);
        discover_qs(&link, &f);
        char cursor[64];
        snprintf(cursor, sizeof cursor, "%c%" PRId64 ".%" PRId64, sort_letters[q.sort], last->key,
                 last->c.id);
        qs_add(&link, "after", cursor);
        pd_buf_puts(b, "<a href=\"/discover?");
        esc(b, link.data ? link.data : "");
        pd_buf_puts(b, "\" id=\"next-page\" rel=\"next\">Next page &rarr;</a>");
        pd_buf_free(&link);
    }
    pd_buf_puts(b, "</span></nav>\n");
    return page_end(req, b, NULL, err);
}

/* ---- a creator's profile ------------------------------------------------------------ */

typedef struct fpoints {
    double *x, *y;
    size_t n, cap;
    int64_t first;
    int64_t last_at;
} fpoints;

static int collect_follower(void *ctx, int64_t at, uint64_t followers)
{
    fpoints *p = ctx;
    if (p->n == 0)
        p->first = at;
    if (p->n == p->cap) { /* keep the latest: drop every other old point */
        size_t k = 0;
        for (size_t i = 0; i < p->n; i += 2, k++) {
            p->x[k] = p->x[i];
            p->y[k] = p->y[i];
        }
        p->n = k;
    }
    p->x[p->n] = (double)(at - p->first) / 86400.0;
    p->y[p->n] = (double)followers;
    p->n++;
    p->last_at = at;
    return 0;
}

static void follower_chart(pd_buf *b, pd_db *db, const pd_creator_rec *c)
{
    fpoints p = {.cap = FOLLOWER_POINTS_MAX};
    p.x = malloc(p.cap * sizeof *p.x);
    p.y = malloc(p.cap * sizeof *p.y);
    pd_error e = {0};
    if (!p.x || !p.y || pd_db_followers_history(db, c->id, collect_follower, &p, &e) != PD_OK) {
        pd_buf_puts(b, "<p class=\"muted\">The follower history cannot be shown now.</p>\n");
    } else if (p.n < 2) {
        pd_buf_puts(b, "<p class=\"muted\" id=\"followers-note\">One follower count recorded so "
                       "far: the chart starts with the next change.</p>\n");
    } else {
        char since[40], sub[80];
        fmt_time(p.first, since);
        snprintf(sub, sizeof sub, "%zu counts recorded since %.10s", p.n, since);
        pd_svg_series s = {.name = "followers", .x = p.x, .y = p.y, .n = p.n};
        pd_svg_line_chart ch = {.title = "Followers",
                                .subtitle = sub,
                                .x_title = "days since the first count",
                                .y_title = "followers",
                                .series = &s,
                                .nseries = 1,
                                .y_from_zero = 1,
                                .width = 760,
                                .height = 360};
        pd_buf_puts(b, "<div class=\"chart\" id=\"followers-chart\">\n");
        if (pd_svg_line(b, &ch, &e) != PD_OK)
            pd_buf_puts(b, "<p class=\"muted\">The follower chart cannot be drawn.</p>\n");
        pd_buf_puts(b, "</div>\n");
    }
    free(p.x);
    free(p.y);
}

/* The rule's name for people (http/show.h). */
static const char *rule_label(pd_rule r)
{
    return pd_show_rule_label(r);
}

/* A failed rule's value now, what it needs and what to change (by: the day
 * it must be done by, for a creator at risk; NULL: none), with between[0]
 * and between[1] between them. */
static void rule_parts(pd_buf *b, const char *const between[2], const pd_policy *p, pd_rule r,
                       uint64_t followers, const pd_window_stats *w, const char *by)
{
    pd_show_rule_value(b, p, r, followers, w);
    pd_buf_puts(b, between[0]);
    pd_show_rule_needed(b, p, r);
    pd_buf_puts(b, between[1]);
    pd_show_advice(b, p, r, followers, w, by);
}

/* One failed rule as a table row: the value, the threshold, what to change.
 * The cells carry their column's name for the stacked layout of small
 * screens. */
static void failed_rule_row(pd_buf *b, const pd_policy *p, pd_rule r, uint64_t followers,
                            const pd_window_stats *w)
{
    static const char *const cells[2] = {"</td><td class=\"num\" data-label=\"Needed\">",
                                         "</td><td data-label=\"What to change\">"};
    pd_buf_printf(b,
                  "<tr data-rule=\"%s\"><th scope=\"row\">%s <code>%s</code></th>"
                  "<td class=\"num\" data-label=\"Now\">",
                  pd_rule_key(r), pd_show_rule_label(r), pd_rule_key(r));
    rule_parts(b, cells, p, r, followers, w, NULL);
    pd_buf_puts(b, "</td></tr>\n");
}

typedef struct history_ctx {
    pd_buf *b;
    size_t n;
} history_ctx;

static int history_row(void *ctx, const pd_status_change *c)
{
    history_ctx *h = ctx;
    char when[40];
    if (h->n++ == 0)
        pd_buf_puts(h->b, "<table id=\"history\" class=\"stack\">\n<caption>Newest first</caption>\n"
                          "<thead><tr>"
                          "<th scope=\"col\">When</th><th scope=\"col\">Change</th>"
                          "<th scope=\"col\">Cause</th><th scope=\"col\">Failed rules</th>"
                          "</tr></thead>\n<tbody>\n");
    pd_buf_printf(h->b,
                  "<tr><td data-label=\"When\">%s</td><td data-label=\"Change\">%s</td>"
                  "<td data-label=\"Cause\">",
                  fmt_time(c->at, when),
                  c->certified ? "<span class=\"badge ok\">Gained</span>"
                               : "<span class=\"badge no\">Lost</span>");
    esc(h->b, c->cause);
    pd_buf_puts(h->b, "</td><td data-label=\"Failed rules\">");
    /* the explanation as stored ("followers 4971 < 5000"), with separators */
    pd_buf text;
    pd_buf_init(&text, 2 * PD_EXPLAIN_MAX);
    pd_show_digits(&text, c->explanation[0] ? c->explanation : "none");
    esc(h->b, text.data);
    pd_buf_free(&text);
    pd_buf_puts(h->b, "</td></tr>\n");
    return 0;
}

static int get_creator(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    int64_t id = pd_req_param_int(req, "id");
    pd_creator_rec *c = pd_req_alloc(req, sizeof *c);
    pd_online_state *state = pd_req_alloc(req, sizeof *state);
    pd_creator_status st;
    pd_error e = {0};
    if (!c || !state)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_db *db;
    int rc = pd_store_acquire(pg->store, &db, &e);
    if (rc)
        return error_page(req, &e, err);
    int allowed = 0;
    rc = pd_db_creator_get(db, id, c, &e);
    if (rc == PD_ENOTFOUND)
        pd_error_set(&e, PD_ENOTFOUND, "There is no creator %" PRId64 ".", id);
    if (rc == PD_OK)
        rc = pd_db_creator_status(db, id, &st, &e);
    if (rc == PD_OK)
        rc = pd_db_online_state(db, state, &e);
    if (rc == PD_OK)
        rc = pd_access_creator_private(db, pd_req_user(req), id, &allowed, &e);
    if (rc) {
        pd_store_release(pg->store, db);
        return error_page(req, &e, err);
    }

    const pd_user *u = pd_req_user(req);
    int mine = u->role == PD_ROLE_CREATOR && u->creator_id == id;
    pd_buf *b = page_begin(req, 200, c->handle, mine ? "profile" : "");
    char n1[PD_SHOW_MAX], day[16], nn[PD_SHOW_NOUN_MAX];
    pd_buf_puts(b, "<h1>");
    esc(b, c->handle);
    pd_buf_puts(b, "</h1>\n<div class=\"card\">\n<dl class=\"facts\">\n<dt>Category</dt><dd>");
    esc(b, c->category);
    pd_buf_printf(b, "</dd>\n<dt>Followers</dt><dd id=\"followers\">%s</dd>\n",
                  fmt_u64(c->followers, n1));
    pd_org_rec mcn;
    if (c->mcn_id && pd_db_mcn_get(db, c->mcn_id, &mcn, &e) == PD_OK) {
        pd_buf_puts(b, "<dt>MCN</dt><dd id=\"mcn\">");
        if (pd_access_mcn(u, c->mcn_id))
            pd_buf_printf(b, "<a href=\"/mcns/%" PRId64 "\">", c->mcn_id);
        esc(b, mcn.name);
        pd_buf_puts(b, pd_access_mcn(u, c->mcn_id) ? "</a></dd>\n" : "</dd>\n");
    } else if (c->mcn_id) {
        pd_buf_printf(b, "<dt>MCN</dt><dd id=\"mcn\">MCN %" PRId64 "</dd>\n", c->mcn_id);
    } else {
        pd_buf_puts(b, "<dt>MCN</dt><dd id=\"mcn\">independent</dd>\n");
    }
    pd_buf_printf(b, "<dt>Average views</dt><dd id=\"avg-views\">%s per post</dd>\n",
                  pd_show_views(st.avg_views, n1));
    pd_buf_printf(b, "<dt>Engagement</dt><dd id=\"engagement\">%s</dd>\n",
                  pd_show_percent(st.engagement_bp, n1));
    pd_buf_puts(b, "<dt>Bio</dt><dd>");
    if (c->bio[0])
        esc(b, c->bio);
    else
        pd_buf_puts(b, "<span class=\"muted\">no bio yet</span>");
    pd_buf_puts(b, "</dd>\n</dl>\n</div>\n");

    /* The verdict. */
    const pd_policy *p = &state->policy;
    pd_buf_printf(b, "<section class=\"card verdict %s\" id=\"verdict\" aria-labelledby=\"vh\">\n",
                  st.certified ? "ok" : "no");
    if (state->policy_id == 0) {
        pd_buf_puts(b, "<h2 id=\"vh\">Not certified</h2><p>No certification policy is in force "
                       "yet: nobody is certified.</p>\n</section>\n");
    } else {
        pd_buf_printf(b, "<h2 id=\"vh\">%s</h2>\n<p>Under policy <strong id=\"policy\">",
                      st.certified ? "Certified brand partner" : "Not certified");
        esc(b, p->name);
        pd_buf_printf(b, "</strong> (version %u), judged on the %s up to %s", state->version,
                      pd_show_noun(p->window_days, "day", "days", nn), pd_show_day(state->today, day));
        if (st.since > 0) {
            char when[40];
            pd_buf_printf(b, "; this verdict since %s", fmt_time(st.since, when));
        }
        pd_buf_printf(b, ". In the window: %s, ", pd_show_noun(st.win.posts, "post", "posts", nn));
        pd_buf_printf(b, "%s sponsored.</p>\n", fmt_u64(st.win.sponsored, n1));
        if (!allowed) {
            pd_buf_puts(b, "<p class=\"muted\">Why, and what to change, is shown to the creator, "
                           "their MCN and operators.</p>\n");
        } else if (st.certified) {
            pd_buf_puts(b, "<p>Every rule of the policy holds.</p>\n");
        } else {
            pd_buf_puts(b, "<table id=\"failed-rules\" class=\"stack\">\n"
                           "<caption>Rules not met</caption>\n"
                           "<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\" "
                           "class=\"num\">Now</th><th scope=\"col\" class=\"num\">Needed</th>"
                           "<th scope=\"col\">What to change</th></tr></thead>\n<tbody>\n");
            for (int r = 0; r < PD_RULE_COUNT; r++)
                if (st.failed & (1u << r))
                    failed_rule_row(b, p, (pd_rule)r, st.followers, &st.win);
            pd_buf_puts(b, "</tbody>\n</table>\n");
        }
        pd_buf_puts(b, "</section>\n");
    }

    pd_buf_puts(b, "<h2>Followers over time</h2>\n");
    follower_chart(b, db, c);

    if (allowed) {
        pd_buf_puts(b, "<h2>Certification history</h2>\n");
        history_ctx h = {.b = b};
        rc = pd_db_status_history(db, id, 0, HISTORY_ROWS, history_row, &h, &e);
        if (rc == PD_OK && h.n > 0)
            pd_buf_puts(b, "</tbody>\n</table>\n");
        else if (rc == PD_OK)
            pd_buf_puts(b, "<p class=\"muted\" id=\"history-empty\">No change of verdict "
                           "recorded yet.</p>\n");
        else
            pd_buf_puts(b, "<p class=\"muted\">The history cannot be shown now.</p>\n");
    }
    pd_store_release(pg->store, db);
    return page_end(req, b, NULL, err);
}

/* ---- an MCN's roster ----------------------------------------------------------------- */

#define ROSTER_ROWS 50 /* creators on one roster page */

/* The failed rules of one creator as a list: the rule, its value and what
 * is needed, and what to change (by: the day it must be done by). */
static void rule_list(pd_buf *b, const pd_policy *p, uint32_t failed, uint64_t followers,
                      const pd_window_stats *w, const char *by)
{
    static const char *const words[2] = {", needs ", ". "};
    pd_buf_puts(b, "<ul class=\"changes\">");
    for (uint32_t m = failed & p->rules; m; m &= m - 1) {
        pd_rule r = (pd_rule)__builtin_ctz(m);
        pd_buf_printf(b, "<li data-rule=\"%s\"><strong>%s</strong> ", pd_rule_key(r),
                      pd_show_rule_label(r));
        rule_parts(b, words, p, r, followers, w, by);
        pd_buf_puts(b, "</li>");
    }
    pd_buf_puts(b, "</ul>");
}

static void roster_row(pd_buf *b, const pd_roster *r, const pd_roster_row *row)
{
    char n1[PD_SHOW_MAX], day[16];
    pd_buf_printf(b,
                  "<tr data-id=\"%" PRId64 "\" data-standing=\"%s\"><th scope=\"row\">"
                  "<a href=\"/creators/%" PRId64 "\">",
                  row->id, pd_standing_name(row->standing), row->id);
    esc(b, row->handle);
    pd_buf_puts(b, "</a> <span class=\"muted\">");
    esc(b, row->category);
    pd_buf_printf(b, "</span></th><td class=\"num\" data-label=\"Followers\">%s</td>",
                  fmt_u64(row->st.followers, n1));
    pd_buf_puts(b, "<td data-label=\"Standing\">");
    switch (row->standing) {
    case PD_STANDING_AT_RISK: {
        const pd_policy_rec *p = pd_roster_risk_policy(r, row);
        pd_show_day(row->risk.day, day);
        pd_buf_printf(b, "<span class=\"badge warn\">At risk</span> fails on <time>%s</time>: ",
                      day);
        if (row->risk.cause == PD_RISK_POLICY) {
            esc(b, p->policy.name);
            pd_buf_puts(b, " starts");
        } else {
            char nn[PD_SHOW_NOUN_MAX];
            pd_buf_printf(b, "%s the window",
                          pd_show_noun(row->risk.posts_left, "post leaves", "posts leave", nn));
        }
        pd_buf_puts(b, "</td><td data-label=\"What to change\">");
        rule_list(b, &p->policy, row->risk.failed, row->st.followers, &row->risk.win, day);
        break;
    }
    case PD_STANDING_NOT_CERTIFIED:
        pd_buf_puts(b, "<span class=\"badge no\">Not certified</span></td>"
                       "<td data-label=\"What to change\">");
        if (r->state.policy_id)
            rule_list(b, &r->state.policy, row->st.failed, row->st.followers, &row->st.win,
                      NULL);
        else
            pd_buf_puts(b, "<span class=\"muted\">No policy is in force.</span>");
        break;
    default:
        pd_buf_puts(b, "<span class=\"badge ok\">Certified</span></td>"
                       "<td data-label=\"What to change\"><span class=\"muted\">Nothing: "
                       "certified every day of the next week if nothing changes.</span>");
        break;
    }
    pd_buf_puts(b, "</td></tr>\n");
}

static int get_roster_page(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    int64_t id = pd_req_param_int(req, "id");
    const pd_user *u = pd_req_user(req);
    pd_error e = {0};
    if (!pd_access_mcn(u, id)) {
        pd_error_set(&e, PD_EDENIED, "Only the managers of MCN %" PRId64
                                     " and operators can see its roster.", id);
        return error_page(req, &e, err);
    }
    pd_standing filter;
    const char *standing = qget(req, "standing");
    if (pd_standing_from_name(standing, &filter) < 0) {
        pd_error_set(&e, PD_EINPUT, "Standing: at_risk, not_certified or certified.");
        return error_page(req, &e, err);
    }
    pd_roster *r;
    int rc = pd_roster_load(pg->store, id, &r, &e);
    size_t first = 0, count = 0;
    char next[PD_ROSTER_CURSOR_MAX] = "";
    if (rc == PD_OK)
        rc = pd_roster_page(r, filter, pd_req_query(req, "after"), ROSTER_ROWS, &first, &count,
                            next, &e);
    if (rc) {
        pd_roster_free(r);
        return error_page(req, &e, err);
    }

    int mine = u->role == PD_ROLE_MCN && u->mcn_id == id;
    pd_buf *b = page_begin(req, 200, r->mcn.name, mine ? "roster" : "");
    char n1[PD_SHOW_MAX], day[16], nn[PD_SHOW_NOUN_MAX];
    pd_buf_puts(b, "<h1>");
    esc(b, r->mcn.name);
    pd_buf_printf(b, " <span class=\"muted\">roster</span></h1>\n<p id=\"roster-policy\">");
    if (r->state.policy_id) {
        pd_buf_printf(b, "%s on %s under policy <strong>",
                      pd_show_noun(r->n, "creator", "creators", nn),
                      pd_show_day(r->state.today, day));
        esc(b, r->in_force.policy.name);
        pd_buf_printf(b, "</strong> (version %u, a %u-day window)", r->in_force.version,
                      r->in_force.policy.window_days);
        for (size_t i = 0; i < r->nchanges; i++) {
            pd_buf_puts(b, i == 0 ? "; scheduled: <strong>" : ", <strong>");
            esc(b, r->changes[i].rec.policy.name);
            pd_buf_printf(b, "</strong> from %s", pd_show_day(r->changes[i].from_day, day));
        }
        pd_buf_printf(b, ". At risk: certified today, and failing on a day of the next %d "
                         "if nothing else happens (no new posts, counters as they are).",
                      PD_ROSTER_HORIZON);
    } else {
        pd_buf_printf(b, "%s. No certification policy is in force yet: nobody is certified.",
                      pd_show_noun(r->n, "creator", "creators", nn));
    }
    pd_buf_puts(b, "</p>\n<nav class=\"tabs\" aria-label=\"Standing\">");
    static const struct {
        pd_standing s;
        const char *label;
    } tabs[] = {{PD_STANDING_ALL, "All"},
                {PD_STANDING_AT_RISK, "At risk within 7 days"},
                {PD_STANDING_NOT_CERTIFIED, "Not certified"},
                {PD_STANDING_CERTIFIED, "Certified, not at risk"}};
    for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
        uint64_t n = tabs[i].s == PD_STANDING_ALL             ? r->n
                     : tabs[i].s == PD_STANDING_AT_RISK       ? r->at_risk
                     : tabs[i].s == PD_STANDING_NOT_CERTIFIED ? r->not_certified
                                                              : r->certified - r->at_risk;
        pd_buf_printf(b, "<a href=\"/mcns/%" PRId64 "%s%s\" id=\"tab-%s\"%s>%s <span class=\"n\">%s</span></a>",
                      id, tabs[i].s == PD_STANDING_ALL ? "" : "?standing=",
                      tabs[i].s == PD_STANDING_ALL ? "" : pd_standing_name(tabs[i].s),
                      pd_standing_name(tabs[i].s), tabs[i].s == filter ? " aria-current=\"page\"" : "",
                      tabs[i].label, fmt_u64(n, n1));
    }
    pd_buf_puts(b, "</nav>\n");
    if (count == 0) {
        pd_buf_puts(b, "<p class=\"card\" id=\"roster-empty\">No creator here.</p>\n");
    } else {
        pd_buf_printf(b,
                      "<table id=\"roster\" class=\"stack\">\n<caption>%s</caption>\n<thead><tr>"
                      "<th scope=\"col\">Creator</th><th scope=\"col\" class=\"num\">Followers</th>"
                      "<th scope=\"col\">Standing</th><th scope=\"col\">What to change</th>"
                      "</tr></thead>\n<tbody>\n",
                      pd_show_noun(count, "creator on this page", "creators on this page", nn));
        for (size_t i = first; i < first + count; i++)
            roster_row(b, r, &r->rows[i]);
        pd_buf_puts(b, "</tbody>\n</table>\n");
    }
    pd_buf_puts(b, "<nav class=\"pager\" aria-label=\"Pages\"><span>");
    if (pd_req_query(req, "after"))
        pd_buf_printf(b, "<a href=\"/mcns/%" PRId64 "%s%s\" id=\"first-page\">First page</a>", id,
                      filter == PD_STANDING_ALL ? "" : "?standing=",
                      filter == PD_STANDING_ALL ? "" : pd_standing_name(filter));
    pd_buf_puts(b, "</span><span>");
    if (next[0])
        pd_buf_printf(b,
                      "<a href=\"/mcns/%" PRId64 "?%s%s%safter=%s\" id=\"next-page\" "
                      "rel=\"next\">Next page &rarr;</a>",
                      id, filter == PD_STANDING_ALL ? "" : "standing=",
                      filter == PD_STANDING_ALL ? "" : pd_standing_name(filter),
                      filter == PD_STANDING_ALL ? "" : "&amp;", next);
    pd_buf_puts(b, "</span></nav>\n");
    pd_roster_free(r);
    return page_end(req, b, NULL, err);
}

/* ---- the policy simulator ---------------------------------------------------------- */

/* 1, 2 or 5 x 10^k: the smallest at least v. */
static uint64_t nice_step(uint64_t v)
{
    uint64_t m = 1;
    for (;;) {
        if (m >= v)
            return m;
        if (2 * m >= v)
            return 2 * m;
        if (5 * m >= v)
            return 5 * m;
        if (m > UINT64_MAX / 100)
            return m;
        m *= 10;
    }
}

/* A threshold as people read it: "10,000", "4", "2.50". buf: 40 bytes. */
static const char *threshold_text(uint64_t v, int decimal, char *buf)
{
    if (!decimal)
        return fmt_u64(v, buf);
    if (v % 100 == 0)
        return fmt_u64(v / 100, buf);
    return fmt_hundredths(v, buf);
}

/* One slider: value and bounds in the rule's unit (hundredths for decimal
 * rules), written in the unit people read. */
static void slider(pd_buf *b, const char *name, const char *label, uint64_t min, uint64_t cur,
                   uint64_t max, int decimal)
{
    uint64_t step = nice_step(max / 200 ? max / 200 : 1);
    if (cur % step != 0)
        step = 1; /* the slider must be able to stand on today's value */
    char vcur[40], vmax[40], vstep[40], shown[40];
    if (decimal) {
        snprintf(vcur, sizeof vcur, "%" PRIu64 ".%02u", cur / 100, (unsigned)(cur % 100));
        snprintf(vmax, sizeof vmax, "%" PRIu64 ".%02u", max / 100, (unsigned)(max % 100));
        snprintf(vstep, sizeof vstep, "%" PRIu64 ".%02u", step / 100, (unsigned)(step % 100));
    } else {
        snprintf(vcur, sizeof vcur, "%" PRIu64, cur);
        snprintf(vmax, sizeof vmax, "%" PRIu64, max);
        snprintf(vstep, sizeof vstep, "%" PRIu64, step);
    }
    pd_buf_printf(b,
                  "<div><label for=\"r-%s\">%s <code>%s</code></label>\n"
                  "<input type=\"range\" id=\"r-%s\" name=\"%s\" min=\"%" PRIu64 "\" max=\"%s\" "
                  "step=\"%s\" value=\"%s\" data-decimal=\"%d\" data-current=\"%s\">\n"
                  "<output id=\"o-%s\" for=\"r-%s\">%s</output> "
                  "<span class=\"muted\">in force: %s</span></div>\n",
                  name, label, name, name, name, decimal ? min / 100 : min, vmax, vstep, vcur,
                  decimal, vcur, name, name, threshold_text(cur, decimal, shown), shown);
}

static int get_simulator(pd_req *req, void *ctx, pd_error *err)
{
    pd_pages *pg = ctx;
    const pd_user *u = pd_req_user(req);
    pd_error e = {0};
    if (u->role != PD_ROLE_OPERATOR) {
        pd_error_set(&e, PD_EDENIED, "Only operators can use the policy simulator.");
        return error_page(req, &e, err);
    }
    pd_online_state *state = pd_req_alloc(req, sizeof *state);
    if (!state)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_db *db;
    int rc = pd_store_acquire(pg->store, &db, &e);
    if (rc == PD_OK) {
        rc = pd_db_online_state(db, state, &e);
        pd_store_release(pg->store, db);
    }
    if (rc)
        return error_page(req, &e, err);

    pd_buf *b = page_begin(req, 200, "Policy simulator", "simulator");
    pd_buf_puts(b, "<h1>Policy simulator</h1>\n");
    if (state->policy_id == 0) {
        pd_buf_puts(b, "<div class=\"card\"><p>No certification policy is in force yet, so "
                       "there is nothing to compare a draft with. Activate a policy "
                       "first.</p></div>\n");
        return page_end(req, b, NULL, err);
    }
    const pd_policy *p = &state->policy;
    char draft[PD_POLICY_NAME_MAX], c1[32], day[16];
    size_t nlen = strlen(p->name);
    if (nlen + 6 < sizeof draft) {
        memcpy(draft, p->name, nlen);
        memcpy(draft + nlen, "-draft", 7);
    } else {
        memcpy(draft, "draft", 6);
    }
    pd_buf_puts(b, "<p>Move a threshold and see, over every creator, who would keep, lose or "
                   "gain certification against the policy in force, <strong>");
    esc(b, p->name);
    pd_buf_printf(b,
                  "</strong> (version %u, %s certified on %s). Nothing changes until an "
                  "operator activates a policy.</p>\n",
                  state->version, fmt_u64(state->certified, c1), pd_show_day(state->today, day));
    pd_buf_puts(b, "<form id=\"sim\" class=\"card\" data-endpoint=\"/api/policies/impact\" "
                   "data-draft=\"");
    esc(b, draft);
    pd_buf_puts(b, "\" aria-label=\"Draft policy\">\n<div class=\"sim-sliders\">\n");
    uint64_t w = p->window_days;
    uint64_t wmax = w * 3 < 90 ? 90 : w * 3 > PD_POLICY_WINDOW_MAX ? PD_POLICY_WINDOW_MAX : w * 3;
    slider(b, "window_days", "Window, days", 1, w, wmax, 0);
    for (int r = 0; r < PD_RULE_COUNT; r++) {
        if (!(p->rules & (1u << r)))
            continue;
        uint64_t t = p->threshold[r];
        uint64_t floor_max = r == PD_RULE_MIN_FOLLOWERS   ? 20000
                             : r == PD_RULE_MIN_AVG_VIEWS ? 2000000 /* hundredths: 20,000 */
                             : r == PD_RULE_MIN_ORGANIC_PER_SPONSORED ? 1000
                                                                      : 20;
        uint64_t max = t * 4 > floor_max ? t * 4 : floor_max;
        max = nice_step(max);
        slider(b, pd_rule_key((pd_rule)r), rule_label((pd_rule)r), 0, t, max,
               pd_rule_is_decimal((pd_rule)r));
    }
    pd_buf_puts(b, "</div>\n<p class=\"sim-actions\"><button type=\"submit\">Simulate again</button> "
                   "<button type=\"reset\" class=\"secondary\">Back to the policy in "
                   "force</button></p>\n</form>\n");
    pd_buf_puts(b, "<p id=\"sim-status\" class=\"sim-note\" role=\"status\" aria-live=\"polite\">"
                   "Loading…</p>\n<section id=\"sim-results\" data-updates=\"0\" data-seq=\"0\" "
                   "aria-label=\"Impact of the draft\">\n<div class=\"sim-counts\">\n");
    static const struct {
        const char *id, *cls, *label;
    } counts[] = {
        {"c-now", "", "Certified now"},       {"c-draft", "", "Certified by the draft"},
        {"c-kept", "", "Keep certification"}, {"c-lost", "lost", "Lose it"},
        {"c-gained", "gained", "Gain it"},    {"c-creators", "", "Creators in all"},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        pd_buf_printf(b,
                      "<div class=\"sim-count %s\"><span class=\"label\">%s</span>"
                      "<span class=\"n\" id=\"%s\">&ndash;</span></div>\n",
                      counts[i].cls, counts[i].label, counts[i].id);
    /* The two charts side by side: the categories, and the curve of one
     * rule's threshold (the slider last moved, or the one chosen here). */
    pd_buf_puts(b, "</div>\n<div class=\"sim-charts\">\n"
                   "<figure class=\"chart card\"><div id=\"sim-chart\"></div></figure>\n"
                   "<figure class=\"chart card\"><div class=\"sim-curve-pick\">"
                   "<label for=\"sweep-rule\">Curve of the threshold</label>"
                   "<select id=\"sweep-rule\">");
    for (int r = 0; r < PD_RULE_COUNT; r++)
        if (p->rules & (1u << r))
            pd_buf_printf(b, "<option value=\"%s\">%s</option>", pd_rule_key((pd_rule)r),
                          rule_label((pd_rule)r));
    pd_buf_puts(b, "</select></div><div id=\"sim-sweep\"></div></figure>\n</div>\n");
    static const struct {
        const char *id, *title, *first;
    } tables[] = {{"by-category", "By category", "Category"},
                  {"by-tier", "By follower tier", "Followers"},
                  {"by-mcn-id", "By MCN, the largest by creators", "MCN"},
                  {"by-mcn", "By MCN membership", "MCN"}};
    pd_buf_puts(b, "<div class=\"sim-tables\">\n");
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        pd_buf_printf(b,
                      "<div><h2>%s</h2><div class=\"sim-table\"><table id=\"%s\"><thead><tr>"
                      "<th scope=\"col\">%s</th>"
                      "<th scope=\"col\" class=\"num\">Creators</th>"
                      "<th scope=\"col\" class=\"num\">Now</th><th scope=\"col\" "
                      "class=\"num\">Draft</th><th scope=\"col\" class=\"num\">Lost</th>"
                      "<th scope=\"col\" class=\"num\">Gained</th></tr></thead>"
                      "<tbody></tbody></table></div></div>\n",
                      tables[i].title, tables[i].id, tables[i].first);
    pd_buf_puts(b, "</div>\n</section>\n");

    /* Save the draft as the next version of a name, and schedule it, after
     * a confirmation that shows what it does (simulator.js). */
    char tomorrow[16];
    pd_show_day(state->today, day);
    pd_show_day(state->today + 1, tomorrow);
    pd_buf_printf(b,
                  "<section class=\"card sim-save\" id=\"sim-save\" data-today=\"%s\" "
                  "data-in-force-version=\"%u\" aria-labelledby=\"save-title\">\n<h2 id=\"save-title\">Save the draft and "
                  "put it in force</h2>\n<p class=\"muted\">Saving stores the sliders' policy "
                  "as the next version of its name. Scheduling also puts that version in force "
                  "from the day you choose, after you have seen who keeps, loses and gains "
                  "certification.</p>\n<div class=\"sim-save-fields\">\n"
                  "<div><label for=\"save-name\">Policy name</label><input type=\"text\" "
                  "id=\"save-name\" maxlength=\"%d\" required value=\"",
                  day, state->version, PD_POLICY_NAME_MAX - 1);
    esc(b, p->name);
    pd_buf_printf(b,
                  "\"></div>\n<div><label for=\"save-desc\">Description <span "
                  "class=\"muted\">(optional)</span></label><input type=\"text\" "
                  "id=\"save-desc\" maxlength=\"%d\"></div>\n"
                  "<div><label for=\"save-from\">In force from</label><input type=\"date\" "
                  "id=\"save-from\" min=\"%s\" value=\"%s\" required></div>\n</div>\n"
                  "<p class=\"sim-actions\"><button type=\"button\" class=\"secondary\" "
                  "id=\"save-version\">Save as a new version</button> <button type=\"button\" "
                  "id=\"save-schedule\">Schedule from this date…</button></p>\n"
                  "<p id=\"save-status\" class=\"sim-note\" role=\"status\" "
                  "aria-live=\"polite\"></p>\n</section>\n",
                  PD_POLICY_DESC_MAX - 1, day, tomorrow);
    pd_buf_puts(b, "<dialog id=\"sim-confirm\" class=\"sim-confirm\" "
                   "aria-labelledby=\"confirm-title\">\n<h2 id=\"confirm-title\">Put this "
                   "policy in force?</h2>\n<p id=\"confirm-what\"></p>\n<div class=\"sim-counts\">"
                   "<div class=\"sim-count\"><span class=\"label\">Keep certification</span>"
                   "<span class=\"n\" id=\"confirm-kept\">&ndash;</span></div>"
                   "<div class=\"sim-count lost\"><span class=\"label\">Lose it</span>"
                   "<span class=\"n\" id=\"confirm-lost\">&ndash;</span></div>"
                   "<div class=\"sim-count gained\"><span class=\"label\">Gain it</span>"
                   "<span class=\"n\" id=\"confirm-gained\">&ndash;</span></div>"
                   "<div class=\"sim-count\"><span class=\"label\">Certified then</span>"
                   "<span class=\"n\" id=\"confirm-certified\">&ndash;</span></div></div>\n"
                   "<p class=\"muted\">Counted on today's data; the day it takes effect, "
                   "each creator is judged on their posts then.</p>\n"
                   "<div id=\"confirm-error\" class=\"alert error\" role=\"alert\" "
                   "hidden></div>\n<p class=\"sim-actions\"><button type=\"button\" "
                   "id=\"confirm-go\">Save and schedule</button> <button type=\"button\" "
                   "class=\"secondary\" id=\"confirm-cancel\">Cancel</button></p>\n"
                   "</dialog>\n");
    return page_end(req, b, "simulator.js", err);
}

/* ---- the table ----------------------------------------------------------------------- */

static const pd_route page_routes[] = {
    {.method = "GET",
     .pattern = "/",
     .name = "pages.root",
     .summary = "Web: redirects (303) to the signed-in user's home page: a creator's own "
                "profile, an MCN manager's roster, the operators' simulator, brand staff's "
                "discovery; without a session to the sign-in page",
     .access = PD_ACCESS_PAGE,
     .handler = get_root},
    {.method = "GET",
     .pattern = "/login",
     .name = "pages.login_form",
     .summary = "Web: the sign-in form (HTML)",
     .access = PD_ACCESS_PUBLIC,
     .handler = get_login},
    {.method = "POST",
     .pattern = "/login",
     .name = "pages.login",
     .summary = "Web: sign in with a form (name, password, next); sets the pd_session cookie "
                "and redirects (303) to next, or shows the form again with the reason",
     .access = PD_ACCESS_PUBLIC,
     .handler = post_login,
     .sign_in = 1},
    {.method = "POST",
     .pattern = "/logout",
     .name = "pages.logout",
     .summary = "Web: sign out; the session's token stops working, the cookie is cleared, "
                "303 to /login",
     .access = PD_ACCESS_PAGE,
     .handler = post_logout},
    {.method = "GET",
     .pattern = "/discover",
     .name = "pages.discover",
     .summary = "Web: search creators by category, text, followers, average views, "
                "engagement, certification, micro tier and MCN, sorted and paged (HTML)",
     .access = PD_ACCESS_PAGE,
     .handler = get_discover},
    {.method = "GET",
     .pattern = "/creators/{id:int}",
     .name = "pages.creator",
     .summary = "Web: a creator's profile and verdict; failed rules, what to change and the "
                "status history for the creator, their MCN and operators (HTML)",
     .access = PD_ACCESS_PAGE,
     .handler = get_creator},
    {.method = "GET",
     .pattern = "/mcns/{id:int}",
     .name = "pages.roster",
     .summary = "Web: an MCN's roster: its creators, certified or not, those at risk within 7 "
                "days (which day, which rule) and what each must change (HTML; the MCN's "
                "managers and operators, others get a 403 page; standing, after)",
     .access = PD_ACCESS_PAGE,
     .handler = get_roster_page},
    {.method = "GET",
     .pattern = "/simulator",
     .name = "pages.simulator",
     .summary = "Web: the policy simulator, sliders over the policy in force (HTML; "
                "operators, others get a 403 page)",
     .access = PD_ACCESS_PAGE,
     .handler = get_simulator},
    {.method = "GET",
     .pattern = "/static/{name}",
     .name = "pages.static",
     .summary = "Web: the pages' stylesheet and script, cached for a year (links carry a "
                "version)",
     .access = PD_ACCESS_PUBLIC,
     .handler = get_static,
     .quick = 1},
};

int pd_pages_routes(pd_router *r, pd_pages *p, pd_error *err)
{
    return pd_router_add(r, page_routes, PD_ROUTES_COUNT(page_routes), p, err);
}
