/* csv.c - see csv.h.
 *
 * The parser works on buf[pos..len). It parses a record in place; if the
 * record is not complete in the buffer it returns INCOMPLETE without having
 * changed a byte, the buffer is refilled and the record is parsed again from
 * its start. Quoted fields with "" are unescaped only once the whole record
 * is known to be in the buffer, which is what makes that restart safe. */
#include "batch/csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PARSED, INCOMPLETE, MALFORMED };

int pd_csv_reader_init(pd_csv_reader *r, int fd, uint64_t start, uint64_t stop, uint64_t file_end,
                       size_t bufsize, pd_error *err)
{
    memset(r, 0, sizeof *r);
    struct stat st;
    r->fd = fd;
    r->seekable = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    r->stop = stop;
    r->file_end = file_end;
    r->buf_off = start;
    r->cap = bufsize < 4096 ? 4096 : bufsize;
    r->buf = calloc(1, r->cap + PD_CSV_PAD); /* the pad is read, so it is set */
    r->fcap = 16;
    r->fields = malloc(r->fcap * sizeof *r->fields);
    if (!r->buf || !r->fields) {
        pd_csv_reader_free(r);
        return pd_error_set(err, PD_ENOMEM, "out of memory for a CSV buffer");
    }
    if (start >= file_end)
        r->eof = 1;
    return PD_OK;
}

void pd_csv_reader_free(pd_csv_reader *r)
{
    free(r->buf);
    free(r->fields);
    r->buf = NULL;
    r->fields = NULL;
}

static int fault(pd_csv_reader *r, const char *why, uint64_t line, int field)
{
    r->fault.why = why;
    r->fault.line = line;
    r->fault.field = field;
    r->fault.io_errno = 0;
    return -1;
}

int pd_csv_fill(pd_csv_reader *r)
{
    if (r->eof)
        return 0;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->buf_off += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len + 1 >= r->cap) { /* one byte is kept for the NUL sentinel */
        if (r->cap >= PD_CSV_MAX_RECORD) {
            /* Give up on this record; like any malformed record, resume on
             * the line after the one it started on. */
            fault(r, "record longer than 64 MiB", r->line, -1);
            char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
            if (nl) {
                r->pos = (size_t)(nl + 1 - r->buf);
                r->line++;
            } else {
                r->pos = r->len;
                r->resync = 1;
            }
            return -1;
        }
        size_t cap = r->cap * 2 > PD_CSV_MAX_RECORD ? PD_CSV_MAX_RECORD : r->cap * 2;
        char *b = realloc(r->buf, cap + PD_CSV_PAD);
        if (!b)
            return fault(r, "out of memory for a long record", r->line, -1);
        memset(b + r->cap, 0, cap - r->cap + PD_CSV_PAD);
        r->buf = b;
        r->cap = cap;
    }
    uint64_t at = r->buf_off + r->len;
    size_t want = r->cap - r->len - 1;
    if (r->file_end - at < want)
        want = (size_t)(r->file_end - at);
    ssize_t n;
    do
        n = r->seekable ? pread(r->fd, r->buf + r->len, want, (off_t)at)
                        : read(r->fd, r->buf + r->len, want);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        fault(r, "read error", r->line, -1);
        r->fault.io_errno = errno;
        return -1;
    }
    if (n == 0) {
        r->eof = 1;
        r->buf[r->len] = '\0';
        return 0;
    }
    r->len += (size_t)n;
    r->buf[r->len] = '\0';
    atomic_fetch_add_explicit(&r->bytes_read, (uint64_t)n, memory_order_relaxed);
    if (r->buf_off + r->len >= r->file_end)
        r->eof = 1;
    return 1;
}

/* Byte classes for the unquoted-field scan. */
static const unsigned char special[256] = {
    [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1, ['\0'] = 1};

static size_t count_newlines(const char *p, const char *end)
{
    size_t n = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* Removes the doubled quotes of a quoted field's content in place. */
static size_t unescape(char *p, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        p[w++] = p[i];
        if (p[i] == '"')
            i++; /* the second quote of the pair */
    }
    return w;
}

static inline int push_field(pd_csv_reader *r, size_t *nf, const char *p, size_t len)
{
    if (*nf == r->fcap) {
        if (r->fcap >= PD_CSV_MAX_FIELDS)
            return -1;
        size_t cap = r->fcap * 2;
        pd_csv_field *f = realloc(r->fields, cap * sizeof *f);
        if (!f)
            return -1;
        r->fields = f;
        r->fcap = cap;
    }
    r->fields[*nf].p = p;
    r->fields[*nf].len = len;
    (*nf)++;
    return 0;
}

/* Parses one record at buf[pos]. at_eof: the buffer end is the end of the
 * data. On PARSED sets *next to the byte after the record and *nl to the
 * newlines it spans; the fields are in r->fields. On MALFORMED the fault is
 * set and *next is where to resume (the next line). */
static int parse_record(pd_csv_reader *r, int at_eof, size_t *nfields, size_t *next, uint64_t *nl)
{
    char *const base = r->buf;
    char *p = base + r->pos;
    char *const end = base + r->len;
    size_t nf = 0;
    uint64_t lines = 0;
    uint32_t escaped = 0; /* bit i: field i (i < 32) holds "" pairs */
    size_t escaped_beyond = 0;

    for (;;) {
        if (p < end && *p == '"') {
            char *q = p + 1;
            int esc = 0;
            for (;;) {
                char *c = memchr(q, '"', (size_t)(end - q));
                if (!c) {
                    if (!at_eof)
                        return INCOMPLETE;
                    fault(r, "unterminated quoted field", r->line + lines, (int)nf);
                    goto malformed;
                }
                if (c + 1 == end && !at_eof)
                    return INCOMPLETE;
                if (c + 1 < end && c[1] == '"') {
                    esc = 1;
                    q = c + 2;
                    continue;
                }
                lines += count_newlines(p + 1, c);
                if (push_field(r, &nf, p + 1, (size_t)(c - p - 1)) < 0) {
                    fault(r, "too many fields", r->line + lines, (int)nf);
                    goto malformed;
                }
                if (esc) {
                    if (nf - 1 < 32)
                        escaped |= 1u << (nf - 1);
                    else
                        escaped_beyond = 1;
                }
                p = c + 1;
                break;
            }
            if (p == end) /* at_eof here: the record ends with the file */
                break;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '\n') {
                p++;
                lines++;
                break;
            }
            if (*p == '\r') {
                if (p + 1 == end && !at_eof)
                    return INCOMPLETE;
                if (p + 1 == end) { /* CRLF file that lost its final LF */
                    p++;
                    break;
                }
                if (p[1] == '\n') {
                    p += 2;
                    lines++;
                    break;
                }
            }
            fault(r, "unexpected text after a closing quote", r->line + lines, (int)nf - 1);
            goto malformed;
        }
        /* unquoted field */
        char *s = p;
        for (;;) {
            /* buf[len] is a NUL, so the scan needs no bounds check. */
            while (!special[(unsigned char)*p])
                p++;
            if (*p == '\0' && p < end) { /* a NUL inside the data is data */
                p++;
                continue;
            }
            if (p >= end) {
                p = end;
                if (!at_eof)
                    return INCOMPLETE;
                break;
            }
            if (*p == '"') {
                fault(r, "a quote inside an unquoted field (quote the whole field)",
                      r->line + lines, (int)nf);
                goto malformed;
            }
            if (*p == '\r') {
                if (p + 1 == end && !at_eof)
                    return INCOMPLETE;
                if (p + 1 == end || p[1] != '\n') {
                    p++; /* a lone CR is data */
                    continue;
                }
            }
            break;
        }
        size_t flen = (size_t)(p - s);
        if (p == end && flen > 0 && p[-1] == '\r')
            flen--; /* a CRLF file that lost its final LF */
        if (push_field(r, &nf, s, flen) < 0) {
            fault(r, "too many fields", r->line + lines, (int)nf);
            goto malformed;
        }
        if (p == end)
            break;
        if (*p == ',') {
            p++;
            continue;
        }
        p += *p == '\r' ? 2 : 1;
        lines++;
        break;
    }
    /* The whole record is in the buffer: now it is safe to unescape. */
    if (escaped || escaped_beyond) {
        for (size_t i = 0; i < nf; i++) {
            if (i < 32 ? (escaped >> i & 1) : escaped_beyond) {
                pd_csv_field *f = &r->fields[i];
                f->len = unescape((char *)f->p, f->len);
            }
        }
    }
    *nfields = nf;
    *next = (size_t)(p - base);
    *nl = lines;
    return PARSED;

malformed : {
    /* Resume at the line after the one where the record started. */
    char *nlp = memchr(base + r->pos, '\n', (size_t)(end - (base + r->pos)));
    if (!nlp && !at_eof)
        return INCOMPLETE; /* finish reading the bad line first */
    *next = nlp ? (size_t)(nlp + 1 - base) : r->len;
    *nl = nlp ? 1 : 0;
    return MALFORMED;
}
}

/* Drops bytes up to and including the next LF (see pd_csv_fill). */
static int resync(pd_csv_reader *r)
{
    while (r->resync) {
        char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (nl) {
            r->pos = (size_t)(nl + 1 - r->buf);
            r->line++;
            r->resync = 0;
            break;
        }
        r->pos = r->len;
        int f = pd_csv_fill(r);
        if (f < 0)
            return -1;
        if (f == 0)
            r->resync = 0;
    }
    return 0;
}

int pd_csv_next(pd_csv_reader *r, pd_csv_record *rec)
{
    if (r->resync && resync(r) < 0)
        return -1;
    for (;;) {
        if (pd_csv_done(r))
            return 0;
        if (r->pos == r->len) {
            int f = pd_csv_fill(r);
            if (f < 0)
                return -1;
            continue;
        }
        /* Blank lines are skipped, counted as lines. */
        char c = r->buf[r->pos];
        if (c == '\n' || c == '\r') {
            if (c == '\r') {
                if (r->pos + 1 == r->len && !r->eof) {
                    if (pd_csv_fill(r) < 0)
                        return -1;
                    continue;
                }
                if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n') {
                    r->pos += 2;
                    r->line++;
                    continue;
                }
            } else {
                r->pos++;
                r->line++;
                continue;
            }
        }
        size_t nf, next;
        uint64_t nl;
        int st = parse_record(r, r->eof, &nf, &next, &nl);
        if (st == INCOMPLETE) {
            if (pd_csv_fill(r) < 0)
                return -1;
            continue;
        }
        if (st == MALFORMED) {
            r->pos = next;
            r->line += nl;
            return -1;
        }
        rec->fields = r->fields;
        rec->nfields = nf;
        rec->line = r->line;
        rec->offset = r->buf_off + r->pos;
        r->pos = next;
        r->line += nl;
        return 1;
    }
}
