# A real QEMU guest whose wall clock is stepped mid-capture, as NTP does after
# boot: tools/clockstep (static, in the guest's initramfs) steps it between a
# phase of pings and a phase of iperf3, -20 ms with vocalc's probes off (no
# packet then crosses the step) and +1 s with them on.  Every command that
# sees guest and host must find two segments and the step the guest made
# (clockstep measures it against CLOCK_MONOTONIC) within the segments' bounds
# and 1 ms, every segment's minimum round trip positive, no VO delay below
# minus the bound.  RECORD_TO=DIR keeps the -20 ms run (the regression
# capture tests/regress/vm-step is one).
source tests/e2e/lib.sh
command -v qemu-system-x86_64 >/dev/null || skip "needs qemu-system-x86 (make deps)"
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
$TB up --guest qemu >"$T/up.log" 2>&1 || fail "testbed up --guest qemu: $(tail -5 "$T/up.log")"
tail -1 "$T/up.log"
eval "$($TB env)"
gssh() {
	ip netns exec vtb-client ssh -i "$VOCALC_SSH_KEY" -o UserKnownHostsFile="$VOCALC_KNOWN_HOSTS" \
		-o BatchMode=yes "$VOCALC_GUEST" "$@"
}
for case in "-20000 --no-probes" "1000000"; do
	set -- $case
	step=$1 probes=${2:-}
	d="$T/run$step"
	$TB exec client iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	gssh rm -f /tmp/step.out
	expect_exit 0 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" \
		-d 7 -s 96 --no-progress -o "$d" --json $probes --workload-guest \
		"ping -q -c 100 -i 0.02 $VOCALC_CLIENT_IP >/dev/null; sleep 0.5; clockstep $step >/tmp/step.out; sleep 0.5; iperf3 -c $VOCALC_CLIENT_IP -t 2 >/dev/null" \
		"$VOCALC_HOST" "$VOCALC_GUEST"
	wait $srv
	made=$(gssh cat /tmp/step.out | sed -n 's/^clockstep: stepped CLOCK_REALTIME by \([-+0-9.]*\) us.*/\1/p')
	[ -n "$made" ] || fail "clockstep did not run in the guest"
	echo "step $step: the guest's clock stepped by $made us"
	echo "$made" >"$d/step_us"
	for cmd in analyze drift rtt; do
		expect_exit 0 timeout 60 "$VOCALC" $cmd --json "$d"
		cp "$T/out" "$d/$cmd.json"
	done
	expect_exit 0 timeout 60 "$VOCALC" ack --json --burst-interval rtt "$d"
	python3 - "$d" "$made" <<'PY' || fail "step $step: not found as the guest made it"
import json, sys
d, made = sys.argv[1], float(sys.argv[2])
for cmd in ("drift", "analyze", "rtt"):
    c = json.load(open(f"{d}/{cmd}.json"))["clock"]
    segs = c["segment_list"]
    assert c["segments"] == 2, (cmd, c["segments"], segs)
    a, b = segs
    step = b["offset_us"] - (a["offset_us"] + a["skew_ppm"] * (b["start"] - a["t0"]))
    err = step - made
    bounds = a["error_bound_us"] + b["error_bound_us"]
    if cmd == "drift":
        print(f"found {step:+.1f} us (error {err:+.1f}, bounds {a['error_bound_us']:.1f} + "
              f"{b['error_bound_us']:.1f}); min round trips {a['min_rtt_us']:.1f}, {b['min_rtt_us']:.1f} us")
    assert abs(err) <= bounds and abs(err) < 1000, (cmd, step, made, bounds)
    assert a["min_rtt_us"] > 0 and b["min_rtt_us"] > 0, (cmd, segs)
r = json.load(open(f"{d}/analyze.json"))
bound = r["clock"]["error_bound_us"]
for k in ("to_guest", "from_guest"):
    v = r["vo"][k]["delay_us"]
    assert v["n"] > 100 and v["min"] >= -bound, (k, v, bound)
PY
done
if [ -n "${RECORD_TO:-}" ]; then
	rm -rf "$RECORD_TO" && mkdir -p "$RECORD_TO" &&
		cp "$T/run-20000"/{nic,bridge,vnet,guest}.pcap "$T/run-20000/manifest.json" "$T/run-20000/step_us" "$RECORD_TO/" ||
		fail "cannot record to $RECORD_TO"
	echo "recorded the -20 ms run in $RECORD_TO"
fi
$TB down >/dev/null
