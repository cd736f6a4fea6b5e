#!/usr/bin/env python3
"""tests/chromecheck.py PAGE.html [options] -- an HTML report as a browser sees it.

Loads PAGE in headless Chromium (a fresh profile, background networking off)
and fails (exit 1, one line per defect) when
  - the page made a request that is not file: or data: (Chromium's net log:
    every URL request whose network isolation key is the page's, file://);
  - the browser's console said anything (an error, a CSP violation: the
    report has no script, so any message is a defect);
  - in the DOM after load (--dump-dom): a figure named by --figures is
    missing, or has no <svg>, or one of its plot groups (gnuplot's
    NAME_plot_K) holds nothing but its legend key (a line's two points, a
    band's polygon, one mark);
    or --guests sections are not there; or a figure has no table.fig-data.
--screenshot FILE: a PNG of the page at --width x --height.
--empty GUEST=FIG,FIG (repeatable): those figures of that guest's section
(data-guest, "" for a run's one guest) have nothing to draw by the truth:
they must be figure.no-data, and every other figure must not be.
--no-svg: the page must have no <svg> and say why (p.no-plot) in every
figure with data (a page made without gnuplot).
Exit 0 when the page is sound, 1 with the defects, 2 when Chromium cannot run."""
import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
         "--disable-extensions", "--disable-client-side-phishing-detection", "--mute-audio",
         "--disable-features=Translate,OptimizationHints,MediaRouter,SpellCheck"]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def run(browser, args, tmp, timeout=120):
    prof = tempfile.mkdtemp(dir=tmp, prefix="profile.")
    cmd = [browser] + FLAGS + ["--user-data-dir=" + prof] + args
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"chromecheck: chromium did not finish in {timeout} s: {' '.join(cmd)}")
        sys.exit(2)
    return p


def page_requests(netlog):
    """URLs the page itself asked for (its network isolation key is file://)."""
    d = json.load(open(netlog))
    names = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    by_source, page_sources = {}, set()
    for e in d["events"]:
        p = e.get("params") or {}
        sid = e["source"]["id"]
        if "url" in p:
            by_source.setdefault(sid, p["url"])
        if names.get(e["type"]) == "URL_REQUEST_START_JOB":
            key = p.get("network_isolation_key", "") + " " + p.get("site_for_cookies", "")
            if "file://" in key or p.get("initiator") in ("null", "file://"):
                page_sources.add(sid)
    return sorted({by_source[s] for s in page_sources if s in by_source})


class Dom(html.parser.HTMLParser):
    """The figures: per figure its svg's plot groups and whether each has data."""

    def __init__(self):
        super().__init__()
        self.stack, self.figures, self.guests, self.no_plot = [], [], 0, 0
        self.fig = None      # the figure being read
        self.guest = None    # the section's data-guest
        self.group = None    # the plot group being read: [id, has_data]
        self.group_depth = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ("meta", "br", "img", "input", "link", "hr", "col", "wbr"):
            self.stack.append(tag)
        self._open(tag, a)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, dict(attrs))

    def _open(self, tag, a):
        cls = (a.get("class") or "").split()
        if tag == "section" and "guest" in cls:
            self.guests += 1
            self.guest = a.get("data-guest", "")
        if tag == "figure" and "data-fig" in a:
            self.fig = {"name": a["data-fig"], "svg": False, "groups": [], "table": False,
                        "no_plot": False, "depth": len(self.stack), "guest": self.guest,
                        "empty": "no-data" in cls}
            self.figures.append(self.fig)
        if self.fig is None:
            return
        if tag == "svg":
            self.fig["svg"] = True
        if tag == "table" and "fig-data" in cls:
            self.fig["table"] = True
        if tag == "p" and "no-plot" in cls:
            self.fig["no_plot"] = True
        if tag == "g" and re.search(r"_plot_\d+$", a.get("id") or ""):
            self.group = [a["id"], False, {"pairs": 0, "polys": 0, "uses": 0, "key": 0}]
            self.group_depth = len(self.stack)  # the g is on the stack
            self.fig["groups"].append(self.group)
        if self.group is not None:
            # a series with a title has its legend key in the group too (a
            # line's two points of a path, a band's polygon, one mark): its
            # data are more than that
            g = self.group[2]
            if tag == "path":
                g["pairs"] += len(re.findall(r"[-\d.]+\s*,\s*[-\d.]+", a.get("d") or ""))
            if tag in ("polygon", "polyline"):
                g["polys"] += 1
            if tag == "use":
                g["uses"] += 1
            if tag == "text":
                g["key"] = 1  # its legend entry: the key is drawn beside the title
            k = g["key"]
            self.group[1] = g["pairs"] >= 2 + k or g["polys"] >= 1 + k or g["uses"] >= 1 + k

    def handle_endtag(self, tag):
        while self.stack:
            t = self.stack.pop()
            if self.group is not None and len(self.stack) < self.group_depth:
                self.group = None
            if self.fig is not None and t == "figure" and len(self.stack) <= self.fig["depth"]:
                self.fig = None
            if t == tag:
                break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--figures", default="", help="comma-separated names every guest must have")
    ap.add_argument("--guests", type=int, default=1)
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=1100)
    ap.add_argument("--height", type=int, default=2400)
    ap.add_argument("--no-svg", action="store_true")
    ap.add_argument("--empty", action="append", default=[])
    o = ap.parse_args()
    browser = chromium()
    if browser is None:
        print("chromecheck: no chromium (apt-get install chromium, or make deps)")
        return 2
    page = os.path.abspath(o.page)
    url = "file://" + page
    defects = []
    with tempfile.TemporaryDirectory(prefix="chromecheck.") as tmp:
        netlog = os.path.join(tmp, "netlog.json")
        p = run(browser, ["--log-net-log=" + netlog, "--enable-logging=stderr", "--v=0",
                          "--dump-dom", url], tmp)
        if p.returncode != 0 or not p.stdout:
            print(f"chromecheck: chromium failed ({p.returncode}): {p.stderr.decode()[-400:]}")
            return 2
        for line in p.stderr.decode(errors="replace").splitlines():
            if ":CONSOLE" in line or "CONSOLE(" in line:
                defects.append("console: " + line.split("]", 1)[-1].strip())
        for u in page_requests(netlog):
            if not (u.startswith("file:") or u.startswith("data:")):
                defects.append("request left the file: " + u)
        dom = Dom()
        dom.feed(p.stdout.decode(errors="replace"))
        if dom.guests != o.guests:
            defects.append(f"{dom.guests} section.guest, expected {o.guests}")
        want = [f for f in o.figures.split(",") if f]
        for g in range(max(o.guests, 1)):
            for name in want:
                have = [f for f in dom.figures if f["name"] == name]
                if len(have) < g + 1:
                    defects.append(f"guest {g + 1}: no figure {name}")
        empty = set()
        for e in o.empty:
            g, _, figs = e.partition("=")
            empty |= {(g, x) for x in figs.split(",") if x}
        for f in dom.figures:
            who = f"figure {f['name']}" + (f" of {f['guest']}" if f["guest"] else "")
            if (f["guest"], f["name"]) in empty:
                if not f["empty"]:
                    defects.append(f"{who}: should have nothing to draw, yet is not figure.no-data")
                continue
            if f["empty"]:
                if f["name"] in want:
                    defects.append(f"{who}: nothing to draw (figure.no-data)")
                continue
            if not f["table"]:
                defects.append(f"{who}: no table.fig-data")
            if o.no_svg:
                if f["svg"]:
                    defects.append(f"{who}: an svg in a page made without gnuplot")
                elif not f["no_plot"]:
                    defects.append(f"{who}: no figure and no p.no-plot saying why")
                continue
            if f["name"] not in want:
                continue
            if not f["svg"]:
                defects.append(f"{who}: no svg")
            elif not f["groups"]:
                defects.append(f"{who}: an svg without a plot group")
            for gid, has, _ in f["groups"]:
                if not has:
                    defects.append(f"{who}: series {gid} is drawn with no data")
        if o.screenshot:
            shot = os.path.abspath(o.screenshot)
            p = run(browser, ["--hide-scrollbars", f"--window-size={o.width},{o.height}",
                              "--screenshot=" + shot, url], tmp)
            if p.returncode != 0 or not os.path.exists(shot) or os.path.getsize(shot) < 1000:
                defects.append(f"no screenshot ({p.returncode})")
    n_groups = sum(len(f["groups"]) for f in dom.figures)
    for d in defects:
        print("chromecheck: " + d)
    print(f"chromecheck: {o.page}: {len(dom.figures)} figures, {n_groups} series drawn, "
          f"{dom.guests} guests; {len(defects)} defects")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
