# ACK compression that jitter does not fake (tests/ackgen.py, four points):
# ACK spacings at nic 120 us x a factor uniform in [0.8, 1.2], each host hop
# and the delivery to the guest adding up to 12 us of delay jitter.
#  1. no bursts: 0 compressed at every point and between every two points,
#     exactly as constructed (the former definitions, 0.9 x the upstream mode
#     and ratio < 0.9, count the same trains as compressed);
#  2. bursts of 4 at guest: the guest's fraction exactly the construction's
#     (3/4), 0 at the host points, 0 between host points, 3/4 into the guest;
#     the same with --link-rate 100M by its own threshold;
#  3. every compressed fraction identical for --bin 1, 10, 100 and --log-bins;
#  4. burstiness per RTT at every point (the ladder interval nearest the
#     constructed RTT) and the pair table's order along the ACKs' way.
source tests/lib.sh
FLOW=10.9.0.1:5201\>10.9.0.2:41000
for k in 1 4; do
	D="$T/k$k"
	python3 tests/ackgen.py "$D" --k $k --acks 6000 --offset-us -4136 --points all --jitter 0.2 \
		--rtt-us 4900 --seed $((7 + k)) || fail ackgen
	for o in "--bin 1" "--bin 10" "--bin 100" "--log-bins" "--link-rate 100M"; do
		# shellcheck disable=SC2086
		expect_exit 0 "$VOCALC" ack --json --burst-interval rtt $o --guest-ip 10.9.0.2 \
			--guest-offset-us -4136 nic="$D/nic.pcap" bridge="$D/bridge.pcap" \
			vnet="$D/vnet.pcap" guest="$D/guest.pcap"
		cp "$T/out" "$D/out${o// /}.json"
	done
	python3 - "$D" "$FLOW" <<'PY' || fail "k=$k: figures differ from the construction"
import json, sys, os
d, flow = sys.argv[1], sys.argv[2]
t = json.load(open(os.path.join(d, "truth.json")))
k = t["k"]
runs = {o: json.load(open(os.path.join(d, "out" + o + ".json")))
        for o in ("--bin1", "--bin10", "--bin100", "--log-bins", "--link-rate100M")}
for o, r in runs.items():
    acks = {a["point"]: a for a in r["ack"] if a["flow"] == flow}
    pairs = [c for c in r["ack_compression"] if c["flow"] == flow]
    defn = t["link"] if o == "--link-rate100M" else t["b2b"]
    assert sorted(acks) == ["bridge", "guest", "nic", "vnet"], acks.keys()
    for p, a in acks.items():
        assert a["acks"] == t["acks"] and a["interarrival_us"]["min"] >= 0, a
        assert abs(a["threshold_us"] - defn["thr_us"]) < 1e-6, (o, p, a["threshold_us"], defn)
        assert abs(a["compressed_fraction"] - defn["frac"][p]) < 1e-12, (o, p, a["compressed_fraction"], defn)
        b, w = a["burstiness"], t["burst_rtt"][p]
        assert b["interval_source"] == "rtt" and abs(b["rtt_ms"] * 1e3 - t["rtt_us"][p]) < 1e-3, (p, b, t["rtt_us"])
        assert abs(b["interval_ms"] - w["interval_ms"]) < 1e-9 and b["intervals"] == w["intervals"], (p, b, w)
        assert abs(b["cv"] - w["cv"]) < 1e-9 * w["cv"], (p, b, w)
    # every two points, in order along the ACKs' way
    order = [(c["from"], c["to"]) for c in pairs]
    assert order == [("nic", "bridge"), ("nic", "vnet"), ("nic", "guest"), ("bridge", "vnet"),
                     ("bridge", "guest"), ("vnet", "guest")], order
    for c in pairs:
        w = t["pairs"][c["from"] + ">" + c["to"]]
        assert c["pairs"] == w["n"] and c["out_of_order"] == 0, (c, w)
        assert abs(c["compressed_fraction"] - w["compressed"]) < 1e-12, (c, w)
        assert abs(c["ratio"]["p50"] - w["p50"]) < 1e-6, (c["ratio"], w)
# what the construction says, in words
b = t["b2b"]["frac"]
assert b["nic"] == b["bridge"] == b["vnet"] == 0, b
assert b["guest"] == (0 if k == 1 else t["compressed_guest"]), b
assert abs(b["guest"] - (k - 1) / k) < 0.001, b
for name, w in t["pairs"].items():
    if name.endswith(">guest"):
        assert abs(w["compressed"] - (k - 1) / k) < 0.001, (name, w)
    else:
        assert w["compressed"] == 0, (name, w)
if k == 1:
    # the jitter fakes compression under the former definitions
    assert max(t["old"]["frac"].values()) > 0.1, t["old"]
    assert max(w["old_compressed"] for w in t["pairs"].values()) > 0.05, t["pairs"]
# identical for every bin option
fr = {o: sorted((a["point"], a["compressed_fraction"]) for a in r["ack"]) +
      sorted((c["flow"], c["from"], c["to"], c["compressed_fraction"]) for c in r["ack_compression"])
      for o, r in runs.items() if o != "--link-rate100M"}
assert len({json.dumps(v) for v in fr.values()}) == 1, fr
g = {a["point"]: a["compressed_fraction"] for a in runs["--bin10"]["ack"] if a["flow"] == flow}
pg = {c["from"]: c["compressed_fraction"] for c in runs["--bin10"]["ack_compression"] if c["flow"] == flow and c["to"] == "guest"}
print(f"k={k}: compressed nic {g['nic']:.4f} bridge {g['bridge']:.4f} vnet {g['vnet']:.4f} guest {g['guest']:.4f}; "
      f"into guest {pg}; threshold {t['b2b']['thr_us']:.1f} us (p10 at nic {t['b2b']['ref_us']:.1f})")
PY
done
# the text report: the pair table and a histogram row for the region below
# the threshold
expect_exit 0 "$VOCALC" ack --guest-ip 10.9.0.2 --guest-offset-us -4136 nic="$T/k4/nic.pcap" \
	bridge="$T/k4/bridge.pcap" vnet="$T/k4/vnet.pcap" guest="$T/k4/guest.pcap"
grep -Eq "^ +vnet -> guest +5999 .* 75\.0%" "$T/out" && grep -Eq "^ +nic -> bridge +5999 .* 0\.0%" "$T/out" \
	&& grep -Eq "^ +0 - 10 +0\.0% +75\.0% #" "$T/out" || fail "text report: $(cat "$T/out")"
