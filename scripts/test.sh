#!/usr/bin/env bash
# The README's "test" command: installs what is missing, builds partnerd
# twice (release with warnings as errors, and debug under AddressSanitizer +
# UndefinedBehaviorSanitizer), runs every test in both, builds the fuzz
# targets with clang and runs each for a bounded time. Ends with one line:
# "N passed, N failed".
#   FUZZ_SECONDS  seconds per fuzz target (default 20; 0 skips fuzzing)
#
# Every step that fails is counted as failed, says what failed and what to
# do, and the run goes on as far as it can: the last line is always the
# count.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
skipped=0
failures=()

# step_failed WHAT TODO [LOG]: counts the step WHAT as failed and says why
# (the end of LOG) and what to do.
step_failed() {
    failed=$((failed + 1))
    failures+=("$1")
    echo "test: FAILED: $1" >&2
    if [ -n "${3:-}" ] && [ -s "$3" ]; then
        echo "test: the end of $3:" >&2
        tail -n 30 "$3" | sed 's/^/    /' >&2
    fi
    echo "test: what to do: $2" >&2
}

# The last lines: each failure, then "N passed, N failed".
finish() {
    echo
    for f in "${failures[@]}"; do
        echo "FAILED: $f"
    done
    if [ "$skipped" -gt 0 ]; then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    [ "$failed" -eq 0 ]
    exit
}

if ! scripts/deps.sh test; then
    step_failed "setup: installing the Debian packages the tests need (scripts/deps.sh test)" \
        "run this as root on Debian 12 with a working package source (apt-get update must succeed), or install the packages it named yourself, then run scripts/test.sh again"
    finish
fi
# Node tools of the tests (the OpenAPI validator, playwright-core), pinned
# by the lockfile. Without them the browser and OpenAPI tests fail, each
# saying so; the rest still runs.
if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules ]; then
    if ! (cd tests/node && npm ci --no-audit --no-fund) >build-npm.log 2>&1; then
        rm -rf tests/node/node_modules
        step_failed "setup: installing the tests' Node packages (npm ci in tests/node)" \
            "check that this machine reaches the npm registry (npm ping) and that node is 18 or newer (node --version), then run scripts/test.sh again" \
            build-npm.log
    fi
fi

# Counts a Meson build's results from its test log.
count_meson() {
    local dir=$1 label=$2
    local log="$dir/meson-logs/testlog.json"
    if [ ! -f "$log" ]; then
        failed=$((failed + 1))
        failures+=("$label: no test log (build failed?)")
        return
    fi
    local counts
    counts=$(python3 - "$log" "$label" <<'PY'
import json, sys
p = f = s = 0
bad = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    t = json.loads(line)
    r = t.get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
        bad.append(f"{sys.argv[2]}: {t.get('name')} ({r})")
print(p, f, s)
for b in bad:
    print(b)
PY
)
    local first
    first=$(head -n 1 <<<"$counts")
    read -r p f s <<<"$first"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    while IFS= read -r line; do
        [ -n "$line" ] && failures+=("$line")
    done < <(tail -n +2 <<<"$counts")
}

# run_build DIR LABEL [MESON OPTIONS...]: configures DIR (warnings as
# errors, unit tests required, and the options given: a build made before,
# by scripts/quickstart.sh say, is brought to the same options), builds it
# and runs its tests.
run_build() {
    local dir=$1 label=$2
    shift 2
    local opts=(-Dwerror=true -Dtests=enabled "$@")
    if [ -f "$dir/build.ninja" ] && meson configure "$dir" "${opts[@]}" >"$dir.setup.log" 2>&1; then
        :
    else
        rm -rf "$dir"
        if ! meson setup "$dir" "${opts[@]}" >"$dir.setup.log" 2>&1; then
            step_failed "$label: configuring the build (meson setup $dir)" \
                "a missing dependency means scripts/deps.sh test did not install it: install it with apt-get and run scripts/test.sh again" \
                "$dir.setup.log"
            return
        fi
    fi
    if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
        step_failed "$label: building (ninja -C $dir)" \
            "fix the compiler error above (warnings are errors here), then run scripts/test.sh again" \
            "$dir.ninja.log"
        return
    fi
    rm -f "$dir/meson-logs/testlog.json"
    meson test -C "$dir" --print-errorlogs --num-processes 2 || true
    count_meson "$dir" "$label"
}

echo "== release build, warnings as errors =="
run_build build "release"
echo "== debug build under AddressSanitizer + UndefinedBehaviorSanitizer =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_build build-asan "asan+ubsan" -Dbuildtype=debug -Db_sanitize=address,undefined

if [ "$fuzz_seconds" != 0 ]; then
    echo "== fuzzing, ${fuzz_seconds}s per target =="
    fuzz_ok=1
    if [ ! -f build-fuzz/build.ninja ]; then
        rm -rf build-fuzz
        if ! CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled -Dbuildtype=debug \
            -Db_sanitize=address,undefined -Db_lundef=false >build-fuzz.setup.log 2>&1; then
            step_failed "fuzz: configuring the fuzz build (meson setup build-fuzz, clang)" \
                "install clang and libclang-rt-14-dev (scripts/deps.sh test does), then run scripts/test.sh again" \
                build-fuzz.setup.log
            fuzz_ok=0
        fi
    fi
    if [ "$fuzz_ok" = 1 ] && ! ninja -C build-fuzz >build-fuzz.ninja.log 2>&1; then
        step_failed "fuzz: building the fuzz targets (ninja -C build-fuzz)" \
            "fix the error above, then run scripts/test.sh again" build-fuzz.ninja.log
        fuzz_ok=0
    fi
    if [ "$fuzz_ok" = 1 ]; then
        while read -r status name; do
            case "$status" in
            ok) passed=$((passed + 1)) ;;
            *) failed=$((failed + 1)); failures+=("fuzz: $name") ;;
            esac
        done < <(bash tests/fuzz/run.sh "$PWD/build-fuzz" "$fuzz_seconds" | awk '$1=="fuzz:" {print $2, $3}')
    fi
fi

finish
