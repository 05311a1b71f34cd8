"""The command: parse the options, serve until SIGTERM or SIGINT, map errors to exit codes."""

import logging
import signal
import sys
import threading

from .server import StandinServer
from .settings import parse_settings

log = logging.getLogger("upstox-standin")


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

    # The signals stay blocked and the main thread takes them with sigwait, so no handler
    # runs inside a lock the main thread holds. The server thread inherits the mask.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    print(server.base_url, flush=True)
    log.info("listening on %s, revisions %s", server.base_url, ",".join(sorted(settings.revisions)))
    signal.sigwait(stop_signals)

    server.shutdown()
    server.server_close()
    log.info("stopped")
    return 0
