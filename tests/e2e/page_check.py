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


def cdp(method, **params):
    global seq
    seq += 1
    ws.send(json.dumps({"id": seq, "method": method, "params": params}))
    while True:
        msg = json.loads(ws.recv())
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


try:
    cdp("Page.enable")
    cdp("Runtime.enable")
    cdp("Page.navigate", url=BASE + "/")
    wait_for("document.readyState === 'complete' && !!document.getElementById('q')",
             "the page to load")

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

    # A query, submitted with Enter.
    js("document.getElementById('q').value = ''")
    type_text("医疗")
    time.sleep(0.2)
    press("Escape")
    press("Enter")
    wait_for("document.querySelectorAll('#results > li').length === 10",
             "ten results")
    marks = js("[...document.querySelectorAll('#results mark')].map(m => m.textContent)")
    check(marks and all(m in ("医疗", "醫療") or "医疗" in m for m in marks),
          f"highlights are not the query: {marks[:10]}")
    status = js("document.getElementById('status').textContent")
    check("第 1 /" in status, f"status line: {status}")
    page1 = js("[...document.querySelectorAll('#results > li')].map(l => l.dataset.id)")
    shot = cdp("Page.captureScreenshot", format="png")["data"]
    with open(SHOT, "wb") as f:
        f.write(base64.b64decode(shot))
    print(f"screenshot of the first page of results: {SHOT} "
          f"({os.path.getsize(SHOT)} bytes)")

    # Follow a page by keyboard: focus Next, press Enter.
    check(not js("document.getElementById('pager').hidden"), "no pager")
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

    # Markup in documents stays text.
    cdp("Page.navigate", url=BASE + "/?q=" + urllib.parse.quote("注入测试"))
    wait_for("document.querySelectorAll('#results > li').length > 0", "hostile doc")
    check(js("window.__xss === undefined"), "a document's markup ran script")
    check(js("document.querySelectorAll('#results script, #results img').length") == 0,
          "a document's markup became elements")
    check("<script>" in (js("document.querySelector('.hit-title').textContent") or ""),
          "the title's markup is not shown as text")
finally:
    try:
        ws.close()
    finally:
        proc.kill()
        proc.wait()

print(f"page checks: {len(failures)} failed")
sys.exit(1 if failures else 0)
