"""Checks of `zhsearch stats --svg` charts made from tests/corpora/chart
(run by stats.test and chart.test).

Usage: chart_check.py geometry YEAR.svg MONTH.svg SOURCE.svg
       chart_check.py render YEAR.svg SOURCE.svg OUTDIR
The charts are of the terms T1 T2 T3 T4 below (the source chart of T1 and
T2).  geometry asserts the SVG's coordinates; render draws each with
rsvg-convert and looks at the pixels.  Prints one line per failed check,
exits 1 if any failed (render: 77 without rsvg-convert).
"""
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

NS = "{http://www.w3.org/2000/svg}"
T1, T2, T3 = "援疆", "自由软件", '"Free Software Foundation"'
T4 = "医疗队 OR 一个非常非常长的查询词语用来测试图例能否放得下"
TERMS = [T1, T2, T3, T4]
# documents per year of each term in tests/corpora/chart/dates.jsonl
YEARS = {T1: {1985: 2, 1991: 1, 2003: 3, 2004: 1},
         T2: {1991: 1, 2003: 3, 2004: 1},
         T3: {1991: 1},
         T4: {1985: 2, 2004: 1}}
UNDATED = {T1: 1, T2: 0, T3: 0, T4: 0}
SOURCES = ["free software foundation europe e.v.", "人民日报", "新华社", "unknown"]
BY_SOURCE = {T1: [1, 3, 3, 1], T2: [1, 3, 1, 0]}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def text_of(e):
    return "".join(e.itertext())


def no_title_text(e):
    """The text shown: every text node but <title>'s."""
    out = [e.text or ""]
    for k in e:
        if k.tag != NS + "title":
            out.append(no_title_text(k))
        out.append(k.tail or "")
    return "".join(out)


def title_of(e):
    t = e.find(NS + "title")
    return t.text if t is not None else None


def baseline(root):
    """The y of the x axis: the horizontal axis line right after the grid."""
    for l in root.iter(NS + "line"):
        if l.get("y1") == l.get("y2") and l.get("stroke") == "#333":
            return float(l.get("y1"))
    raise AssertionError("no x axis")


def series(root):
    """[(term, [(period, value, cx, cy)])] from the points' titles."""
    out = []
    for g in root.iter(NS + "g"):
        if g.get("class") != "points":
            continue
        pts = []
        for c in g.findall(NS + "circle"):
            m = re.fullmatch(r"(.+) · (.+): (\d+)", title_of(c) or "")
            assert m, title_of(c)
            pts.append((m.group(1), int(m.group(3)), float(c.get("cx")),
                        float(c.get("cy")), m.group(2), g.get("fill")))
        out.append(pts)
    return out


def check_common(root, name, xlabel):
    axis = [text_of(t) for t in root.iter(NS + "text") if t.get("class") == "axis-label"]
    check(axis == [xlabel, "Documents"], f"{name}: axis labels {axis}")
    caps = [g for g in root.iter(NS + "g") if g.get("class") == "caption"]
    check(len(caps) == 1, f"{name}: {len(caps)} captions")
    return title_of(caps[0]) if caps else ""


def check_legend(root, name, terms):
    entries = [g for g in root.iter(NS + "g") if g.get("class") == "legend"]
    check([title_of(g) for g in entries] == terms,
          f"{name}: legend tooltips {[title_of(g) for g in entries]}, want {terms}")
    for g, term in zip(entries, terms):
        shown = no_title_text(g.find(NS + "text"))
        lines = [text_of(s) for s in g.find(NS + "text").findall(NS + "tspan")]
        check(1 <= len(lines) <= 2, f"{name}: legend '{term}' in {len(lines)} lines")
        if shown.endswith("…"):
            check(term.replace(" ", "").startswith(shown[:-1].replace(" ", ""))
                  and len(shown) < len(term) + 1,
                  f"{name}: legend '{shown}' is not a cut of '{term}'")
        else:
            check(shown.replace(" ", "") == term.replace(" ", ""),
                  f"{name}: legend '{shown}' is not '{term}'")
    long_entry = [g for g in entries if title_of(g) == T4]
    if long_entry:
        check(no_title_text(long_entry[0].find(NS + "text")).endswith("…"),
              f"{name}: the long term is not cut")
    return entries


def geometry(year_svg, month_svg, source_svg):
    # ---- per year: every year from the first to the last, equally spaced
    root = ET.parse(year_svg).getroot()
    base = baseline(root)
    ss = series(root)
    check(len(ss) == 4, f"year: {len(ss)} series")
    polys = root.findall(f".//{NS}polyline")
    check(len(polys) == 4, f"year: {len(polys)} lines")
    scale = None
    for j, pts in enumerate(ss):
        term = pts[0][4] if pts else None
        check(term == TERMS[j], f"year: series {j} is {term}")
        check(pts and pts[0][5] == COLORS[j], f"year: series {j} colour")
        check([p[0] for p in pts] == [str(y) for y in range(1985, 2005)],
              f"year {term}: periods {[p[0] for p in pts]}")
        want = YEARS.get(term, {})
        check([p[1] for p in pts] == [want.get(y, 0) for y in range(1985, 2005)],
              f"year {term}: values {[p[1] for p in pts]}")
        xs = [p[2] for p in pts]
        steps = [b - a for a, b in zip(xs, xs[1:])]
        check(steps and max(steps) - min(steps) < 0.25 and min(steps) > 20,
              f"year {term}: x is not proportional to time: steps {steps}")
        for p in pts:
            if p[1] == 0:
                check(abs(p[3] - base) < 0.1, f"year {term} {p[0]}: zero at y {p[3]}, axis {base}")
            else:
                k = (base - p[3]) / p[1]
                scale = scale or k
                check(abs(k - scale) < 0.2, f"year {term} {p[0]}: y scale {k} vs {scale}")
        pl = [tuple(map(float, xy.split(","))) for xy in polys[j].get("points").split()]
        check([(round(x, 1), round(y, 1)) for x, y in pl]
              == [(round(p[2], 1), round(p[3], 1)) for p in pts],
              f"year {term}: the line does not go through the points")
    labels = {text_of(t): float(t.get("x")) for t in root.iter(NS + "text")
              if t.get("class") == "tick-label"}
    check(sorted(labels) == [str(y) for y in range(1985, 2005)],
          f"year: tick labels {sorted(labels)}")
    for p in ss[0] if ss else []:
        check(p[0] in labels and abs(labels[p[0]] - 4 - p[2]) < 0.2,
              f"year: label {p[0]} not under its point")
    cap = check_common(root, "year", "Year")
    for t in TERMS:
        check(t in cap, f"year caption lacks {t}: {cap}")
    check("1985 to 2004, 20 years" in cap and "without a year: 1 · 0 · 0 · 0 documents" in cap,
          f"year caption: {cap}")
    entries = check_legend(root, "year", TERMS)
    for g in entries:
        for t in g.iter(NS + "tspan"):
            check(float(t.get("x")) >= 740, "legend text left of the legend")

    # ---- per month: 1985-05 .. 2004-01, year labels
    root = ET.parse(month_svg).getroot()
    ss = series(root)
    n = (2004 * 12 + 0) - (1985 * 12 + 4) + 1
    check(len(ss) == 1 and len(ss[0]) == n, f"month: {[len(s) for s in ss]} points, want {n}")
    if ss and ss[0]:
        check(ss[0][0][0] == "1985-05" and ss[0][-1][0] == "2004-01"
              and sum(p[1] for p in ss[0]) == 7
              and dict((p[0], p[1]) for p in ss[0])["2003-07"] == 3,
              f"month: {ss[0][:2]} ... {ss[0][-1:]}")
        xs = [p[2] for p in ss[0]]
        steps = [b - a for a, b in zip(xs, xs[1:])]
        check(max(steps) - min(steps) < 0.25, f"month: uneven steps {min(steps)}..{max(steps)}")
    labels = [text_of(t) for t in root.iter(NS + "text") if t.get("class") == "tick-label"]
    check(labels == [str(y) for y in range(1986, 2005)], f"month: tick labels {labels}")
    check("without a month: 1 documents" in check_common(root, "month", "Month"),
          "month caption does not count the document without a month")

    # ---- per source: grouped bars, no line
    root = ET.parse(source_svg).getroot()
    base = baseline(root)
    check(not root.findall(f".//{NS}polyline"), "source: drawn as a line")
    groups = [g for g in root.iter(NS + "g") if g.get("class") == "bars"]
    check(len(groups) == 2, f"source: {len(groups)} bar groups")
    scale = None
    for j, g in enumerate(groups):
        term = [T1, T2][j]
        rects = g.findall(NS + "rect")
        titles = [title_of(r) for r in rects]
        check(titles == [f"{s} · {term}: {v}" for s, v in zip(SOURCES, BY_SOURCE[term])],
              f"source {term}: bars {titles}")
        for r, v in zip(rects, BY_SOURCE[term]):
            y, h = float(r.get("y")), float(r.get("height"))
            check(abs(y + h - base) < 0.05, f"source {term}: a bar does not stand on the axis")
            if v:
                scale = scale or h / v
                check(abs(h / v - scale) < 0.05, f"source {term}: height {h} for {v}")
            else:
                check(h == 0, f"source {term}: height {h} for 0")
        check(g.get("fill") == COLORS[j], f"source {term}: colour {g.get('fill')}")
    if len(groups) == 2:
        xs = [[float(r.get("x")) for r in g.findall(NS + "rect")] for g in groups]
        w = float(groups[0].find(NS + "rect").get("width"))
        check(all(abs(b - a - w) < 0.05 for a, b in zip(xs[0], xs[1])),
              "source: the second term's bar is not beside the first's")
    labels = [t for t in root.iter(NS + "text") if t.get("class") == "tick-label"]
    shown = [no_title_text(t) for t in labels]
    check(len(labels) == 4 and shown[1:] == SOURCES[1:], f"source labels {shown}")
    if labels:
        check(shown[0].endswith("…") and title_of(labels[0]) == SOURCES[0]
              and SOURCES[0].startswith(shown[0][:-1]),
              f"long source label '{shown[0]}' (tooltip {title_of(labels[0])})")
    check_common(root, "source", "Source")
    check_legend(root, "source", [T1, T2])


def read_png(path):
    """(width, height, rows of (r, g, b, a)) of an 8-bit RGB(A) PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, (depth, ctype)
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(w)])
        prev = line
    return w, h, rows


def rgb(hexcolor):
    return tuple(int(hexcolor[i:i + 2], 16) for i in (1, 3, 5))


def near(p, q, tol=40):
    return all(abs(a - b) <= tol for a, b in zip(p, q))


def render(year_svg, source_svg, outdir):
    tool = shutil.which("rsvg-convert")
    if not tool:
        print("SKIP: rsvg-convert is not installed (librsvg2-bin; tools/deps --test)")
        sys.exit(77)
    for svg, name in [(year_svg, "year"), (source_svg, "source")]:
        png = f"{outdir}/chart-{name}.png"
        r = subprocess.run([tool, "-o", png, svg], capture_output=True, text=True)
        if not check(r.returncode == 0, f"rsvg-convert {name}: {r.returncode} {r.stderr[:200]}"):
            continue
        w, h, px = read_png(png)
        print(f"rendered {svg} to {png} ({w}x{h})")
        check((w, h) == (960, 540), f"{name}: rendered {w}x{h}")
        white = (255, 255, 255)
        inked = sum(1 for row in px for p in row if not near(p, white, 8))
        check(inked > w * h // 100, f"{name}: only {inked} pixels drawn")
        # nothing runs off the right or bottom edge (legends, captions, labels)
        edge = [(x, y) for y in range(h) for x in range(w - 6, w) if not near(px[y][x], white, 8)]
        edge += [(x, y) for y in range(h - 4, h) for x in range(w) if not near(px[y][x], white, 8)]
        check(not edge, f"{name}: ink at the edge, something is clipped: {edge[:5]}")
        root = ET.parse(svg).getroot()
        if name == "year":
            # each point is drawn in the colour of the last series drawn there
            top = {}
            for pts in series(root):
                for period, v, cx, cy, term, color in pts:
                    top[(round(cx), round(cy))] = (term, period, color)
            nonzero = [k for k, v in top.items() if abs(k[1] - baseline(root)) > 3]
            check(len(nonzero) >= 4, f"{name}: only {len(nonzero)} points above the axis")
            for (x, y), (term, period, color) in top.items():
                check(near(px[y][x], rgb(color)),
                      f"{name}: {term} {period} at ({x}, {y}) is {px[y][x]}, want {color}")
        else:
            for g in root.iter(NS + "g"):
                if g.get("class") != "bars":
                    continue
                for r in g.findall(NS + "rect"):
                    x, y = float(r.get("x")), float(r.get("y"))
                    bw, bh = float(r.get("width")), float(r.get("height"))
                    if bh < 4:
                        continue
                    p = px[round(y + bh / 2)][round(x + bw / 2)]
                    check(near(p, rgb(g.get("fill")), 10),
                          f"{name}: bar {title_of(r)} centre is {p}, want {g.get('fill')}")
                    above = px[round(y) - 3][round(x + bw / 2)]
                    check(not near(above, rgb(g.get("fill")), 10),
                          f"{name}: bar {title_of(r)} drawn higher than its height")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "geometry":
        geometry(*sys.argv[2:5])
    else:
        render(*sys.argv[2:5])
    print(f"chart checks: {len(failures)} failed")
    sys.exit(1 if failures else 0)
