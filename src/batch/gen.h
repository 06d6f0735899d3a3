/*
 * gen.h - the deterministic synthetic data generator behind `partnerd gen`.
 *
 * pd_gen_run writes creators.csv and posts.csv (the formats of
 * docs/certification.md) into a directory: N creators with ids 1..N,
 * realistic handles (about 1% of them needing CSV quotes), uneven category
 * shares, heavy-tailed follower counts and MCN membership; and about 30 posts
 * per creator over the 60 days before `as_of`, with views that follow the
 * followers, sponsored shares that differ from creator to creator, a few
 * posts of creators missing from creators.csv, and a few timestamps written
 * with a +08:00 offset or fractional seconds. The model and its calibration
 * are described at the top of gen.c.
 *
 * The same options give byte-identical files, whatever the number of
 * threads: every creator's data is drawn from its own random stream of the
 * seed (identical across machines that share the C library's exp and log;
 * see core/rng.h). Posts are produced block by block and streamed to disk,
 * so memory does not grow with the number of posts, and with the number of
 * creators only by a few bytes per thousand. Both files are written to
 * temporary files and renamed into place only when both are complete.
 *
 * For a store that looks lived in (`partnerd serve --demo`), the generator
 * also names the MCNs that creators.csv numbers (pd_gen_mcn_name) and draws
 * each creator's follower counts of the days before as_of
 * (pd_gen_follower_history); neither goes into the two files, and neither
 * changes what they hold.
 *
 * The `red-2019` preset mirrors the population of the 2019 policy change:
 * 17,000 creators, all with at least 1000 followers (so all certified by
 * red-2019-v1), of whom about 4,000 meet red-2019-v2 on as_of.
 *
 * Nothing here keeps state between calls; options and summary are plain
 * values owned by the caller.
 */
#ifndef PD_GEN_H
#define PD_GEN_H

#include <stdint.h>

#include "util/error.h"
#include "core/instant.h"

typedef enum pd_gen_preset {
    PD_GEN_PRESET_NONE = 0, /* followers from a few to millions            */
    PD_GEN_PRESET_RED_2019, /* the v1-certified population: followers >= 1000 */
} pd_gen_preset;

#define PD_GEN_DEFAULT_CREATORS 100000u /* without a preset               */
#define PD_GEN_RED_2019_CREATORS 17000u /* the red-2019 preset            */
#define PD_GEN_MAX_CREATORS 100000000u  /* ceiling: about 300 GB of posts */
#define PD_GEN_WINDOW_DAYS 60u          /* posts fall in [as_of - 60 d, as_of) */
#define PD_GEN_UNKNOWN_CREATORS 1000u   /* unknown posts use ids N+1..N+1000 */
#define PD_GEN_MAX_THREADS 64u

typedef struct pd_gen_options {
    const char *out_dir; /* created, with its parents, when missing       */
    uint64_t seed;       /* any value; 1 by default                        */
    pd_instant as_of;    /* posts end just before it; 2019-06-01 by default */
    pd_gen_preset preset;
    uint64_t creators; /* 0: the preset's number (100,000 without one)  */
    unsigned threads;  /* 0: the online CPUs, at most 2; capped at
                          PD_GEN_MAX_THREADS; output is the
                          same for any value                            */
    int progress;      /* draw a progress line on stderr while the posts
                          are written (only when it is a terminal)      */
} pd_gen_options;

typedef struct pd_gen_summary {
    uint64_t creators;              /* lines of creators.csv after the header */
    uint64_t posts;                 /* lines of posts.csv after the header    */
    uint64_t posts_unknown_creator; /* of them, posts of ids N+1..            */
    uint64_t creators_bytes;        /* size of creators.csv                   */
    uint64_t posts_bytes;           /* size of posts.csv                      */
} pd_gen_summary;

/* Sets o to the defaults: seed 1, as_of 2019-06-01T00:00:00Z, no preset,
 * the default number of creators, automatic threads, no progress line,
 * and out_dir NULL (the caller must set it). */
void pd_gen_options_init(pd_gen_options *o);

/* The preset called name ("red-2019"), or -1 when there is none such. */
int pd_gen_preset_from_name(const char *name, pd_gen_preset *out);

/* The name of a preset ("none", "red-2019"). Static storage. */
const char *pd_gen_preset_name(pd_gen_preset p);

/* The number of creators a run of o writes (o->creators or the preset's). */
uint64_t pd_gen_creator_count(const pd_gen_options *o);

/* The number of MCNs a run of o numbers: creators.csv's mcn_id is 1 to it. */
uint64_t pd_gen_mcn_count(const pd_gen_options *o);

#define PD_GEN_MCN_NAME_MAX 64 /* bytes of an MCN's name, with the NUL */

/* The name of MCN mcn_id of a run with this seed: a Chinese agency's name
 * and its English one ("星河传媒 Xinghe Media"), distinct for the first 192
 * ids, then numbered ("... 2"). Into out, NUL-terminated. */
void pd_gen_mcn_name(uint64_t seed, uint64_t mcn_id, char out[PD_GEN_MCN_NAME_MAX]);

#define PD_GEN_HISTORY_DAYS_MAX 366

/* The follower counts of creator creator_id (who has `followers` now) on
 * each of the `days` days before now, oldest first: out[0] is the count
 * `days` days ago, out[days - 1] yesterday's (at most
 * PD_GEN_HISTORY_DAYS_MAX are filled). Most creators grew over the days,
 * some lost a few percent; the same arguments give the same counts. */
void pd_gen_follower_history(uint64_t seed, uint64_t creator_id, uint64_t followers, uint64_t *out,
                             unsigned days);

/* Writes out_dir/creators.csv and out_dir/posts.csv. On success fills out
 * (may be NULL) and returns PD_OK. On failure err says why (PD_EUSAGE for
 * options out of range, PD_EIO for the directory or a write, PD_ENOMEM) and
 * no temporary file is left; neither file is replaced, except when the very
 * last step, syncing and renaming posts.csv, fails after creators.csv was
 * put in place. */
int pd_gen_run(const pd_gen_options *o, pd_gen_summary *out, pd_error *err);

#endif
