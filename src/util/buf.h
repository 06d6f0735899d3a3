/*
 * buf.h - a growable byte buffer with a ceiling.
 *
 * Every buffer is created with the largest size it may grow to; an append
 * past it fails cleanly instead of eating the machine. Failures are sticky:
 * append freely, then look at pd_buf_failed() once. The buffer owns `data`
 * (always NUL-terminated when len > 0 or after any append) until
 * pd_buf_detach hands it to the caller, who must free() it.
 *
 * pd_grow makes room in an array of any element type that the caller owns
 * (and frees).
 */
#ifndef PD_BUF_H
#define PD_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct pd_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* ceiling on len */
    int failed; /* an append hit the ceiling or malloc failed */
} pd_buf;

void pd_buf_init(pd_buf *b, size_t max);
int pd_buf_reserve(pd_buf *b, size_t extra);                /* 0 or -1 (and failed set) */
int pd_buf_append_slow(pd_buf *b, const void *p, size_t n); /* grows, then appends */
int pd_buf_puts(pd_buf *b, const char *s);
int pd_buf_printf(pd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pd_buf_vprintf(pd_buf *b, const char *fmt, va_list ap);
static inline int pd_buf_failed(const pd_buf *b)
{
    return b->failed;
}

/* Appends n bytes; 0, or -1 (and failed set). Inline: JSON pages are
 * written a few bytes at a time, and the room is nearly always there. */
static inline int pd_buf_append(pd_buf *b, const void *p, size_t n)
{
    if (!b->failed && n < b->cap - b->len) { /* cap > len once data exists */
        if (n)                               /* p may be NULL when n is 0 */
            memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return pd_buf_append_slow(b, p, n);
}

static inline int pd_buf_putc(pd_buf *b, char c)
{
    return pd_buf_append(b, &c, 1);
}

void pd_buf_reset(pd_buf *b); /* len = 0, keeps the memory */
/* Hands the data to the caller (free() it); the buffer is empty afterwards. */
char *pd_buf_detach(pd_buf *b, size_t *len);
void pd_buf_free(pd_buf *b);

/* p (an array of *cap elements of `size` bytes, n of them in use) with
 * room for one more: p itself when there is, else a larger copy (capacity
 * doubled, `first` when *cap is 0; *cap updated). NULL when memory runs
 * out or the size overflows: p is then unchanged and still the caller's. */
void *pd_grow(void *p, size_t *cap, size_t n, size_t size, size_t first);

#endif
