/*
 * site.h - the whole site in one place: every route table of the JSON API
 * (src/api/) and the pages (src/pages/) joined into one router, the
 * modules' metrics and gauges, and the OpenAPI document built from the
 * routes and their descriptions (the *.api.json files). It sits above both
 * (the pages share the API's guard), so neither includes the other's
 * tables. `partnerd serve` and the tests that need every route
 * (tests/site/test_openapi.c) both add them through pd_site_add, so the
 * list of modules is written once: a new module's routes go here.
 *
 * Memory: the caller owns the pd_site and keeps it alive as long as the
 * router (the routes borrow the contexts inside it); the document built by
 * pd_site_add lives in api->openapi until pd_site_free.
 */
#ifndef PD_SITE_SITE_H
#define PD_SITE_SITE_H

#include "util/error.h"
#include "api/accounts.h"
#include "api/creators.h"
#include "api/mcns.h"
#include "http/metrics.h"
#include "http/openapi.h"
#include "pages/pages.h"
#include "api/policies.h"
#include "http/router.h"
#include "store/store.h"

typedef struct pd_site {
    /* Given by the caller: */
    pd_store *store;
    pd_accounts *accounts;
    pd_creators *creators;
    pd_policies *policies;
    pd_metrics *metrics;     /* required: /healthz and /metrics live in it */
    unsigned metrics_access; /* who may read /metrics: PD_ACCESS_OPERATOR or _PUBLIC */
    const char *version;     /* the document's info.version */
    /* Filled by pd_site_add: */
    pd_pages pages;
    pd_mcns mcns;
    pd_openapi_ctx openapi;
} pd_site;

/* Adds every route of the platform to r and the modules' metrics to
 * api->metrics, then builds the OpenAPI document: a route without a
 * description, or a description of no route, fails here (PD_EUSAGE naming
 * it), so the server does not start with an undescribed API. */
int pd_site_add(pd_site *api, pd_router *r, pd_error *err);

/* Frees what pd_site_add made (the document), once the server has stopped;
 * the caller's parts are its own. A pd_site zeroed and never added is fine. */
void pd_site_free(pd_site *api);

#endif
