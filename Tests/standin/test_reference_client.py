"""Tests that run the reference Python client, upstox-totp 1.0.8 from PyPI, against the stand-in.

The client needs Python 3.12 by its metadata but runs on 3.11, so it is installed with
--ignore-requires-python into a virtual environment cached under
${XDG_CACHE_HOME:-~/.cache}/upx-test/refclient-venv. The first run needs PyPI (it
took about 7 s longer on a 2-core machine). Without PyPI the tests fail and name
what is missing.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from test_standin import CLIENT_ID, CLIENT_SECRET, MOBILE, PIN, REDIRECT_URI, TOTP_SECRET, USER_ID
from test_standin import LoginClient, StandinProcess

PACKAGE = "upstox-totp"
VERSION = "1.0.8"
INSTALL_TIMEOUT_SECONDS = 300
LOGIN_TIMEOUT_SECONDS = 60

# The script runs in the virtual environment. Its argv[1] is a JSON object with the
# base URL and the credentials, and it prints the token reply as JSON on stdout.
LOGIN_SCRIPT = """
import json
import sys

from upstox_totp import UpstoxTOTP

settings = json.loads(sys.argv[1])
client = UpstoxTOTP(
    username=settings["mobile"], password="unused", pin_code=settings["pin"],
    totp_secret=settings["totp_secret"], client_id=settings["client_id"],
    client_secret=settings["client_secret"], redirect_uri=settings["redirect_uri"],
)
# base_domain is a template such as https://{stage}.upstox.com. A URL without
# {stage} sends every step to one server.
client.base_domain = settings["base_url"]
# Config.from_env drops the sleep_time argument, so the client would pause 1 s
# after every request unless the setting is changed after construction.
client.config.sleep_time = 0
reply = client.app_token.get_access_token()
print(json.dumps(reply.data.model_dump()))
"""


def cache_directory() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "upx-test"


def installed_version(python: Path) -> str | None:
    if not python.exists():
        return None
    result = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({PACKAGE!r}))"],
        capture_output=True, text=True, timeout=60)
    return result.stdout.strip() if result.returncode == 0 else None


def ensure_reference_client() -> Path:
    """Return the virtual environment's python, installing the client first if needed."""
    venv = cache_directory() / "refclient-venv"
    python = venv / "bin" / "python"
    if installed_version(python) == VERSION:
        return python

    commands = (
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--ignore-requires-python", f"{PACKAGE}=={VERSION}"],
    )
    for command in commands:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"missing {PACKAGE} {VERSION}: {' '.join(command)} timed out after "
                                 f"{INSTALL_TIMEOUT_SECONDS} s; PyPI may be unreachable") from None
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()[-5:]
            raise AssertionError(f"missing {PACKAGE} {VERSION}: {' '.join(command)} exited with "
                                 f"{result.returncode}; is PyPI reachable?\n" + "\n".join(output))
    if installed_version(python) != VERSION:
        raise AssertionError(f"missing {PACKAGE} {VERSION}: pip finished but {python} cannot import it")
    return python


def loopback_environment() -> dict:
    """Return this process's environment without proxies or UPSTOX_ settings."""
    proxy_names = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    environment = {name: value for name, value in os.environ.items()
                   if name.lower() not in proxy_names and not name.startswith("UPSTOX_")}
    environment["NO_PROXY"] = "127.0.0.1,localhost"
    return environment


class ReferenceClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.python = ensure_reference_client()

    def run_login(self, base_url: str) -> subprocess.CompletedProcess:
        settings = {"base_url": base_url, "mobile": MOBILE, "pin": PIN, "totp_secret": TOTP_SECRET,
                    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uri": REDIRECT_URI}
        # The client reads the first .env found from its working directory upwards, and a
        # fresh temporary directory keeps the repository's .env out of its settings.
        with tempfile.TemporaryDirectory() as directory:
            return subprocess.run([str(self.python), "-c", LOGIN_SCRIPT, json.dumps(settings)],
                                  capture_output=True, text=True, cwd=directory, env=loopback_environment(),
                                  timeout=LOGIN_TIMEOUT_SECONDS)

    def test_login_gets_issued_token(self):
        with StandinProcess("--content-type", "application/json") as standin:
            result = self.run_login(standin.url)
            self.assertEqual(result.returncode, 0, result.stderr)
            reply = json.loads(result.stdout)
            client = LoginClient(standin.url)
            stats = client.stats()
            profile = client.with_token("GET", "/v2/user/profile", reply["access_token"])

        self.assertEqual(reply["user_id"], USER_ID)
        self.assertEqual(stats["issued_tokens"], [reply["access_token"]])
        self.assertEqual(profile.status, 200)
        self.assertEqual(stats["requests"], {
            "dialog": 1, "otp_generate": 1, "totp_verify_v4": 1, "totp_verify_v5": 0, "twofa_v3": 1,
            "twofa_v4": 0, "authorize": 1, "token": 1, "profile": 0, "logout": 0, "other": 1,
        })
        self.assertEqual(stats["wrong_pins"], 0)
        # The client clears its cookies before the token request.
        self.assertEqual(stats["token_request_cookies"], [""])

    def test_charset_content_type_breaks_client(self):
        # upstox-totp 1.0.8 parses JSON only when Content-Type is exactly
        # application/json, so the stand-in's default stops it after step 2.
        with StandinProcess() as standin:
            result = self.run_login(standin.url)
            stats = LoginClient(standin.url).stats()

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("AttributeError", result.stderr)
        self.assertEqual(stats["requests"]["otp_generate"], 1)
        self.assertEqual(stats["requests"]["totp_verify_v4"], 0)
        self.assertEqual(stats["issued_tokens"], [])


if __name__ == "__main__":
    unittest.main()
