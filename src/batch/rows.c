/* rows.c - see rows.h. The checks and the words of every message about a
 * line of creators.csv or posts.csv live here, once. */
#include "batch/rows.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/num.h"
#include "core/post.h"
#include "core/text.h"

static const char *const creator_cols[] = {"creator_id", "handle", "category",
                                           "followers",  "mcn_id", NULL};
static const char *const post_cols[] = {"post_id", "creator_id", "published_at", "kind", "views",
                                        "likes",   "comments",   "collects",     NULL};

/* ---- opening a file and reading its header ------------------------------- */

void pd_rows_close(pd_rows_input *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
    for (size_t i = 0; in->colname && i < in->ncols; i++)
        free(in->colname[i]);
    free(in->colname);
    free(in->role);
    in->colname = NULL;
    in->role = NULL;
}

int pd_rows_open(pd_rows_input *in, const char *path, pd_rows_kind kind, pd_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        memset(in, 0, sizeof *in);
        in->fd = -1;
        return pd_error_set(err, PD_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    return pd_rows_open_fd(in, fd, path, kind, err);
}

int pd_rows_open_fd(pd_rows_input *in, int fd, const char *path, pd_rows_kind kind, pd_error *err)
{
    const char *const *cols = kind == PD_ROWS_CREATORS ? creator_cols : post_cols;
    const int first_role = kind == PD_ROWS_CREATORS ? PD_COL_C_ID : PD_COL_P_ID;
    memset(in, 0, sizeof *in);
    for (int r = 0; r < PD_COL_ROLES; r++)
        in->col[r] = -1;
    in->path = path;
    const char *slash = strrchr(path, '/');
    in->name = slash ? slash + 1 : path;
    in->fd = fd;
    struct stat st;
    if (fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        pd_rows_close(in);
        return pd_error_set(err, PD_EIO, "%s: not a regular file%s%s", path, e ? ": " : "",
                            e ? strerror(e) : "");
    }
    in->size = (uint64_t)st.st_size;
    char want[160] = "";
    for (size_t k = 0; cols[k]; k++) {
        strncat(want, k ? "," : "", sizeof want - strlen(want) - 1);
        strncat(want, cols[k], sizeof want - strlen(want) - 1);
    }
    if (in->size == 0) {
        pd_rows_close(in);
        return pd_error_set(err, PD_EINPUT, "%s: empty file (expected a header line: %s)", path,
                            want);
    }
    /* Skip a UTF-8 byte order mark, as spreadsheets write one. */
    unsigned char bom[3];
    uint64_t start = 0;
    if (pread(in->fd, bom, 3, 0) == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF)
        start = 3;
    /* The reader skips blank lines; where the header belongs, one is told. */
    char first[2] = {0, 0};
    ssize_t got = pread(in->fd, first, 2, (off_t)start);
    if (got > 0 && (first[0] == '\n' || (first[0] == '\r' && (got < 2 || first[1] == '\n')))) {
        pd_rows_close(in);
        return pd_error_set(err, PD_EINPUT,
                            "%s:1: blank line where the header should be (expected the "
                            "header line: %s)",
                            path, want);
    }
    pd_csv_reader rd;
    int rc = pd_csv_reader_init(&rd, in->fd, start, start + 1, in->size, 65536, err);
    if (rc) {
        pd_rows_close(in);
        return rc;
    }
    pd_csv_record rec;
    int r = pd_csv_next(&rd, &rec);
    if (r <= 0) {
        if (r == 0)
            rc = pd_error_set(err, PD_EINPUT, "%s: empty file (expected a header line: %s)", path,
                              want);
        else if (rd.fault.io_errno)
            rc =
                pd_error_set(err, PD_EIO, "%s: cannot read: %s", path, strerror(rd.fault.io_errno));
        else
            rc = pd_error_set(err, PD_EINPUT, "%s:%llu: header: %s", path,
                              (unsigned long long)(rd.fault.line + 1), pd_csv_fault_reason(&rd));
        pd_csv_reader_free(&rd);
        pd_rows_close(in);
        return rc;
    }
    in->ncols = rec.nfields;
    in->role = calloc(in->ncols, 1);
    in->colname = calloc(in->ncols, sizeof *in->colname);
    if (!in->role || !in->colname) {
        pd_csv_reader_free(&rd);
        pd_rows_close(in);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < in->ncols; i++) {
        const char *p = rec.fields[i].p;
        size_t len = rec.fields[i].len;
        in->colname[i] = strndup(p, len);
        if (!in->colname[i]) {
            pd_csv_reader_free(&rd);
            pd_rows_close(in);
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        }
        for (size_t k = 0; cols[k]; k++) {
            if (strlen(cols[k]) == len && memcmp(cols[k], p, len) == 0) {
                int role = first_role + (int)k;
                if (in->col[role] >= 0) {
                    pd_csv_reader_free(&rd);
                    rc = pd_error_set(err, PD_EINPUT,
                                      "%s:1: header: column '%s' appears twice "
                                      "(columns %d and %zu)",
                                      path, cols[k], in->col[role] + 1, i + 1);
                    pd_rows_close(in);
                    return rc;
                }
                in->role[i] = (unsigned char)role;
                in->col[role] = (int)i;
            }
        }
    }
    for (size_t k = 0; cols[k]; k++) {
        if (in->col[first_role + (int)k] < 0) {
            pd_csv_reader_free(&rd);
            rc = pd_error_set(err, PD_EINPUT,
                              "%s:1: header: missing column '%s' (expected the columns %s, "
                              "in any order)",
                              path, cols[k], want);
            pd_rows_close(in);
            return rc;
        }
    }
    in->data_start = rd.buf_off + rd.pos;
    in->header_lines = rd.line;
    pd_csv_reader_free(&rd);
    return PD_OK;
}

/* ---- bad lines ------------------------------------------------------------- */

void pd_rows_bad_set(pd_rows_bad *b, uint64_t line, int field, const char *why, const char *v,
                     size_t vlen)
{
    memset(b, 0, sizeof *b);
    b->line = line;
    b->field = field;
    b->why = why;
    if (v) {
        size_t n = vlen < sizeof b->value - 4 ? vlen : sizeof b->value - 4;
        memcpy(b->value, v, n);
        if (n < vlen)
            memcpy(b->value + n, "...", 4);
        else
            b->value[n] = '\0';
        for (char *s = b->value; *s; s++)
            if ((unsigned char)*s < 0x20)
                *s = ' ';
    }
}

void pd_rows_describe(const pd_rows_input *in, const pd_rows_bad *b, char *out, size_t cap)
{
    if (b->first_line && b->field >= 0 && (size_t)b->field < in->ncols) {
        snprintf(out, cap, "column %d (%s): %s %s (first on line %llu)", b->field + 1,
                 in->colname[b->field], b->why, b->value, (unsigned long long)b->first_line);
        return;
    }
    const char *q = b->value[0] ? "'" : "";
    const char *sep = b->value[0] ? ": " : "";
    if (b->field >= 0 && (size_t)b->field < in->ncols)
        snprintf(out, cap, "column %d (%s): %s%s%s%s%s", b->field + 1, in->colname[b->field],
                 b->why, sep, q, b->value, q);
    else if (b->field >= 0)
        snprintf(out, cap, "column %d: %s", b->field + 1, b->why);
    else
        snprintf(out, cap, "%s%s%s", b->why, sep, b->value);
}

int pd_rows_fault(const pd_csv_reader *rd, pd_rows_bad *b)
{
    const pd_csv_fault *f = &rd->fault;
    if (f->io_errno || strcmp(pd_csv_fault_reason(rd), "read error") == 0) {
        pd_rows_bad_set(b, rd->line, -1, "read error", NULL, 0);
        if (f->io_errno)
            snprintf(b->value, sizeof b->value, "%s", strerror(f->io_errno));
        return PD_EIO;
    }
    if (strncmp(pd_csv_fault_reason(rd), "out of memory", 13) == 0) {
        pd_rows_bad_set(b, rd->line, -1, f->why, NULL, 0);
        return PD_ENOMEM;
    }
    pd_rows_bad_set(b, f->line, f->field, pd_csv_fault_reason(rd), NULL, 0);
    return PD_OK;
}

/* ---- records ----------------------------------------------------------------- */

/* Checks the field count; 0 when right. */
static int check_nfields(const pd_rows_input *in, const pd_csv_record *rec, pd_rows_bad *b)
{
    size_t want = in->ncols;
    if (rec->nfields == want)
        return 0;
    static const char *const few = "missing: the line has fewer fields than the header";
    static const char *const many =
        "unexpected extra field: the line has more fields than the header";
    pd_rows_bad_set(b, rec->line, rec->nfields < want ? (int)rec->nfields : (int)want,
                    rec->nfields < want ? few : many, NULL, 0);
    return -1;
}

/* One field of a record: 0, or -1 with *why (and *hide when the value is
 * not to be shown: it is not text). */
typedef int (*field_fn)(int role, const pd_csv_field *f, void *out, const char **why, int *hide);

/* Checks the field count, then each field with fn in column order: 0, or
 * -1 with b describing the first bad one. */
static int parse_fields(const pd_rows_input *in, const pd_csv_record *rec, field_fn fn, void *out,
                        pd_rows_bad *b)
{
    if (check_nfields(in, rec, b))
        return -1;
    for (size_t i = 0; i < in->ncols; i++) {
        const pd_csv_field *f = &rec->fields[i];
        const char *why = NULL;
        int hide = 0;
        if (fn(in->role[i], f, out, &why, &hide) < 0) {
            pd_rows_bad_set(b, rec->line, (int)i, why, hide ? NULL : f->p, hide ? 0 : f->len);
            return -1;
        }
    }
    return 0;
}

/* An id: a whole number from 1 to INT64_MAX (`zero` the reason for 0). */
static int parse_id(const pd_csv_field *f, const char *zero, uint64_t *v, const char **why)
{
    if (pd_parse_uint(f->p, f->len, INT64_MAX, v, why) < 0)
        return -1;
    if (*v == 0) {
        *why = zero;
        return -1;
    }
    return 0;
}

static int creator_field(int role, const pd_csv_field *f, void *o, const char **why, int *hide)
{
    pd_rows_creator *out = o;
    pd_text_fault tf;
    uint64_t v;
    switch (role) {
    case PD_COL_C_ID:
        if (parse_id(f, "must be 1 or more", &v, why) < 0)
            return -1;
        out->id = (int64_t)v;
        break;
    case PD_COL_C_FOLLOWERS:
        if (pd_parse_uint(f->p, f->len, PD_COUNT_MAX, &v, why) < 0)
            return -1;
        out->followers = v;
        break;
    case PD_COL_C_MCN:
        if (f->len == 0) {
            out->mcn_id = 0;
            break;
        }
        if (parse_id(f, "must be 1 or more (or empty)", &v, why) < 0)
            return -1;
        out->mcn_id = v;
        break;
    case PD_COL_C_HANDLE:
    case PD_COL_C_CATEGORY:
        /* UTF-8 text without NUL (core/text.h), whoever reads it; no
         * value is shown: it is not text */
        if (pd_text_check(f->p, f->len, 0, PD_TEXT_ANY, &tf) < 0) {
            *why = tf.why;
            *hide = 1;
            return -1;
        }
        if (role == PD_COL_C_HANDLE)
            out->handle = *f;
        else
            out->category = *f;
        break;
    default: break;
    }
    return 0;
}

int pd_rows_creator_parse(const pd_rows_input *in, const pd_csv_record *rec, pd_rows_creator *out,
                          pd_rows_bad *b)
{
    memset(out, 0, sizeof *out);
    return parse_fields(in, rec, creator_field, out, b);
}

static int post_field(int role, const pd_csv_field *f, void *o, const char **why, int *hide)
{
    (void)hide; /* every value of a post is shown */
    pd_rows_post *out = o;
    uint64_t v = 0;
    switch (role) {
    case PD_COL_P_ID:
    case PD_COL_P_CREATOR:
        if (parse_id(f, "must be 1 or more", &v, why) < 0)
            return -1;
        if (role == PD_COL_P_ID)
            out->id = v;
        else
            out->creator = v;
        break;
    case PD_COL_P_VIEWS:
    case PD_COL_P_LIKES:
    case PD_COL_P_COMMENTS:
    case PD_COL_P_COLLECTS:
        if (pd_parse_uint(f->p, f->len, PD_COUNT_MAX, &v, why) < 0)
            return -1;
        switch (role) {
        case PD_COL_P_VIEWS: out->views = v; break;
        case PD_COL_P_LIKES: out->likes = v; break;
        case PD_COL_P_COMMENTS: out->comments = v; break;
        default: out->collects = v; break;
        }
        break;
    case PD_COL_P_TIME:
        if (pd_instant_parse(f->p, f->len, &out->t, why) < 0)
            return -1;
        break;
    case PD_COL_P_KIND:
        if (f->len == 7 && memcmp(f->p, "organic", 7) == 0)
            out->sponsored = 0;
        else if (f->len == 9 && memcmp(f->p, "sponsored", 9) == 0)
            out->sponsored = 1;
        else {
            *why = "expected 'organic' or 'sponsored'";
            return -1;
        }
        break;
    default: break;
    }
    return 0;
}

int pd_rows_post_parse(const pd_rows_input *in, const pd_csv_record *rec, pd_rows_post *out,
                       pd_rows_bad *b)
{
    return parse_fields(in, rec, post_field, out, b);
}

/* ---- repeated creators ----------------------------------------------------------- */

/* Copies field f into dst[cap] under the label rule, or fills b. */
static int copy_label(const pd_csv_record *rec, int col, const pd_csv_field *f, char *dst,
                      size_t cap, pd_rows_bad *b)
{
    pd_text_fault tf;
    if (pd_text_check(f->p, f->len, cap, PD_TEXT_LABEL, &tf) == 0) {
        memcpy(dst, f->p, f->len);
        dst[f->len] = '\0';
        return 0;
    }
    char c[12];
    size_t cn = pd_text_fault_char(&tf, c);
    pd_rows_bad_set(b, rec->line, col, tf.why, cn ? c : f->p, cn ? cn : f->len);
    return -1;
}

int pd_rows_creator_labels(const pd_rows_input *in, const pd_csv_record *rec,
                           const pd_rows_creator *row, char *handle, size_t hcap, char *category,
                           size_t ccap, pd_rows_bad *b)
{
    if (copy_label(rec, in->col[PD_COL_C_HANDLE], &row->handle, handle, hcap, b) < 0 ||
        copy_label(rec, in->col[PD_COL_C_CATEGORY], &row->category, category, ccap, b) < 0)
        return -1;
    return 0;
}

int pd_rows_post_storable(const pd_rows_input *in, const pd_csv_record *rec,
                          const pd_rows_post *row, pd_rows_bad *b)
{
    const char *why = pd_post_time_problem(row->t);
    if (!why)
        return 0;
    char t[PD_INSTANT_FMT_MAX];
    size_t n = pd_instant_format(row->t, t);
    pd_rows_bad_set(b, rec->line, in->col[PD_COL_P_TIME], why, t, n);
    return -1;
}

int pd_rows_duplicate_error(const pd_rows_input *in, uint64_t line, uint64_t first_line, int64_t id,
                            pd_error *err)
{
    int col = in->col[PD_COL_C_ID];
    return pd_error_set(err, PD_EINPUT,
                        "%s:%llu: column %d (creator_id): duplicate creator_id %lld "
                        "(first on line %llu)",
                        in->path, (unsigned long long)line, col + 1, (long long)id,
                        (unsigned long long)first_line);
}

void pd_rows_duplicates_skipped(FILE *diag, const pd_rows_input *in, uint64_t count, uint64_t line,
                                int64_t id)
{
    fprintf(diag,
            "%s: skipped %llu line%s repeating a creator_id (the first: line %llu "
            "repeats creator_id %lld)\n",
            in->path, (unsigned long long)count, count == 1 ? "" : "s", (unsigned long long)line,
            (long long)id);
}

/* ---- repeated post ids ------------------------------------------------------------ */

int pd_rows_ids_init(pd_rows_ids *s, uint64_t bytes, pd_error *err)
{
    uint64_t max = bytes / 8;
    if (max < (1u << 20))
        max = 1u << 20;
    s->max = max;
    s->lo = UINT64_MAX;
    s->hi = 0;
    s->bits = calloc(max / 64 + 1, sizeof *s->bits);
    if (!s->bits)
        return pd_error_set(err, PD_ENOMEM, "out of memory for the post ids");
    return PD_OK;
}

void pd_rows_ids_free(pd_rows_ids *s)
{
    free(s->bits);
    s->bits = NULL;
    s->max = 0;
}

int pd_rows_idlist_push(pd_rows_idlist *l, uint64_t id)
{
    uint64_t *p = pd_grow(l->id, &l->cap, l->n, sizeof *p, 256);
    if (!p)
        return -1;
    l->id = p;
    l->id[l->n++] = id;
    return 0;
}

int pd_rows_idlist_append(pd_rows_idlist *l, const pd_rows_idlist *from)
{
    for (size_t i = 0; i < from->n; i++)
        if (pd_rows_idlist_push(l, from->id[i]) < 0)
            return -1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void pd_rows_idlist_unique(pd_rows_idlist *l)
{
    if (l->n < 2)
        return;
    qsort(l->id, l->n, sizeof *l->id, cmp_u64);
    size_t n = 1;
    for (size_t k = 1; k < l->n; k++)
        if (l->id[k] != l->id[n - 1])
            l->id[n++] = l->id[k];
    l->n = n;
}

int pd_rows_idlist_repeats(pd_rows_idlist *l, pd_rows_idlist *dups)
{
    if (l->n > 1)
        qsort(l->id, l->n, sizeof *l->id, cmp_u64);
    for (size_t k = 1; k < l->n; k++)
        if (l->id[k] == l->id[k - 1] && pd_rows_idlist_push(dups, l->id[k]) < 0)
            return -1;
    return 0;
}

int pd_rows_ids_merge(pd_rows_ids *into, const pd_rows_ids *from, pd_rows_idlist *both_list)
{
    if (from->lo > from->hi)
        return 0;
    for (uint64_t k = from->lo >> 6; k <= from->hi >> 6; k++) {
        uint64_t both = into->bits[k] & from->bits[k];
        into->bits[k] |= from->bits[k];
        while (both) {
            if (pd_rows_idlist_push(both_list, k * 64 + (uint64_t)__builtin_ctzll(both)) < 0)
                return -1;
            both &= both - 1;
        }
    }
    into->lo = from->lo < into->lo ? from->lo : into->lo;
    into->hi = from->hi > into->hi ? from->hi : into->hi;
    return 0;
}

void pd_rows_bad_duplicate_post(pd_rows_bad *b, const pd_rows_input *in, uint64_t line,
                                uint64_t first, uint64_t id)
{
    char v[24];
    size_t n = pd_fmt_u64(id, v);
    pd_rows_bad_set(b, line, in->col[PD_COL_P_ID],
                    first ? "duplicate post_id" : "duplicate post_id (stored already)", v, n);
    b->first_line = first;
}

int pd_rows_post_first_line(const pd_rows_input *in, uint64_t id, uint64_t before, uint64_t *first,
                            pd_error *err)
{
    *first = 0;
    pd_csv_reader rd;
    int rc = pd_csv_reader_init(&rd, in->fd, in->data_start, UINT64_MAX, in->size, 65536, err);
    if (rc)
        return rc;
    int col = in->col[PD_COL_P_ID];
    pd_csv_record rec;
    for (;;) {
        int r = pd_csv_next(&rd, &rec);
        if (r == 0)
            break;
        if (r < 0) {
            if (rd.fault.io_errno) {
                rc = pd_error_set(err, PD_EIO, "%s: cannot read: %s", in->path,
                                  strerror(rd.fault.io_errno));
                break;
            }
            continue; /* a malformed line holds no id */
        }
        uint64_t line = pd_rows_line(in, rec.line);
        if (line >= before)
            break;
        uint64_t v;
        const char *why;
        if ((size_t)col < rec.nfields &&
            pd_parse_uint(rec.fields[col].p, rec.fields[col].len, INT64_MAX, &v, &why) == 0 &&
            v == id) {
            *first = line;
            break;
        }
    }
    pd_csv_reader_free(&rd);
    return rc;
}
