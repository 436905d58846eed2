"""Tests of the Python module zhsearch against the zhsearch command.

Run by tests/python/python.test, which sets ZHSEARCH (the program),
ZHS_TEST_DB (an index of the bundled corpus and two test corpora, built
by the program) and ZHS_TEST_JSONL (a JSON Lines file in that index).
Every answer of the module must equal the JSON the program prints for
the same question, but for took_ms (a wall time).
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

import zhsearch

ZHS = os.environ["ZHSEARCH"]
DB = os.environ["ZHS_TEST_DB"]
JSONL = os.environ["ZHS_TEST_JSONL"]


def cli(*args, lines=False):
    """The program's JSON output for args (and its exit status)."""
    p = subprocess.run([ZHS, *args], capture_output=True, text=True)
    if lines:
        return [json.loads(l) for l in p.stdout.splitlines() if l], p.returncode
    return json.loads(p.stdout), p.returncode


def timeless(r):
    r = dict(r)
    r.pop("took_ms", None)
    return r


# (query, keyword arguments of search, the program's options for them)
SEARCHES = [
    ("医疗", {}, []),
    ("援疆", {"limit": 3}, ["--limit", "3"]),
    ("援疆", {"limit": 2, "offset": 2}, ["--limit", "2", "--offset", "2"]),
    ("援疆", {"sort": "newest"}, ["--sort", "newest"]),
    ("援疆", {"sort": "oldest", "facets": "year,source"},
     ["--sort", "oldest", "--facets", "year,source"]),
    ("援疆", {"facets": ["month"]}, ["--facets", "month"]),
    ('"医疗 队"', {}, []),
    ("医疗 OR 自由软件", {"limit": 20}, ["--limit", "20"]),
    ("援疆 -医疗", {}, []),
    ("title:图表", {"collapse": False}, ["--no-collapse"]),
    ("date:1985..2003 援疆", {}, []),
    ("source:新华社", {}, []),
    ("上海 医疗 人才", {"snippets": 1}, ["--snippets", "1"]),
    ("utf8", {}, []),
    ("deb*", {}, []),
    ("没有这个词组合", {}, []),
]


class SearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ix = zhsearch.open(DB)

    @classmethod
    def tearDownClass(cls):
        cls.ix.close()

    def test_search_equals_cli(self):
        nonempty = 0
        for q, kw, opts in SEARCHES:
            with self.subTest(query=q, **{k: str(v) for k, v in kw.items()}):
                want, rc = cli("search", "--db", DB, "--json", *opts, q)
                self.assertEqual(rc, 0)
                got = self.ix.search(q, **kw)
                self.assertEqual(timeless(got), timeless(want))
                self.assertIsInstance(got["took_ms"], (int, float))
                nonempty += len(got["hits"]) > 0
        # the table exercises hits, order, snippets and highlights
        self.assertGreaterEqual(nonempty, len(SEARCHES) - 2)

    def test_hit_fields(self):
        r = self.ix.search("医疗", limit=1)
        h = r["hits"][0]
        self.assertEqual(h["rank"], 1)
        s = h["snippets"][0]
        for a, b in s["highlights"]:
            self.assertEqual(s["text"][a:b], "医疗")
        self.assertIs(r["total_is_estimate"], False)

    def test_kwic_equals_cli(self):
        for q, kw, opts in [
            ("医疗", {}, []),
            ("援疆", {"width": 5}, ["--width", "5"]),
            ("援疆", {"width": 8, "sort": "left"}, ["--width", "8", "--sort",
                                                   "left"]),
            ("医疗 OR 援疆", {"sort": "right", "limit": 7},
             ["--sort", "right", "--limit", "7"]),
            ("医疗", {"limit": 0}, ["--limit", "0"]),
        ]:
            with self.subTest(query=q, **{k: str(v) for k, v in kw.items()}):
                want, rc = cli("kwic", "--db", DB, "--json", *opts, q,
                               lines=True)
                self.assertEqual(rc, 0)
                it = self.ix.kwic(q, **kw)
                self.assertEqual(iter(it), it)  # an iterator
                self.assertEqual(list(it), want)

    def test_stats_equals_cli(self):
        for terms, by in [(["援疆", "医疗"], "year"), ("援疆", "month"),
                          (["医疗", '"自由软件"'], "source")]:
            with self.subTest(terms=terms, by=by):
                args = [terms] if isinstance(terms, str) else terms
                want, rc = cli("stats", "--db", DB, "--format", "json",
                               "--by", by, *args)
                self.assertEqual(rc, 0)
                self.assertEqual(self.ix.stats(terms, by=by), want)
        want, rc = cli("stats", "--db", DB, "--format", "json")
        self.assertEqual(self.ix.stats(), want)

    def test_get_equals_cli(self):
        first = self.ix.search("医疗")["hits"][0]["id"]   # a file's id
        for doc_id in [first, "c-3"]:
            want, rc = cli("show", "--db", DB, "--json", doc_id)
            self.assertEqual(rc, 0)
            self.assertEqual(self.ix.get(doc_id), want)

    def test_errors_are_exceptions(self):
        for q in ['"unclosed', "医疗 (", "a OR", "title:"]:
            with self.subTest(query=q):
                want, rc = cli("search", "--db", DB, "--json", q)
                with self.assertRaises(zhsearch.QuerySyntaxError) as c:
                    self.ix.search(q)
                e = c.exception
                self.assertIsInstance(e, zhsearch.Error)
                self.assertEqual(e.code, want["error"]["code"])
                self.assertEqual(e.code, "EQUERY")
                self.assertEqual(str(e), want["error"]["message"])
                self.assertIsInstance(e.position, int)
                self.assertIn("position %d" % e.position, str(e))
        with self.assertRaises(zhsearch.Error) as c:
            self.ix.search("医疗", limit=10 ** 6)
        self.assertEqual(c.exception.code, "EUSAGE")
        with self.assertRaises(zhsearch.Error) as c:
            self.ix.search("医疗", sort="sideways")
        self.assertEqual(c.exception.code, "EUSAGE")
        with self.assertRaises(zhsearch.Error) as c:
            self.ix.kwic("医疗", width=501)
        self.assertEqual(c.exception.code, "EUSAGE")
        want, rc = cli("show", "--db", DB, "--json", "no-such-id")
        with self.assertRaises(zhsearch.Error) as c:
            self.ix.get("no-such-id")
        self.assertEqual(c.exception.code, want["error"]["code"])
        self.assertEqual(c.exception.code, "ENODOC")
        self.assertEqual(c.exception.message, want["error"]["message"])
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(zhsearch.Error) as c:
                zhsearch.open(os.path.join(d, "none"))
            self.assertEqual(c.exception.code, "ENOINDEX")
            self.assertNotIsInstance(c.exception, zhsearch.QuerySyntaxError)

    def test_two_threads(self):
        queries = [q for q, kw, _ in SEARCHES if not kw]
        alone = {q: timeless(self.ix.search(q)) for q in queries}
        shared = zhsearch.open(DB)
        errors = []

        def run(ix):
            try:
                for _ in range(15):
                    for q in queries:
                        if timeless(ix.search(q)) != alone[q]:
                            errors.append("differs: " + q)
            except Exception as e:  # reported below
                errors.append(repr(e))

        # a handle each, then two threads sharing one handle (its lock
        # takes them in turn)
        for handles in ([zhsearch.open(DB), zhsearch.open(DB)],
                        [shared, shared]):
            ts = [threading.Thread(target=run, args=(h,)) for h in handles]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        self.assertEqual(errors, [])
        shared.close()
        with self.assertRaises(ValueError):
            shared.search("医疗")

    def test_gil_released(self):
        # With a switch interval of a minute, a thread holding the GIL
        # keeps it: the main thread then runs only while the worker is
        # inside the library with the GIL released.
        import sys
        import time
        ix = zhsearch.open(DB)
        done = threading.Event()

        def work():
            for _ in range(60):
                ix.search("医疗 OR 援疆 OR 自由软件", limit=50)
            done.set()

        old = sys.getswitchinterval()
        sys.setswitchinterval(60)
        try:
            t = threading.Thread(target=work)
            t.start()
            n = 0
            while not done.is_set():
                n += 1
                time.sleep(0.0005)
            t.join()
        finally:
            sys.setswitchinterval(old)
            ix.close()
        self.assertGreaterEqual(n, 10, "the main thread ran %d times "
                                "during 60 searches" % n)


class IndexTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zhs-py-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def records(self):
        with open(JSONL, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]

    def test_index_equals_cli_index(self):
        recs = self.records()
        py_db = os.path.join(self.dir, "py")
        cli_db = os.path.join(self.dir, "cli")
        got = zhsearch.index(py_db, iter(recs))   # any iterable
        self.assertEqual(got, {"added": len(recs), "updated": 0,
                               "unchanged": 0})
        subprocess.run([ZHS, "index", "--db", cli_db, JSONL], check=True,
                       capture_output=True)
        with zhsearch.open(py_db) as a, zhsearch.open(cli_db) as b:
            self.assertEqual(a.doc_count, len(recs))
            for q in ["援疆", "自由软件", "source:新华社", "date:1985"]:
                ra, rb = a.search(q), b.search(q)
                self.assertEqual(ra["total"], rb["total"])
                for ha, hb in zip(ra["hits"], rb["hits"]):
                    for k in ("id", "score", "title", "date", "source",
                              "snippets"):
                        self.assertEqual(ha[k], hb[k], (q, k))
            self.assertEqual(a.get("c-1")["text"], recs[0]["text"])
        again = zhsearch.index(py_db, recs)
        self.assertEqual(again["unchanged"], len(recs))

    def test_rejected_record_commits_nothing(self):
        db = os.path.join(self.dir, "ix")
        zhsearch.index(db, [{"id": "a", "text": "第一篇"}])
        with self.assertRaises(zhsearch.Error) as c:
            zhsearch.index(db, [{"id": "b", "text": "第二篇"},
                                {"id": "c", "title": "no text"}])
        self.assertEqual(c.exception.code, "EREJECTED")
        self.assertEqual(c.exception.record, 1)
        self.assertIn("no text", str(c.exception))
        with zhsearch.open(db) as ix:
            self.assertEqual(ix.doc_count, 1)
        with self.assertRaises(TypeError):
            zhsearch.index(db, ["not a dict"])

    def test_fields_as_jsonl(self):
        db = os.path.join(self.dir, "ix")
        with self.assertWarns(UserWarning):
            zhsearch.index(db, [{"id": 7, "content": "正文在 content 里",
                                 "pubdate": "2017 年 9 月 21 日星期四",
                                 "author": "杜甫、李白", "source": 3}])
        with zhsearch.open(db) as ix:
            d = ix.get("7")
            self.assertEqual(d["date"], "2017-09-21")
            self.assertEqual(d["text"], "正文在 content 里")
            self.assertIsNone(d["source"])   # not a string: dropped
            self.assertEqual(ix.search("author:李白")["total"], 1)


if __name__ == "__main__":
    unittest.main()
