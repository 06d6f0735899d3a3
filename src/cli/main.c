/* main.c - the partnerd command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"

static const char usage[] =
    "Usage: partnerd COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  certify    evaluate a certification policy over creators.csv and posts.csv\n"
    "  simulate   compare policies: who keeps, loses or gains certification\n"
    "  gen        write a deterministic synthetic data set\n"
    "  policy     list, show and check certification policies\n"
    "  migrate    create a database file or bring its schema up to date\n"
    "  import     store creators.csv and posts.csv in a database\n"
    "  export     write a database's creators and posts as CSV\n"
    "  serve      run the HTTP API\n"
    "  user       add, list, disable and enable login accounts\n"
    "  brand      add and list brands (their staff log in as role brand)\n"
    "  mcn        add and list multi-channel networks\n"
    "\n"
    "Run 'partnerd COMMAND --help' for the options of a command.\n";

static const struct {
    const char *name;
    int (*run)(int, char **);
} commands[] = {
    {"certify", pd_cmd_certify}, {"simulate", pd_cmd_simulate}, {"gen", pd_cmd_gen},
    {"policy", pd_cmd_policy},   {"migrate", pd_cmd_migrate},   {"import", pd_cmd_import},
    {"export", pd_cmd_export},   {"serve", pd_cmd_serve},       {"user", pd_cmd_user},
    {"brand", pd_cmd_brand},     {"mcn", pd_cmd_mcn},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return PD_EUSAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("partnerd %s\n", PD_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "partnerd: unknown command '%s'\n\n%s", argv[1], usage);
    return PD_EUSAGE;
}
