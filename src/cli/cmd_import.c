/* cmd_import.c - `partnerd import` and `partnerd export`: the certification
 * contract's two CSV files into the store and back out. The work is in
 * app/import.h; this file reads the command line and prints the summary. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/online.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "util/num.h"
#include "core/online.h"
#include "app/import.h"
#include "store/store.h"
#include "util/atomic_file.h"
#include "util/mono.h"

static const char import_usage[] =
    "Usage: partnerd import --db FILE --creators FILE --posts FILE [--skip-bad-lines]\n"
    "                       [--quiet]\n"
    "\n"
    "Stores creators.csv and posts.csv (the formats `partnerd certify` reads, with\n"
    "the same checks and messages) in the database, in one transaction: on any\n"
    "error nothing is stored. The database is created and migrated when needed.\n"
    "Existing creators are updated; a post id that exists is an error. Posts of\n"
    "creators that are neither in creators.csv nor in the database are skipped and\n"
    "counted.\n"
    "\n"
    "  --db FILE           the database file\n"
    "  --creators FILE     creators.csv (creator_id,handle,category,followers,mcn_id)\n"
    "  --posts FILE        posts.csv (post_id,creator_id,published_at,kind,views,...)\n"
    "  --skip-bad-lines    count and report malformed lines instead of stopping\n"
    "  --quiet             no progress line and no summary on stderr\n"
    "\n"
    "Exit status: 0 done, 1 bad input data, 2 usage, 3 file or database error,\n"
    "4 out of memory.\n";

static const char export_usage[] =
    "Usage: partnerd export --db FILE --creators FILE --posts FILE\n"
    "       partnerd export --db FILE --verdicts FILE [--today DATE]\n"
    "\n"
    "Writes every creator and every post of the database as creators.csv and\n"
    "posts.csv (the formats `partnerd import` and `partnerd certify` read), sorted\n"
    "by id, from one consistent snapshot. With --verdicts, writes the online\n"
    "certification of every creator under the policy in force, in the format of\n"
    "`partnerd certify` (creator_id,certified,followers,posts,sponsored,avg_views):\n"
    "the same as `partnerd certify --as-of` the day after the online state's day.\n"
    "Each file is written to a temporary file and renamed when complete; \"-\"\n"
    "writes to standard output.\n"
    "\n"
    "  --db FILE           the database file (it must exist)\n"
    "  --creators FILE     where to write creators.csv\n"
    "  --posts FILE        where to write posts.csv\n"
    "  --verdicts FILE     where to write the online verdicts\n"
    "  --today DATE        first bring online certification to DATE (a UTC day:\n"
    "                      activations due, posts leaving the window, aggregates\n"
    "                      stale after an import); without it, the verdicts are for\n"
    "                      the day the database is at\n"
    "\n"
    "Exit status: 0 done, 2 usage, 3 file or database error, 4 out of memory,\n"
    "7 the verdicts were never computed (give --today).\n";

/* The options both commands share. */
struct args {
    const char *db, *creators, *posts;
    const char *verdicts, *today; /* export only */
    int skip, quiet;
};

static int parse(const char *cmd, const char *usage, int with_import_opts, int argc, char **argv,
                 struct args *a)
{
    static const struct option own[] = {
        {"creators", required_argument, NULL, 'c'},
        {"posts", required_argument, NULL, 'p'},
        {"skip-bad-lines", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"verdicts", required_argument, NULL, 'v'},
        {"today", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    pd_cli_opts po = {.cmd = cmd, .usage = usage, .own = own, .db = &a->db, .no_args = 1};
    int opt;
    while ((opt = pd_cli_opt(&po, argc, argv)) > 0) {
        switch (opt) {
        case 'c': a->creators = optarg; break;
        case 'p': a->posts = optarg; break;
        case 's':
        case 'q':
            if (!with_import_opts)
                return pd_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            *(opt == 's' ? &a->skip : &a->quiet) = 1;
            break;
        case 'v':
        case 't':
            if (with_import_opts)
                return pd_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            *(opt == 'v' ? &a->verdicts : &a->today) = optarg;
            break;
        }
    }
    if (opt < 0)
        return po.status ? po.status : -1;
    if (a->today && !a->verdicts)
        return pd_cli_usage_error(cmd, "--today goes with --verdicts");
    if (a->db && a->verdicts && !a->creators && !a->posts)
        return 0;
    if (!a->db || !a->creators || !a->posts)
        return pd_cli_usage_error(cmd, "missing %s",
                                  !a->db         ? "--db"
                                  : !a->creators ? "--creators"
                                                 : "--posts");
    return 0;
}

int pd_cmd_import(int argc, char **argv)
{
    const char *cmd = "import";
    struct args a = {0};
    int rc = parse(cmd, import_usage, 1, argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    int64_t start = pd_mono_ms();
    pd_store *s;
    if ((rc = pd_cli_open(cmd, a.db, PD_CLI_OPEN_CREATE, 1, &s)) != 0)
        return rc;
    pd_import_options o = {.creators_path = a.creators,
                           .posts_path = a.posts,
                           .skip_bad_lines = a.skip,
                           .progress = !a.quiet};
    pd_import_summary sum;
    pd_error err = {0};
    rc = pd_import_files(s, &o, &sum, &err);
    pd_store_close(s);
    if (rc)
        return pd_cli_fail(cmd, &err);
    if (!a.quiet) {
        double secs = (double)(pd_mono_ms() - start) / 1000.0;
        char c[32], p[32], u[32], k[32], r[32];
        pd_fmt_thousands(sum.creators, c);
        pd_fmt_thousands(sum.posts, p);
        pd_fmt_thousands(sum.posts_unknown_creator, u);
        pd_fmt_thousands(sum.skipped_lines, k);
        pd_fmt_thousands(secs > 0 ? (uint64_t)((double)sum.posts / secs) : 0, r);
        fprintf(stderr,
                "partnerd import: creators %s, posts %s, posts of unknown creators %s, "
                "skipped bad lines %s, %.2f s (%s posts/s)\n",
                c, p, u, k, secs, r);
    }
    return 0;
}

/* --verdicts: brings the online state to --today (when given, or
 * recomputes stale aggregates for the day it is at), then writes the
 * verdicts through a temporary file. */
static int export_verdicts(const char *cmd, pd_store *s, const struct args *a, pd_error *err)
{
    int64_t today = 0;
    if (a->today) {
        if (pd_day_parse("--today", a->today, &today, err))
            return err->code = PD_EUSAGE;
    } else {
        pd_db *db;
        pd_online_state st = {0};
        int rc = pd_store_acquire(s, &db, err);
        if (rc == PD_OK) {
            rc = pd_db_online_state(db, &st, err);
            pd_store_release(s, db);
        }
        if (rc)
            return rc;
        today = st.stale ? st.today : 0; /* 0: nothing to do (or nothing possible) */
    }
    if (today) {
        pd_online_report rep;
        int rc = pd_app_online_advance(s, today, &rep, err);
        if (rc)
            return rc;
        if (rep.to_day > today) {
            char d[16];
            int64_t y;
            unsigned m, dd;
            pd_civil_from_days(rep.to_day, &y, &m, &dd);
            snprintf(d, sizeof d, "%04lld-%02u-%02u", (long long)y, m, dd);
            fprintf(stderr,
                    "partnerd %s: the database is at %s already, after --today %s: the "
                    "verdicts are for %s\n",
                    cmd, d, a->today, d);
        }
    }
    pd_outfile vf;
    int rc = pd_outfile_open(&vf, a->verdicts, err);
    if (rc)
        return rc;
    rc = pd_store_export_verdicts(s, vf.fp, err);
    if (rc == PD_OK)
        return pd_outfile_commit(&vf, err);
    pd_outfile_abort(&vf);
    return rc;
}

int pd_cmd_export(int argc, char **argv)
{
    const char *cmd = "export";
    struct args a = {0};
    int rc = parse(cmd, export_usage, 0, argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.creators && strcmp(a.creators, "-") == 0 && strcmp(a.posts, "-") == 0)
        return pd_cli_usage_error(cmd, "only one of --creators and --posts can be '-'");
    if (a.verdicts && strcmp(a.verdicts, "-") == 0 && a.creators &&
        (strcmp(a.creators, "-") == 0 || strcmp(a.posts, "-") == 0))
        return pd_cli_usage_error(cmd, "only one of the files can be '-'");
    pd_store *s;
    if ((rc = pd_cli_open(cmd, a.db, PD_CLI_OPEN_EXISTING, 1, &s)) != 0)
        return rc;
    pd_error err = {0};
    if (a.verdicts) {
        rc = export_verdicts(cmd, s, &a, &err);
        if (rc || !a.creators) {
            pd_store_close(s);
            if (rc == PD_EUSAGE)
                return pd_cli_usage_error(cmd, "%s", err.msg);
            return rc ? pd_cli_fail(cmd, &err) : 0;
        }
    }
    pd_outfile cf, pf;
    rc = pd_outfile_open(&cf, a.creators, &err);
    if (rc == PD_OK) {
        rc = pd_outfile_open(&pf, a.posts, &err);
        if (rc == PD_OK) {
            rc = pd_export_files(s, cf.fp, pf.fp, &err);
            /* Both files whole, or neither renamed into place. */
            if (rc == PD_OK)
                rc = pd_outfile_commit(&cf, &err);
            else
                pd_outfile_abort(&cf);
            if (rc == PD_OK)
                rc = pd_outfile_commit(&pf, &err);
            else
                pd_outfile_abort(&pf);
        } else {
            pd_outfile_abort(&cf);
        }
    }
    pd_store_close(s);
    return rc ? pd_cli_fail(cmd, &err) : 0;
}
