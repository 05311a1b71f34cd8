#!/usr/bin/env bash
# Benchmarks upx-login against peers in the same run, on the bundled stand-in:
#   cached: `upx-login --print` serving the token from the keyring, against
#           `keyctl pipe` reading the same key (the least any keyring reader does);
#   login:  a full six-step login by `upx-login --force`, against the reference
#           Python client upstox-totp 1.0.8 doing the same login.
# Prints hyperfine's table and the ratio of mean times for each pair.
#
# Usage: Tests/benchmarks/login.sh [BIN_DIR]   (default: the release build folder)
# Needs hyperfine, keyutils, python3 with venv, and PyPI once for the reference client.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)}
[[ -x $bin/upx-login ]] || { echo "login.sh: $bin/upx-login not found; run ./install.sh or swift build -c release first" >&2; exit 1; }
for tool in hyperfine keyctl python3; do
    command -v "$tool" >/dev/null || { echo "login.sh: $tool not found; install it (apt-get install hyperfine keyutils python3-venv)" >&2; exit 1; }
done

venv=${XDG_CACHE_HOME:-$HOME/.cache}/upx-test/refclient-venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import upstox_totp' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --ignore-requires-python upstox-totp==1.0.8
fi

export UPSTOX_USERNAME=9876543210 UPSTOX_PIN_CODE=482913
export UPSTOX_TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
export UPSTOX_CLIENT_ID=bench-client UPSTOX_CLIENT_SECRET=bench-client-secret
export UPSTOX_REDIRECT_URI=http://127.0.0.1:9/callback
work=$(mktemp -d)
trap 'kill $standin 2>/dev/null; wait $standin 2>/dev/null; rm -rf "$work"' EXIT
mkfifo "$work/url"
python3 "$root/Tests/standin/upstox_standin.py" \
    --mobile "$UPSTOX_USERNAME" --pin "$UPSTOX_PIN_CODE" --totp-secret "$UPSTOX_TOTP_SECRET" \
    --client-id "$UPSTOX_CLIENT_ID" --client-secret "$UPSTOX_CLIENT_SECRET" \
    --redirect-uri "$UPSTOX_REDIRECT_URI" --content-type application/json >"$work/url" 2>/dev/null &
standin=$!
read -r base_url <"$work/url"
export UPSTOX_API_BASE_URL=$base_url UPSTOX_SERVICE_BASE_URL=$base_url
cd "$work"

cat >"$work/reference_login.py" <<'PY'
import os
from upstox_totp import UpstoxTOTP

client = UpstoxTOTP(
    username=os.environ["UPSTOX_USERNAME"], password="unused", pin_code=os.environ["UPSTOX_PIN_CODE"],
    totp_secret=os.environ["UPSTOX_TOTP_SECRET"], client_id=os.environ["UPSTOX_CLIENT_ID"],
    client_secret=os.environ["UPSTOX_CLIENT_SECRET"], redirect_uri=os.environ["UPSTOX_REDIRECT_URI"],
)
client.base_domain = os.environ["UPSTOX_API_BASE_URL"]
client.config.sleep_time = 0
print(client.app_token.get_access_token().data.access_token)
PY

"$bin/upx-login" --quiet --force --profile bench
key=$(keyctl search @u user upx:bench)

ratio() {
    python3 "$root/Tests/benchmarks/ratio.py" "$1"
}

echo "== cached token: upx-login against keyctl"
hyperfine -N --warmup 10 --runs 200 --export-json "$work/cached.json" \
    -n "upx-login --print (cached)" "$bin/upx-login --print --quiet --profile bench" \
    -n "keyctl pipe" "keyctl pipe $key"
ratio "$work/cached.json"

echo "== full login: upx-login against upstox-totp 1.0.8"
hyperfine --warmup 2 --runs 20 --export-json "$work/login.json" \
    -n "upx-login --force" "$bin/upx-login --print --quiet --force --profile bench" \
    -n "upstox-totp 1.0.8" "$venv/bin/python $work/reference_login.py"
ratio "$work/login.json"

keyctl invalidate "$(keyctl search @u user upx:bench)"
# The count of logins that upx-login keeps for its rate limit.
keyctl invalidate "$(keyctl search @u user upx:bench:logins)"
