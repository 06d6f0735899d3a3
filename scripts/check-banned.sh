#!/usr/bin/env bash
# Fails (exit 1) when a C file under src/ or tests/ calls a banned function,
# listing each call as file:line: name. Like curl's checksrc: these functions
# either write past a buffer they cannot see the size of (strcpy, strcat,
# sprintf, vsprintf, gets, strncpy, which also leaves the copy unterminated),
# turn bad numbers into 0 without saying so (atoi, atol, atoll), keep hidden
# state that threads share (strtok, rand, srand, asctime, ctime, gmtime,
# localtime, tmpnam), race on a file name (tmpnam, mktemp) or grow the stack
# without a bound (alloca).
#
# What to use instead: snprintf or a pd_buf (util/buf.h), memcpy with a
# length checked first, pd_parse_* in util/num.h or strtol/strtoul with an
# end pointer and errno, strtok_r, randombytes_buf (libsodium) or core/rng.h
# for a seeded sequence, gmtime_r/localtime_r, mkstemp/mkdtemp, a heap
# allocation with a ceiling.
#
# Comments and string literals are skipped, so a comment may name a banned
# function; so are node_modules and hidden directories (not our code). A
# member or a function of ours whose name only ends like one (pd_strcpy,
# s.rand) is not a call to it.
#   usage: scripts/check-banned.sh [DIR...]   (default: src tests)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

dirs=("$@")
[ ${#dirs[@]} -eq 0 ] && dirs=(src tests)

python3 - "${dirs[@]}" <<'PY'
import os, re, sys

BANNED = ["strcpy", "strcat", "sprintf", "vsprintf", "gets", "atoi", "atol",
          "atoll", "strtok", "rand", "srand", "strncpy", "tmpnam", "mktemp",
          "asctime", "ctime", "gmtime", "localtime", "alloca"]
call = re.compile(r"(?<![\w.>$])(" + "|".join(BANNED) + r")\s*\(")

def blank_comments_and_strings(text):
    """Replaces comments and string/char literals by spaces, keeping lines."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)

found = 0
for top in sys.argv[1:]:
    for root, dirs, files in os.walk(top):
        # installed third-party code (tests/node/node_modules) is not ours
        dirs[:] = sorted(d for d in dirs if d != "node_modules" and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = blank_comments_and_strings(f.read())
            for lineno, line in enumerate(text.split("\n"), 1):
                for m in call.finditer(line):
                    print(f"{path}:{lineno}: {m.group(1)}")
                    found += 1
if found:
    print(f"check-banned: {found} call(s) of banned functions; see the top of "
          "scripts/check-banned.sh for what to use instead", file=sys.stderr)
    sys.exit(1)
print("check-banned: no banned function in " + " ".join(sys.argv[1:]))
PY
