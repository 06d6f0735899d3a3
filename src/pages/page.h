/*
 * page.h - what the pages' files share (not for use outside src/pages/):
 * the frame every page is drawn in (frame.c), the templates compiled in
 * from src/pages/templates/, small writers, and each page's handlers.
 *
 * A page handler reads through app/views.h (or another read that owns its
 * transaction), fills a pd_tpl_data with the values its template names,
 * and hands both to pd_page, which writes the frame around the template.
 * docs/internals/pages.md says how to add a page.
 */
#ifndef PD_PAGES_PAGE_H
#define PD_PAGES_PAGE_H

#include <stdint.h>

#include "api/accounts.h"
#include "http/assets.h"
#include "http/request.h"
#include "pages/pages.h"
#include "pages/template.h"
#include "util/error.h"

/* ---- the frame (frame.c) -------------------------------------------------------------- */

/* Parses every template compiled in (once; later calls do nothing).
 * Called by pd_pages_routes, so that a broken template stops the server
 * at start, not a request later. */
int pd_pages_templates_load(pd_error *err);

/* A flash message at the top of the page: kind "error" or "ok". */
typedef struct pd_flash {
    const char *kind, *text;
} pd_flash;

/* Answers the page: status and headers (HTML, no-store, the CSP), the
 * frame's head (title; nav: the current section, "discover", "profile",
 * "roster", "simulator" or ""), flash (NULL: none), template tpl rendered
 * with d, and the frame's foot loading script (an asset name, or NULL).
 * Takes d (freed here, also on error; NULL: out of memory). A template
 * that cannot be rendered answers the error page (500) and is logged. */
int pd_page(pd_req *req, unsigned status, const char *title, const char *nav, const pd_flash *flash,
            const char *tpl, pd_tpl_data *d, const char *script, pd_error *err);

/* An error as a page: the status for e's code, a title and the message
 * (for a server failure only "try again": the log has the message). */
int pd_page_error(pd_req *req, const pd_error *e, pd_error *err);

/* 303 to location. */
int pd_page_redirect(pd_req *req, const char *location);

/* The page a user lands on (buf: 48 bytes): a creator's own profile, an
 * MCN manager's roster, operators' simulator, else discovery. */
const char *pd_page_home(const pd_user *u, char buf[48]);

/* A static file by name, or NULL. */
const pd_asset *pd_page_asset(const char *name);

/* "2019-06-01 12:00 UTC" for seconds since the epoch (buf: 40 bytes). */
const char *pd_page_time(int64_t sec, char buf[40]);

/* Appends name=value (percent-encoded) to a query string being built. */
void pd_page_qs_add(pd_buf *b, const char *name, const char *value);

/* A pd_buf's text as a template value (escaped), then the buffer freed. */
void pd_page_set_buf(pd_tpl_scope *s, const char *name, pd_buf *b);

/* ---- the handlers (one file each) -------------------------------------------------------- */

int pd_page_static(pd_req *req, void *ctx, pd_error *err); /* frame.c     */
int pd_page_root(pd_req *req, void *ctx, pd_error *err);   /* login.c     */
int pd_page_login_form(pd_req *req, void *ctx, pd_error *err);
int pd_page_login(pd_req *req, void *ctx, pd_error *err);
int pd_page_logout(pd_req *req, void *ctx, pd_error *err);
int pd_page_discover(pd_req *req, void *ctx, pd_error *err);  /* discover.c  */
int pd_page_creator(pd_req *req, void *ctx, pd_error *err);   /* creator.c   */
int pd_page_roster(pd_req *req, void *ctx, pd_error *err);    /* roster.c    */
int pd_page_simulator(pd_req *req, void *ctx, pd_error *err); /* simulator.c */

#endif
