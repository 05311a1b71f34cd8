"""Failure injection: the --fail rules and the replies they put in place of a step."""

import json
from dataclasses import dataclass

from .replies import Reply, html_page
from .routes import STEPS, Route

MAX_SLOW_SECONDS = 600.0
FAIL_KINDS = ("http500", "http503", "http429", "rate_limit", "otp_blocked", "html",
              "empty", "truncated", "reset", "slow", "not_found")


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


class FailureReplies:
    """StandinHandler methods that build the reply a --fail rule injects."""

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
