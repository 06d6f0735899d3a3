/* token.c - see token.h. */
#include "auth/token.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "auth/auth.h"

#define B64_LEN (PD_TOKEN_TEXT_LEN - PD_TOKEN_PREFIX_LEN)

_Static_assert(B64_LEN == 43, "256 bits are 43 base64 characters without padding");
_Static_assert(PD_TOKEN_HASH_BYTES >= crypto_generichash_BYTES_MIN &&
                   PD_TOKEN_HASH_BYTES <= crypto_generichash_BYTES_MAX,
               "BLAKE2b can give a hash of this size");

int pd_token_new(pd_token *t, pd_error *err)
{
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    randombytes_buf(t->raw, sizeof t->raw);
    return PD_OK;
}

void pd_token_format(const pd_token *t, char out[PD_TOKEN_TEXT_MAX])
{
    memcpy(out, PD_TOKEN_PREFIX, PD_TOKEN_PREFIX_LEN);
    /* Room for 43 characters and the NUL: exactly what is left. */
    sodium_bin2base64(out + PD_TOKEN_PREFIX_LEN, PD_TOKEN_TEXT_MAX - PD_TOKEN_PREFIX_LEN, t->raw,
                      sizeof t->raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int b64url_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int pd_token_parse(const char *text, size_t len, pd_token *t, pd_error *err)
{
    if (len != PD_TOKEN_TEXT_LEN)
        return pd_error_set(err, PD_EAUTH, "token must be %d characters long, not %zu",
                            PD_TOKEN_TEXT_LEN, len);
    if (memcmp(text, PD_TOKEN_PREFIX, PD_TOKEN_PREFIX_LEN) != 0)
        return pd_error_set(err, PD_EAUTH, "token must start with '%s'", PD_TOKEN_PREFIX);
    const char *b64 = text + PD_TOKEN_PREFIX_LEN;
    for (size_t i = 0; i < B64_LEN; i++)
        if (!b64url_char((unsigned char)b64[i]))
            return pd_error_set(err, PD_EAUTH,
                                "token has a character that is not URL-safe base64 "
                                "(at character %zu)",
                                PD_TOKEN_PREFIX_LEN + i + 1);
    /* Decoding also refuses a last character whose two unused bits are not
     * zero, so every token has exactly one text form. */
    pd_token tmp;
    size_t n = 0;
    if (sodium_base642bin(tmp.raw, sizeof tmp.raw, b64, B64_LEN, NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof tmp.raw) {
        sodium_memzero(&tmp, sizeof tmp);
        return pd_error_set(err, PD_EAUTH, "token is not one that partnerd issued");
    }
    *t = tmp;
    sodium_memzero(&tmp, sizeof tmp);
    return PD_OK;
}

static int ows(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110's tchar: what a scheme name may be made of. */
static int tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int pd_token_parse_header(const char *value, pd_token *t, pd_error *err)
{
    static const char how[] = "send 'Authorization: Bearer TOKEN' with the token from login";
    if (!value)
        return pd_error_set(err, PD_EAUTH, "no Authorization header: %s", how);
    size_t len = strnlen(value, PD_TOKEN_HEADER_MAX + 1);
    if (len > PD_TOKEN_HEADER_MAX)
        return pd_error_set(err, PD_EAUTH, "Authorization header is longer than %d bytes",
                            PD_TOKEN_HEADER_MAX);
    const char *s = value, *end = value + len;
    while (s < end && ows(*s))
        s++;
    while (end > s && ows(end[-1]))
        end--;
    if (s == end)
        return pd_error_set(err, PD_EAUTH, "Authorization header is empty: %s", how);

    const char *sp = memchr(s, ' ', (size_t)(end - s));
    const char *scheme_end = sp ? sp : end;
    size_t slen = (size_t)(scheme_end - s);
    if (slen != 6 || strncasecmp(s, "Bearer", 6) != 0) {
        if (!sp && slen == PD_TOKEN_TEXT_LEN && memcmp(s, PD_TOKEN_PREFIX, 3) == 0)
            return pd_error_set(err, PD_EAUTH, "Authorization header has no scheme: %s", how);
        int printable = slen <= 20;
        for (size_t i = 0; printable && i < slen; i++)
            printable = tchar((unsigned char)s[i]);
        if (printable)
            return pd_error_set(err, PD_EAUTH,
                                "Authorization scheme must be Bearer, not '%.*s': %s", (int)slen, s,
                                how);
        return pd_error_set(err, PD_EAUTH, "Authorization scheme must be Bearer: %s", how);
    }
    if (!sp)
        return pd_error_set(err, PD_EAUTH, "Authorization header has no token after Bearer: %s",
                            how);
    const char *tok = sp;
    while (tok < end && *tok == ' ')
        tok++;
    /* The value was trimmed, so a space (or tab) left inside the token
     * separates a second word. */
    for (const char *p = tok; p < end; p++)
        if (ows(*p))
            return pd_error_set(err, PD_EAUTH,
                                "Authorization header must hold exactly one token after Bearer");
    return pd_token_parse(tok, (size_t)(end - tok), t, err);
}

void pd_token_hash(const pd_token *t, uint8_t out[PD_TOKEN_HASH_BYTES])
{
    /* Cannot fail for these sizes (checked above); nothing to report.
     * Initialising first lets libsodium pick its fastest BLAKE2b. */
    (void)pd_auth_init(NULL);
    int ignored = crypto_generichash(out, PD_TOKEN_HASH_BYTES, t->raw, sizeof t->raw, NULL, 0);
    (void)ignored;
}

int pd_token_equal(const pd_token *a, const pd_token *b)
{
    return sodium_memcmp(a->raw, b->raw, sizeof a->raw) == 0;
}

int pd_token_hash_equal(const uint8_t a[PD_TOKEN_HASH_BYTES], const uint8_t b[PD_TOKEN_HASH_BYTES])
{
    return sodium_memcmp(a, b, PD_TOKEN_HASH_BYTES) == 0;
}

void pd_token_wipe(pd_token *t)
{
    sodium_memzero(t, sizeof *t);
}
