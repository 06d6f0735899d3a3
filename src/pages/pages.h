/*
 * pages.h - the web pages: server-rendered HTML for people in a browser.
 *
 * Routes (access classes from accounts.h):
 *   GET  /                    PAGE: 303 to the user's home page: a creator's
 *                             own profile, an MCN manager's roster, the
 *                             operators' simulator, brand staff's discovery
 *   GET  /login               public: the sign-in form
 *   POST /login               public: signs in (form fields name, password,
 *                             next), sets the session cookie, 303 to next
 *                             (a path of this site) or else the home page
 *   POST /logout              PAGE: the session's token stops working, the
 *                             cookie is cleared, 303 to /login
 *   GET  /discover            PAGE: search creators (filters, sort, pages)
 *   GET  /creators/{id:int}   PAGE: a creator's profile and verdict; the
 *                             failed rules, what to change and the status
 *                             history for those who may see private data
 *   GET  /mcns/{id:int}       PAGE, and the MCN's managers and operators
 *                             (others get a 403 page): the roster (mcns.h),
 *                             query standing and after
 *   GET  /simulator           PAGE, and operators only (others get a 403
 *                             page): sliders over the policy in force,
 *                             answered by POST /api/policies/impact
 *   GET  /static/{name}       public: app.css and simulator.js (assets.h)
 *
 * Numbers and failed rules read as show.h writes them. Every page fits a
 * 390 px screen (app.css). Markup lives in templates (src/pages/templates/,
 * pages/template.h) where every value is HTML-escaped unless set as trusted
 * HTML; one file per page draws one (docs/internals/pages.md). Pages
 * are answered with a Content-Security-Policy that allows only our own
 * stylesheet and script, and are never cached; static files carry a
 * version in their links and are cached for a year.
 *
 * The routes borrow the pd_pages and what it points to: they must outlive
 * the router.
 */
#ifndef PD_HTTP_PAGES_H
#define PD_HTTP_PAGES_H

#include "util/error.h"
#include "api/accounts.h"
#include "http/router.h"
#include "store/store.h"
#include "pages/template.h" /* pd_html_escape */
#include "util/buf.h"

typedef struct pd_pages {
    pd_store *store;
    pd_accounts *accounts; /* signing in and out */
} pd_pages;

/* Adds the routes above, sharing p. */
int pd_pages_routes(pd_router *r, pd_pages *p, pd_error *err);

#endif
