// libcrypto's one-shot HMAC and its digests, for the OTP area.
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
