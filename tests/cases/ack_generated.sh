# vocalc ack against ACK streams compressed by construction (tests/ackgen.py):
# ACKs exactly 120 us apart at nic, handed to the guest in bursts of k spaced
# 5 us, the guest clock 4136 us off.  With --link-rate 100M the compressed
# fraction at guest must be (k-1)/k within 0.5 % (and exactly the
# construction's), 0 at nic; the spacing ratio's median and the pairs'
# compressed fraction (ratio below 0.5) the construction's; burstiness the
# analytic coefficient of variation of the constructed acknowledged-octets
# series.  Then: without --link-rate the reference is nic's 10th percentile
# (back to back: below a quarter of it; it was the mode of the 10 us bins at
# nic, which depended on --bin), the clock estimated instead of given; the
# burstiness interval from the RTT (the ladder interval nearest the
# constructed RTT, both ways of running) and its fallback without RTT
# samples; one point alone, log bins, the text report, the CSV rows (each
# row's clock named) and bad options.
source tests/lib.sh
for k in 2 4 8; do
	python3 tests/ackgen.py "$T/k$k" --k $k --acks 6000 --offset-us -4136 || fail ackgen
	expect_exit 0 "$VOCALC" ack --json --link-rate 100M --guest-ip 10.9.0.2 --guest-offset-us -4136 \
		nic="$T/k$k/nic.pcap" guest="$T/k$k/guest.pcap"
	python3 - "$T/out" "$T/k$k/truth.json" <<'PY' || fail "k=$k: ACK figures differ from the construction"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
k = t["k"]
acks = {a["point"]: a for a in r["ack"] if a["flow"] == "10.9.0.1:5201>10.9.0.2:41000"}
g, n = acks["guest"], acks["nic"]
assert g["direction"] == "to_guest" and g["reference_us"] == 120 and g["reference_source"] == "link rate", g
assert abs(g["compressed_fraction"] - (k - 1) / k) < 0.005, g["compressed_fraction"]
assert abs(g["compressed_fraction"] - t["compressed_guest"]) < 1e-12, (g["compressed_fraction"], t)
assert n["compressed_fraction"] == 0, n["compressed_fraction"]
assert g["acks"] == n["acks"] == t["acks"]
assert sum(g["hist"]["counts"]) + g["hist"]["over"] == t["acks"] - 1
assert abs(g["interarrival_us"]["p50"] - 5.0) < 1e-9 and abs(n["interarrival_us"]["p50"] - 120) < 1e-9
for p, a in (("nic", n), ("guest", g)):
    b = a["burstiness"]
    assert b["intervals"] == t["intervals_" + p], (p, b, t)
    assert abs(b["cv"] - t["burstiness_" + p]) < 1e-9 * t["burstiness_" + p], (p, b, t)
c = [x for x in r["ack_compression"] if x["flow"] == "10.9.0.1:5201>10.9.0.2:41000"]
assert len(c) == 1 and c[0]["from"] == "nic" and c[0]["to"] == "guest", c
c = c[0]
assert c["pairs"] == t["acks"] - 1, c
assert abs(c["ratio"]["p50"] - t["ratio_p50"]) < 1e-6, (c["ratio"], t["ratio_p50"])
assert abs(c["compressed_fraction"] - t["ratio_compressed"]) < 1e-12, (c, t)
assert c["smoothing"]["aligned_from"] == 1.0 and c["smoothing"]["aligned_to"] < 0.5, c
print(f"k={k}: guest {100 * g['compressed_fraction']:.3f} % compressed (nic 0), ratio p50 "
      f"{c['ratio']['p50']:.4f}, burstiness {g['burstiness']['cv']:.4f}")
PY
done
K="$T/k4"
# no --link-rate: back to back, below 1/4 of the 10th percentile at the
# upstream point (nic), the clock estimated; the fraction is the construction's
expect_exit 0 "$VOCALC" ack --json --guest-ip 10.9.0.2 nic="$K/nic.pcap" guest="$K/guest.pcap"
python3 - "$T/out" "$K/truth.json" <<'PY' || fail "reference from nic's p10, estimated clock"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["clock"]["method"] != "manual" and abs(r["clock"]["offset_us"] + 4136) < 50, r["clock"]
g = [a for a in r["ack"] if a["point"] == "guest" and a["flow"].startswith("10.9.0.1")][0]
b = t["b2b"]
assert g["reference_source"] == "p10 at nic" and g["reference_us"] == 120, g
assert abs(g["threshold_us"] - 30) < 1e-9 and abs(b["thr_us"] - 30) < 1e-9, (g, b)
assert "no --link-rate" in g["reference_reason"], g
assert abs(g["compressed_fraction"] - b["frac"]["guest"]) < 1e-12 and b["frac"]["guest"] == t["compressed_guest"]
c = r["ack_compression"][0]
assert abs(c["compressed_fraction"] - t["ratio_compressed"]) < 1e-12, c
assert c["ratio_threshold"] == 0.5 and c["out_of_order"] == 0, c
assert c["smoothing"]["aligned_from"] is None and "link-rate" in c["smoothing"]["aligned_reason"], c
PY
# --burst-interval rtt: the interval is the ladder's nearest the flow's median
# RTT at each point (here 71 us at nic: 100 us), two ways of running
expect_exit 0 "$VOCALC" ack --json --burst-interval rtt --link-rate 100M --guest-ip 10.9.0.2 \
	--guest-offset-us -4136 nic="$K/nic.pcap" guest="$K/guest.pcap"
cp "$T/out" "$T/rtt2.json"
expect_exit 0 "$VOCALC" ack --json --burst-interval rtt --link-rate 100M --point nic "$K/nic.pcap"
python3 - "$T/rtt2.json" "$T/out" "$K/truth.json" <<'PY' || fail "burstiness per RTT"
import json, sys
t = json.load(open(sys.argv[3]))
seen = 0
for f in sys.argv[1:3]:
    for a in json.load(open(f))["ack"]:
        if not a["flow"].startswith("10.9.0.1:5201>"):
            continue
        b, w = a["burstiness"], t["burst_rtt"][a["point"]]
        assert b["interval_source"] == "rtt", b
        assert abs(b["rtt_ms"] * 1e3 - t["rtt_us"][a["point"]]) < 1e-3, (b, t["rtt_us"])
        assert abs(b["interval_ms"] - w["interval_ms"]) < 1e-9 and b["intervals"] == w["intervals"], (b, w)
        assert abs(b["cv"] - w["cv"]) < 1e-9 * w["cv"], (b, w)
        seen += 1
assert seen == 3, seen
PY
# without RTT samples it falls back to the fixed 60 ms series
python3 tests/ackgen.py "$T/noecho" --k 4 --acks 6000 --offset-us -4136 --no-echo || fail ackgen
expect_exit 0 "$VOCALC" ack --json --burst-interval rtt --link-rate 100M --guest-ip 10.9.0.2 \
	--guest-offset-us -4136 nic="$T/noecho/nic.pcap" guest="$T/noecho/guest.pcap"
python3 - "$T/out" "$T/noecho/truth.json" <<'PY' || fail "burstiness fallback without RTT samples"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
n = 0
for a in r["ack"]:
    if a["flow"].startswith("10.9.0.1:5201>"):
        b = a["burstiness"]
        assert b["interval_source"] == "fixed (no RTT samples)" and b["intervals"] == t["intervals_" + a["point"]], b
        assert b["rtt_ms"] is None and b["interval_ms"] == 60, b
        assert abs(b["cv"] - t["burstiness_" + a["point"]]) < 1e-9 * t["burstiness_" + a["point"]], b
        n += 1
assert n == 2
PY
# one point alone: the histogram and the fraction, no pairs
expect_exit 0 "$VOCALC" ack --json --link-rate 100M "$K/guest.pcap"
want=$(json_get "$K/truth.json" 'round(r["compressed_guest"], 9)')
json_get "$T/out" 'r["ack"][0]["point"], round(r["ack"][0]["compressed_fraction"], 9), len(r["ack_compression"])' \
	| grep -qx "guest $want 0" || fail "one point: $(head -c 300 "$T/out")"
# log bins: 10 a decade from 1 us, first bin [0, 1)
expect_exit 0 "$VOCALC" ack --json --log-bins --max 1000 --link-rate 100M nic="$K/nic.pcap" guest="$K/guest.pcap" \
	--guest-ip 10.9.0.2 --guest-offset-us -4136
json_get "$T/out" '[round(x, 3) for x in r["ack"][0]["hist"]["edges_us"][:3]], r["ack"][0]["hist"]["edges_us"][-1], len(r["ack"][0]["hist"]["counts"])' \
	| grep -qxF "[0.0, 1.0, 1.259] 1000.0 31" || fail "log bins: $(json_get "$T/out" 'r["ack"][0]["hist"]["edges_us"]')"
# the text report shows both histograms side by side
expect_exit 0 "$VOCALC" ack --link-rate 100M --guest-ip 10.9.0.2 --guest-offset-us -4136 nic="$K/nic.pcap" guest="$K/guest.pcap"
grep -Eq "^ +nic -> guest +5999 +0\.042 +0\.042 .* 75\.0%" "$T/out" && grep -q "inter-arrival us" "$T/out" \
	&& grep -q "compressed: below 108.0 us" "$T/out" || fail "text report: $(cat "$T/out")"
# CSV: one row per ACK at each point, one per pair
expect_exit 0 "$VOCALC" ack --csv "$T/a.csv" --link-rate 100M --guest-ip 10.9.0.2 --guest-offset-us -4136 \
	nic="$K/nic.pcap" guest="$K/guest.pcap"
python3 - "$T/a.csv" <<'PY' || fail "CSV rows"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
pairs = [r for r in rows if r["ratio_from"]]
plain = [r for r in rows if not r["ratio_from"] and r["flow"].startswith("10.9.0.1")]
assert len(pairs) == 5999 and len(plain) == 2 * 5999, (len(pairs), len(plain))
assert all(r["point"] == "guest" and r["ratio_from"] == "nic" and r["t_clock"] == "host" for r in pairs)
assert abs(sum(float(r["ratio"]) < 0.5 for r in pairs) / 5999 - 0.75) < 0.001
# one clock in the column: every row host time (the guest's stamps
# corrected by the clock), so the same ACK's guest row and pair row agree
g = [r for r in plain if r["point"] == "guest"]
assert all(r["t_clock"] == "host" for r in rows)
for a, b in zip(g, pairs):
    assert a["t"] == b["t"], (a, b)
PY
# a guest capture read alone has only its own clock, and says so
expect_exit 0 "$VOCALC" ack --csv "$T/g.csv" --link-rate 100M "$K/guest.pcap"
python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and all(r['t_clock'] == 'guest' for r in rows), rows[:2]" "$T/g.csv" || fail "one point's CSV clock"
# bad options: one line, exit 2
expect_exit 2 "$VOCALC" ack --link-rate fast "$K/guest.pcap"
grep -q "link-rate" "$T/err" || fail "bad rate message: $(cat "$T/err")"
expect_exit 2 "$VOCALC" ack --tolerance 1.5 "$K/guest.pcap"
expect_exit 2 "$VOCALC" ack --bin 0.001 --max 2000 "$K/guest.pcap"
expect_exit 2 "$VOCALC" ack "$T/nonexistent.pcap"
grep -q "nonexistent.pcap" "$T/err" || fail "missing file not named"
# errors name the command they came from (they said "analyze")
expect_exit 2 "$VOCALC" ack --bogus "$K/guest.pcap"
grep -q "^vocalc: ack: unknown option --bogus (see vocalc ack --help)$" "$T/err" || fail "ack error: $(cat "$T/err")"
expect_exit 2 "$VOCALC" ack
grep -q "^vocalc: ack: give POINT=FILE" "$T/err" || fail "ack error: $(cat "$T/err")"
expect_exit 0 "$VOCALC" ack --help
grep -q "^usage: vocalc ack" "$T/out" && grep -q "1/4 of" "$T/out" || fail "ack --help: $(head -3 "$T/out")"
