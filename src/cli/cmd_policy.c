/* cmd_policy.c - `partnerd policy`: list the presets, show a policy as
 * JSON (a template to edit), check a policy file; and, in a database,
 * store a policy (add), decide from which day it governs (activate) and
 * show where online certification stands (status). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "util/num.h"
#include "core/online.h"
#include "app/online.h"
#include "app/policies.h"
#include "store/store.h"

static const char usage[] =
    "Usage: partnerd policy list\n"
    "       partnerd policy show NAME|FILE\n"
    "       partnerd policy check FILE...\n"
    "       partnerd policy add --db FILE NAME|FILE\n"
    "       partnerd policy activate --db FILE ID --from DATE\n"
    "       partnerd policy status --db FILE [--today DATE]\n"
    "\n"
    "list      the built-in presets\n"
    "show      a preset or a policy file as JSON in the policy file format\n"
    "check     validate policy files; exit status 1 names the first problem\n"
    "add       store a preset or a policy file in the database, as the next version\n"
    "          of its name; prints its id (stored versions never change)\n"
    "activate  make the stored policy ID govern online certification from DATE\n"
    "          (a UTC day) on: at once when DATE is on or before the day online\n"
    "          certification stands at (see status), else when it reaches DATE.\n"
    "          A later activation for the same day replaces one not yet in effect\n"
    "status    the day the online verdicts are for, the policy in force, how many\n"
    "          creators are certified and the activations still to come; with\n"
    "          --today, first brings online certification to DATE (applying the\n"
    "          activations due and taking out the posts that left the window)\n"
    "\n"
    "The database is created and migrated when needed. Exit status: 0 done,\n"
    "1 bad input (a policy file), 2 usage, 3 file or database error.\n";

/* "2019-05-31" for a day since 1970-01-01 (buf: 16 bytes). */
static const char *day_text(int64_t day, char buf[16])
{
    int64_t y;
    unsigned m, d;
    pd_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 16, "%04lld-%02u-%02u", (long long)y, m, d);
    return buf;
}

/* The options of add, activate and status; positional arguments stay in
 * argv[optind..]. */
struct db_args {
    const char *db, *from, *today;
};

static int parse_db_args(const char *cmd, int argc, char **argv, struct db_args *a)
{
    static const struct option own[] = {
        {"from", required_argument, NULL, 'f'},
        {"today", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    pd_cli_opts po = {.cmd = cmd, .usage = usage, .own = own, .db = &a->db};
    int opt;
    while ((opt = pd_cli_opt(&po, argc, argv)) > 0)
        *(opt == 'f' ? &a->from : &a->today) = optarg;
    if (opt < 0)
        return po.status ? po.status : -1;
    if (!a->db)
        return pd_cli_usage_error(cmd, "missing --db");
    return 0;
}

static int cmd_add(const char *cmd, int argc, char **argv)
{
    struct db_args a = {0};
    int rc = parse_db_args(cmd, argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.from || a.today)
        return pd_cli_usage_error(cmd, "add takes no --from nor --today");
    if (argc - optind != 1)
        return pd_cli_usage_error(cmd, "add takes one preset name or policy file");
    pd_error err = {0};
    pd_policy_rec r = {0};
    if (pd_cli_load_policy(argv[optind], &r.policy, &err))
        return err.code == PD_EUSAGE ? pd_cli_usage_error(cmd, "%s", err.msg)
                                     : pd_cli_fail(cmd, &err);
    pd_store *s;
    if ((rc = pd_cli_open(cmd, a.db, PD_CLI_OPEN_CREATE, 2, &s)) != 0)
        return rc;
    rc = pd_app_policy_add(s, &r, &err);
    pd_store_close(s);
    if (rc)
        return pd_cli_fail(cmd, &err);
    printf("policy %lld: %s version %u (%u-day window)\n", (long long)r.id, r.policy.name,
           r.version, r.policy.window_days);
    return 0;
}

static int cmd_activate(const char *cmd, int argc, char **argv)
{
    struct db_args a = {0};
    int rc = parse_db_args(cmd, argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.today)
        return pd_cli_usage_error(cmd, "activate takes --from, not --today");
    if (!a.from)
        return pd_cli_usage_error(cmd, "missing --from");
    if (argc - optind != 1)
        return pd_cli_usage_error(cmd, "activate takes one policy id (see policy add)");
    pd_error err = {0};
    uint64_t id;
    const char *why;
    if (pd_parse_uint(argv[optind], strlen(argv[optind]), INT64_MAX, &id, &why) < 0 || id == 0)
        return pd_cli_usage_error(cmd, "policy id '%s': expected a number from 1", argv[optind]);
    int64_t from = 0;
    if (pd_day_parse("--from", a.from, &from, &err))
        return pd_cli_usage_error(cmd, "%s", err.msg);
    pd_store *s;
    if ((rc = pd_cli_open(cmd, a.db, PD_CLI_OPEN_CREATE, 2, &s)) != 0)
        return rc;
    /* Recorded, and applied at once when its day has come (app/policies.h). */
    pd_activation_result res;
    rc = pd_app_policy_activate(s, (int64_t)id, from, 0, NULL, &res, &err);
    pd_store_close(s);
    if (rc)
        return pd_cli_fail(cmd, &err);
    const pd_policy_rec *r = &res.policy;
    char d[16];
    if (res.applied)
        printf("policy %lld (%s version %u) governs from %s; in force now: %llu gained, "
               "%llu lost\n",
               (long long)id, r->policy.name, r->version, day_text(from, d),
               (unsigned long long)res.report.gained, (unsigned long long)res.report.lost);
    else
        printf("policy %lld (%s version %u) governs from %s; it takes effect when online "
               "certification reaches that day\n",
               (long long)id, r->policy.name, r->version, day_text(from, d));
    return 0;
}

struct pending_ctx {
    pd_db *db;
    unsigned n;
};

static int print_pending(void *ctx, const pd_activation_rec *a)
{
    struct pending_ctx *p = ctx;
    if (a->applied_at)
        return 0;
    pd_policy_rec r;
    pd_error err = {0};
    char d[16];
    if (pd_db_policy_get(p->db, a->policy_id, &r, &err) != PD_OK)
        return err.code;
    printf("%s  policy %lld (%s version %u) from %s\n",
           p->n++ ? "                 " : "pending:        ", (long long)a->policy_id,
           r.policy.name, r.version, day_text(a->from_day, d));
    return 0;
}

static int cmd_status(const char *cmd, int argc, char **argv)
{
    struct db_args a = {0};
    int rc = parse_db_args(cmd, argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (a.from)
        return pd_cli_usage_error(cmd, "status takes --today, not --from");
    if (argc != optind)
        return pd_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    pd_error err = {0};
    int64_t today = 0;
    if (a.today && pd_day_parse("--today", a.today, &today, &err))
        return pd_cli_usage_error(cmd, "%s", err.msg);
    pd_store *s;
    if ((rc = pd_cli_open(cmd, a.db, PD_CLI_OPEN_CREATE, 2, &s)) != 0)
        return rc;
    pd_online_report rep = {0};
    if (a.today)
        rc = pd_app_online_advance(s, today, &rep, &err);
    pd_db *db = NULL;
    if (rc == PD_OK)
        rc = pd_store_acquire(s, &db, &err);
    pd_online_state st;
    if (rc == PD_OK)
        rc = pd_db_online_state(db, &st, &err);
    char d[16], n[32];
    if (rc == PD_OK) {
        if (a.today)
            printf("advanced:       %s -> %s: %llu creators' windows changed, %llu gained, "
                   "%llu lost%s%s\n",
                   rep.from_day ? day_text(rep.from_day, n) : "never", day_text(rep.to_day, d),
                   (unsigned long long)rep.creators_touched, (unsigned long long)rep.gained,
                   (unsigned long long)rep.lost, rep.policy_changed ? ", policy changed" : "",
                   rep.recomputed ? ", recomputed" : "");
        if (st.today)
            printf("today:          %s (verdicts as of the next midnight)\n",
                   day_text(st.today, d));
        else
            printf("today:          never set (partnerd policy status --today DATE sets it)\n");
        printf("aggregates:     %s\n",
               st.stale ? "stale: recomputed at the next advance" : "current");
        if (st.policy_id)
            printf("policy:         %lld (%s version %u, %u-day window)\n", (long long)st.policy_id,
                   st.policy.name, st.version, st.policy.window_days);
        else
            printf("policy:         none in force (nobody is certified)\n");
        pd_fmt_thousands(st.certified, n);
        printf("certified:      %s\n", n);
        struct pending_ctx pc = {.db = db};
        rc = pd_db_activation_list(db, print_pending, &pc, &err);
        if (rc == PD_OK && !pc.n)
            printf("pending:        none\n");
    }
    if (db)
        pd_store_release(s, db);
    pd_store_close(s);
    return rc ? pd_cli_fail(cmd, &err) : 0;
}

static int show(const pd_policy *p)
{
    size_t need = pd_policy_to_json(p, NULL, 0);
    char *buf = malloc(need + 1);
    if (!buf)
        return PD_ENOMEM;
    pd_policy_to_json(p, buf, need + 1);
    fputs(buf, stdout);
    free(buf);
    return 0;
}

int pd_cmd_policy(int argc, char **argv)
{
    const char *cmd = "policy";
    pd_error err = {0};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PD_EUSAGE : 0;
    }
    if (strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; pd_policy_preset_names[i]; i++) {
            const pd_policy *p = pd_policy_preset(pd_policy_preset_names[i]);
            printf("%-14s %s\n", p->name, p->description);
        }
        return 0;
    }
    if (strcmp(argv[1], "show") == 0) {
        if (argc != 3)
            return pd_cli_usage_error(cmd, "show takes one preset name or file");
        pd_policy p;
        if (pd_cli_load_policy(argv[2], &p, &err))
            return pd_cli_fail(cmd, &err);
        return show(&p);
    }
    if (strcmp(argv[1], "check") == 0) {
        if (argc < 3)
            return pd_cli_usage_error(cmd, "check takes one or more files");
        for (int i = 2; i < argc; i++) {
            pd_policy p;
            if (pd_cli_load_policy(argv[i], &p, &err))
                return pd_cli_fail(cmd, &err);
            int rules = __builtin_popcount(p.rules);
            printf("%s: ok: policy %s, %u-day window, %d rule%s\n", argv[i], p.name, p.window_days,
                   rules, rules == 1 ? "" : "s");
        }
        return 0;
    }
    if (strcmp(argv[1], "add") == 0)
        return cmd_add(cmd, argc - 1, argv + 1);
    if (strcmp(argv[1], "activate") == 0)
        return cmd_activate(cmd, argc - 1, argv + 1);
    if (strcmp(argv[1], "status") == 0)
        return cmd_status(cmd, argc - 1, argv + 1);
    return pd_cli_usage_error(cmd, "unknown action '%s' (list, show, check, add, activate, status)",
                              argv[1]);
}
