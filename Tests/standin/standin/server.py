"""The HTTP server and its request handler, which routes each request to its step."""

import json
import logging
import os
import socket
import socketserver
import struct
import sys
import time
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .api_calls import AccessTokenCalls
from .faults import FailureReplies
from .login_steps import LoginSteps
from .replies import Rejected, Reply, ReplyBuilder, html_page
from .routes import INTERNAL_REDIRECT_URI, LOGIN_COOKIE, LOGIN_PAGE_PATH, ROUTES, Route
from .settings import Settings
from .state import LoginSession, StandinState

log = logging.getLogger("upstox-standin")

MAX_BODY_BYTES = 1 << 20


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


class StandinHandler(LoginSteps, AccessTokenCalls, FailureReplies, ReplyBuilder, BaseHTTPRequestHandler):
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
