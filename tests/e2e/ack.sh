# ACK compression on real traffic: the testbed's backend plays a vCPU that is
# descheduled 5 ms of every 20 ms (it holds the frames and then releases them
# together), behind a 100 Mbit/s bottleneck.  An iperf3 bulk flow from the
# guest gets its ACKs clocked 120-240 us apart by the bottleneck at nic and
# handed over in bursts at guest.  vocalc ack must show the compression at
# guest and not at nic, its compressed fraction within 5 points of the one
# computed from the backend's own log of when it released each ACK.
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
python3 - "$T/out" "$T/backend.log" <<'PY' || fail "ACK compression"
import json, sys
r = json.load(open(sys.argv[1]))
acks = [a for a in r["ack"] if a["flow"].startswith("10.99.0.1:5201>10.99.0.3:")]
flow = max(acks, key=lambda a: a["acks"])["flow"]
at = {a["point"]: a for a in acks if a["flow"] == flow}
g, n = at["guest"], at["nic"]
gport = int(flow.rsplit(":", 1)[1])
# the backend's log: when it released each ACK of the flow toward the guest
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
log_frac = sum(x < g["threshold_us"] for x in ia) / len(ia)
print(f"{flow}: {g['acks']} ACKs; compressed at guest {100 * g['compressed_fraction']:.1f} % "
      f"(backend log {100 * log_frac:.1f} %, {len(ia)} inter-arrivals), at nic {100 * n['compressed_fraction']:.1f} %")
c = [x for x in r["ack_compression"] if x["flow"] == flow and x["to"] == "guest" and x["from"] == "nic"][0]
print(f"nic -> guest: {c['pairs']} pairs, {100 * c['compressed_fraction']:.1f} % compressed between them, ratio p50 {c['ratio']['p50']:.3f}")
assert g["acks"] > 1000, g["acks"]
assert abs(g["compressed_fraction"] - log_frac) < 0.05
assert g["compressed_fraction"] > n["compressed_fraction"] + 0.1
assert c["compressed_fraction"] > 0.1
PY
