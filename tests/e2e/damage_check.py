#!/usr/bin/env python3
"""damage_check.py: a damaged index is an error, never a crash or a wrong
answer (used by damage.test).

Usage: damage_check.py ZHSEARCH DB TMP EXTRA.jsonl

DB is a good index.  For each damage of the table below (deterministic
seeds), made in a copy of DB: every reading command (search, stats, kwic,
show) exits 65, or answers exactly what it answers on DB (random bytes
in a block no query reads change nothing it shows); the writers (index
onto it, delete, rebuild) exit 65 or as on DB; `serve` answers every
request with 500 or 503 and a JSON error, or exactly as on DB, and is
still running at the end.  No command may die of a signal.

Then: damage done while `serve` runs on a good copy is an error from
the next request on (or the good answer); a writer killed in the middle
of a batch, and a commit by another program (xapian-metadata), leave an
index that answers as before, not one called damaged (zhsearch.sums:
lib/sums.c).
"""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

zhs, good, tmp, extra = sys.argv[1:5]
failures = []
TABLES = ["postlist.glass", "termlist.glass", "docdata.glass",
          "spelling.glass"]


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def first_id():
    p = subprocess.run([zhs, "search", "--db", good, "--json", "--limit",
                        "2", "援疆"], capture_output=True, text=True)
    hits = json.loads(p.stdout)["hits"]
    return hits[0]["id"], hits[1]["id"]


ID1, ID2 = first_id()
READERS = {
    "search": ["search", "--json", "援疆"],
    "search-words": ["search", "--json", "医疗队 医院"],
    "search-exact": ["search", "--json", '"医院"'],
    "search-page": ["search", "--json", "--offset", "10", "医"],
    "stats": ["stats"],
    "stats-term": ["stats", "--format", "json", "援疆"],
    "kwic": ["kwic", "--json", "医"],
    "show": ["show", "--json", ID1],
}
WRITERS = {
    "index": ["index", "--quiet", extra],
    "delete": ["delete", ID2],
    "rebuild": ["rebuild"],
}
REQUESTS = ["/api/search?q=" + urllib.parse.quote("援疆"),
            "/api/search?q=" + urllib.parse.quote("医疗队"),
            "/api/suggest?q=" + urllib.parse.quote("医"),
            "/api/doc/" + urllib.parse.quote(ID1),
            "/api/health"]


def normalize(out, db):
    out = re.sub(rb'"took_ms":[0-9.e+-]+', b'', out)
    out = re.sub(rb'size on disk[^\n]*', b'', out)
    out = re.sub(rb'"(size|bytes)[a-z_]*": ?[0-9]+', b'', out)
    return out.replace(db.encode(), b"DB")


def run(cmd, db):
    try:
        p = subprocess.run([zhs, cmd[0], "--db", db] + cmd[1:],
                           capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "timeout", b"", b""
    return p.returncode, normalize(p.stdout, db), p.stderr


def damage(db, kind, table, seed):
    f = os.path.join(db, table or "")
    rng = random.Random(f"{kind}:{table}:{seed}")
    if kind == "bytes":        # 8 runs of 32 random bytes
        size = os.path.getsize(f)
        with open(f, "r+b") as fh:
            for _ in range(8):
                off = rng.randrange(size)
                fh.seek(off)
                fh.write(rng.randbytes(min(32, size - off)))
    elif kind == "block":      # one 8 KB block all random
        blocks = max(1, os.path.getsize(f) // 8192)
        with open(f, "r+b") as fh:
            fh.seek(rng.randrange(blocks) * 8192)
            fh.write(rng.randbytes(8192))
    elif kind == "truncate":
        os.truncate(f, os.path.getsize(f) // 2)
    elif kind == "missing":
        os.remove(f)
    elif kind == "scheme-old":
        subprocess.run(["xapian-metadata", "set", db, "zhsearch.scheme",
                        "zhs-1"], check=True)
    elif kind == "scheme-none":
        subprocess.run(["xapian-metadata", "set", db, "zhsearch.scheme", ""],
                       check=True)


def fresh(name, kind, table, seed):
    d = os.path.join(tmp, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(good, d)
    damage(d, kind, table, seed)
    return d


def http_get(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        return None, str(e).encode()


def serve(db):
    """(process, url) of a server on db, or (process, None)."""
    err = open(os.path.join(tmp, "serve.err"), "w+")
    p = subprocess.Popen([zhs, "serve", "--db", db, "--listen",
                          "127.0.0.1:0", "--threads", "2"], stderr=err)
    for _ in range(100):
        err.seek(0)
        m = re.search(r" on (http:\S+) with", err.read())
        if m:
            return p, m.group(1).rstrip("/")
        if p.poll() is not None:
            break
        time.sleep(0.05)
    return p, None


def serve_answers(db):
    p, url = serve(db)
    out = {}
    if url is None:
        out["start"] = (p.wait(), b"")
        return out, True
    for r in REQUESTS:
        for _ in range(2):     # the second one may come from the cache
            st, body = http_get(url + r)
            out[r] = (st, normalize(body, db))
    ok = p.poll() is None
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        ok = False
    return out, ok


# What the good index answers.
base_read = {k: run(c, good)[:2] for k, c in READERS.items()}
for k, (rc, _) in base_read.items():
    if rc != 0:
        fail(f"{k} on the good index exited {rc}")
base_write = {}
for k, c in WRITERS.items():
    base_write[k] = run(c, fresh("w", "none", None, 0))[0]
base_serve, _ = serve_answers(good)

CASES = []
for t in TABLES:
    CASES += [("bytes", t, s) for s in (1, 2, 3)]
    if t == "postlist.glass":
        # 17: the entries of 医 lost, no error from Xapian (total 0);
        # 25: postings of documents that are not there
        CASES += [("bytes", t, s) for s in (17, 25)]
    CASES += [("block", t, s) for s in (1, 2)]
    CASES += [("truncate", t, 0), ("missing", t, 0)]
CASES += [("bytes", "iamglass", 1), ("truncate", "iamglass", 0),
          ("missing", "iamglass", 0), ("scheme-old", None, 0),
          ("scheme-none", None, 0)]
# The writers change what they open: each gets its own copy, for a share
# of the cases (every kind, every table).
WRITE_CASES = {c for c in CASES if c[0] != "bytes" or c[2] == 1}

errors_seen = 0
for case in CASES:
    kind, table, seed = case
    name = f"{kind}:{table}:{seed}"
    db = fresh("d", kind, table, seed)
    for k, c in READERS.items():
        rc, out, err = run(c, db)
        if rc == 65:
            errors_seen += 1
            if not err.strip() and b'"error"' not in out:
                fail(f"{name}: {k} exited 65 without a message")
        elif (rc, out) != base_read[k]:
            what = (f"signal {-rc}" if isinstance(rc, int) and rc < 0
                    else f"exit {rc}")
            fail(f"{name}: {k}: {what}, not 65 nor the good answer; "
                 f"stderr {err[:200]!r} stdout {out[:120]!r}")
    if case in WRITE_CASES:
        for k, c in WRITERS.items():
            if kind == "scheme-old" and k == "rebuild":
                continue       # what rebuild is for; rebuild.test
            w = fresh("w", kind, table, seed)
            rc, out, err = run(c, w)
            if rc != 65 and rc != base_write[k]:
                fail(f"{name}: {k} exited {rc}, not 65 nor "
                     f"{base_write[k]}; stderr {err[:200]!r}")
    answers, alive = serve_answers(db)
    if not alive:
        fail(f"{name}: serve died or hung: {answers}")
    for r, (st, body) in answers.items():
        if r == "start":
            if st != 65:
                fail(f"{name}: serve did not start and exited {st}")
            continue
        if st in (500, 503):
            try:
                json.loads(body)["error"]["code"]
            except (ValueError, KeyError, TypeError):
                fail(f"{name}: {r}: {st} without a JSON error: {body[:100]!r}")
        elif (st, body) != base_serve[r]:
            fail(f"{name}: {r}: HTTP {st}, not 500/503 nor the good "
                 f"answer: {body[:160]!r}")
    print(f"{name}: checked", flush=True)


# Damage while serve runs: every request after it is 500/503 or good.
db = fresh("live", "none", None, 0)
p, url = serve(db)
if url is None:
    fail(f"live: serve did not start on a good copy: {p.wait()}")
else:
    q = REQUESTS[1]
    st, body = http_get(url + q)
    if (st, normalize(body, db)) != base_serve[q]:
        fail(f"live: before the damage: HTTP {st}")
    damage(db, "bytes", "postlist.glass", 2)
    time.sleep(0.5)            # past serve's reopen interval
    for r in REQUESTS[:2] + REQUESTS[3:]:
        st, body = http_get(url + r)
        body = normalize(body, db)
        if st in (500, 503):
            if b'"ECORRUPT"' not in body:
                fail(f"live: {r}: {st} without ECORRUPT: {body[:120]!r}")
        elif (st, body) != base_serve[r]:
            fail(f"live: {r}: HTTP {st}, not 500/503 nor the good answer: "
                 f"{body[:120]!r}")
    if p.poll() is not None:
        fail("live: serve died")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)
    rc, out, err = run(READERS["search-words"], db)
    if rc != 65 or b"postlist.glass" not in out:
        fail(f"live: search after the damage exited {rc}: {out[:160]!r}")
print("live: checked", flush=True)

# A writer killed part way through a batch wrote free blocks of the
# committed revision; it had removed the checksums first, so the index
# still answers as before.
db = fresh("killed", "none", None, 0)
big = os.path.join(tmp, "big.jsonl")
with open(big, "w") as f:
    for i in range(3000):
        f.write(json.dumps({"id": f"k{i}", "text": "援疆医疗队的第%d篇报道，"
                            "医院专家开展帮扶。" % i * 4},
                           ensure_ascii=False) + "\n")
w = subprocess.Popen([zhs, "index", "--quiet", "--db", db, big],
                     env=dict(os.environ, XAPIAN_FLUSH_THRESHOLD="100"),
                     stderr=subprocess.DEVNULL)
grown = False
for _ in range(400):           # until it has written blocks
    if os.path.getsize(os.path.join(db, "postlist.glass")) > \
            os.path.getsize(os.path.join(good, "postlist.glass")):
        grown = True
        break
    if w.poll() is not None:
        break
    time.sleep(0.02)
w.kill()
w.wait()
if not grown:
    print("note: killed: the writer had not grown the tables when killed")
if os.path.exists(os.path.join(db, "zhsearch.sums")) and grown:
    fail("killed: the checksums are still there after a killed writer")
for k in ("search", "search-words", "show"):
    rc, out, err = run(READERS[k], db)
    if (rc, out) != base_read[k]:
        fail(f"killed: {k} exited {rc}, not the good answer: {err[:160]!r}")
# the next writer's run records checksums again, and they hold
rc = subprocess.run([zhs, "index", "--quiet", "--db", db, extra],
                    capture_output=True).returncode
if not os.path.exists(os.path.join(db, "zhsearch.sums")):
    fail(f"killed: no checksums after the next writer (exit {rc})")
rc, out, err = run(READERS["search"], db)
if rc != 0:
    fail(f"killed: search after the next writer exited {rc}: {err[:160]!r}")
print("killed: checked", flush=True)

# Another program's commit: a new revision the checksums do not cover.
db = fresh("foreign", "none", None, 0)
subprocess.run(["xapian-metadata", "set", db, "someone.else", "1"],
               check=True)
for k in ("search", "stats-term"):
    rc, out, err = run(READERS[k], db)
    if (rc, out) != base_read[k]:
        fail(f"foreign: {k} exited {rc}, not the good answer: {err[:160]!r}")
print("foreign: checked", flush=True)

if errors_seen < len(CASES):
    fail(f"only {errors_seen} exits 65 over {len(CASES)} damages")
print(f"{len(CASES)} damages, {errors_seen} reads refused with 65")
sys.exit(1 if failures else 0)
