/*
 * commands.h - the subcommands of the partnerd command line. Each takes the
 * arguments after "partnerd" (argv[0] is the subcommand's name) and returns
 * the process exit status (see cli/common.h).
 */
#ifndef PD_COMMANDS_H
#define PD_COMMANDS_H

int pd_cmd_certify(int argc, char **argv);
int pd_cmd_simulate(int argc, char **argv);
int pd_cmd_gen(int argc, char **argv);
int pd_cmd_policy(int argc, char **argv);
int pd_cmd_migrate(int argc, char **argv);
int pd_cmd_import(int argc, char **argv);
int pd_cmd_export(int argc, char **argv);
int pd_cmd_serve(int argc, char **argv);
int pd_cmd_user(int argc, char **argv);
int pd_cmd_brand(int argc, char **argv);
int pd_cmd_mcn(int argc, char **argv);

#endif
