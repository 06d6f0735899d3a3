/* cmd_policy.c - `partnerd policy`: list the presets, show a policy as
 * JSON (a template to edit), check a policy file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"

static const char usage[] =
    "Usage: partnerd policy list\n"
    "       partnerd policy show NAME|FILE\n"
    "       partnerd policy check FILE...\n"
    "\n"
    "list   the built-in presets\n"
    "show   a preset or a policy file as JSON in the policy file format\n"
    "check  validate policy files; exit status 1 names the first problem\n";

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
            printf("%s: ok: policy %s, %u-day window, %d rule%s\n", argv[i], p.name,
                   p.window_days, rules, rules == 1 ? "" : "s");
        }
        return 0;
    }
    return pd_cli_usage_error(cmd, "unknown action '%s' (list, show, check)", argv[1]);
}
