/*
 * dataset.h - the batch engine: creators.csv and posts.csv in, one array of
 * creators with their window statistics out.
 *
 * pd_dataset_load reads creators.csv into memory (memory grows with the
 * number of creators), then streams posts.csv over several threads, adding
 * each post to its creator's statistics for every requested window; posts are
 * never held. Bad lines (a repeated creator_id or post_id among them) stop
 * the load with an error naming file, line and column, or, with
 * skip_bad_lines, are counted and reported. Memory beyond the creators: one
 * bit per possible post id per thread, up to an eighth of posts.csv's size
 * (touched only where ids fall), and 8 bytes per post whose id is above
 * that.
 *
 * The dataset owns all its arrays; pd_dataset_free releases them.
 */
#ifndef PD_DATASET_H
#define PD_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/creator.h"
#include "util/error.h"
#include "core/instant.h"
#include "core/policy.h"

#define PD_MAX_WINDOWS 8

typedef struct pd_load_options {
    const char *creators_path;
    const char *posts_path;
    pd_instant as_of;                     /* windows end here (excluded)    */
    uint32_t window_days[PD_MAX_WINDOWS]; /* distinct window lengths        */
    size_t nwindows;                      /* 1 .. PD_MAX_WINDOWS            */
    unsigned threads;                     /* 0: every online CPU            */
    int skip_bad_lines;                   /* count and report, don't stop   */
    int progress;                         /* draw a progress line on stderr */
    FILE *diag;               /* where skipped lines are reported; NULL: stderr         */
    uint64_t min_chunk_bytes; /* smallest share of a file per thread; 0: 1 MiB.
                                 Tests set it tiny to split small files.      */
} pd_load_options;

typedef struct pd_load_summary {
    uint64_t creators;
    uint64_t posts_read;                      /* posts read (not the skipped) */
    uint64_t posts_in_window[PD_MAX_WINDOWS]; /* per window of the options    */
    uint64_t posts_unknown_creator;           /* ignored, creator not listed  */
    uint64_t skipped_creator_lines;           /* with skip_bad_lines          */
    uint64_t skipped_post_lines;
} pd_load_summary;

typedef struct pd_dataset {
    size_t n;             /* number of creators                          */
    pd_creator *creators; /* n, sorted by id ascending                   */
    char **categories;    /* category names, indexed by pd_creator.category */
    size_t ncategories;
    size_t nwindows;
    uint32_t window_days[PD_MAX_WINDOWS];
    pd_window_stats *stats[PD_MAX_WINDOWS]; /* n each, same order as creators */
    pd_load_summary summary;
} pd_dataset;

/* Loads both files. On success ds owns everything and the caller must call
 * pd_dataset_free. On failure ds is left empty (nothing to free) and err says
 * what went wrong: PD_EINPUT for bad data (file:line: column c: reason),
 * PD_EIO for an unreadable file, PD_ENOMEM, PD_EUSAGE for bad options. */
int pd_dataset_load(const pd_load_options *o, pd_dataset *ds, pd_error *err);

/* The statistics of the window of `window_days` days, or NULL when that
 * window was not loaded. Owned by ds. */
const pd_window_stats *pd_dataset_stats(const pd_dataset *ds, uint32_t window_days);

void pd_dataset_free(pd_dataset *ds);

#endif
