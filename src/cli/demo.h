/*
 * demo.h - `partnerd serve --demo`: a living platform for a newcomer.
 *
 * pd_demo_prepare fills a new database with the `partnerd gen --preset
 * red-2019` population (17,000 creators and their posts of the last 60 days,
 * dated up to now), the two preset policies (red-2019-v1 in force until
 * yesterday, red-2019-v2 from today, so the 2019 change shows in every
 * creator's history), a brand, and one demo account per role with a random
 * password. The logins are kept beside the database in FILE.logins (mode
 * 0600), so that serving the same demo database again prints them again.
 *
 * The caller owns the pd_demo it passes; nothing in it points elsewhere.
 */
#ifndef PD_CLI_DEMO_H
#define PD_CLI_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "util/error.h"
#include "store/store.h"

#define PD_DEMO_ROLES 4
#define PD_DEMO_PASSWORD_LEN 16

typedef struct pd_demo_login {
    char name[PD_NAME_MAX];
    char password[PD_DEMO_PASSWORD_LEN + 1];
    char what[96]; /* what this account shows ("creator 123: their verdict") */
} pd_demo_login;

typedef struct pd_demo {
    pd_demo_login logins[PD_DEMO_ROLES];
    int reused; /* the database was an earlier demo's: nothing was added */
} pd_demo;

/* Fills db_path (which must not exist, or be an earlier demo's database
 * with its FILE.logins beside it) as described above, dated by `clock`
 * (NULL: the system's; serve gives its one clock, so the demo's "now" is
 * --clock's); progress lines go to `progress` (NULL: none). Every write
 * goes through the use cases (src/app/). PD_EUSAGE when db_path holds
 * something else. */
int pd_demo_prepare(const char *db_path, const pd_clock *clock, FILE *progress, pd_demo *out,
                    pd_error *err);

/* Prints the URL and the logins (to stderr in serve). */
void pd_demo_print(const pd_demo *d, const char *url, FILE *out);

#endif
