/*
 * csv.h - a streaming RFC 4180 reader over a byte range of a file.
 *
 * A reader owns one buffer and reads the records that START in [start, stop)
 * of a file; the last of them may run past `stop` (it is read to its end).
 * This is what lets several threads split one file: each takes a range whose
 * start is a record start, and the ranges tile the file.
 *
 * Records: fields separated by commas, ended by LF or CRLF (or the end of
 * the file). A field may be double-quoted; inside quotes commas, CR and LF
 * are data and "" is one quote. A quote inside an unquoted field, text after
 * a closing quote, an unterminated quote, a record longer than the ceiling
 * and too many fields are errors. Blank lines are skipped.
 *
 * Fields point into the reader's buffer and stay valid until the next call
 * on the reader. Line numbers are counted from the range's start (0 = the
 * first line of the range); the caller adds the range's first line number.
 */
#ifndef PD_CSV_H
#define PD_CSV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define PD_CSV_MAX_RECORD (64u << 20) /* bytes in one record */
#define PD_CSV_MAX_FIELDS 4096
/* Bytes allocated past buf[cap], so that fast parsers may load 8 or 16 bytes
 * at once (up to 32) near the end of the data without reading outside
 * the block. */
#define PD_CSV_PAD 32

typedef struct pd_csv_field {
    const char *p;
    size_t len;
} pd_csv_field;

typedef struct pd_csv_record {
    pd_csv_field *fields; /* owned by the reader */
    size_t nfields;
    uint64_t line;   /* line the record starts on, relative to the range */
    uint64_t offset; /* file offset of its first byte                     */
} pd_csv_record;

/* What went wrong in the last failed call: static reason, relative line,
 * the field (0-based, or -1 when it is not about one field). */
typedef struct pd_csv_fault {
    const char *why;
    uint64_t line;
    int field;
    int io_errno; /* non-zero for a read error */
} pd_csv_fault;

typedef struct pd_csv_reader {
    int fd;
    int seekable;                /* pread at offsets, else read() in sequence   */
    uint64_t stop;               /* records starting here or later are not ours */
    uint64_t file_end;           /* no byte at or after this offset is read     */
    uint64_t buf_off;            /* file offset of buf[0]                        */
    char *buf;                   /* after a fill, buf[len] is a NUL sentinel   */
    size_t cap, len, pos;        /* unconsumed bytes: buf[pos..len)             */
    uint64_t line;               /* newlines consumed since the range's start    */
    int eof;                     /* every byte up to file_end is in buf          */
    int resync;                  /* dropping bytes up to the next LF: a record
                                    over the ceiling is being skipped           */
    _Atomic uint64_t bytes_read; /* for progress displays                   */
    pd_csv_field *fields;
    size_t fcap;
    pd_csv_fault fault;
} pd_csv_reader;

/* Prepares r to read records starting in [start, stop) of fd, reading no
 * byte at or after file_end (use UINT64_MAX for "to the end"). start must be
 * a record start. bufsize is the initial buffer (it grows up to
 * PD_CSV_MAX_RECORD for long records). Returns PD_OK or PD_ENOMEM. */
int pd_csv_reader_init(pd_csv_reader *r, int fd, uint64_t start, uint64_t stop, uint64_t file_end,
                       size_t bufsize, pd_error *err);

void pd_csv_reader_free(pd_csv_reader *r);

/* Reads the next record: 1 and *rec filled, 0 at the end of the range, -1 on
 * a malformed record or a read error (see r->fault). After a malformed
 * record the reader has moved past it (to the next line), so a caller that
 * skips bad lines may simply call again. */
int pd_csv_next(pd_csv_reader *r, pd_csv_record *rec);

/* For callers that parse simple records themselves (the posts fast path):
 * true when the next record starts at or after `stop` or the data ended. */
static inline int pd_csv_done(const pd_csv_reader *r)
{
    return r->buf_off + r->pos >= r->stop || (r->eof && r->pos == r->len);
}

/* Moves unconsumed bytes to the front and reads more; grows the buffer when
 * it is full of one record. 1: more bytes, 0: nothing more (eof set), -1:
 * read error or a record over the ceiling (see r->fault). */
int pd_csv_fill(pd_csv_reader *r);

/* The reason of the last fault, a short static sentence. */
static inline const char *pd_csv_fault_reason(const pd_csv_reader *r)
{
    return r->fault.why ? r->fault.why : "malformed record";
}

#endif
