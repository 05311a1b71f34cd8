"""TOTP codes (RFC 6238 over RFC 4226 HOTP) for the login's OTP step."""

import base64
import hashlib
import hmac
import struct


def decode_base32_secret(secret: str) -> bytes:
    """Decode a base32 TOTP secret, ignoring spaces, case and missing padding."""
    compact = secret.replace(" ", "").upper()
    return base64.b32decode(compact + "=" * (-len(compact) % 8))


def totp_code(secret: str, unix_time: float, digits: int = 6, period: int = 30) -> str:
    """Compute the HMAC-SHA1 TOTP code for a base32 secret at a Unix time."""
    counter = int(unix_time // period)
    digest = hmac.new(decode_base32_secret(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def verify_totp(secret: str, code: str, unix_time: float, window: int = 1, period: int = 30) -> bool:
    """Return whether code matches the TOTP within `window` time steps either side."""
    candidates = (totp_code(secret, unix_time + offset * period, period=period)
                  for offset in range(-window, window + 1))
    return any(hmac.compare_digest(code, candidate) for candidate in candidates)
