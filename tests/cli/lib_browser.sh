# lib_browser.sh - for end-to-end tests with a browser half (pages_e2e.sh,
# simulator_e2e.sh), sourced after lib.sh:
#
#   browser_ready                      # chromium, node, playwright-core, sqlite3
#   VAR=... browser_test SCRIPT URL SHOTS NAME...
#
# browser_ready fails (never skips) for each tool missing and ends the test
# when one is. browser_test runs tests/browser/SCRIPT against URL with its
# screenshots in SHOTS (emptied first), shows what it printed, and checks
# that SHOTS/NAME.png was written for each NAME.

browser_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

browser_ready() {
    local ready=1
    [ -x /usr/bin/chromium ] || { fail "/usr/bin/chromium missing (scripts/deps.sh test installs it)"; ready=0; }
    command -v node >/dev/null || { fail "node missing (scripts/deps.sh test installs it)"; ready=0; }
    [ -f "$browser_here/../node/node_modules/playwright-core/package.json" ] ||
        { fail "playwright-core missing: run (cd tests/node && npm ci), as scripts/test.sh does"; ready=0; }
    command -v sqlite3 >/dev/null || { fail "sqlite3 missing (scripts/deps.sh test)"; ready=0; }
    [ "$ready" = 1 ] || pd_test_finish
}

browser_test() {
    local script=$1 url=$2 shots=$3 s
    shift 3
    rm -rf "$shots"
    if node "$browser_here/../browser/$script" "$url" "$shots" >"$T/browser.out" 2>&1; then
        pass
    else
        fail "the browser test $script failed:"
    fi
    sed 's/^/    /' "$T/browser.out"
    for s in "$@"; do
        [ -s "$shots/$s.png" ] && pass || fail "no screenshot $shots/$s.png"
    done
}
