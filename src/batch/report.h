/*
 * report.h - a policy impact simulation (core/simulate.h) as people and
 * programs read it: text that reads like the news, tidy CSV, JSON, and an
 * SVG chart.
 *
 * Text: a headline per policy after the first ("red-2019-v2 keeps 4,012 of
 * the 17,000 creators certified under red-2019-v1"), its lost, gained and
 * never counts, the policies, aligned tables by category, follower tier,
 * MCN membership and MCN, and the sweep when there is one.
 *
 * CSV, one row per (section, group, policy), header first:
 *   section,group,threshold,policy,creators,certified,kept,lost,gained,never
 * section is overall, category, follower_tier, mcn, mcns or sweep; group is
 * "all", the category, the tier label, "mcn" or "independent", in mcns an
 * MCN's label (pd_report_mcn_label), or for the sweep the rule key;
 * threshold is empty except in the sweep (the rule's value as a policy file
 * writes it, "10000" or "2.5"); kept, lost, gained and never compare the
 * policy with the first one and are empty for the first one.
 *
 * JSON: {as_of, creators, baseline, policies: [...], breakdowns: {category,
 * follower_tier, mcn, mcns}, sweep}; each group is {group, creators,
 * policies: [{name, certified, kept, lost, gained, never}]}, and a group of
 * mcns also has kind ("mcn", "others", "independent"), mcn_id (the MCN's
 * id, null for the other two) and mcns (how many MCNs: 1, the number
 * folded into "others", 0).
 *
 * Categories appear sorted by name in every format. Every function appends
 * to a caller-owned pd_buf (created with a ceiling, e.g. PD_REPORT_MAX) and
 * borrows the report's pointers for the duration of the call only.
 */
#ifndef PD_REPORT_H
#define PD_REPORT_H

#include "util/error.h"
#include "core/simulate.h"
#include "util/buf.h"

#define PD_REPORT_MAX (256u << 20) /* a sensible ceiling for one report */
#define PD_REPORT_LABEL_MAX 96     /* bytes of a group's label, with the NUL */

typedef enum pd_report_format { PD_REPORT_TEXT, PD_REPORT_CSV, PD_REPORT_JSON } pd_report_format;

typedef struct pd_report {
    const pd_sim_result *sim;
    /* sim->ngroups[PD_SIM_BY_CATEGORY] names, indexed like the creators'
     * category field. */
    const char *const *categories;
    const char *as_of; /* the evaluation instant as text, or NULL */
    /* The name of an MCN (valid during the call), or NULL when unknown or
     * when mcn_name itself is NULL: the label is then "MCN <id>", the name
     * an import gives an MCN it meets. */
    const char *(*mcn_name)(void *ctx, uint64_t id);
    void *mcn_ctx;
} pd_report;

/* The label of a group of the breakdown by MCN: the MCN's name (or "MCN
 * 17"), "74 other MCNs" or "independent"; into buf of cap bytes (cut to
 * fit; PD_REPORT_LABEL_MAX holds every one). Returns what snprintf does. */
int pd_report_mcn_label(const pd_report *r, const pd_sim_mcn_group *m, char *buf, size_t cap);

/* "text", "csv" or "json". Returns PD_OK or PD_EUSAGE naming the choices. */
int pd_report_format_parse(const char *name, pd_report_format *out, pd_error *err);

/* Each returns PD_OK, or PD_ENOMEM when out failed (ceiling or malloc). */
int pd_report_text(const pd_report *r, pd_buf *out, pd_error *err);
int pd_report_csv(const pd_report *r, pd_buf *out, pd_error *err);
int pd_report_json(const pd_report *r, pd_buf *out, pd_error *err);

/* One of the three above. */
int pd_report_write(const pd_report *r, pd_report_format f, pd_buf *out, pd_error *err);

/* An SVG chart: the sweep as a line chart (creators certified, and kept from
 * the first policy, against the threshold) when the simulation has a sweep,
 * otherwise bars of creators certified per category for each policy. */
int pd_report_chart(const pd_report *r, pd_buf *out, pd_error *err);

#endif
