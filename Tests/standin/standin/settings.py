"""Command-line options: the account, the app and the server, parsed and validated."""

import argparse
import ipaddress
import re
from dataclasses import dataclass

from .faults import FailureRule, parse_failure_rule
from .routes import REVISIONS, STEPS
from .totp import decode_base32_secret

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

# A token fits an Authorization header: printable ASCII without spaces.
ACCESS_TOKEN_PATTERN = re.compile(r"[\x21-\x7e]{1,16384}")


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
    parser.add_argument("--access-token", metavar="TOKEN",
                        help="issue exactly TOKEN as the access token of every login, instead of a new JWT")

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
    access_token: str | None
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
    if args.access_token is not None and not ACCESS_TOKEN_PATTERN.fullmatch(args.access_token):
        raise ValueError("invalid --access-token: use 1 to 16384 printable ASCII characters without spaces")

    return Settings(
        mobile=args.mobile, pin=args.pin, totp_secret=args.totp_secret,
        client_id=args.client_id, client_secret=args.client_secret, redirect_uri=args.redirect_uri,
        host=parse_loopback_host(args.host), port=args.port, revisions=parse_revisions(args.revisions),
        user_id=args.user_id, user_name=args.user_name, extended_token=args.extended_token,
        no_exp=args.no_exp, token_lifetime=args.token_lifetime, access_token=args.access_token,
        content_type=args.content_type,
        failures=[parse_failure_rule(text) for text in args.fail])
