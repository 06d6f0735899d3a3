#!/usr/bin/env python3
"""check-deps.py - the dependency rule of docs/internals/architecture.md.

Reads every #include "folder/file.h" under src/ and fails (exit 1, one line
per fault, file:line) when a folder includes one it may not: arrows point
down only. With a build directory it also reads the object files of the
project's static libraries (nm) and fails on a circle between two source
files, i.e. a.c calling something of b.c while b.c calls something of a.c,
however far round the circle is (within one folder or across folders).

    scripts/check-deps.py [--src DIR] [--build DIR]

(--src: another tree to read instead of src/, for the script's own test.)

The allowed includes of each folder are the table ALLOWED below; a new
folder must be added to it (an unknown folder is a fault), and a change to
it is a change to the architecture, made in the same commit as
architecture.md's picture.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")

# Each folder of src/ and the folders it may include (its own always).
# Read bottom up: util is a leaf, core is pure rules over util, batch
# (the streaming CSV engine) and store know no server, the server (http)
# knows no domain, app joins the storage to the rules, and the routes,
# pages and command line sit on top.
ALLOWED = {
    "util": set(),
    "core": {"util"},
    "batch": {"util", "core"},
    "auth": {"util", "core"},
    "store": {"util", "core"},
    "http": {"util"},
    "app": {"util", "core", "batch", "auth", "store"},
    "api": {"util", "core", "auth", "store", "app", "http"},
    "site": {"util", "core", "auth", "store", "app", "http", "api", "pages"},
    "pages": {"util", "core", "auth", "store", "app", "http", "api"},
    "cli": {"util", "core", "batch", "auth", "store", "app", "http", "api", "pages", "site"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"/]+)/([^"]+)"')


def include_faults(src):
    faults = []
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        if folder not in ALLOWED:
            faults.append(f"src/{folder}/: a folder the dependency rule does not know "
                          f"(add it to ALLOWED in scripts/check-deps.py and to "
                          f"docs/internals/architecture.md)")
            continue
        may = ALLOWED[folder] | {folder}
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            rel = f"src/{folder}/{name}"
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) not in may:
                        faults.append(f"{rel}:{no}: {folder}/ may not include "
                                      f"{m.group(1)}/{m.group(2)} ({folder}/ may include: "
                                      f"{', '.join(sorted(ALLOWED[folder])) or 'nothing of ours'})")
    return faults


def objects(build):
    """(source path, object path) of every object of our static libraries."""
    out = []
    for dirpath, _, files in os.walk(build):
        if not dirpath.endswith(".a.p"):
            continue
        for f in files:
            if f.endswith(".c.o") and f.startswith("src_"):
                out.append((f[:-2], os.path.join(dirpath, f)))
    return out


def symbols(obj):
    res = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True, text=True,
                         check=True)
    defined = {l.split()[-1] for l in res.stdout.splitlines() if l.strip()}
    res = subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True)
    undefined = {l.split()[-1] for l in res.stdout.splitlines() if l.strip()}
    return defined, undefined


def source_name(obj_name):
    # "src_store_sqlite.c" -> "src/store/sqlite.c" (folder names have no "_").
    parts = obj_name.split("_", 2)
    return f"{parts[0]}/{parts[1]}/{parts[2]}" if len(parts) == 3 else obj_name


def circle_faults(build):
    objs = objects(build)
    if not objs:
        return [f"{build}: no object files of src/ found (build it first: ninja -C {build})"]
    owner, uses = {}, {}
    seen = set()
    for name, path in objs:
        if name in seen:
            continue
        seen.add(name)
        d, u = symbols(path)
        for s in d:
            owner[s] = name
        uses[name] = u
    graph = {n: sorted({owner[s] for s in u if s in owner and owner[s] != n})
             for n, u in uses.items()}
    # Tarjan's strongly connected components, iteratively.
    index, low, on, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter[0]
                counter[0] += 1
                stack.append(v)
                on.add(v)
            succ = graph[v]
            if i < len(succ):
                work.append((v, i + 1))
                w = succ[i]
                if w not in index:
                    work.append((w, 0))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            for w in succ:
                if w in on:
                    low[v] = min(low[v], low[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    faults = []
    for comp in comps:
        names = [source_name(c) for c in comp]
        detail = []
        for a in comp:
            for b in graph[a]:
                if b in comp:
                    used = sorted(s for s in uses[a] if owner.get(s) == b)
                    detail.append(f"{source_name(a)} uses {source_name(b)} ({', '.join(used[:3])}"
                                  f"{', ...' if len(used) > 3 else ''})")
        faults.append("a circle between " + ", ".join(names) + ": " + "; ".join(detail))
    return faults


def main(argv):
    build, src = None, SRC
    args = argv[1:]
    while args:
        if len(args) >= 2 and args[0] in ("--build", "--src"):
            if args[0] == "--build":
                build = args[1]
            else:
                src = args[1]
            args = args[2:]
        else:
            print("usage: scripts/check-deps.py [--src DIR] [--build DIR]", file=sys.stderr)
            return 2
    faults = include_faults(src)
    if build:
        faults += circle_faults(build)
    for f in faults:
        print(f"check-deps: {f}")
    if faults:
        print(f"check-deps: {len(faults)} fault(s); the rule and the picture are in "
              f"docs/internals/architecture.md", file=sys.stderr)
        return 1
    print("check-deps: every include points down" + ("; no circle between source files"
                                                      if build else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
