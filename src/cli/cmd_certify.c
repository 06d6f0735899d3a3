/* cmd_certify.c - `partnerd certify`: one policy over the two CSV files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch/certify.h"
#include "batch/dataset.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "util/atomic_file.h"

static const char usage[] =
    "Usage: partnerd certify --creators FILE --posts FILE --policy NAME|FILE --as-of DATE\n"
    "                        [--out FILE] [--explain] [--skip-bad-lines] [--threads N] [--quiet]\n"
    "\n"
    "Evaluates a certification policy for every creator of creators.csv over the\n"
    "posts of posts.csv in the policy's window before --as-of, and writes\n"
    "creator_id,certified,followers,posts,sponsored,avg_views (sorted by creator_id).\n"
    "\n"
    "  --creators FILE     creators.csv (creator_id,handle,category,followers,mcn_id)\n"
    "  --posts FILE        posts.csv (post_id,creator_id,published_at,kind,views,...)\n"
    "  --policy NAME|FILE  a preset (red-2019-v1, red-2019-v2) or a policy JSON file\n"
    "  --as-of DATE        the evaluation instant: 2019-06-01 or 2019-06-01T12:00:00Z\n"
    "  --out FILE          where to write the result (default: standard output);\n"
    "                      written to a temporary file and renamed when complete\n"
    "  --explain           add a failed_rules column: \"followers 3120 < 5000; ...\"\n"
    "  --skip-bad-lines    count and report malformed lines instead of stopping\n"
    "  --threads N         threads reading posts.csv (default: every core)\n"
    "  --quiet             no progress line and no summary on stderr\n"
    "\n"
    "Exit status: 0 done, 1 bad input data, 2 usage, 3 file error, 4 out of memory.\n";

int pd_cmd_certify(int argc, char **argv)
{
    static const struct option own[] = {{"policy", required_argument, NULL, 'P'},
                                        {"out", required_argument, NULL, 'o'},
                                        {"explain", no_argument, NULL, 'e'},
                                        {NULL, 0, NULL, 0}};
    const char *cmd = "certify";
    const char *policy_arg = NULL, *out_path = NULL;
    pd_cli_inputs inputs = {0};
    int explain = 0;
    pd_cli_opts po = {.cmd = cmd, .usage = usage, .own = own, .inputs = &inputs};
    int opt;
    while ((opt = pd_cli_opt(&po, argc, argv)) > 0) {
        switch (opt) {
        case 'P':
            if (policy_arg)
                return pd_cli_usage_error(cmd, "--policy given twice (simulate compares policies)");
            policy_arg = optarg;
            break;
        case 'o': out_path = optarg; break;
        case 'e': explain = 1; break;
        }
    }
    if (opt < 0)
        return po.status;
    pd_load_options o = {0};
    pd_policy policy;
    pd_dataset ds;
    int rc = pd_cli_load_data(cmd, argc, argv, &inputs, &policy_arg, policy_arg ? 1 : 0, &policy,
                              &o, &ds);
    if (rc)
        return rc;
    pd_error err = {0};
    pd_outfile out;
    uint64_t certified = 0;
    rc = pd_outfile_open(&out, out_path, &err);
    if (rc == PD_OK) {
        rc = pd_certify_write(out.fp, &ds, &policy, explain, o.threads, &certified, &err);
        if (rc == PD_OK)
            rc = pd_outfile_commit(&out, &err);
        else
            pd_outfile_abort(&out);
    }
    if (rc == PD_OK && !inputs.quiet)
        pd_cli_print_summary(&ds, 0, certified);
    pd_dataset_free(&ds);
    return rc ? pd_cli_fail(cmd, &err) : 0;
}
