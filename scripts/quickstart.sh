#!/usr/bin/env bash
# The README's "run" command: installs what is missing, builds partnerd and
# runs it as a living platform on demo data: `partnerd serve --demo` fills
# demo/partnerd-demo.db with the red-2019 population (17,000 creators, their
# posts of the last 60 days), both preset policies (red-2019-v2 in force from
# today) and one account per role, then prints the URL and the logins.
# Running it again serves the same demo database. Extra arguments go to
# `partnerd serve` (e.g. --listen 0.0.0.0:8080 to reach it from elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh build
if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null

mkdir -p demo
exec build/partnerd serve --demo --db demo/partnerd-demo.db "$@"
