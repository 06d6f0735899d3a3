/*
 * cmd_org.c - `partnerd brand` and `partnerd mcn`: add and list the
 * organisations that accounts belong to. A brand's staff log in with
 * `partnerd user add --role brand --brand ID`; an MCN's manager with
 * `--role mcn --mcn ID`. An import creates the MCNs that creators.csv names
 * (as "MCN <id>"); `mcn add --id` registers one under the content
 * platform's id before its creators arrive. What each action does is a
 * use case (app/orgs.h); this file reads the command line and prints.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "app/orgs.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/instant.h"
#include "store/store.h"

static const char brand_usage[] =
    "Usage: partnerd brand add --db FILE --name NAME\n"
    "       partnerd brand list --db FILE\n"
    "\n"
    "add   register a brand (and create the database file, when missing); prints\n"
    "      its id, for 'partnerd user add --role brand --brand ID'\n"
    "list  every brand: id, name, how many accounts work for it, creation\n"
    "\n"
    "Options:\n"
    "  --db FILE     the SQLite database\n"
    "  --name NAME   the brand's name: 1 to 63 bytes of UTF-8, no control\n"
    "                characters; unique\n"
    "  --help        show this help\n"
    "\n"
    "Environment:\n"
    "  PARTNERD_CLOCK  an ISO-8601 instant: the clock the creation is recorded\n"
    "                  by starts there instead of now (as 'serve --clock'); tests\n";

static const char mcn_usage[] =
    "Usage: partnerd mcn add --db FILE --name NAME [--id ID]\n"
    "       partnerd mcn list --db FILE\n"
    "\n"
    "add   register a multi-channel network (and create the database file, when\n"
    "      missing); prints its id, for 'partnerd user add --role mcn --mcn ID'\n"
    "list  every MCN: id, name, how many creators it hosts, creation\n"
    "\n"
    "Options:\n"
    "  --db FILE     the SQLite database\n"
    "  --name NAME   the MCN's name: 1 to 63 bytes of UTF-8, no control characters\n"
    "  --id ID       the content platform's id for it, as creators.csv gives it\n"
    "                (default: the next free id)\n"
    "  --help        show this help\n"
    "\n"
    "Environment:\n"
    "  PARTNERD_CLOCK  an ISO-8601 instant: the clock the creation is recorded\n"
    "                  by starts there instead of now (as 'serve --clock'); tests\n";

/* What one of the two commands is. */
typedef struct org_kind {
    const char *cmd;  /* "brand" or "mcn" */
    const char *what; /* "brand" or "MCN", in messages */
    const char *usage;
    const char *members; /* the list's column for pd_org_rec.members */
    int mcn;
} org_kind;

static const org_kind brand_kind = {"brand", "brand", brand_usage, "ACCOUNTS", 0};
static const org_kind mcn_kind = {"mcn", "MCN", mcn_usage, "CREATORS", 1};

typedef struct org_args {
    const char *db, *name, *id;
} org_args;

/* Parses the options after the action. PD_OK, a usage error's status, or
 * -1 after printing the help. */
static int parse(const org_kind *k, const char *cmd, int argc, char **argv, org_args *a)
{
    static const struct option own[] = {
        {"name", required_argument, NULL, 'n'},
        {"id", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    pd_cli_opts po = {
        .cmd = cmd, .usage = k->usage, .own = own, .db = &a->db, .no_args = 1, .need_db = 1};
    int c;
    while ((c = pd_cli_opt(&po, argc, argv)) > 0)
        *(c == 'n' ? &a->name : &a->id) = optarg;
    if (c < 0)
        return po.status ? po.status : -1;
    if (a->id && !k->mcn)
        return pd_cli_usage_error(cmd, "--id is for MCNs (a brand's id is given to it)");
    return PD_OK;
}

static int do_add(const org_kind *k, const char *cmd, const org_args *a)
{
    if (!a->name)
        return pd_cli_usage_error(cmd, "--name NAME is required");
    int64_t id = 0;
    int rc;
    if (a->id && (rc = pd_cli_parse_id(cmd, "--id", a->id, &id)) != PD_OK)
        return rc;
    pd_error err = {0};
    pd_store *s = NULL;
    rc = pd_cli_store_open(a->db, 1, &s, NULL, &err);
    if (rc == PD_OK)
        rc = k->mcn ? pd_app_mcn_add(s, id, a->name, &id, &err)
                    : pd_app_brand_add(s, a->name, &id, &err);
    pd_store_close(s);
    if (rc != PD_OK)
        return pd_cli_fail(cmd, &err);
    printf("%s %lld added: %s\n", k->what, (long long)id, a->name);
    return PD_OK;
}

static int print_org(void *ctx, const pd_org_rec *o)
{
    (void)ctx;
    char created[PD_INSTANT_FMT_MAX];
    pd_instant_format((pd_instant){.sec = o->created_at}, created);
    printf("%-8lld %-40s %9llu  %s\n", (long long)o->id, o->name, (unsigned long long)o->members,
           created);
    return 0;
}

static int do_list(const org_kind *k, const char *cmd, const org_args *a)
{
    if (a->name || a->id)
        return pd_cli_usage_error(cmd, "list takes only --db");
    pd_error err = {0};
    pd_store *s = NULL;
    int rc;
    if ((rc = pd_cli_store_open(a->db, 0, &s, NULL, &err)) != PD_OK)
        return pd_cli_fail(cmd, &err);
    printf("%-8s %-40s %9s  %s\n", "ID", "NAME", k->members, "CREATED");
    rc = k->mcn ? pd_app_mcn_list(s, print_org, NULL, &err)
                : pd_app_brand_list(s, print_org, NULL, &err);
    pd_store_close(s);
    if (rc != PD_OK)
        return pd_cli_fail(cmd, &err);
    return fflush(stdout) == 0 ? PD_OK : PD_EIO;
}

static int run(const org_kind *k, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(k->usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PD_EUSAGE : PD_OK;
    }
    int add = strcmp(argv[1], "add") == 0;
    if (!add && strcmp(argv[1], "list") != 0)
        return pd_cli_usage_error(k->cmd, "unknown action '%s' (add, list)", argv[1]);
    char cmd[16];
    snprintf(cmd, sizeof cmd, "%s %s", k->cmd, argv[1]);
    org_args a;
    /* getopt sees the action as its argv[0]. */
    int rc = parse(k, cmd, argc - 1, argv + 1, &a);
    if (rc)
        return rc < 0 ? PD_OK : rc;
    return add ? do_add(k, cmd, &a) : do_list(k, cmd, &a);
}

int pd_cmd_brand(int argc, char **argv)
{
    return run(&brand_kind, argc, argv);
}

int pd_cmd_mcn(int argc, char **argv)
{
    return run(&mcn_kind, argc, argv);
}
