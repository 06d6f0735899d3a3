/* common.c - see common.h. */
#include "cli/common.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/num.h"

int pd_cli_read_file(const char *path, size_t max, char **out, size_t *len, pd_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pd_error_set(err, PD_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *data = malloc(max + 1);
    if (!data) {
        fclose(fp);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    size_t n = fread(data, 1, max + 1, fp);
    int bad = ferror(fp);
    int e = errno;
    fclose(fp);
    if (bad) {
        free(data);
        return pd_error_set(err, PD_EIO, "%s: cannot read: %s", path, strerror(e));
    }
    if (n > max) {
        free(data);
        return pd_error_set(err, PD_EINPUT, "%s: larger than %zu bytes", path, max);
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    return PD_OK;
}

int pd_cli_load_policy(const char *arg, pd_policy *out, pd_error *err)
{
    const pd_policy *preset = pd_policy_preset(arg);
    if (preset) {
        *out = *preset;
        return PD_OK;
    }
    struct stat st;
    if (stat(arg, &st) != 0) {
        char names[128] = "";
        for (size_t i = 0; pd_policy_preset_names[i]; i++) {
            strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
            strncat(names, pd_policy_preset_names[i], sizeof names - strlen(names) - 1);
        }
        return pd_error_set(err, PD_EUSAGE,
                            "--policy %s: neither a preset (%s) nor a readable file: %s", arg,
                            names, strerror(errno));
    }
    char *text;
    size_t len;
    int rc = pd_cli_read_file(arg, PD_POLICY_FILE_MAX, &text, &len, err);
    if (rc)
        return rc;
    rc = pd_policy_parse_json(text, len, out, err);
    free(text);
    if (rc)
        pd_error_prefix(err, "%s", arg);
    return rc;
}

int pd_cli_load_policies(const char *cmd, const char *const *args, size_t n, pd_policy *out,
                         pd_load_options *o)
{
    pd_error err = {0};
    for (size_t p = 0; p < n; p++) {
        if (pd_cli_load_policy(args[p], &out[p], &err))
            return err.code == PD_EUSAGE ? pd_cli_usage_error(cmd, "%s", err.msg)
                                         : pd_cli_fail(cmd, &err);
        for (size_t q = 0; q < p; q++)
            if (strcmp(out[q].name, out[p].name) == 0)
                return pd_cli_usage_error(cmd,
                                          "two policies are named '%s' (--policy %s and "
                                          "--policy %s): the report could not tell them apart",
                                          out[p].name, args[q], args[p]);
        size_t w = 0;
        while (w < o->nwindows && o->window_days[w] != out[p].window_days)
            w++;
        if (w == o->nwindows) {
            if (o->nwindows == PD_MAX_WINDOWS)
                return pd_cli_usage_error(cmd, "the policies use more than %d different windows",
                                          PD_MAX_WINDOWS);
            o->window_days[o->nwindows++] = out[p].window_days;
        }
    }
    return PD_OK;
}

int pd_cli_load_data(const char *cmd, int argc, char **argv, const pd_cli_inputs *in,
                     const char *const *policy_args, size_t npolicies, pd_policy *policies,
                     pd_load_options *o, pd_dataset *ds)
{
    int rc = pd_cli_inputs_finish(cmd, argc, argv, in, o);
    if (rc)
        return rc;
    if (npolicies == 0)
        return pd_cli_usage_error(cmd, "missing --policy");
    if ((rc = pd_cli_load_policies(cmd, policy_args, npolicies, policies, o)) != PD_OK)
        return rc;
    pd_error err = {0};
    return pd_dataset_load(o, ds, &err) ? pd_cli_fail(cmd, &err) : PD_OK;
}

int pd_cli_parse_as_of(const char *arg, pd_instant *out, pd_error *err)
{
    const char *why = NULL;
    if (pd_instant_parse(arg, strlen(arg), out, &why) < 0)
        return pd_error_set(err, PD_EUSAGE,
                            "--as-of '%s': %s (write 2019-06-01 or 2019-06-01T00:00:00Z)", arg,
                            why);
    return PD_OK;
}

int pd_cli_parse_threads(const char *arg, unsigned *out, pd_error *err)
{
    uint64_t v;
    const char *why;
    if (pd_parse_uint(arg, strlen(arg), 256, &v, &why) < 0 || v == 0)
        return pd_error_set(err, PD_EUSAGE, "--threads '%s': expected a number from 1 to 256", arg);
    *out = (unsigned)v;
    return PD_OK;
}

/* Takes a shared input option: 1 when opt was one, 0 when it is not, or
 * PD_EUSAGE after printing why its value is bad. */
static int input_option(const char *cmd, int opt, const char *arg, pd_cli_inputs *in)
{
    pd_error err = {0};
    switch (opt) {
    case 'c': in->creators = arg; return 1;
    case 'p': in->posts = arg; return 1;
    case 'a': in->as_of = arg; return 1;
    case 's': in->skip_bad_lines = 1; return 1;
    case 'q': in->quiet = 1; return 1;
    case 't':
        if (pd_cli_parse_threads(arg, &in->threads, &err))
            return pd_cli_usage_error(cmd, "%s", err.msg);
        return 1;
    default: return 0;
    }
}

/* The options every command may share. */
static const struct option input_opts[] = {{"creators", required_argument, NULL, 'c'},
                                           {"posts", required_argument, NULL, 'p'},
                                           {"as-of", required_argument, NULL, 'a'},
                                           {"threads", required_argument, NULL, 't'},
                                           {"skip-bad-lines", no_argument, NULL, 's'},
                                           {"quiet", no_argument, NULL, 'q'},
                                           {NULL, 0, NULL, 0}};
static const struct option db_opt[] = {{"db", required_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
static const struct option help_opt[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

/* Appends the options of `from` (ended by a NULL name) to o->all. */
static void add_opts(pd_cli_opts *o, size_t *n, const struct option *from)
{
    for (; from && from->name; from++) {
        if (*n == PD_CLI_OPTS_MAX)
            abort(); /* a command with more options than the table holds */
        o->all[(*n)++] = *from;
    }
}

int pd_cli_opt(pd_cli_opts *o, int argc, char **argv)
{
    if (!o->started) {
        size_t n = 0;
        add_opts(o, &n, o->db ? db_opt : NULL);
        add_opts(o, &n, o->inputs ? input_opts : NULL);
        add_opts(o, &n, o->own);
        add_opts(o, &n, help_opt);
        o->all[n] = (struct option){NULL, 0, NULL, 0};
        optind = 1;
        opterr = 0;
        o->started = 1;
    }
    for (;;) {
        int c = getopt_long(argc, argv, ":h", o->all, NULL);
        if (c == -1) { /* the options are read: what follows them */
            if (o->no_args && optind < argc)
                o->status = pd_cli_usage_error(o->cmd, "unexpected argument '%s'", argv[optind]);
            else if (o->need_db && !*o->db)
                o->status = pd_cli_usage_error(o->cmd, "--db FILE is required");
            else
                return 0;
            return -1;
        }
        if (c == 'd' && o->db) {
            *o->db = optarg;
            continue;
        }
        int taken =
            o->inputs && c != ':' && c != '?' ? input_option(o->cmd, c, optarg, o->inputs) : 0;
        if (taken == 1)
            continue;
        if (taken)
            o->status = taken;
        else if (c == 'h')
            fputs(o->usage, stdout), o->status = PD_OK;
        else if (c == ':')
            o->status = pd_cli_usage_error(o->cmd, "%s needs a value", argv[optind - 1]);
        else if (c == '?')
            o->status = pd_cli_usage_error(o->cmd, "unknown option '%s'", argv[optind - 1]);
        else
            return c;
        return -1;
    }
}

int pd_cli_inputs_finish(const char *cmd, int argc, char **argv, const pd_cli_inputs *in,
                         pd_load_options *o)
{
    if (optind < argc)
        return pd_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!in->creators || !in->posts || !in->as_of)
        return pd_cli_usage_error(cmd, "missing %s",
                                  !in->creators ? "--creators"
                                  : !in->posts  ? "--posts"
                                                : "--as-of");
    pd_error err = {0};
    if (pd_cli_parse_as_of(in->as_of, &o->as_of, &err))
        return pd_cli_usage_error(cmd, "%s", err.msg);
    o->creators_path = in->creators;
    o->posts_path = in->posts;
    o->threads = in->threads;
    o->skip_bad_lines = in->skip_bad_lines;
    o->progress = !in->quiet;
    return PD_OK;
}

int pd_cli_fail(const char *cmd, const pd_error *err)
{
    fprintf(stderr, "partnerd %s: %s\n", cmd, err->msg[0] ? err->msg : pd_code_name(err->code));
    return err->code ? (int)err->code : PD_EINTERNAL;
}

int pd_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "partnerd %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'partnerd %s --help'.\n", cmd);
    return PD_EUSAGE;
}

void pd_cli_print_summary(const pd_dataset *ds, size_t window, uint64_t certified)
{
    const pd_load_summary *s = &ds->summary;
    char a[32], b[32], c[32], d[32], e[32];
    pd_fmt_thousands(s->creators, a);
    pd_fmt_thousands(s->posts_read, b);
    pd_fmt_thousands(s->posts_in_window[window], c);
    pd_fmt_thousands(s->posts_unknown_creator, d);
    fprintf(stderr, "creators %s, posts read %s, posts in window %s, posts of unknown creators %s",
            a, b, c, d);
    if (certified != (uint64_t)-1) {
        pd_fmt_thousands(certified, e);
        fprintf(stderr, ", certified %s", e);
    }
    if (s->skipped_creator_lines || s->skipped_post_lines) {
        pd_fmt_thousands(s->skipped_creator_lines, a);
        pd_fmt_thousands(s->skipped_post_lines, b);
        fprintf(stderr, ", skipped bad lines: %s in creators, %s in posts", a, b);
    }
    fputc('\n', stderr);
}

int pd_cli_clock(const char *arg, pd_clock *out, pd_error *err)
{
    const char *from = arg ? "--clock" : PD_CLI_CLOCK_ENV;
    const char *v = arg ? arg : getenv(PD_CLI_CLOCK_ENV);
    *out = pd_clock_system();
    if (!v || (!arg && !v[0]))
        return PD_OK;
    pd_instant t;
    const char *why = "";
    if (pd_instant_parse(v, strlen(v), &t, &why) < 0)
        return pd_error_set(err, PD_EUSAGE, "%s '%.64s': %s (e.g. 2019-05-31T23:59:55Z)", from, v,
                            why);
    *out = pd_clock_starting_at(t.sec);
    return PD_OK;
}

/* The command's clock: one per process, read from PARTNERD_CLOCK once. */
static pd_clock cli_clock;
static int cli_clock_read;

int pd_cli_env_clock(const pd_clock **out, pd_error *err)
{
    if (!cli_clock_read) {
        int rc = pd_cli_clock(NULL, &cli_clock, err);
        if (rc != PD_OK)
            return rc;
        cli_clock_read = 1;
    }
    *out = &cli_clock;
    return PD_OK;
}

/* Opens path with o, on the process's clock (*clock gets it, when not
 * NULL). */
static int open_on_clock(const char *path, pd_store_options *o, pd_store **s,
                         const pd_clock **clock, pd_error *err)
{
    *s = NULL;
    int rc = pd_cli_env_clock(&o->clock, err);
    if (rc != PD_OK)
        return rc;
    if (clock)
        *clock = o->clock;
    return pd_store_open(path, o, s, err);
}

int pd_cli_store_open(const char *path, int create, pd_store **s, const pd_clock **clock,
                      pd_error *err)
{
    pd_store_options o = {.create = create, .migrate = 1, .pool_size = 1};
    return open_on_clock(path, &o, s, clock, err);
}

int pd_cli_open(const char *cmd, const char *path, pd_cli_open_mode mode, unsigned pool,
                pd_store **s)
{
    pd_error err = {0};
    pd_store_options o = {.create = mode != PD_CLI_OPEN_EXISTING,
                          .migrate = mode == PD_CLI_OPEN_CREATE,
                          .pool_size = pool ? pool : 1};
    if (open_on_clock(path, &o, s, NULL, &err) == PD_OK)
        return PD_OK;
    return err.code == PD_EUSAGE ? pd_cli_usage_error(cmd, "%s", err.msg) : pd_cli_fail(cmd, &err);
}

int pd_cli_parse_id(const char *cmd, const char *opt, const char *arg, int64_t *out)
{
    uint64_t v;
    const char *why = NULL;
    if (pd_parse_uint(arg, strlen(arg), INT64_MAX, &v, &why) < 0 || v == 0)
        return pd_cli_usage_error(cmd, "%s '%s': %s", opt, arg, why ? why : "ids start at 1");
    *out = (int64_t)v;
    return PD_OK;
}
