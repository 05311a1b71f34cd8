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

import sys
from pathlib import Path

# The standin package sits beside this file, and the caller's working directory may be anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin.cli import main  # noqa: E402


if __name__ == "__main__":
    sys.exit(main())
