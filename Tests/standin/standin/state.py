"""State that the request threads share: logins in progress, tokens and counters."""

import threading
from dataclasses import dataclass, field

from .faults import FailureRule
from .routes import COUNTERS

OTP_ATTEMPTS = 5


@dataclass
class LoginSession:
    """One login in progress, found through the login cookie."""

    request_id: str
    validate_otp_token: str
    otp_attempts_left: int = OTP_ATTEMPTS
    totp_verified: bool = False
    pin_verified: bool = False


@dataclass
class IssuedToken:
    """An access or extended token, with its expiry as a Unix time (None: never)."""

    expires_at: float | None
    extended: bool = False
    revoked: bool = False


@dataclass
class StandinState:
    """State shared by the request threads. Hold `lock` while reading or changing any field."""

    failures: list[FailureRule]
    lock: threading.Lock = field(default_factory=threading.Lock)
    total: int = 0
    requests: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    wrong_pins: int = 0
    token_request_cookies: list[str] = field(default_factory=list)
    sessions: dict[str, LoginSession] = field(default_factory=dict)
    # Authorization codes, each mapped to whether it has been used.
    codes: dict[str, bool] = field(default_factory=dict)
    tokens: dict[str, IssuedToken] = field(default_factory=dict)
    issued_tokens: list[str] = field(default_factory=list)
    revoked_tokens: list[str] = field(default_factory=list)

    def count(self, counter: str) -> None:
        with self.lock:
            self.total += 1
            self.requests[counter] += 1

    def take_failure(self, step: str) -> FailureRule | None:
        """Return the first rule for step that still applies, and use up one of its count."""
        with self.lock:
            for rule in self.failures:
                if rule.step == step and rule.remaining != 0:
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule
        return None

    def reset_counters(self) -> None:
        """Zero the counters and the wrong-PIN count, which also lifts a PIN lock."""
        with self.lock:
            self.total = 0
            self.requests = dict.fromkeys(COUNTERS, 0)
            self.wrong_pins = 0
            self.token_request_cookies = []

    def stats(self) -> dict:
        with self.lock:
            return {
                "total": self.total,
                "requests": dict(self.requests),
                "issued_tokens": list(self.issued_tokens),
                "revoked_tokens": list(self.revoked_tokens),
                "token_request_cookies": list(self.token_request_cookies),
                "wrong_pins": self.wrong_pins,
            }
