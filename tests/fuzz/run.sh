#!/usr/bin/env bash
# run.sh - runs every libFuzzer target of a fuzz build for a bounded time.
#
#   bash tests/fuzz/run.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build configured with clang and -Dfuzz=true (see
# tests/fuzz/meson.build). Each target starts from a copy of its seed corpus
# (tests/fuzz/corpus/NAME) in a temporary directory, so that nothing is
# written into the source tree, and runs SECONDS seconds. One line per target:
#
#   fuzz: ok fuzz_csv (123456 runs in 30 s)
#   fuzz: FAILED fuzz_policy (exit 77, crash: /tmp/pd-fuzz.XXXX/fuzz_policy/crash-...)
#
# followed, for a failure, by the end of the fuzzer's log. The temporary
# directory is removed when every target passed and kept otherwise (it holds
# the crashing inputs). Exit status 0 when all passed, 1 otherwise, 2 on usage.
set -u

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pd-fuzz.XXXXXX") || exit 1

# UBSan reports are crashes here, not warnings.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

# target and the largest input it is given
targets=(
    "fuzz_csv 65536"
    "fuzz_policy 8192"
    "fuzz_instant 64"
    "fuzz_http 65536"
)

failed=0
for entry in "${targets[@]}"; do
    read -r name max_len <<<"$entry"
    exe=$build/tests/fuzz/$name
    if [ ! -x "$exe" ]; then
        echo "fuzz: FAILED $name (not built: $exe; configure with CC=clang -Dfuzz=true)"
        failed=1
        continue
    fi
    dir=$work/$name
    mkdir -p "$dir/corpus"
    if [ -d "$here/corpus/${name#fuzz_}" ]; then
        cp "$here/corpus/${name#fuzz_}"/* "$dir/corpus/" 2>/dev/null
    fi
    (
        cd "$dir" &&
            "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
                -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus"
    ) >"$dir/log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "fuzz: ok $name (${runs:-?} runs in $seconds s)"
    else
        artifact=$(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null | head -n 1)
        echo "fuzz: FAILED $name (exit $rc${artifact:+, crash: $artifact})"
        grep -v '^#[0-9]' "$dir/log" | tail -n 40 | sed 's/^/    /'
        failed=1
    fi
done

if [ $failed -ne 0 ]; then
    echo "    (logs and crashing inputs kept in $work)"
    exit 1
fi
rm -rf "$work"
exit 0
