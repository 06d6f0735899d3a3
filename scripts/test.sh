#!/usr/bin/env bash
# The README's "test" command: installs what is missing, builds partnerd
# twice (release with warnings as errors, and debug under AddressSanitizer +
# UndefinedBehaviorSanitizer), runs every test in both, builds the fuzz
# targets with clang and runs each for a bounded time. Ends with one line:
# "N passed, N failed".
#   FUZZ_SECONDS  seconds per fuzz target (default 20; 0 skips fuzzing)
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh test || exit 1
# Node tools of the tests (the OpenAPI validator), pinned by the lockfile.
if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules ]; then
    (cd tests/node && npm ci --silent --no-audit --no-fund) || exit 1
fi

fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
skipped=0
failures=()

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

run_build() {
    local dir=$1 label=$2
    shift 2
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dwerror=true "$@" >/dev/null || {
            failed=$((failed + 1)); failures+=("$label: meson setup failed"); return; }
    fi
    if ! ninja -C "$dir" >"$dir.ninja.log" 2>&1; then
        cat "$dir.ninja.log" >&2
        failed=$((failed + 1))
        failures+=("$label: build failed")
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
    if [ ! -f build-fuzz/build.ninja ]; then
        CC=clang meson setup build-fuzz -Dfuzz=true -Dbuildtype=debug \
            -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
    fi
    if ninja -C build-fuzz >build-fuzz.ninja.log 2>&1; then
        while read -r status name; do
            case "$status" in
            ok) passed=$((passed + 1)) ;;
            *) failed=$((failed + 1)); failures+=("fuzz: $name") ;;
            esac
        done < <(bash tests/fuzz/run.sh "$PWD/build-fuzz" "$fuzz_seconds" | awk '$1=="fuzz:" {print $2, $3}')
    else
        cat build-fuzz.ninja.log >&2
        failed=$((failed + 1))
        failures+=("fuzz: build failed")
    fi
fi

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
