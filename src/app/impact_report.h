/*
 * impact_report.h - the policy impact use case: candidate policies run over
 * the population of the impact snapshot (app/impact.h), the report written
 * as JSON (batch/report.h). What POST /api/policies/impact answers.
 *
 * Memory: the caller owns the policies and the output buffer; nothing is
 * kept after the call.
 */
#ifndef PD_APP_IMPACT_REPORT_H
#define PD_APP_IMPACT_REPORT_H

#include <stddef.h>

#include "app/impact.h"
#include "core/simulate.h"
#include "util/buf.h"
#include "util/error.h"

/* Runs pols[0..npols) (the first is the baseline) and, when sweep is not
 * NULL, that sweep, over the snapshot's creators, each policy on the
 * statistics of its own window_days, with the top_mcns largest MCNs named
 * (0: the report's default). Appends the report's JSON to out. PD_EINPUT
 * when the policies need more than PD_IMPACT_MAX_WINDOWS windows or the
 * sweep cannot run. */
int pd_impact_report(pd_impact *imp, const pd_policy *pols, size_t npols,
                     const pd_sim_sweep_spec *sweep, size_t top_mcns, pd_buf *out, pd_error *err);

#endif
