/* site.c - see site.h. */
#include "site/site.h"

#include "app/views.h"

/* The gauges of the online state, read when /metrics is scraped. */
static int gauge_state(pd_store *store, int certified, double *value)
{
    pd_online_state st;
    pd_error err;
    if (pd_app_online_state(store, &st, &err) != PD_OK)
        return -1;
    *value = certified ? (double)st.certified : (double)st.today;
    return 0;
}

static int gauge_certified(void *ctx, double *value)
{
    return gauge_state(ctx, 1, value);
}

static int gauge_day(void *ctx, double *value)
{
    return gauge_state(ctx, 0, value);
}

static int online_gauges(pd_metrics *m, pd_store *store, pd_error *err)
{
    int rc = pd_metrics_add_gauge(m, "partnerd_certified_creators",
                                  "Creators certified now by the policy in force (online state)",
                                  gauge_certified, store, err);
    if (rc == PD_OK)
        rc = pd_metrics_add_gauge(m, "partnerd_online_day",
                                  "The day online verdicts are for, in days since 1970-01-01 (UTC)",
                                  gauge_day, store, err);
    return rc;
}

int pd_site_add(pd_site *api, pd_router *r, pd_error *err)
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
        rc = online_gauges(api->metrics, api->store, err);
    if (rc == PD_OK) /* every route described, or no start */
        rc = pd_openapi_build(&api->openapi, err);
    return rc;
}

void pd_site_free(pd_site *api)
{
    pd_openapi_free(&api->openapi);
}
