# A guest clock that steps back or forward (NTP after boot, a manual
# `date -s`), by 20 ms or 1 s, early, in the middle or late in a capture:
# every command finishes, and those that see guest and host report the step
# (two segments, its size) with every segment within its bound and no delay
# below minus the bound; vocalc rtt on the guest capture alone says that time
# went backwards and makes no sample across it.  Generated four-point traces,
# 20 s at 2000 journeys/s, guest clock -4136 us and +12 ppm.
source tests/lib.sh
T_OUT=60 # seconds any command may take on these traces: a loop is a failure
run() { timeout $T_OUT "$@"; }
for at in 0.002 10 19.9; do
	for us in -1000000 -20000 20000 1000000; do
		d="$T/s${at}_$us"
		"$VOCGEN" --out "$d" --journeys 40000 --rate 2000 --clock-step "$at:$us" --offset-us -4136 \
			--skew-ppm 12 --seed 5 --delay vnet-guest:both=exp:20:30 >/dev/null || fail vocgen
		expect_exit 0 run "$VOCALC" drift --json "$d"
		cp "$T/out" "$d/drift.json"
		expect_exit 0 run "$VOCALC" analyze --json --burst-interval rtt "$d"
		cp "$T/out" "$d/analyze.json"
		expect_exit 0 run "$VOCALC" ack --json --burst-interval rtt "$d"
		expect_exit 0 run "$VOCALC" rtt --json "$d"
		cp "$T/out" "$d/rtt.json"
		expect_exit 0 run "$VOCALC" rtt --json "$d/guest.pcap"
		cp "$T/out" "$d/rtt1.json"
		expect_exit 0 run "$VOCALC" ack --json --burst-interval rtt "$d/guest.pcap"
		python3 - "$d" "$at" "$us" <<'PY' || fail "step of $us us at $at s"
import json, sys
d, at, us = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
truth = json.load(open(f"{d}/truth.json"))["clock"]["segments"]
true_step = truth[1]["offset_us"] - (truth[0]["offset_us"] + truth[0]["skew_ppm"] * (truth[1]["start"] - truth[0]["start"]))
for cmd in ("drift", "analyze", "rtt"):
    r = json.load(open(f"{d}/{cmd}.json"))
    c = r["clock"]
    segs = c["segment_list"]
    assert c["segments"] == 2 and len(segs) == 2, (cmd, c["segments"])
    a, b = segs
    step = b["offset_us"] - (a["offset_us"] + a["skew_ppm"] * (b["start"] - a["t0"]))
    err = step - true_step
    assert abs(err) < 1000 and abs(err) <= a["error_bound_us"] + b["error_bound_us"], (cmd, step, true_step)
    for s, ts in zip(segs, truth):
        true_off = ts["offset_us"] + ts["skew_ppm"] * (s["t0"] - ts["start"])
        assert abs(s["offset_us"] - true_off) <= s["error_bound_us"], (cmd, s, ts)
    if cmd == "drift":
        print(f"step {us:+.0f} us at {at} s: found {step:+.3f} us (error {err:+.3f}), "
              f"bounds {a['error_bound_us']:.1f}/{b['error_bound_us']:.1f} us")
r = json.load(open(f"{d}/analyze.json"))
bound = r["clock"]["error_bound_us"]
for k in ("to_guest", "from_guest"):
    mn = r["vo"][k]["delay_us"]["min"]
    assert mn >= -bound, (k, mn, bound)
assert all(x["rtt_us"] is None or x["rtt_us"]["min"] >= 0 for x in r["rtt"])
rt = json.load(open(f"{d}/rtt.json"))
assert all(x["rtt_us"] is None or x["rtt_us"]["min"] >= 0 for x in rt["rtt"])
g = json.load(open(f"{d}/rtt1.json"))["points"][0]
if us < 0:
    assert g["time_backwards"] >= 1 and g["time_backwards_max_us"] > 0.9 * -us - 1000, g
PY
	done
done
# the step said in the text of each command
d="$T/s10_-20000"
for cmd in analyze drift rtt; do
	expect_exit 0 run "$VOCALC" $cmd "$d"
	grep -Eq "clock step of -(19999|20000)\.[0-9]+ us at guest record" "$T/out" ||
		{ head "$T/out"; fail "$cmd: no step in the text"; }
done
expect_exit 0 run "$VOCALC" rtt "$d/guest.pcap"
grep -q "time went backwards 1 times" "$T/out" || fail "rtt FILE: no word of time going backwards"
# queueing is no step: the guest's vCPU descheduled (vocgen --stall: nothing
# crosses vnet-guest one way for a while, then all of it at once) moves the
# windowed offsets but puts no packet below an envelope: one segment, every
# figure within 1 us of the truth with the true clock and within the bound
# with the estimate
for st in "2:30:to" "2:300:to" "2:300:from" "1:200:to --stall 3:200:from"; do
	d="$T/stall$(echo "$st" | tr -c '0-9a-z' _)"
	# shellcheck disable=SC2086
	"$VOCGEN" --out "$d" --journeys 10000 --rate 2000 --offset-us -4136 --skew-ppm 12 \
		--delay vnet-guest:both=exp:20:30 --stall $st >/dev/null || fail vocgen
	expect_exit 0 run "$VOCALC" analyze --json "$d"
	python3 - "$T/out" "$d/truth.json" "$st" <<'PY' || fail "stall $st"
import json, sys
r, t, st = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
c = r["clock"]
assert c["segments"] == 1, (st, c["segments"])
true = t["clock"]["offset_us"] + t["clock"]["skew_ppm"] * (c["t0"] - t["clock"]["t0"])
assert abs(c["offset_us"] - true) <= c["error_bound_us"], (c["offset_us"], true)
print(f"stall {st}: one segment, offset error {c['offset_us'] - true:+.3f} us (bound {c['error_bound_us']:.1f})")
PY
	expect_exit 0 run "$VOCALC" analyze --json --guest-offset-us -4136 --guest-skew-ppm 12 "$d"
	python3 tests/truthcmp.py "$T/out" "$d/truth.json" >/dev/null || fail "stall $st: figures with the true clock"
done
