# Bounded distributions (issue 15 point 3): past VOCALC_EXACT_CAP values a
# distribution continues as a sketch (src/sketch.h).  A generated trace with
# millisecond delays (1 to 5 ms, Pareto and exponential tails) analyzed with
# a small cap, so that its rows, flows and pairs cross it: hop and VO figures
# still within 1 us of the truth and within the bound the JSON states
# (sketch_rel_error, sketch_abs_error) of the exact run's; rows at or below
# the cap exact and unmarked, rows above marked; n, min, max, mean and sd
# unchanged; RTT medians, ACK inter-arrivals, compressed fractions, spacing
# ratios, aligned shares and histograms within their stated bounds; the
# same run twice gives the same bytes; text marks "~" and says why; a bad
# VOCALC_EXACT_CAP is refused.
source tests/lib.sh
"$VOCGEN" --out "$T/run" --journeys 30000 --seed 21 --offset-us -4136 --skew-ppm 73 \
	--delay vnet-guest:to=pareto:1000:100:3 --delay vnet-guest:from=exp:800:300 \
	--delay bridge-vnet:both=uniform:5:2500 >/dev/null || fail vocgen
clock=(--guest-offset-us -4136 --guest-skew-ppm 73)

expect_exit 0 "$VOCALC" analyze --json "${clock[@]}" "$T/run"
cp "$T/out" "$T/exact.json"
for cap in 4000 300; do
	VOCALC_EXACT_CAP=$cap expect_exit 0 "$VOCALC" analyze --json "${clock[@]}" "$T/run"
	cp "$T/out" "$T/cap$cap.json"
	# within 1 us of the truth, as every accuracy test asks
	python3 tests/truthcmp.py "$T/cap$cap.json" "$T/run/truth.json" || fail "cap $cap: differs from truth"
done
VOCALC_EXACT_CAP=300 expect_exit 0 "$VOCALC" analyze --json "${clock[@]}" "$T/run"
cmp -s "$T/out" "$T/cap300.json" || fail "two runs with the same cap differ: the sketch must be deterministic"
for cap in 300 default; do
	if [ $cap = default ]; then
		expect_exit 0 "$VOCALC" ack --json --link-rate 100M "${clock[@]}" "$T/run"
	else
		VOCALC_EXACT_CAP=$cap expect_exit 0 "$VOCALC" ack --json --link-rate 100M "${clock[@]}" "$T/run"
	fi
	cp "$T/out" "$T/ack$cap.json"
done

python3 - "$T" <<'EOF' || fail "figures from the sketch out of their bounds"
import json, sys
T = sys.argv[1]
exact = json.load(open(f"{T}/exact.json"))
truth = json.load(open(f"{T}/run/truth.json"))
bad, seen = [], {"sketched": 0, "exact": 0}

def rows(doc):
    """every delay dist: (key, dist) for hops and vo, all protocols"""
    for h in doc["hops"]:
        yield ("hop", h["from"], h["to"], h["direction"], h["protocol"]), h["delay_us"]
    for d, v in doc["vo"].items():
        yield ("vo", d, "all"), v["delay_us"]
        for b in v["by_protocol"]:
            yield ("vo", d, b["protocol"]), b["delay_us"]

def same_exact(where, a, b, fl):
    """figures a sketch keeps exactly (fl: the exact run keeps 4-octet
    floats, 6e-8 relative, the sketch integer ns or 1e-9 units)"""
    if a["n"] != b["n"]:
        bad.append(f"{where}: n {a['n']} != exact {b['n']}")
    for f, tol in (("min", 0), ("max", 0), ("mean", 1e-9), ("sd", 1e-6)):
        tol = max(tol, 2e-7 if fl else 0)
        if a[f] is not None and abs(a[f] - b[f]) > tol * abs(b[f]) + (1e-9 if fl else 0):
            bad.append(f"{where}: {f} {a[f]} != exact {b[f]}")

def check_dist(where, d, e, expect_sketch, rel_max, fl=False):
    """d from a capped run against e from the exact run"""
    same_exact(where, d, e, fl)
    sk = "sketch_rel_error" in d
    if sk != expect_sketch:
        bad.append(f"{where}: sketch_rel_error {'present' if sk else 'absent'}, n {d['n']}")
        return
    if not sk:
        seen["exact"] += 1
        for f in ("p50", "p90", "p99"):
            if d[f] != e[f]:
                bad.append(f"{where}: {f} {d[f]} != exact {e[f]} below the cap")
        return
    seen["sketched"] += 1
    if not (0 < d["sketch_rel_error"] <= rel_max):
        bad.append(f"{where}: sketch_rel_error {d['sketch_rel_error']}")
    for f in ("p50", "p90", "p99"):
        err = abs(d[f] - e[f]) - (2e-7 * abs(e[f]) + 1e-9 if fl else 0)
        if err > d["sketch_abs_error"] + 1e-9:
            bad.append(f"{where}: {f} {d[f]} vs exact {e[f]}: off by {err}, bound {d['sketch_abs_error']}")
        # the relative bound, against the exact figure (one sign here)
        if err > d["sketch_rel_error"] * abs(e[f]) * 1.000001 + 1e-9 and e[f] != 0:
            bad.append(f"{where}: {f} off by {err}, beyond {d['sketch_rel_error']} of {e[f]}")

REL_DELAY, REL_FLOW = 2 ** -13, 2 ** -11
for cap in (4000, 300):
    doc = json.load(open(f"{T}/cap{cap}.json"))
    ex = dict(rows(exact))
    got = dict(rows(doc))
    # a protocol row is a sketch when it holds more than the cap; "all"
    # (their union) when any of them is
    over = {}
    for k, d in got.items():
        if k[-1] != "all":
            over.setdefault(k[:-1], False)
            over[k[:-1]] |= d["n"] > cap
    for k, d in got.items():
        expect = over.get(k[:-1], False) if k[-1] == "all" else d["n"] > cap
        check_dist(f"cap {cap} {k}", d, ex[k], expect, REL_DELAY)
    # the headline figures from the medians: vo_round_trip and vo_where
    a, b = doc["vo_round_trip"], exact["vo_round_trip"]
    if "sketch_abs_error_us" not in a or abs(a["p50_us"] - b["p50_us"]) > a["sketch_abs_error_us"] + 1e-9:
        bad.append(f"cap {cap} vo_round_trip {a} vs {b['p50_us']}")
    for a, b in zip(doc["vo_where"], exact["vo_where"]):
        if a["p50_us"] is None or a["n"] == 0 or not a["observable"]:
            continue
        if abs(a["p50_us"] - b["p50_us"]) > a.get("sketch_abs_error_us", 0) + 1e-9:
            bad.append(f"cap {cap} vo_where {a} vs {b['p50_us']}")
    # RTT per flow and point
    er = {(r["flow"], r["point"]): r for r in exact["rtt"]}
    for r in doc["rtt"]:
        e = er[(r["flow"], r["point"])]
        if r["samples"] != e["samples"]:
            bad.append(f"rtt {r['flow']} {r['point']}: samples {r['samples']} != {e['samples']}")
        if r["rtt_us"] is not None:
            check_dist(f"cap {cap} rtt {r['flow']} {r['point']}", r["rtt_us"], e["rtt_us"],
                       r["samples"] > cap, REL_FLOW)
    # the VO share of RTT, from two medians
    a, b = doc["rtt_vo_share"], exact["rtt_vo_share"]
    for f in ("rtt_guest_p50_us", "rtt_outer_p50_us"):
        if abs(a[f] - b[f]) > REL_FLOW * b[f] * 1.000001:
            bad.append(f"rtt_vo_share {f} {a[f]} vs {b[f]}")

def check_ack(doc, ex, cap):
    ea = {(a["flow"], a["point"]): a for a in ex["ack"]}
    for a in doc["ack"]:
        e = ea[(a["flow"], a["point"])]
        where = f"ack cap {cap} {a['flow']} {a['point']}"
        n = a["interarrival_us"]["n"]
        check_dist(where, a["interarrival_us"], e["interarrival_us"], n > cap, REL_FLOW, True)
        fb = a.get("compressed_fraction_bound", 0)
        if a["compressed_fraction"] is not None and \
           abs(a["compressed_fraction"] - e["compressed_fraction"]) > fb + 1e-12:
            bad.append(f"{where}: compressed {a['compressed_fraction']} vs {e['compressed_fraction']}, bound {fb}")
        if (n > cap) != ("sketch_rel_error" in a["hist"]):
            bad.append(f"{where}: hist sketch marking")
        u = a["hist"].get("uncertain", 0)
        for i, (c1, c2) in enumerate(zip(a["hist"]["counts"], e["hist"]["counts"])):
            if abs(c1 - c2) > u:
                bad.append(f"{where}: hist bin {i} {c1} vs {c2}, uncertain {u}")
        if sum(a["hist"]["counts"]) + a["hist"]["over"] != n:
            bad.append(f"{where}: hist counts do not add up to {n}")
        if a["reference_us"] != e["reference_us"] and \
           abs(a["reference_us"] - e["reference_us"]) > a.get("reference_error_us", 0) + 2e-7 * e["reference_us"] + 1e-9:
            bad.append(f"{where}: reference {a['reference_us']} vs {e['reference_us']}")
    ec = {(c["flow"], c["from"], c["to"]): c for c in ex["ack_compression"]}
    for c in doc["ack_compression"]:
        e = ec[(c["flow"], c["from"], c["to"])]
        where = f"pair cap {cap} {c['flow']} {c['from']}->{c['to']}"
        check_dist(where, c["ratio"], e["ratio"], c["pairs"] > cap, REL_FLOW, True)
        fb = c.get("compressed_fraction_bound", 0)
        if abs(c["compressed_fraction"] - e["compressed_fraction"]) > fb + 1e-12:
            bad.append(f"{where}: compressed {c['compressed_fraction']} vs {e['compressed_fraction']}, bound {fb}")
        s, t = c["smoothing"], e["smoothing"]
        for side in ("from", "to"):
            v, w = s[f"aligned_{side}"], t[f"aligned_{side}"]
            if v is None or w is None:
                continue
            if abs(v - w) > s.get(f"aligned_{side}_bound", 0) + 1e-12:
                bad.append(f"{where}: aligned_{side} {v} vs {w}")
            if abs(s[f"iqr_{side}_us"] - t[f"iqr_{side}_us"]) > s.get(f"iqr_{side}_error_us", 0) + 1e-3:
                bad.append(f"{where}: iqr_{side} {s[f'iqr_{side}_us']} vs {t[f'iqr_{side}_us']}")

check_ack(json.load(open(f"{T}/cap300.json")), exact, 300)
check_ack(json.load(open(f"{T}/ack300.json")), json.load(open(f"{T}/ackdefault.json")), 300)
for b in bad[:30]:
    print("BAD", b)
print(f"sketch: {seen['sketched']} distributions from the sketch, {seen['exact']} exact, {len(bad)} out of bounds")
if seen["sketched"] < 100 or seen["exact"] < 10:
    print("the cap did not split the distributions as this test needs")
    sys.exit(1)
sys.exit(1 if bad else 0)
EOF

# text: "~" on the figures from a sketch, and why, once under the table
VOCALC_EXACT_CAP=4000 expect_exit 0 "$VOCALC" analyze "${clock[@]}" "$T/run"
grep -q '^vnet -> guest    to_guest   all .* ~[0-9]' "$T/out" || fail "no ~ on a sketched row"
grep -q '^ *udp .*  ~' "$T/out" && fail "a row below the cap is marked ~"
grep -q '^~ Quantiles from a sketch: a row with more than 4000 delays' "$T/out" || fail "no sketch note"
grep -q '^  to guest    p50  *~[0-9]' "$T/out" || fail "the headline does not say its median came from the sketch"
grep -q '^  round trip  *~[0-9]' "$T/out" || fail "the round trip does not say it came from the sketch"
grep -q 'vnet -> guest [0-9]* % (~[0-9]' "$T/out" || fail "where: no ~ on a median from the sketch"
expect_exit 0 "$VOCALC" analyze "${clock[@]}" "$T/run"
grep -q '~' "$T/out" && fail "an exact run marks ~"
VOCALC_EXACT_CAP=300 expect_exit 0 "$VOCALC" rtt "$T/run/guest.pcap"
grep -q '^  ~: from a quantile sketch' "$T/out" || fail "rtt: no sketch note"
VOCALC_EXACT_CAP=300 expect_exit 0 "$VOCALC" ack "${clock[@]}" "$T/run"
grep -q '^  ~: from a quantile sketch' "$T/out" || fail "ack: no sketch note"
grep -q '^    inter-arrival us   nic (~)' "$T/out" || fail "ack: a histogram from a sketch unmarked"
grep -q '^    nic .* ~[0-9.]*%' "$T/out" || fail "ack: a compressed fraction from a sketch unmarked"

# a cap that is no count: refused, naming it
for bad in abc -1 12x 99999999999 ""; do
	VOCALC_EXACT_CAP=$bad expect_exit 2 "$VOCALC" analyze "${clock[@]}" "$T/run"
	grep -q "^vocalc: VOCALC_EXACT_CAP=$bad: not a count" "$T/err" || fail "VOCALC_EXACT_CAP=$bad: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "VOCALC_EXACT_CAP=$bad: more than one line"
done
echo "ok"
