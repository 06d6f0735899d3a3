/* error.c - see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pd_error_set(pd_error *err, pd_code code, const char *fmt, ...)
{
    if (err) {
        /* Formatted apart, then copied: an argument may point into
         * err->msg itself (the words already there), which vsnprintf
         * straight into err->msg would overwrite while reading them. */
        char msg[PD_ERROR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (n < 0)
            n = 0, msg[0] = '\0';
        size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
        memcpy(err->msg, msg, len + 1);
        err->code = code;
    }
    return code;
}

int pd_error_prefix(pd_error *err, const char *fmt, ...)
{
    if (!err)
        return PD_EINTERNAL;
    char prefix[PD_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[PD_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    size_t n = strnlen(prefix, sizeof err->msg - 1);
    memcpy(err->msg, prefix, n);
    if (n + 2 < sizeof err->msg) {
        err->msg[n++] = ':';
        err->msg[n++] = ' ';
    }
    size_t room = sizeof err->msg - 1 - n;
    size_t olen = strnlen(old, room);
    memcpy(err->msg + n, old, olen);
    err->msg[n + olen] = '\0';
    return err->code;
}

void pd_error_clear(pd_error *err)
{
    if (err) {
        err->code = PD_OK;
        err->msg[0] = '\0';
    }
}

const char *pd_code_name(pd_code code)
{
    switch (code) {
    case PD_OK: return "ok";
    case PD_EINPUT: return "bad input";
    case PD_EUSAGE: return "usage";
    case PD_EIO: return "i/o error";
    case PD_ENOMEM: return "out of memory";
    case PD_EINTERNAL: return "internal error";
    case PD_ENOTFOUND: return "not found";
    case PD_ECONFLICT: return "conflict";
    case PD_EAUTH: return "not authenticated";
    case PD_EDENIED: return "not allowed";
    case PD_ETOOBIG: return "too large";
    case PD_EBUSY: return "too many attempts";
    case PD_EUNAVAILABLE: return "unavailable for now";
    }
    return "unknown error";
}
