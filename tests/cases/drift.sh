# The guest clock estimator (issue 3 must-show), on generated 30 s traces at
# vnet and guest with a known clock: offset -4136 us, skew +73 ppm.
source tests/lib.sh
gen() { "$VOCGEN" --journeys 60000 --rate 2000 --points vnet,guest --offset-us -4136 --skew-ppm "$@" \
	|| fail "vocgen $*"; }
# check REPORT TRUTH MAX_OFFSET_ERR_US MAX_SKEW_ERR_PPM: every segment's offset
# at its reference time and skew against the truth's line
check_clock() {
	python3 - "$@" <<'PY'
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
tol_off, tol_skew = float(sys.argv[3]), float(sys.argv[4])
c, tc = r["clock"], t["clock"]
segs, tsegs = c["segment_list"], tc["segments"]
assert len(segs) == len(tsegs), f"{len(segs)} segments, truth {len(tsegs)}"
for i, (s, ts) in enumerate(zip(segs, tsegs)):
    true_off = ts["offset_us"] + ts["skew_ppm"] * (s["t0"] - ts["start"])  # truth line at our t0
    e_off, e_skew = s["offset_us"] - true_off, s["skew_ppm"] - ts["skew_ppm"]
    print(f"segment {i+1}: offset {s['offset_us']:.3f} us (error {e_off:+.3f}), skew {s['skew_ppm']:.4f} ppm "
          f"(error {e_skew:+.4f}), bound {s['error_bound_us']:.1f} us; "
          f"OLS error {s['methods']['ols']['offset_us'] - true_off:+.3f} us, "
          f"robust error {s['methods']['robust']['offset_us'] - true_off:+.3f} us")
    assert abs(e_off) <= tol_off, f"segment {i+1}: offset error {e_off}"
    assert abs(e_off) <= s["error_bound_us"], "error beyond the reported bound"
    assert abs(e_skew) <= tol_skew, f"segment {i+1}: skew error {e_skew}"
PY
}

echo "== exponential queueing both ways"
gen 73 --delay vnet-guest:both=exp:20:30 --out "$T/sym"
expect_exit 0 "$VOCALC" drift --json "$T/sym"
[ "$(json_get "$T/out" "r['clock']['method']")" = hull ] || fail "method"
check_clock "$T/out" "$T/sym/truth.json" 2 0.2 || fail "symmetric queueing"
# analyze applies it: every hop within 1 us of the truth, no clock given
expect_exit 0 "$VOCALC" analyze --json "$T/sym"
python3 tests/truthcmp.py "$T/out" "$T/sym/truth.json" || fail "analyze with the estimated clock"

echo "== 10x heavier queueing to the guest"
gen 73 --delay vnet-guest:to=exp:20:300 --delay vnet-guest:from=exp:20:30 --out "$T/asym"
expect_exit 0 "$VOCALC" drift --json "$T/asym"
cp "$T/out" "$T/asym.json"
check_clock "$T/asym.json" "$T/asym/truth.json" 2 0.2 || fail "asymmetric queueing"
python3 - "$T/asym.json" "$T/asym/truth.json" <<'PY' || fail "the regression is not visibly worse"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
s = r["clock"]["segment_list"][0]
true = t["clock"]["segments"][0]["offset_us"] + 73 * (s["t0"] - t["clock"]["t0"])
hull = abs(s["methods"]["hull"]["offset_us"] - true)
for m in ("ols", "robust"):
    err = abs(s["methods"][m]["offset_us"] - true)
    assert err > 10 * max(hull, 1) and err > 20, (m, err, hull)
PY
"$VOCALC" drift -v "$T/asym" | tail -n 5

echo "== a +1 ms clock step at 15 s"
gen 73 --delay vnet-guest:both=exp:20:30 --clock-step 15:1000 --out "$T/step"
expect_exit 0 "$VOCALC" drift --json "$T/step"
check_clock "$T/out" "$T/step/truth.json" 2 0.2 || fail "clock step"
expect_exit 0 "$VOCALC" analyze --json "$T/step"
python3 tests/truthcmp.py "$T/out" "$T/step/truth.json" || fail "analyze across the step"

echo "== a -3 ms step (backward: guest times repeat) and skew -200 ppm"
gen -200 --delay vnet-guest:both=exp:20:30 --clock-step 10:-3000 --out "$T/back"
expect_exit 0 "$VOCALC" drift --json "$T/back"
check_clock "$T/out" "$T/back/truth.json" 2 0.2 || fail "backward step"

echo "== after correction no delay is negative beyond the bound (skew up to 200 ppm)"
for skew in 200 -200 0.5; do
	gen "$skew" --delay vnet-guest:to=exp:20:200 --delay vnet-guest:from=exp:5:30 --out "$T/neg$skew"
	expect_exit 0 "$VOCALC" analyze --json "$T/neg$skew"
	python3 - "$T/out" <<'PY' || fail "negative delay at skew $skew"
import json, sys
r = json.load(open(sys.argv[1]))
bound = r["clock"]["error_bound_us"]
for d in ("to_guest", "from_guest"):
    mn = r["vo"][d]["delay_us"]["min"]
    assert mn >= -bound, (d, mn, bound)
    print(f"{d}: min {mn:.3f} us, bound {bound:.1f} us")
PY
done

# check_probe NAME MIN_EXCHANGES MAX_SKEW_ERR_PPM VOCGEN-ARGS...: the probe
# method alone, its offset within its own bound of the truth
check_probe() {
	local name=$1 min=$2 skew_tol=$3
	shift 3
	"$VOCGEN" --points vnet,guest --offset-us -4136 --skew-ppm 73 \
		--delay vnet-guest:both=exp:20:30 --out "$T/$name" "$@" || fail vocgen
	expect_exit 0 "$VOCALC" drift --json --clock-method probe "$T/$name"
	python3 - "$T/out" "$T/$name/truth.json" "$name" "$min" "$skew_tol" <<'PY' || fail "probe: $name"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
name, least, skew_tol = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
c = r["clock"]
assert c["method"] == "probe" and c["probes"] >= least, (c["method"], c["probes"])
true = t["clock"]["offset_us"] + 73 * (c["t0"] - t["clock"]["t0"])
err = abs(c["offset_us"] - true)
print(f"probe, {name}: offset error {err:.3f} us, bound {c['error_bound_us']:.1f} us, "
      f"skew {c['skew_ppm']:.3f} ppm, {c['probes_used']} of {c['probes']} exchanges")
assert err <= c["error_bound_us"], (err, c["error_bound_us"])
assert abs(c["skew_ppm"] - 73) < skew_tol, c["skew_ppm"]
PY
}
echo "== probe method on ICMP-only traffic"
check_probe ping 500 5 --journeys 6000 --rate 200 --mix 0,0,100
echo "== probe method on TCP-only traffic: data and the first ACK that covers it"
check_probe tcp 1000 1 --journeys 20000 --rate 1000 --mix 100,0,0

echo "== traffic one way only, no pings: no estimate, said plainly"
"$VOCGEN" --journeys 3000 --points vnet,guest --mix 0,100,0 --offset-us 500 --only-dir to \
	--out "$T/oneway" || fail vocgen
expect_exit 0 "$VOCALC" drift --json --guest-ip 10.0.0.2 --guest-ip fd00::2 "$T/oneway"
[ "$(json_get "$T/out" "r['clock']['method']")" = none ] || fail "one-way traffic gave an estimate"
json_get "$T/out" "r['clock']['note']" | grep -q "give --guest-offset-us" || fail "one-way note"
expect_exit 0 "$VOCALC" analyze --guest-ip 10.0.0.2 --guest-ip fd00::2 "$T/oneway"
grep -q "guest clock not corrected" "$T/out" || fail "analyze does not warn"
# drift --csv: one row per pair, the fit beside every reading
expect_exit 0 "$VOCALC" drift --csv "$T/pairs.csv" "$T/sym"
python3 - "$T/pairs.csv" <<'PY' || fail "drift CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) > 80000
for x in rows[:1000]:
    r, f = float(x["reading_us"]), float(x["offset_fit_us"])
    # to_guest readings are offset + delay, from_guest offset - delay
    assert (r >= f - 0.5) if x["direction"] == "to_guest" else (r <= f + 0.5), x
PY

echo "== bounded memory: beyond its cap the estimator keeps each time bucket's lowest pair"
expect_exit 0 "$VOCALC" drift --json "$T/asym"
cp "$T/out" "$T/full.json"
VOCALC_CLOCK_PAIR_CAP=2000 expect_exit 0 "$VOCALC" drift --json "$T/asym"
python3 - "$T/full.json" "$T/out" "$T/asym/truth.json" <<'PY' || fail "compacted pairs"
import json, sys
a, b, t = (json.load(open(p)) for p in sys.argv[1:])
ca, cb = a["clock"], b["clock"]
assert cb["pairs_to_guest"] == ca["pairs_to_guest"], (ca["pairs_to_guest"], cb["pairs_to_guest"])
true = t["clock"]["offset_us"] + 73 * (cb["t0"] - t["clock"]["t0"])
print(f"all pairs: offset error {ca['offset_us'] - true:+.3f} us; kept 2000 at most: {cb['offset_us'] - true:+.3f} us, "
      f"skew {cb['skew_ppm']:.4f} ppm, bound {cb['error_bound_us']:.1f} us")
assert abs(cb["offset_us"] - true) <= cb["error_bound_us"] and abs(cb["offset_us"] - ca["offset_us"]) < 2
assert abs(cb["skew_ppm"] - 73) < 0.2
PY
