// Nettle's HMAC for the OTP area and its SHA-256 for upx-perm's fingerprints. Nettle needs
// no start-up work, whereas libcrypto 3.0 loads its configuration and providers on the first
// HMAC (1.4 ms a process; Tests/benchmarks/README.md).
#include <nettle/hmac.h>
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
    size_t length = 0;
    switch (algorithm) {
    case UPX_HMAC_SHA1: {
        struct hmac_sha1_ctx context;
        hmac_sha1_set_key(&context, key_length, key);
        hmac_sha1_update(&context, message_length, message);
        hmac_sha1_digest(&context, SHA1_DIGEST_SIZE, mac);
        explicit_bzero(&context, sizeof context);
        length = SHA1_DIGEST_SIZE;
        break;
    }
    case UPX_HMAC_SHA256: {
        struct hmac_sha256_ctx context;
        hmac_sha256_set_key(&context, key_length, key);
        hmac_sha256_update(&context, message_length, message);
        hmac_sha256_digest(&context, SHA256_DIGEST_SIZE, mac);
        explicit_bzero(&context, sizeof context);
        length = SHA256_DIGEST_SIZE;
        break;
    }
    case UPX_HMAC_SHA512: {
        struct hmac_sha512_ctx context;
        hmac_sha512_set_key(&context, key_length, key);
        hmac_sha512_update(&context, message_length, message);
        hmac_sha512_digest(&context, SHA512_DIGEST_SIZE, mac);
        explicit_bzero(&context, sizeof context);
        length = SHA512_DIGEST_SIZE;
        break;
    }
    }
    return length;
}
