"""check_json.py: assertions on `zhsearch search --json` output.

Usage: check_json.py CORPUS_DIR JSON_FILE SPEC_JSON
SPEC_JSON is an object of expectations:
  ids       exact list of hit ids in rank order
  contains  ids that must be among the hits
  first     the id that must rank first
  total     exact total
  needles   strings each highlight must equal after NFKC + case folding
            and removal of white space and of shown line breaks (\u23ce)
Besides the spec, every result is checked against the contract: keys and
types, ranks counting from offset+1, 1..3 snippets, highlights inside
the text, and each snippet's line pointing at the source line where its
text starts.
"""
import json
import sys
import unicodedata


def norm(s):
    # a line break the display shows (" \u23ce ") is layout, as white space
    s = s.replace("\u23ce", " ")
    return "".join(unicodedata.normalize("NFKC", s).casefold().split())


def fail(msg):
    print("check_json: " + msg)
    sys.exit(1)


def main():
    corpus, path, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        res = json.load(f)
    for key in ("query", "total", "offset", "limit", "took_ms", "hits"):
        if key not in res:
            fail("missing key " + key)
    # Relaxed matches (zhsearch(1), RELAXED MATCHES) follow the strict
    # ones; the spec is about the strict matches, which relaxing never
    # changes.
    allhits = res["hits"]
    hits = [h for h in allhits if not h.get("relaxed")]
    if allhits[:len(hits)] != hits:
        fail("a relaxed hit ranks before a strict one")
    if allhits != hits and (res.get("relaxed") is not True
                            or res["relaxation"]["strict_total"]
                            != res["total"]):
        fail("relaxed hits without \"relaxed\": true and its strict total")
    ids = [h["id"] for h in hits]
    if "ids" in spec and ids != spec["ids"]:
        fail("ids %r, want %r" % (ids, spec["ids"]))
    for want in spec.get("contains", []):
        if want not in ids:
            fail("%s not among %r" % (want, ids))
    if "first" in spec and (not ids or ids[0] != spec["first"]):
        fail("first hit %r, want %r" % (ids[:1], spec["first"]))
    if "total" in spec and res["total"] != spec["total"]:
        fail("total %r, want %r" % (res["total"], spec["total"]))
    if len(allhits) > res["limit"]:
        fail("more hits than the limit")
    needles = [norm(n) for n in spec.get("needles", [])]
    prev_score = None
    for i, h in enumerate(allhits):
        if i == len(hits):
            prev_score = None       # relaxed scores: their own query's
            needles = []
        for key in ("rank", "id", "score", "title", "date", "source", "path",
                    "snippets"):
            if key not in h:
                fail("hit %d lacks %s" % (i, key))
        if h["rank"] != res["offset"] + i + 1:
            fail("hit %d has rank %d" % (i, h["rank"]))
        if prev_score is not None and h["score"] > prev_score + 1e-9:
            fail("scores not descending at rank %d" % h["rank"])
        prev_score = h["score"]
        if not 1 <= len(h["snippets"]) <= 3:
            fail("%s has %d snippets" % (h["id"], len(h["snippets"])))
        with open("%s/%s" % (corpus, h["id"]), encoding="utf-8-sig") as f:
            lines = f.read().split("\n")
        texts = set()
        for s in h["snippets"]:
            text = s["text"]
            if text in texts:
                fail("duplicate snippet in %s: %s" % (h["id"], text))
            texts.add(text)
            last = 0
            for a, b in s["highlights"]:
                if not (0 <= a < b <= len(text)) or a < last:
                    fail("bad highlight [%d,%d) in %r" % (a, b, text))
                last = b
                if needles and norm(text[a:b]) not in needles:
                    fail("highlight %r of %s is none of %r"
                         % (text[a:b], h["id"], needles))
            if needles and not s["highlights"]:
                fail("snippet without highlights in %s: %r" % (h["id"], text))
            # The snippet starts on its line: its first characters (after
            # an ellipsis) occur there once white space is removed.
            head = norm(text.lstrip("\u2026"))[:2]
            line = s["line"]
            if not 1 <= line <= len(lines):
                fail("line %d out of range" % line)
            if head and head[:1] not in norm(lines[line - 1].lstrip("#")):
                fail("%s line %d %r does not start snippet %r"
                     % (h["id"], line, lines[line - 1], text))
    print("ok: %d hits %r" % (len(hits), ids))


main()
