"""Hostile clients against `zhsearch serve` (run by abuse.test).

Usage: abuse_check.py HOST PORT PID
Under valgrind or AddressSanitizer, whose quarantines of freed blocks grow
the process however flat the program's own memory is, the memory check is
left to their leak checks.
Sends thousands of malformed requests (random bytes in parameters, huge
values, invalid UTF-8, garbage request lines), holds hundreds of idle
connections, and checks that every answer has a proper status, that the
server keeps answering, and that its memory stays flat.
"""
import random
import socket
import sys
import time
import urllib.parse

HOST, PORT, PID = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"/proc/{PID}/maps") as f:
    maps = f.read()
CHECK_RSS = "libasan" not in maps and "vgpreload" not in maps
if not CHECK_RSS:
    print("note: under valgrind or ASan: RSS not checked (their leak "
          "checks stand in)")
rng = random.Random(7)
failures = []
statuses = {}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def rss_kb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raw(data, read=True, source="127.0.0.1"):
    """Sends raw bytes from address source; returns the status code, or
    None if the server closed without answering."""
    s = socket.create_connection((HOST, PORT), timeout=10,
                                 source_address=(source, 0))
    try:
        s.sendall(data)
        if not read:
            return None
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        if not buf:
            return None
        line = buf.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        check(len(parts) >= 2 and parts[0] in (b"HTTP/1.1", b"HTTP/1.0")
              and parts[1].isdigit(), f"bad status line {line[:80]!r}")
        return int(parts[1]) if parts[1].isdigit() else -1
    except (ConnectionResetError, BrokenPipeError):
        return None
    finally:
        s.close()


def get(target, source="127.0.0.1"):
    return raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
               source=source)


def random_param():
    n = rng.choice([0, 1, 5, 40, 300])
    b = bytes(rng.randrange(256) for _ in range(n))
    return urllib.parse.quote_from_bytes(b).encode()


ENDPOINTS = [b"/api/search", b"/api/suggest", b"/api/doc/", b"/api/health", b"/"]
ALLOWED = {200, 400, 404, 405, 413, 414, 431}


def round_of(n):
    for i in range(n):
        kind = i % 6
        ep = rng.choice(ENDPOINTS)
        if kind == 0:       # random percent-encoded bytes in every parameter
            t = ep + b"?q=" + random_param() + b"&limit=" + random_param() \
                + b"&offset=" + random_param()
        elif kind == 1:     # invalid UTF-8 and NULs
            t = ep + b"?q=" + rng.choice([b"%ff", b"%c0%80", b"%ed%a0%80", b"a%00",
                                          b"%e5%8c", b"%f4%90%80%80"])
        elif kind == 2:     # huge numbers and values
            t = ep + b"?q=" + b"a" * rng.choice([100, 4097, 20000]) + b"&limit=" \
                + b"9" * rng.choice([1, 30, 300])
        elif kind == 3:     # raw bytes straight into the request target
            t = ep + b"?q=" + bytes(rng.randrange(33, 256) for _ in range(30))
        elif kind == 4:     # many and repeated parameters
            t = ep + b"?" + b"&".join(b"q=%d" % k for k in range(rng.choice([2, 80])))
        else:               # document ids that try to leave the index
            t = b"/api/doc/" + rng.choice([b"..%2f..%2fetc%2fpasswd", b"%00", b"a" * 2000,
                                           b"%2e%2e/%2e%2e", random_param()])
        st = get(t)
        statuses[st] = statuses.get(st, 0) + 1
        check(st in ALLOWED, f"GET {t[:60]!r}: status {st}")
    # garbage that is not HTTP at all: an error status or a closed socket
    for _ in range(n // 20):
        junk = bytes(rng.randrange(256) for _ in range(rng.choice([1, 50, 3000])))
        st = raw(junk + b"\r\n\r\n")
        statuses[st] = statuses.get(st, 0) + 1
        check(st is None or 400 <= st < 600, f"garbage: status {st}")


def healthy(source="127.0.0.1"):
    return get(b"/api/health", source) == 200


round_of(600)                       # warm up: every thread, every path
rss0 = rss_kb()
round_of(3000)
rss1 = rss_kb()
check(healthy(), "server does not answer after the malformed requests")

# Idle connections: hold many open from one address, then check that a
# client at another address still gets in (the holder itself is held to
# serve's per-address limit, --max-per-address).
idle = []
for _ in range(300):
    try:
        idle.append(socket.create_connection((HOST, PORT), timeout=5))
    except OSError:
        break
for s in idle[:100]:                # half a request line, then silence
    try:
        s.sendall(b"GET /api/sea")
    except OSError:
        pass
check(len(idle) >= 200, f"only {len(idle)} idle connections opened")
t0 = time.monotonic()
ok = healthy("127.0.0.2")
check(ok, "server does not answer while 300 connections idle")
check(time.monotonic() - t0 < 5, "answer took over 5 s with idle connections")
for s in idle:
    s.close()
# the holder's address gets its slots back once the server has seen the
# closes (slow under valgrind): wait for that before the next round
t0 = time.monotonic()
while not healthy() and time.monotonic() - t0 < 60:
    time.sleep(0.5)
check(healthy(), "the holder's address is not let in again after closing")
round_of(600)
rss2 = rss_kb()
check(healthy(), "server does not answer at the end")

print(f"statuses: {dict(sorted(statuses.items(), key=lambda kv: str(kv[0])))}")
print(f"RSS after warm-up {rss0} kB, after 3,000 more {rss1} kB, "
      f"after idle connections and 600 more {rss2} kB")
check(not CHECK_RSS or (rss1 - rss0 < 8192 and rss2 - rss0 < 8192),
      f"memory grew: {rss0} -> {rss1} -> {rss2} kB")
print(f"abuse checks: {len(failures)} failed")
sys.exit(1 if failures else 0)
