/*
 * cmd_gen.c - `partnerd gen`: write a deterministic synthetic data set
 * (creators.csv and posts.csv) into a directory. The work is in
 * batch/gen.h; this file reads the command line and prints the one-line
 * summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "batch/gen.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "util/mono.h"
#include "util/num.h"

static const char usage[] =
    "Usage: partnerd gen --out DIR [options]\n"
    "\n"
    "Writes a synthetic, deterministic data set: DIR/creators.csv and DIR/posts.csv\n"
    "(about 30 posts per creator over the 60 days before --as-of). The same\n"
    "options always give byte-identical files.\n"
    "\n"
    "Options:\n"
    "  --out DIR        directory to write into (created when missing)\n"
    "  --seed S         random seed, a whole number (default 1)\n"
    "  --as-of DATE     the posts end just before this instant or date\n"
    "                   (default 2019-06-01)\n"
    "  --preset NAME    red-2019: 17,000 creators with at least 1000 followers,\n"
    "                   about 4,000 of whom meet red-2019-v2 on --as-of\n"
    "  --creators N     number of creators (default 100,000, or the preset's)\n"
    "  --threads N      generating threads (default: up to 2; at most 64); the\n"
    "                   output does not depend on it\n"
    "  --quiet          print no summary and no progress\n"
    "  --help           show this help\n";

int pd_cmd_gen(int argc, char **argv)
{
    static const struct option own[] = {
        {"out", required_argument, NULL, 'o'},      {"seed", required_argument, NULL, 's'},
        {"as-of", required_argument, NULL, 'a'},    {"preset", required_argument, NULL, 'p'},
        {"creators", required_argument, NULL, 'n'}, {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},          {NULL, 0, NULL, 0},
    };
    pd_gen_options o;
    pd_gen_options_init(&o);
    pd_error err = {0};
    int quiet = 0;
    const char *why;
    uint64_t v;

    pd_cli_opts po = {.cmd = "gen", .usage = usage, .own = own, .no_args = 1};
    int c;
    while ((c = pd_cli_opt(&po, argc, argv)) > 0) {
        switch (c) {
        case 'o': o.out_dir = optarg; break;
        case 's':
            if (pd_parse_uint(optarg, strlen(optarg), UINT64_MAX, &o.seed, &why) < 0)
                return pd_cli_usage_error("gen", "--seed '%s': %s", optarg, why);
            break;
        case 'a':
            if (pd_cli_parse_as_of(optarg, &o.as_of, &err))
                return pd_cli_usage_error("gen", "%s", err.msg);
            break;
        case 'p':
            if (pd_gen_preset_from_name(optarg, &o.preset) < 0)
                return pd_cli_usage_error("gen", "--preset '%s': unknown preset (known: red-2019)",
                                          optarg);
            break;
        case 'n':
            if (pd_parse_uint(optarg, strlen(optarg), PD_GEN_MAX_CREATORS, &v, &why) < 0 || v == 0)
                return pd_cli_usage_error("gen", "--creators '%s': expected a number from 1 to %u",
                                          optarg, PD_GEN_MAX_CREATORS);
            o.creators = v;
            break;
        case 't':
            if (pd_cli_parse_threads(optarg, &o.threads, &err))
                return pd_cli_usage_error("gen", "%s", err.msg);
            break;
        case 'q': quiet = 1; break;
        }
    }
    if (c < 0)
        return po.status;
    if (!o.out_dir)
        return pd_cli_usage_error("gen", "--out DIR is required");

    o.progress = !quiet;
    int64_t start = pd_mono_ms();
    pd_gen_summary sum;
    int rc = pd_gen_run(&o, &sum, &err);
    if (rc)
        return rc == PD_EUSAGE ? pd_cli_usage_error("gen", "%s", err.msg)
                               : pd_cli_fail("gen", &err);
    if (!quiet) {
        char a[32], b[32], u[32], d[32];
        pd_fmt_thousands(sum.creators, a);
        pd_fmt_thousands(sum.posts, b);
        pd_fmt_thousands(sum.posts_unknown_creator, u);
        pd_fmt_thousands(sum.creators_bytes + sum.posts_bytes, d);
        fprintf(stderr,
                "partnerd gen: creators %s, posts %s (%s of unknown creators), bytes %s, "
                "%.2f s, in %s\n",
                a, b, u, d, (double)(pd_mono_ms() - start) / 1000.0, o.out_dir);
    }
    return PD_OK;
}
