/* impact_report.c - see impact_report.h. */
#include "app/impact_report.h"

#include "batch/report.h"
#include "core/online.h"

int pd_impact_report(pd_impact *imp, const pd_policy *pols, size_t npols,
                     const pd_sim_sweep_spec *sweep, size_t top_mcns, pd_buf *out, pd_error *err)
{
    uint32_t windows[PD_IMPACT_MAX_WINDOWS] = {0};
    size_t nwin = 0;
    for (size_t i = 0; i < npols; i++) {
        size_t k = 0;
        while (k < nwin && windows[k] != pols[i].window_days)
            k++;
        if (k == nwin) {
            if (nwin == PD_IMPACT_MAX_WINDOWS)
                return pd_error_set(err, PD_EINPUT,
                                    "the policies use more than %d different window_days",
                                    PD_IMPACT_MAX_WINDOWS);
            windows[nwin++] = pols[i].window_days;
        }
    }
    pd_impact_snap *snap;
    int rc = pd_impact_acquire(imp, windows, nwin, &snap, err);
    if (rc)
        return rc;
    const pd_window_stats *stats[PD_SIM_MAX_POLICIES];
    for (size_t i = 0; i < npols; i++)
        stats[i] = pd_impact_stats(snap, pols[i].window_days);
    pd_sim_input in = {.creators = snap->creators,
                       .n = snap->n,
                       .ncategories = snap->ncategories,
                       .policies = pols,
                       .npolicies = npols,
                       .stats = stats,
                       .sweep = sweep,
                       .mcns = &snap->mcns,
                       .mcn_top = top_mcns};
    pd_sim_result sim;
    rc = pd_sim_run(&in, &sim, err);
    if (rc == PD_OK) {
        char as_of[PD_INSTANT_FMT_MAX];
        pd_instant_format(pd_online_as_of(snap->today), as_of);
        pd_report rep = {&sim, snap->categories, as_of, pd_impact_mcn_name, snap};
        rc = pd_report_json(&rep, out, err);
        pd_sim_result_free(&sim);
    }
    pd_impact_release(imp, snap);
    if (rc == PD_EUSAGE) /* a sweep pd_sim_run refused */
        rc = PD_EINPUT;
    return rc;
}
