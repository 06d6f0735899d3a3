/*
 * fuzz_csv.c - libFuzzer target for the streaming CSV reader (batch/csv.h).
 *
 * The input is written to an in-memory file and read back record by record,
 * and the reader must agree with itself however it is driven:
 *   - with the smallest buffer (4 KiB, refilled and grown as records need)
 *     and with a large one;
 *   - with file_end at the file size and at UINT64_MAX;
 *   - through a pipe (read() in sequence instead of pread());
 *   - split in two ranges at a record start chosen from the input: the first
 *     range yields the records before it, the second the rest, with line
 *     numbers relative to the split.
 * Every call must terminate, fields must lie inside the reader's buffer,
 * offsets must increase and line numbers never decrease.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "batch/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one call of pd_csv_next gave. */
struct item {
    int ok;          /* 1: a record, 0: a malformed one */
    uint64_t offset; /* records only */
    uint64_t line;   /* record line, or fault line */
    size_t nfields;
    uint64_t hash;   /* of the fields */
    const char *why; /* faults only */
    int field;
};

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_csv: check failed at line %d: %s\n", __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}

/* Reads the records starting in [start, stop) of fd into items (at most
 * max); returns how many. */
static size_t read_range(int fd, uint64_t start, uint64_t stop, uint64_t file_end, size_t bufsize,
                         struct item *items, size_t max)
{
    pd_csv_reader r;
    pd_error err;
    CHECK(pd_csv_reader_init(&r, fd, start, stop, file_end, bufsize, &err) == PD_OK);
    size_t n = 0;
    uint64_t last_off = 0, last_line = 0;
    int any = 0;
    for (;;) {
        pd_csv_record rec;
        int st = pd_csv_next(&r, &rec);
        if (st == 0)
            break;
        CHECK(n < max); /* every call consumes at least one byte */
        struct item *it = &items[n++];
        memset(it, 0, sizeof *it);
        if (st > 0) {
            it->ok = 1;
            it->offset = rec.offset;
            it->line = rec.line;
            it->nfields = rec.nfields;
            CHECK(rec.nfields >= 1 && rec.nfields <= PD_CSV_MAX_FIELDS);
            CHECK(rec.offset >= start && rec.offset < stop);
            if (any) {
                CHECK(rec.offset > last_off);
                CHECK(rec.line >= last_line);
            }
            any = 1;
            last_off = rec.offset;
            last_line = rec.line;
            uint64_t h = 1469598103934665603ULL;
            for (size_t i = 0; i < rec.nfields; i++) {
                const pd_csv_field *f = &rec.fields[i];
                CHECK(f->len == 0 || (f->p >= r.buf && f->p + f->len <= r.buf + r.len));
                h = fnv(h, &f->len, sizeof f->len);
                if (f->len)
                    h = fnv(h, f->p, f->len);
            }
            it->hash = h;
        } else {
            CHECK(r.fault.io_errno == 0);
            CHECK(r.fault.why != NULL);
            it->why = r.fault.why;
            it->line = r.fault.line;
            it->field = r.fault.field;
            CHECK(it->line >= last_line);
        }
    }
    /* the end stays the end */
    pd_csv_record rec;
    CHECK(pd_csv_next(&r, &rec) == 0);
    pd_csv_reader_free(&r);
    return n;
}

static void same_items(const struct item *a, const struct item *b, size_t n, uint64_t off_shift,
                       uint64_t line_shift)
{
    for (size_t i = 0; i < n; i++) {
        CHECK(a[i].ok == b[i].ok);
        CHECK(a[i].line == b[i].line + line_shift);
        if (a[i].ok) {
            CHECK(a[i].offset == b[i].offset + off_shift);
            CHECK(a[i].nfields == b[i].nfields);
            CHECK(a[i].hash == b[i].hash);
        } else {
            CHECK(strcmp(a[i].why, b[i].why) == 0);
            CHECK(a[i].field == b[i].field);
        }
    }
}

static int memfd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    if (memfd < 0) {
        memfd = memfd_create("fuzz_csv", 0);
        CHECK(memfd >= 0);
    }
    CHECK(ftruncate(memfd, 0) == 0);
    CHECK(size == 0 || pwrite(memfd, data, size, 0) == (ssize_t)size);

    size_t max = size + 2;
    struct item *whole = calloc(max, sizeof *whole);
    struct item *other = calloc(max, sizeof *other);
    CHECK(whole && other);

    size_t n = read_range(memfd, 0, UINT64_MAX, size, 4096, whole, max);

    /* a big buffer, and "to the end" as UINT64_MAX */
    size_t m = read_range(memfd, 0, UINT64_MAX, UINT64_MAX, 1u << 16, other, max);
    CHECK(m == n);
    same_items(whole, other, n, 0, 0);

    /* through a pipe */
    if (size <= 60000) {
        int p[2];
        CHECK(pipe(p) == 0);
        CHECK(size == 0 || write(p[1], data, size) == (ssize_t)size);
        close(p[1]);
        m = read_range(p[0], 0, UINT64_MAX, UINT64_MAX, 4096, other, max);
        close(p[0]);
        CHECK(m == n);
        same_items(whole, other, n, 0, 0);
    }

    /* split at a record start: records before it, then the rest */
    size_t nrec = 0;
    for (size_t i = 0; i < n; i++)
        nrec += whole[i].ok;
    if (nrec > 1 && size > 0) {
        size_t want = data[size - 1] % nrec, k = 0, seen = 0;
        for (k = 0; k < n; k++)
            if (whole[k].ok && seen++ == want)
                break;
        uint64_t off = whole[k].offset, line = whole[k].line;
        m = read_range(memfd, 0, off, size, 4096, other, max);
        CHECK(m == k);
        same_items(whole, other, k, 0, 0);
        m = read_range(memfd, off, UINT64_MAX, size, 4096, other, max);
        CHECK(m == n - k);
        same_items(whole + k, other, n - k, 0, line); /* offsets stay absolute */
    }
    free(whole);
    free(other);
    return 0;
}
