/* export.c - see import.h: pd_export_files, the store's rows as the two
 * CSV files import reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/import.h"
#include "core/instant.h"
#include "util/num.h"

/* Callers may pass a NULL pd_error. */
#define ERR_OR_LOCAL(err)                                                                          \
    pd_error local_err_;                                                                           \
    if (!(err))                                                                                    \
    (err) = &local_err_

/* ---- export
 * ------------------------------------------------------------------------------------------ */

struct exporter {
    FILE *creators, *posts;
    int write_failed;
    char line[1024 + 2 * (PD_HANDLE_MAX + PD_CATEGORY_MAX)];
};

/* Appends a text field as RFC 4180 wants it: quoted, quotes doubled, when
 * it holds a comma, a quote or a line break (as gen writes them). */
static char *put_field(char *p, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        size_t n = strlen(s);
        memcpy(p, s, n);
        return p + n;
    }
    *p++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *p++ = '"';
        *p++ = *s;
    }
    *p++ = '"';
    return p;
}

static int export_creator(void *ctx, const pd_creator_rec *c)
{
    struct exporter *x = ctx;
    char *p = x->line;
    p += pd_fmt_u64((uint64_t)c->id, p);
    *p++ = ',';
    p = put_field(p, c->handle);
    *p++ = ',';
    p = put_field(p, c->category);
    *p++ = ',';
    p += pd_fmt_u64(c->followers, p);
    *p++ = ',';
    if (c->mcn_id)
        p += pd_fmt_u64((uint64_t)c->mcn_id, p);
    *p++ = '\n';
    size_t n = (size_t)(p - x->line);
    if (fwrite(x->line, 1, n, x->creators) == n)
        return 0;
    x->write_failed = 1;
    return PD_EIO;
}

static int export_post(void *ctx, const pd_post_rec *q)
{
    struct exporter *x = ctx;
    char *p = x->line;
    p += pd_fmt_u64((uint64_t)q->id, p);
    *p++ = ',';
    p += pd_fmt_u64((uint64_t)q->creator_id, p);
    *p++ = ',';
    p += pd_instant_format(q->published_at, p);
    if (q->sponsored) {
        memcpy(p, ",sponsored,", 11);
        p += 11;
    } else {
        memcpy(p, ",organic,", 9);
        p += 9;
    }
    p += pd_fmt_u64(q->views, p);
    *p++ = ',';
    p += pd_fmt_u64(q->likes, p);
    *p++ = ',';
    p += pd_fmt_u64(q->comments, p);
    *p++ = ',';
    p += pd_fmt_u64(q->collects, p);
    *p++ = '\n';
    size_t n = (size_t)(p - x->line);
    if (fwrite(x->line, 1, n, x->posts) == n)
        return 0;
    x->write_failed = 1;
    return PD_EIO;
}

int pd_export_files(pd_store *s, FILE *creators, FILE *posts, pd_error *err)
{
    ERR_OR_LOCAL(err);
    struct exporter *x = malloc(sizeof *x);
    if (!x)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    x->creators = creators;
    x->posts = posts;
    x->write_failed = fputs("creator_id,handle,category,followers,mcn_id\n", creators) < 0 ||
                      fputs("post_id,creator_id,published_at,kind,views,likes,comments,"
                            "collects\n",
                            posts) < 0;
    int rc = x->write_failed ? PD_EIO : pd_store_scan(s, export_creator, export_post, x, err);
    if (x->write_failed)
        rc = pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));
    free(x);
    return rc;
}
