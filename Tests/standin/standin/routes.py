"""The endpoints the stand-in serves, and the URIs and cookie that its steps share."""

from dataclasses import dataclass

# The 2fa and authorize steps carry this fixed URI, not the app's redirect URI.
INTERNAL_REDIRECT_URI = "https://api-v2.upstox.com/login/authorization/redirect"

LOGIN_COOKIE = "login_session"
LOGIN_PAGE_PATH = "/login-page"

REVISIONS = ("2025", "2026")


@dataclass(frozen=True)
class Route:
    """One endpoint: its step name for --fail, its stats counter and its host."""

    method: str
    path: str
    step: str
    counter: str
    host: str
    handler: str
    revision: str | None = None


ROUTES = {route.path: route for route in (
    Route("GET", "/v2/login/authorization/dialog", "dialog", "dialog", "api", "handle_dialog"),
    Route("POST", "/login/open/v6/auth/1fa/otp/generate", "otp_generate", "otp_generate",
          "service", "handle_otp_generate"),
    Route("POST", "/login/open/v4/auth/1fa/otp-totp/verify", "totp_verify", "totp_verify_v4",
          "service", "handle_totp_verify", "2025"),
    Route("POST", "/login/open/v5/auth/1fa/otp-totp/verify", "totp_verify", "totp_verify_v5",
          "service", "handle_totp_verify", "2026"),
    Route("POST", "/login/open/v3/auth/2fa", "twofa", "twofa_v3", "service", "handle_twofa", "2025"),
    Route("POST", "/login/open/v4/auth/2fa", "twofa", "twofa_v4", "service", "handle_twofa", "2026"),
    Route("POST", "/login/v2/oauth/authorize", "authorize", "authorize", "service", "handle_authorize"),
    Route("POST", "/v2/login/authorization/token", "token", "token", "api", "handle_token"),
    Route("GET", "/v2/user/profile", "profile", "profile", "api", "handle_profile"),
    Route("DELETE", "/v2/logout", "logout", "logout", "api", "handle_logout"),
)}
STEPS = tuple(dict.fromkeys(route.step for route in ROUTES.values()))
COUNTERS = tuple(route.counter for route in ROUTES.values()) + ("other",)
