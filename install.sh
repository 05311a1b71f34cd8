#!/usr/bin/env bash
# Builds upx in release mode, with the Swift standard library linked statically, and
# installs upx-totp, upx-login, upx-jwt and upx-perm into PREFIX/bin and their completions into PREFIX/share.
#
# Usage: ./install.sh [--prefix DIR] [--deps-only] [--with-test-deps]
#   --prefix DIR       install below DIR (default: /usr/local as root, ~/.local otherwise;
#                      the PREFIX environment variable also sets it)
#   --deps-only        install the Debian packages and stop
#   --with-test-deps   also install what the test suite needs (keyutils, oathtool, shells, git)
set -euo pipefail

build_packages=(libkeyutils-dev libcurl4-openssl-dev nettle-dev keyutils)
test_packages=(oathtool bash zsh fish tcsh tmux hyperfine python3 python3-venv util-linux passwd git)

if [[ $(id -u) -eq 0 ]]; then prefix=${PREFIX:-/usr/local}; else prefix=${PREFIX:-$HOME/.local}; fi
deps_only=0
packages=("${build_packages[@]}")
while [[ $# -gt 0 ]]; do
    case $1 in
        --prefix) prefix=${2:?install.sh: --prefix needs a folder}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --deps-only) deps_only=1; shift ;;
        --with-test-deps) packages+=("${test_packages[@]}"); shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option '$1' (see ./install.sh --help)" >&2; exit 2 ;;
    esac
done

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        echo "install.sh: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "install.sh: missing Debian packages; run this, then install.sh again:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
[[ $deps_only -eq 0 ]] || exit 0

if ! command -v swift >/dev/null; then
    echo "install.sh: swift not found on PATH; install the Swift 6 toolchain from swift.org first" >&2
    exit 1
fi

cd "$(dirname "$0")"
echo "install.sh: building in release mode" >&2
build_log=$(mktemp "${TMPDIR:-/tmp}/upx-build.XXXXXX.log")
if ! swift build -c release --static-swift-stdlib >"$build_log" 2>&1; then
    grep -E 'error' "$build_log" >&2 || cat "$build_log" >&2
    echo "install.sh: build failed; the full log is $build_log" >&2
    exit 1
fi
rm -f "$build_log"
binaries=$(swift build -c release --static-swift-stdlib --show-bin-path)
for tool in upx-totp upx-login upx-jwt upx-perm; do
    [[ -x $binaries/$tool ]] || { echo "install.sh: build failed: $tool is missing" >&2; exit 1; }
done

install -d "$prefix/bin"
install -m 0755 "$binaries"/upx-totp "$binaries"/upx-login "$binaries"/upx-jwt "$binaries"/upx-perm "$prefix/bin/"
echo "install.sh: installed upx-totp, upx-login, upx-jwt and upx-perm in $prefix/bin" >&2

# bash-completion and fish load a command's completions on first use from a file named after
# it, so each tool gets a copy. zsh's compinit finds _upx by its #compdef line.
share=$prefix/share
install -d "$share/bash-completion/completions" "$share/zsh/site-functions" "$share/fish/vendor_completions.d"
for tool in upx-totp upx-login upx-jwt upx-perm; do
    install -m 0644 completions/upx.bash "$share/bash-completion/completions/$tool"
    install -m 0644 completions/upx.fish "$share/fish/vendor_completions.d/$tool.fish"
done
install -m 0644 completions/_upx "$share/zsh/site-functions/_upx"
echo "install.sh: installed bash, zsh and fish completions in $share" >&2
if command -v zsh >/dev/null && ! zsh -fc '(( ${fpath[(Ie)$1]} ))' zsh "$share/zsh/site-functions"; then
    echo "install.sh: for zsh, add 'fpath=($share/zsh/site-functions \$fpath)' to ~/.zshrc before compinit" >&2
fi
# fish 3.6 reads vendor_completions.d below ~/.local/share and each XDG_DATA_DIRS folder (/usr/share if unset).
case ":${XDG_DATA_DIRS:-/usr/share}:$HOME/.local/share:" in
    *":$share:"*) ;;
    *) echo "install.sh: for fish, add 'set -p fish_complete_path $share/fish/vendor_completions.d' to config.fish" >&2 ;;
esac
case ":$PATH:" in
    *":$prefix/bin:"*) ;;
    *) echo "install.sh: add $prefix/bin to PATH, e.g. export PATH=\"$prefix/bin:\$PATH\"" >&2 ;;
esac
