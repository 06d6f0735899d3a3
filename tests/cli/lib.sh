# lib.sh - the harness the end-to-end scripts share. Sourced, not run:
#
#   . "$(dirname "$0")/lib.sh"
#   pd_test_init NAME "$@"      # checks the one argument (the partnerd binary)
#   ... checks ...
#   pd_test_finish
#
# pd_test_init sets PD (the binary, as an absolute path), T (a fresh scratch
# directory under $PD_TEST_TMP, default /tmp) and D ($T/data). pd_test_finish
# runs pd_test_finish_hook when a sourced library defines one, then prints
# the verdict and exits 0 when every check passed (removing $T unless
# KEEP=1 is set), 1 otherwise (keeping $T and naming it).

pd_test_init() {
    pd_test_name=$1
    shift
    if [ $# -ne 1 ] || [ ! -x "$1" ]; then
        echo "usage: $0 PATH/TO/partnerd" >&2
        exit 2
    fi
    PD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    local root=${PD_TEST_TMP:-${TMPDIR:-/tmp}}
    mkdir -p "$root" || exit 1
    T=$(mktemp -d "$root/$pd_test_name.XXXXXX") || exit 1
    D=$T/data
    mkdir -p "$D"
    checks=0
    fails=0
}

pd_test_finish() {
    # checks that look back over the whole test (lib_http.sh: the answers)
    ! declare -F pd_test_finish_hook >/dev/null || pd_test_finish_hook
    if [ "$fails" -ne 0 ]; then
        echo "$pd_test_name: $fails failed, $checks passed; files kept in $T"
        exit 1
    fi
    echo "$pd_test_name: all $checks checks passed"
    [ -n "${KEEP:-}" ] || rm -rf "$T"
    exit 0
}

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
pass() { checks=$((checks + 1)); }

# run ARGS...: runs partnerd; stdout in $T/stdout, stderr in $T/stderr, status in $rc.
run() {
    "$PD" "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
}

# expect_rc NAME WANT: checks $rc (shows stderr when it differs).
expect_rc() {
    if [ "$rc" -ne "$2" ]; then
        fail "$1: exit status $rc, expected $2"
        sed 's/^/    stderr: /' "$T/stderr" | head -n 20
        return 1
    fi
    pass
}

# expect_same NAME EXPECTED_FILE ACTUAL_FILE: byte-for-byte comparison.
expect_same() {
    if ! cmp -s "$2" "$3"; then
        fail "$1: output differs from the expected (diff expected actual):"
        diff -u "$2" "$3" | head -n 40 | sed 's/^/    /'
        return 1
    fi
    pass
}

# expect_text NAME FILE TEXT: FILE holds exactly TEXT (plus a final newline).
expect_text() {
    printf '%s\n' "$3" >"$T/want_text"
    expect_same "$1" "$T/want_text" "$2"
}

# expect_empty NAME FILE
expect_empty() {
    if [ -s "$2" ]; then
        fail "$1: expected $(basename "$2") to be empty, it holds:"
        head -n 10 "$2" | sed 's/^/    /'
        return 1
    fi
    pass
}

# expect_grep NAME FILE FIXED_STRING: FILE contains the string somewhere.
expect_grep() {
    if ! grep -qF -- "$3" "$2"; then
        fail "$1: '$3' not found in $(basename "$2"):"
        head -n 20 "$2" | sed 's/^/    /'
        return 1
    fi
    pass
}

# expect_line NAME FILE LINE: FILE has LINE as one whole line.
expect_line() {
    if ! grep -qxF -- "$3" "$2"; then
        fail "$1: no line '$3' in $(basename "$2"):"
        head -n 40 "$2" | sed 's/^/    /'
        return 1
    fi
    pass
}
