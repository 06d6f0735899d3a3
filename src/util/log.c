/* log.c - see log.h. */
#include "util/log.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/jsonw.h"

/* Largest line: every string field is cut at PD_LOG_STR_MAX, so this only
 * bounds events with very many fields. */
#define LOG_LINE_MAX (64u * 1024)

static atomic_int log_level = PD_LOG_INFO;
static atomic_int log_fd = 2;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

const char *pd_log_level_name(pd_log_level level)
{
    if ((unsigned)level < sizeof level_names / sizeof level_names[0])
        return level_names[level];
    return "unknown";
}

int pd_log_level_parse(const char *name, pd_log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcmp(name, level_names[i]) == 0) {
            *out = (pd_log_level)i;
            return 0;
        }
    if (strcmp(name, "warning") == 0) {
        *out = PD_LOG_WARN;
        return 0;
    }
    return -1;
}

void pd_log_set_level(pd_log_level level)
{
    atomic_store(&log_level, (int)level);
}

pd_log_level pd_log_get_level(void)
{
    return (pd_log_level)atomic_load(&log_level);
}

int pd_log_enabled(pd_log_level level)
{
    return (int)level >= atomic_load(&log_level);
}

void pd_log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

/* A string field, cut at PD_LOG_STR_MAX (a cut inside a UTF-8 sequence
 * becomes U+FFFD through the lossy writer). */
static void put_str(pd_jsonw *w, const char *s)
{
    if (!s) {
        pd_jsonw_null(w);
        return;
    }
    size_t len = strnlen(s, PD_LOG_STR_MAX + 1);
    if (len <= PD_LOG_STR_MAX) {
        pd_jsonw_strn(w, s, len);
        return;
    }
    /* Write the cut string followed by "..." as one JSON string. */
    pd_buf tmp;
    pd_buf_init(&tmp, PD_LOG_STR_MAX + 3);
    pd_buf_append(&tmp, s, PD_LOG_STR_MAX);
    pd_buf_puts(&tmp, "...");
    if (pd_buf_failed(&tmp))
        pd_jsonw_str(w, "(string too long)");
    else
        pd_jsonw_strn(w, tmp.data, tmp.len);
    pd_buf_free(&tmp);
}

static void put_time(pd_jsonw *w)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char t[80];
    snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
    pd_jsonw_kstr(w, "time", t);
}

static void emit(const char *data, size_t len)
{
    int fd = atomic_load(&log_fd);
    pthread_mutex_lock(&log_lock);
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break; /* nowhere left to report it */
        }
        data += n;
        len -= (size_t)n;
    }
    pthread_mutex_unlock(&log_lock);
}

void pd_log_write(pd_log_level level, const char *msg, const pd_log_field *f, size_t n)
{
    if (!pd_log_enabled(level))
        return;
    pd_buf b;
    pd_buf_init(&b, LOG_LINE_MAX);
    pd_jsonw w;
    pd_jsonw_init(&w, &b, PD_JSONW_LOSSY);
    pd_jsonw_obj_begin(&w);
    pd_jsonw_kstr(&w, "level", pd_log_level_name(level));
    put_time(&w);
    pd_jsonw_key(&w, "msg");
    put_str(&w, msg);
    for (size_t i = 0; i < n; i++) {
        pd_jsonw_key(&w, f[i].key ? f[i].key : "?");
        switch (f[i].type) {
        case PD_LOG_T_STR: put_str(&w, f[i].v.s); break;
        case PD_LOG_T_INT: pd_jsonw_int(&w, f[i].v.i); break;
        case PD_LOG_T_UINT: pd_jsonw_uint(&w, f[i].v.u); break;
        case PD_LOG_T_BOOL: pd_jsonw_bool(&w, f[i].v.b); break;
        case PD_LOG_T_DOUBLE:
            /* NaN and infinities have no JSON spelling: null. */
            if (!isfinite(f[i].v.d))
                pd_jsonw_null(&w);
            else
                pd_jsonw_double(&w, f[i].v.d);
            break;
        default: pd_jsonw_null(&w); break;
        }
    }
    pd_jsonw_obj_end(&w);
    pd_buf_putc(&b, '\n');
    if (pd_jsonw_finish(&w, NULL) == PD_OK && !pd_buf_failed(&b)) {
        emit(b.data, b.len);
    } else {
        /* Too many fields for one line, or no memory: say so without them. */
        char line[160];
        int len = snprintf(line, sizeof line,
                           "{\"level\":\"%s\",\"msg\":\"(event dropped: too large or out of "
                           "memory)\"}\n",
                           pd_log_level_name(level));
        if (len > 0)
            emit(line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
    }
    pd_buf_free(&b);
}

void pd_log_msg(pd_log_level level, const char *msg)
{
    pd_log_write(level, msg, NULL, 0);
}

void pd_logf(pd_log_level level, const char *fmt, ...)
{
    if (!pd_log_enabled(level))
        return;
    char msg[PD_LOG_STR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pd_log_write(level, msg, NULL, 0);
}
