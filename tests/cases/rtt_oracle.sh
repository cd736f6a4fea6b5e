# vocalc rtt against an independent oracle (tests/rtt_oracle.py: pping's
# rules over tshark's dissection) on real Linux TCP with timestamps: an iperf3
# flow between two network namespaces, captured by tcpdump.  Every sample,
# its time (ns), RTT (ns) and flow, must be the same.
source tests/lib.sh
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
for c in tcpdump tshark iperf3; do command -v $c >/dev/null || skip "needs $c (make deps)"; done
ip netns add "vrt-probe-$$" 2>/dev/null || skip "network namespaces not available here"
ip netns del "vrt-probe-$$"
A="vrt-a-$$" B="vrt-b-$$"
cleanup() {
	for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
ip netns add "$A" && ip netns add "$B" || fail "netns"
ip link add eth0 netns "$A" type veth peer name eth0 netns "$B"
ip -n "$A" addr add 10.78.0.1/24 dev eth0 && ip -n "$A" link set eth0 up
ip -n "$B" addr add 10.78.0.2/24 dev eth0 && ip -n "$B" link set eth0 up
for n in "$A" "$B"; do
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv4.tcp_timestamps=1
done
ip netns exec "$B" iperf3 -s -1 >/dev/null 2>&1 &
ip netns exec "$A" tcpdump -i eth0 -w "$T/a.pcap" --time-stamp-precision=nano -s 128 --immediate-mode -U -n tcp \
	>"$T/tcpdump.log" 2>&1 &
for _ in $(seq 100); do grep -q "listening on" "$T/tcpdump.log" && break; sleep 0.05; done
sleep 0.3
ip netns exec "$A" iperf3 -c 10.78.0.2 -t 2 -b 200M >/dev/null || fail "iperf3"
sleep 1.5 # past tcpdump's buffer timeout (see README)
kill -INT %2 2>/dev/null
wait %2 2>/dev/null

tshark -r "$T/a.pcap" -T fields -E separator=, -e frame.time_epoch -e ip.src -e ipv6.src \
	-e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.options.timestamp.tsval \
	-e tcp.options.timestamp.tsecr -e tcp.flags 2>/dev/null | python3 tests/rtt_oracle.py >"$T/oracle.txt"
expect_exit 0 "$VOCALC" rtt --csv "$T/rtt.csv" "$T/a.pcap"
python3 - "$T/rtt.csv" >"$T/mine.txt" <<'PY'
import csv, sys
from decimal import Decimal
rows = sorted((int(Decimal(r["t"]) * 10**9), int(Decimal(r["rtt_us"]) * 1000), r["flow"])
              for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "tsval")
for t, rtt, f in rows:
    print(t, rtt, f)
PY
n=$(wc -l <"$T/mine.txt")
[ "$n" -ge 500 ] || fail "only $n samples: the capture is too small to judge"
diff "$T/oracle.txt" "$T/mine.txt" >"$T/diff" || { head -20 "$T/diff"; fail "vocalc and the oracle differ"; }
echo "$n samples, identical to the oracle's"
# the JSON names flows per CONTRACT.md and counts what it could not use
expect_exit 0 "$VOCALC" rtt --json "$T/a.pcap"
python3 - "$T/out" "$n" <<'PY' || fail "rtt JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == 1 and r["tool"] == "vocalc" and r["points"] and r["rtt"]
assert sum(f["samples"] for f in r["rtt"]) == int(sys.argv[2])
for f in r["rtt"]:
    assert f["flow"].count(">") == 1 and f["point"] == "guest"
    assert f["samples"] == 0 or f["rtt_us"]["min"] > 0
# iperf3's connections were captured from their SYN: handshakes, both legs
hs = [f["handshake_us"] for f in r["rtt"] if "handshake_us" in f]
assert hs and all(h["responder"] > 0 and h["initiator"] > 0 for h in hs), hs
PY
