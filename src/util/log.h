/*
 * log.h - structured logs: one JSON object per line on standard error.
 *
 *   {"level":"info","time":"2024-05-01T12:00:00.123Z","msg":"request",
 *    "method":"GET","path":"/healthz","status":200,"us":84}
 *
 * Each event is built in memory and written with one write(2) under a lock,
 * so lines from different threads never interleave. Strings from outside
 * (paths, client data) are escaped and never break a line: bytes that are
 * not UTF-8 become U+FFFD, and any string field is cut at PD_LOG_STR_MAX
 * bytes (marked with "..."). Events below the level set are skipped before
 * anything is formatted.
 *
 *   PD_LOG(PD_LOG_INFO, "listening", PD_LOG_STR("url", url), PD_LOG_INT("threads", n));
 *   pd_log_msg(PD_LOG_WARN, "no fields here");
 *
 * The level and the output descriptor are process-wide; set them before
 * starting threads.
 */
#ifndef PD_LOG_H
#define PD_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum pd_log_level {
    PD_LOG_DEBUG = 0,
    PD_LOG_INFO = 1,
    PD_LOG_WARN = 2,
    PD_LOG_ERROR = 3,
} pd_log_level;

#define PD_LOG_STR_MAX 2048 /* bytes of one string field kept in a line */

typedef enum pd_log_type {
    PD_LOG_T_STR,
    PD_LOG_T_INT,
    PD_LOG_T_UINT,
    PD_LOG_T_DOUBLE,
    PD_LOG_T_BOOL,
} pd_log_type;

/* One field of an event. A NULL string is written as null. */
typedef struct pd_log_field {
    const char *key;
    pd_log_type type;
    union {
        const char *s;
        int64_t i;
        uint64_t u;
        double d;
        int b;
    } v;
} pd_log_field;

#define PD_LOG_STR(k, x) ((pd_log_field){.key = (k), .type = PD_LOG_T_STR, .v.s = (x)})
#define PD_LOG_INT(k, x) ((pd_log_field){.key = (k), .type = PD_LOG_T_INT, .v.i = (int64_t)(x)})
#define PD_LOG_UINT(k, x) ((pd_log_field){.key = (k), .type = PD_LOG_T_UINT, .v.u = (uint64_t)(x)})
#define PD_LOG_DOUBLE(k, x) ((pd_log_field){.key = (k), .type = PD_LOG_T_DOUBLE, .v.d = (x)})
#define PD_LOG_BOOL(k, x) ((pd_log_field){.key = (k), .type = PD_LOG_T_BOOL, .v.b = !!(x)})

/* Writes one event with n fields (f may be NULL when n is 0). */
void pd_log_write(pd_log_level level, const char *msg, const pd_log_field *f, size_t n);

/* An event with one or more fields given inline. */
#define PD_LOG(level, msg, ...)                                                                    \
    pd_log_write((level), (msg), (const pd_log_field[]){__VA_ARGS__},                              \
                 sizeof((const pd_log_field[]){__VA_ARGS__}) / sizeof(pd_log_field))

/* An event with no fields. */
void pd_log_msg(pd_log_level level, const char *msg);

/* An event whose message is formatted printf-style. */
void pd_logf(pd_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Nonzero when events of this level are written (to skip costly fields). */
int pd_log_enabled(pd_log_level level);

void pd_log_set_level(pd_log_level level);
pd_log_level pd_log_get_level(void);

/* "debug", "info", "warn" (or "warning"), "error" -> 0; -1 for anything else. */
int pd_log_level_parse(const char *name, pd_log_level *out);
const char *pd_log_level_name(pd_log_level level);

/* Where lines go: a file descriptor, 2 (standard error) by default. */
void pd_log_set_fd(int fd);

#endif
