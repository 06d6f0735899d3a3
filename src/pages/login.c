/* login.c - signing in and out with a form, and the home page redirect
 * (see pages.h: GET /, GET and POST /login, POST /logout). */
#include <stdio.h>
#include <string.h>

#include "pages/page.h"

#define FORM_FIELDS_MAX 16 /* fields of a submitted form we look at */

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
    pd_tpl_data *d = pd_tpl_data_new();
    if (d) {
        pd_tpl_scope *s = pd_tpl_top(d);
        pd_tpl_set(s, "message", message ? message : "");
        pd_tpl_set(s, "next", safe_next(next) ? next : "");
        pd_tpl_set(s, "name", name ? name : "");
    }
    return pd_page(req, status, "Sign in", "", NULL, "login.html", d, NULL, err);
}

int pd_page_login_form(pd_req *req, void *ctx, pd_error *err)
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

int pd_page_login(pd_req *req, void *ctx, pd_error *err)
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
        return pd_page_error(req, &e, err);
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
        return pd_page_error(req, &e, err);
    char cookie[PD_TOKEN_TEXT_MAX + 64];
    snprintf(cookie, sizeof cookie, "%s=%s; HttpOnly; SameSite=Strict; Path=/", PD_SESSION_COOKIE,
             token);
    memset(token, 0, sizeof token);
    int hr = pd_req_header_add(req, "Set-Cookie", cookie);
    memset(cookie, 0, sizeof cookie);
    if (hr < 0)
        return pd_error_set(err, PD_EINTERNAL, "cannot set the session cookie");
    char home[48];
    return pd_page_redirect(req, next ? next : pd_page_home(&u, home));
}

int pd_page_logout(pd_req *req, void *ctx, pd_error *err)
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
    return pd_page_redirect(req, "/login");
}

int pd_page_root(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    (void)err;
    char home[48];
    return pd_page_redirect(req, pd_page_home(pd_req_user(req), home));
}
