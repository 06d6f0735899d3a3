/* cmd_simulate.c - `partnerd simulate`: what a policy change does to the
 * certified population, before it goes live. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "batch/dataset.h"
#include "batch/report.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "util/num.h"
#include "core/simulate.h"
#include "util/atomic_file.h"
#include "util/buf.h"

static const char usage[] =
    "Usage: partnerd simulate --creators FILE --posts FILE --as-of DATE\n"
    "                         --policy NAME|FILE [--policy NAME|FILE ...]\n"
    "                         [--sweep RULE=FROM:TO:STEP] [--format text|csv|json]\n"
    "                         [--top-mcns N] [--out FILE] [--chart FILE.svg]\n"
    "                         [--skip-bad-lines]\n"
    "                         [--threads N] [--quiet]\n"
    "\n"
    "Judges every creator by each policy and tells how many creators each one\n"
    "certifies and, for every policy after the first, how many it keeps, loses\n"
    "and gains compared with the first: overall, by category, by follower tier,\n"
    "for MCN members vs independent creators, and by MCN (the largest ones by\n"
    "creators one by one, the other MCNs together, the independent creators).\n"
    "\n"
    "  --creators FILE     creators.csv (creator_id,handle,category,followers,mcn_id)\n"
    "  --posts FILE        posts.csv (post_id,creator_id,published_at,kind,views,...)\n"
    "  --as-of DATE        the evaluation instant: 2019-06-01 or 2019-06-01T12:00:00Z\n"
    "  --policy NAME|FILE  a preset (red-2019-v1, red-2019-v2) or a policy JSON file;\n"
    "                      repeat it to compare (the first is the baseline, up to 16)\n"
    "  --sweep RULE=FROM:TO:STEP\n"
    "                      also vary one rule of the LAST policy from FROM to TO by\n"
    "                      STEP (at most 10,000 steps; the rule is added if the\n"
    "                      policy lacks it) and count the creators it certifies at\n"
    "                      each threshold, e.g. min_avg_views=0:20000:500 or\n"
    "                      min_organic_per_sponsored=1:6:0.5. Rules: min_followers,\n"
    "                      min_avg_views, min_organic_per_sponsored, min_sponsored,\n"
    "                      min_posts, max_sponsored\n"
    "  --format FORMAT     text (default), csv or json\n"
    "  --top-mcns N        MCNs shown one by one in the breakdown by MCN: the N\n"
    "                      hosting the most creators (default 10, at most 100);\n"
    "                      they are named \"MCN <id>\" (creators.csv has no names)\n"
    "  --out FILE          where to write the report (default: standard output);\n"
    "                      written to a temporary file and renamed when complete\n"
    "  --chart FILE.svg    also draw an SVG chart: the sweep as a curve when\n"
    "                      --sweep is given, otherwise creators certified per\n"
    "                      category for each policy\n"
    "  --skip-bad-lines    count and report malformed lines instead of stopping\n"
    "  --threads N         threads reading posts.csv (default: every core)\n"
    "  --quiet             no progress line and no summary on stderr\n"
    "\n"
    "CSV columns: section,group,threshold,policy,creators,certified,kept,lost,gained,never\n"
    "\n"
    "Exit status: 0 done, 1 bad input data, 2 usage, 3 file error, 4 out of memory.\n";

static const char *const cmd = "simulate";

/* Parses one number of a sweep in the rule's unit. */
static int sweep_number(const char *spec, const char *what, pd_rule rule, const char *s, size_t len,
                        uint64_t *out)
{
    const char *why = NULL;
    int bad = pd_rule_is_decimal(rule) ? pd_parse_hundredths(s, len, PD_COUNT_MAX * 100, out, &why)
                                       : pd_parse_uint(s, len, PD_COUNT_MAX, out, &why);
    if (!bad)
        return PD_OK;
    if (!pd_rule_is_decimal(rule) && memchr(s, '.', len))
        return pd_cli_usage_error(cmd, "--sweep '%s': %s '%.*s': %s takes whole numbers", spec,
                                  what, (int)len, s, pd_rule_key(rule));
    return pd_cli_usage_error(cmd, "--sweep '%s': %s '%.*s': %s", spec, what, (int)len, s, why);
}

/* RULE=FROM:TO:STEP. Returns PD_OK or the usage exit status (message
 * printed). */
static int parse_sweep(const char *spec, pd_sim_sweep_spec *sw)
{
    const char *eq = strchr(spec, '=');
    if (!eq)
        return pd_cli_usage_error(cmd,
                                  "--sweep '%s': expected RULE=FROM:TO:STEP "
                                  "(e.g. min_followers=1000:10000:500)",
                                  spec);
    int rule = pd_rule_from_key(spec, (size_t)(eq - spec));
    if (rule < 0) {
        char known[256] = "";
        for (int r = 0; r < PD_RULE_COUNT; r++) {
            strncat(known, r ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, pd_rule_key((pd_rule)r), sizeof known - strlen(known) - 1);
        }
        return pd_cli_usage_error(cmd, "--sweep '%s': unknown rule '%.*s' (known: %s)", spec,
                                  (int)(eq - spec), spec, known);
    }
    const char *parts[3], *p = eq + 1;
    size_t lens[3];
    for (int i = 0; i < 3; i++) {
        const char *colon = strchr(p, ':');
        if ((i < 2) != (colon != NULL))
            return pd_cli_usage_error(cmd,
                                      "--sweep '%s': expected RULE=FROM:TO:STEP, three numbers "
                                      "separated by ':' (e.g. %s=%s)",
                                      spec, pd_rule_key((pd_rule)rule),
                                      pd_rule_is_decimal((pd_rule)rule) ? "5000:20000:500"
                                                                        : "1000:10000:500");
        parts[i] = p;
        lens[i] = colon ? (size_t)(colon - p) : strlen(p);
        p = colon ? colon + 1 : p + lens[i];
    }
    static const char *const what[3] = {"FROM", "TO", "STEP"};
    uint64_t v[3];
    for (int i = 0; i < 3; i++) {
        int rc = sweep_number(spec, what[i], (pd_rule)rule, parts[i], lens[i], &v[i]);
        if (rc)
            return rc;
    }
    *sw = (pd_sim_sweep_spec){(pd_rule)rule, v[0], v[1], v[2]};
    pd_error err;
    if (pd_sim_sweep_validate(sw, &err))
        return pd_cli_usage_error(cmd, "--%s", err.msg);
    return PD_OK;
}

/* Writes buf to path (or standard output) through a temporary file. */
static int write_whole(const char *path, const pd_buf *buf, pd_error *err)
{
    pd_outfile f;
    int rc = pd_outfile_open(&f, path, err);
    if (rc)
        return rc;
    if (buf->len && fwrite(buf->data, 1, buf->len, f.fp) != buf->len) {
        pd_outfile_abort(&f);
        return pd_error_set(err, PD_EIO, "%s: write failed", path ? path : "standard output");
    }
    return pd_outfile_commit(&f, err);
}

int pd_cmd_simulate(int argc, char **argv)
{
    static const struct option own[] = {{"policy", required_argument, NULL, 'P'},
                                        {"sweep", required_argument, NULL, 'S'},
                                        {"format", required_argument, NULL, 'f'},
                                        {"out", required_argument, NULL, 'o'},
                                        {"chart", required_argument, NULL, 'C'},
                                        {"top-mcns", required_argument, NULL, 'T'},
                                        {NULL, 0, NULL, 0}};
    const char *sweep_arg = NULL, *out_path = NULL, *chart_path = NULL, *format_arg = "text";
    const char *policy_args[PD_SIM_MAX_POLICIES];
    size_t npolicies = 0;
    uint64_t top_mcns = PD_SIM_MCN_TOP_DEFAULT;
    pd_cli_inputs inputs = {0};
    pd_error err = {0};
    pd_cli_opts po = {.cmd = cmd, .usage = usage, .own = own, .inputs = &inputs};
    int opt;
    while ((opt = pd_cli_opt(&po, argc, argv)) > 0) {
        switch (opt) {
        case 'P':
            if (npolicies == PD_SIM_MAX_POLICIES)
                return pd_cli_usage_error(cmd, "at most %d --policy options", PD_SIM_MAX_POLICIES);
            policy_args[npolicies++] = optarg;
            break;
        case 'S':
            if (sweep_arg)
                return pd_cli_usage_error(cmd, "--sweep given twice (one sweep at a time)");
            sweep_arg = optarg;
            break;
        case 'f': format_arg = optarg; break;
        case 'o': out_path = optarg; break;
        case 'C': chart_path = optarg; break;
        case 'T': {
            const char *why = NULL;
            if (pd_parse_uint(optarg, strlen(optarg), PD_SIM_MCN_TOP_MAX, &top_mcns, &why) ||
                top_mcns == 0)
                return pd_cli_usage_error(cmd, "--top-mcns '%s': expected 1 to %d%s%s", optarg,
                                          PD_SIM_MCN_TOP_MAX, why ? ": " : "", why ? why : "");
            break;
        }
        }
    }
    if (opt < 0)
        return po.status;
    int rc;
    pd_report_format format;
    if (pd_report_format_parse(format_arg, &format, &err))
        return pd_cli_usage_error(cmd, "%s", err.msg);
    if (out_path && chart_path && strcmp(out_path, chart_path) == 0 && strcmp(out_path, "-"))
        return pd_cli_usage_error(cmd, "--out and --chart name the same file '%s'", out_path);
    pd_sim_sweep_spec sweep;
    if (sweep_arg) {
        rc = parse_sweep(sweep_arg, &sweep);
        if (rc)
            return rc;
    }

    pd_load_options o = {0};
    pd_policy policies[PD_SIM_MAX_POLICIES];
    pd_dataset ds;
    if ((rc = pd_cli_load_data(cmd, argc, argv, &inputs, policy_args, npolicies, policies, &o,
                               &ds)) != PD_OK)
        return rc;

    const pd_window_stats *stats[PD_SIM_MAX_POLICIES];
    for (size_t p = 0; p < npolicies; p++)
        stats[p] = pd_dataset_stats(&ds, policies[p].window_days);
    pd_sim_input in = {.creators = ds.creators,
                       .n = ds.n,
                       .ncategories = ds.ncategories,
                       .policies = policies,
                       .npolicies = npolicies,
                       .stats = stats,
                       .sweep = sweep_arg ? &sweep : NULL,
                       .mcn_top = (size_t)top_mcns};
    pd_sim_result sim;
    pd_buf report, chart;
    pd_buf_init(&report, PD_REPORT_MAX);
    pd_buf_init(&chart, PD_REPORT_MAX);
    rc = pd_sim_run(&in, &sim, &err);
    if (rc == PD_OK) {
        char as_of[PD_INSTANT_FMT_MAX];
        pd_instant_format(o.as_of, as_of);
        pd_report rep = {&sim, (const char *const *)ds.categories, as_of};
        /* Render everything before writing anything. */
        rc = pd_report_write(&rep, format, &report, &err);
        if (rc == PD_OK && chart_path)
            rc = pd_report_chart(&rep, &chart, &err);
        if (rc == PD_OK)
            rc = write_whole(out_path, &report, &err);
        if (rc == PD_OK && chart_path)
            rc = write_whole(chart_path, &chart, &err);
        pd_sim_result_free(&sim);
    }
    if (rc == PD_OK && !inputs.quiet) {
        size_t w = 0; /* the baseline's window */
        while (w + 1 < ds.nwindows && ds.window_days[w] != policies[0].window_days)
            w++;
        pd_cli_print_summary(&ds, w, (uint64_t)-1);
    }
    pd_buf_free(&report);
    pd_buf_free(&chart);
    pd_dataset_free(&ds);
    return rc ? pd_cli_fail(cmd, &err) : 0;
}
