"""HTTP replies, and the JSON shapes that the api host and the login service use."""

import json
from dataclasses import dataclass, field

from .routes import Route


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


class ReplyBuilder:
    """StandinHandler methods that build JSON replies in each host's shape."""

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
