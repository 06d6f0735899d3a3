/*
 * error.h - the one error convention of partnerd.
 *
 * A function that can fail returns an int: PD_OK (0) on success, or one of the
 * pd_code values below, and fills a caller-provided pd_error with a message a
 * user can act on ("posts.csv:12: column views: not a whole number: '12a'").
 * The message lives inside the struct: nothing to free, nothing to own.
 */
#ifndef PD_ERROR_H
#define PD_ERROR_H

#include <stddef.h>

typedef enum pd_code {
    PD_OK = 0,
    PD_EINPUT = 1,       /* the user's data is malformed (a CSV line, a policy)   */
    PD_EUSAGE = 2,       /* the command line or a request is wrong                */
    PD_EIO = 3,          /* a file cannot be read or written                      */
    PD_ENOMEM = 4,       /* an allocation failed or a ceiling was reached         */
    PD_EINTERNAL = 5,    /* a bug: an invariant did not hold                      */
    PD_ENOTFOUND = 6,    /* the thing asked for does not exist                    */
    PD_ECONFLICT = 7,    /* it exists already, or changed under the caller        */
    PD_EAUTH = 8,        /* who is asking is not known (no or bad credentials)    */
    PD_EDENIED = 9,      /* known, but not allowed to do this                     */
    PD_ETOOBIG = 10,     /* a request, field or page over its ceiling            */
    PD_EBUSY = 11,       /* too many attempts: try again later                    */
    PD_EUNAVAILABLE = 12 /* busy for now (the database locked by another
                          * writer, every connection in use): retry soon   */
} pd_code;

#define PD_ERROR_MSG_MAX 512

typedef struct pd_error {
    pd_code code;
    char msg[PD_ERROR_MSG_MAX];
} pd_error;

/* Sets err (if not NULL) to code and a printf-style message; returns code so
 * that callers can write `return pd_error_set(err, PD_EINPUT, "...")`. The
 * arguments may point into err->msg (to put words around the message already
 * there): the message is formatted apart and then copied. To put words only
 * before it, pd_error_prefix says so more plainly. */
int pd_error_set(pd_error *err, pd_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an already set message (for adding a file name or a
 * field path as the error travels up). Returns err->code. */
int pd_error_prefix(pd_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resets err to PD_OK with an empty message. */
void pd_error_clear(pd_error *err);

/* A short name for a code ("bad input", "i/o error", ...). Static storage. */
const char *pd_code_name(pd_code code);

#endif
