/* upload.c - see import.h: pd_import_upload, one file from a request body
 * stored row by row in one transaction.
 *
 * Each row is written by write_creator or write_post, and by nothing else:
 * what must follow a write of the API (a verdict kept current, say) is
 * added there once for every row of an upload. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "app/import.h"
#include "app/online.h"
#include "batch/csv.h"
#include "batch/rows.h"
#include "util/buf.h"
#include "util/num.h"

/* Callers may pass a NULL pd_error. */
#define ERR_OR_LOCAL(err)                                                                          \
    pd_error local_err_;                                                                           \
    if (!(err))                                                                                    \
    (err) = &local_err_

static int out_of_memory(pd_error *err)
{
    return pd_error_set(err, PD_ENOMEM, "out of memory");
}

/* Every creator an upload stores is written here. */
static int write_creator(pd_db *db, const pd_creator_rec *c, int64_t at, pd_error *err)
{
    int rc = pd_db_creator_put(db, c, at, err);
    if (rc == PD_OK) /* the verdict follows the followers at once */
        rc = pd_app_online_touch(db, c->id, "followers", err);
    return rc;
}

/* Every post an upload stores is written here. */
static int write_post(pd_db *db, const pd_post_rec *p, pd_error *err)
{
    int rc = pd_db_post_add(db, p, err);
    if (rc == PD_OK) /* and the post's delta, as one published through the API */
        rc = pd_app_online_post_added(db, p, pd_db_now(db), err);
    return rc;
}

/* The upload as a file the batch reader can read: an anonymous memory file
 * (it never touches a disk), whose descriptor the rows input then owns. */
static int upload_input(const char *name, const char *body, size_t len, pd_rows_kind kind,
                        pd_rows_input *in, pd_error *err)
{
    if (len == 0)
        return pd_error_set(err, PD_EINPUT, "%s: empty body (send the CSV file, header first)",
                            name);
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return pd_error_set(err, PD_EIO, "cannot hold the upload: %s", strerror(errno));
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, body + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            return pd_error_set(err, PD_EIO, "cannot hold the upload: %s", strerror(e));
        }
        off += (size_t)n;
    }
    return pd_rows_open_fd(in, fd, name, kind, err);
}

static int bad_line(const pd_rows_input *in, const pd_rows_bad *b, pd_error *err)
{
    char what[PD_ERROR_MSG_MAX];
    pd_rows_describe(in, b, what, sizeof what);
    return pd_error_set(err, PD_EINPUT, "%s:%llu: %s (nothing was stored)", in->path,
                        (unsigned long long)b->line, what);
}

/* The next record: 1, 0 at the end, -1 with err set (a bad line names it). */
static int next_record(pd_rows_input *in, pd_csv_reader *rd, pd_csv_record *rec, pd_error *err)
{
    int r = pd_csv_next(rd, rec);
    if (r >= 0)
        return r;
    pd_rows_bad b;
    int code = pd_rows_fault(rd, &b);
    b.line = pd_rows_line(in, b.line);
    if (code != PD_OK)
        pd_error_set(err, (pd_code)code, "%s: cannot read the upload: %s", in->path, b.value);
    else
        bad_line(in, &b, err);
    return -1;
}

/* A sorted set of ids with their lines, to find repeated creator_ids (and
 * post_ids above the bit set) of one upload. */
struct idset {
    uint64_t *id; /* ids are 1 or more: as unsigned, in the same order */
    uint64_t *line;
    size_t n, cap;
};

static int idset_add(struct idset *s, uint64_t id, uint64_t line, uint64_t *first)
{
    size_t lo = pd_rows_id_lower_bound(s->id, s->n, id);
    if (lo < s->n && s->id[lo] == id) {
        *first = s->line[lo];
        return 1;
    }
    size_t cap = s->cap, lcap = s->cap; /* both arrays hold s->cap */
    uint64_t *ni = pd_grow(s->id, &cap, s->n, sizeof *ni, 256);
    if (!ni)
        return -1;
    s->id = ni;
    uint64_t *nl = pd_grow(s->line, &lcap, s->n, sizeof *nl, 256);
    if (!nl)
        return -1;
    s->line = nl;
    s->cap = cap;
    memmove(s->id + lo + 1, s->id + lo, (s->n - lo) * sizeof *s->id);
    memmove(s->line + lo + 1, s->line + lo, (s->n - lo) * sizeof *s->line);
    s->id[lo] = id;
    s->line[lo] = line;
    s->n++;
    return 0;
}

/* Walks the upload's records after its header, handing each to `row`;
 * stops at the first failure (a bad line, a store error), which is
 * returned. */
typedef int (*import_row_fn)(void *ctx, pd_rows_input *in, const pd_csv_record *rec, pd_error *err);

static int each_record(pd_rows_input *in, import_row_fn row, void *ctx, pd_error *err)
{
    pd_csv_reader rd;
    int rc = pd_csv_reader_init(&rd, in->fd, in->data_start, UINT64_MAX, in->size, 65536, err);
    if (rc)
        return rc;
    pd_csv_record rec;
    while (rc == PD_OK) {
        int r = next_record(in, &rd, &rec, err);
        if (r <= 0) {
            rc = r < 0 ? err->code : PD_OK;
            break;
        }
        rc = row(ctx, in, &rec, err);
    }
    pd_csv_reader_free(&rd);
    return rc;
}

/* The state of one creators.csv upload. */
struct creator_import {
    pd_db *db;
    pd_upload_counts *n;
    pd_creator_rec *c, *old; /* per row, reused */
    struct idset seen;       /* ids met so far, for repeats */
    int64_t at;              /* the store's clock at the start */
};

static int import_creator_row(void *ctx, pd_rows_input *in, const pd_csv_record *rec, pd_error *err)
{
    struct creator_import *ci = ctx;
    pd_creator_rec *c = ci->c;
    pd_rows_creator row;
    pd_rows_bad b;
    memset(c, 0, sizeof *c);
    if (pd_rows_creator_parse(in, rec, &row, &b) < 0 ||
        pd_rows_creator_labels(in, rec, &row, c->handle, sizeof c->handle, c->category,
                               sizeof c->category, &b) < 0) {
        b.line = pd_rows_line(in, b.line);
        return bad_line(in, &b, err);
    }
    uint64_t line = pd_rows_line(in, rec->line);
    uint64_t first = 0;
    int dup = idset_add(&ci->seen, (uint64_t)row.id, line, &first);
    if (dup < 0)
        return out_of_memory(err);
    if (dup)
        return pd_rows_duplicate_error(in, line, first, row.id, err);
    c->id = row.id;
    c->followers = row.followers;
    c->mcn_id = (int64_t)row.mcn_id;
    int rc = PD_OK;
    if (row.mcn_id) {
        /* an MCN named by id is created when missing, as `partnerd
         * import` does; one that exists (whatever its name) is used */
        char name[PD_NAME_MAX];
        snprintf(name, sizeof name, "MCN %llu", (unsigned long long)row.mcn_id);
        rc = pd_db_mcn_add(ci->db, c->mcn_id, name, NULL, err);
        if (rc == PD_ECONFLICT)
            rc = PD_OK;
    }
    if (rc == PD_OK) {
        rc = pd_db_creator_get(ci->db, c->id, ci->old, err);
        if (rc == PD_OK) {
            memcpy(c->bio, ci->old->bio, sizeof c->bio); /* a CSV has no bio: keep it */
            ci->n->updated++;
        } else if (rc == PD_ENOTFOUND) {
            rc = PD_OK;
            ci->n->created++;
        }
    }
    if (rc == PD_OK)
        rc = write_creator(ci->db, c, ci->at, err);
    if (rc)
        rc = pd_error_set(err, (pd_code)rc, "%s:%llu: %s (nothing was stored)", in->path,
                          (unsigned long long)line, err->msg);
    return rc;
}

static int import_creator_rows(pd_store *store, pd_db *db, pd_rows_input *in, pd_upload_counts *n,
                               pd_error *err)
{
    struct creator_import ci = {.db = db,
                                .n = n,
                                .c = calloc(1, sizeof *ci.c),
                                .old = calloc(1, sizeof *ci.old),
                                .at = pd_store_now(store)};
    int rc = ci.c && ci.old ? each_record(in, import_creator_row, &ci, err) : out_of_memory(err);
    free(ci.seen.id);
    free(ci.seen.line);
    free(ci.c);
    free(ci.old);
    return rc;
}

/* The state of one posts.csv upload. */
struct post_import {
    pd_db *db;
    pd_upload_counts *n;
    pd_rows_ids ids;        /* post ids met in the upload */
    struct idset far;       /* those above ids.max, with their lines */
    pd_creator_rec *c;      /* the creator looked up */
    int64_t known, unknown; /* the last creator ids looked up */
};

/* A repeated post_id at `line`: in the upload before (named), or stored. */
static int duplicate_post(const pd_rows_input *in, uint64_t id, uint64_t line, pd_error *err)
{
    uint64_t first;
    int rc = pd_rows_post_first_line(in, id, line, &first, err);
    if (rc)
        return rc;
    pd_rows_bad b;
    pd_rows_bad_duplicate_post(&b, in, line, first, id);
    return bad_line(in, &b, err);
}

static int import_post_row(void *ctx, pd_rows_input *in, const pd_csv_record *rec, pd_error *err)
{
    struct post_import *pi = ctx;
    pd_rows_post row;
    pd_rows_bad b;
    if (pd_rows_post_parse(in, rec, &row, &b) < 0 || pd_rows_post_storable(in, rec, &row, &b) < 0) {
        b.line = pd_rows_line(in, b.line);
        return bad_line(in, &b, err);
    }
    uint64_t line = pd_rows_line(in, rec->line), first = 0;
    int seen = pd_rows_ids_add(&pi->ids, row.id);
    if (seen < 0) {
        /* above the bit set: kept with its line (an upload is small) */
        seen = idset_add(&pi->far, row.id, line, &first);
        if (seen < 0)
            return out_of_memory(err);
        if (seen) {
            pd_rows_bad_duplicate_post(&b, in, line, first, row.id);
            return bad_line(in, &b, err);
        }
    }
    if (seen > 0)
        return duplicate_post(in, row.id, line, err);
    int64_t cid = (int64_t)row.creator;
    if (cid != pi->known) {
        if (cid == pi->unknown) {
            pi->n->unknown++;
            return PD_OK;
        }
        int rc = pd_db_creator_get(pi->db, cid, pi->c, err);
        if (rc == PD_ENOTFOUND) {
            pi->unknown = cid;
            pi->n->unknown++;
            return PD_OK;
        }
        if (rc)
            return rc;
        pi->known = cid;
    }
    pd_post_rec p = {.id = (int64_t)row.id,
                     .creator_id = cid,
                     .published_at = row.t,
                     .sponsored = row.sponsored,
                     .views = row.views,
                     .likes = row.likes,
                     .comments = row.comments,
                     .collects = row.collects};
    int rc = write_post(pi->db, &p, err);
    if (rc == PD_ECONFLICT)
        return duplicate_post(in, row.id, pd_rows_line(in, rec->line), err);
    if (rc == PD_OK)
        pi->n->posts++;
    return rc;
}

static int import_post_rows(pd_db *db, pd_rows_input *in, pd_upload_counts *n, pd_error *err)
{
    struct post_import pi = {.db = db, .n = n, .c = malloc(sizeof *pi.c)};
    int rc = pi.c ? pd_rows_ids_init(&pi.ids, in->size - in->data_start, err) : out_of_memory(err);
    if (rc == PD_OK)
        rc = each_record(in, import_post_row, &pi, err);
    pd_rows_ids_free(&pi.ids);
    free(pi.far.id);
    free(pi.far.line);
    free(pi.c);
    return rc;
}

int pd_import_upload(pd_store *s, pd_upload_kind kind, const char *name, const char *body,
                     size_t len, pd_upload_counts *n, pd_error *err)
{
    ERR_OR_LOCAL(err);
    memset(n, 0, sizeof *n);
    pd_rows_input in;
    int rc = upload_input(name, body, len,
                          kind == PD_UPLOAD_CREATORS ? PD_ROWS_CREATORS : PD_ROWS_POSTS, &in, err);
    if (rc)
        return rc;
    pd_db *db;
    if ((rc = pd_store_acquire(s, &db, err))) {
        pd_rows_close(&in);
        return rc;
    }
    rc = pd_db_begin(db, err);
    if (rc == PD_OK) {
        rc = kind == PD_UPLOAD_CREATORS ? import_creator_rows(s, db, &in, n, err)
                                        : import_post_rows(db, &in, n, err);
        if (rc == PD_OK)
            rc = pd_db_commit(db, err);
        else
            pd_db_rollback(db);
    }
    pd_store_release(s, db);
    pd_rows_close(&in);
    if (rc) {
        pd_upload_counts none = {0};
        *n = none;
    }
    return rc;
}
