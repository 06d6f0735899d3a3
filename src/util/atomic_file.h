/*
 * atomic_file.h - output files that appear whole or not at all.
 *
 * pd_outfile_open creates a temporary file beside the destination; the
 * caller writes through `fp`; pd_outfile_commit flushes, syncs and renames it
 * into place; pd_outfile_abort removes it. A crash in between leaves the old
 * destination (or nothing) and at worst a stray ".tmp" file, never a
 * truncated result. The path "-" (or NULL) means standard output, written
 * directly; so is an existing path that is not a regular file (a device
 * such as /dev/null, or a FIFO), which a rename would replace. The struct
 * owns its strings and stream until commit or abort.
 */
#ifndef PD_ATOMIC_FILE_H
#define PD_ATOMIC_FILE_H

#include <stdio.h>

#include "util/error.h"

typedef struct pd_outfile {
    FILE *fp;
    char *tmp_path;   /* NULL for stdout */
    char *final_path; /* NULL for stdout */
    char *iobuf;      /* stdio buffer, owned */
} pd_outfile;

int pd_outfile_open(pd_outfile *f, const char *path, pd_error *err);
int pd_outfile_commit(pd_outfile *f, pd_error *err);
void pd_outfile_abort(pd_outfile *f);

#endif
