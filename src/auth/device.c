/* device.c - see device.h. */
#include "auth/device.h"

#include <string.h>

#include <sodium.h>

#include "auth/auth.h"

#define PREFIX "pdd1."
#define PREFIX_LEN 5
#define NONCE_BYTES PD_DEVICE_ID_BYTES
#define MAC_BYTES 32
#define RAW_BYTES (8 + NONCE_BYTES + MAC_BYTES)

/* The MAC of (issued, nonce, account) under key. */
static void mac_of(const uint8_t key[PD_DEVICE_KEY_BYTES], const uint8_t *issued_nonce,
                   const char *account, uint8_t mac[MAC_BYTES])
{
    static const unsigned char domain[] = "partnerd device proof v1";
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, PD_DEVICE_KEY_BYTES, MAC_BYTES);
    crypto_generichash_update(&st, domain, sizeof domain);
    crypto_generichash_update(&st, issued_nonce, 8 + NONCE_BYTES);
    pd_auth_hash_name(&st, account);
    crypto_generichash_final(&st, mac, MAC_BYTES);
}

void pd_auth_hash_name(crypto_generichash_state *st, const char *name)
{
    unsigned char chunk[64];
    size_t k = 0;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        chunk[k++] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
        if (k == sizeof chunk) {
            crypto_generichash_update(st, chunk, k);
            k = 0;
        }
    }
    crypto_generichash_update(st, chunk, k);
}

int pd_device_issue(const uint8_t key[PD_DEVICE_KEY_BYTES], const char *account, int64_t now,
                    char text[PD_DEVICE_TEXT_MAX], pd_error *err)
{
    int rc = pd_auth_init(err);
    if (rc != PD_OK)
        return rc;
    uint8_t raw[RAW_BYTES];
    uint64_t t = (uint64_t)now;
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(t >> (56 - 8 * i));
    randombytes_buf(raw + 8, NONCE_BYTES);
    mac_of(key, raw, account, raw + 8 + NONCE_BYTES);
    memcpy(text, PREFIX, PREFIX_LEN);
    sodium_bin2base64(text + PREFIX_LEN, PD_DEVICE_TEXT_MAX - PREFIX_LEN, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return PD_OK;
}

int pd_device_verify(const uint8_t key[PD_DEVICE_KEY_BYTES], const char *account, const char *text,
                     size_t len, int64_t now, uint8_t id[PD_DEVICE_ID_BYTES])
{
    if (len != PD_DEVICE_TEXT_LEN || memcmp(text, PREFIX, PREFIX_LEN) != 0)
        return 0;
    uint8_t raw[RAW_BYTES], mac[MAC_BYTES];
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(raw, sizeof raw, text + PREFIX_LEN, len - PREFIX_LEN, NULL, &n, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != sizeof raw || end != text + len)
        return 0;
    mac_of(key, raw, account, mac);
    int good = sodium_memcmp(mac, raw + 8 + NONCE_BYTES, MAC_BYTES) == 0;
    uint64_t t = 0;
    for (int i = 0; i < 8; i++)
        t = t << 8 | raw[i];
    int64_t issued = (int64_t)t;
    good = good && issued <= now + PD_DEVICE_SKEW && now - issued <= PD_DEVICE_TTL;
    if (good)
        memcpy(id, raw + 8, PD_DEVICE_ID_BYTES);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(mac, sizeof mac);
    return good;
}
