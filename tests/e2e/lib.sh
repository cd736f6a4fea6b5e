# Helpers for the end-to-end tests on the namespace testbed (tools/testbed).
source tests/lib.sh
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
ip netns add vtb-probe-$$ 2>/dev/null && ip netns delete vtb-probe-$$ || skip "network namespaces unavailable"
for c in tcpdump iperf3 /usr/sbin/sshd ethtool; do
	command -v "$c" >/dev/null || skip "needs $c (make deps)"
done
TB=tools/testbed
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"; $TB down >/dev/null 2>&1' EXIT

# capture DIR: tcpdump at the four points (nanosecond stamps, immediate
# mode so that stopping loses nothing), waits until all four listen.
capture() {
	local d=$1 p
	mkdir -p "$d"
	CAP_PIDS=()
	for p in nic:host:nic0 bridge:host:br0 vnet:host:vnet0 guest:guest:eth0; do
		IFS=: read -r point ns ifc <<<"$p"
		$TB exec "$ns" tcpdump -Z root -n -i "$ifc" --time-stamp-precision=nano --immediate-mode \
			-s 192 -w "$d/$point.pcap" "not port 22" 2>"$d/$point.err" &
		CAP_PIDS+=($!)
	done
	for p in nic bridge vnet guest; do
		for _ in $(seq 1 100); do grep -q "listening on" "$d/$p.err" 2>/dev/null && break; sleep 0.05; done
		grep -q "listening on" "$d/$p.err" || fail "tcpdump at $p did not start: $(cat "$d/$p.err")"
	done
}

# stop_capture DIR: stops the captures and writes DIR/manifest.json.
stop_capture() {
	local d=$1
	sleep 0.3
	kill -INT "${CAP_PIDS[@]}" 2>/dev/null
	wait "${CAP_PIDS[@]}" 2>/dev/null
	python3 - "$d" <<'PY'
import json, re, sys
d = sys.argv[1]
pts = []
for p in ("nic", "bridge", "vnet", "guest"):
    m = re.search(r"(\d+) packets dropped by kernel", open(f"{d}/{p}.err").read())
    pts.append({"name": p, "file": f"{p}.pcap", "drops": int(m.group(1)) if m else None})
json.dump({"points": pts, "tool": "tests/e2e"}, open(f"{d}/manifest.json", "w"), indent=1)
PY
}

# traffic: pings client -> guest, a TCP bulk flow guest -> client (iperf3,
# timestamps on), UDP client -> guest.
traffic() {
	$TB exec client iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	local srv=$!
	$TB exec guest iperf3 -s -1 -p 5202 >/dev/null 2>&1 &
	local srv2=$!
	sleep 0.3
	$TB exec client ping -q -c 200 -i 0.005 10.99.0.3 >/dev/null || fail "ping"
	$TB exec guest iperf3 -c 10.99.0.1 -p 5201 -t ${BULK_S:-2} -b ${BULK_RATE:-30M} -l ${BULK_LEN:-1400} -M 1400 >/dev/null || fail "iperf3 tcp"
	$TB exec client iperf3 -c 10.99.0.3 -p 5202 -u -b 5M -t 1 -l 1000 >/dev/null || fail "iperf3 udp"
	wait $srv $srv2 2>/dev/null
}

# stop_watch PID ERR: SIGTERM to a vocalc watch; it must stop within 20 s,
# exit 0 (ERR: its stderr, for the message), and leave no capture or probe
# running on the host or any guest.
stop_watch() {
	local pid=$1 errf=$2 rc ns left
	kill -TERM "$pid"
	for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
	kill -0 "$pid" 2>/dev/null && fail "vocalc watch still running 20 s after SIGTERM"
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || fail "vocalc watch: exit $rc after SIGTERM: $(tail -5 "$errf")"
	for ns in vtb-host $VOCALC_GUEST_NAMESPACES; do
		left=$(ip netns pids $ns 2>/dev/null | xargs -r ps -o comm= -p 2>/dev/null | grep -E "tcpdump|ping" || true)
		[ -z "$left" ] || fail "left running in $ns after SIGTERM: $left"
	done
}
