/*
 * cmd_user.c - `partnerd user`: add, list, disable and enable the accounts
 * that log in to the server. Passwords are read from the terminal with echo
 * off (asked twice), or as one line from standard input; they are hashed
 * with auth/password.h and never printed, logged or passed on the command
 * line. What each action does is a use case (app/accounts.h); this file
 * reads the command line and the password, and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app/accounts.h"
#include "auth/password.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/instant.h"
#include "util/num.h"
#include "store/store.h"

static const char usage[] =
    "Usage: partnerd user add --db FILE --name NAME --role ROLE [LINK] [--password-stdin]\n"
    "       partnerd user list --db FILE\n"
    "       partnerd user disable --db FILE --name NAME\n"
    "       partnerd user enable --db FILE --name NAME\n"
    "\n"
    "add      create an account (and the database file, when missing)\n"
    "list     every account: id, name, role, what it belongs to, status, creation\n"
    "disable  stop an account from logging in; its tokens stop working at once\n"
    "enable   let a disabled account log in again\n"
    "\n"
    "Options:\n"
    "  --db FILE            the SQLite database\n"
    "  --name NAME          the login name: 1 to 63 bytes, no spaces or control\n"
    "                       characters\n"
    "  --role ROLE          operator, brand, creator or mcn\n"
    "  --brand ID           for role brand: the brand the account works for\n"
    "  --creator ID         for role creator: the creator profile it owns\n"
    "  --mcn ID             for role mcn: the MCN it manages\n"
    "  --password-stdin     read the password as one line from standard input\n"
    "                       (the default when standard input is not a terminal;\n"
    "                       on a terminal the password is asked twice, unechoed)\n"
    "  --password-cost C    interactive (the default) or min (for tests only:\n"
    "                       such a hash is quick to crack)\n"
    "  --help               show this help\n"
    "\n"
    "Environment:\n"
    "  PARTNERD_CLOCK       an ISO-8601 instant (2031-03-04T10:00:00Z): the clock\n"
    "                       that accounts are created by starts there instead of\n"
    "                       now, as 'partnerd serve --clock' does; for tests\n";

/* ---- reading a password ---------------------------------------------------- */

/* The terminal's settings while echo is off, put back by a signal handler
 * if the user interrupts the prompt. */
static struct termios saved_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty_and_die(int sig)
{
    if (tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads one line from fd, without its "\n" (or "\r\n"), into buf of cap
 * bytes (room for PD_PASSWORD_MAX and a NUL). Reads a byte at a time with
 * read(2), so no copy stays behind in a stdio buffer. */
static int read_line(int fd, char *buf, size_t cap, size_t *len, pd_error *err)
{
    size_t n = 0;
    int any = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pd_error_set(err, PD_EIO, "cannot read the password: %s", strerror(errno));
        if (r == 0)
            break;
        any = 1;
        if (c == '\n')
            break;
        if (n + 1 >= cap) {
            explicit_bzero(buf, cap);
            return pd_error_set(err, PD_EINPUT,
                                "password is too long: more than %d bytes are not allowed",
                                PD_PASSWORD_MAX);
        }
        buf[n++] = c;
    }
    if (!any)
        return pd_error_set(err, PD_EINPUT, "no password on standard input: send it as one line");
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    *len = n;
    return PD_OK;
}

/* Prints prompt on stderr and reads a line from the terminal on stdin with
 * echo off. */
static int prompt_line(const char *prompt, char *buf, size_t cap, size_t *len, pd_error *err)
{
    struct termios off;
    if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
        return pd_error_set(err, PD_EIO, "cannot read the terminal's settings: %s",
                            strerror(errno));
    off = saved_tty;
    off.c_lflag &= (tcflag_t) ~(ECHO | ECHOE | ECHOK);
    off.c_lflag |= ICANON;

    struct sigaction sa, old_int, old_term, old_hup;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore_tty_and_die;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);

    /* Echo off first, then the prompt: TCSAFLUSH drops what was typed before
     * it, and must not drop an answer typed once the prompt shows. */
    int rc;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &off) != 0) {
        rc = pd_error_set(err, PD_EIO, "cannot turn off the terminal's echo: %s", strerror(errno));
    } else {
        tty_changed = 1;
        fputs(prompt, stderr);
        fflush(stderr);
        rc = read_line(STDIN_FILENO, buf, cap, len, err);
        /* Nothing typed after the line is dropped: TCSANOW. */
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        tty_changed = 0;
    }
    fputc('\n', stderr);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return rc;
}

/* The new account's password into pw (PD_PASSWORD_MAX + 1 bytes). */
static int get_password(const char *name, int from_stdin, char *pw, size_t cap, size_t *len,
                        pd_error *err)
{
    if (from_stdin || !isatty(STDIN_FILENO))
        return read_line(STDIN_FILENO, pw, cap, len, err);

    char prompt[PD_NAME_MAX + 32];
    snprintf(prompt, sizeof prompt, "Password for %s: ", name);
    int rc = prompt_line(prompt, pw, cap, len, err);
    if (rc != PD_OK)
        return rc;
    /* Say what is wrong before asking again, not after. */
    rc = pd_password_check_policy(pw, *len, err);
    if (rc != PD_OK) {
        explicit_bzero(pw, cap);
        return rc;
    }
    char again[PD_PASSWORD_MAX + 1];
    size_t alen = 0;
    rc = prompt_line("Again: ", again, sizeof again, &alen, err);
    if (rc == PD_OK && (alen != *len || memcmp(again, pw, alen) != 0))
        rc = pd_error_set(err, PD_EINPUT, "the two passwords differ; nothing was changed");
    explicit_bzero(again, sizeof again);
    if (rc != PD_OK)
        explicit_bzero(pw, cap);
    return rc;
}

/* ---- the command line ------------------------------------------------------ */

typedef struct user_args {
    const char *db, *name, *role, *brand, *creator, *mcn, *cost;
    int password_stdin;
} user_args;

/* Parses the options after the action. PD_OK, a usage error's status, or
 * -1 after printing the help. */
static int parse(const char *cmd, int argc, char **argv, user_args *a)
{
    static const struct option own[] = {
        {"name", required_argument, NULL, 'n'},          {"role", required_argument, NULL, 'r'},
        {"brand", required_argument, NULL, 'b'},         {"creator", required_argument, NULL, 'c'},
        {"mcn", required_argument, NULL, 'm'},           {"password-stdin", no_argument, NULL, 's'},
        {"password-cost", required_argument, NULL, 'k'}, {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    pd_cli_opts po = {
        .cmd = cmd, .usage = usage, .own = own, .db = &a->db, .no_args = 1, .need_db = 1};
    int c;
    while ((c = pd_cli_opt(&po, argc, argv)) > 0) {
        switch (c) {
        case 'n': a->name = optarg; break;
        case 'r': a->role = optarg; break;
        case 'b': a->brand = optarg; break;
        case 'c': a->creator = optarg; break;
        case 'm': a->mcn = optarg; break;
        case 's': a->password_stdin = 1; break;
        case 'k': a->cost = optarg; break;
        }
    }
    return c < 0 ? (po.status ? po.status : -1) : PD_OK;
}

/* Names are what people type to log in: keep them to what a terminal shows
 * plainly and a form field keeps intact. */
static int check_name(const char *cmd, const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= PD_NAME_MAX)
        return pd_cli_usage_error(cmd, "--name must be 1 to %d bytes, not %zu", PD_NAME_MAX - 1, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch <= 0x20 || ch == 0x7f)
            return pd_cli_usage_error(cmd, "--name may not contain spaces or control characters");
    }
    return PD_OK;
}

static int do_add(const char *cmd, user_args a)
{
    int rc;
    if (!a.name)
        return pd_cli_usage_error(cmd, "--name NAME is required");
    if (!a.role)
        return pd_cli_usage_error(cmd, "--role is required (operator, brand, creator, mcn)");
    if ((rc = check_name(cmd, a.name)) != PD_OK)
        return rc;

    pd_user u;
    memset(&u, 0, sizeof u);
    if (pd_role_from_name(a.role, &u.role) != 0)
        return pd_cli_usage_error(cmd, "--role '%s': expected operator, brand, creator or mcn",
                                  a.role);
    const char *need = u.role == PD_ROLE_BRAND     ? "--brand"
                       : u.role == PD_ROLE_CREATOR ? "--creator"
                       : u.role == PD_ROLE_MCN     ? "--mcn"
                                                   : NULL;
    const char *links[3][2] = {{"--brand", a.brand}, {"--creator", a.creator}, {"--mcn", a.mcn}};
    int64_t *ids[3] = {&u.brand_id, &u.creator_id, &u.mcn_id};
    for (int i = 0; i < 3; i++) {
        int wanted = need && strcmp(need, links[i][0]) == 0;
        if (!links[i][1] && wanted)
            return pd_cli_usage_error(cmd, "role %s needs %s ID", a.role, need);
        if (links[i][1] && !wanted)
            return pd_cli_usage_error(cmd, "role %s takes no %s%s%s", a.role, links[i][0],
                                      need ? "; it needs " : "", need ? need : "");
        if (links[i][1] && (rc = pd_cli_parse_id(cmd, links[i][0], links[i][1], ids[i])) != PD_OK)
            return rc;
    }
    pd_pwcost cost = PD_PWCOST_INTERACTIVE;
    pd_error err = {0};
    if (a.cost && pd_pwcost_from_name(a.cost, &cost, &err) != PD_OK)
        return pd_cli_usage_error(cmd, "--password-cost: %s", err.msg);
    snprintf(u.name, sizeof u.name, "%s", a.name);

    /* The password first: nothing is opened or created until we have a
     * good one. */
    char pw[PD_PASSWORD_MAX + 1];
    size_t len = 0;
    pd_store *s = NULL;
    const pd_clock *clock = NULL;
    rc = get_password(a.name, a.password_stdin, pw, sizeof pw, &len, &err);
    if (rc == PD_OK)
        rc = pd_password_check_policy(pw, len, &err);
    if (rc == PD_OK)
        rc = pd_cli_store_open(a.db, 1, &s, &clock, &err);
    if (rc == PD_OK)
        rc = pd_app_user_add(s, clock, &u, pw, len, cost, &err);
    explicit_bzero(pw, sizeof pw);
    pd_store_close(s);
    if (rc != PD_OK)
        return pd_cli_fail(cmd, &err);
    printf("user %s added: id %lld, role %s\n", u.name, (long long)u.id, pd_role_name(u.role));
    if (cost == PD_PWCOST_MIN)
        fprintf(stderr,
                "partnerd %s: warning: password hashed at the 'min' cost, for tests "
                "only\n",
                cmd);
    return PD_OK;
}

static int print_user(void *ctx, const pd_user *u)
{
    (void)ctx;
    char link[48] = "-";
    if (u->role == PD_ROLE_BRAND)
        snprintf(link, sizeof link, "brand %lld", (long long)u->brand_id);
    else if (u->role == PD_ROLE_CREATOR)
        snprintf(link, sizeof link, "creator %lld", (long long)u->creator_id);
    else if (u->role == PD_ROLE_MCN)
        snprintf(link, sizeof link, "mcn %lld", (long long)u->mcn_id);
    char created[PD_INSTANT_FMT_MAX];
    pd_instant_format((pd_instant){.sec = u->created_at}, created);
    const char *role = pd_role_name(u->role);
    printf("%-6lld %-24s %-9s %-16s %-9s %s\n", (long long)u->id, u->name, role ? role : "?", link,
           u->disabled ? "disabled" : "active", created);
    return 0;
}

static int do_list(const char *cmd, const user_args *a)
{
    int rc;
    if (a->name || a->role || a->brand || a->creator || a->mcn || a->password_stdin || a->cost)
        return pd_cli_usage_error(cmd, "list takes only --db");
    pd_error err = {0};
    pd_store *s = NULL;
    rc = pd_cli_store_open(a->db, 0, &s, NULL, &err);
    if (rc != PD_OK)
        return pd_cli_fail(cmd, &err);
    printf("%-6s %-24s %-9s %-16s %-9s %s\n", "ID", "NAME", "ROLE", "BELONGS TO", "STATUS",
           "CREATED");
    rc = pd_app_user_list(s, print_user, NULL, &err);
    pd_store_close(s);
    if (rc != PD_OK)
        return pd_cli_fail(cmd, &err);
    return fflush(stdout) == 0 ? PD_OK : PD_EIO;
}

static int do_set_disabled(const char *cmd, const user_args *a, int disabled)
{
    int rc;
    if (!a->name)
        return pd_cli_usage_error(cmd, "--name NAME is required");
    if (a->role || a->brand || a->creator || a->mcn || a->password_stdin || a->cost)
        return pd_cli_usage_error(cmd, "%s takes only --db and --name", cmd + 5);
    pd_error err = {0};
    pd_store *s = NULL;
    rc = pd_cli_store_open(a->db, 0, &s, NULL, &err);
    if (rc == PD_OK)
        rc = pd_app_user_set_disabled(s, a->name, disabled, &err);
    pd_store_close(s);
    if (rc != PD_OK)
        return pd_cli_fail(cmd, &err);
    printf("user %s %s\n", a->name, disabled ? "disabled" : "enabled");
    return PD_OK;
}

int pd_cmd_user(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PD_EUSAGE : PD_OK;
    }
    static const char *const actions[] = {"add", "list", "disable", "enable"};
    int act = 0;
    while (act < 4 && strcmp(argv[1], actions[act]) != 0)
        act++;
    if (act == 4)
        return pd_cli_usage_error("user", "unknown action '%s' (add, list, disable, enable)",
                                  argv[1]);
    char cmd[16];
    snprintf(cmd, sizeof cmd, "user %s", actions[act]);
    user_args a;
    /* getopt sees the action as its argv[0]. */
    int rc = parse(cmd, argc - 1, argv + 1, &a);
    if (rc)
        return rc < 0 ? PD_OK : rc;
    if (act == 0)
        return do_add(cmd, a);
    return act == 1 ? do_list(cmd, &a) : do_set_disabled(cmd, &a, act == 2);
}
