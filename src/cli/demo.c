/* demo.c - `partnerd serve --demo` (see demo.h).
 *
 * The data comes from the generator's red-2019 preset, dated so that its
 * 60 days of posts end now; the store is filled through its public
 * interface (MCNs, import, follower history, policies, activations, users),
 * exactly as an operator would with the command line. The MCNs get the
 * generator's names before the import (which would otherwise call them
 * "MCN 17"), and every creator the generator's follower counts of the 60
 * days before (so that a profile's follower chart has a curve). Generated
 * files go to a temporary directory that is removed afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/accounts.h"
#include "app/creators.h"
#include "app/import.h"
#include "app/orgs.h"
#include "auth/password.h"
#include "batch/gen.h"
#include "app/online.h"
#include "app/policies.h"
#include "cli/demo.h"
#include "core/online.h"

#define LOGINS_SUFFIX ".logins"
#define PATH_CAP 4096

/* No 0/O, 1/l/I: read off a screen and typed. */
static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

static void random_password(char out[PD_DEMO_PASSWORD_LEN + 1])
{
    for (int i = 0; i < PD_DEMO_PASSWORD_LEN; i++)
        out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof alphabet - 1))];
    out[PD_DEMO_PASSWORD_LEN] = '\0';
}

static int logins_path(const char *db_path, char *out, size_t cap, pd_error *err)
{
    int n = snprintf(out, cap, "%s%s", db_path, LOGINS_SUFFIX);
    if (n < 0 || (size_t)n >= cap)
        return pd_error_set(err, PD_EUSAGE, "%s: path too long", db_path);
    return PD_OK;
}

/* Copies src into dst of cap bytes; -1 when it does not fit. */
static int copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

/* Reads FILE.logins: one "name<TAB>password<TAB>what" line per role. */
static int read_logins(const char *path, pd_demo *d, pd_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return pd_error_set(err, PD_EIO, "%s: %s", path, strerror(errno));
    char line[512];
    int n = 0;
    while (n < PD_DEMO_ROLES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *name = line, *pw = strchr(name, '\t'), *what = pw ? strchr(pw + 1, '\t') : NULL;
        if (!what)
            break;
        *pw++ = '\0';
        *what++ = '\0';
        pd_demo_login *l = &d->logins[n];
        if (copy_field(l->name, sizeof l->name, name) ||
            copy_field(l->password, sizeof l->password, pw) ||
            copy_field(l->what, sizeof l->what, what))
            break;
        n++;
    }
    fclose(f);
    if (n != PD_DEMO_ROLES)
        return pd_error_set(err, PD_EINPUT,
                            "%s: not a demo logins file (remove the database "
                            "and its .logins file to start a new demo)",
                            path);
    return PD_OK;
}

/* Writes FILE.logins readable by its owner only, whole or not at all. */
static int write_logins(const char *path, const pd_demo *d, pd_error *err)
{
    char tmp[PATH_CAP + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return pd_error_set(err, PD_EIO, "%s: %s", tmp, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return pd_error_set(err, PD_EIO, "%s: %s", tmp, strerror(errno));
    }
    for (int i = 0; i < PD_DEMO_ROLES; i++)
        fprintf(f, "%s\t%s\t%s\n", d->logins[i].name, d->logins[i].password, d->logins[i].what);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return pd_error_set(err, PD_EIO, "%s: %s", path, strerror(e));
    }
    return PD_OK;
}

/* Removes the generator's two files and their directory. */
static void remove_dir(const char *dir)
{
    char p[PATH_CAP];
    snprintf(p, sizeof p, "%s/creators.csv", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/posts.csv", dir);
    unlink(p);
    rmdir(dir);
}

/* The generator's MCNs, named, before the import that numbers them. */
static int add_mcns(pd_store *s, const pd_gen_options *go, pd_error *err)
{
    uint64_t n = pd_gen_mcn_count(go);
    char(*names)[PD_GEN_MCN_NAME_MAX] = calloc(n, sizeof *names);
    pd_app_org *mcns = calloc(n, sizeof *mcns);
    int rc = names && mcns ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    for (uint64_t i = 0; rc == PD_OK && i < n; i++) {
        pd_gen_mcn_name(go->seed, i + 1, names[i]);
        mcns[i] = (pd_app_org){.id = (int64_t)(i + 1), .name = names[i]};
    }
    if (rc == PD_OK)
        rc = pd_app_mcns_add(s, mcns, n, err);
    free(names);
    free(mcns);
    return rc;
}

#define HISTORY_CREATORS 1024 /* creators whose history is stored at once */

/* The follower history of creators first .. first + HISTORY_CREATORS - 1
 * (at most ncreators) into batch; *n gets how many counts. */
static int history_of(pd_store *s, const pd_gen_options *go, uint64_t first, uint64_t ncreators,
                      int64_t now, pd_follower_count *batch, size_t *n, pd_error *err)
{
    pd_db *db = NULL;
    int rc = pd_store_acquire(s, &db, err);
    uint64_t counts[PD_GEN_WINDOW_DAYS];
    *n = 0;
    for (uint64_t id = first; rc == PD_OK && id <= ncreators && id < first + HISTORY_CREATORS;
         id++) {
        pd_creator_rec c;
        if ((rc = pd_db_creator_get(db, (int64_t)id, &c, err)) != PD_OK)
            break;
        pd_gen_follower_history(go->seed, id, c.followers, counts, PD_GEN_WINDOW_DAYS);
        for (unsigned d = 0; d < PD_GEN_WINDOW_DAYS; d++)
            batch[(*n)++] =
                (pd_follower_count){.creator_id = c.id,
                                    .at = now - (int64_t)(PD_GEN_WINDOW_DAYS - d) * 86400,
                                    .followers = counts[d]};
    }
    if (db)
        pd_store_release(s, db);
    return rc;
}

/* Each creator's follower counts of the PD_GEN_WINDOW_DAYS days before
 * now, one a day at this time of day; the import has recorded today's. */
static int add_follower_history(pd_store *s, const pd_gen_options *go, uint64_t ncreators,
                                int64_t now, pd_error *err)
{
    pd_follower_count *batch = calloc((size_t)HISTORY_CREATORS * PD_GEN_WINDOW_DAYS, sizeof *batch);
    int rc = batch ? PD_OK : pd_error_set(err, PD_ENOMEM, "out of memory");
    for (uint64_t first = 1; rc == PD_OK && first <= ncreators; first += HISTORY_CREATORS) {
        size_t n = 0;
        rc = history_of(s, go, first, ncreators, now, batch, &n, err);
        if (rc == PD_OK)
            rc = pd_app_followers_record(s, batch, n, err);
    }
    free(batch);
    return rc;
}
static int add_policy(pd_store *s, const char *preset, int64_t *id, pd_error *err)
{
    pd_policy_rec r = {0};
    r.policy = *pd_policy_preset(preset);
    int rc = pd_app_policy_add(s, &r, err);
    if (rc == PD_OK)
        *id = r.id;
    return rc;
}

/* A creator who has posted but fails exactly one rule of the policy in
 * force: the most telling profile ("what to change"). 0 when none. */
static int64_t pick_creator(pd_db *db, uint64_t n, pd_error *err)
{
    pd_creator_status st;
    int64_t fallback = 0;
    for (uint64_t id = 1; id <= n; id++) {
        if (pd_db_creator_status(db, (int64_t)id, &st, err) != PD_OK)
            continue;
        if (st.win.posts > 0 && st.failed && !(st.failed & (st.failed - 1)))
            return (int64_t)id;
        if (!fallback && st.win.posts > 0 && st.failed)
            fallback = (int64_t)id;
    }
    return fallback ? fallback : 1;
}

/* The MCN of the first creator who has one, from id 1 on. */
static int64_t pick_mcn(pd_db *db, uint64_t n, pd_error *err)
{
    pd_creator_rec c;
    for (uint64_t id = 1; id <= n; id++)
        if (pd_db_creator_get(db, (int64_t)id, &c, err) == PD_OK && c.mcn_id)
            return c.mcn_id;
    return 0;
}

static int add_user(pd_store *s, const pd_clock *clock, pd_demo_login *l, pd_user *u, pd_error *err)
{
    random_password(l->password);
    snprintf(u->name, sizeof u->name, "%s", l->name);
    return pd_app_user_add(s, clock, u, l->password, strlen(l->password), PD_PWCOST_INTERACTIVE,
                           err);
}

typedef struct accounts_job {
    int64_t now, today; /* seconds; days since 1970-01-01 */
    int64_t v1, v2;     /* the presets' ids, once stored   */
    uint64_t ncreators;
    const pd_clock *clock; /* the demo's clock: users' created_at */
    pd_demo *d;
} accounts_job;

/* Both presets, red-2019-v1 in force from 60 days ago (online
 * certification is not at any day yet: the next advance applies it). */
static int add_policies(pd_store *s, accounts_job *j, pd_error *err)
{
    pd_activation_result res;
    int rc = add_policy(s, "red-2019-v1", &j->v1, err);
    if (rc == PD_OK)
        rc = add_policy(s, "red-2019-v2", &j->v2, err);
    if (rc == PD_OK)
        rc = pd_app_policy_activate(s, j->v1, j->today - 60, 0, NULL, &res, err);
    return rc;
}

/* The brand and one account per role, with what each shows. */
static int add_accounts(pd_store *s, accounts_job *j, pd_error *err)
{
    pd_db *db;
    int rc = pd_store_acquire(s, &db, err);
    if (rc)
        return rc;
    int64_t creator = pick_creator(db, j->ncreators, err);
    int64_t mcn = pick_mcn(db, j->ncreators, err);
    pd_store_release(s, db);
    int64_t brand = 0;
    pd_demo_login *l = j->d->logins;
    snprintf(l[0].name, sizeof l[0].name, "operator");
    snprintf(l[0].what, sizeof l[0].what, "policies, the simulator, every creator");
    snprintf(l[1].name, sizeof l[1].name, "brand");
    snprintf(l[1].what, sizeof l[1].what, "discovery, as staff of Demo Brand");
    snprintf(l[2].name, sizeof l[2].name, "creator");
    snprintf(l[2].what, sizeof l[2].what, "creator %lld: their verdict and what to change",
             (long long)creator);
    snprintf(l[3].name, sizeof l[3].name, "mcn");
    snprintf(l[3].what, sizeof l[3].what, "manager of MCN %lld and its creators", (long long)mcn);
    pd_user u[PD_DEMO_ROLES] = {
        {.role = PD_ROLE_OPERATOR},
        {.role = PD_ROLE_BRAND},
        {.role = PD_ROLE_CREATOR, .creator_id = creator},
        {.role = PD_ROLE_MCN, .mcn_id = mcn},
    };
    rc = pd_app_brand_add(s, "Demo Brand", &brand, err);
    u[1].brand_id = brand;
    for (int i = 0; rc == PD_OK && i < PD_DEMO_ROLES; i++)
        rc = add_user(s, j->clock, &l[i], &u[i], err);
    return rc;
}

/* Policies, activations, the brand and the accounts, after the import. */
static int fill_accounts(pd_store *s, const pd_clock *clock, uint64_t ncreators, pd_demo *d,
                         pd_error *err)
{
    int64_t now = pd_store_now(s);
    accounts_job j = {.now = now,
                      .today = pd_day_of((pd_instant){.sec = now, .nsec = 0}),
                      .ncreators = ncreators,
                      .clock = clock,
                      .d = d};
    pd_online_report rep;
    pd_activation_result res;
    /* red-2019-v1 governed the last two months, until yesterday ... */
    int rc = add_policies(s, &j, err);
    if (rc == PD_OK)
        rc = pd_app_online_advance(s, j.today - 1, &rep, err);
    /* ... and red-2019-v2 from today (pending while online certification
     * is at yesterday): the 2019 change, in every history. */
    if (rc == PD_OK)
        rc = pd_app_policy_activate(s, j.v2, j.today, 0, NULL, &res, err);
    if (rc == PD_OK)
        rc = pd_app_online_advance(s, j.today, &rep, err);
    if (rc == PD_OK)
        rc = add_accounts(s, &j, err);
    return rc;
}

int pd_demo_prepare(const char *db_path, const pd_clock *clock, FILE *progress, pd_demo *d,
                    pd_error *err)
{
    memset(d, 0, sizeof *d);
    char logins[PATH_CAP];
    int rc = logins_path(db_path, logins, sizeof logins, err);
    if (rc)
        return rc;
    struct stat sb;
    if (stat(db_path, &sb) == 0) {
        if (stat(logins, &sb) != 0)
            return pd_error_set(err, PD_EUSAGE,
                                "%s exists and is not a demo database: --demo fills a new one "
                                "(give another --db, or remove the file)",
                                db_path);
        rc = read_logins(logins, d, err);
        d->reused = rc == PD_OK;
        return rc;
    }
    if (sodium_init() < 0)
        return pd_error_set(err, PD_EINTERNAL, "libsodium cannot start");

    char dir[] = "/tmp/partnerd-demo.XXXXXX";
    if (!mkdtemp(dir))
        return pd_error_set(err, PD_EIO, "cannot make a temporary directory: %s", strerror(errno));
    pd_gen_options go;
    pd_gen_options_init(&go);
    go.out_dir = dir;
    go.preset = PD_GEN_PRESET_RED_2019;
    go.as_of = (pd_instant){.sec = pd_clock_now(clock), .nsec = 0}; /* the demo data's "now" */
    pd_gen_summary gs;
    if (progress)
        fprintf(progress, "partnerd demo: generating the red-2019 population ...\n");
    rc = pd_gen_run(&go, &gs, err);

    pd_store *s = NULL;
    pd_store_options so = {.create = 1, .migrate = 1, .clock = clock};
    if (rc == PD_OK)
        rc = pd_store_open(db_path, &so, &s, err);
    if (rc == PD_OK)
        rc = add_mcns(s, &go, err);
    if (rc == PD_OK) {
        char cpath[PATH_CAP], ppath[PATH_CAP];
        snprintf(cpath, sizeof cpath, "%s/creators.csv", dir);
        snprintf(ppath, sizeof ppath, "%s/posts.csv", dir);
        pd_import_options io = {.creators_path = cpath, .posts_path = ppath};
        pd_import_summary is;
        if (progress)
            fprintf(progress, "partnerd demo: storing %llu creators and %llu posts ...\n",
                    (unsigned long long)gs.creators, (unsigned long long)gs.posts);
        rc = pd_import_files(s, &io, &is, err);
    }
    remove_dir(dir);
    if (rc == PD_OK) {
        if (progress)
            fprintf(progress, "partnerd demo: %d days of follower counts ...\n",
                    (int)PD_GEN_WINDOW_DAYS);
        rc = add_follower_history(s, &go, gs.creators, pd_store_now(s), err);
    }
    if (rc == PD_OK) {
        if (progress)
            fprintf(progress, "partnerd demo: policies, certification and accounts ...\n");
        rc = fill_accounts(s, clock, gs.creators, d, err);
    }
    pd_store_close(s);
    if (rc == PD_OK)
        rc = write_logins(logins, d, err);
    if (rc != PD_OK) {
        /* A half-made demo is no demo: start again next time. */
        char side[PATH_CAP + 8];
        unlink(db_path);
        snprintf(side, sizeof side, "%s-wal", db_path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", db_path);
        unlink(side);
        pd_error_prefix(err, "preparing the demo");
    }
    return rc;
}

void pd_demo_print(const pd_demo *d, const char *url, FILE *out)
{
    fprintf(out, "\npartnerd demo%s: open %s\n\n",
            d->reused ? " (the database of an earlier demo)" : "", url);
    for (int i = 0; i < PD_DEMO_ROLES; i++)
        fprintf(out, "  sign in as %-9s password %s   %s\n", d->logins[i].name,
                d->logins[i].password, d->logins[i].what);
    fprintf(out, "\nStop with Ctrl-C.\n\n");
}
