"""The six login steps, from the authorization dialog to the token exchange."""

import base64
import hmac
import re
import secrets
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode

from .replies import Rejected, Reply
from .routes import LOGIN_COOKIE, LOGIN_PAGE_PATH, Route
from .state import IssuedToken, LoginSession
from .tokens import access_token_claims, encode_jwt, token_expiry
from .totp import verify_totp

# Made-up profile id of the one account.
PROFILE_ID = 4271901

REQUEST_ID_PATTERN = re.compile(r"WPRO-[A-Za-z0-9]{10}")
PIN_LOCK_LIMIT = 5


class LoginSteps:
    """StandinHandler methods for the six login steps and their checks."""

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
        # A fixed --access-token is issued anew each time: valid again, with the new expiry.
        token = self.settings.access_token or encode_jwt(claims)
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
