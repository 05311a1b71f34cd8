"""Access tokens: HS256 JWTs that expire at 03:30 IST."""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone

# Made-up key that signs the JWTs.
SIGNING_KEY = b"upstox-standin-made-up-signing-key"

# Upstox tokens expire at 03:30 IST, which is 22:00 UTC.
IST = timezone(timedelta(hours=5, minutes=30), "IST")
EXPIRY_HOUR_UTC = 22


def token_expiry(issued_at: datetime) -> datetime:
    """Return the first 03:30 IST strictly after issued_at, as an aware UTC datetime.

    A token issued at 02:30 IST expires at 03:30 the same morning, and one issued
    at 03:30 IST exactly expires at 03:30 the next morning.
    """
    issued_utc = issued_at.astimezone(timezone.utc)
    expiry = issued_utc.replace(hour=EXPIRY_HOUR_UTC, minute=0, second=0, microsecond=0)
    if expiry <= issued_utc:
        expiry += timedelta(days=1)
    return expiry


def base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_jwt(claims: dict) -> str:
    """Sign claims as an HS256 JWT with the stand-in's made-up key."""
    header = base64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = base64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = hmac.new(SIGNING_KEY, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{base64url(signature)}"


def access_token_claims(user_id: str, issued_at: datetime, expires_at: datetime | None) -> dict:
    """Build claims shaped like an Upstox access token's."""
    claims = {
        "sub": user_id,
        "jti": secrets.token_hex(12),
        "isMultiClient": False,
        "isPlusPlan": False,
        "iat": int(issued_at.timestamp()),
        "iss": "udapi-gateway-service",
    }
    if expires_at is not None:
        claims["exp"] = int(expires_at.timestamp())
    return claims
