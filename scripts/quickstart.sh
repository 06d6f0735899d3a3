#!/usr/bin/env bash
# The README's "run" command: installs what is missing, builds partnerd and
# runs it as a living platform on demo data: `partnerd serve --demo` fills
# demo/partnerd-demo.db with the red-2019 population (17,000 creators, their
# posts of the last 60 days), both preset policies (red-2019-v2 in force from
# today) and one account per role, then prints the URL and the logins.
# Running it again serves the same demo database. Extra arguments go to
# `partnerd serve` (e.g. --listen 0.0.0.0:8080 to reach it from elsewhere).
#
# Each step that fails says what failed, where its log is and what to do.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# fail WHAT TODO [LOG]: the step WHAT failed; the end of LOG, then TODO.
fail() {
    echo "quickstart: FAILED: $1" >&2
    if [ -n "${3:-}" ] && [ -s "$3" ]; then
        echo "quickstart: the end of $3:" >&2
        tail -n 25 "$3" | sed 's/^/    /' >&2
    fi
    echo "quickstart: what to do: $2" >&2
    exit 1
}

scripts/deps.sh build ||
    fail "installing the Debian packages partnerd needs (scripts/deps.sh build)" \
        "run this as root on Debian 12 with a working package source (apt-get update must succeed), or install the packages it named yourself, then run scripts/quickstart.sh again"

log=build-quickstart.log
# A build directory without build.ninja is what an interrupted or failed
# setup leaves: meson would refuse it, so it is made again.
if [ ! -f build/build.ninja ]; then
    rm -rf build
    echo "quickstart: configuring the build (meson setup build)" >&2
    meson setup build --buildtype=release >"$log" 2>&1 ||
        fail "configuring the build (meson setup build)" \
            "read the error above; a missing library means scripts/deps.sh build did not install it: install it with apt-get and run scripts/quickstart.sh again" \
            "$log"
fi
echo "quickstart: building (ninja -C build)" >&2
ninja -C build >"$log" 2>&1 ||
    fail "building partnerd (ninja -C build)" \
        "read the compiler's error above; if the build directory is from an older checkout, remove it (rm -rf build) and run scripts/quickstart.sh again" \
        "$log"

mkdir -p demo || fail "making the folder demo/ for the demo database" "check that this clone is writable"
exec build/partnerd serve --demo --db demo/partnerd-demo.db "$@"
