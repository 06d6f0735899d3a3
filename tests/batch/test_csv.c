/* test_csv.c - the streaming RFC 4180 reader over temporary files: quoting,
 * line ends, line numbers across quoted newlines, the malformed records and
 * how reading resumes after them, byte ranges (the base of the parallel
 * loader), and buffers small enough that records straddle refills.
 *
 * Every read is turned into a text transcript, one line per record or error
 * ("line@offset:field|field" or "E line:field:reason"), so that a mismatch
 * prints both sides in full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "batch/csv.h"
#include "util/buf.h"

#define BIG_BUF (16u << 20)

/* ---- helpers ------------------------------------------------------------------ */

/* A temporary file holding data[0..len), already unlinked: closing the
 * returned descriptor removes it. */
static int tmp_file(const void *data, size_t len)
{
    char path[] = "/tmp/pd_test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    return fd;
}

static int tmp_str(const char *s)
{
    return tmp_file(s, strlen(s));
}

/* Appends a field, escaping what would make the transcript ambiguous. */
static void put_field(pd_buf *b, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (p[i]) {
        case '\n': pd_buf_puts(b, "\\n"); break;
        case '\r': pd_buf_puts(b, "\\r"); break;
        case '|': pd_buf_puts(b, "\\|"); break;
        case '\\': pd_buf_puts(b, "\\\\"); break;
        case '\0': pd_buf_puts(b, "\\0"); break;
        default: pd_buf_putc(b, p[i]); break;
        }
    }
}

static void put_record(pd_buf *b, uint64_t line, uint64_t offset, const pd_csv_record *rec)
{
    pd_buf_printf(b, "%llu@%llu:", (unsigned long long)line, (unsigned long long)offset);
    for (size_t i = 0; i < rec->nfields; i++) {
        if (i)
            pd_buf_putc(b, '|');
        put_field(b, rec->fields[i].p, rec->fields[i].len);
    }
    pd_buf_putc(b, '\n');
}

/* Reads the records starting in [start, stop) (file_end bounds the bytes
 * read) with the given initial buffer size, and returns the transcript (the
 * caller frees it). Line numbers in it are line_base + the relative line. */
static char *read_range(int fd, uint64_t start, uint64_t stop, uint64_t file_end, size_t bufsize,
                        uint64_t line_base)
{
    pd_csv_reader r;
    pd_error err;
    assert_int_equal(pd_csv_reader_init(&r, fd, start, stop, file_end, bufsize, &err), PD_OK);
    pd_buf b;
    pd_buf_init(&b, (size_t)1 << 31);
    for (unsigned long guard = 0;; guard++) {
        if (guard > 10000000) /* a reader that never ends */
            fail_msg("more than 10 million calls of pd_csv_next");
        pd_csv_record rec;
        int rc = pd_csv_next(&r, &rec);
        if (rc == 0)
            break;
        if (rc < 0) {
            assert_int_equal(r.fault.io_errno, 0);
            pd_buf_printf(&b, "E %llu:%d:%s\n", (unsigned long long)(line_base + r.fault.line),
                          r.fault.field, pd_csv_fault_reason(&r));
            continue;
        }
        put_record(&b, line_base + rec.line, rec.offset, &rec);
    }
    /* the end is final */
    pd_csv_record rec;
    assert_int_equal(pd_csv_next(&r, &rec), 0);
    assert_int_equal(pd_csv_next(&r, &rec), 0);
    pd_csv_reader_free(&r);
    assert_false(pd_buf_failed(&b));
    if (!b.data)
        pd_buf_puts(&b, "");
    return pd_buf_detach(&b, NULL);
}

/* Reads the whole of s with the given buffer size and compares with want. */
static void assert_reads(const char *s, size_t bufsize, const char *want)
{
    int fd = tmp_str(s);
    char *got = read_range(fd, 0, UINT64_MAX, UINT64_MAX, bufsize, 0);
    assert_string_equal(got, want);
    free(got);
    close(fd);
}

/* ---- well-formed input --------------------------------------------------------- */

static void test_plain(void **state)
{
    (void)state;
    assert_reads("a,b,c\n1,2,3\n", 0, "0@0:a|b|c\n1@6:1|2|3\n");
    /* empty fields, and a record of one empty field would be a blank line */
    assert_reads("a,,c\n,,\n,x\n", 0, "0@0:a||c\n1@5:||\n2@8:|x\n");
    /* spaces are data */
    assert_reads(" a , b \n", 0, "0@0: a | b \n");
}

static void test_quoted(void **state)
{
    (void)state;
    const char *csv = "id,handle,bio\n"
                      "1,\"Smith, Jane\",\"say \"\"hi\"\"\"\n"
                      "2,\"multi\nline\",x\n"
                      "3,\"two\nnew\nlines\",\"\"\n"
                      "4,\"\"\"\",\"a,\"\"b\"\",c\"\n"
                      "5,last,\"\"\"quoted\"\"\"\n";
    assert_reads(csv, 0,
                 "0@0:id|handle|bio\n"
                 "1@14:1|Smith, Jane|say \"hi\"\n"
                 "2@43:2|multi\\nline|x\n"
                 "4@60:3|two\\nnew\\nlines|\n"
                 "7@81:4|\"|a,\"b\",c\n"
                 "8@100:5|last|\"quoted\"\n");
}

/* Quoted fields with "" pairs beyond the 32nd field are unescaped too. */
static void test_quoted_escapes_many_fields(void **state)
{
    (void)state;
    pd_buf in, want;
    pd_buf_init(&in, 1 << 20);
    pd_buf_init(&want, 1 << 20);
    pd_buf_puts(&want, "0@0:");
    for (int i = 0; i < 40; i++) {
        pd_buf_printf(&in, "%s\"f%d \"\"q\"\"\"", i ? "," : "", i);
        pd_buf_printf(&want, "%sf%d \"q\"", i ? "|" : "", i);
    }
    pd_buf_puts(&in, "\n");
    pd_buf_puts(&want, "\n");
    assert_reads(in.data, 0, want.data);
    pd_buf_free(&in);
    pd_buf_free(&want);
}

static void test_crlf(void **state)
{
    (void)state;
    assert_reads("a,b\r\n1,2\r\n", 0, "0@0:a|b\n1@5:1|2\n");
    /* a quoted field before CRLF, and CRLF inside quotes is data */
    assert_reads("\"a\",\"b\"\r\n\"x\r\ny\",2\r\n", 0, "0@0:a|b\n1@9:x\\r\\ny|2\n");
    /* mixed line ends */
    assert_reads("a\r\nb\nc\r\nd", 0, "0@0:a\n1@3:b\n2@5:c\n3@8:d\n");
}

static void test_lone_cr(void **state)
{
    (void)state;
    /* a CR not followed by LF is data, quoted or not */
    assert_reads("a\rb,c\n", 0, "0@0:a\\rb|c\n");
    assert_reads("\"a\rb\",c\n", 0, "0@0:a\\rb|c\n");
    assert_reads("x,a\rb\r\ny,z\n", 0, "0@0:x|a\\rb\n1@7:y|z\n");
}

/* A NUL byte inside the data is data, quoted or not (the reader keeps a NUL
 * sentinel after its buffer, which must not end a field early). */
static void test_nul_bytes(void **state)
{
    (void)state;
    static const char csv[] = "a\0b,c\n\"x\0y\",\0\n\0\n";
    int fd = tmp_file(csv, sizeof csv - 1);
    char *got = read_range(fd, 0, UINT64_MAX, UINT64_MAX, 0, 0);
    assert_string_equal(got, "0@0:a\\0b|c\n1@6:x\\0y|\\0\n2@14:\\0\n");
    free(got);
    close(fd);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    assert_reads("a,b\n1,2", 0, "0@0:a|b\n1@4:1|2\n");
    assert_reads("a,b\n1,\"2\"", 0, "0@0:a|b\n1@4:1|2\n");
    assert_reads("a,b\n1,", 0, "0@0:a|b\n1@4:1|\n");
    assert_reads("a,b\n1,\"x\ny\"", 0, "0@0:a|b\n1@4:1|x\\ny\n");
    assert_reads("only", 0, "0@0:only\n");
}

static void test_header_only(void **state)
{
    (void)state;
    assert_reads("creator_id,handle\n", 0, "0@0:creator_id|handle\n");
    assert_reads("creator_id,handle", 0, "0@0:creator_id|handle\n");
    assert_reads("creator_id,handle\r\n", 0, "0@0:creator_id|handle\n");
}

static void test_empty_file(void **state)
{
    (void)state;
    assert_reads("", 0, "");
    /* only blank lines: no record either */
    assert_reads("\n\n\r\n\n", 0, "");
}

static void test_blank_lines_skipped(void **state)
{
    (void)state;
    /* blank lines are skipped but counted, LF or CRLF */
    assert_reads("\n\na,b\n\n\r\n1,2\n\n", 0, "2@2:a|b\n5@9:1|2\n");
    assert_reads("a\n\n\n\nb\n", 0, "0@0:a\n4@5:b\n");
}

static void test_record_offsets_and_lines(void **state)
{
    (void)state;
    /* line counts quoted newlines and CRLF alike */
    assert_reads("\"a\r\nb\",1\r\n\"c\nd\ne\",2\n3,4\n", 0,
                 "0@0:a\\r\\nb|1\n2@10:c\\nd\\ne|2\n5@20:3|4\n");
}

static void test_too_many_fields(void **state)
{
    (void)state;
    pd_buf in;
    pd_buf_init(&in, 1 << 20);
    for (int i = 0; i < PD_CSV_MAX_FIELDS; i++)
        pd_buf_puts(&in, i ? ",x" : "x");
    pd_buf_puts(&in, "\n");
    for (int i = 0; i <= PD_CSV_MAX_FIELDS; i++)
        pd_buf_puts(&in, i ? ",y" : "y");
    pd_buf_puts(&in, "\nok\n");
    int fd = tmp_str(in.data);
    pd_csv_reader r;
    pd_error err;
    assert_int_equal(pd_csv_reader_init(&r, fd, 0, UINT64_MAX, UINT64_MAX, 0, &err), PD_OK);
    pd_csv_record rec;
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.nfields, PD_CSV_MAX_FIELDS);
    assert_int_equal(pd_csv_next(&r, &rec), -1);
    assert_string_equal(pd_csv_fault_reason(&r), "too many fields");
    assert_int_equal(r.fault.line, 1);
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.nfields, 1);
    assert_int_equal(rec.line, 2);
    assert_memory_equal(rec.fields[0].p, "ok", 2);
    assert_int_equal(pd_csv_next(&r, &rec), 0);
    pd_csv_reader_free(&r);
    close(fd);
    pd_buf_free(&in);
}

/* ---- huge fields ------------------------------------------------------------- */

static void test_huge_quoted_field(void **state)
{
    (void)state;
    const size_t body = 5u << 20; /* 5 MiB of field content */
    pd_buf in, want;
    pd_buf_init(&in, 64u << 20);
    pd_buf_init(&want, 64u << 20);
    pd_buf_puts(&in, "id,data\n1,\"");
    uint64_t newlines = 0;
    for (size_t i = 0; want.len < body; i++) {
        if (i % 1000 == 999) {
            pd_buf_putc(&in, '\n');
            pd_buf_putc(&want, '\n');
            newlines++;
        } else if (i % 777 == 0) {
            pd_buf_puts(&in, "\"\"");
            pd_buf_putc(&want, '"');
        } else if (i % 101 == 0) {
            pd_buf_putc(&in, ',');
            pd_buf_putc(&want, ',');
        } else {
            pd_buf_putc(&in, (char)('a' + i % 26));
            pd_buf_putc(&want, (char)('a' + i % 26));
        }
    }
    pd_buf_puts(&in, "\",end\n2,after\n");
    assert_false(pd_buf_failed(&in));
    uint64_t after_off = in.len - strlen("2,after\n");
    int fd = tmp_file(in.data, in.len);

    pd_csv_reader r;
    pd_error err;
    /* a tiny initial buffer: it must grow to hold the record */
    assert_int_equal(pd_csv_reader_init(&r, fd, 0, UINT64_MAX, UINT64_MAX, 1, &err), PD_OK);
    pd_csv_record rec;
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.nfields, 2);
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.nfields, 3);
    assert_int_equal(rec.line, 1);
    assert_int_equal(rec.offset, 8);
    assert_memory_equal(rec.fields[0].p, "1", 1);
    assert_int_equal(rec.fields[1].len, want.len);
    assert_memory_equal(rec.fields[1].p, want.data, want.len);
    assert_int_equal(rec.fields[2].len, 3);
    assert_memory_equal(rec.fields[2].p, "end", 3);
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.nfields, 2);
    assert_int_equal(rec.line, 2 + newlines);
    assert_int_equal(rec.offset, after_off);
    assert_memory_equal(rec.fields[1].p, "after", 5);
    assert_int_equal(pd_csv_next(&r, &rec), 0);
    assert_int_equal(atomic_load(&r.bytes_read), in.len);
    pd_csv_reader_free(&r);
    close(fd);
    pd_buf_free(&in);
    pd_buf_free(&want);
}

static void test_huge_unquoted_field(void **state)
{
    (void)state;
    const size_t body = 5u << 20;
    char *in = malloc(body + 32);
    assert_non_null(in);
    memcpy(in, "x,", 2);
    memset(in + 2, 'v', body);
    memcpy(in + 2 + body, "\ny,z", 4);
    int fd = tmp_file(in, body + 6);
    pd_csv_reader r;
    pd_error err;
    assert_int_equal(pd_csv_reader_init(&r, fd, 0, UINT64_MAX, UINT64_MAX, 10, &err), PD_OK);
    pd_csv_record rec;
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.nfields, 2);
    assert_int_equal(rec.fields[1].len, body);
    assert_memory_equal(rec.fields[1].p, in + 2, body);
    assert_int_equal(pd_csv_next(&r, &rec), 1);
    assert_int_equal(rec.line, 1);
    assert_memory_equal(rec.fields[1].p, "z", 1);
    assert_int_equal(pd_csv_next(&r, &rec), 0);
    pd_csv_reader_free(&r);
    close(fd);
    free(in);
}

/* A record longer than PD_CSV_MAX_RECORD is an error; the reader must then
 * move on ("after a malformed record the reader has moved past it").
 * (Regression: the reader used to stay on the fault forever, which made
 * `certify --skip-bad-lines` spin on one over-long line.) The second call
 * returns the next record ("2,x" on line 1). */
static void test_record_over_ceiling(void **state)
{
    (void)state;
    const size_t body = PD_CSV_MAX_RECORD + 1000;
    char *in = malloc(body + 16);
    assert_non_null(in);
    memset(in, 'a', body);
    memcpy(in + body, "\n2,x\n", 5);
    int fd = tmp_file(in, body + 5);
    free(in);
    pd_csv_reader r;
    pd_error err;
    assert_int_equal(pd_csv_reader_init(&r, fd, 0, UINT64_MAX, UINT64_MAX, 0, &err), PD_OK);
    /* collect first, assert after freeing: a failed assertion must not leak
     * the 64 MiB buffer */
    pd_csv_record rec;
    int rc1 = pd_csv_next(&r, &rec);
    int long_fault = strstr(pd_csv_fault_reason(&r), "64 MiB") != NULL;
    uint64_t fault_line = r.fault.line;
    int io = r.fault.io_errno;
    int rc2 = pd_csv_next(&r, &rec);
    if (rc2 < 0)
        print_error("second call: -1 again (%s)\n", pd_csv_fault_reason(&r));
    uint64_t line2 = rc2 == 1 ? rec.line : UINT64_MAX;
    int x2 = rc2 == 1 && rec.nfields == 2 && rec.fields[1].len == 1 && rec.fields[1].p[0] == 'x';
    int rc3 = rc2 == 1 ? pd_csv_next(&r, &rec) : -2;
    pd_csv_reader_free(&r);
    close(fd);
    assert_int_equal(rc1, -1);
    assert_true(long_fault);
    assert_int_equal(fault_line, 0);
    assert_int_equal(io, 0);
    assert_int_equal(rc2, 1);
    assert_int_equal(line2, 1);
    assert_true(x2);
    assert_int_equal(rc3, 0);
}

/* ---- malformed records, and resuming after them ------------------------------ */

static void test_unterminated_quote(void **state)
{
    (void)state;
    /* the quote runs to the end of the file: one error, then the lines after
     * the bad record's first line are read again as records */
    assert_reads("a,b\n1,\"open\n2,3\n", 0,
                 "0@0:a|b\n"
                 "E 1:1:unterminated quoted field\n"
                 "2@12:2|3\n");
    assert_reads("\"", 0, "E 0:0:unterminated quoted field\n");
    assert_reads("x\n\"abc", 0, "0@0:x\nE 1:0:unterminated quoted field\n");
}

static void test_text_after_closing_quote(void **state)
{
    (void)state;
    assert_reads("\"ab\"c,d\n1,2\n", 0, "E 0:0:unexpected text after a closing quote\n1@8:1|2\n");
    assert_reads("x,\"ab\" ,d\n1,2\n", 0,
                 "E 0:1:unexpected text after a closing quote\n1@10:1|2\n");
    /* a quoted field ending in a lone CR */
    assert_reads("\"ab\"\rc\n1,2\n", 0, "E 0:0:unexpected text after a closing quote\n1@7:1|2\n");
}

static void test_quote_in_unquoted_field(void **state)
{
    (void)state;
    assert_reads("ab\"c,d\n1,2\n", 0,
                 "E 0:0:a quote inside an unquoted field (quote the whole field)\n1@7:1|2\n");
    assert_reads("h\nx,ab\"c\r\ny\n", 0,
                 "0@0:h\nE 1:1:a quote inside an unquoted field (quote the whole field)\n"
                 "2@10:y\n");
}

static void test_resume_after_malformed(void **state)
{
    (void)state;
    /* several bad lines in a row, bad last line without a newline, and the
     * good lines between them with the right line numbers and offsets */
    const char *csv = "h1,h2\n"
                      "ok1,1\n"
                      "bad\"1,2\n"
                      "\"bad2\"x,3\n"
                      "ok2,4\n"
                      "\n"
                      "ok3,\"5\"\n"
                      "bad\"3";
    assert_reads(csv, 0,
                 "0@0:h1|h2\n"
                 "1@6:ok1|1\n"
                 "E 2:0:a quote inside an unquoted field (quote the whole field)\n"
                 "E 3:0:unexpected text after a closing quote\n"
                 "4@30:ok2|4\n"
                 "6@37:ok3|5\n"
                 "E 7:0:a quote inside an unquoted field (quote the whole field)\n");
}

/* A bad record spanning lines: the error is on the line where the problem is
 * found; reading resumes on the line after the record's first line. */
static void test_malformed_multiline(void **state)
{
    (void)state;
    assert_reads("h\n\"a\nb\"x,1\n3,4\n", 0,
                 "0@0:h\n"
                 "E 2:0:unexpected text after a closing quote\n"
                 "E 2:0:a quote inside an unquoted field (quote the whole field)\n"
                 "3@11:3|4\n");
}

/* ---- ranges ---------------------------------------------------------------------- */

static const char range_csv[] = "id,text\n"
                                "1,plain\n"
                                "2,\"with\nnewline\"\n"
                                "\n"
                                "3,\"a,b\"\r\n"
                                "4,\"q\"\"q\"\n"
                                "5,\"long long long long long\nlong\n\"\n"
                                "6,end";

static uint64_t count_nl(const char *s, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* Record starts, from a full read (malformed lines are not records). */
static size_t record_starts(int fd, uint64_t *starts, size_t max)
{
    pd_csv_reader r;
    pd_error err;
    assert_int_equal(pd_csv_reader_init(&r, fd, 0, UINT64_MAX, UINT64_MAX, 0, &err), PD_OK);
    pd_csv_record rec;
    size_t n = 0;
    int rc;
    while ((rc = pd_csv_next(&r, &rec)) != 0) {
        if (rc < 0)
            continue; /* a malformed line starts no record */
        assert_true(n < max);
        starts[n++] = rec.offset;
    }
    pd_csv_reader_free(&r);
    return n;
}

/* For every split point s: [0, s) then [first record start >= s, end) read
 * exactly the records of a full read, each once, with the same lines. */
static void check_every_split(const char *data, size_t size, size_t bufsize)
{
    int fd = tmp_file(data, size);
    char *full = read_range(fd, 0, UINT64_MAX, UINT64_MAX, bufsize, 0);
    uint64_t starts[4096];
    size_t nrec = record_starts(fd, starts, 4096);
    for (uint64_t s = 0; s <= size; s++) {
        uint64_t b = size;
        for (size_t k = 0; k < nrec; k++)
            if (starts[k] >= s) {
                b = starts[k];
                break;
            }
        char *a = read_range(fd, 0, s, UINT64_MAX, bufsize, 0);
        char *rest = read_range(fd, b, UINT64_MAX, UINT64_MAX, bufsize, count_nl(data, b));
        size_t la = strlen(a), lr = strlen(rest);
        char *both = malloc(la + lr + 1);
        assert_non_null(both);
        memcpy(both, a, la);
        memcpy(both + la, rest, lr + 1);
        if (strcmp(both, full) != 0)
            print_error("split at %llu (second range from %llu)\n", (unsigned long long)s,
                        (unsigned long long)b);
        assert_string_equal(both, full);
        free(both);
        free(a);
        free(rest);
    }
    free(full);
    close(fd);
}

static void test_range_every_split(void **state)
{
    (void)state;
    check_every_split(range_csv, sizeof range_csv - 1, 0);
}

static void test_range_stop_inside_record(void **state)
{
    (void)state;
    int fd = tmp_file(range_csv, sizeof range_csv - 1);
    /* record 2 starts at 16 and holds a newline; stop in its middle */
    const char *rec2 = strstr(range_csv, "2,\"with");
    uint64_t off2 = (uint64_t)(rec2 - range_csv);
    char *got = read_range(fd, 0, off2 + 5, UINT64_MAX, 0, 0);
    assert_string_equal(got, "0@0:id|text\n1@8:1|plain\n2@16:2|with\\nnewline\n");
    free(got);
    /* stop on the record's first byte: it belongs to the next range */
    got = read_range(fd, 0, off2, UINT64_MAX, 0, 0);
    assert_string_equal(got, "0@0:id|text\n1@8:1|plain\n");
    free(got);
    /* one byte further: it is ours, whole */
    got = read_range(fd, 0, off2 + 1, UINT64_MAX, 0, 0);
    assert_string_equal(got, "0@0:id|text\n1@8:1|plain\n2@16:2|with\\nnewline\n");
    free(got);
    /* a middle range: lines relative to its start */
    got = read_range(fd, off2, off2 + 1, UINT64_MAX, 0, 0);
    assert_string_equal(got, "0@16:2|with\\nnewline\n");
    free(got);
    /* an empty range */
    got = read_range(fd, off2, off2, UINT64_MAX, 0, 0);
    assert_string_equal(got, "");
    free(got);
    close(fd);
}

static void test_range_file_end(void **state)
{
    (void)state;
    int fd = tmp_str("a,b\n1,2\n3,4\n");
    /* no byte at or after file_end is read: the file seems to end there */
    char *got = read_range(fd, 0, UINT64_MAX, 8, 0, 0);
    assert_string_equal(got, "0@0:a|b\n1@4:1|2\n");
    free(got);
    got = read_range(fd, 0, UINT64_MAX, 10, 0, 0);
    assert_string_equal(got, "0@0:a|b\n1@4:1|2\n2@8:3|\n");
    free(got);
    got = read_range(fd, 4, UINT64_MAX, 4, 0, 0);
    assert_string_equal(got, "");
    free(got);
    close(fd);
}

/* ---- buffers smaller than the records --------------------------------------------- */

/* A deterministic generator of CSV with quoting of every kind, CRLF, blank
 * lines, long fields and single-line malformed records, which writes the
 * transcript a correct reader must produce alongside. */
struct gen {
    uint64_t state;
    pd_buf csv, want;
    uint64_t line;
};

static uint32_t rnd(struct gen *g, uint32_t n)
{
    g->state = g->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(g->state >> 33) % n;
}

/* Writes one field; its content goes to `content` (unescaped). Fields with
 * a newline only when multiline is set. */
static void gen_field(struct gen *g, pd_buf *content, int multiline)
{
    unsigned kind = rnd(g, 10);
    size_t len = rnd(g, 12);
    if (rnd(g, 40) == 0)
        len = 3000 + rnd(g, 20000); /* longer than the smallest buffer */
    if (kind < 5) {                 /* plain */
        for (size_t i = 0; i < len; i++) {
            char c = (char)('a' + rnd(g, 26));
            if (i > 0 && i + 1 < len && rnd(g, 50) == 0)
                c = '\r'; /* a lone CR inside, never before the line end */
            pd_buf_putc(&g->csv, c);
            pd_buf_putc(content, c);
        }
        return;
    }
    pd_buf_putc(&g->csv, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned t = rnd(g, 12);
        if (t == 0) {
            pd_buf_puts(&g->csv, "\"\"");
            pd_buf_putc(content, '"');
        } else if (t == 1) {
            pd_buf_putc(&g->csv, ',');
            pd_buf_putc(content, ',');
        } else if (t == 2 && multiline) {
            const char *nl = rnd(g, 2) ? "\n" : "\r\n";
            pd_buf_puts(&g->csv, nl);
            pd_buf_puts(content, nl);
            g->line++;
        } else {
            char c = (char)('A' + rnd(g, 26));
            pd_buf_putc(&g->csv, c);
            pd_buf_putc(content, c);
        }
    }
    pd_buf_putc(&g->csv, '"');
}

static void gen_file(struct gen *g, size_t nrecords)
{
    pd_buf content;
    pd_buf_init(&content, 1 << 20);
    for (size_t k = 0; k < nrecords; k++) {
        if (rnd(g, 15) == 0) { /* blank line */
            pd_buf_puts(&g->csv, rnd(g, 2) ? "\n" : "\r\n");
            g->line++;
            continue;
        }
        uint64_t line0 = g->line;
        size_t off0 = g->csv.len;
        size_t nf = 1 + rnd(g, 6);
        unsigned bad = rnd(g, 25); /* 0: text after a closing quote, 1: quote in a field */
        size_t badf = rnd(g, (uint32_t)nf);
        if (bad <= 1) {
            for (size_t i = 0; i < nf; i++) {
                if (i)
                    pd_buf_putc(&g->csv, ',');
                if (i == badf) {
                    pd_buf_puts(&g->csv, bad == 0 ? "\"bad\"x" : "ba\"d");
                } else {
                    pd_buf_reset(&content);
                    gen_field(g, &content, 0);
                }
            }
            pd_buf_printf(&g->want, "E %llu:%zu:%s\n", (unsigned long long)line0, badf,
                          bad == 0 ? "unexpected text after a closing quote"
                                   : "a quote inside an unquoted field (quote the whole field)");
        } else {
            size_t want0 = g->want.len;
            pd_buf_printf(&g->want, "%llu@%zu:", (unsigned long long)line0, off0);
            for (size_t i = 0; i < nf; i++) {
                if (i) {
                    pd_buf_putc(&g->csv, ',');
                    pd_buf_putc(&g->want, '|');
                }
                pd_buf_reset(&content);
                gen_field(g, &content, 1);
                put_field(&g->want, content.data ? content.data : "", content.len);
            }
            pd_buf_putc(&g->want, '\n');
            if (nf == 1 && content.len == 0 && g->csv.data[g->csv.len - 1] != '"') {
                /* one empty unquoted field is a blank line, not a record */
                g->want.len = want0;
                g->want.data[want0] = '\0';
            }
        }
        pd_buf_puts(&g->csv, rnd(g, 3) ? "\n" : "\r\n");
        g->line++;
    }
    pd_buf_free(&content);
    assert_false(pd_buf_failed(&g->csv));
    assert_false(pd_buf_failed(&g->want));
}

static void test_small_buffers_match(void **state)
{
    (void)state;
    struct gen g = {.state = 20190601};
    pd_buf_init(&g.csv, 64u << 20);
    pd_buf_init(&g.want, 64u << 20);
    gen_file(&g, 6000);
    int fd = tmp_file(g.csv.data, g.csv.len);
    static const size_t sizes[] = {0, 1, 4097, 5000, 65536, BIG_BUF};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char *got = read_range(fd, 0, UINT64_MAX, UINT64_MAX, sizes[k], 0);
        if (strcmp(got, g.want.data) != 0)
            print_error("buffer size %zu\n", sizes[k]);
        assert_string_equal(got, g.want.data);
        free(got);
    }
    close(fd);
    pd_buf_free(&g.csv);
    pd_buf_free(&g.want);
}

/* The same file read as a few ranges with a small buffer: every record once. */
static void test_small_buffers_ranges(void **state)
{
    (void)state;
    struct gen g = {.state = 42};
    pd_buf_init(&g.csv, 64u << 20);
    pd_buf_init(&g.want, 64u << 20);
    gen_file(&g, 3000);
    int fd = tmp_file(g.csv.data, g.csv.len);
    static uint64_t starts[8192];
    size_t nrec = record_starts(fd, starts, 8192);
    assert_true(nrec > 100);
    for (unsigned parts = 2; parts <= 7; parts++) {
        pd_buf all;
        pd_buf_init(&all, 64u << 20);
        uint64_t from = 0;
        for (unsigned i = 0; i < parts; i++) {
            uint64_t stop = i + 1 == parts ? UINT64_MAX : g.csv.len / parts * (i + 1);
            char *got =
                read_range(fd, from, stop, UINT64_MAX, 1, count_nl(g.csv.data, (size_t)from));
            pd_buf_puts(&all, got);
            free(got);
            /* the next range starts at the first record start at or after stop */
            uint64_t next = g.csv.len;
            for (size_t k = 0; k < nrec; k++)
                if (starts[k] >= stop) {
                    next = starts[k];
                    break;
                }
            from = next;
        }
        /* the malformed lines are not records, so a range may begin just
         * after one; compare the records only */
        pd_buf only;
        pd_buf_init(&only, 64u << 20);
        for (const char *p = g.want.data; *p;) {
            const char *e = strchr(p, '\n');
            if (*p != 'E')
                pd_buf_append(&only, p, (size_t)(e - p + 1));
            p = e + 1;
        }
        pd_buf mine;
        pd_buf_init(&mine, 64u << 20);
        for (const char *p = all.data; *p;) {
            const char *e = strchr(p, '\n');
            if (*p != 'E')
                pd_buf_append(&mine, p, (size_t)(e - p + 1));
            p = e + 1;
        }
        assert_string_equal(mine.data, only.data);
        pd_buf_free(&all);
        pd_buf_free(&only);
        pd_buf_free(&mine);
    }
    close(fd);
    pd_buf_free(&g.csv);
    pd_buf_free(&g.want);
}

/* ---- a pipe: read() in sequence instead of pread ------------------------------------ */

static void test_pipe(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    const char *csv = "a,b\r\n\"x\ny\",2\n\n3,\"4\"";
    assert_int_equal(write(p[1], csv, strlen(csv)), (ssize_t)strlen(csv));
    close(p[1]);
    char *got = read_range(p[0], 0, UINT64_MAX, UINT64_MAX, 0, 0);
    assert_string_equal(got, "0@0:a|b\n1@5:x\\ny|2\n4@14:3|4\n");
    free(got);
    close(p[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_quoted_escapes_many_fields),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_lone_cr),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_blank_lines_skipped),
        cmocka_unit_test(test_record_offsets_and_lines),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_huge_quoted_field),
        cmocka_unit_test(test_huge_unquoted_field),
        cmocka_unit_test(test_record_over_ceiling),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_quote_in_unquoted_field),
        cmocka_unit_test(test_resume_after_malformed),
        cmocka_unit_test(test_malformed_multiline),
        cmocka_unit_test(test_range_every_split),
        cmocka_unit_test(test_range_stop_inside_record),
        cmocka_unit_test(test_range_file_end),
        cmocka_unit_test(test_small_buffers_match),
        cmocka_unit_test(test_small_buffers_ranges),
        cmocka_unit_test(test_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
