/* pages.c - the pages' routes (see pages.h). Each page is a file of its
 * own (login.c, discover.c, creator.c, roster.c, simulator.c) drawing a
 * template of src/pages/templates/ inside the frame of frame.c; see
 * docs/internals/pages.md for how to add one. */
#include "pages/pages.h"

#include "pages/page.h"

/* ---- the table ----------------------------------------------------------------------- */

static const pd_route page_routes[] = {
    {.method = "GET",
     .pattern = "/",
     .name = "pages.root",
     .summary = "Web: redirects (303) to the signed-in user's home page: a creator's own "
                "profile, an MCN manager's roster, the operators' simulator, brand staff's "
                "discovery; without a session to the sign-in page",
     .access = PD_ACCESS_PAGE,
     .handler = pd_page_root},
    {.method = "GET",
     .pattern = "/login",
     .name = "pages.login_form",
     .summary = "Web: the sign-in form (HTML)",
     .access = PD_ACCESS_PUBLIC,
     .handler = pd_page_login_form},
    {.method = "POST",
     .pattern = "/login",
     .name = "pages.login",
     .summary = "Web: sign in with a form (name, password, next); sets the pd_session cookie "
                "and redirects (303) to next, or shows the form again with the reason",
     .access = PD_ACCESS_PUBLIC,
     .handler = pd_page_login,
     .sign_in = 1},
    {.method = "POST",
     .pattern = "/logout",
     .name = "pages.logout",
     .summary = "Web: sign out; the session's token stops working, the cookie is cleared, "
                "303 to /login",
     .access = PD_ACCESS_PAGE,
     .handler = pd_page_logout},
    {.method = "GET",
     .pattern = "/discover",
     .name = "pages.discover",
     .summary = "Web: search creators by category, text, followers, average views, "
                "engagement, certification, micro tier and MCN, sorted and paged (HTML)",
     .access = PD_ACCESS_PAGE,
     .handler = pd_page_discover},
    {.method = "GET",
     .pattern = "/creators/{id:int}",
     .name = "pages.creator",
     .summary = "Web: a creator's profile and verdict; failed rules, what to change and the "
                "status history for the creator, their MCN and operators (HTML)",
     .access = PD_ACCESS_PAGE,
     .handler = pd_page_creator},
    {.method = "GET",
     .pattern = "/mcns/{id:int}",
     .name = "pages.roster",
     .summary = "Web: an MCN's roster: its creators, certified or not, those at risk within 7 "
                "days (which day, which rule) and what each must change (HTML; the MCN's "
                "managers and operators, others get a 403 page; standing, after)",
     .access = PD_ACCESS_PAGE,
     .handler = pd_page_roster},
    {.method = "GET",
     .pattern = "/simulator",
     .name = "pages.simulator",
     .summary = "Web: the policy simulator, sliders over the policy in force (HTML; "
                "operators, others get a 403 page)",
     .access = PD_ACCESS_PAGE,
     .handler = pd_page_simulator},
    {.method = "GET",
     .pattern = "/static/{name}",
     .name = "pages.static",
     .summary = "Web: the pages' stylesheet and script, cached for a year (links carry a "
                "version)",
     .access = PD_ACCESS_PUBLIC,
     .handler = pd_page_static,
     .quick = 1},
};

int pd_pages_routes(pd_router *r, pd_pages *p, pd_error *err)
{
    int rc = pd_pages_templates_load(err); /* a broken template stops the start */
    if (rc)
        return rc;
    return pd_router_add(r, page_routes, PD_ROUTES_COUNT(page_routes), p, err);
}
