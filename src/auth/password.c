/* password.c - see password.h; also pd_auth_init (auth.h). */
#include "auth/password.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "auth/auth.h"
#include "util/utf8.h"

_Static_assert(PD_PASSWORD_HASH_MAX == crypto_pwhash_STRBYTES,
               "a hash string must fit what crypto_pwhash_str writes");
_Static_assert(PD_PASSWORD_MAX <= crypto_pwhash_PASSWD_MAX, "libsodium takes our longest");

/* ---- libsodium, once ---------------------------------------------------- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_rc = -1;

static void sodium_start(void)
{
    sodium_rc = sodium_init(); /* 0, or 1 if someone else did it; -1 failed */
}

int pd_auth_init(pd_error *err)
{
    if (pthread_once(&sodium_once, sodium_start) != 0 || sodium_rc < 0)
        return pd_error_set(err, PD_EINTERNAL,
                            "libsodium could not be initialised (no usable random source?)");
    return PD_OK;
}

/* ---- costs -------------------------------------------------------------- */

typedef struct cost_limits {
    unsigned long long ops;
    size_t mem;
} cost_limits;

static cost_limits limits_of(pd_pwcost cost)
{
    /* The argon2id_ constants rather than the generic ones: the generic
     * names follow libsodium's default algorithm, which may change. */
    if (cost == PD_PWCOST_MIN)
        return (cost_limits){crypto_pwhash_argon2id_OPSLIMIT_MIN,
                             crypto_pwhash_argon2id_MEMLIMIT_MIN};
    return (cost_limits){crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

const char *pd_pwcost_name(pd_pwcost cost)
{
    switch (cost) {
    case PD_PWCOST_INTERACTIVE: return "interactive";
    case PD_PWCOST_MIN: return "min";
    }
    return NULL;
}

int pd_pwcost_from_name(const char *name, pd_pwcost *out, pd_error *err)
{
    if (name && strcmp(name, "interactive") == 0) {
        *out = PD_PWCOST_INTERACTIVE;
        return PD_OK;
    }
    if (name && strcmp(name, "min") == 0) {
        *out = PD_PWCOST_MIN;
        return PD_OK;
    }
    return pd_error_set(err, PD_EUSAGE,
                        "unknown password cost '%.32s': use 'interactive' (the default) "
                        "or 'min' (tests only)",
                        name ? name : "");
}

static int valid_cost(pd_pwcost cost)
{
    return cost == PD_PWCOST_INTERACTIVE || cost == PD_PWCOST_MIN;
}

/* ---- policy ------------------------------------------------------------- */

/* Unicode's White_Space characters, and the zero-width ones that show as
 * nothing either: a password made only of these looks empty. */
static int blank(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x2060 || cp == 0x3000 || cp == 0xFEFF;
}

int pd_password_check_policy(const char *pw, size_t len, pd_error *err)
{
    if (!pw)
        return pd_error_set(err, PD_EINPUT, "password is missing");
    if (len < PD_PASSWORD_MIN)
        return pd_error_set(err, PD_EINPUT,
                            "password is too short: %zu bytes, at least %d are needed", len,
                            PD_PASSWORD_MIN);
    if (len > PD_PASSWORD_MAX)
        return pd_error_set(err, PD_EINPUT,
                            "password is too long: %zu bytes, at most %d are allowed", len,
                            PD_PASSWORD_MAX);
    const unsigned char *s = (const unsigned char *)pw;
    int visible = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = pd_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return pd_error_set(err, PD_EINPUT,
                                "password is not valid UTF-8 (at byte %zu): type it again "
                                "or set your terminal to UTF-8",
                                i + 1);
        if (cp == 0)
            return pd_error_set(err, PD_EINPUT, "password contains a NUL byte (at byte %zu)",
                                i + 1);
        if (!blank(cp))
            visible = 1;
        i += n;
    }
    if (!visible)
        return pd_error_set(err, PD_EINPUT,
                            "password is only whitespace: it needs at least one letter, "
                            "digit or symbol");
    return PD_OK;
}

/* ---- hashing ------------------------------------------------------------ */

int pd_password_hash(const char *pw, size_t len, pd_pwcost cost, char out[PD_PASSWORD_HASH_MAX],
                     pd_error *err)
{
    out[0] = '\0';
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    if (!valid_cost(cost))
        return pd_error_set(err, PD_EINTERNAL, "unknown password cost %d", (int)cost);
    rc = pd_password_check_policy(pw, len, err);
    if (rc != PD_OK)
        return rc;
    cost_limits l = limits_of(cost);
    if (crypto_pwhash_str_alg(out, pw, len, l.ops, l.mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        out[0] = '\0';
        return pd_error_set(err, PD_ENOMEM,
                            "cannot hash the password: Argon2id needs %zu KiB of memory",
                            l.mem / 1024);
    }
    return PD_OK;
}

/* A hash we can hand to libsodium: NUL-terminated within the array size
 * libsodium assumes, and naming an Argon2 variant libsodium verifies. */
static int plausible_hash(const char *hash)
{
    static const char id[] = crypto_pwhash_argon2id_STRPREFIX;
    static const char i[] = crypto_pwhash_argon2i_STRPREFIX;
    return hash && strnlen(hash, PD_PASSWORD_HASH_MAX) < PD_PASSWORD_HASH_MAX &&
           (strncmp(hash, id, sizeof id - 1) == 0 || strncmp(hash, i, sizeof i - 1) == 0);
}

static int malformed(pd_error *err)
{
    return pd_error_set(err, PD_EINPUT,
                        "the stored password hash is not an Argon2 hash string; "
                        "set a new password for this account");
}

int pd_password_verify(const char *hash, const char *pw, size_t len, pd_error *err)
{
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    /* crypto_pwhash_str_needs_rehash parses the whole string (algorithm,
     * version, limits, salt, digest): -1 means it is not a hash at all,
     * which verify below would report as a mere mismatch. */
    if (!plausible_hash(hash) || crypto_pwhash_str_needs_rehash(hash, 1, 8192) < 0)
        return malformed(err);
    if (!pw || len > PD_PASSWORD_MAX)
        return pd_error_set(err, PD_EAUTH, "wrong password");
    errno = 0;
    if (crypto_pwhash_str_verify(hash, pw, len) != 0) {
        if (errno == ENOMEM)
            return pd_error_set(err, PD_ENOMEM,
                                "cannot check the password: not enough memory for Argon2");
        return pd_error_set(err, PD_EAUTH, "wrong password");
    }
    return PD_OK;
}

/* One hash of a random password per cost, made at the first login that
 * names no user. */
static pthread_once_t absent_once[2] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};
static char absent_hash[2][PD_PASSWORD_HASH_MAX];

static void make_absent(pd_pwcost cost)
{
    unsigned char raw[24];
    char pw[48]; /* base64 of 24 bytes: 32 characters and a NUL */
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    cost_limits l = limits_of(cost);
    if (crypto_pwhash_str_alg(absent_hash[cost], pw, strlen(pw), l.ops, l.mem,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        absent_hash[cost][0] = '\0';
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(pw, sizeof pw);
}

static void make_absent_interactive(void)
{
    make_absent(PD_PWCOST_INTERACTIVE);
}

static void make_absent_min(void)
{
    make_absent(PD_PWCOST_MIN);
}

int pd_password_verify_absent(const char *pw, size_t len, pd_pwcost cost, pd_error *err)
{
    if (pd_auth_init(NULL) == PD_OK && valid_cost(cost) && pw && len <= PD_PASSWORD_MAX) {
        pthread_once(&absent_once[cost],
                     cost == PD_PWCOST_MIN ? make_absent_min : make_absent_interactive);
        if (absent_hash[cost][0] != '\0') {
            /* Matching a random 192-bit password cannot happen; the outcome
             * is ignored either way. */
            int ignored = crypto_pwhash_str_verify(absent_hash[cost], pw, len);
            (void)ignored;
        }
    }
    return pd_error_set(err, PD_EAUTH, "wrong password");
}

int pd_password_needs_rehash(const char *hash, pd_pwcost cost, int *needs, pd_error *err)
{
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    if (!valid_cost(cost))
        return pd_error_set(err, PD_EINTERNAL, "unknown password cost %d", (int)cost);
    if (!plausible_hash(hash))
        return malformed(err);
    cost_limits l = limits_of(cost);
    int r = crypto_pwhash_str_needs_rehash(hash, l.ops, l.mem);
    if (r < 0)
        return malformed(err);
    *needs = r != 0;
    return PD_OK;
}
