#!/usr/bin/env bash
# user_e2e.sh - `partnerd user add|list|disable|enable` end to end on a
# scratch database: the accounts it lists, the password policy, duplicates,
# unknown names, usage errors with their exit status, that no password is
# stored or echoed in clear, and (when python3 is installed) the terminal
# prompt with echo off, driven through a pseudo-terminal.
#
#   bash tests/cli/user_e2e.sh PATH/TO/partnerd
#
# Hashes are made at the 'min' cost so the script stays fast; one account is
# made at the default cost to check what it writes.
set -u

. "$(dirname "$0")/lib.sh"
pd_test_init user_e2e "$@"

DB=$T/users.db
PW='correct horse battery staple'

# add NAME ROLE [ARGS...]: adds a user with $PW from stdin, at the min cost.
add() {
    local name=$1 role=$2
    shift 2
    printf '%s\n' "$PW" | "$PD" user add --db "$DB" --name "$name" --role "$role" \
        --password-stdin --password-cost min "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
}

# ---- help and usage ---------------------------------------------------------
run user --help
expect_rc "user --help" 0
expect_grep "help names the actions" "$T/stdout" "partnerd user add --db FILE"
run user
expect_rc "user without an action" 2
run user frobnicate --db "$DB"
expect_rc "unknown action" 2
expect_grep "unknown action named" "$T/stderr" "unknown action 'frobnicate'"
run user list
expect_rc "list without --db" 2
expect_grep "list without --db says so" "$T/stderr" "--db FILE is required"
run user add --db "$DB" --role operator </dev/null
expect_rc "add without --name" 2
run user add --db "$DB" --name x </dev/null
expect_rc "add without --role" 2
run user add --db "$DB" --name x --role admin </dev/null
expect_rc "add with an unknown role" 2
expect_grep "unknown role named" "$T/stderr" "--role 'admin': expected operator, brand, creator or mcn"
run user add --db "$DB" --name x --role brand </dev/null
expect_rc "brand without --brand" 2
expect_grep "brand needs --brand" "$T/stderr" "role brand needs --brand ID"
run user add --db "$DB" --name x --role operator --brand 1 </dev/null
expect_rc "operator with --brand" 2
expect_grep "operator takes no link" "$T/stderr" "role operator takes no --brand"
run user add --db "$DB" --name x --role creator --creator 12a </dev/null
expect_rc "creator id not a number" 2
run user add --db "$DB" --name 'two words' --role operator </dev/null
expect_rc "name with a space" 2
run user add --db "$DB" --name x --role operator --password-cost cheap </dev/null
expect_rc "unknown cost" 2
run user add --db "$DB" --name x --role operator --bogus </dev/null
expect_rc "unknown option" 2
[ ! -e "$DB" ] && pass || fail "usage errors created the database"

# ---- the password policy ------------------------------------------------------
printf 'short\n' | "$PD" user add --db "$DB" --name x --role operator --password-stdin \
    >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "short password" 1
expect_text "short password message" "$T/stderr" \
    "partnerd user add: password is too short: 5 bytes, at least 8 are needed"
printf '          \n' | "$PD" user add --db "$DB" --name x --role operator \
    >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "blank password" 1
expect_grep "blank password message" "$T/stderr" "password is only whitespace"
printf 'abc\377defgh\n' | "$PD" user add --db "$DB" --name x --role operator \
    >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "password not UTF-8" 1
expect_grep "not UTF-8 message" "$T/stderr" "password is not valid UTF-8 (at byte 4)"
head -c 2000 /dev/zero | tr '\0' 'a' | "$PD" user add --db "$DB" --name x --role operator \
    >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "password too long" 1
expect_grep "too long message" "$T/stderr" "password is too long"
"$PD" user add --db "$DB" --name x --role operator </dev/null >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "no password at all" 1
expect_grep "no password message" "$T/stderr" "no password on standard input"
[ ! -e "$DB" ] && pass || fail "refused passwords created the database"

# ---- adding and listing ------------------------------------------------------
add ops operator
expect_rc "add an operator" 0
expect_grep "add says what it did" "$T/stdout" "user ops added: id"
expect_grep "min cost warns" "$T/stderr" "for tests only"
[ -s "$DB" ] && pass || fail "add did not create the database"

# A password ending in CRLF (a file from Windows) loses the CR.
printf '%s\r\n' "$PW" | "$PD" user add --db "$DB" --name Ops2 --role operator \
    --password-cost min >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "password with CRLF" 0

# The default cost, once.
printf '%s\n' "$PW" | "$PD" user add --db "$DB" --name slowops --role operator \
    >"$T/stdout" 2>"$T/stderr"
rc=$?
expect_rc "add at the default cost" 0
expect_empty "no warning at the default cost" "$T/stderr"

add ops operator
expect_rc "the same name again" 7
add nobrand brand --brand 999999
expect_rc "a brand that does not exist" 1

run user list --db "$DB"
expect_rc "list" 0
expect_line "list header" "$T/stdout" \
    "$(printf '%-6s %-24s %-9s %-16s %-9s %s' ID NAME ROLE 'BELONGS TO' STATUS CREATED)"
[ "$(wc -l <"$T/stdout")" -eq 4 ] && pass || fail "list: expected a header and 3 users"
grep -E '^[0-9]+ +ops +operator +- +active +20[0-9]{2}-[0-9]{2}-[0-9]{2}T' "$T/stdout" >/dev/null &&
    pass || fail "list: no active operator ops: $(cat "$T/stdout")"
run user list --db "$DB" --name ops
expect_rc "list with --name" 2

# No password in clear anywhere in the database, and Argon2id hashes.
if grep -qaF "$PW" "$DB" "$DB-wal" 2>/dev/null; then
    fail "the password is stored in clear"
else
    pass
fi
strings "$DB" "$DB-wal" 2>/dev/null | grep -q '\$argon2id\$v=19\$m=65536,t=2,p=1\$' &&
    pass || fail "no default-cost Argon2id hash in the database"

# ---- accounts that belong to something ---------------------------------------
# No command makes brands yet, so sqlite3 (when installed) puts one brand, one
# MCN and one creator into the database for the links to point at.
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$DB" "INSERT INTO brands (id, name, created_at) VALUES (5, 'Acme', 0);
                   INSERT INTO mcns (id, name, created_at) VALUES (8, 'Star MCN', 0);
                   INSERT INTO creators (id, handle, category, followers, created_at, updated_at)
                   VALUES (42, 'alice', 'beauty', 12000, 0, 0);" 2>"$T/stderr" &&
        pass || fail "sqlite3 could not add a brand, an MCN and a creator: $(cat "$T/stderr")"
    add acme-staff brand --brand 5
    expect_rc "add brand staff" 0
    add alice creator --creator 42
    expect_rc "add a creator" 0
    add star-manager mcn --mcn 8
    expect_rc "add an MCN manager" 0
    add ghost creator --creator 43
    expect_rc "a creator that does not exist" 1
    add ghost mcn --mcn 9
    expect_rc "an MCN that does not exist" 1
    run user list --db "$DB"
    expect_rc "list with links" 0
    grep -E '^[0-9]+ +acme-staff +brand +brand 5 +active ' "$T/stdout" >/dev/null &&
        pass || fail "list: no brand staff: $(cat "$T/stdout")"
    grep -E '^[0-9]+ +alice +creator +creator 42 +active ' "$T/stdout" >/dev/null &&
        pass || fail "list: no creator: $(cat "$T/stdout")"
    grep -E '^[0-9]+ +star-manager +mcn +mcn 8 +active ' "$T/stdout" >/dev/null &&
        pass || fail "list: no MCN manager: $(cat "$T/stdout")"
    [ "$(wc -l <"$T/stdout")" -eq 7 ] && pass || fail "list: expected a header and 6 users"
fi

# ---- disable and enable ------------------------------------------------------
run user disable --db "$DB" --name ops
expect_rc "disable" 0
expect_text "disable says so" "$T/stdout" "user ops disabled"
run user list --db "$DB"
grep -E '^[0-9]+ +ops +operator +- +disabled ' "$T/stdout" >/dev/null &&
    pass || fail "list after disable: $(cat "$T/stdout")"
run user enable --db "$DB" --name ops
expect_rc "enable" 0
expect_text "enable says so" "$T/stdout" "user ops enabled"
run user list --db "$DB"
grep -E '^[0-9]+ +ops +operator +- +active ' "$T/stdout" >/dev/null &&
    pass || fail "list after enable: $(cat "$T/stdout")"
run user disable --db "$DB" --name nobody
expect_rc "disable an unknown user" 6
run user disable --db "$DB"
expect_rc "disable without --name" 2
run user enable --db "$DB" --name ops --role operator
expect_rc "enable with --role" 2
run user list --db "$T/missing.db"
[ "$rc" -ne 0 ] && pass || fail "list on a missing database succeeded"
[ ! -e "$T/missing.db" ] && pass || fail "list created a database"

# ---- the terminal prompt -----------------------------------------------------
# A pseudo-terminal answers each prompt when it appears; what the terminal
# shows must not include the password.
if command -v python3 >/dev/null 2>&1; then
    cat >"$T/drive_tty.py" <<'EOF'
import os, pty, signal, sys
signal.alarm(30)  # a prompt that never comes must not hang the suite
answers = sys.argv[1:3]
argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen = b""
def read_until(marker):
    global seen
    while marker not in seen:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            return False
        if not chunk:
            return False
        seen += chunk
    return True
for prompt, answer in ((b"Password for", answers[0]), (b"Again: ", answers[1])):
    if not read_until(prompt):
        break
    os.write(fd, answer.encode() + b"\n")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
    python3 "$T/drive_tty.py" "$PW" "$PW" "$PD" user add --db "$DB" --name ttyuser \
        --role operator --password-cost min >"$T/stdout" 2>"$T/stderr"
    rc=$?
    expect_rc "add on a terminal" 0
    expect_grep "terminal prompt" "$T/stdout" "Password for ttyuser: "
    expect_grep "terminal asks again" "$T/stdout" "Again: "
    expect_grep "terminal add done" "$T/stdout" "user ttyuser added"
    if grep -qF "$PW" "$T/stdout"; then fail "the terminal echoed the password"; else pass; fi

    python3 "$T/drive_tty.py" "$PW" "$PW-typo" "$PD" user add --db "$DB" --name ttyuser2 \
        --role operator --password-cost min >"$T/stdout" 2>"$T/stderr"
    rc=$?
    expect_rc "terminal passwords differ" 1
    expect_grep "differ message" "$T/stdout" "the two passwords differ"

    # A password the policy refuses is refused before asking again.
    python3 "$T/drive_tty.py" "short" "short" "$PD" user add --db "$DB" --name ttyuser3 \
        --role operator --password-cost min >"$T/stdout" 2>"$T/stderr"
    rc=$?
    expect_rc "terminal short password" 1
    expect_grep "short on a terminal" "$T/stdout" "password is too short"
    if grep -qF "Again: " "$T/stdout"; then fail "asked again after a refused password"; else pass; fi
    run user list --db "$DB"
    [ "$(grep -c ttyuser "$T/stdout")" -eq 1 ] && pass ||
        fail "expected exactly one tty user: $(cat "$T/stdout")"
fi

pd_test_finish
