"""Drives the search page in headless Chromium over the DevTools protocol
(run by page.test).

Usage: page_check.py BASE_URL SCREENSHOT.png TMPDIR
Exits 77 when Chromium or python3-websocket is missing, 1 on a failure.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request

BASE, SHOT, TMP = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
SHOTS = os.path.dirname(SHOT) or "."
try:
    import websocket  # python3-websocket
except ImportError:
    print("SKIP: python3-websocket is not installed (tools/deps --test)")
    sys.exit(77)
CHROME = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROME:
    print("SKIP: chromium is not installed (tools/deps --test installs it)")
    sys.exit(77)

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


proc = subprocess.Popen(
    [CHROME, "--headless=new", "--no-sandbox", "--disable-gpu",
     "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0",
     "--remote-allow-origins=*", f"--user-data-dir={TMP}/chrome",
     "--window-size=1100,1300", "about:blank"],
    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
ws_url = None
deadline = time.monotonic() + 60
for line in proc.stderr:
    if "DevTools listening on" in line:
        ws_url = line.split("listening on", 1)[1].strip()
        break
    if time.monotonic() > deadline:
        break
if not ws_url:
    proc.kill()
    print("SKIP: chromium did not start its DevTools endpoint")
    sys.exit(77)
port = ws_url.split(":")[2].split("/")[0]
targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
page = next(t for t in targets if t["type"] == "page")
ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                 suppress_origin=True)
seq = 0
errors = []          # exceptions thrown by the page's script


def cdp(method, **params):
    global seq
    seq += 1
    ws.send(json.dumps({"id": seq, "method": method, "params": params}))
    while True:
        msg = json.loads(ws.recv())
        if msg.get("method") == "Runtime.exceptionThrown":
            d = msg["params"]["exceptionDetails"]
            errors.append(d.get("exception", {}).get("description") or d.get("text"))
        if msg.get("id") == seq:
            if "error" in msg:
                raise RuntimeError(f"{method}: {msg['error']}")
            return msg.get("result", {})


def js(expr):
    r = cdp("Runtime.evaluate", expression=expr, returnByValue=True,
            awaitPromise=True)
    if "exceptionDetails" in r:
        raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
    return r["result"].get("value")


def wait_for(expr, what, timeout=10):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if js(expr):
            return True
        time.sleep(0.05)
    check(False, f"timed out waiting for {what} ({expr})")
    return False


KEYS = {"Enter": (13, "\r"), "ArrowDown": (40, ""), "ArrowUp": (38, ""),
        "Escape": (27, ""), "Tab": (9, "")}


def press(key):
    code, text = KEYS[key]
    down = {"type": "keyDown", "key": key, "code": key,
            "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code}
    if text:
        down["text"] = text
    cdp("Input.dispatchKeyEvent", **down)
    cdp("Input.dispatchKeyEvent", type="keyUp", key=key, code=key,
        windowsVirtualKeyCode=code, nativeVirtualKeyCode=code)


def type_text(s):
    for ch in s:
        cdp("Input.insertText", text=ch)
        time.sleep(0.02)


def screenshot(path, what):
    data = cdp("Page.captureScreenshot", format="png")["data"]
    with open(path, "wb") as f:
        f.write(base64.b64decode(data))
    print(f"screenshot of {what}: {path} ({os.path.getsize(path)} bytes)")


def shown(id_):
    """Whether the element takes up room on the page (not display:none)."""
    return js(f"(() => {{ const e = document.getElementById('{id_}');"
              " return !!e && getComputedStyle(e).display !== 'none'"
              " && e.getBoundingClientRect().height > 0; })()")


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=30) as r:
        return json.load(r)


def navigate(path):
    """Goes to path and waits for the new document (not the old one)."""
    js("window.__leaving = true")
    cdp("Page.navigate", url=BASE + path)
    wait_for("!window.__leaving && document.readyState === 'complete'"
             " && !!document.getElementById('q')", f"{path} to load")


def load(path, what):
    navigate(path)
    return wait_for("!document.getElementById('status').textContent.includes('搜索中')"
                    " && document.getElementById('status').textContent !== ''", what)


def press_on(selector):
    js(f"document.querySelector({json.dumps(selector)}).focus()")
    press("Enter")


def hit_metas():
    return js("[...document.querySelectorAll('#results .meta')].map(m => m.textContent)")


try:
    cdp("Page.enable")
    cdp("Runtime.enable")
    cdp("Page.navigate", url=BASE + "/")
    wait_for("document.readyState === 'complete' && !!document.getElementById('q')",
             "the page to load")
    # The start page: nothing to page through, no facets.
    check(not shown("pager"), "the pager shows on the empty start page")
    check(not shown("facets"), "the facet panel shows on the empty start page")
    screenshot(os.path.join(SHOTS, "page-start.png"), "the start page")

    # Keyboard only: the box has focus; typing completes.
    check(js("document.activeElement.id") == "q", "search box is not focused")
    type_text("援疆 医")
    if wait_for("!document.getElementById('suggest').hidden && "
                "document.querySelectorAll('#suggest [role=option]').length > 0",
                "suggestions"):
        opts = js("[...document.querySelectorAll('#suggest [role=option]')]"
                  ".map(o => o.firstChild.textContent)")
        kinds = js("[...document.querySelectorAll('#suggest .kind')]"
                   ".map(o => o.textContent)")
        words = [o for o, k in zip(opts, kinds) if "title" not in k]
        check(words and all(o.startswith("援疆 医") for o in words),
              f"suggestions do not complete the last word: {opts}")
        check(js("document.getElementById('q').getAttribute('aria-expanded')") == "true",
              "aria-expanded not set")
        press("ArrowDown")
        check(js("document.getElementById('q').getAttribute('aria-activedescendant')")
              == "sug-0", "ArrowDown does not select the first suggestion")
        press("Escape")
        check(js("document.getElementById('suggest').hidden"), "Escape does not close")

    # Pinyin: typing yiyuan completes to 医院 with its reading shown, and
    # choosing it with the keyboard searches for it (a reading that ICU's
    # fallback gets right too: pinyin.test checks the dictionary's).
    js("document.getElementById('q').value = ''")
    type_text("yiyuan")
    if wait_for("[...document.querySelectorAll('#suggest [role=option]')]"
                ".some(o => o.firstChild.textContent === '医院')",
                "pinyin suggestions for yiyuan"):
        opts = js("[...document.querySelectorAll('#suggest [role=option]')]"
                  ".map(o => o.firstChild.textContent)")
        readings = js("[...document.querySelectorAll('#suggest .reading')]"
                      ".map(o => o.textContent)")
        check("yi yuan" in readings, f"the reading is not shown: {readings}")
        screenshot(os.path.join(SHOTS, "page-pinyin.png"), "pinyin completion")
        for _ in range(opts.index("医院") + 1):
            press("ArrowDown")
        press("Enter")
        wait_for("document.getElementById('q').value === '医院' && "
                 "document.querySelectorAll('#results mark').length > 0",
                 "the search for the chosen 医院")
        marks = js("[...document.querySelectorAll('#results mark')]"
                   ".map(m => m.textContent)")
        check(marks and all(m == "医院" for m in marks),
              f"医院 chosen by pinyin is not what is highlighted: {marks[:5]}")

    # A query, submitted with Enter.
    js("document.getElementById('q').value = ''")
    type_text("医疗")
    time.sleep(0.2)
    press("Escape")
    press("Enter")
    # (the pinyin step's page of 医院 has ten results too: wait for the
    # new page, not for any ten)
    wait_for("document.querySelectorAll('#results > li').length === 10 && "
             "[...document.querySelectorAll('#results mark')]"
             ".some(m => m.textContent !== '医院')",
             "ten results")
    marks = js("[...document.querySelectorAll('#results mark')].map(m => m.textContent)")
    check(marks and all(m in ("医疗", "醫療") or "医疗" in m for m in marks),
          f"highlights are not the query: {marks[:10]}")
    status = js("document.getElementById('status').textContent")
    check("第 1 /" in status, f"status line: {status}")
    page1 = js("[...document.querySelectorAll('#results > li')].map(l => l.dataset.id)")
    # The pager on the first page: Previous disabled, Next not.
    check(shown("pager"), "no pager for more than one page of results")
    check(js("document.getElementById('prev').disabled"), "Previous enabled on page 1")
    check(not js("document.getElementById('next').disabled"), "Next disabled on page 1")
    # Facets: a list per facet with the API's counts.
    want = api("/api/search?" + urllib.parse.urlencode(
        {"q": "医疗", "limit": 0, "facets": "source,year"}))["facets"]
    check(shown("facets"), "no facet panel beside the results")
    for name in ["source", "year"]:
        got = js(f"[...document.querySelectorAll('#facets [data-facet={name}] button')]"
                 ".map(b => [b.dataset.value, +b.querySelector('.fc').textContent])")
        expect = sorted([f["value"], f["count"]] for f in want[name])[:20]
        check(got and sorted(got) == sorted(expect)[:len(got)] and len(got) == min(20, len(want[name])),
              f"{name} facet: {got} against the API's {want[name]}")
    screenshot(SHOT, "the first page of results with facets")

    # Follow a page by keyboard: focus Next, press Enter.
    js("document.getElementById('next').focus()")
    press("Enter")
    wait_for("location.search.includes('page=2') && "
             "document.getElementById('status').textContent.includes('第 2 /')",
             "page 2")
    wait_for("document.querySelectorAll('#results > li').length > 0", "page 2 results")
    page2 = js("[...document.querySelectorAll('#results > li')].map(l => l.dataset.id)")
    check(page2 and not set(page1) & set(page2), f"page 2 repeats page 1: {page2}")
    check(js("document.activeElement.id") == "results-heading",
          "focus does not move to the results after paging")
    check(not js("document.getElementById('prev').disabled"), "Previous disabled on page 2")

    # The last page: Next disabled.
    total = api("/api/search?" + urllib.parse.urlencode({"q": "医疗", "limit": 0}))["total"]
    last = (total + 9) // 10
    load(f"/?q={urllib.parse.quote('医疗')}&page={last}", "the last page")
    wait_for(f"document.getElementById('status').textContent.includes('第 {last} / {last}')",
             "the last page's status")
    check(shown("pager") and js("document.getElementById('next').disabled")
          and not js("document.getElementById('prev').disabled"),
          f"pager on the last page ({last}): Next should be disabled, Previous not")
    # A page past the last (an old link): the last page, and its address.
    load(f"/?q={urllib.parse.quote('医疗')}&page={last + 5}", "a page past the last")
    wait_for(f"document.getElementById('status').textContent.includes('第 {last} / {last}')"
             f" && location.search.includes('page={last}')"
             " && document.querySelectorAll('#results > li').length > 0",
             "the last page instead of an empty one past it")
    js("history.back()")
    js("history.back()")
    wait_for("location.search.includes('page=2')", "Back to page 2")

    # Opening a document by keyboard.
    js("document.querySelector('.hit-title button').focus()")
    press("Enter")
    wait_for("!!document.querySelector('.fulltext')", "the document's text")
    check(len(js("document.querySelector('.fulltext').textContent") or "") > 50,
          "document text too short")

    # A source filter.
    js("document.getElementById('source').focus()")
    type_text("人民日报")
    press("Enter")
    wait_for("location.search.includes('source=')", "the source filter")
    # the earlier page stays until the new answer arrives
    wait_for("(() => { const m = [...document.querySelectorAll('#results .meta')];"
             " return m.length > 0 && m.every(x => x.textContent.includes('人民日报')); })()",
             "results from that source only")
    metas = js("[...document.querySelectorAll('#results .meta')].map(m => m.textContent)")
    check(metas and all("人民日报" in m for m in metas), f"source filter: {metas}")

    # Facet clicks filter, and the state is in the address.
    load("/?q=" + urllib.parse.quote("医疗"), "results for facets")
    wait_for("document.querySelectorAll('#facets [data-facet=source] button').length > 1",
             "source facets")
    src = js("document.querySelector('#facets [data-facet=source] button').dataset.value")
    press_on("#facets [data-facet=source] button")
    wait_for("new URLSearchParams(location.search).get('source') === "
             f"{json.dumps(src)}", "the source facet in the address")
    wait_for(f"(() => {{ const m = [...document.querySelectorAll('#results .meta')];"
             f" return m.length > 0 && m.every(x => x.textContent.includes({json.dumps(src)})); }})()",
             "results of the clicked source only")
    n_src = api("/api/search?" + urllib.parse.urlencode(
        {"q": "医疗", "limit": 0, "source": src}))["total"]
    check(f"{n_src} 条结果" in js("document.getElementById('status').textContent"),
          f"source facet {src}: status does not say the API's {n_src} results")
    check(js("document.querySelector('#facets [data-facet=source] [aria-pressed=true]')"
             f"?.dataset.value") == src, "the clicked source is not shown pressed")
    year = js("document.querySelector('#facets [data-facet=year] button')?.dataset.value")
    check(year, "no year facet after filtering by source")
    if year:
        press_on(f"#facets [data-facet=year] button[data-value='{year}']")
        wait_for(f"location.search.includes('from={year}') && location.search.includes('to={year}')",
                 "the year facet in the address")
        wait_for(f"(() => {{ const m = [...document.querySelectorAll('#results .meta')];"
                 f" return m.length > 0 && m.every(x => x.textContent.startsWith('{year}')"
                 f" && x.textContent.includes({json.dumps(src)})); }})()",
                 "results of that source and year only")
        # The address alone restores it all.
        where = js("location.pathname + location.search")
        ids = js("[...document.querySelectorAll('#results > li')].map(l => l.dataset.id)")
        load(where, "the bookmarked facets")
        wait_for("document.querySelectorAll('#results > li').length > 0", "bookmarked results")
        check(js("[...document.querySelectorAll('#results > li')].map(l => l.dataset.id)") == ids,
              "the address does not restore the facet filters' results")
        check(js("document.getElementById('source').value") == src
              and js("document.getElementById('from').value") == year,
              "the address does not restore the filter fields")
        check(js("[...document.querySelectorAll('#facets [aria-pressed=true]')]"
                 ".map(b => b.dataset.value).sort()") == sorted([src, year]),
              "the address does not restore the pressed facets")
        # A pressed facet, clicked again, stops filtering.
        press_on(f"#facets [data-facet=source] button[aria-pressed=true]")
        wait_for("!location.search.includes('source=')", "the source facet released")
        wait_for("document.querySelectorAll('#facets [data-facet=source] button').length > 1",
                 "every source again")

    # A query the box cannot parse: Chinese and English, and the literal
    # text offered as a search instead of a dead end.
    for typed, zh, en, literal in [
            ('"医院', "引号不成对（第 1 个字符）", "unbalanced quote at position 1", '"医院"'),
            ("医疗 foo:bar", "未知字段 foo:（第 4 个字符）", "unknown field 'foo:' at position 4",
             '"医疗" "foo:bar"'),
            ("(医疗 OR", "OR 两边都需要搜索词", "OR at position 5 needs a term", '"(医疗" "OR"')]:
        navigate("/")
        js("document.getElementById('q').focus()")
        type_text(typed)
        time.sleep(0.2)     # no Escape: in an empty list it clears the box
        press("Enter")
        if not wait_for("!!document.querySelector('#status .error')", f"the error for {typed}"):
            continue
        status = js("document.getElementById('status').textContent")
        check(zh in status and en in status, f"{typed}: status {status!r}, want {zh} and {en}")
        check(not shown("pager") and not shown("facets"),
              f"{typed}: pager or facets shown after an error")
        check(js("document.getElementById('prev').disabled && document.getElementById('next').disabled"),
              f"{typed}: paging buttons enabled after an error")
        offer = js("document.getElementById('literal')?.textContent")
        check(offer and f"搜索字面文本 {literal}？" in offer,
              f"{typed}: offer {offer!r}, want the literal {literal}")
        if typed.startswith('"'):
            screenshot(os.path.join(SHOTS, "page-error.png"), "a query error")
        if offer:
            press_on("#literal")
            wait_for(f"document.getElementById('q').value === {json.dumps(literal)}"
                     " && !document.querySelector('#status .error')"
                     " && !document.getElementById('status').textContent.includes('搜索中')",
                     f"the literal search {literal}")
            check(urllib.parse.parse_qs(urllib.parse.urlsplit(js("location.href")).query)
                  .get("q") == [literal], f"literal search not in the address: {js('location.href')}")
            got = js("document.querySelectorAll('#results > li').length")
            want_n = min(10, api("/api/search?" + urllib.parse.urlencode(
                {"q": literal, "limit": 0}))["total"])
            check(got == want_n, f"literal {literal}: {got} results, want {want_n}")

    # An overlong query: the message, but no literal search to offer (it
    # would be just as long).
    load("/?q=" + urllib.parse.quote("医" * 1001), "an overlong query")
    status = js("document.getElementById('status').textContent")
    check("查询太长（最多 1000 个字符）" in status and "longer than 1000" in status,
          f"overlong query: status {status[:200]!r}")
    check(js("!document.getElementById('literal')"), "a literal search offered for an overlong query")

    # Markup in documents stays text.
    cdp("Page.navigate", url=BASE + "/?q=" + urllib.parse.quote("注入测试"))
    wait_for("document.querySelectorAll('#results > li').length > 0", "hostile doc")
    check(not shown("pager"), "the pager shows for one page of results")
    check(js("window.__xss === undefined"), "a document's markup ran script")
    check(js("document.querySelectorAll('#results script, #results img').length") == 0,
          "a document's markup became elements")
    check("<script>" in (js("document.querySelector('.hit-title').textContent") or ""),
          "the title's markup is not shown as text")
    check(not errors, f"the page's script threw: {errors[:3]}")
finally:
    try:
        ws.close()
    finally:
        proc.kill()
        proc.wait()

print(f"page checks: {len(failures)} failed")
sys.exit(1 if failures else 0)
