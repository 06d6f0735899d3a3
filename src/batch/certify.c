/* certify.c - see certify.h. */
#include "batch/certify.h"

#include <errno.h>
#include <string.h>

#include "core/num.h"

#define LINE_MAX_BYTES 4096 /* one output row, explanation included */
#define OUT_CHUNK (64u << 10)

size_t pd_csv_quote(const char *s, size_t len, char *out)
{
    if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\n', len) &&
        !memchr(s, '\r', len)) {
        memcpy(out, s, len);
        return len;
    }
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            out[n++] = '"';
        out[n++] = s[i];
    }
    out[n++] = '"';
    return n;
}

int pd_certify_write(FILE *fp, const pd_dataset *ds, const pd_policy *p, int explain,
                     uint64_t *certified, pd_error *err)
{
    const pd_window_stats *stats = pd_dataset_stats(ds, p->window_days);
    if (!stats)
        return pd_error_set(err, PD_EUSAGE, "the %u-day window of policy %s was not loaded",
                            p->window_days, p->name);
    static const char header[] = "creator_id,certified,followers,posts,sponsored,avg_views";
    char buf[OUT_CHUNK + LINE_MAX_BYTES];
    size_t n = 0;
    memcpy(buf, header, sizeof header - 1);
    n = sizeof header - 1;
    if (explain) {
        memcpy(buf + n, ",failed_rules", 13);
        n += 13;
    }
    buf[n++] = '\n';
    uint64_t count = 0;
    char why[1024];
    for (size_t i = 0; i < ds->n; i++) {
        const pd_creator *c = &ds->creators[i];
        const pd_window_stats *s = &stats[i];
        uint32_t failed = pd_policy_failures(p, c->followers, s);
        count += failed == 0;
        char *o = buf + n;
        o += pd_fmt_u64((uint64_t)c->id, o);
        *o++ = ',';
        *o++ = failed ? '0' : '1';
        *o++ = ',';
        o += pd_fmt_u64(c->followers, o);
        *o++ = ',';
        o += pd_fmt_u64(s->posts, o);
        *o++ = ',';
        o += pd_fmt_u64(s->sponsored, o);
        *o++ = ',';
        o += pd_fmt_hundredths(pd_avg_hundredths(s->views, s->posts), o);
        if (explain) {
            *o++ = ',';
            size_t wl = pd_policy_explain(p, failed, c->followers, s, why, sizeof why);
            if (wl >= sizeof why)
                wl = sizeof why - 1;
            o += pd_csv_quote(why, wl, o);
        }
        *o++ = '\n';
        n = (size_t)(o - buf);
        if (n >= OUT_CHUNK) {
            if (fwrite(buf, 1, n, fp) != n)
                return pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));
            n = 0;
        }
    }
    if (n && fwrite(buf, 1, n, fp) != n)
        return pd_error_set(err, PD_EIO, "write failed: %s", strerror(errno));
    *certified = count;
    return PD_OK;
}
