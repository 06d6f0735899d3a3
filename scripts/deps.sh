#!/usr/bin/env bash
# Installs what partnerd needs from Debian's packages, skipping what is
# already there. Run as root on Debian 12. Usage: scripts/deps.sh [build|test]
#   build: compiler, Meson, the libraries (enough to build and run)
#   test:  build + what the tests and fuzzers use (cmocka, sqlite3, clang, clang-format,
#          chromium and a CJK font for the browser tests)
set -euo pipefail

want=${1:-build}
build_pkgs=(gcc libc6-dev meson ninja-build pkg-config libjansson-dev libsqlite3-dev
            libmicrohttpd-dev libsodium-dev)
test_pkgs=(libcmocka-dev sqlite3 clang clang-format libclang-rt-14-dev python3 curl chromium
           fonts-wqy-microhei) # a CJK font (5 MB; fonts-noto-cjk is 90): handles in Chinese

pkgs=("${build_pkgs[@]}")
if [ "$want" = test ]; then
    pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
# Node and npm for the tests' validator, from Debian unless a node is there.
if [ "$want" = test ] && ! command -v npm >/dev/null 2>&1; then
    for p in nodejs npm; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "partnerd: missing Debian packages: ${missing[*]}" >&2
    echo "partnerd: run this script as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "partnerd: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
