/* frame.c - the frame of every page (see page.h): headers, the head, the
 * bar with the navigation, a flash message, the foot; the error page and
 * redirects; the templates compiled in; the static files. */
#include "pages/page.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/instant.h"
#include "util/log.h"

/* The templates, compiled in by scripts/embed_assets.py (meson.build,
 * page_templates): src/pages/templates/NAME.html as "NAME.html". */
extern const pd_asset pd_page_templates[];
extern const size_t pd_page_templates_count;

#define TEMPLATES_MAX 64

static pd_tpl *parsed[TEMPLATES_MAX]; /* by the index in pd_page_templates */
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_rc = PD_OK;
static pd_error load_err;

static void load_all(void)
{
    if (pd_page_templates_count > TEMPLATES_MAX) {
        load_rc =
            pd_error_set(&load_err, PD_EINTERNAL, "more than %d page templates", TEMPLATES_MAX);
        return;
    }
    for (size_t i = 0; i < pd_page_templates_count && load_rc == PD_OK; i++)
        load_rc = pd_tpl_parse(pd_page_templates[i].name, (const char *)pd_page_templates[i].data,
                               pd_page_templates[i].len, &parsed[i], &load_err);
}

int pd_pages_templates_load(pd_error *err)
{
    pthread_once(&load_once, load_all);
    if (load_rc)
        *err = load_err;
    return load_rc;
}

static const pd_tpl *template_of(const char *name, pd_error *err)
{
    if (pd_pages_templates_load(err))
        return NULL;
    for (size_t i = 0; i < pd_page_templates_count; i++)
        if (strcmp(pd_page_templates[i].name, name) == 0)
            return parsed[i];
    pd_error_set(err, PD_EINTERNAL, "no page template %s", name);
    return NULL;
}

/* ---- small writers ----------------------------------------------------------------------- */

const pd_asset *pd_page_asset(const char *name)
{
    for (size_t i = 0; i < pd_assets_count; i++)
        if (strcmp(pd_assets[i].name, name) == 0)
            return &pd_assets[i];
    return NULL;
}

/* The link to a static file, with its version: /static/app.css?v=3f2a... */
static void set_asset_url(pd_tpl_scope *s, const char *key, const char *name)
{
    const pd_asset *a = pd_page_asset(name);
    pd_tpl_setf(s, key, "/static/%s?v=%s", name, a ? a->version : "0");
}

const char *pd_page_home(const pd_user *u, char buf[48])
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

const char *pd_page_time(int64_t sec, char buf[40])
{
    char iso[PD_INSTANT_FMT_MAX];
    pd_instant_format((pd_instant){.sec = sec, .nsec = 0}, iso);
    snprintf(buf, 40, "%.10s %.5s UTC", iso, iso + 11);
    return buf;
}

void pd_page_qs_add(pd_buf *b, const char *name, const char *value)
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

void pd_page_set_buf(pd_tpl_scope *s, const char *name, pd_buf *b)
{
    pd_tpl_set(s, name, b->data ? b->data : "");
    pd_buf_free(b);
}

/* ---- the frame ----------------------------------------------------------------------------- */

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                          "frame-ancestors 'none'; base-uri 'none'";

/* The navigation link of a section: shown to whom it concerns, marked when
 * it is the current page. */
static void nav_link(pd_tpl_scope *user, const char *list, int shown, int64_t id, int current)
{
    pd_tpl_list(user, list);
    if (!shown)
        return;
    pd_tpl_scope *l = pd_tpl_add(user, list);
    pd_tpl_setf(l, "id", "%" PRId64, id);
    pd_tpl_set_flag(l, "current", current);
}

/* The frame's values: title, stylesheet, the bar, the flash and the script. */
static void frame_values(pd_req *req, pd_tpl_scope *s, const char *title, const char *nav,
                         const pd_flash *flash, const char *script)
{
    const pd_user *u = pd_req_user(req);
    char home[48];
    pd_tpl_set(s, "title", title);
    set_asset_url(s, "css", "app.css");
    pd_tpl_set(s, "home", u ? pd_page_home(u, home) : "/");
    pd_tpl_list(s, "user");
    if (u) {
        pd_tpl_scope *us = pd_tpl_add(s, "user");
        pd_tpl_set_flag(us, "nav_discover", strcmp(nav, "discover") == 0);
        nav_link(us, "profile", u->role == PD_ROLE_CREATOR, u->creator_id,
                 strcmp(nav, "profile") == 0);
        nav_link(us, "roster", u->role == PD_ROLE_MCN, u->mcn_id, strcmp(nav, "roster") == 0);
        nav_link(us, "simulator", u->role == PD_ROLE_OPERATOR, 0, strcmp(nav, "simulator") == 0);
        pd_tpl_set(us, "name", u->name);
        pd_tpl_set(us, "role",
                   u->role == PD_ROLE_BRAND ? "brand staff"
                   : u->role == PD_ROLE_MCN ? "MCN manager"
                                            : pd_role_name(u->role));
    }
    pd_tpl_list(s, "flash");
    if (flash) {
        pd_tpl_scope *f = pd_tpl_add(s, "flash");
        pd_tpl_set(f, "kind", flash->kind);
        pd_tpl_set(f, "text", flash->text);
    }
    pd_tpl_list(s, "script");
    if (script)
        set_asset_url(pd_tpl_add(s, "script"), "src", script);
}

/* Status, headers, and the three templates into the answer; PD_OK or the
 * template's error (out then holds a partial page). */
static int write_page(pd_req *req, unsigned status, const char *title, const char *nav,
                      const pd_flash *flash, const char *tpl, pd_tpl_data *d, const char *script,
                      pd_error *err)
{
    pd_buf *b = pd_req_out(req);
    pd_buf_reset(b);
    pd_req_status(req, status);
    pd_req_content_type(req, "text/html; charset=utf-8");
    pd_req_header_add(req, "Cache-Control", "no-store");
    pd_req_header_add(req, "Content-Security-Policy", csp);
    pd_req_header_add(req, "Referrer-Policy", "same-origin");
    const pd_tpl *head = template_of("frame_head.html", err);
    const pd_tpl *body = head ? template_of(tpl, err) : NULL;
    const pd_tpl *foot = body ? template_of("frame_foot.html", err) : NULL;
    if (!foot)
        return err->code ? err->code : PD_EINTERNAL;
    frame_values(req, pd_tpl_top(d), title, nav, flash, script);
    int rc = pd_tpl_render(head, d, b, err);
    if (rc == PD_OK)
        rc = pd_tpl_render(body, d, b, err);
    if (rc == PD_OK)
        rc = pd_tpl_render(foot, d, b, err);
    if (rc == PD_OK && pd_buf_failed(b))
        rc = pd_error_set(err, PD_ENOMEM, "page %s larger than the answer limit", pd_req_path(req));
    return rc;
}

int pd_page(pd_req *req, unsigned status, const char *title, const char *nav, const pd_flash *flash,
            const char *tpl, pd_tpl_data *d, const char *script, pd_error *err)
{
    if (!d)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_error e = {0};
    int rc = write_page(req, status, title, nav, flash, tpl, d, script, &e);
    pd_tpl_data_free(d);
    if (rc == PD_OK)
        return PD_OK;
    if (rc == PD_EINPUT) /* a template's own mistake, not the user's */
        e.code = rc = PD_EINTERNAL;
    return pd_page_error(req, &e, err);
}

int pd_page_error(pd_req *req, const pd_error *e, pd_error *err)
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
    pd_tpl_data *d = pd_tpl_data_new();
    if (!d)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    pd_tpl_set(pd_tpl_top(d), "message", msg);
    pd_error e2 = {0};
    int rc = write_page(req, status, title, "", NULL, "error.html", d, NULL, &e2);
    pd_tpl_data_free(d);
    if (rc) { /* the error page itself cannot be drawn: the router answers */
        *err = e2;
        return rc;
    }
    return PD_OK;
}

int pd_page_redirect(pd_req *req, const char *location)
{
    pd_req_status(req, 303);
    pd_req_content_type(req, "text/plain; charset=utf-8");
    pd_req_header_add(req, "Location", location);
    pd_req_header_add(req, "Cache-Control", "no-store");
    pd_buf_printf(pd_req_out(req), "See %s\n", location);
    return PD_OK;
}

/* ---- static files ------------------------------------------------------------------------- */

int pd_page_static(pd_req *req, void *ctx, pd_error *err)
{
    (void)ctx;
    const pd_asset *a = pd_page_asset(pd_req_param(req, "name"));
    if (!a)
        return pd_error_set(err, PD_ENOTFOUND, "no static file '%s'", pd_req_param(req, "name"));
    pd_req_content_type(req, a->type);
    pd_req_header_add(req, "Cache-Control", "public, max-age=31536000, immutable");
    if (pd_buf_append(pd_req_out(req), a->data, a->len) < 0)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    return PD_OK;
}
