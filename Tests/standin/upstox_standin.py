#!/usr/bin/env python3
"""Local stand-in for the Upstox login service and API, for tests and demos.

One HTTP server plays both Upstox hosts: the api host (paths under /v2/) and the
login service (paths under /login/). It runs the six-step headless login for one
made-up account, issues HS256 JWT access tokens, and serves the profile and
logout calls. It binds only to loopback addresses.

Once listening it prints its base URL on stdout and logs one line per request on
stderr: method, path, step, status and any error code. GET /standin/stats returns
request counters and the tokens issued so far, POST /standin/reset zeroes the
counters, and --fail injects failures into a step.
Python 3.11 standard library only. Tests/standin/README.md lists the endpoints.
"""

import argparse
import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

log = logging.getLogger("upstox-standin")

# The 2fa and authorize steps carry this fixed URI, not the app's redirect URI.
INTERNAL_REDIRECT_URI = "https://api-v2.upstox.com/login/authorization/redirect"

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
LOGIN_COOKIE = "login_session"
LOGIN_PAGE_PATH = "/login-page"
REQUEST_ID_PATTERN = re.compile(r"WPRO-[A-Za-z0-9]{10}")

# Made-up values: the JWT signing key and the profile id of the one account.
SIGNING_KEY = b"upstox-standin-made-up-signing-key"
PROFILE_ID = 4271901
PIN_LOCK_LIMIT = 5
OTP_ATTEMPTS = 5
MAX_BODY_BYTES = 1 << 20
MAX_SLOW_SECONDS = 600.0

# Upstox tokens expire at 03:30 IST, which is 22:00 UTC.
IST = timezone(timedelta(hours=5, minutes=30), "IST")
EXPIRY_HOUR_UTC = 22

REVISIONS = ("2025", "2026")
FAIL_KINDS = ("http500", "http503", "http429", "rate_limit", "otp_blocked", "html",
              "empty", "truncated", "reset", "slow", "not_found")


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


# --- TOTP (RFC 6238 over RFC 4226 HOTP) ---

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


# --- Tokens ---

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


# --- Configuration ---

@dataclass
class FailureRule:
    """One --fail STEP:KIND[:COUNT] rule. `remaining` is None when the rule applies every time."""

    step: str
    kind: str
    delay: float = 0.0
    remaining: int | None = None


def parse_failure_rule(text: str) -> FailureRule:
    """Parse STEP:KIND[:COUNT], where KIND may be slow=SECONDS. Raise ValueError when invalid."""
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise ValueError(f"invalid --fail {text!r}: expected STEP:KIND or STEP:KIND:COUNT")

    step, kind = parts[0], parts[1]
    if step not in STEPS:
        raise ValueError(f"invalid --fail {text!r}: unknown step {step!r} (steps: {', '.join(STEPS)})")

    delay = 0.0
    if kind.startswith("slow="):
        kind, seconds = kind.split("=", 1)
        try:
            delay = float(seconds)
        except ValueError:
            raise ValueError(f"invalid --fail {text!r}: slow needs a number of seconds") from None
        if not 0 <= delay <= MAX_SLOW_SECONDS:
            raise ValueError(f"invalid --fail {text!r}: slow takes 0 to {MAX_SLOW_SECONDS:g} seconds")
    elif kind == "slow" or kind not in FAIL_KINDS:
        raise ValueError(f"invalid --fail {text!r}: unknown kind {kind!r} "
                         f"(kinds: {', '.join(FAIL_KINDS)}, slow=SECONDS)")

    remaining = None
    if len(parts) == 3:
        if not parts[2].isdigit() or int(parts[2]) < 1:
            raise ValueError(f"invalid --fail {text!r}: COUNT must be a positive integer")
        remaining = int(parts[2])
    return FailureRule(step, kind, delay, remaining)


def parse_loopback_host(host: str) -> str:
    """Return the numeric loopback address for host. Raise ValueError for any other host."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"invalid --host {host!r}: use a loopback address "
                         "(127.0.0.0/8, ::1 or localhost)") from None
    if not address.is_loopback:
        raise ValueError(f"invalid --host {host!r}: not a loopback address "
                         "(use 127.0.0.0/8, ::1 or localhost)")
    return str(address)


def parse_revisions(text: str) -> frozenset[str]:
    """Parse a comma-separated list of protocol revisions. Raise ValueError when invalid."""
    revisions = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = revisions - set(REVISIONS)
    if not revisions or unknown:
        raise ValueError(f"invalid --revisions {text!r}: use 2025, 2026 or 2025,2026")
    return revisions


class OneLineArgumentParser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line on stderr, with exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_argument_parser() -> argparse.ArgumentParser:
    parser = OneLineArgumentParser(
        prog="upstox_standin.py",
        description="Serve a local stand-in for the Upstox login service and API on loopback. "
                    "Prints the base URL on stdout, then logs each request on stderr.")

    parser.add_argument("--mobile", default="9876543210", help="10-digit mobile number of the account (default: %(default)s)")
    parser.add_argument("--pin", default="123456", help="secret PIN of the account (default: %(default)s)")
    parser.add_argument("--totp-secret", default="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                        help="base32 TOTP secret of the account (default: %(default)s)")
    parser.add_argument("--user-id", default="7AB123", help="Upstox user id of the account (default: %(default)s)")
    parser.add_argument("--user-name", default="Test User", help="full name of the account holder (default: %(default)s)")

    parser.add_argument("--client-id", default="standin-client-id", help="client id (API key) of the app (default: %(default)s)")
    parser.add_argument("--client-secret", default="standin-client-secret", help="client secret of the app (default: %(default)s)")
    parser.add_argument("--redirect-uri", default="http://127.0.0.1:9/callback",
                        help="redirect URI registered for the app (default: %(default)s)")

    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (127.0.0.0/8, ::1 or localhost) (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="TCP port to bind (0 picks a free port) (default: %(default)s)")
    parser.add_argument("--revisions", default="2025,2026",
                        help="login revisions to serve: 2025 (v4 verify, v3 2fa), 2026 (v5 verify, v4 2fa) or both (default: %(default)s)")
    parser.add_argument("--content-type", default=JSON_CONTENT_TYPE,
                        help="Content-Type of JSON replies. The reference client upstox-totp 1.0.8 "
                             "parses a reply only when this is exactly application/json (default: %(default)s)")

    parser.add_argument("--extended-token", action="store_true",
                        help="also issue an extended_token (otherwise it is null)")
    parser.add_argument("--no-exp", action="store_true", help="omit the exp claim from access tokens")
    parser.add_argument("--token-lifetime", type=float, metavar="SECONDS",
                        help="make access tokens expire SECONDS after issue instead of at the next 03:30 IST")

    parser.add_argument("--fail", action="append", default=[], metavar="STEP:KIND[:COUNT]",
                        help=f"inject a failure into STEP ({', '.join(STEPS)}) for the first COUNT requests "
                             "(default: every request). KIND: http500, http503, http429, rate_limit, "
                             "otp_blocked, html, empty, truncated, reset, slow=SECONDS or not_found. "
                             "Repeatable, and the rules for one step apply in order")
    return parser


@dataclass
class Settings:
    """The account, the app and the server options, validated."""

    mobile: str
    pin: str
    totp_secret: str
    client_id: str
    client_secret: str
    redirect_uri: str
    host: str
    port: int
    revisions: frozenset[str]
    user_id: str
    user_name: str
    extended_token: bool
    no_exp: bool
    token_lifetime: float | None
    content_type: str
    failures: list[FailureRule]


def parse_settings(argv: list[str]) -> Settings:
    """Parse and validate the command line. Raise ValueError with a one-line message."""
    args = build_argument_parser().parse_args(argv)
    try:
        decode_base32_secret(args.totp_secret)
    except ValueError:
        raise ValueError("invalid --totp-secret: not base32 (letters A-Z and digits 2-7)") from None
    if not 0 <= args.port <= 65535:
        raise ValueError(f"invalid --port {args.port}: use 0 to 65535")
    if args.no_exp and args.token_lifetime is not None:
        raise ValueError("--no-exp and --token-lifetime cannot be used together")
    if args.token_lifetime is not None and args.token_lifetime <= 0:
        raise ValueError(f"invalid --token-lifetime {args.token_lifetime:g}: use a positive number of seconds")

    return Settings(
        mobile=args.mobile, pin=args.pin, totp_secret=args.totp_secret,
        client_id=args.client_id, client_secret=args.client_secret, redirect_uri=args.redirect_uri,
        host=parse_loopback_host(args.host), port=args.port, revisions=parse_revisions(args.revisions),
        user_id=args.user_id, user_name=args.user_name, extended_token=args.extended_token,
        no_exp=args.no_exp, token_lifetime=args.token_lifetime, content_type=args.content_type,
        failures=[parse_failure_rule(text) for text in args.fail])


# --- Server state ---

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


# --- HTTP ---

@dataclass
class Reply:
    """One HTTP reply. With `reset` set, the connection closes without a reply."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    reset: bool = False
    error_code: str | None = None


class Rejected(Exception):
    """Raised by a step to stop and send `reply` instead."""

    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


def html_page(title: str, text: str) -> bytes:
    return (f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>{text}</p></body></html>\n").encode()


class StandinServer(ThreadingHTTPServer):
    """The HTTP server, carrying the settings and the state that handlers share."""

    daemon_threads = True

    def __init__(self, settings: Settings):
        ipv6 = ":" in settings.host
        self.address_family = socket.AF_INET6 if ipv6 else socket.AF_INET
        self.settings = settings
        self.state = StandinState(settings.failures)
        super().__init__((settings.host, settings.port), StandinHandler)
        host = f"[{settings.host}]" if ipv6 else settings.host
        self.base_url = f"http://{host}:{self.server_address[1]}"

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, a name lookup that could leave the machine.
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.settings.host
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address) -> None:
        # One line in place of socketserver's traceback, typically a client that hung up.
        log.warning("request from %s failed: %r", client_address[0], sys.exc_info()[1])


class StandinHandler(BaseHTTPRequestHandler):
    """Route each request to its step, after counting it and applying --fail rules."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes, and Nagle's algorithm would hold the second
    # until the client's delayed ACK, about 40 ms later.
    disable_nagle_algorithm = True
    server_version = "upstox-standin"
    sys_version = ""
    server: StandinServer

    def do_GET(self) -> None:
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_request(self, code="-", size="-") -> None:
        pass  # dispatch logs one line per request itself

    def log_message(self, format: str, *args) -> None:
        log.warning("%s %s", self.address_string(), format % args)

    @property
    def settings(self) -> Settings:
        return self.server.settings

    @property
    def state(self) -> StandinState:
        return self.server.state

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        self.query = parse_qs(url.query, keep_blank_values=True)
        if url.path.startswith("/standin/"):
            self.send(self.run_guarded(lambda: self.handle_standin(url.path)), url.path, "standin")
            return

        route = ROUTES.get(url.path)
        self.state.count(route.counter if route else "other")
        reply = self.run_guarded(lambda: self.route_request(route, url.path))
        self.send(reply, url.path, route.step if route else "other")

    def run_guarded(self, action) -> Reply:
        """Read the body and run action, turning a Rejected exception into its reply."""
        try:
            self.body = self.read_body()
            return action()
        except Rejected as rejection:
            return rejection.reply

    def route_request(self, route: Route | None, path: str) -> Reply:
        if route is None:
            if path == LOGIN_PAGE_PATH and self.command == "GET":
                return Reply(200, html_page("Upstox login (stand-in)", "Enter your mobile number."),
                             "text/html;charset=UTF-8")
            return self.not_found()
        if route.revision and route.revision not in self.settings.revisions:
            return self.not_found()
        if self.command != route.method:
            reply = self.api_error(405, "UDAPI10000", f"{self.command} is not allowed on {path}. Use {route.method}")
            reply.headers.append(("Allow", route.method))
            return reply

        if route.step == "token":
            with self.state.lock:
                self.state.token_request_cookies.append(self.headers.get("Cookie", ""))

        rule = self.state.take_failure(route.step)
        if rule is not None and rule.kind == "slow":
            time.sleep(rule.delay)
        elif rule is not None:
            return self.failure_reply(rule, route)
        return getattr(self, route.handler)(route)

    # --- Reading requests ---

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise Rejected(self.api_error(411, "UDAPI100036", "chunked request bodies are not supported. "
                                                              "Send Content-Length"))
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self.close_connection = True
            raise Rejected(self.api_error(400, "UDAPI100036", f"invalid Content-Length (0 to {MAX_BODY_BYTES})"))
        return self.rfile.read(length)

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def login_data(self) -> dict:
        """Return the object inside a login-service body's {"data": {...}} wrapper."""
        try:
            body = json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Rejected(self.service_error("1017016", "Request body is not valid JSON")) from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise Rejected(self.service_error("1017016", 'Request body must be wrapped as {"data": {...}}'))
        return body["data"]

    def login_session(self) -> LoginSession:
        """Return the login that the request's login cookie names, or reject the request."""
        cookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except CookieError:
            pass
        morsel = cookie.get(LOGIN_COOKIE)
        with self.state.lock:
            session = self.state.sessions.get(morsel.value) if morsel else None
        if session is None:
            raise Rejected(self.service_error(
                "1017016", f"Missing or unknown {LOGIN_COOKIE} cookie. Start again by generating an OTP"))
        return session

    def require_client_id(self) -> None:
        if self.query_value("client_id") != self.settings.client_id:
            raise Rejected(self.service_error(
                "UDAPI100068", "Check your 'client_id' and 'redirect_uri'; one or both are incorrect."))

    def require_internal_redirect_uri(self) -> None:
        if self.query_value("redirect_uri") != INTERNAL_REDIRECT_URI:
            raise Rejected(self.service_error(
                "1017016", f"Invalid redirect_uri. This step expects {INTERNAL_REDIRECT_URI}"))

    # --- Building replies ---

    def json_reply(self, status: int, value: dict) -> Reply:
        return Reply(status, json.dumps(value).encode(), self.settings.content_type)

    def service_success(self, data: dict, headers: list[tuple[str, str]] | None = None) -> Reply:
        reply = self.json_reply(200, {"success": True, "data": data, "error": None})
        reply.headers.extend(headers or [])
        return reply

    def service_error(self, code: str, message: str, status: int = 200) -> Reply:
        """Build a login-service error. Upstox sends these with HTTP 200, the default `status`."""
        reply = self.json_reply(status, {"success": False, "data": None,
                                         "error": {"code": code, "message": message}})
        reply.error_code = code
        return reply

    def api_error(self, status: int, code: str, message: str) -> Reply:
        """Build an api-host error with both the camelCase and the snake_case field names."""
        error = {"errorCode": code, "message": message, "propertyPath": None, "invalidValue": None,
                 "error_code": code, "property_path": None, "invalid_value": None}
        reply = self.json_reply(status, {"status": "error", "errors": [error]})
        reply.error_code = code
        return reply

    def host_error(self, route: Route, status: int, code: str, message: str) -> Reply:
        """Build an error in the shape that the route's host uses."""
        if route.host == "api":
            return self.api_error(status, code, message)
        return self.service_error(code, message, status)

    def not_found(self) -> Reply:
        return self.api_error(404, "UDAPI10000", "This request is not supported by Upstox API")

    def failure_reply(self, rule: FailureRule, route: Route) -> Reply:
        """Build the reply that a --fail rule injects in place of the step."""
        if rule.kind == "http500":
            return self.host_error(route, 500, "UDAPI100500", "Something went wrong... please contact us")
        if rule.kind == "http429":
            reply = self.host_error(route, 429, "UDAPI10005", "Too Many Request Sent")
            reply.headers.append(("Retry-After", "1"))
            return reply
        if rule.kind == "http503":
            return Reply(503, html_page("503 Service Unavailable", "Down for maintenance."), "text/html")
        if rule.kind == "rate_limit":
            return self.service_error("UDAPI10005", "Too many requests, please try again later")
        if rule.kind == "otp_blocked":
            return self.service_error("1017069", "OTP generation is blocked for 10 minutes after too many requests")
        if rule.kind == "html":
            return Reply(200, html_page("Access denied", "Request blocked."), "text/html")
        if rule.kind == "empty":
            return Reply(200, b"", self.settings.content_type)
        if rule.kind == "truncated":
            whole = json.dumps({"success": True, "data": {"message": "cut short by --fail truncated",
                                                          "userType": "individual"}}).encode()
            return Reply(200, whole[:len(whole) // 2], self.settings.content_type)
        if rule.kind == "reset":
            return Reply(0, reset=True)
        return self.not_found()

    def send(self, reply: Reply, path: str, step: str) -> None:
        if reply.reset:
            # With a zero linger time, close() sends a TCP reset. Closing the descriptor here
            # skips the shutdown(SHUT_WR) of socketserver, which would send a FIN first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(self.connection.detach())
            self.close_connection = True
            log.info("%s %s %s reset", self.command, path, step)
            return

        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)
        log.info("%s %s %s %d%s", self.command, path, step, reply.status,
                 f" {reply.error_code}" if reply.error_code else "")

    # --- The stand-in's own endpoints ---

    def handle_standin(self, path: str) -> Reply:
        if path == "/standin/stats" and self.command == "GET":
            return self.json_reply(200, self.state.stats())
        if path == "/standin/reset" and self.command == "POST":
            self.state.reset_counters()
            return self.json_reply(200, self.state.stats())
        return self.not_found()

    # --- The six login steps ---

    def handle_dialog(self, route: Route) -> Reply:
        if self.query_value("response_type") != "code":
            raise Rejected(self.api_error(400, "UDAPI100036", "Invalid input: response_type must be code"))
        if (self.query_value("client_id") != self.settings.client_id
                or self.query_value("redirect_uri") != self.settings.redirect_uri):
            raise Rejected(self.api_error(
                400, "UDAPI100068", "Check your 'client_id' and 'redirect_uri'; one or both are incorrect."))

        query = urlencode({"client_id": self.settings.client_id, "redirect_uri": self.settings.redirect_uri,
                           "response_type": "code", "user_id": self.settings.user_id,
                           "user_type": "individual"})
        return Reply(302, headers=[("Location", f"{self.server.base_url}{LOGIN_PAGE_PATH}?{query}")])

    def handle_otp_generate(self, route: Route) -> Reply:
        data = self.login_data()
        if not data.get("mobileNumber") or not data.get("userId"):
            raise Rejected(self.service_error("1017016", "mobileNumber and userId are required"))
        if data["userId"] != self.settings.user_id:
            raise Rejected(self.service_error("1017016", "Invalid userId for this login"))
        if data["mobileNumber"] != self.settings.mobile:
            raise Rejected(self.service_error("1017016", "The mobile number is not registered for this user"))

        session_id = secrets.token_urlsafe(24)
        session = LoginSession(request_id=self.headers.get("x-request-id", ""),
                               validate_otp_token=str(uuid.uuid4()))
        with self.state.lock:
            self.state.sessions[session_id] = session
        cookie = f"{LOGIN_COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax"
        return self.service_success({
            "message": "OTP sent", "validateOTPToken": session.validate_otp_token,
            "nextRequestInterval": 30, "userType": "individual", "isTotpEnabled": True,
        }, [("Set-Cookie", cookie)])

    def handle_totp_verify(self, route: Route) -> Reply:
        session = self.login_session()
        data = self.login_data()
        otp, token = data.get("otp"), data.get("validateOtpToken")
        if not isinstance(otp, str) or not isinstance(token, str):
            raise Rejected(self.service_error("1017016", "otp and validateOtpToken are required strings"))

        with self.state.lock:
            if token != session.validate_otp_token:
                raise Rejected(self.service_error("1017016", "validateOtpToken does not belong to this login"))
            if session.otp_attempts_left == 0:
                raise Rejected(self.service_error("1017016", "Too many invalid OTPs. Generate a new OTP"))
            if not verify_totp(self.settings.totp_secret, otp, time.time()):
                session.otp_attempts_left -= 1
                raise Rejected(self.service_error(
                    "UDAPI100500", f"Invalid OTP, {session.otp_attempts_left} attempts left"))
            session.totp_verified = True

        first_name, _, last_name = self.settings.user_name.partition(" ")
        profile = {"profileId": PROFILE_ID, "userId": self.settings.user_id, "firstName": first_name,
                   "lastName": last_name, "avatarUrl": None}
        data = {"message": "OTP verified", "userType": "individual", "userProfile": profile,
                "isSecretPinSet": True}
        if route.revision == "2026":
            data["accounts"] = [dict(profile)]
        return self.service_success(data)

    def handle_twofa(self, route: Route) -> Reply:
        session = self.login_session()
        if not session.totp_verified:
            raise Rejected(self.service_error("1017016", "Verify the OTP before submitting the PIN"))
        self.require_client_id()
        self.require_internal_redirect_uri()
        data = self.login_data()
        if data.get("twoFAMethod") != "SECRET_PIN":
            raise Rejected(self.service_error("1017016", "twoFAMethod must be SECRET_PIN"))
        if route.revision == "2026":
            self.require_profile(data)
        if not isinstance(data.get("inputText"), str):
            raise Rejected(self.service_error("1017016", "inputText is required"))

        self.check_pin(data["inputText"])
        with self.state.lock:
            session.pin_verified = True
        expiry = token_expiry(datetime.now(timezone.utc))
        return self.service_success({
            "redirectUri": None, "userType": "individual", "customerStatus": "ACTIVE", "appStatus": None,
            "refreshTokenExpiry": int(expiry.timestamp() * 1000), "isPlusPlanFastWebsocketEnabled": False,
            "isNewRefreshTokenCreated": False, "isExternalClientOAuthApp": True,
        })

    def require_profile(self, data: dict) -> None:
        """Check the profile id and user id that the 2026 revision's 2fa step adds."""
        profile_id = data.get("profileId")
        if type(profile_id) is not int or profile_id != PROFILE_ID:
            raise Rejected(self.service_error("1017016", "profileId must be the number from the OTP verify reply"))
        if (self.headers.get("X-Profile-Id") != str(PROFILE_ID)
                or self.headers.get("X-User-Id") != self.settings.user_id):
            raise Rejected(self.service_error("1017016", "X-Profile-Id and X-User-Id headers are required"))

    def check_pin(self, input_text: str) -> None:
        """Reject a PIN that is not base64 of the account's PIN, counting it towards the lock."""
        try:
            pin = base64.b64decode(input_text, validate=True)
        except ValueError:
            pin = b""
        with self.state.lock:
            if self.state.wrong_pins >= PIN_LOCK_LIMIT:
                # NOTE: Upstox's code for a locked account is unknown, so this one is made up.
                raise Rejected(self.service_error(
                    "STANDIN_ACCOUNT_LOCKED",
                    f"Account locked after {PIN_LOCK_LIMIT} incorrect PINs. Reset the PIN to unlock it"))
            if not hmac.compare_digest(pin, self.settings.pin.encode()):
                self.state.wrong_pins += 1
                left = PIN_LOCK_LIMIT - self.state.wrong_pins
                consequence = (f"{left} more incorrect PINs lock the account." if left
                               else "The account is now locked.")
                raise Rejected(self.service_error("1017106", f"Incorrect PIN. {consequence}"))

    def handle_authorize(self, route: Route) -> Reply:
        session = self.login_session()
        if not session.pin_verified:
            raise Rejected(self.service_error("1017016", "Submit the PIN before authorizing the app"))
        self.require_client_id()
        self.require_internal_redirect_uri()
        if self.query_value("response_type") != "code":
            raise Rejected(self.service_error("1017016", "response_type must be code"))
        self.check_request_id(session)
        if self.login_data().get("userOAuthApproval") is not True:
            raise Rejected(self.service_error("1017016", "userOAuthApproval must be true"))

        code = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
        with self.state.lock:
            self.state.codes[code] = False
            self.state.sessions = {key: value for key, value in self.state.sessions.items() if value is not session}
        separator = "&" if "?" in self.settings.redirect_uri else "?"
        return self.service_success({"redirectUri": f"{self.settings.redirect_uri}{separator}code={code}",
                                     "isApproved": True})

    def check_request_id(self, session: LoginSession) -> None:
        """Require requestId to be the login's x-request-id (WPRO- and 10 letters or digits)."""
        request_id = self.query_value("requestId") or ""
        if not REQUEST_ID_PATTERN.fullmatch(request_id):
            raise Rejected(self.service_error("1017016", "requestId must be WPRO- followed by 10 letters or digits"))
        if request_id != self.headers.get("x-request-id"):
            raise Rejected(self.service_error("1017016", "requestId does not match the x-request-id header"))
        if session.request_id and request_id != session.request_id:
            raise Rejected(self.service_error("1017016", "requestId differs from the x-request-id of the OTP request"))

    def handle_token(self, route: Route) -> Reply:
        content_type = self.headers.get("Content-Type", "")
        if not content_type.lower().startswith("application/x-www-form-urlencoded"):
            raise Rejected(self.api_error(400, "UDAPI100036",
                                          "Invalid input: send the form as application/x-www-form-urlencoded"))
        form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

        def field_value(name: str) -> str | None:
            return form[name][0] if name in form else None

        # A code works once, whether or not the exchange succeeds.
        code = field_value("code")
        with self.state.lock:
            code_unused = self.state.codes.get(code) is False
            if code_unused:
                self.state.codes[code] = True

        if field_value("grant_type") != "authorization_code":
            raise Rejected(self.api_error(400, "UDAPI100036", "Invalid input: grant_type must be authorization_code"))
        if (field_value("client_id") != self.settings.client_id
                or field_value("client_secret") != self.settings.client_secret):
            raise Rejected(self.api_error(401, "UDAPI100016", "Invalid Credentials"))
        if field_value("redirect_uri") != self.settings.redirect_uri:
            raise Rejected(self.api_error(
                400, "UDAPI100068", "Check your 'client_id' and 'redirect_uri'; one or both are incorrect."))
        if not code_unused:
            raise Rejected(self.api_error(400, "UDAPI100057", "Invalid Auth code"))

        reply = self.account_profile()
        reply["access_token"] = self.issue_access_token()
        reply["extended_token"] = self.issue_extended_token() if self.settings.extended_token else None
        return self.json_reply(200, reply)

    def account_profile(self) -> dict:
        return {
            "email": f"{self.settings.user_id.lower()}@example.com",
            "exchanges": ["NSE", "NFO", "BSE", "CDS", "BFO", "BCD"],
            "products": ["D", "CO", "I"],
            "broker": "UPSTOX",
            "user_id": self.settings.user_id,
            "user_name": self.settings.user_name,
            "order_types": ["MARKET", "LIMIT", "SL", "SL-M"],
            "user_type": "individual",
            "poa": False,
            "ddpi": False,
            "is_active": True,
        }

    def issue_access_token(self) -> str:
        issued_at = datetime.now(timezone.utc)
        if self.settings.no_exp:
            expires_at = None
        elif self.settings.token_lifetime is not None:
            expires_at = issued_at + timedelta(seconds=self.settings.token_lifetime)
        else:
            expires_at = token_expiry(issued_at)

        claims = access_token_claims(self.settings.user_id, issued_at, expires_at)
        if expires_at is not None and self.settings.token_lifetime is not None:
            # The exp claim has whole seconds, so the token must not outlive it.
            expires_at = datetime.fromtimestamp(claims["exp"], timezone.utc)
        token = encode_jwt(claims)
        with self.state.lock:
            self.state.tokens[token] = IssuedToken(expires_at.timestamp() if expires_at else None)
            self.state.issued_tokens.append(token)
        return token

    def issue_extended_token(self) -> str:
        """Issue a read-only token valid for a year, like the extended_token of approved apps."""
        issued_at = datetime.now(timezone.utc)
        expires_at = issued_at + timedelta(days=365)
        claims = access_token_claims(self.settings.user_id, issued_at, expires_at)
        claims["isExtended"] = True
        token = encode_jwt(claims)
        with self.state.lock:
            self.state.tokens[token] = IssuedToken(expires_at.timestamp(), extended=True)
        return token

    # --- Calls with an access token ---

    def bearer_token(self) -> tuple[str, IssuedToken]:
        """Return the request's token and its record, or reject a missing, revoked or expired one."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        with self.state.lock:
            record = self.state.tokens.get(token) if scheme.lower() == "bearer" else None
        expired = record is not None and record.expires_at is not None and time.time() >= record.expires_at
        if record is None or record.revoked or expired:
            raise Rejected(self.api_error(401, "UDAPI100050", "Invalid token used to access API"))
        return token, record

    def handle_profile(self, route: Route) -> Reply:
        self.bearer_token()
        return self.json_reply(200, {"status": "success", "data": self.account_profile()})

    def handle_logout(self, route: Route) -> Reply:
        token, record = self.bearer_token()
        if record.extended:
            raise Rejected(self.api_error(
                401, "UDAPI100067", "The API you are trying to access is not permitted with an extended_token"))
        with self.state.lock:
            record.revoked = True
            self.state.revoked_tokens.append(token)
        return self.json_reply(200, {"status": "success", "data": True})


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    try:
        settings = parse_settings(sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        print(f"upstox_standin.py: {error}", file=sys.stderr)
        return 2

    try:
        server = StandinServer(settings)
    except OSError as error:
        print(f"upstox_standin.py: cannot listen on {settings.host} port {settings.port}: {error.strerror}",
              file=sys.stderr)
        return 1

    stop = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda number, frame: stop.set())
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    print(server.base_url, flush=True)
    log.info("listening on %s, revisions %s", server.base_url, ",".join(sorted(settings.revisions)))
    while not stop.wait(0.1):
        pass

    server.shutdown()
    server.server_close()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
