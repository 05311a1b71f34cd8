// Nettle's HMAC for the OTP area and its SHA-256 for upx-perm's fingerprints. Nettle needs
// no start-up work, whereas libcrypto 3.0 loads its configuration and providers on the first
// HMAC (1.4 ms a process; Tests/benchmarks/README.md).
#include <nettle/hmac.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <string.h>

/// The hash functions upx_hmac computes with; the values match no outside API.
enum upx_hmac_algorithm { UPX_HMAC_SHA1 = 1, UPX_HMAC_SHA256 = 256, UPX_HMAC_SHA512 = 512 };

/// The largest MAC upx_hmac writes, in bytes (SHA-512's digest).
#define UPX_HMAC_MAX_SIZE 64

/// Computes HMAC(key, message) into mac, which must hold UPX_HMAC_MAX_SIZE bytes, and returns
/// the MAC's length, or 0 for an unknown algorithm. The key-derived context is wiped before return.
static inline size_t upx_hmac(
    int algorithm, const uint8_t *key, size_t key_length, const uint8_t *message, size_t message_length,
    uint8_t *mac)
{
    const struct nettle_hash *hash = NULL;
    switch (algorithm) {
    case UPX_HMAC_SHA1: hash = &nettle_sha1; break;
    case UPX_HMAC_SHA256: hash = &nettle_sha256; break;
    case UPX_HMAC_SHA512: hash = &nettle_sha512; break;
    default: return 0;
    }

    // SHA-512's context is the largest of the three, so it can hold any of them.
    struct sha512_ctx outer, inner, state;
    hmac_set_key(&outer, &inner, &state, hash, key_length, key);
    hmac_update(&state, hash, message_length, message);
    hmac_digest(&outer, &inner, &state, hash, hash->digest_size, mac);
    explicit_bzero(&outer, sizeof outer);
    explicit_bzero(&inner, sizeof inner);
    explicit_bzero(&state, sizeof state);
    return hash->digest_size;
}
