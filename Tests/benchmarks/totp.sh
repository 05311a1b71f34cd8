#!/usr/bin/env bash
# Benchmarks upx-totp against oathtool computing the current TOTP code for the same secret,
# in one hyperfine run, and prints the ratio of their mean times.
#
# Usage: Tests/benchmarks/totp.sh [BIN_DIR]   (default: the release build folder)
# Needs hyperfine and oathtool (apt-get install hyperfine oathtool).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)}
[[ -x $bin/upx-totp ]] || { echo "totp.sh: $bin/upx-totp not found; run ./install.sh or swift build -c release first" >&2; exit 1; }
for tool in hyperfine oathtool python3; do
    command -v "$tool" >/dev/null || { echo "totp.sh: $tool not found; install it (apt-get install hyperfine oathtool python3)" >&2; exit 1; }
done

# A made-up secret. oathtool only takes it on the command line; upx-totp reads the environment.
export UPSTOX_TOTP_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Compared twice, because a time step may end between the two calls.
[[ $("$bin/upx-totp" 2>/dev/null) == $(oathtool --totp -b "$UPSTOX_TOTP_SECRET") ]] ||
    [[ $("$bin/upx-totp" 2>/dev/null) == $(oathtool --totp -b "$UPSTOX_TOTP_SECRET") ]] ||
    { echo "totp.sh: upx-totp and oathtool print different codes" >&2; exit 1; }

hyperfine -N --warmup 20 --runs 300 --export-json "$work/totp.json" \
    -n "upx-totp" "$bin/upx-totp" \
    -n "oathtool --totp" "oathtool --totp -b $UPSTOX_TOTP_SECRET"

python3 "$root/Tests/benchmarks/ratio.py" "$work/totp.json"
