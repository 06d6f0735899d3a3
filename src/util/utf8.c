/* utf8.c - see utf8.h. */
#include "util/utf8.h"

int pd_utf8_next(const char *s, size_t n, size_t *i, uint32_t *cp)
{
    size_t len = pd_utf8_decode((const unsigned char *)s + *i, n - *i, cp);
    if (len == 0)
        return -1;
    *i += len;
    return 0;
}

int pd_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = pd_utf8_seq(s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}
