#!/usr/bin/env bash
# Benchmarks `upx-jwt --check` against a PyJWT one-liner that decodes the same token without
# verifying its signature but with its expiry checked, in one hyperfine run, and prints the
# ratio of their mean times. Both read the token from standard input.
#
# Usage: Tests/benchmarks/jwt.sh [BIN_DIR]   (default: the release build folder)
# Needs hyperfine, python3 with venv, and PyPI once for PyJWT
# (apt-get install hyperfine python3 python3-venv).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)}
[[ -x $bin/upx-jwt ]] || { echo "jwt.sh: $bin/upx-jwt not found; run ./install.sh or swift build -c release first" >&2; exit 1; }
for tool in hyperfine python3; do
    command -v "$tool" >/dev/null || { echo "jwt.sh: $tool not found; install it (apt-get install hyperfine python3 python3-venv)" >&2; exit 1; }
done

pyjwt_version=2.10.1
venv=${XDG_CACHE_HOME:-$HOME/.cache}/upx-test/pyjwt-venv
if [[ ! -x $venv/bin/python ]] || [[ $("$venv/bin/python" -c 'import jwt; print(jwt.__version__)' 2>/dev/null) != "$pyjwt_version" ]]; then
    python3 -m venv --clear "$venv"
    "$venv/bin/pip" install -q "PyJWT==$pyjwt_version"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Made-up tokens shaped like Upstox access tokens: one valid for an hour, one expired.
make_token() {
    python3 - "$1" <<'PY'
import base64, hashlib, hmac, json, sys, time

def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

now = int(time.time())
claims = {"sub": "7AB123", "jti": "0123456789abcdef01234567", "isMultiClient": False, "isPlusPlan": False,
          "iat": now - 60, "iss": "udapi-gateway-service", "exp": now + int(sys.argv[1])}
signing_input = encode(b'{"alg":"HS256","typ":"JWT"}') + "." + encode(json.dumps(claims, separators=(",", ":")).encode())
signature = hmac.new(b"made-up benchmark key", signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + encode(signature))
PY
}
make_token 3600 >"$work/token"
make_token -60 >"$work/expired"

pyjwt_check='import sys, jwt; jwt.decode(sys.stdin.read().strip(), options={"verify_signature": False, "verify_exp": True})'

# Both must accept the valid token and reject the expired one, or the timing compares unlike work.
"$bin/upx-jwt" --check <"$work/token" || { echo "jwt.sh: upx-jwt --check rejected the valid token" >&2; exit 1; }
"$venv/bin/python" -c "$pyjwt_check" <"$work/token" || { echo "jwt.sh: PyJWT rejected the valid token" >&2; exit 1; }
if "$bin/upx-jwt" --check <"$work/expired"; then echo "jwt.sh: upx-jwt --check accepted the expired token" >&2; exit 1; fi
if "$venv/bin/python" -c "$pyjwt_check" <"$work/expired" 2>/dev/null; then
    echo "jwt.sh: PyJWT accepted the expired token" >&2
    exit 1
fi

# hyperfine 1.15 has no option to feed standard input, so each command runs in sh with a
# redirection, and hyperfine subtracts the time sh takes to start.
hyperfine --warmup 10 --runs 200 --export-json "$work/jwt.json" \
    -n "upx-jwt --check" "$bin/upx-jwt --check <$work/token" \
    -n "PyJWT $pyjwt_version decode" "$venv/bin/python -c '$pyjwt_check' <$work/token"

python3 "$root/Tests/benchmarks/ratio.py" "$work/jwt.json"
