# The regression capture of a real QEMU guest whose clock stepped by -20 ms
# mid-capture (recorded by RECORD_TO=tests/regress/vm-step tests/vm/clock_step.sh;
# step_us holds the step clockstep measured in the guest).  Before, the
# estimator found one segment, a skew of about -1000 ppm, a negative minimum
# round trip and a bound that did not hold.  Now every command that sees guest
# and host finds the two segments and the step within their bounds.
source tests/lib.sh
R=tests/regress/vm-step
made=$(cat $R/step_us)
for cmd in drift analyze rtt; do
	expect_exit 0 timeout 60 "$VOCALC" $cmd --json $R
	python3 - "$T/out" "$made" "$cmd" <<'PY' || fail "$cmd: the step"
import json, sys
r, made, cmd = json.load(open(sys.argv[1])), float(sys.argv[2]), sys.argv[3]
c = r["clock"]
a, b = c["segment_list"]
step = b["offset_us"] - (a["offset_us"] + a["skew_ppm"] * (b["start"] - a["t0"]))
print(f"{cmd}: {c['segments']} segments, step {step:+.1f} us (made {made:+.1f}), bounds "
      f"{a['error_bound_us']:.1f} + {b['error_bound_us']:.1f}, skews {a['skew_ppm']:+.1f} {b['skew_ppm']:+.1f} ppm")
assert c["segments"] == 2
assert abs(step - made) <= a["error_bound_us"] + b["error_bound_us"] and abs(step - made) < 1000
assert a["min_rtt_us"] > 0 and b["min_rtt_us"] > 0
assert abs(a["skew_ppm"]) < 200 and abs(b["skew_ppm"]) < 200
if cmd == "analyze":
    bound = c["error_bound_us"]
    for d in ("to_guest", "from_guest"):
        assert r["vo"][d]["delay_us"]["min"] >= -bound and r["vo"][d]["below_minus_bound"] == 0, r["vo"][d]
PY
done
expect_exit 0 timeout 60 "$VOCALC" ack --json --burst-interval rtt $R
