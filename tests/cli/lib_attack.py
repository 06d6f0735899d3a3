# lib_attack.py - raw-socket clients for attack_e2e.sh: what a hostile or
# broken client does to `partnerd serve` below what curl lets one do
# (requests framed two ways, heads that trickle in, sockets that never
# speak, bodies sent a few bytes a second), and the measurements the test
# asserts on. Imported by the script's python3 heredocs:
#
#   import sys; sys.path.insert(0, TESTS_CLI); from lib_attack import *
#
# Addresses: Linux routes all of 127.0.0.0/8 to the loopback, so a client
# bound to 127.0.0.2 (or 127.0.1.x) is another address to the server.

import json
import resource
import socket
import threading
import time


def raise_nofile():
    """Lets this process open as many sockets as its hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def connect(port, source="127.0.0.1", timeout=5.0):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def read_all(s, timeout):
    """Everything the server sends until it closes, or until timeout.
    Returns (bytes, how it ended: 'eof', 'reset' or 'timeout', seconds)."""
    s.settimeout(timeout)
    t0 = time.time()
    data = b""
    end = "eof"
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        end = "timeout"
    except (ConnectionResetError, BrokenPipeError):
        end = "reset"
    return data, end, time.time() - t0


def exchange(port, raw, timeout=5.0, source="127.0.0.1"):
    """Sends raw bytes on a new connection and reads until it closes.
    Returns (answers, end, seconds), answers as parse_answers gives."""
    s = connect(port, source, timeout)
    t0 = time.time()
    try:
        s.sendall(raw)
    except (ConnectionResetError, BrokenPipeError):
        pass
    data, end, _ = read_all(s, timeout)
    s.close()
    return parse_answers(data), end, time.time() - t0


def parse_answers(data):
    """HTTP/1.1 answers one after the other: a list of
    (status, {lower-case header: value}, body bytes)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            out.append((None, {}, data))
            break
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


def json_error_code(body):
    """The error code of a JSON error body, or None when it is not one."""
    try:
        doc = json.loads(body)
        return doc["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def healthz_latency(port, source="127.0.0.2", timeout=10.0):
    """Seconds for a new client to get /healthz answered 200 (None when
    it was not)."""
    t0 = time.time()
    try:
        answers, _, _ = exchange(
            port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            timeout, source)
    except OSError:
        return None
    if not answers or answers[0][0] != 200:
        return None
    return time.time() - t0


def open_many(port, n, source="127.0.0.1", first=b""):
    """Opens n connections at once (non-blocking connects, as a flood
    does), then sends `first` on each that took it. Returns the sockets
    (non-blocking)."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((source, 0))
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    deadline = time.time() + 10
    pending = list(socks)
    while pending and time.time() < deadline:
        still = []
        for s in pending:
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                continue
            try:
                s.getpeername()
            except OSError:
                still.append(s)
                continue
        pending = still
        if pending:
            time.sleep(0.05)
    if first:
        for s in socks:
            try:
                s.send(first)
            except OSError:
                pass
    return socks


def poll_closed(s):
    """What a non-blocking socket holds now: 'open' (nothing to read),
    'closed' (the server ended it), or the bytes it sent."""
    try:
        data = s.recv(65536)
    except BlockingIOError:
        return "open"
    except OSError:
        return "closed"
    return data if data else "closed"


def vm_kib(pid, field):
    """VmRSS or VmHWM of a process, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def in_parallel(n, fn):
    """Runs fn(0) .. fn(n - 1) on n threads at once; their results in order
    (an OSError raised becomes its text)."""
    results = [None] * n

    def run(i):
        try:
            results[i] = fn(i)
        except OSError as e:
            results[i] = str(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def post_body(port, source, head, body, timeout, pace=0.0):
    """Sends head and body on a new connection from source (the body in
    64 KiB pieces, pace seconds apart; sending stops quietly if the server
    closed), then reads the answer: its status, or how the connection
    ended."""
    s = connect(port, source, timeout)
    try:
        s.sendall(head)
        for k in range(0, len(body), 65536):
            s.sendall(body[k:k + 65536])
            if pace:
                time.sleep(pace)
    except OSError:
        pass
    data, end, _ = read_all(s, timeout)
    s.close()
    answers = parse_answers(data)
    return answers[0][0] if answers else end
