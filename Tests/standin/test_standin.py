"""Tests of the Upstox stand-in: its TOTP and expiry rules, and its HTTP behaviour.

Each HTTP test starts its own stand-in process on a free loopback port and stops it
with SIGTERM. Requests go through urllib with an http.cookiejar jar and no proxy.
"""

import base64
import hashlib
import hmac
import http.client
import json
import random
import select
import signal
import string
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPRedirectHandler, ProxyHandler, Request, build_opener

from standin.faults import parse_failure_rule
from standin.routes import INTERNAL_REDIRECT_URI
from standin.settings import parse_loopback_host
from standin.tokens import IST, SIGNING_KEY, base64url, encode_jwt, token_expiry
from standin.totp import totp_code, verify_totp

STANDIN = Path(__file__).with_name("upstox_standin.py")
START_TIMEOUT_SECONDS = 10
STOP_TIMEOUT_SECONDS = 5
REQUEST_TIMEOUT_SECONDS = 10

MOBILE = "9123456780"
PIN = "481516"
TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
REDIRECT_URI = "http://127.0.0.1:9/callback"
USER_ID = "9XY321"
CREDENTIAL_ARGUMENTS = (
    "--mobile", MOBILE, "--pin", PIN, "--totp-secret", TOTP_SECRET, "--client-id", CLIENT_ID,
    "--client-secret", CLIENT_SECRET, "--redirect-uri", REDIRECT_URI, "--user-id", USER_ID,
    "--user-name", "Asha Rao",
)


class StandinProcess:
    """A stand-in subprocess on a free loopback port, stopped with SIGTERM on exit."""

    def __init__(self, *arguments: str, credentials: tuple[str, ...] = CREDENTIAL_ARGUMENTS):
        self.arguments = [*credentials, *arguments]

    def __enter__(self) -> "StandinProcess":
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen([sys.executable, str(STANDIN), *self.arguments],
                                        stdout=subprocess.PIPE, stderr=self.stderr)
        ready, _, _ = select.select([self.process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = self.process.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise AssertionError(f"stand-in printed {line!r} instead of its URL. Its stderr:\n{self.stderr_text()}")
        self.url = line
        return self

    def __exit__(self, *exception) -> None:
        self.stop()

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Stop the process and return its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.process.stdout.closed:
            self.stdout_rest = self.process.stdout.read().decode()
            self.process.stdout.close()
        if not self.stderr.closed:
            self.stderr.seek(0)
            self.stderr_output = self.stderr.read().decode()
            self.stderr.close()
        return self.process.returncode

    def stderr_text(self) -> str:
        """Return what the process wrote on stderr, so far or until it stopped."""
        if self.stderr.closed:
            return self.stderr_output
        self.stderr.seek(0)
        return self.stderr.read().decode()


class Reply:
    """Status, headers and body of one HTTP reply, whatever its status."""

    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *arguments):
        return None


def current_totp(secret: str = TOTP_SECRET) -> str:
    return totp_code(secret, time.time())


def wrong_totp(secret: str = TOTP_SECRET) -> str:
    """Return a six-digit code that matches no time step within one step of now."""
    now = time.time()
    accepted = {totp_code(secret, now + offset * 30) for offset in (-2, -1, 0, 1, 2)}
    code = current_totp(secret)
    while code in accepted:
        code = str((int(code) + 1) % 1_000_000).zfill(6)
    return code


def encode_pin(pin: str) -> str:
    return base64.b64encode(pin.encode()).decode()


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class LoginClient:
    """Client for the login protocol, one method a step, with one cookie jar for all steps."""

    def __init__(self, url: str, revision: str = "2026"):
        self.url = url
        self.revision = revision
        self.jar = CookieJar()
        self.opener = build_opener(ProxyHandler({}), HTTPCookieProcessor(self.jar), NoRedirect())
        self.request_id = "WPRO-" + "".join(random.choices(string.ascii_letters + string.digits, k=10))
        self.profile_id = None

    def request(self, method: str, path: str, query: dict | None = None, body: bytes | None = None,
                headers: dict | None = None) -> Reply:
        url = self.url + path + ("?" + urlencode(query) if query else "")
        request = Request(url, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return Reply(response.status, response.headers, response.read())
        except HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read())

    def post_login(self, path: str, data: dict, query: dict | None = None, headers: dict | None = None) -> Reply:
        all_headers = {"content-type": "application/json", "x-request-id": self.request_id, **(headers or {})}
        return self.request("POST", path, query, json.dumps({"data": data}).encode(), all_headers)

    def dialog(self, client_id: str = CLIENT_ID, redirect_uri: str = REDIRECT_URI) -> Reply:
        query = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
        return self.request("GET", "/v2/login/authorization/dialog", query)

    def generate_otp(self, mobile: str = MOBILE, user_id: str = USER_ID) -> Reply:
        data = {"mobileNumber": mobile, "userId": user_id}
        if self.revision == "2026":
            data["countryIsdCode"] = "+91"
        return self.post_login("/login/open/v6/auth/1fa/otp/generate", data)

    def verify(self, otp: str, validate_otp_token: str) -> Reply:
        version = "v5" if self.revision == "2026" else "v4"
        reply = self.post_login(f"/login/open/{version}/auth/1fa/otp-totp/verify",
                                {"otp": otp, "validateOtpToken": validate_otp_token})
        try:
            self.profile_id = reply.json()["data"]["userProfile"]["profileId"]
        except (ValueError, KeyError, TypeError):
            pass  # a failed verify leaves the profile id unset
        return reply

    def submit_pin(self, input_text: str, client_id: str = CLIENT_ID,
                   redirect_uri: str = INTERNAL_REDIRECT_URI) -> Reply:
        query = {"client_id": client_id, "redirect_uri": redirect_uri}
        data = {"twoFAMethod": "SECRET_PIN", "inputText": input_text}
        if self.revision == "2025":
            return self.post_login("/login/open/v3/auth/2fa", data, query)
        data["profileId"] = self.profile_id
        headers = {"X-Profile-Id": str(self.profile_id), "X-User-Id": USER_ID}
        return self.post_login("/login/open/v4/auth/2fa", data, query, headers)

    def authorize(self, request_id: str | None = None) -> Reply:
        query = {"client_id": CLIENT_ID, "redirect_uri": INTERNAL_REDIRECT_URI,
                 "requestId": request_id or self.request_id, "response_type": "code"}
        return self.post_login("/login/v2/oauth/authorize", {"userOAuthApproval": True}, query)

    def exchange_code(self, code: str, client_secret: str = CLIENT_SECRET) -> Reply:
        form = urlencode({"code": code, "client_id": CLIENT_ID, "client_secret": client_secret,
                          "redirect_uri": REDIRECT_URI, "grant_type": "authorization_code"}).encode()
        headers = {"content-type": "application/x-www-form-urlencoded", "accept": "application/json"}
        return self.request("POST", "/v2/login/authorization/token", body=form, headers=headers)

    def log_in_until_pin(self) -> None:
        """Run the dialog, OTP and TOTP steps, which must succeed."""
        assert self.dialog().status == 302
        otp_reply = self.generate_otp().json()
        assert otp_reply["success"], otp_reply
        verify_reply = self.verify(current_totp(), otp_reply["data"]["validateOTPToken"]).json()
        assert verify_reply["success"], verify_reply

    def authorization_code(self) -> str:
        """Run steps 1 to 5 and return the authorization code."""
        self.log_in_until_pin()
        pin_reply = self.submit_pin(encode_pin(PIN)).json()
        assert pin_reply["success"], pin_reply
        authorize_reply = self.authorize().json()
        assert authorize_reply["success"], authorize_reply
        return parse_qs(urlsplit(authorize_reply["data"]["redirectUri"]).query)["code"][0]

    def log_in(self) -> dict:
        """Run all six steps and return the token reply."""
        reply = self.exchange_code(self.authorization_code())
        assert reply.status == 200, reply.body
        return reply.json()

    def stats(self) -> dict:
        return self.request("GET", "/standin/stats").json()

    def with_token(self, method: str, path: str, token: str) -> Reply:
        return self.request(method, path, headers={"Authorization": f"Bearer {token}", "accept": "application/json"})


class StandinTestCase(unittest.TestCase):
    def start(self, *arguments: str) -> LoginClient:
        """Start a stand-in for this test and return a client for it, speaking the 2026 revision."""
        self.standin = self.enterContext(StandinProcess(*arguments))
        return LoginClient(self.standin.url)

    def assertServiceError(self, reply: Reply, code: str) -> dict:
        self.assertEqual(reply.status, 200)
        body = reply.json()
        self.assertIs(body["success"], False)
        self.assertEqual(body["error"]["code"], code, body)
        return body["error"]

    def assertApiError(self, reply: Reply, status: int, code: str) -> dict:
        self.assertEqual(reply.status, status, reply.body)
        body = reply.json()
        self.assertEqual(body["status"], "error")
        self.assertEqual(body["errors"][0]["errorCode"], code, body)
        return body["errors"][0]


class TotpTests(unittest.TestCase):
    # RFC 6238 appendix B gives 8-digit SHA-1 codes for the ASCII secret
    # "12345678901234567890". The 6-digit codes are their last six digits.
    RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()

    def test_rfc6238_vectors(self):
        for unix_time, code in ((59, "287082"), (1111111109, "081804"), (1111111111, "050471"),
                                (1234567890, "005924"), (2000000000, "279037"), (20000000000, "353130")):
            with self.subTest(unix_time=unix_time):
                self.assertEqual(totp_code(self.RFC_SECRET, unix_time), code)

    def test_window_accepts_adjacent_steps(self):
        now = 1_700_000_000
        for offset in (-1, 0, 1):
            with self.subTest(offset=offset):
                code = totp_code(self.RFC_SECRET, now + offset * 30)
                self.assertTrue(verify_totp(self.RFC_SECRET, code, now))

    def test_window_rejects_two_steps_away(self):
        now = 1_700_000_000
        for offset in (-2, 2):
            with self.subTest(offset=offset):
                code = totp_code(self.RFC_SECRET, now + offset * 30)
                self.assertFalse(verify_totp(self.RFC_SECRET, code, now))

    def test_secret_case_and_spaces_ignored(self):
        spaced = " ".join(self.RFC_SECRET[i:i + 4] for i in range(0, 32, 4)).lower()
        self.assertEqual(totp_code(spaced, 59), "287082")


class TokenExpiryTests(unittest.TestCase):
    def test_expiry_is_next_0330_ist(self):
        cases = (
            (datetime(2026, 3, 10, 2, 29, tzinfo=IST), datetime(2026, 3, 10, 3, 30, tzinfo=IST)),
            (datetime(2026, 3, 10, 3, 29, tzinfo=IST), datetime(2026, 3, 10, 3, 30, tzinfo=IST)),
            (datetime(2026, 3, 10, 3, 30, tzinfo=IST), datetime(2026, 3, 11, 3, 30, tzinfo=IST)),
            (datetime(2026, 3, 10, 23, 59, tzinfo=IST), datetime(2026, 3, 11, 3, 30, tzinfo=IST)),
            (datetime(2026, 12, 31, 20, 0, tzinfo=IST), datetime(2027, 1, 1, 3, 30, tzinfo=IST)),
        )
        for issued_at, expected in cases:
            with self.subTest(issued_at=issued_at.isoformat()):
                self.assertEqual(token_expiry(issued_at), expected)

    def test_expiry_is_utc(self):
        expiry = token_expiry(datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc))
        self.assertEqual(expiry.utcoffset().total_seconds(), 0)
        self.assertEqual((expiry.hour, expiry.minute), (22, 0))

    def test_jwt_signature(self):
        token = encode_jwt({"sub": "X"})
        header, payload, signature = token.split(".")
        expected = hmac.new(SIGNING_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        self.assertEqual(signature, base64url(expected))
        self.assertEqual(jwt_claims(token), {"sub": "X"})


class CommandLineTests(unittest.TestCase):
    def run_standin(self, *arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(STANDIN), *arguments], capture_output=True, text=True,
                              timeout=START_TIMEOUT_SECONDS)

    def test_non_loopback_host_rejected(self):
        for host in ("0.0.0.0", "192.0.2.10", "::", "example.invalid"):
            with self.subTest(host=host):
                result = self.run_standin("--host", host)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stdout, "")
                self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
                self.assertIn("loopback", result.stderr)

    def test_loopback_hosts_accepted(self):
        self.assertEqual(parse_loopback_host("localhost"), "127.0.0.1")
        self.assertEqual(parse_loopback_host("127.8.9.10"), "127.8.9.10")
        self.assertEqual(parse_loopback_host("::1"), "::1")

    def test_invalid_options_rejected(self):
        for arguments in (("--revisions", "2024"), ("--fail", "token"), ("--fail", "tokens:http500"),
                          ("--fail", "token:http418"), ("--fail", "token:http500:0"),
                          ("--fail", "token:slow=soon"), ("--totp-secret", "not base32!"),
                          ("--no-exp", "--token-lifetime", "5"), ("--port", "eighty"), ("--unknown",),
                          ("--access-token", ""), ("--access-token", "two words")):
            with self.subTest(arguments=arguments):
                result = self.run_standin(*arguments)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)

    def test_failure_rule_parsing(self):
        rule = parse_failure_rule("twofa:slow=1.5:2")
        self.assertEqual((rule.step, rule.kind, rule.delay, rule.remaining), ("twofa", "slow", 1.5, 2))
        rule = parse_failure_rule("token:reset")
        self.assertEqual((rule.step, rule.kind, rule.remaining), ("token", "reset", None))

    def test_defaults_run_alone(self):
        with StandinProcess(credentials=()) as standin:
            client = LoginClient(standin.url)
            reply = client.dialog("standin-client-id", "http://127.0.0.1:9/callback")
        self.assertEqual(reply.status, 302)

    def test_stdout_url_and_stderr_log(self):
        with StandinProcess() as standin:
            LoginClient(standin.url).with_token("GET", "/v2/user/profile", "unknown")
            status = standin.stop()
        self.assertEqual(status, 0)
        self.assertEqual(standin.stdout_rest, "")
        self.assertIn("GET /v2/user/profile profile 401", standin.stderr_text())

    def test_sigint_exits_cleanly(self):
        with StandinProcess() as standin:
            self.assertEqual(standin.stop(signal.SIGINT), 0)


class LoginTests(StandinTestCase):
    def test_login_2026_revision(self):
        client = self.start()
        reply = client.log_in()

        self.assertEqual(reply["user_id"], USER_ID)
        self.assertEqual(reply["user_name"], "Asha Rao")
        self.assertIsNone(reply["extended_token"])
        for name in ("email", "user_type", "broker", "exchanges", "products", "order_types", "poa", "ddpi",
                     "is_active"):
            self.assertIn(name, reply)
        claims = jwt_claims(reply["access_token"])
        self.assertEqual(claims["sub"], USER_ID)
        self.assertEqual(claims["iss"], "udapi-gateway-service")
        self.assertIs(claims["isMultiClient"], False)
        self.assertIn("jti", claims)
        issued_at = datetime.fromtimestamp(claims["iat"], timezone.utc)
        self.assertEqual(claims["exp"], int(token_expiry(issued_at).timestamp()))

        stats = client.stats()
        self.assertEqual(stats["issued_tokens"], [reply["access_token"]])
        self.assertEqual(stats["requests"]["totp_verify_v5"], 1)
        self.assertEqual(stats["requests"]["twofa_v4"], 1)

    def test_login_2025_revision(self):
        client = self.start()
        client.revision = "2025"
        reply = client.log_in()
        stats = client.stats()
        self.assertEqual(stats["issued_tokens"], [reply["access_token"]])
        self.assertEqual(stats["requests"]["totp_verify_v4"], 1)
        self.assertEqual(stats["requests"]["twofa_v3"], 1)

    def test_2026_accounts_in_verify_reply(self):
        client = self.start()
        client.dialog()
        token = client.generate_otp().json()["data"]["validateOTPToken"]
        data = client.verify(current_totp(), token).json()["data"]
        self.assertEqual(data["userProfile"]["userId"], USER_ID)
        self.assertIsInstance(data["userProfile"]["profileId"], int)
        self.assertEqual(data["accounts"], [data["userProfile"]])

    def test_2025_only_server(self):
        client = self.start("--revisions", "2025")
        client.revision = "2025"
        client.dialog()
        token = client.generate_otp().json()["data"]["validateOTPToken"]
        v5 = client.post_login("/login/open/v5/auth/1fa/otp-totp/verify",
                               {"otp": current_totp(), "validateOtpToken": token})
        self.assertEqual(v5.status, 404)
        self.assertTrue(client.verify(current_totp(), token).json()["success"])
        v4 = client.post_login("/login/open/v4/auth/2fa", {"twoFAMethod": "SECRET_PIN"})
        self.assertEqual(v4.status, 404)
        self.assertTrue(client.submit_pin(encode_pin(PIN)).json()["success"])

        stats = client.stats()
        self.assertEqual(stats["requests"]["totp_verify_v5"], 1)
        self.assertEqual(stats["requests"]["twofa_v4"], 1)
        self.assertEqual(stats["wrong_pins"], 0)

    def test_2026_only_server(self):
        client = self.start("--revisions", "2026")
        client.revision = "2025"
        client.dialog()
        token = client.generate_otp().json()["data"]["validateOTPToken"]
        self.assertEqual(client.verify(current_totp(), token).status, 404)
        self.assertEqual(client.submit_pin(encode_pin(PIN)).status, 404)

    def test_dialog_redirects_to_login_page(self):
        client = self.start()
        reply = client.dialog()
        self.assertEqual(reply.status, 302)
        location = urlsplit(reply.headers["Location"])
        self.assertEqual(f"{location.scheme}://{location.netloc}", client.url)
        query = parse_qs(location.query)
        self.assertEqual(query["user_id"], [USER_ID])
        self.assertEqual(query["client_id"], [CLIENT_ID])
        self.assertEqual(query["user_type"], ["individual"])
        page = client.request("GET", f"{location.path}?{location.query}")
        self.assertEqual(page.status, 200)
        self.assertTrue(page.headers["Content-Type"].startswith("text/html"))

    def test_dialog_wrong_client_id(self):
        client = self.start()
        self.assertApiError(client.dialog(client_id="other-client"), 400, "UDAPI100068")

    def test_dialog_wrong_redirect_uri(self):
        client = self.start()
        self.assertApiError(client.dialog(redirect_uri="http://127.0.0.1:9/other"), 400, "UDAPI100068")

    def test_otp_generate_wrong_mobile(self):
        client = self.start()
        self.assertServiceError(client.generate_otp(mobile="9000000000"), "1017016")

    def test_otp_generate_wrong_user_id(self):
        client = self.start()
        self.assertServiceError(client.generate_otp(user_id="1AA111"), "1017016")

    def test_otp_generate_sets_cookie(self):
        client = self.start()
        reply = client.generate_otp()
        self.assertIn("login_session=", reply.headers["Set-Cookie"])
        self.assertIn("Path=/", reply.headers["Set-Cookie"])
        self.assertEqual([cookie.name for cookie in client.jar], ["login_session"])

    def test_wrong_otp_counts_attempts(self):
        client = self.start()
        token = client.generate_otp().json()["data"]["validateOTPToken"]
        error = self.assertServiceError(client.verify(wrong_totp(), token), "UDAPI100500")
        self.assertEqual(error["message"], "Invalid OTP, 4 attempts left")
        error = self.assertServiceError(client.verify(wrong_totp(), token), "UDAPI100500")
        self.assertEqual(error["message"], "Invalid OTP, 3 attempts left")
        self.assertTrue(client.verify(current_totp(), token).json()["success"])

    def test_verify_needs_matching_otp_token(self):
        client = self.start()
        client.generate_otp()
        self.assertServiceError(client.verify(current_totp(), "not-the-token"), "1017016")

    def test_verify_rejects_step2_field_case(self):
        client = self.start()
        token = client.generate_otp().json()["data"]["validateOTPToken"]
        reply = client.post_login("/login/open/v5/auth/1fa/otp-totp/verify",
                                  {"otp": current_totp(), "validateOTPToken": token})
        self.assertServiceError(reply, "1017016")

    def test_unwrapped_body_rejected(self):
        client = self.start()
        body = json.dumps({"mobileNumber": MOBILE, "userId": USER_ID}).encode()
        reply = client.request("POST", "/login/open/v6/auth/1fa/otp/generate", body=body,
                               headers={"content-type": "application/json"})
        self.assertServiceError(reply, "1017016")

    def test_steps_need_login_cookie(self):
        client = self.start()
        client.log_in_until_pin()
        client.jar.clear()
        self.assertServiceError(client.verify(current_totp(), "any-token"), "1017016")
        self.assertServiceError(client.submit_pin(encode_pin(PIN)), "1017016")
        self.assertServiceError(client.authorize(), "1017016")
        self.assertEqual(client.stats()["wrong_pins"], 0)

    def test_wrong_pin(self):
        client = self.start()
        client.log_in_until_pin()
        error = self.assertServiceError(client.submit_pin(encode_pin("000000")), "1017106")
        self.assertNotIn("attempts left", error["message"])
        self.assertEqual(client.stats()["wrong_pins"], 1)

    def test_pin_locks_after_five_wrong(self):
        client = self.start()
        client.log_in_until_pin()
        for attempt in range(5):
            with self.subTest(attempt=attempt):
                self.assertServiceError(client.submit_pin(encode_pin("000000")), "1017106")
        self.assertServiceError(client.submit_pin(encode_pin(PIN)), "STANDIN_ACCOUNT_LOCKED")
        self.assertServiceError(client.submit_pin(encode_pin("000000")), "STANDIN_ACCOUNT_LOCKED")
        self.assertEqual(client.stats()["wrong_pins"], 5)

    def test_pin_encoded_twice_is_wrong(self):
        client = self.start()
        client.log_in_until_pin()
        self.assertServiceError(client.submit_pin(encode_pin(encode_pin(PIN))), "1017106")
        self.assertServiceError(client.submit_pin(PIN), "1017106")
        self.assertEqual(client.stats()["wrong_pins"], 2)

    def test_pin_before_totp_rejected(self):
        client = self.start()
        client.generate_otp()
        self.assertServiceError(client.submit_pin(encode_pin(PIN)), "1017016")

    def test_twofa_v4_needs_profile(self):
        client = self.start()
        client.log_in_until_pin()
        query = {"client_id": CLIENT_ID, "redirect_uri": INTERNAL_REDIRECT_URI}
        data = {"twoFAMethod": "SECRET_PIN", "inputText": encode_pin(PIN)}
        without_profile = client.post_login("/login/open/v4/auth/2fa", data, query)
        self.assertServiceError(without_profile, "1017016")
        without_headers = client.post_login("/login/open/v4/auth/2fa", {**data, "profileId": client.profile_id},
                                            query)
        self.assertServiceError(without_headers, "1017016")
        self.assertEqual(client.stats()["wrong_pins"], 0)

    def test_twofa_app_redirect_uri_rejected(self):
        client = self.start()
        client.log_in_until_pin()
        self.assertServiceError(client.submit_pin(encode_pin(PIN), redirect_uri=REDIRECT_URI), "1017016")

    def test_twofa_wrong_client_id(self):
        client = self.start()
        client.log_in_until_pin()
        self.assertServiceError(client.submit_pin(encode_pin(PIN), client_id="other-client"), "UDAPI100068")

    def test_twofa_reply_fields(self):
        client = self.start()
        client.log_in_until_pin()
        data = client.submit_pin(encode_pin(PIN)).json()["data"]
        self.assertIsNone(data["redirectUri"])
        self.assertIs(data["isExternalClientOAuthApp"], True)

    def test_authorize_checks_request_id(self):
        client = self.start()
        client.log_in_until_pin()
        client.submit_pin(encode_pin(PIN))
        self.assertServiceError(client.authorize(request_id="WPRO-0000000000"), "1017016")
        self.assertServiceError(client.authorize(request_id="WPRO-short"), "1017016")
        self.assertTrue(client.authorize().json()["success"])

    def test_authorize_before_pin_rejected(self):
        client = self.start()
        client.log_in_until_pin()
        self.assertServiceError(client.authorize(), "1017016")

    def test_authorize_redirect_uri_has_code(self):
        client = self.start()
        client.log_in_until_pin()
        client.submit_pin(encode_pin(PIN))
        data = client.authorize().json()["data"]
        redirect = urlsplit(data["redirectUri"])
        self.assertEqual(f"{redirect.scheme}://{redirect.netloc}{redirect.path}", REDIRECT_URI)
        self.assertRegex(parse_qs(redirect.query)["code"][0], r"^[a-z0-9]{6}$")

    def test_token_wrong_secret(self):
        client = self.start()
        code = client.authorization_code()
        self.assertApiError(client.exchange_code(code, client_secret="wrong-secret"), 401, "UDAPI100016")
        # The code was used up by the failed exchange.
        self.assertApiError(client.exchange_code(code), 400, "UDAPI100057")

    def test_code_single_use(self):
        client = self.start()
        code = client.authorization_code()
        self.assertEqual(client.exchange_code(code).status, 200)
        self.assertApiError(client.exchange_code(code), 400, "UDAPI100057")

    def test_token_rejects_json_body(self):
        client = self.start()
        code = client.authorization_code()
        body = json.dumps({"code": code}).encode()
        reply = client.request("POST", "/v2/login/authorization/token", body=body,
                               headers={"content-type": "application/json"})
        self.assertApiError(reply, 400, "UDAPI100036")

    def test_token_records_cookies(self):
        client = self.start()
        code = client.authorization_code()
        client.exchange_code(code)
        second = LoginClient(client.url)
        second.exchange_code("unused")
        cookies = client.stats()["token_request_cookies"]
        self.assertEqual(len(cookies), 2)
        self.assertTrue(cookies[0].startswith("login_session="), cookies)
        self.assertEqual(cookies[1], "")

    def test_no_exp_omits_claim(self):
        client = self.start("--no-exp")
        claims = jwt_claims(client.log_in()["access_token"])
        self.assertNotIn("exp", claims)
        self.assertIn("iat", claims)

    def test_extended_token(self):
        client = self.start("--extended-token")
        reply = client.log_in()
        self.assertIsInstance(reply["extended_token"], str)
        self.assertIs(jwt_claims(reply["extended_token"])["isExtended"], True)
        self.assertEqual(client.with_token("GET", "/v2/user/profile", reply["extended_token"]).status, 200)
        self.assertApiError(client.with_token("DELETE", "/v2/logout", reply["extended_token"]), 401,
                            "UDAPI100067")

    def test_token_lifetime(self):
        client = self.start("--token-lifetime", "1")
        token = client.log_in()["access_token"]
        claims = jwt_claims(token)
        self.assertEqual(claims["exp"] - claims["iat"], 1)
        self.assertEqual(client.with_token("GET", "/v2/user/profile", token).status, 200)
        time.sleep(max(0.0, claims["exp"] - time.time()) + 0.1)
        self.assertApiError(client.with_token("GET", "/v2/user/profile", token), 401, "UDAPI100050")

    def test_fixed_access_token(self):
        token = "ABCDEFGHIJKLM-NOPQRSTUVWXYZ.abcdefghijklm_nopqrstuvwxyz.0123456789"
        client = self.start("--access-token", token)
        self.assertEqual(client.log_in()["access_token"], token)
        self.assertEqual(client.log_in()["access_token"], token)
        self.assertEqual(client.stats()["issued_tokens"], [token, token])

        profile = client.with_token("GET", "/v2/user/profile", token)
        self.assertEqual(profile.status, 200)
        self.assertEqual(profile.json()["data"]["user_id"], USER_ID)
        self.assertEqual(client.with_token("DELETE", "/v2/logout", token).status, 200)
        self.assertApiError(client.with_token("GET", "/v2/user/profile", token), 401, "UDAPI100050")
        self.assertEqual(client.stats()["revoked_tokens"], [token])

    def test_profile_and_logout(self):
        client = self.start()
        token = client.log_in()["access_token"]

        profile = client.with_token("GET", "/v2/user/profile", token)
        self.assertEqual(profile.status, 200)
        self.assertEqual(profile.json()["status"], "success")
        self.assertEqual(profile.json()["data"]["user_id"], USER_ID)

        logout = client.with_token("DELETE", "/v2/logout", token)
        self.assertEqual(logout.status, 200)
        self.assertEqual(logout.json(), {"status": "success", "data": True})

        self.assertApiError(client.with_token("GET", "/v2/user/profile", token), 401, "UDAPI100050")
        self.assertApiError(client.with_token("DELETE", "/v2/logout", token), 401, "UDAPI100050")
        self.assertEqual(client.stats()["revoked_tokens"], [token])

    def test_profile_unknown_token(self):
        client = self.start()
        self.assertApiError(client.with_token("GET", "/v2/user/profile", "eyJ.not.issued"), 401, "UDAPI100050")
        self.assertApiError(client.request("GET", "/v2/user/profile"), 401, "UDAPI100050")

    def test_json_content_type(self):
        client = self.start()
        self.assertEqual(client.generate_otp().headers["Content-Type"], "application/json;charset=UTF-8")
        self.assertEqual(client.dialog(client_id="x").headers["Content-Type"], "application/json;charset=UTF-8")

    def test_content_type_option(self):
        client = self.start("--content-type", "application/json")
        self.assertEqual(client.generate_otp().headers["Content-Type"], "application/json")

    def test_unknown_path_404(self):
        client = self.start()
        self.assertApiError(client.request("GET", "/v2/unknown"), 404, "UDAPI10000")
        self.assertApiError(client.request("POST", "/login/open/v9/auth/2fa", body=b"{}"), 404, "UDAPI10000")

    def test_wrong_method_405(self):
        client = self.start()
        reply = client.request("GET", "/v2/login/authorization/token")
        self.assertEqual(reply.status, 405)
        self.assertEqual(reply.headers["Allow"], "POST")


class StatsTests(StandinTestCase):
    def test_counts_each_step(self):
        client = self.start()
        client.revision = "2025"
        token = client.log_in()["access_token"]
        client.with_token("GET", "/v2/user/profile", token)
        client.with_token("DELETE", "/v2/logout", token)
        client.request("GET", "/nowhere")
        client.stats()

        stats = client.stats()
        self.assertEqual(stats["requests"], {
            "dialog": 1, "otp_generate": 1, "totp_verify_v4": 1, "totp_verify_v5": 0, "twofa_v3": 1,
            "twofa_v4": 0, "authorize": 1, "token": 1, "profile": 1, "logout": 1, "other": 1,
        })
        self.assertEqual(stats["total"], 9)
        self.assertEqual(stats["issued_tokens"], [token])
        self.assertEqual(stats["revoked_tokens"], [token])
        self.assertEqual(len(stats["token_request_cookies"]), 1)
        self.assertEqual(stats["wrong_pins"], 0)

    def test_reset_keeps_tokens(self):
        client = self.start()
        token = client.log_in()["access_token"]
        reset = client.request("POST", "/standin/reset")
        self.assertEqual(reset.status, 200)

        stats = client.stats()
        self.assertEqual(stats["total"], 0)
        self.assertEqual(set(stats["requests"].values()), {0})
        self.assertEqual(stats["token_request_cookies"], [])
        self.assertEqual(stats["issued_tokens"], [token])
        self.assertEqual(client.with_token("GET", "/v2/user/profile", token).status, 200)

    def test_reset_lifts_pin_lock(self):
        client = self.start()
        client.log_in_until_pin()
        for _ in range(5):
            client.submit_pin(encode_pin("000000"))
        client.request("POST", "/standin/reset")
        self.assertTrue(client.submit_pin(encode_pin(PIN)).json()["success"])

    def test_unserved_revision_counted(self):
        client = self.start("--revisions", "2026")
        client.request("POST", "/login/open/v3/auth/2fa", body=b"{}")
        stats = client.stats()
        self.assertEqual(stats["requests"]["twofa_v3"], 1)
        self.assertEqual(stats["total"], 1)


class FailureTests(StandinTestCase):
    def test_http429_once(self):
        client = self.start("--fail", "otp_generate:http429:1")
        first = client.generate_otp()
        self.assertEqual(first.status, 429)
        self.assertEqual(first.headers["Retry-After"], "1")
        self.assertEqual(first.json()["error"]["code"], "UDAPI10005")
        self.assertTrue(client.generate_otp().json()["success"])

    def test_http429_api_host(self):
        client = self.start("--fail", "dialog:http429")
        reply = client.dialog()
        self.assertApiError(reply, 429, "UDAPI10005")
        self.assertEqual(reply.headers["Retry-After"], "1")

    def test_http500(self):
        client = self.start("--fail", "token:http500")
        self.assertApiError(client.exchange_code(client.authorization_code()), 500, "UDAPI100500")

    def test_http503_html(self):
        client = self.start("--fail", "profile:http503")
        reply = client.request("GET", "/v2/user/profile")
        self.assertEqual(reply.status, 503)
        self.assertTrue(reply.headers["Content-Type"].startswith("text/html"))

    def test_rate_limit(self):
        client = self.start("--fail", "otp_generate:rate_limit")
        self.assertServiceError(client.generate_otp(), "UDAPI10005")

    def test_otp_blocked(self):
        client = self.start("--fail", "otp_generate:otp_blocked")
        self.assertServiceError(client.generate_otp(), "1017069")

    def test_html(self):
        client = self.start("--fail", "authorize:html")
        reply = client.authorize()
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.headers["Content-Type"].startswith("text/html"))
        self.assertTrue(reply.body.lstrip().startswith(b"<!DOCTYPE html>"))

    def test_empty(self):
        client = self.start("--fail", "totp_verify:empty")
        reply = client.verify("123456", "token")
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.body, b"")

    def test_truncated(self):
        client = self.start("--fail", "twofa:truncated")
        reply = client.submit_pin(encode_pin(PIN))
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.body.startswith(b'{"success"'))
        with self.assertRaises(json.JSONDecodeError):
            reply.json()

    def test_reset_connection(self):
        client = self.start("--fail", "token:reset:1")
        with self.assertRaises(ConnectionResetError) as caught:
            client.exchange_code("anything")
        # RemoteDisconnected would mean an orderly close (FIN) instead of a reset.
        self.assertNotIsInstance(caught.exception, http.client.RemoteDisconnected)
        self.assertEqual(client.stats()["requests"]["token"], 1)
        self.assertApiError(client.exchange_code("anything"), 400, "UDAPI100057")

    def test_slow(self):
        client = self.start("--fail", "dialog:slow=0.5:1")
        started = time.monotonic()
        self.assertEqual(client.dialog().status, 302)
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        started = time.monotonic()
        self.assertEqual(client.dialog().status, 302)
        self.assertLess(time.monotonic() - started, 0.5)

    def test_not_found(self):
        client = self.start("--fail", "logout:not_found")
        self.assertApiError(client.request("DELETE", "/v2/logout"), 404, "UDAPI10000")

    def test_rules_apply_in_order(self):
        client = self.start("--fail", "dialog:http500:1", "--fail", "dialog:http503:1")
        self.assertEqual([client.dialog().status for _ in range(3)], [500, 503, 302])

    def test_other_steps_unaffected(self):
        client = self.start("--fail", "logout:http500")
        self.assertEqual(len(client.log_in()["access_token"].split(".")), 3)


if __name__ == "__main__":
    unittest.main()
