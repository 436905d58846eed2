#!/usr/bin/env python3
"""stale_check.py: `zhsearch serve` never answers from a database that is
no longer at its path (used by stale.test).

Usage: stale_check.py URL PID DB ZHSEARCH TMP MODE CACHE

The server at URL (process PID) serves DB, built from TMP/v1.jsonl and
TMP/gen.jsonl.  While client threads keep asking for the old and the new
marker and for document s-1, the database at DB is replaced (MODE):
  compact  the README's compaction swap: a copy updated with v2.jsonl,
           xapian-compact'ed, moved into place (mv DB DB.old; mv C DB)
  rebuild  rm -rf DB and a fresh index of v2.jsonl and gen.jsonl
  shard    DB is a sharded index of two shards; the shard holding s-1 is
           replaced by its compacted counterpart in the same layout built
           from v2.jsonl (the stub file stays as it is)
Then, after the server's reopen interval: every answer is the new one
(the old marker has no hits, the new one one, /api/doc/s-1 the new text;
under load from six client threads, with the answer cache on or off), the server is alive,
and /proc/PID/fd holds no deleted file of the old database.
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

url, pid, db, zhs, tmp, mode, cache = sys.argv[1:8]
OLD, NEW = "旧文本标记", "新文本标记"
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def get(path):
    """(status, parsed JSON body or None, X-Cache header)."""
    try:
        with urllib.request.urlopen(url + path, timeout=10) as r:
            return r.status, json.loads(r.read()), r.headers.get("X-Cache")
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body), e.headers.get("X-Cache")
        except ValueError:
            return e.code, None, None


def total(q):
    st, body, _ = get("/api/search?q=" + urllib.parse.quote(q))
    return st, (body or {}).get("total")


def doc_text():
    st, body, _ = get("/api/doc/s-1")
    return st, (body or {}).get("text", "")


def state():
    """'old', 'new' or a description of anything else."""
    (so, to), (sn, tn), (sd, text) = total(OLD), total(NEW), doc_text()
    if (so, sn, sd) != (200, 200, 200):
        return f"statuses {so} {sn} {sd}"
    if to == 1 and tn == 0 and OLD in text:
        return "old"
    if to == 0 and tn == 1 and NEW in text:
        return "new"
    return f"mixed: {OLD} {to}, {NEW} {tn}, text {text!r}"


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr[:300]}")


def alive():
    try:
        os.kill(int(pid), 0)
        return True
    except OSError:
        return False


def deleted_fds():
    out = []
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.endswith("(deleted)") and tmp in target:
            out.append(target)
    return out


def shard_of_s1():
    """The shard directory whose own index holds s-1."""
    for name in ("shard-0", "shard-1"):
        d = os.path.join(db, name)
        p = subprocess.run([zhs, "show", "--db", d, "s-1"],
                           capture_output=True)
        if p.returncode == 0:
            return d
    fail("no shard holds s-1")
    return os.path.join(db, "shard-0")


def swap():
    if mode == "rebuild":
        shutil.rmtree(db)
        run(zhs, "index", "--quiet", "--db", db, f"{tmp}/v2.jsonl",
            f"{tmp}/gen.jsonl")
        return
    target = shard_of_s1() if mode == "shard" else db
    copy, compacted = target + ".copy", target + ".compact"
    if mode == "shard":
        # The same layout built anew from the new records: the same
        # shard holds s-1 there (a shard is never written by itself).
        run(zhs, "index", "--quiet", "--shards", "2", "--db", copy,
            f"{tmp}/v2.jsonl", f"{tmp}/gen.jsonl")
        run("xapian-compact", os.path.join(copy, os.path.basename(target)),
            compacted)
    else:
        shutil.copytree(target, copy)
        # The update goes into a copy, never into the served files.
        run(zhs, "index", "--quiet", "--db", copy, f"{tmp}/v2.jsonl")
        run("xapian-compact", copy, compacted)
    shutil.rmtree(copy)
    os.rename(target, target + ".old")
    os.rename(compacted, target)
    # Nothing of the old database stays behind: its files are deleted
    # while the server may still hold them open.
    shutil.rmtree(target + ".old")


# Before: the old answers, cached when the cache is on.
for _ in range(3):
    s = state()
    if s != "old":
        fail(f"before the swap: {s}")
        break
st, body, _ = get("/api/health")
rev_before = (body or {}).get("revision")

stop = threading.Event()
swapped_at = [None]
late = []          # answers that were not new after the settle time
errors = []        # 5xx answers after the settle time
seen = {"requests": 0}
SETTLE = 1.0       # seconds: the server reopens at most every 200 ms


def client():
    while not stop.is_set():
        t = time.monotonic()
        for q, want_after in ((OLD, 0), (NEW, 1)):
            st, n = total(q)
            seen["requests"] += 1
            if swapped_at[0] is None or t < swapped_at[0] + SETTLE:
                continue
            if st != 200:
                errors.append(f"{q}: HTTP {st}")
            elif n != want_after:
                late.append(f"{q}: total {n} {t - swapped_at[0]:.2f}s after")
        st, text = doc_text()
        if swapped_at[0] is not None and t >= swapped_at[0] + SETTLE:
            if st != 200 or NEW not in text:
                late.append(f"/api/doc/s-1: {st} {text[:20]!r}")


threads = [threading.Thread(target=client) for _ in range(6)]
for th in threads:
    th.start()
time.sleep(0.5)
swap()
swapped_at[0] = time.monotonic()
time.sleep(SETTLE + 1.5)
stop.set()
for th in threads:
    th.join()

if not alive():
    fail("the server died during the swap")
else:
    # Every pool thread has had requests since; a few more to be sure.
    for _ in range(20):
        s = state()
    if s != "new":
        fail(f"after the swap: {s}")
    if late:
        fail(f"{len(late)} stale answers after the swap, e.g. {late[:3]}")
    if errors:
        fail(f"{len(errors)} errors after the swap, e.g. {errors[:3]}")
    if seen["requests"] < 20:
        fail(f"only {seen['requests']} requests under load")
    gone = deleted_fds()
    if gone:
        fail(f"the server still holds deleted files: {gone[:4]}")
st, body, _ = get("/api/health")
print(f"{mode}, cache {cache}: revision {rev_before} -> "
      f"{(body or {}).get('revision')}, {seen['requests']} requests "
      "under load")
sys.exit(1 if failures else 0)
