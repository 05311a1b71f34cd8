"""The API calls that take an access token: profile and logout."""

import time

from .replies import Rejected, Reply
from .routes import Route
from .state import IssuedToken


class AccessTokenCalls:
    """StandinHandler methods for the calls that a bearer token authorizes."""

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
