# A guest capture that began after the host's, and packets sent twice
# (issue 13, found on live one-shot runs): an identical copy repeated 0.45 s
# later (a neighbour solicitation, a duplicate ACK) whose first copy passed
# the host points before the guest's capture began was paired with the
# guest's copy of the second: a delay of -447 ms, a clock estimate whose
# envelopes crossed, and the captures refused as "swapped".  And every
# packet the host saw before the guest capture began (or after one capture
# ended) was counted as lost at that hop.  Here, on the shipped real
# captures (tests/pcaprepeat.py): the guest's first half is dropped, and the
# first packets the guest kept are copied 447 ms (or 150 ms) earlier at the
# host points.  With the copies, every figure across the guest must be what
# it is without them (the copies were never at the guest); without them, the
# guest's late start may not add loss at any hop: its packets are outside
# the guest capture (outside_capture), not unmatched.
source tests/lib.sh
for cap in vm-bulk vm-cpuload vm-idle; do
	expect_exit 0 "$VOCALC" analyze --json --no-progress captures/$cap
	cp "$T/out" "$T/$cap.full.json"
	for gap in 447000 150000; do
		for n in 0 6; do
			d="$T/$cap.$gap.$n"
			mkdir -p "$d"
			cp captures/$cap/manifest.json "$d/"
			python3 tests/pcaprepeat.py captures/$cap "$d" 0.5 $gap $n >"$d.made" || fail "pcaprepeat $cap"
			expect_exit 0 timeout 60 "$VOCALC" analyze --json --no-progress "$d"
			cp "$T/out" "$d.json"
		done
		echo -n "$cap, copies $gap us earlier: "
		python3 - "$T/$cap.full.json" "$T/$cap.$gap.0.json" "$T/$cap.$gap.6.json" "$(cat "$T/$cap.$gap.6.made")" <<'PY' || fail "$cap: copies $gap us earlier"
import json, sys
full, cut, rep = (json.load(open(f)) for f in sys.argv[1:4])
kept, made = map(int, sys.argv[4].split())
assert made >= 3, ("too few copies made", made)
def rows(r):
    out = {}
    for h in r["hops"]:
        out[(h["from"], h["to"], h["protocol"])] = h
    for v in r["vo"].values():
        for h in [v] + v["by_protocol"]:
            out[(h["from"], h["to"], h["protocol"], "vo")] = h
    return out
fr, cr, rr = rows(full), rows(cut), rows(rep)
across = [k for k in cr if "guest" in k[:2]]
assert across, "no hop across the guest"
for k in across:
    c, x = cr[k], rr[k]
    # the copies were never at the guest: what crosses it is unchanged
    for f in ("matched", "unmatched"):
        assert c[f] == x[f], (k, f, c[f], x[f])
    if c["matched"]:
        for f in ("min", "p50", "max"):
            assert abs(c["delay_us"][f] - x["delay_us"][f]) < 0.01, (k, f, c["delay_us"], x["delay_us"])
for k in cr:
    # a capture that began later adds no loss
    assert cr[k]["unmatched"] <= fr[k]["unmatched"], (k, cr[k]["unmatched"], fr[k]["unmatched"])
assert sum(h.get("outside_capture", 0) for h in cut["hops"]) > 0, "nothing outside the guest capture"
bound = rep["clock"]["error_bound_us"]
for k in ("to_guest", "from_guest"):
    v = rep["vo"][k]["delay_us"]
    assert v["min"] >= -bound, (k, v["min"], bound)
print(f"{made} copies made, {kept} guest records kept: every figure across the guest as without them; "
      f"VO min {rep['vo']['to_guest']['delay_us']['min']:.1f} / {rep['vo']['from_guest']['delay_us']['min']:.1f} us")
PY
	done
done
