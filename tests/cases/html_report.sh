# The HTML report (issue 19): vocalc report of a shipped run of a real QEMU
# guest (captures/vm-bulk) rendered in headless Chromium (tests/chromecheck.py):
# every figure there with data in every series, no request leaving the
# file, no console message, a screenshot; its figures' numbers against the
# JSON report (CDF p50s, clock skew, ACK counts) and against an oracle of
# our own from the per-packet CSV (the VO latency per second); without
# gnuplot every table and the reason; a run of several guests (tests/multirun.py,
# ground truth: vm-b has 3 ms more toward it than vm-a); the checker's own
# defects planted (it must fail on each); and bad outputs refused.
source tests/lib.sh
command -v gnuplot >/dev/null || skip "needs gnuplot (Debian package gnuplot-nox: make deps)"
command -v chromium >/dev/null || skip "needs chromium (Debian package chromium: make deps)"
FIGS=vo_cdf,hop_cdf_to_guest,hop_cdf_from_guest,vo_time,clock,rtt_cdf,ack_hist,ack_cdf
R=captures/vm-bulk

echo "== vocalc report $R, in Chromium"
expect_exit 0 "$VOCALC" report "$R" -o "$T/r.html" --plots "$T/plots"
grep -q "wrote $T/r.html" "$T/err" || fail "no word of where the page went: $(cat "$T/err")"
python3 tests/chromecheck.py "$T/r.html" --figures "$FIGS" --screenshot "$T/shot.png" \
	--height 9000 >"$T/cc" || { cat "$T/cc"; fail "the page as Chromium sees it"; }
cat "$T/cc"
# self-contained: no src= or href= to anywhere but the page itself, no script
if grep -E -o '(src|href)="[^#"][^"]*"|<script|<link' "$T/r.html" | grep -v 'href="#' | head -3 | grep .; then
	fail "the page refers outside itself"
fi
# no impossible figure in the page (tests/run.sh's audit does not see -o files)
if grep -a -n -i -E '(^|[^[:alnum:]_.-])[-+]?(nan|inf|infinity)([^[:alnum:]_.-]|$)' \
	<(sed 's/<[^>]*>/ /g' "$T/r.html") | head -3 | grep .; then
	fail "nan or inf in the page"
fi

echo "== the figures' data against the JSON report"
expect_exit 0 "$VOCALC" analyze --json "$R"
cp "$T/out" "$T/r.json"
expect_exit 0 "$VOCALC" analyze --csv "$T/r.csv" "$R"
python3 - "$T" "$R" <<'PY' || fail "the figures' data differ from the report"
import json, math, re, sys, csv
T, R = sys.argv[1], sys.argv[2]
r = json.load(open(f"{T}/r.json"))
sys.path.insert(0, "tests")
import plotdat
def blocks(name):
    return plotdat.by_label(f"{T}/plots/{name}.dat")
def at(rows, q):
    got = [x for x, y in rows if abs(y - q) < 1e-12]
    assert len(got) == 1, f"no single point at q={q}: {got}"
    return got[0]
bad = []
def close(what, got, want, tol):
    ok = abs(got - want) <= tol
    print(f"{what}: figure {got:.4f}, report {want:.4f} {'ok' if ok else 'DIFFERS'}")
    if not ok:
        bad.append(what)
cdf = blocks("vo_cdf")
for d, lab in (("to_guest", "to guest"), ("from_guest", "from guest")):
    row = r["vo"][d]
    for k, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("min", 0), ("max", 1)):
        close(f"vo_cdf {lab}, all {k}", at(cdf[f"{lab}, all"], q), row["delay_us"][k], 1e-3)
    for p in row["by_protocol"]:
        close(f"vo_cdf {lab}, {p['protocol']} p50", at(cdf[f"{lab}, {p['protocol']}"], 0.5),
              p["delay_us"]["p50"], 1e-3)
hop = {**blocks("hop_cdf_to_guest"), **blocks("hop_cdf_from_guest")}
drawn = 0
for h in r["hops"]:
    lab = f"{h['from']} -> {h['to']}, {h['protocol']}"
    if not h["observable"] or h["matched"] == 0:
        assert lab not in hop, f"{lab}: not observable or empty, yet drawn"
        continue
    if lab not in hop:  # a hop of one protocol class: drawn once, as "all"
        classes = [x for x in r["hops"] if (x["from"], x["to"]) == (h["from"], h["to"])
                   and x["protocol"] != "all" and x["matched"] > 0]
        assert h["protocol"] != "all" and len(classes) == 1, f"{lab}: not drawn"
        continue
    close(f"hop_cdf {lab} p50", at(hop[lab], 0.5), h["delay_us"]["p50"], 1e-3)
    drawn += 1
assert drawn >= 10, f"only {drawn} hop rows drawn"
# the clock: the fit's slope is the skew (us per s = ppm), its bound the report's
clk = blocks("clock")
# (drawn less the first segment's line: a fit of one segment is flat at 0)
(x0, y0), (x1, y1) = clk["fit"]
close("clock fit slope, less the first fit's (ppm)", (y1 - y0) / (x1 - x0), 0, 1e-3)
close("clock fit at its start, less itself (us)", y0, 0, 1e-3)
band = clk["fit +- bound"]
close("clock band half width (us)", (band[0][2] - band[0][1]) / 2, r["clock"]["error_bound_us"], 1e-3)
n_pairs = sum(len(v) for k, v in clk.items() if k.startswith(("to guest:", "from guest:")) and "hull" not in k)
seg = r["clock"]["segment_list"][0]
close("clock pairs drawn", n_pairs, seg["pairs_to_guest"] + seg["pairs_from_guest"], 0)
# ACK inter-arrivals: the histogram's counts per point are every flow's inter-arrivals
# there, over bins from the smallest to the largest; the CDF reaches 1 at the largest
hist = blocks("ack_hist")
acdf = blocks("ack_cdf")
html = open(f"{T}/r.html").read()
for pt in ("nic", "bridge", "vnet", "guest"):
    flows = [a for a in r["ack"] if a["point"] == pt]
    want = sum(a["interarrival_us"]["n"] for a in flows)
    close(f"ack_hist {pt}: inter-arrivals binned", sum(y for x, y in hist[pt]), want, 0)
    lo = min(a["interarrival_us"]["min"] for a in flows)
    hi = max(a["interarrival_us"]["max"] for a in flows)
    close(f"ack_cdf {pt}: min", acdf[pt][0][0], lo, 1.2e-4 * lo + 1e-3)
    close(f"ack_cdf {pt}: max", acdf[pt][-1][0], hi, 1.2e-4 * hi + 1e-3)
    sec = html[html.index('data-fig="ack_hist"'):]
    m = re.search(rf"<tr><td>{pt}</td><td>(\d+)</td><td>(\d+)</td>", sec)
    assert m, f"no ack_hist table row for {pt}"
    close(f"ack_hist {pt}: flows in the table", int(m.group(1)), len(flows), 0)
    close(f"ack_hist {pt}: inter-arrivals in the table", int(m.group(2)), want, 0)
edges = [x for x, _ in hist["nic"]]
assert all(b > a for a, b in zip(edges, edges[1:])), "ack_hist: edges not ascending"
# the table beside vo_cdf says the report's p50 (one decimal)
html = open(f"{T}/r.html").read()
sec = html[html.index('data-fig="vo_cdf"'):]
sec = sec[:sec.index("</figure>")]
m = re.search(r"<tr><td>to guest, all</td><td>(\d+)</td><td>[-\d.]+</td><td>([-\d.]+)</td>", sec)
assert m, "no row 'to guest, all' in the vo_cdf table"
close("vo_cdf table n", int(m.group(1)), r["vo"]["to_guest"]["delay_us"]["n"], 0)
close("vo_cdf table p50", float(m.group(2)), round(r["vo"]["to_guest"]["delay_us"]["p50"], 1), 0.05)
# VO latency over time: our own oracle from the per-packet rows (the nic stamp's
# second since the first host packet, GSL's median of that second's vo_us;
# no p50 under 5 packets, no p99 under 100) against the figure's in order
t0 = min(plotdat.pcap_first_ns(f"{R}/{p}.pcap") for p in ("nic", "bridge", "vnet"))
per = {"to_guest": {}, "from_guest": {}}
for row in csv.DictReader(open(f"{T}/r.csv")):
    if row["vo_us"] and row["t_nic"]:
        sec_, frac = row["t_nic"].split(".")
        ns = int(sec_) * 10**9 + int(frac.ljust(9, "0"))
        per[row["direction"]].setdefault((ns - t0) // 10**9, []).append(float(row["vo_us"]))
def gsl_q(v, q):
    v = sorted(v); at_ = q * (len(v) - 1); lo = math.floor(at_); f = at_ - lo
    return v[lo] if lo + 1 >= len(v) else (1 - f) * v[lo] + f * v[lo + 1]
tb = blocks("vo_time")
for d, lab in (("to_guest", "to guest"), ("from_guest", "from guest")):
    secs = sorted(per[d])
    for name, q, least in (("p50", 0.5, 5), ("p99", 0.99, 100)):
        want = [(s + 0.5, gsl_q(per[d][s], q)) for s in secs if len(per[d][s]) >= least]
        fig = tb.get(f"{lab}: {name}", [])
        assert len(fig) == len(want), f"vo_time {lab} {name}: {len(fig)} intervals, oracle {len(want)}"
        for i, ((x, got), (wx, w)) in enumerate(zip(fig, want)):
            close(f"vo_time {lab} interval {i} {name}", got, w, 0.004 * abs(w) + 0.01)
            close(f"vo_time {lab} interval {i} x (s)", x, wx, 1e-6)
    print(f"vo_time {lab}: packets per interval {[len(per[d][s]) for s in secs]}")
sys.exit(1 if bad else 0)
PY

echo "== few values: each a step of the CDF (captures/vm-bulk-cpuload: one ICMP packet from the guest)"
expect_exit 0 "$VOCALC" report captures/vm-bulk-cpuload -o "$T/cpu.html" --plots "$T/cpuplots"
python3 tests/chromecheck.py "$T/cpu.html" --figures vo_cdf,hop_cdf_to_guest,hop_cdf_from_guest >"$T/cc" ||
	{ cat "$T/cc"; fail "the page of vm-bulk-cpuload"; }
expect_exit 0 "$VOCALC" analyze --json captures/vm-bulk-cpuload
python3 - "$T" <<'PY' || fail "a CDF of one value"
import json, sys
sys.path.insert(0, "tests")
import plotdat
T = sys.argv[1]
r = json.load(open(f"{T}/out"))
icmp = [p for p in r["vo"]["from_guest"]["by_protocol"] if p["protocol"] == "icmp"][0]
assert icmp["delay_us"]["n"] == 1, icmp
rows = plotdat.by_label(f"{T}/cpuplots/vo_cdf.dat")["from guest, icmp (n = 1)"]
x = icmp["delay_us"]["p50"]
print("from guest, icmp:", rows, "report", x)
assert [[round(a, 3), b] for a, b in rows] == [[round(x, 3), 0.0], [round(x, 3), 1.0]], rows
# the larger rows stay quantile curves (201 + 1 points), not steps
big = plotdat.by_label(f"{T}/cpuplots/vo_cdf.dat")["to guest, all"]
assert len(big) == 202, len(big)
PY

echo "== a guest clock that steps (vocgen, -20 ms at 10 s): a fit and hulls per segment, the step drawn"
"$VOCGEN" --out "$T/step" --journeys 40000 --rate 2000 --clock-step 10:-20000 --offset-us -4136 \
	--skew-ppm 50 >/dev/null || fail "vocgen --clock-step"
expect_exit 0 "$VOCALC" report "$T/step" -o "$T/step.html" --plots "$T/stepplots"
python3 tests/chromecheck.py "$T/step.html" --figures vo_cdf,hop_cdf_to_guest,vo_time,clock >"$T/cc" ||
	{ cat "$T/cc"; fail "the page of a clock step"; }
expect_exit 0 "$VOCALC" analyze --json "$T/step"
python3 - "$T" <<'PY' || fail "the clock figure of a step"
import json, re, sys
T = sys.argv[1]
r = json.load(open(f"{T}/out"))
segs = r["clock"]["segment_list"]
assert len(segs) == 2, f"{len(segs)} segments"
sys.path.insert(0, "tests")
import plotdat
blocks = plotdat.blocks(f"{T}/stepplots/clock.dat")
fits = [b for l, b in blocks if l == "fit"]
hulls = [l for l, b in blocks if "hull" in l]
steps = [b for l, b in blocks if l == "step"]
assert len(fits) == 2 and len(hulls) == 4 and len(steps) == 1, (len(fits), hulls, len(steps))
# drawn less the first segment's line: each fit's slope is its skew less the first's
for f, s in zip(fits, segs):
    slope = (f[1][1] - f[0][1]) / (f[1][0] - f[0][0])
    print(f"segment fit slope {slope:.3f} ppm (less the first's), report {s['skew_ppm'] - segs[0]['skew_ppm']:.3f}")
    assert abs(slope - (s["skew_ppm"] - segs[0]["skew_ppm"])) < 1e-3
t0 = min(plotdat.pcap_first_ns(f"{T}/step/{p}.pcap") for p in ("nic", "bridge", "vnet")) / 1e9
step_x = steps[0][0][0]
print(f"step at {step_x:.6f} s, report {segs[1]['start'] - t0:.6f}")
# (the JSON's stamps: 15 significant digits, 10 us on seconds since the epoch)
assert abs(step_x - (segs[1]["start"] - t0)) < 2e-5
# the second fit starts 20 ms below the first's line
print(f"the step in the figure: {fits[1][0][1]:.1f} us")
assert abs(fits[1][0][1] + 20000) < 100
PY

echo "== the scripts draw the figures from any directory"
(cd / && gnuplot "$T/plots/vo_cdf.gp" && gnuplot "$T/plots/clock.gp") || fail "gnuplot DIR/NAME.gp"
grep -q "<svg" "$T/plots/vo_cdf.svg" || fail "gnuplot $T/plots/vo_cdf.gp drew no svg"
for f in ${FIGS//,/ }; do
	[ -s "$T/plots/$f.dat" ] && [ -s "$T/plots/$f.gp" ] || fail "--plots: no $f.dat and $f.gp"
done

echo "== without gnuplot: every table, and how to get the figures"
VOCALC_GNUPLOT=/nonexistent expect_exit 0 "$VOCALC" report "$R" -o "$T/nogp.html"
grep -q "has no figures" "$T/nogp.html" || fail "the page without gnuplot does not say so"
python3 tests/chromecheck.py "$T/nogp.html" --figures "$FIGS" --no-svg >"$T/cc" ||
	{ cat "$T/cc"; fail "the page without gnuplot"; }
[ "$(grep -c 'class="fig-data"' "$T/nogp.html")" -eq 8 ] || fail "without gnuplot: not every figure's table"

echo "== a gnuplot that hangs: killed at the timeout with what it started, the page still whole"
printf '#!/bin/sh\nsleep 300 # vocalc-html-report-hang\n' >"$T/hang.sh"
chmod +x "$T/hang.sh"
mkdir -p "$T/tmp"
TMPDIR=$T/tmp VOCALC_GNUPLOT=$T/hang.sh VOCALC_GNUPLOT_TIMEOUT=0.5 expect_exit 0 timeout 60 \
	"$VOCALC" report "$R" -o "$T/hang.html"
grep -q "had not finished after the timeout" "$T/err" || fail "no word of the hung gnuplot: $(cat "$T/err")"
[ "$(grep -c 'class="fig-data"' "$T/hang.html")" -eq 8 ] || fail "the page of a hung gnuplot lacks tables"
sleep 0.2
! pgrep -f "sleep 300" >/dev/null || fail "the hung gnuplot's child left running"
[ -z "$(ls -A "$T/tmp")" ] || fail "gnuplot's files left in TMPDIR: $(ls "$T/tmp")"

echo "== analyze --html: the report on stdout, the page beside it"
expect_exit 0 "$VOCALC" analyze --html "$T/a.html" "$R"
grep -q "^VO latency (nic <-> guest" "$T/out" || fail "analyze --html: no text report on stdout"
python3 tests/chromecheck.py "$T/a.html" --figures "$FIGS" >"$T/cc" || { cat "$T/cc"; fail "analyze --html"; }

echo "== several guests (tests/multirun.py): a section each, ranked, the truth's order"
python3 tests/multirun.py "$VOCGEN" "$T/g" >/dev/null || fail "tests/multirun.py"
expect_exit 0 "$VOCALC" report "$T/g/run" -o "$T/m.html" --plots "$T/mplots"
# tenant-c (nobody logged in: no guest capture) has no VO and no clock to draw
python3 tests/chromecheck.py "$T/m.html" --guests 3 --figures vo_cdf,hop_cdf_to_guest,vo_time,clock \
	--empty tenant-c=vo_cdf,vo_time,clock >"$T/cc" ||
	{ cat "$T/cc"; fail "the page of three guests"; }
expect_exit 0 "$VOCALC" analyze --json "$T/g/run"
python3 - "$T" <<'PY' || fail "the guests' figures"
import json, re, sys
sys.path.insert(0, "tests")
import plotdat
T = sys.argv[1]
r = json.load(open(f"{T}/out"))
html = open(f"{T}/m.html").read()
order = re.findall(r'<section class="guest" data-guest="([^"]+)"', html)
ranked = [g["name"] for g in r["guests"]]
print("sections", order, "ranked", ranked)
assert order == ranked, "sections not in the report's ranking"
assert order.index("vm-b") < order.index("vm-a"), "vm-b (3 ms more toward it) not before vm-a"
for g in r["guests"]:
    if g.get("vo") is None:
        continue
    rows = plotdat.by_label(f"{T}/mplots/{g['name']}/vo_cdf.dat")
    got = [x for x, y in rows["to guest, all"] if y == 0.5][0]
    want = g["vo"]["to_guest"]["delay_us"]["p50"]
    print(f"{g['name']}: vo_cdf p50 {got:.3f}, report {want:.3f}")
    assert abs(got - want) < 1e-3
PY

echo "== the checker fails on what it is there to find"
plant() { # NAME PYTHON-SUBSTITUTION: a copy of the page with a defect planted
	python3 - "$T/r.html" "$T/$1.html" "$2" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
exec(sys.argv[3])
open(sys.argv[2], "w").write(s)
PY
}
plant fetch 's = s.replace("</main>", "<img alt=x src=\"http://192.0.2.1/x.png\"></main>")'
plant nocsp 's = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", s).replace("</main>", "<img alt=x src=\"http://192.0.2.1/x.png\"></main>")'
plant script 's = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", s).replace("</main>", "<script>console.error(\"planted\")</script></main>")'
plant empty 'i = s.index("id=\"g0_vo_cdf_plot_1\""); j = s.index("d=\x27", i) + 3; k = s.index("\x27", j); d = s[j:k].split(" M")[0]; s = s[:j] + d + s[k:]'
plant nofig 'i = s.index("<figure data-fig=\"clock\""); j = s.index("</figure>", i) + 9; s = s[:i] + s[j:]'
for c in fetch:"violates|left the file" nocsp:"left the file" script:"planted" empty:"g0_vo_cdf_plot_1 is drawn with no data" nofig:"no figure clock"; do
	name=${c%%:*} want=${c#*:}
	if python3 tests/chromecheck.py "$T/$name.html" --figures "$FIGS" >"$T/cc"; then
		cat "$T/cc"; fail "chromecheck passed a page with a planted defect ($name)"
	fi
	grep -q -E "$want" "$T/cc" || { cat "$T/cc"; fail "chromecheck ($name): not the defect planted"; }
	echo "planted $name: $(grep -E "$want" "$T/cc" | head -1)"
done

echo "== bad outputs: refused, the captures untouched"
sum=$(md5sum "$R/nic.pcap")
expect_exit 2 "$VOCALC" report "$R" -o "$R/nic.pcap"
grep -q "is the nic capture; refusing to overwrite it" "$T/err" || fail "no refusal: $(cat "$T/err")"
[ "$(md5sum "$R/nic.pcap")" = "$sum" ] || fail "the capture was written over"
touch "$T/afile"
expect_exit 2 "$VOCALC" report "$R" -o "$T/r2.html" --plots "$T/afile"
grep -q -- "--plots $T/afile" "$T/err" || fail "--plots on a file: $(cat "$T/err")"
expect_exit 2 "$VOCALC" report "$R" -o "$T/nodir/r.html"
grep -q "$T/nodir/r.html: No such file or directory" "$T/err" || fail "-o into no directory: $(cat "$T/err")"
expect_exit 2 "$VOCALC" report --json "$R"
grep -q "unknown option --json" "$T/err" || fail "report --json: $(cat "$T/err")"
cp -r "$R" "$T/run"
msum=$(md5sum "$T/run/manifest.json")
expect_exit 2 "$VOCALC" report "$T/run" -o "$T/run/manifest.json"
grep -q "is the run's manifest; refusing to overwrite it" "$T/err" || fail "-o onto the manifest: $(cat "$T/err")"
[ "$(md5sum "$T/run/manifest.json")" = "$msum" ] || fail "the run's manifest was written over"
expect_exit 2 "$VOCALC" analyze --json --html - "$R"
grep -q "^vocalc: --html -: standard output holds the report" "$T/err" || fail "--html - beside --json: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "--html - refused, yet something on stdout"
expect_exit 2 "$VOCALC" analyze --csv "$T/same.x" --html "$T/same.x" "$R"
grep -q "is the --csv file too" "$T/err" || fail "--csv and --html on one file: $(cat "$T/err")"
expect_exit 2 "$VOCALC" report "$R" --plots "$T/pl" -o "$T/pl/vo_cdf.gp"
grep -q "a name of its figures' files" "$T/err" || fail "-o onto a --plots file: $(cat "$T/err")"
expect_exit 2 "$VOCALC" report "$R" --plots "$T/nl
x" -o "$T/nl.html"
grep -q "control character" "$T/err" || fail "--plots with a line break: $(cat "$T/err")"
expect_exit 0 "$VOCALC" report "$R" --plots "$T/deep/er/plots" -o "$T/deep.html"
[ -s "$T/deep/er/plots/vo_cdf.gp" ] || fail "--plots DIR: its parents not made"

echo "== a failure leaves the page there was, and no half page"
mkdir -p "$T/hw/vo_cdf.dat"
echo "the page there was" >"$T/hw.html"
expect_exit 2 "$VOCALC" report "$R" -o "$T/hw.html" --plots "$T/hw"
grep -q "vo_cdf.dat: Is a directory" "$T/err" || fail "--plots onto a directory's file: $(cat "$T/err")"
[ "$(cat "$T/hw.html")" = "the page there was" ] || fail "a failed page wrote over the one there was"
! ls "$T"/*.vocalc-tmp >/dev/null 2>&1 || fail "a half page left: $(ls "$T"/*.vocalc-tmp)"
expect_exit 2 "$VOCALC" report "$R" -o "$T/e.html" --plots ""
grep -q "^vocalc: --plots: give a directory" "$T/err" || fail "--plots '': $(cat "$T/err")"

echo "== --plots alone draws nothing (no page to see); a timeout of inf is the default"
printf '#!/bin/sh\necho "$@" >>%s\nexec gnuplot "$@"\n' "$T/gp.log" >"$T/gp.sh"
chmod +x "$T/gp.sh"
VOCALC_GNUPLOT=$T/gp.sh expect_exit 0 "$VOCALC" analyze --plots "$T/alone" "$R"
[ ! -s "$T/gp.log" ] || fail "--plots alone ran gnuplot: $(cat "$T/gp.log")"
[ -s "$T/alone/vo_cdf.gp" ] || fail "--plots alone wrote no script"
VOCALC_GNUPLOT_TIMEOUT=inf expect_exit 0 "$VOCALC" report "$R" -o "$T/inf.html"
[ "$(grep -c '<svg' "$T/inf.html")" -eq 8 ] || fail "VOCALC_GNUPLOT_TIMEOUT=inf: not every figure drawn"

echo "== stamps in microseconds (tcpdump's default): inter-arrivals of 0 counted apart, log bins still"
if command -v editcap >/dev/null; then
	mkdir -p "$T/us"
	for p in nic bridge vnet guest; do editcap -F pcap "$R/$p.pcap" "$T/us/$p.pcap" || fail "editcap"; done
	cp "$R/manifest.json" "$T/us/"
	expect_exit 0 "$VOCALC" report "$T/us" -o "$T/us.html" --plots "$T/usplots"
	python3 tests/chromecheck.py "$T/us.html" --figures ack_hist,ack_cdf >"$T/cc" || { cat "$T/cc"; fail "the page of us stamps"; }
	python3 - "$T" <<'PY' || fail "ACK figures of microsecond stamps"
import re, sys
T = sys.argv[1]
html = open(f"{T}/us.html").read()
sec = html[html.index('data-fig="ack_hist"'):]
sec = sec[:sec.index("</figure>")]
rows = re.findall(r"<tr><td>(\w+)</td><td>\d+</td><td>(\d+)</td><td>[\d.]+</td><td>[\d.]+</td><td>(\d+) (\w+)</td><td>(\d+)</td>", sec)
print(rows)
assert len(rows) == 4 and all(r[3] == "logarithmic" for r in rows), rows
assert sum(int(r[4]) for r in rows) > 0, "no inter-arrival of 0 with us stamps?"
PY
fi

echo "== a clock of few pairs (the probe method): its fit drawn over its pairs"
"$VOCGEN" --out "$T/short" --journeys 3 --rate 10 >/dev/null || fail "vocgen --journeys 3"
expect_exit 0 "$VOCALC" report "$T/short" -o "$T/short.html" --plots "$T/shortplots"
python3 - "$T" <<'PY' || fail "the clock figure of few pairs"
import re, sys
sys.path.insert(0, "tests")
import plotdat
T = sys.argv[1]
b = plotdat.by_label(f"{T}/shortplots/clock.dat")
(x0, _), (x1, _) = b["fit"]
xs = [x for k, v in b.items() if k.startswith(("to guest:", "from guest:")) and "hull" not in k for x, _ in v]
print("fit from", x0, "to", x1, "pairs at", xs)
assert x1 > x0 and x0 <= min(xs) + 1e-9 and x1 >= max(xs) - 1e-9
html = open(f"{T}/short.html").read()
sec = html[html.index('data-fig="clock"'):]
sec = sec[:sec.index("</figure>")]
assert "<tr><td>-</td><td>-</td>" not in sec, "a blank row in the clock's table"
PY

echo "== guests' names from a manifest: never a path out of --plots DIR, never a gnuplot command"
cp -r "$T/g" "$T/hostile"
python3 - "$T/hostile/run/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["guests"][0]["name"] = "../../ESCAPED"
m["guests"][1]["name"] = "c\nsystem 'touch PWNED'\n#"
json.dump(m, open(sys.argv[1], "w"))
PY
mkdir -p "$T/hostile/cwd"
expect_exit 0 "$VOCALC" report "$T/hostile/run" -o "$T/hostile/p.html" --plots "$T/hostile/a/b"
[ ! -e "$T/hostile/ESCAPED" ] && [ ! -e "$T/hostile/a/ESCAPED" ] || fail "a guest's name wrote outside --plots DIR"
ls "$T/hostile/a/b" | tee "$T/dirs"
[ "$(ls "$T/hostile/a/b" | wc -l)" -eq 3 ] || fail "not a directory per guest"
for gp in "$T"/hostile/a/b/*/*.gp; do (cd "$T/hostile/cwd" && gnuplot "$gp" 2>/dev/null); done
[ ! -e "$T/hostile/cwd/PWNED" ] || fail "a guest's name ran as a gnuplot command"
grep -q "ESCAPED" "$T/hostile/p.html" || fail "the page lost the guest's own name"
grep -q "<script\|system 'touch" "$T/hostile/a/b"/*/*.gp && fail "a name's command in a script"
echo "ok"
