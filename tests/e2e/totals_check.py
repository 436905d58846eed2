"""totals_check.py CORPUS.jsonl DB ZHSEARCH: totals against a brute-force
count over the corpus (see totals.test)."""
import json
import random
import re
import subprocess
import sys

corpus, db, zhs = sys.argv[1:4]
recs = [json.loads(line) for line in open(corpus, encoding="utf-8")]
WS = re.compile(r"\s+")
docs = [(WS.sub("", r.get("title", "")),
         WS.sub("", r.get("text") or r.get("content") or r.get("body")))
        for r in recs]
HAN = re.compile(r"[\u4e00-\u9fff]+")


def brute(words):
    return sum(1 for t, b in docs if all(w in t or w in b for w in words))


def run(*args):
    p = subprocess.run([zhs, "search", "--db", db] + list(args),
                       capture_output=True, text=True)
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    return p.stdout


def search(q, *opts):
    return json.loads(run("--json", *opts, q))


rng = random.Random(11)
runs = [r for t, b in docs[:800] for r in HAN.findall(b)]
bigrams = [r[i:i + 2] for r in runs for i in range(len(r) - 1)]
# needles across the range of frequencies: rare, middling, common
qs = []
for w in rng.sample(sorted(set(bigrams)), 600):
    qs.append(([w], w))
for w in ("医院", "发展", "服务", "医疗", "援疆"):
    qs.append(([w], w))
for _ in range(15):
    r = rng.choice([r for r in runs if len(r) >= 4])
    i = rng.randrange(len(r) - 2)
    n = rng.choice((3, 4))
    qs.append(([r[i:i + n]], '"%s"' % r[i:i + n]))
for _ in range(15):
    a, b = rng.sample(bigrams, 2)
    qs.append(([a, b], "%s %s" % (a, b)))
BANDS = (0, 10, 50, 110, 300, 600, 1001, 10 ** 9)
by_band = {}
for words, q in qs:
    n = brute(words)
    band = max(i for i, lo in enumerate(BANDS) if n >= lo)
    by_band.setdefault(band, []).append((words, q))
chosen = []
for k in sorted(by_band):        # every band of counts
    chosen += by_band[k][:10]
chosen += [(w, q) for w, q in qs if q.startswith('"') or " " in q][:12]
assert len(chosen) >= 50, len(chosen)
fails = 0
small = large = 0
for words, q in chosen:
    want = brute(words)
    flat = search(q, "--no-collapse", "--limit", "1")
    est = flat["total_is_estimate"]
    assert est in (True, False), ("total_is_estimate not a boolean", q, est)
    if want <= 1000:
        small += 1
        if est or flat["total"] != want:
            print("FAIL: %s: --no-collapse total %d (estimate %s), brute "
                  "force %d" % (q, flat["total"], est, want))
            fails += 1
            continue
    else:
        large += 1
        if not est and flat["total"] != want:
            print("FAIL: %s: exact total %d, brute force %d"
                  % (q, flat["total"], want))
            fails += 1
        continue
    # collapsed: every page read; the clusters counted once each
    first = search(q, "--limit", "100")
    if first["total_is_estimate"]:
        print("FAIL: %s: collapsed total of %d matches is an estimate"
              % (q, want))
        fails += 1
        continue
    hits, off = [], 0
    while True:
        page = search(q, "--limit", "100", "--offset", str(off))
        if page["total"] != first["total"] or page["total_is_estimate"]:
            print("FAIL: %s: total changes between pages" % q)
            fails += 1
        hits += page["hits"]
        if len(page["hits"]) < 100:
            break
        off += 100
    ids = [h["id"] for h in hits]
    members = sum(1 + h.get("duplicates", 0) for h in hits)
    if (len(hits) != first["total"] or len(set(ids)) != len(ids)
            or members != want):
        print("FAIL: %s: collapsed total %d, %d hits on its pages, %d "
              "documents in them, brute force %d"
              % (q, first["total"], len(hits), members, want))
        fails += 1
    text = run("--limit", "1", q).splitlines()[0]
    if text.startswith("about "):
        print("FAIL: %s: exact total printed as %r" % (q, text))
        fails += 1
print("%d queries (%d with at most 1,000 matches, %d more), %d failed"
      % (len(chosen), small, large, fails))
sys.exit(1 if fails else 0)
