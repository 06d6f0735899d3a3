/* api.c - see api.h. */
#include "api/api.h"

#include "app/sweeper.h"

int pd_api_add(pd_api *api, pd_router *r, pd_error *err)
{
    api->openapi = (pd_openapi_ctx){.router = r,
                                    .version = api->version,
                                    .docs = pd_api_docs,
                                    .ndocs = pd_api_docs_count,
                                    .guard_responses = pd_accounts_guard_responses};
    api->pages = (pd_pages){.store = api->store, .accounts = api->accounts};
    api->mcns = (pd_mcns){.store = api->store};
    int rc = pd_ops_routes_add(r, api->metrics, api->metrics_access, err);
    if (rc == PD_OK)
        rc = pd_openapi_route(r, &api->openapi, err);
    if (rc == PD_OK)
        rc = pd_accounts_routes(r, api->accounts, err);
    if (rc == PD_OK)
        rc = pd_pages_routes(r, &api->pages, err);
    if (rc == PD_OK)
        rc = pd_creators_routes(r, api->creators, err);
    if (rc == PD_OK)
        rc = pd_policies_routes(r, api->policies, err);
    if (rc == PD_OK)
        rc = pd_mcns_routes(r, &api->mcns, err);
    if (rc == PD_OK)
        rc = pd_creators_metrics(api->metrics, api->creators, err);
    if (rc == PD_OK)
        rc = pd_sweeper_gauges(api->metrics, api->store, err);
    if (rc == PD_OK) /* every route described, or no start */
        rc = pd_openapi_build(&api->openapi, err);
    return rc;
}

void pd_api_free(pd_api *api)
{
    pd_openapi_free(&api->openapi);
}
