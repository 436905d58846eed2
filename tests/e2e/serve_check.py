"""HTTP checks for `zhsearch serve` (run by serve.test).

Usage: serve_check.py BASE_URL DB ZHSEARCH TMPDIR MANPAGE CORS_ORIGIN...
The server runs with --cors for each CORS_ORIGIN and has indexed
tang.jsonl of serve.test.
Prints one line per failed check and exits 1 if any failed.
"""
import http.client
import json
import re
import subprocess
import sys
import threading
import time
import urllib.parse

BASE, DB, ZHS, TMP, MAN = sys.argv[1:6]
CORS = sys.argv[6:]
HOST = urllib.parse.urlsplit(BASE).hostname
PORT = urllib.parse.urlsplit(BASE).port
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def request(path, method="GET", body=None):
    """(status, headers dict, body bytes) for a raw path."""
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    c.putrequest(method, path, skip_accept_encoding=True)
    if body is not None:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders()
    if body is not None:
        c.send(body)
    r = c.getresponse()
    data = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, headers, data


def q(s):
    return urllib.parse.quote(s, safe="")


def api(path):
    st, h, b = request(path)
    try:
        return st, h, json.loads(b.decode("utf-8"))
    except ValueError:
        return st, h, None


def cli_json(*args):
    """The CLI's object as serve gives it: the same, except that a file's
    "path" is relative to the indexed root (its id) unless serve has
    --show-paths (no answer names a file of the server)."""
    extra = ["--json"] if args[0] == "show" else []
    out = subprocess.run([ZHS, args[0], "--db", DB, *extra, *args[1:]],
                         capture_output=True, check=False)
    d = json.loads(out.stdout.decode("utf-8"))
    for h in d.get("hits", []) if args[0] == "search" else [d]:
        if h.get("path") is not None:
            h["path"] = h["id"]
    return d


def without_time(d):
    d = dict(d)
    d.pop("took_ms", None)
    return d


def expect_error(path, status, code=None, method="GET"):
    st, h, b = request(path, method)
    check(st == status, f"{method} {path[:80]}: status {st}, want {status}")
    check(h.get("content-type", "").startswith("application/json"),
          f"{path[:60]}: error content type {h.get('content-type')}")
    try:
        e = json.loads(b.decode("utf-8"))["error"]
        check(code is None or e["code"] == code,
              f"{path[:60]}: error code {e['code']}, want {code}")
        check(e["message"], f"{path[:60]}: empty error message")
    except (ValueError, KeyError, TypeError):
        check(False, f"{path[:60]}: error body is not a JSON error: {b[:200]!r}")
    return h, b


# ---- the endpoints --------------------------------------------------------
st, h, health = api("/api/health")
check(st == 200 and health["status"] == "ok", f"health: {st} {health}")
docs0 = health["documents"]
check(isinstance(health["revision"], int), f"health revision: {health}")
check(h["content-type"] == "application/json; charset=utf-8",
      f"content type {h['content-type']}")

for query, extra, params in [
        ("援疆", [], ""),
        ("医疗 队", ["--limit", "2", "--offset", "1"], "limit=2&offset=1"),
        ('"医疗队"', ["--snippets", "1"], "snippets=1"),
        ("医院", ["--sort", "newest", "--facets", "source,year", "--limit", "20"],
         "sort=newest&facets=source,year&limit=20"),
        ("医院 date:2020..2023", ["--sort", "oldest", "--facets", "month"],
         "sort=oldest&facets=month"),
        ("医院", ["--no-collapse", "--limit", "30"], "collapse=0&limit=30")]:
    st, h, d = api(f"/api/search?q={q(query)}" + (f"&{params}" if params else ""))
    want = cli_json("search", "--json", *extra, query)
    check(st == 200, f"search {query}: status {st}")
    check(d is not None and without_time(d) == without_time(want),
          f"search {query} {extra}: API and CLI differ:\n{d}\n{want}")

# facets count every matching document with a source, collapsed or not
st, _, d = api(f"/api/search?q={q('医院')}&facets=source&limit=0")
every = cli_json("search", "--json", "--no-collapse", "--limit", "1000", "医院")
with_source = sum(1 for h in every["hits"] if h["source"])
check(st == 200 and with_source > 0
      and sum(f["count"] for f in d["facets"]["source"]) == with_source,
      f"facets: {d.get('facets')} against {with_source} documents with a source")
newest = api(f"/api/search?q={q('医院')}&sort=newest&limit=20")[2]["hits"]
dates = [h["date"] for h in newest if h["date"]]
check(len(dates) >= 10 and dates == sorted(dates, reverse=True),
      f"sort=newest: {dates}")

st, _, d = api(f"/api/suggest?q={q('医')}")
words = [s for s in d["suggestions"] if s["kind"] == "word"]
titles = [s for s in d["suggestions"] if s["kind"] == "title"]
check(st == 200 and words, f"suggest 医: {d}")
check(all(s["text"].startswith("医") for s in words), f"suggest words: {words}")
check([s["docs"] for s in words] == sorted((s["docs"] for s in words), reverse=True),
      f"suggest words not most frequent first: {words}")
check(titles and all("医" in s["text"] and s["id"] for s in titles),
      f"suggest titles: {titles}")
for s in words[:3]:
    r = cli_json("search", "--json", "--no-collapse", "--limit", "0", s["text"])
    check(r["total"] >= s["docs"] > 0,
          f"suggested word {s['text']} in {s['docs']} docs but search finds {r['total']}")
st, _, d = api(f"/api/suggest?q={q('援疆 医')}")
check(st == 200 and d["suggestions"]
      and all(s["text"].startswith("援疆 医") for s in d["suggestions"]
              if s["kind"] == "word"), f"suggest with a head: {d}")
st, _, d = api(f"/api/suggest?q={q('醫')}")   # traditional input
check(st == 200 and any(s["text"].startswith("医") for s in d["suggestions"]),
      f"suggest 醫 (traditional): {d}")
st, _, d = api("/api/suggest?q=")
check(st == 200 and d["suggestions"] == [], f"suggest empty: {d}")
st, _, d = api(f"/api/suggest?q={q('zzzqqq不存在的词')}")
check(st == 200 and d["suggestions"] == [], f"suggest nothing: {d}")

first_id = cli_json("search", "--json", "援疆")["hits"][0]["id"]
st, _, d = api("/api/doc/" + q(first_id))
check(st == 200 and d == cli_json("show", first_id), f"doc {first_id}: {st}")

# ---- bad requests ----------------------------------------------------------
expect_error("/api/search?q=x&limit=101", 400, "EUSAGE")
expect_error("/api/search?q=x&limit=-1", 400, "EUSAGE")
expect_error("/api/search?q=x&limit=1e3", 400, "EUSAGE")
expect_error("/api/search?q=x&offset=10001", 400, "EUSAGE")
expect_error("/api/search?q=x&snippets=0", 400, "EUSAGE")
expect_error("/api/search?q=x&sort=random", 400, "EUSAGE")
expect_error("/api/search?q=x&facets=source,color", 400, "EUSAGE")
expect_error("/api/search?q=x&facets=", 400, "EUSAGE")
expect_error("/api/search?q=x&collapse=2", 400, "EUSAGE")
expect_error("/api/search", 400, "EUSAGE")
expect_error("/api/search?q=", 400, "EUSAGE")
expect_error("/api/search?q=a&q=b", 400, "EUSAGE")
expect_error("/api/search?q=" + "a" * 5000, 400, "EUSAGE")
expect_error("/api/search?q=" + q("医" * 1001), 400, "EQUERY")
expect_error("/api/search?q=%ff%fe", 400, "EENCODING")
expect_error("/api/search?q=%c0%af", 400, "EENCODING")       # overlong '/'
expect_error("/api/search?q=%ed%a0%80", 400, "EENCODING")    # surrogate
expect_error("/api/search?q=a%00b", 400, "EENCODING")
expect_error("/api/suggest?q=%ff", 400, "EENCODING")
expect_error("/api/suggest?q=x&limit=21", 400, "EUSAGE")
expect_error("/api/search?q=%22unbalanced", 400, "EQUERY")
expect_error("/api/search?q=(a", 400, "EQUERY")
expect_error("/api/nope", 404, "ENOTFOUND")
expect_error("/nope.html", 404, "ENOTFOUND")
expect_error("/api/doc/", 404, "ENOTFOUND")
_, b = expect_error("/api/doc/no-such-id", 404, "ENOTFOUND")
check(DB.encode() not in b and b"no-such-id" in b,
      f"error names the id, not the index path: {b!r}")
for path in ["/api/doc/..%2F..%2F..%2Fetc%2Fpasswd", "/api/doc/../../etc/passwd",
             "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../etc/passwd",
             "/api/doc/%2Fetc%2Fpasswd"]:
    st, h, b = request(path)
    check(st in (400, 404) and b"root:" not in b,
          f"traversal {path}: status {st}, body {b[:100]!r}")
for m in ["POST", "PUT", "DELETE", "PATCH"]:
    h, _ = expect_error("/api/search?q=x", 405, "EUSAGE", method=m)
    check(h.get("allow") == "GET, HEAD, OPTIONS",
          f"{m}: Allow header {h.get('allow')}")
st, h, b = request("/api/search?q=x", "POST", b"x" * 100000)
check(st == 405, f"POST with a 100 kB body: {st}")
st, h, b = request("/api/health", "HEAD")
check(st == 200 and b == b"", f"HEAD: {st} {b[:50]!r}")
st, h, b = request("/")
check(st == 200 and h["content-type"].startswith("text/html") and b"<form" in b,
      f"/: {st} {h.get('content-type')}")
check("default-src 'self'" in h.get("content-security-policy", ""),
      f"/ lacks a Content-Security-Policy: {h}")
st, h, b = request("/app.js")
check(st == 200 and h["content-type"].startswith("text/javascript"), f"/app.js {st}")
for bad in [b"innerHTML", b"outerHTML", b"insertAdjacentHTML", b"document.write",
            b"eval("]:
    check(bad not in b, f"app.js uses {bad!r}: text could become markup")

# ---- every parameter is known, or the request is a 400 naming it ----------
for path, name in [("/api/search?q=x&sorce=newest", "sorce"),
                   ("/api/search?q=x&Limit=5", "Limit"),
                   ("/api/search?q=x&_=1700000000", "_"),
                   ("/api/suggest?q=x&sort=newest", "sort"),
                   ("/api/suggest?q=x&source=a", "source"),
                   ("/api/health?verbose=1", "verbose"),
                   ("/api/doc/" + q("xss-1") + "?q=x", "q"),
                   ("/api/search?q=x&" + q("来源") + "=a", "来源")]:
    _, b = expect_error(path, 400, "EUSAGE")
    msg = json.loads(b)["error"]["message"]
    check(f"unknown parameter '{name}'" in msg, f"{path}: message {msg!r}")
_, b = expect_error("/api/search?q=x&" + "n" * 300 + "=1", 400, "EUSAGE")
check(len(json.loads(b)["error"]["message"]) < 300,
      f"a long unknown name is echoed whole: {b[:80]!r}...")

# Booleans: true/false/1/0, nothing else.
nocoll = cli_json("search", "--json", "--no-collapse", "--limit", "30", "医院")
coll = cli_json("search", "--json", "--limit", "30", "医院")
check(nocoll["total"] > coll["total"],
      f"the corpus has no near-duplicates to test collapse= with: {coll['total']}")
for v, want in [("false", nocoll), ("0", nocoll), ("true", coll), ("1", coll)]:
    st, _, d = api(f"/api/search?q={q('医院')}&limit=30&collapse={v}")
    check(st == 200 and d is not None and without_time(d) == without_time(want),
          f"collapse={v}: status {st}, total {d and d.get('total')}, "
          f"want {want['total']}")
for v in ["yes", "TRUE", "", "2", "-1"]:
    expect_error(f"/api/search?q=x&collapse={q(v)}", 400, "EUSAGE")

# Filter parameters are the query language's fields: the same hits as
# the field, and the answer is that of the query they make.
for params, field_q, composed in [
        ("source=tang300", '明月 source:tang300', '(明月) source:"tang300"'),
        ("source=" + q("宋词 三百首"), '明月 source:"宋词 三百首"',
         '(明月) source:"宋词 三百首"'),
        ("author=" + q("杜甫"), "明月 author:杜甫", '(明月) author:"杜甫"'),
        ("author=" + q("记者 张三"), '明月 author:"记者 张三"',
         '(明月) author:"记者 张三"'),
        ("date=" + q("2021..2022"), "明月 date:2021..2022",
         "(明月) date:2021..2022"),
        ("source=tang300&author=" + q("李白") + "&date=" + q("2022.."),
         "明月 source:tang300 author:李白 date:2022..",
         '(明月) source:"tang300" date:2022.. author:"李白"')]:
    st, _, d = api(f"/api/search?q={q('明月')}&{params}&limit=50")
    by_field = cli_json("search", "--json", "--limit", "50", field_q)
    exact = cli_json("search", "--json", "--limit", "50", composed)
    every = cli_json("search", "--json", "--limit", "50", "明月")
    ids = [h["id"] for h in d["hits"]] if d else None
    check(st == 200 and ids == [h["id"] for h in by_field["hits"]],
          f"{params}: hits {ids}, the field gives {by_field['hits']}")
    check(d is not None and without_time(d) == without_time(exact),
          f"{params}: answer differs from search --json '{composed}'")
    check(ids and len(ids) < every["total"],
          f"{params}: filters nothing ({ids} of {every['total']})")
# author: through the query language, as the man page says
for qs, want in [("author:杜甫", {"tang-1", "tang-3", "tang-4"}),
                 ("author:李白", {"tang-2", "tang-3"}),
                 ("author:张三", {"tang-4"}), ("author:记者", {"tang-4"}),
                 ('author:"记者 张三"', {"tang-4"}), ("author:张", set())]:
    got = {h["id"] for h in cli_json("search", "--json", qs + " 明月")["hits"]}
    check(got == want, f"{qs}: {sorted(got)}, want {sorted(want)}")
for path, fragment in [
        ("/api/search?q=x&source=" + q('a"b'), "source"),
        ("/api/search?q=x&author=" + q("a＂b"), "author"),
        ("/api/search?q=x&source=", "source"),
        ("/api/search?q=x&date=" + q("2024 OR y"), "date"),
        ("/api/search?q=x&date=2024-13", "date"),
        ("/api/search?q=x&date=" + q("2025..2024"), "date"),
        ("/api/search?q=x&source=a&source=b", "twice")]:
    _, b = expect_error(path, 400)
    check(fragment in json.loads(b)["error"]["message"],
          f"{path}: message {b[:160]!r} does not name {fragment}")
# an error in q keeps its positions in q, filters or not
for extra in ["", "&source=tang300", "&date=2024"]:
    _, b = expect_error(f"/api/search?q={q('明月 foo:bar')}{extra}", 400, "EQUERY")
    check("unknown field 'foo:' at position 4" in b.decode(),
          f"q error with '{extra}': {b[:200]!r}")
    _, b = expect_error("/api/search?q=" + q('明月 "x') + extra, 400, "EQUERY")
    check("unbalanced quote at position 4" in b.decode(),
          f"q error with '{extra}': {b[:200]!r}")

# serve --help lists every parameter each endpoint takes, and each one it
# lists is taken (the man page lists them too).
helptext = subprocess.run([ZHS, "serve", "--help"], capture_output=True,
                          text=True).stdout
listed, endpoint = {}, None
for line in helptext.split("\n"):
    m = re.match(r"^  (/api/\S+)?\s+([a-z]+)=", line)
    if m:
        endpoint = m.group(1) or endpoint
        listed.setdefault(endpoint, []).append(m.group(2))
check(listed.get("/api/search") == ["q", "limit", "offset", "snippets", "sort",
                                    "facets", "collapse", "strict", "source",
                                    "author",
                                    "date"]
      and listed.get("/api/suggest") == ["q", "limit"],
      f"serve --help lists {listed}")
samples = {"q": q("明月"), "limit": "1", "offset": "0", "snippets": "1",
           "sort": "newest", "facets": "year", "collapse": "true", "strict": "1",
           "source": "tang300", "author": q("杜甫"), "date": "2021.."}
for endpoint, names in listed.items():
    for name in names:
        extra = "" if name == "q" else f"&{name}={samples[name]}"
        st, _, d = api(f"{endpoint}?q={samples['q']}{extra}")
        check(st == 200, f"{endpoint} {name}= from --help: {st} {d}")
man = open(MAN, encoding="utf-8").read()
serve_man = man[man.index('.SS "zhsearch serve'):man.index('.SS "zhsearch kwic')]
for name in set(n for names in listed.values() for n in names):
    check(re.search(r"\b" + name + r"=", serve_man),
          f"the man page's serve section does not list {name}=")

# ---- CORS: the --cors origins only -----------------------------------------
def headers_for(path, method="GET", **hdrs):
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    c.request(method, path, headers=hdrs)
    r = c.getresponse()
    r.read()
    h = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, h


for origin in CORS:
    st, h = headers_for(f"/api/search?q={q('明月')}", "OPTIONS", Origin=origin,
                        **{"Access-Control-Request-Method": "GET"})
    check(st == 204 and h.get("access-control-allow-origin") == origin
          and "GET" in h.get("access-control-allow-methods", "")
          and int(h.get("access-control-max-age", "0")) > 0,
          f"preflight from {origin}: {st} {h}")
    st, h = headers_for(f"/api/search?q={q('明月')}", Origin=origin)
    check(st == 200 and h.get("access-control-allow-origin") == origin
          and "origin" in h.get("vary", "").lower(),
          f"GET from {origin}: {st} {h}")
    st, h = headers_for("/api/search?q=x&nope=1", Origin=origin)
    check(st == 400 and h.get("access-control-allow-origin") == origin,
          f"an error to {origin} is readable by it: {st} {h}")
for origin in ["https://evil.example", CORS[0] + ".evil.example",
               CORS[0].replace("https", "http"), "null"]:
    for method in ["OPTIONS", "GET"]:
        st, h = headers_for(f"/api/search?q={q('明月')}", method, Origin=origin,
                            **{"Access-Control-Request-Method": "GET"})
        check(st in (200, 204) and "access-control-allow-origin" not in h,
              f"{method} from {origin}: {st} {h}")
st, h = headers_for("/api/health")
check(st == 200 and "access-control-allow-origin" not in h,
      f"no Origin, no CORS header: {h}")

# A document whose title and text are markup comes back as data.
st, _, d = api(f"/api/search?q={q('注入测试')}")
check(st == 200 and d["hits"] and "<script>" in d["hits"][0]["title"],
      f"hostile document: {d}")

# ---- concurrency ----------------------------------------------------------
paths = [f"/api/search?q={q(w)}&limit=5" for w in ["援疆", "医疗", "医院 新疆", '"医疗队"']]
paths += [f"/api/suggest?q={q(w)}" for w in ["医", "新", "援"]] + ["/api/health"]
bad = []


def hammer(n):
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    for i in range(n):
        p = paths[i % len(paths)]
        c.request("GET", p)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            bad.append((p, r.status))
    c.close()


ts = [threading.Thread(target=hammer, args=(60,)) for _ in range(8)]
for t in ts:
    t.start()
for t in ts:
    t.join()
check(not bad, f"concurrent requests failed: {bad[:5]}")

# ---- live updates -----------------------------------------------------------
cached_path = f"/api/search?q={q('医疗队')}&limit=50"
request(cached_path)
st, h, b = request(cached_path)
check(h.get("x-cache") == "hit", f"repeated request: X-Cache {h.get('x-cache')}")
cached_before = json.loads(b)

stop = threading.Event()
live_bad, live_n = [], [0]


def background():
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    i = 0
    while not stop.is_set():
        p = paths[i % len(paths)]
        i += 1
        try:
            c.request("GET", p)
            r = c.getresponse()
            r.read()
            live_n[0] += 1
            if r.status != 200:
                live_bad.append((p, r.status))
        except (OSError, http.client.HTTPException) as e:
            live_bad.append((p, repr(e)))
            c.close()
            c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    c.close()


bg = [threading.Thread(target=background) for _ in range(3)]
for t in bg:
    t.start()
tokens = ["甲乙丙丁", "戊己庚辛", "壬癸子丑"]
added = 0
for k, tok in enumerate(tokens):
    path = f"{TMP}/live{k}.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for j in range(20):
            f.write(json.dumps({"id": f"live-{k}-{j}", "title": f"实时更新{k}",
                                "text": f"第{j}篇。新疆{tok}医疗队今天到达。"},
                               ensure_ascii=False) + "\n")
    subprocess.run([ZHS, "index", "--quiet", "--db", DB, path], check=True)
    added += 20
    t0 = time.monotonic()
    seen = None
    while time.monotonic() - t0 < 5:
        st, _, d = api(f"/api/search?q={q(tok)}&limit=0")
        if st == 200 and d["total"] == 20:
            seen = time.monotonic() - t0
            break
        time.sleep(0.02)
    check(seen is not None and seen <= 1.0,
          f"batch {k}: new documents served after {seen} s (want <= 1 s)")
    st, _, d = api(f"/api/doc/live-{k}-0")
    check(st == 200 and tok in d["text"], f"batch {k}: /api/doc: {st}")
    print(f"batch {k}: searchable {seen and round(seen * 1000)} ms after the commit")
time.sleep(0.3)
stop.set()
for t in bg:
    t.join()
check(not live_bad, f"requests failed during indexing: {live_bad[:5]}")
check(live_n[0] > 30, f"only {live_n[0]} requests during indexing")
print(f"{live_n[0]} requests during 3 commits, {len(live_bad)} failed")
st, _, d = api("/api/health")
check(st == 200 and d["documents"] == docs0 + added
      and d["revision"] > health["revision"],
      f"health after indexing: {d} (was {health})")

# The answer cache: a repeated request is a hit, and a commit makes the
# answers cached before it unreachable (the query below now also matches
# the documents added above).
st, h, b = request(cached_path)
d = json.loads(b)
check(d["total"] > cached_before["total"], "a cached answer outlived a commit")
want = cli_json("search", "--json", "--limit", "50", "医疗队")
check(without_time(d) == without_time(want) and d["total"] >= added,
      f"cached answer differs from the index after commits: {d['total']} "
      f"vs {want['total']}")
print(f"{checks} HTTP checks, {len(failures)} failed")
sys.exit(1 if failures else 0)
