/* cmd_migrate.c - `partnerd migrate`: create the database file when it is
 * missing and apply the schema migrations it has not had yet. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "store/store.h"

static const char usage[] =
    "Usage: partnerd migrate --db FILE\n"
    "\n"
    "Creates the SQLite database FILE when it is missing and applies the schema\n"
    "migrations it has not had yet, each in its own transaction. Running it again\n"
    "does nothing. Prints what it did.\n"
    "\n"
    "  --db FILE   the database file (\"sqlite:FILE\" also works)\n"
    "\n"
    "Exit status: 0 done, 1 the database is newer than this partnerd, 2 usage,\n"
    "3 file or database error.\n";

int pd_cmd_migrate(int argc, char **argv)
{
    const char *cmd = "migrate";
    const char *db = NULL;
    pd_cli_opts po = {.cmd = cmd, .usage = usage, .db = &db, .no_args = 1};
    if (pd_cli_opt(&po, argc, argv) < 0) /* --db is its only option */
        return po.status;
    if (!db)
        return pd_cli_usage_error(cmd, "missing --db");

    const char *path = db;
    if (strncmp(path, "sqlite:", 7) == 0)
        path += 7;
    struct stat st;
    int existed = stat(path, &st) == 0;

    pd_store *s;
    int rc = pd_cli_open(cmd, db, PD_CLI_OPEN_BARE, 1, &s);
    if (rc)
        return rc;
    pd_error err = {0};
    int applied = 0, version = 0;
    rc = pd_store_migrate(s, &applied, &version, &err);
    pd_store_close(s);
    if (!existed && rc == PD_OK)
        printf("created %s\n", path);
    if (applied)
        printf("applied %d migration%s: schema version %d\n", applied, applied == 1 ? "" : "s",
               version);
    if (rc)
        return pd_cli_fail(cmd, &err);
    if (!applied)
        printf("schema version %d is current: nothing to do\n", version);
    return 0;
}
