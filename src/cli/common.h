/*
 * common.h - what every partnerd subcommand shares: reading its options
 * (pd_cli_opt), policies and instants from the command line, loading the
 * two input files with the options certify and simulate have in common,
 * the one clock (PARTNERD_CLOCK), opening the store on it, and reporting
 * errors. A command writes nothing through the store itself: it calls the
 * use cases (src/app/), which own their transactions.
 *
 * Exit status is the pd_code of the error (see docs/certification.md): 0 success,
 * 1 bad input data, 2 usage, 3 i/o error, 4 out of memory, 5 internal.
 */
#ifndef PD_CLI_COMMON_H
#define PD_CLI_COMMON_H

#include <getopt.h>
#include <stddef.h>

#include "batch/dataset.h"
#include "util/error.h"
#include "core/instant.h"
#include "core/policy.h"
#include "store/store.h"

/* Largest policy file we read. */
#define PD_POLICY_FILE_MAX (1u << 20)

/* Reads a whole file of at most max bytes into a NUL-terminated malloc'd
 * buffer the caller frees. */
int pd_cli_read_file(const char *path, size_t max, char **out, size_t *len, pd_error *err);

/* A preset name ("red-2019-v2") or the path of a policy JSON file. */
int pd_cli_load_policy(const char *arg, pd_policy *out, pd_error *err);

/* The policies of certify and simulate: args[0..n) (presets or files)
 * into out[0..n), each distinct window added to o's (o->nwindows set by
 * the caller, 0 when none yet), so that one load serves every policy.
 * PD_OK, or the exit status after saying why for cmd: a usage error for a
 * bad argument, two policies of one name, or more than PD_MAX_WINDOWS
 * windows; the file's error otherwise. */
int pd_cli_load_policies(const char *cmd, const char *const *args, size_t n, pd_policy *out,
                         pd_load_options *o);

/* --as-of: an instant or a date (that day at 00:00:00Z). */
int pd_cli_parse_as_of(const char *arg, pd_instant *out, pd_error *err);

/* --threads: 1..256. */
int pd_cli_parse_threads(const char *arg, unsigned *out, pd_error *err);

/* The options certify and simulate share: where the data is and how to
 * read it. The strings point into argv. */
typedef struct pd_cli_inputs {
    const char *creators, *posts, *as_of;
    unsigned threads;
    int skip_bad_lines, quiet;
} pd_cli_inputs;

/* ---- reading the options ------------------------------------------------------
 *
 * Every command reads its options alike: getopt_long from argv[1] on (an
 * action such as "user add" passes argv + 1), --help prints the usage on
 * standard output, a missing value or an unknown option is a usage error;
 * --db FILE and the input options of certify and simulate (--creators,
 * --posts, --as-of, --threads, --skip-bad-lines, --quiet) are read here
 * for the commands that take them. A command lists only its own options:
 *
 *     static const struct option own[] = {{"name", required_argument, NULL, 'n'}, {0}};
 *     pd_cli_opts po = {.cmd = cmd, .usage = usage, .own = own, .db = &db};
 *     int c;
 *     while ((c = pd_cli_opt(&po, argc, argv)) > 0)
 *         switch (c) { case 'n': name = optarg; break; ... }
 *     if (c < 0)
 *         return po.status;
 */
#define PD_CLI_OPTS_MAX 32 /* options of a command, the shared ones included */

typedef struct pd_cli_opts {
    const char *cmd;                        /* the command in messages ("user add")           */
    const char *usage;                      /* printed for --help                             */
    const struct option *own;               /* the command's own, ended by a NULL name        */
    const char **db;                        /* not NULL: takes --db FILE                      */
    pd_cli_inputs *inputs;                  /* not NULL: takes the input options              */
    int no_args;                            /* refuse arguments after the options             */
    int need_db;                            /* with db: refuse a command line without --db    */
    int status;                             /* after -1: the exit status (0 after --help)     */
    int started;                            /* set by pd_cli_opt                              */
    struct option all[PD_CLI_OPTS_MAX + 1]; /* the table getopt_long reads       */
} pd_cli_opts;

/* The next option that is the command's own (its val, > 0); 0 when there
 * are no more (optind: the first argument left); -1 when the command ends
 * with o->status: 0 after printing the usage, or PD_EUSAGE after saying
 * what is wrong (a missing value, an unknown option, a bad shared input
 * option; with no_args an argument, with need_db no --db). optarg is the
 * option's value. */
int pd_cli_opt(pd_cli_opts *o, int argc, char **argv);

/* After the options: refuses stray arguments and missing inputs, and fills
 * the paths, as_of, threads, skip and progress of o. PD_OK, or PD_EUSAGE
 * after printing why. */
int pd_cli_inputs_finish(const char *cmd, int argc, char **argv, const pd_cli_inputs *in,
                         pd_load_options *o);

/* After the options of certify or simulate: the inputs finished
 * (pd_cli_inputs_finish, into *o), --policy required (npolicies > 0), the
 * policies loaded (pd_cli_load_policies) and the data read for their
 * windows into *ds. PD_OK with *ds to release (pd_dataset_free), or the
 * exit status after saying why. */
int pd_cli_load_data(const char *cmd, int argc, char **argv, const pd_cli_inputs *in,
                     const char *const *policy_args, size_t npolicies, pd_policy *policies,
                     pd_load_options *o, pd_dataset *ds);

/* ---- the clock ---------------------------------------------------------------
 *
 * Every command that records or decides by time reads one clock
 * (util/clock.h): the system's, unless `partnerd serve --clock INSTANT` or
 * the environment variable PD_CLI_CLOCK_ENV (for every command, serve
 * included; --clock wins) names an ISO-8601 instant to start it from.
 * Read here and nowhere else. */
#define PD_CLI_CLOCK_ENV "PARTNERD_CLOCK"

/* The clock from arg (an option's value) or, when arg is NULL, from
 * PARTNERD_CLOCK; the system clock when neither is set. PD_EUSAGE naming
 * where the bad instant came from. */
int pd_cli_clock(const char *arg, pd_clock *out, pd_error *err);

/* The process's one clock for a command without --clock: PARTNERD_CLOCK's
 * (read at the first call), else the system's. It lives as long as the
 * process; give it to pd_store_options.clock and to the use cases.
 * PD_EUSAGE for a bad PARTNERD_CLOCK. */
int pd_cli_env_clock(const pd_clock **out, pd_error *err);

/* A store for a command that reads or changes a few rows through the use
 * cases (src/app/): created when `create` and missing, migrated, one
 * connection, on the clock PARTNERD_CLOCK sets (*clock, when not NULL, gets
 * it: the process's one, which lives as long as the process).
 * pd_store_close releases the store. */
int pd_cli_store_open(const char *path, int create, pd_store **s, const pd_clock **clock,
                      pd_error *err);

/* The store of command cmd (import, export, policy, migrate), on the
 * process's one clock (as pd_cli_store_open), its failure printed: PD_OK,
 * or the exit status to return (a usage error for a bad PARTNERD_CLOCK or
 * a path that names no database). pool: connections (0: one).
 * pd_store_close releases it. */
typedef enum pd_cli_open_mode {
    PD_CLI_OPEN_EXISTING, /* it must exist; opened as it is (no migration)      */
    PD_CLI_OPEN_CREATE,   /* created when missing, migrated                      */
    PD_CLI_OPEN_BARE,     /* created when missing, not migrated (`migrate` does) */
} pd_cli_open_mode;
int pd_cli_open(const char *cmd, const char *path, pd_cli_open_mode mode, unsigned pool,
                pd_store **s);

/* Parses an id (1 or more) given to option `opt`; a usage error otherwise. */
int pd_cli_parse_id(const char *cmd, const char *opt, const char *arg, int64_t *out);

/* Prints "partnerd CMD: MESSAGE" on stderr and returns the exit status for
 * err->code. */
int pd_cli_fail(const char *cmd, const pd_error *err);

/* Prints "partnerd CMD: MESSAGE\nTry 'partnerd CMD --help'." and returns the
 * usage exit status. */
int pd_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the one-line load summary ("creators 17,000, posts read ...,
 * certified ...") on stderr. certified may be (uint64_t)-1 to leave it out. */
void pd_cli_print_summary(const pd_dataset *ds, size_t window, uint64_t certified);

#endif
