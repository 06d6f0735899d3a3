/*
 * certify.h - the certification result file.
 *
 * Writes `creator_id,certified,followers,posts,sponsored,avg_views` (and
 * `failed_rules` when explaining), one row per creator of the dataset in its
 * order (creator_id ascending), as certification.md specifies. Borrows
 * everything it is given; allocates nothing that outlives the call.
 */
#ifndef PD_CERTIFY_H
#define PD_CERTIFY_H

#include <stdint.h>
#include <stdio.h>

#include "batch/dataset.h"
#include "util/error.h"
#include "core/policy.h"

/* Evaluates p over ds (whose windows must include p->window_days) and
 * writes the result to fp, formatting on `threads` threads (0: every core;
 * the output does not depend on it). Stores the number of certified
 * creators in *certified. Returns PD_OK, PD_EIO on a write error (the file
 * is then incomplete: the caller aborts it), PD_ENOMEM, PD_EUSAGE when ds
 * lacks the policy's window. */
int pd_certify_write(FILE *fp, const pd_dataset *ds, const pd_policy *p, int explain,
                     unsigned threads, uint64_t *certified, pd_error *err);

/* Appends s[0..len) to out as one CSV field, quoted when it holds a comma,
 * a quote, CR or LF. out must hold 2 * len + 2 bytes. Returns bytes written. */
size_t pd_csv_quote(const char *s, size_t len, char *out);

#endif
