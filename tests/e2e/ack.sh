# ACK compression on real traffic: the testbed's backend plays a vCPU that is
# descheduled 5 ms of every 20 ms (it holds the frames and then releases them
# together), behind a 100 Mbit/s bottleneck.  An iperf3 bulk flow from the
# guest gets its ACKs clocked 120-240 us apart by the bottleneck at nic and
# handed over in bursts at guest.  vocalc ack must show the compression at
# guest and not at nic, its compressed fraction within 5 points of the one
# computed from the backend's own log of when it released each ACK, with
# --link-rate 100M (below 108 us) and without (back to back: below 1/4 of
# nic's 10th percentile); the pair table must put it between vnet and guest
# (spacing ratio below 0.5), none between host points; the fractions the
# same for --bin 1 and --log-bins.
source tests/e2e/lib.sh
$TB up --deschedule 5/20 --bottleneck 100mbit >/dev/null || fail "testbed up"
capture "$T/run"
$TB exec client iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
srv=$!
sleep 0.3
$TB exec guest iperf3 -c 10.99.0.1 -p 5201 -t 3 -M 1448 >/dev/null || fail "iperf3"
wait $srv
stop_capture "$T/run"
$TB down >/dev/null
cp /run/vocalc-testbed/backend.log "$T/backend.log"
expect_exit 0 "$VOCALC" ack --json --link-rate 100M --guest-offset-us 0 "$T/run"
cp "$T/out" "$T/link.json"
for o in "" "--bin 1" "--log-bins"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$VOCALC" ack --json $o --guest-offset-us 0 "$T/run"
	cp "$T/out" "$T/b2b${o// /}.json"
done
python3 - "$T" "$T/backend.log" <<'PY' || fail "ACK compression"
import json, sys
d = sys.argv[1]
# the backend's log: when it released each ACK of the flow toward the guest
def released(gport):
    last, prev, ia = None, None, []
    for line in open(sys.argv[2]):
        f = line.split()
        if f[0] != "to_guest" or f[4] != "tcp" or int(f[10]) != gport or not int(f[5]) & 0x10:
            continue
        ack, t = int(f[7]), int(f[2])
        if last is not None and 0 < (ack - last) % 2**32 < 2**31:
            ia.append((t - prev) / 1e3)
            last, prev = ack, t
        elif last is None:
            last, prev = ack, t
    return ia
for name in ("link", "b2b", "b2b--bin1", "b2b--log-bins"):
    r = json.load(open(f"{d}/{name}.json"))
    acks = [a for a in r["ack"] if a["flow"].startswith("10.99.0.1:5201>10.99.0.3:")]
    flow = max(acks, key=lambda a: a["acks"])["flow"]
    at = {a["point"]: a for a in acks if a["flow"] == flow}
    g, n = at["guest"], at["nic"]
    ia = released(int(flow.rsplit(":", 1)[1]))
    log_frac = sum(x < g["threshold_us"] for x in ia) / len(ia)
    pairs = {(x["from"], x["to"]): x for x in r["ack_compression"] if x["flow"] == flow}
    print(f"{name}: {flow}: {g['acks']} ACKs; below {g['threshold_us']:.1f} us ({g['reference_source']}): "
          + ", ".join(f"{p} {100 * a['compressed_fraction']:.1f} %" for p, a in at.items())
          + f" (backend log {100 * log_frac:.1f} %, {len(ia)} inter-arrivals); pairs "
          + ", ".join(f"{f}->{t} {100 * x['compressed_fraction']:.1f} %" for (f, t), x in pairs.items()))
    assert g["acks"] > 1000, g["acks"]
    assert abs(g["compressed_fraction"] - log_frac) < 0.05
    assert g["compressed_fraction"] > max(at[p]["compressed_fraction"] for p in ("nic", "bridge", "vnet")) + 0.1
    assert len(pairs) == 6, pairs.keys()
    assert pairs[("vnet", "guest")]["compressed_fraction"] > 0.1
    assert max(x["compressed_fraction"] for (f, t), x in pairs.items() if t != "guest") < 0.02, pairs
    if name.startswith("b2b"):
        assert max(at[p]["compressed_fraction"] for p in ("nic", "bridge", "vnet")) < 0.03, at
        base = json.load(open(f"{d}/b2b.json"))
        key = lambda r: sorted((a["flow"], a["point"], a["compressed_fraction"]) for a in r["ack"])
        assert key(r) == key(base), name
PY
