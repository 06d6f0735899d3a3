/*
 * import.h - the one way creators.csv and posts.csv enter the store, and
 * the way they come back out.
 *
 * Every path that stores the two files (`partnerd import`, the demo, the
 * API's POST /api/creators/import and /api/posts/import) comes here, and
 * here they are read with the one CSV reader and the one set of row checks
 * that certify and simulate use (batch/csv.h, batch/rows.h): a file one of
 * them refuses, every other refuses with the same words. Then the rows go
 * to the store (store/store.h), which sees rows, never files.
 *
 * Two ways to store, one reading:
 * - pd_import_files: a bulk load of both files in one bulk session (one
 *   transaction, fast settings; creators on the calling thread, then posts
 *   parsed on a second thread into batches while the calling thread stores
 *   the previous ones, so memory does not grow with the file);
 * - pd_import_upload: one file from a request body, row by row in one
 *   ordinary transaction, so that what each row changes (a verdict, say)
 *   is kept current as it would be for the same write through the API.
 * Either stores everything or, on any error, nothing.
 *
 * Memory: nothing is kept after a call; the caller owns its options,
 * summaries and streams.
 */
#ifndef PD_APP_IMPORT_H
#define PD_APP_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "util/error.h"

typedef struct pd_import_summary {
    uint64_t creators, posts, posts_unknown_creator, skipped_lines;
} pd_import_summary;

typedef struct pd_import_options {
    const char *creators_path, *posts_path;
    int skip_bad_lines;
    int progress; /* a progress line on stderr when it is a terminal */
    FILE *diag;   /* where skipped lines are reported; NULL: stderr  */
} pd_import_options;

/* Imports creators.csv and posts.csv (the certification contract's formats,
 * same checks and messages as certify; plus what a record can hold: a
 * handle of at most 127 bytes and a category of at most 63 under
 * core/text.h's label rule, and a published_at the store can keep) in one
 * bulk session: on any error nothing is stored. Existing creators are
 * updated (their bio is kept; an MCN named by id is created when missing);
 * a repeated post_id is an error naming both lines, a post id stored
 * before is an error naming its line. Posts of creators that are neither
 * in the file nor in the store are skipped and counted. With
 * skip_bad_lines, bad lines are skipped and reported on o->diag. */
int pd_import_files(pd_store *s, const pd_import_options *o, pd_import_summary *sum, pd_error *err);

/* pd_import_files with only the paths and skip_bad_lines. */
int pd_import_paths(pd_store *s, const char *creators_csv, const char *posts_csv,
                    int skip_bad_lines, pd_import_summary *sum, pd_error *err);

/* Which file an upload holds. */
typedef enum pd_upload_kind { PD_UPLOAD_CREATORS, PD_UPLOAD_POSTS } pd_upload_kind;

/* What an upload did. */
typedef struct pd_upload_counts {
    uint64_t created, updated; /* creators.csv */
    uint64_t posts, unknown;   /* posts.csv: stored, of creators not stored */
} pd_upload_counts;

/* Stores one file held in memory, body[0..len) (named `name` in messages:
 * "creators.csv", "posts.csv"), of the given kind, row by row in one
 * transaction: the first bad line stops it ("NAME:LINE: ... (nothing was
 * stored)") and nothing is stored. Creators are created or updated (bio
 * kept, a missing MCN created); a post whose creator is not stored is
 * counted in n->unknown and dropped. body is only read during the call. */
int pd_import_upload(pd_store *s, pd_upload_kind kind, const char *name, const char *body,
                     size_t len, pd_upload_counts *n, pd_error *err);

/* Writes every creator (creators.csv format) and every post (posts.csv
 * format), sorted by id, through the given streams (the caller opens,
 * checks and closes them). */
int pd_export_files(pd_store *s, FILE *creators, FILE *posts, pd_error *err);

#endif
