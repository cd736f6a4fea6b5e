# A guest clock step smaller than the queueing of a noisy guest's windows
# (issue 13 again, found on real QEMU runs): the windowed offsets of a TCG
# guest jitter by hundreds of us, so a step of a few hundred us did not
# stand out of them; left inside one segment, the two sides' envelopes
# crossed, the minimum round trip came out negative, and vocalc refused the
# captures as swapped.  Here steps of +-200 us to +-5 ms are injected at a
# known record into the shipped real captures (tests/pcapstep.py): each must
# be found (two segments, the step within the segments' bounds of the one
# made, placed within 5 % of the records of where it was made, every minimum
# round trip positive, no VO delay below minus the bound); a step of 50 us,
# below the bounds, is one segment, possible, and no refusal.
source tests/lib.sh
for cap in vm-bulk vm-cpuload; do
	for case in "-200 0.5" "300 0.3" "-500 0.5" "500 0.7" "-5000 0.2" "50 0.5" "-50 0.5"; do
		set -- $case
		d="$T/$cap$1_$2"
		mkdir -p "$d"
		cp captures/$cap/{nic,bridge,vnet}.pcap "$d/"
		at=$(python3 tests/pcapstep.py captures/$cap/guest.pcap "$d/guest.pcap" "$2" "$1") ||
			fail "pcapstep $cap"
		n=$(python3 -c "import sys; print(sum(1 for _ in open(sys.argv[1], 'rb')) )" /dev/null)
		expect_exit 0 timeout 60 "$VOCALC" analyze --json --no-progress "$d"
		cp "$T/out" "$d/r.json"
		python3 - "$d/r.json" "$1" "$at" "$(wc -c <"$d/guest.pcap")" <<'PY' || fail "$cap: a step of $1 us at $2"
import json, sys
r = json.load(open(sys.argv[1]))
made, at = float(sys.argv[2]), int(sys.argv[3])
c = r["clock"]
segs = c["segment_list"]
n_guest = next(p["packets"] for p in r["points"] if p["name"] == "guest")
for s in segs:
    assert s["min_rtt_us"] > 0, ("impossible segment", segs)
for k in ("to_guest", "from_guest"):
    v = r["vo"][k]["delay_us"]
    assert v["min"] >= -c["error_bound_us"], (k, v, c["error_bound_us"])
if abs(made) < 100:
    assert c["segments"] == 1, ("a step below the bounds found", segs)
    print(f"step {made:+.0f} us: one segment, min RTT {segs[0]['min_rtt_us']:.1f} us, bound {c['error_bound_us']:.1f} us")
    sys.exit(0)
assert c["segments"] == 2, ("the step not found", segs)
a, b = segs
step = b["offset_us"] - (a["offset_us"] + a["skew_ppm"] * (b["start"] - a["t0"]))
bounds = a["error_bound_us"] + b["error_bound_us"]
where = b["first_guest_record"]
print(f"step {made:+.0f} us at record {at}: found {step:+.1f} us at record {where} "
      f"(bounds {bounds:.1f} us), min RTTs {a['min_rtt_us']:.1f}, {b['min_rtt_us']:.1f} us")
assert abs(step - made) <= bounds, (step, made, bounds)
assert abs(where - at) <= 0.05 * n_guest, (where, at, n_guest)
PY
	done
done
