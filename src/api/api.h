/*
 * api.h - the platform's routes in one place: every module's route table
 * joined into one router, the modules' metrics, and the OpenAPI document
 * built from the routes and their descriptions (the *.api.json files).
 * `partnerd serve` and the tests that need every route
 * (tests/http/test_openapi.c) both add them through pd_api_add, so the list
 * of modules is written once: a new module's routes go here.
 *
 * Memory: the caller owns the pd_api and keeps it alive as long as the
 * router (the routes borrow the contexts inside it); the document built by
 * pd_api_add lives in api->openapi until pd_api_free.
 */
#ifndef PD_HTTP_API_H
#define PD_HTTP_API_H

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

typedef struct pd_api {
    /* Given by the caller: */
    pd_store *store;
    pd_accounts *accounts;
    pd_creators *creators;
    pd_policies *policies;
    pd_metrics *metrics;     /* required: /healthz and /metrics live in it */
    unsigned metrics_access; /* who may read /metrics: PD_ACCESS_OPERATOR or _PUBLIC */
    const char *version; /* the document's info.version */
    /* Filled by pd_api_add: */
    pd_pages pages;
    pd_mcns mcns;
    pd_openapi_ctx openapi;
} pd_api;

/* Adds every route of the platform to r and the modules' metrics to
 * api->metrics, then builds the OpenAPI document: a route without a
 * description, or a description of no route, fails here (PD_EUSAGE naming
 * it), so the server does not start with an undescribed API. */
int pd_api_add(pd_api *api, pd_router *r, pd_error *err);

/* Frees what pd_api_add made (the document), once the server has stopped;
 * the caller's parts are its own. A pd_api zeroed and never added is fine. */
void pd_api_free(pd_api *api);

#endif
