/*
 * rows.h - what creators.csv and posts.csv mean, one record at a time.
 *
 * Shared by every reader of the two files (certify and simulate through the
 * batch loader in dataset.c and its fast path rows_fast.h; `partnerd import`
 * and the API's upload through app/import.h), so that they accept the same
 * lines and refuse the others with the same words: opening a file and
 * finding its columns by header name (pd_rows_open), checking and
 * converting one record (pd_rows_creator_parse, pd_rows_post_parse),
 * finding repeated post ids (pd_rows_ids), and describing a bad line the
 * way the error messages and skip reports print it (pd_rows_describe).
 *
 * A pd_rows_input owns its descriptor and its column tables until
 * pd_rows_close. Records come from a pd_csv_reader the caller runs over
 * [data_start, size) of in->fd (several of them, in parallel, if it likes).
 */
#ifndef PD_ROWS_H
#define PD_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "batch/csv.h"
#include "util/error.h"
#include "core/instant.h"

/* What a column of the header is for. */
enum pd_rows_role {
    PD_COL_IGNORE = 0, /* an extra column nobody reads */
    /* creators.csv */
    PD_COL_C_ID,
    PD_COL_C_HANDLE,
    PD_COL_C_CATEGORY,
    PD_COL_C_FOLLOWERS,
    PD_COL_C_MCN,
    /* posts.csv */
    PD_COL_P_ID,
    PD_COL_P_CREATOR,
    PD_COL_P_TIME,
    PD_COL_P_KIND,
    PD_COL_P_VIEWS,
    PD_COL_P_LIKES,
    PD_COL_P_COMMENTS,
    PD_COL_P_COLLECTS,
    PD_COL_ROLES
};

typedef enum pd_rows_kind { PD_ROWS_CREATORS, PD_ROWS_POSTS } pd_rows_kind;

/* One input file, its header understood. */
typedef struct pd_rows_input {
    const char *path; /* as given (not owned), for messages   */
    const char *name; /* its base name, for progress labels   */
    int fd;
    uint64_t size;
    uint64_t data_start;   /* first byte after the header record   */
    uint64_t header_lines; /* lines the header spans (usually 1)   */
    size_t ncols;
    unsigned char *role;   /* ncols: an enum pd_rows_role each      */
    char **colname;        /* ncols: the header's names, as written */
    int col[PD_COL_ROLES]; /* the column of each role of the kind, -1 for the others */
} pd_rows_input;

/* Opens `path`, skips a UTF-8 byte order mark and reads the header: every
 * column the kind needs must appear exactly once, named exactly as the
 * contract names it (any order; "Views" or " views" is another column);
 * every other column is ignored. PD_EIO when the file cannot be opened or
 * is not a regular file, PD_EINPUT for an empty file, a blank first line,
 * a malformed header, a missing or repeated column, PD_ENOMEM. On failure
 * nothing is left to close. */
int pd_rows_open(pd_rows_input *in, const char *path, pd_rows_kind kind, pd_error *err);

/* The same over an open descriptor of a regular file (a memfd holding a
 * request body, say), read with pread from offset 0; path is only the name
 * messages use. The input owns fd from the call on: it is closed by
 * pd_rows_close, or here on failure. */
int pd_rows_open_fd(pd_rows_input *in, int fd, const char *path, pd_rows_kind kind, pd_error *err);

/* Closes the file and frees the tables. Safe on a closed input. */
void pd_rows_close(pd_rows_input *in);

/* The absolute line number of a record line counted from data_start
 * (what a reader started at data_start reports). */
static inline uint64_t pd_rows_line(const pd_rows_input *in, uint64_t rel_line)
{
    return 1 + in->header_lines + rel_line;
}

/* A bad line: the line (as the caller counts it), the field (0-based, or
 * -1 when it is not about one field), a static reason and the offending
 * value (cut to fit, control bytes shown as spaces). */
typedef struct pd_rows_bad {
    uint64_t line;
    int field;
    const char *why;
    char value[48];
    uint64_t first_line; /* a repeated id: the line (absolute) that had it first */
} pd_rows_bad;

/* Fills b. v may be NULL (no value shown). */
void pd_rows_bad_set(pd_rows_bad *b, uint64_t line, int field, const char *why, const char *v,
                     size_t vlen);

/* What follows "FILE:LINE: " in a message: "column 4 (followers): negative:
 * '-3'" when the fault is about a column, else the reason (and the value,
 * if any); for a repeated id (first_line set) "column 1 (post_id):
 * duplicate post_id 7 (first on line 3)". */
void pd_rows_describe(const pd_rows_input *in, const pd_rows_bad *b, char *out, size_t cap);

/* After pd_csv_next returned -1: fills b from the reader's fault (line
 * relative to the reader) and returns PD_OK when it is a malformed line
 * (which a caller may skip), or PD_EIO (a read error; b->value holds the
 * system's reason) or PD_ENOMEM, which no caller may skip. */
int pd_rows_fault(const pd_csv_reader *rd, pd_rows_bad *b);

/* A record of creators.csv, checked. handle and category point into the
 * reader's buffer (valid until its next call). */
typedef struct pd_rows_creator {
    int64_t id;         /* >= 1 */
    uint64_t followers; /* <= PD_COUNT_MAX */
    uint64_t mcn_id;    /* 0: none */
    pd_csv_field handle, category;
} pd_rows_creator;

/* A record of posts.csv, checked. */
typedef struct pd_rows_post {
    uint64_t id, creator; /* >= 1, <= INT64_MAX */
    pd_instant t;
    int sponsored;
    uint64_t views, likes, comments, collects; /* <= PD_COUNT_MAX */
} pd_rows_post;

/* Check and convert one record (rec->line is copied into b->line). 0, or
 * -1 with b describing the first bad field in column order (or a wrong
 * field count). A handle or a category must be UTF-8 without NUL
 * (core/text.h's PD_TEXT_ANY); what the store asks more of them is
 * pd_rows_creator_labels. */
int pd_rows_creator_parse(const pd_rows_input *in, const pd_csv_record *rec, pd_rows_creator *out,
                          pd_rows_bad *b);
int pd_rows_post_parse(const pd_rows_input *in, const pd_csv_record *rec, pd_rows_post *out,
                       pd_rows_bad *b);

/* What a stored creator may hold of a parsed record, which certify does not
 * ask: copies the handle and the category into handle[hcap] and
 * category[ccap] (NUL-terminated) when each keeps core/text.h's label rule
 * within its capacity. 0, or -1 with b naming the column, the reason and
 * (when the fault is one character) its code point as the value,
 * "U+202E", so that the message never prints the character itself. */
int pd_rows_creator_labels(const pd_rows_input *in, const pd_csv_record *rec,
                           const pd_rows_creator *row, char *handle, size_t hcap, char *category,
                           size_t ccap, pd_rows_bad *b);

/* What a stored post may hold of a parsed record, which certify does not
 * ask: a published_at from PD_POST_TIME_MIN on (core/post.h). 0, or -1 with
 * b naming the column and the time. */
int pd_rows_post_storable(const pd_rows_input *in, const pd_csv_record *rec,
                          const pd_rows_post *row, pd_rows_bad *b);

/* ---- repeated post ids ------------------------------------------------------
 *
 * A post_id is unique in posts.csv (the contract is silent; partnerd decides:
 * the second line with an id is a bad line, named with the first, for every
 * reader: certify, simulate, import, the API's upload). Readers find
 * repeats with a pd_rows_ids, one bit per id from 1 to a ceiling set from
 * the file's size (one set per thread: no atomic operation in the hot
 * loop; dataset.c merges them); ids above it are each reader's to check
 * another way (see dataset.c, app/import.c). */

typedef struct pd_rows_ids {
    uint64_t *bits;
    uint64_t max;    /* ids 1 .. max are held */
    uint64_t lo, hi; /* the lowest and highest id added (lo > hi: none) */
} pd_rows_ids;

/* A set for the ids a file of `bytes` bytes is likely to hold (at least
 * 2^20, at most one per 8 bytes of the file: a post line is longer), from
 * zeroed pages (touched only where ids fall). PD_OK or PD_ENOMEM. */
int pd_rows_ids_init(pd_rows_ids *s, uint64_t bytes, pd_error *err);
void pd_rows_ids_free(pd_rows_ids *s);

/* Adds id: 0 when it is new, 1 when it was there, -1 when it is above
 * s->max (not held). One thread at a time. */
static inline int pd_rows_ids_add(pd_rows_ids *s, uint64_t id)
{
    if (id > s->max)
        return -1;
    uint64_t m = 1ULL << (id & 63), w = s->bits[id >> 6];
    if (w & m)
        return 1;
    s->bits[id >> 6] = w | m;
    s->lo = id < s->lo ? id : s->lo;
    s->hi = id > s->hi ? id : s->hi;
    return 0;
}

/* The index of the first of sorted ids[0..n) that is not below id (n when
 * none is): where id stands, or would be inserted. */
static inline size_t pd_rows_id_lower_bound(const uint64_t *ids, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A growing list of ids; the caller frees id. */
typedef struct pd_rows_idlist {
    uint64_t *id;
    size_t n, cap;
} pd_rows_idlist;

/* 0, or -1 when out of memory. */
int pd_rows_idlist_push(pd_rows_idlist *l, uint64_t id);
int pd_rows_idlist_append(pd_rows_idlist *l, const pd_rows_idlist *from);
/* Sorts l and keeps each id once. */
void pd_rows_idlist_unique(pd_rows_idlist *l);
/* Sorts l and appends to dups every id l holds more than once. 0 or -1. */
int pd_rows_idlist_repeats(pd_rows_idlist *l, pd_rows_idlist *dups);

/* Adds every id of `from` to `into` (same max), appending to `both` those
 * that were in both. 0, or -1 when out of memory. */
int pd_rows_ids_merge(pd_rows_ids *into, const pd_rows_ids *from, pd_rows_idlist *both);

/* Fills b for a repeated post_id at `line` (absolute), first on line
 * `first` (absolute; 0 when not in the file: stored already). */
void pd_rows_bad_duplicate_post(pd_rows_bad *b, const pd_rows_input *in, uint64_t line,
                                uint64_t first, uint64_t id);

/* Reads posts.csv again from its first data line, for a message: the
 * first line (absolute) before line `before` whose post_id is id, in
 * *first (0 when there is none). PD_OK, PD_EIO or PD_ENOMEM. */
int pd_rows_post_first_line(const pd_rows_input *in, uint64_t id, uint64_t before, uint64_t *first,
                            pd_error *err);

/* A repeated creator_id, as an error: "creators.csv:LINE: column N
 * (creator_id): duplicate creator_id ID (first on line FIRST)". Returns
 * PD_EINPUT. */
int pd_rows_duplicate_error(const pd_rows_input *in, uint64_t line, uint64_t first_line, int64_t id,
                            pd_error *err);

/* The same, skipped: one line on diag counting them all, naming the first. */
void pd_rows_duplicates_skipped(FILE *diag, const pd_rows_input *in, uint64_t count, uint64_t line,
                                int64_t id);

#endif
