# Time going backwards and forwards in every ACK path (issue 13 point 1:
# `ack/analyze --burst-interval rtt` looped forever on a guest clock stepping
# back, acked()'s index went negative; a step forward allocated 4 octets per
# 100 us of the jump).
#  1. tests/ackgen.py, four points, the guest clock stepping by -0.5 ms,
#     -20 ms, +20 ms, -1 s, +1 s just before the guest sees ACK 2000: one
#     point alone (fixed and RTT burstiness), nic+guest, four points, and
#     analyze, each finishes; at guest the inter-arrival across a step back
#     is left out (the series restart: every flow beyond 1 ms, the flow whose
#     own ACKs went back below), across a step forward it is longer by the
#     step; compressed fractions, burstiness and the pairs into the guest (a
#     clock model blind to the step: the pair across a step back is out of
#     order) exactly the construction's; the step counted per point, its size
#     within 1 ms; never a negative inter-arrival or ratio.
#  2. vocgen --clock-step with the estimated clock: every command finishes,
#     counts a step back at guest within 1 ms of its size, nothing negative.
#  3. a step forward by 1000 s costs no memory (it cost 530 MB).
source tests/lib.sh
FLOW=10.9.0.1:5201\>10.9.0.2:41000
G=(--guest-ip 10.9.0.2 --guest-offset-us -4136)
for st in -500 -20000 20000 -1000000 1000000; do
	D="$T/s$st"
	python3 tests/ackgen.py "$D" --k 4 --acks 4000 --offset-us -4136 --points all --jitter 0.2 \
		--step-us $st --step-at 2000 || fail ackgen
	P4=(nic="$D/nic.pcap" bridge="$D/bridge.pcap" vnet="$D/vnet.pcap" guest="$D/guest.pcap")
	expect_exit 0 timeout 60 "$VOCALC" ack --json --point guest "$D/guest.pcap"
	mv "$T/out" "$D/one.json"
	expect_exit 0 timeout 60 "$VOCALC" ack --json --burst-interval rtt --point guest "$D/guest.pcap"
	mv "$T/out" "$D/one-rtt.json"
	expect_exit 0 timeout 60 "$VOCALC" ack --json "${G[@]}" nic="$D/nic.pcap" guest="$D/guest.pcap"
	mv "$T/out" "$D/two.json"
	expect_exit 0 timeout 60 "$VOCALC" ack --json --burst-interval rtt "${G[@]}" "${P4[@]}"
	mv "$T/out" "$D/four-rtt.json"
	expect_exit 0 timeout 60 "$VOCALC" analyze --json --burst-interval rtt "${G[@]}" "${P4[@]}"
	mv "$T/out" "$D/analyze-rtt.json"
	python3 - "$D" "$FLOW" "$st" <<'PY' || fail "clock step $st us: figures differ from the construction"
import json, os, sys
d, flow, st = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = json.load(open(os.path.join(d, "truth.json")))
for run in ("one", "one-rtt", "two", "four-rtt", "analyze-rtt"):
    r = json.load(open(os.path.join(d, run + ".json")))
    for a in r["ack"]:
        assert a["interarrival_us"]["n"] == 0 or a["interarrival_us"]["min"] >= 0, (run, a["interarrival_us"])
    for c in r["ack_compression"]:
        assert c["ratio"]["min"] >= 0, (run, c)
    g = [a for a in r["ack"] if a["flow"] == flow and a["point"] == "guest"][0]
    pt = {p["point"]: p for p in r["ack_points"]}["guest"]
    if st < 0:
        assert pt["time_steps_back"] == 1 and abs(pt["largest_step_back_us"] + st) < 1000, (run, pt)
    else:
        assert pt["time_steps_back"] == 0, (run, pt)
    assert pt["series_restarts"] == (1 if st < -1000 else 0), (run, pt)
    assert g["restarts"] == (1 if t["restart_guest"] else 0), (run, g["restarts"], t["restart_guest"])
    assert g["interarrival_us"]["n"] == t["interarrivals"]["guest"], (run, g["interarrival_us"], t["interarrivals"])
    want = t["b2b_self"]["guest"] if run.startswith("one") else t["b2b"]
    frac = want["frac"] if run.startswith("one") else want["frac"]["guest"]
    assert abs(g["threshold_us"] - want["thr_us"]) < 1e-6, (run, g["threshold_us"], want)
    assert abs(g["compressed_fraction"] - frac) < 1e-12, (run, g["compressed_fraction"], frac)
    b = g["burstiness"]
    if run in ("one", "two"):
        assert b["intervals"] == t["intervals_guest"], (run, b, t["intervals_guest"])
        assert abs(b["cv"] - t["burstiness_guest"]) < 1e-9 * t["burstiness_guest"], (run, b, t["burstiness_guest"])
    if run.startswith("one"):
        assert r["ack_compression"] == [], (run, r["ack_compression"])
        continue
    pairs = [c for c in r["ack_compression"] if c["flow"] == flow and c["to"] == "guest"]
    assert len(pairs) == (1 if run == "two" else 3), (run, pairs)
    for c in pairs:
        w = t["pairs"][c["from"] + ">guest"]
        if abs(st) <= 20000:
            assert c["pairs"] == w["n"] and c["out_of_order"] == w["out_of_order"], (run, c, w)
            assert abs(c["compressed_fraction"] - w["compressed"]) < 1e-12, (run, c, w)
        else:  # a 1 s step is as long as the matching window: some ACKs match no more
            assert c["out_of_order"] <= 1 and c["pairs"] >= 1000, (run, c)
print(f"step {st} us: guest {g['interarrival_us']['n']} inter-arrivals, restarts {g['restarts']}, "
      f"compressed {g['compressed_fraction']:.4f}, steps back {pt['time_steps_back']} "
      f"(largest {pt['largest_step_back_us']:.1f} us)")
PY
done
# the estimated clock on vocgen's traces, every command
for st in 0.002:-20000 0.2:-1000000 0.2:1000000; do
	V="$T/v$st"
	"$VOCGEN" --out "$V" --journeys 20000 --clock-step "$st" >/dev/null || fail "vocgen $st"
	for cmd in "ack --burst-interval rtt guest=$V/guest.pcap" \
		"ack --burst-interval rtt nic=$V/nic.pcap guest=$V/guest.pcap" \
		"ack --burst-interval rtt $V" "analyze --burst-interval rtt $V"; do
		# shellcheck disable=SC2086
		expect_exit 0 timeout 120 "$VOCALC" $cmd --json
		python3 - "$T/out" "$st" "$cmd" <<'PY' || fail "vocgen --clock-step $st: $cmd"
import json, sys
r, (at, us) = json.load(open(sys.argv[1])), sys.argv[2].split(":")
us, alone = float(us), "nic=" not in sys.argv[3] and "guest=" in sys.argv[3]
assert all(a["interarrival_us"]["min"] >= 0 for a in r["ack"]) and r["ack"], r["ack"][:1]
assert all(c["ratio"]["min"] >= 0 for c in r["ack_compression"])
g = {p["point"]: p for p in r["ack_points"]}["guest"]
if not alone:
    # guest and host: the clock finds the step and the trackers see host
    # time, the step corrected: nothing goes back, nothing restarts
    assert r["clock"]["segments"] == 2, r["clock"]
    assert g["time_steps_back"] == 0 and g["series_restarts"] == 0, g
elif us < 0:
    assert g["time_steps_back"] >= 1 and abs(g["largest_step_back_us"] + us) < 1000 and g["series_restarts"] == 1, g
else:
    assert g["series_restarts"] == 0, g
PY
	done
done
# a forward step costs no memory (the former 100 us series: 530 MB here)
"$VOCGEN" --out "$T/far" --journeys 20000 --clock-step 0.2:1000000000 >/dev/null || fail vocgen
rss() { python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
base=$(rss "$VOCALC" ack --json --burst-interval rtt guest="$T/v0.2:1000000/guest.pcap") || fail "rss"
far=$(rss "$VOCALC" ack --json --burst-interval rtt guest="$T/far/guest.pcap") || fail "rss far"
echo "peak RSS: $base KB, with a 1000 s step forward $far KB"
[ "$far" -lt $((base * 3 / 2 + 8192)) ] || fail "a 1000 s step forward took $far KB (without: $base KB)"
