#!/usr/bin/env bash
# The whole upx login against the bundled Upstox stand-in, on loopback only: starts the
# stand-in, logs in from a real bash shell with eval "$(upx-login --export)", shows the
# token's claims and the key in the kernel keyring, then stops the stand-in.
#
# Every credential here is made up and shared with the stand-in. The demo uses the
# profile "demo", so a real token under the default profile is left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# Use the tools install.sh just installed, even when its folder is not on PATH yet.
if [[ $(id -u) -eq 0 ]]; then prefix=${PREFIX:-/usr/local}; else prefix=${PREFIX:-$HOME/.local}; fi
export PATH="$prefix/bin:$PATH"
for tool in upx-login upx-jwt keyctl python3; do
    command -v "$tool" >/dev/null || { echo "standin-demo: $tool not found on PATH; run ./install.sh first" >&2; exit 1; }
done

export UPSTOX_USERNAME=9876543210 UPSTOX_PIN_CODE=482913
export UPSTOX_TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
export UPSTOX_CLIENT_ID=demo-client UPSTOX_CLIENT_SECRET=demo-client-secret
export UPSTOX_REDIRECT_URI=http://127.0.0.1:9/callback

# The stand-in takes only made-up values on its command line.
output=$(mktemp -u)
mkfifo "$output"
python3 "$here/Tests/standin/upstox_standin.py" \
    --mobile "$UPSTOX_USERNAME" --pin "$UPSTOX_PIN_CODE" --totp-secret "$UPSTOX_TOTP_SECRET" \
    --client-id "$UPSTOX_CLIENT_ID" --client-secret "$UPSTOX_CLIENT_SECRET" \
    --redirect-uri "$UPSTOX_REDIRECT_URI" >"$output" 2>/dev/null &
standin=$!
trap 'kill $standin 2>/dev/null; wait $standin 2>/dev/null; rm -f "$output"' EXIT
read -r base_url <"$output"
rm -f "$output"
export UPSTOX_API_BASE_URL=$base_url UPSTOX_SERVICE_BASE_URL=$base_url
echo "standin-demo: Upstox stand-in at $base_url"

bash -c '
    eval "$(upx-login --export --profile demo --force)" || exit 1
    echo "standin-demo: this bash now has UPSTOX_ACCESS_TOKEN (${#UPSTOX_ACCESS_TOKEN} characters), expiring at $(date -d "@$UPSTOX_TOKEN_EXPIRES_AT")"
    printf "%s" "$UPSTOX_ACCESS_TOKEN" | upx-jwt
'

echo "standin-demo: the key in your user keyring (keyctl show @u, then its line in /proc/keys with the timeout):"
keyctl show @u | grep -E 'keyring: _uid\.|upx:demo'
key=$(keyctl search @u user upx:demo)
grep "^$(printf '%08x' "$key") " /proc/keys

echo "standin-demo: a second run, served from the keyring without a request while the token has more than 5 minutes left:"
upx-login --print --profile demo >/dev/null
