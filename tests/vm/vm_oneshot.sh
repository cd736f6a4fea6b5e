# vocalc HOST GUEST against a real QEMU guest (tools/testbed up --guest qemu:
# virtio-net on a tap on the host's bridge, TCG unless KVM really runs here),
# with an iperf3 bulk flow from the guest to the client as the workload:
# the four points found, the guest clock (a VM's is really off) estimated,
# VO latency non-negative beyond the error bound both ways, RTT and ACK
# sections for the iperf3 flow, and the segment-aware matcher covering
# > 99 % of the TCP octets between vnet and guest; --html: the page of the
# run with every figure drawn, in Chromium.
source tests/e2e/lib.sh
command -v qemu-system-x86_64 >/dev/null || skip "needs qemu-system-x86 (make deps)"
command -v tshark >/dev/null || skip "needs tshark (make deps)"
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
$TB up --guest qemu >"$T/up.log" 2>&1 || fail "testbed up --guest qemu: $(tail -5 "$T/up.log")"
cat "$T/up.log" | tail -2
eval "$($TB env)"
$TB exec client iperf3 -s -1 >/dev/null 2>&1 &
srv=$!
# on a failure, what the saved run's clock looks like (the run stays in tests/out)
diagnose() {
	[ -d "$T/run" ] || return 0
	echo "== diagnosis of $T/run"
	ls -l "$T/run"
	"$VOCALC" drift -v --csv "$T/pairs.csv" "$T/run" 2>&1 | head -n 30
	"$VOCALC" analyze --no-rtt --no-ack --guest-offset-us 0 "$T/run" 2>&1 | sed -n '/^point/,/^$/p'
	python3 - "$T/pairs.csv" <<'PY' 2>&1
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for d in ("to_guest", "from_guest"):
    r = sorted((float(x["reading_us"]) - float(x["offset_fit_us"]), x["t_host"], x["guest_record"])
               for x in rows if x["direction"] == d)
    print(d, len(r), "lowest readings above the fit (us, t_host, guest record):", r[:5], "highest:", r[-3:])
PY
	KEEP=1
}
ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 6 \
	--no-progress -o "$T/run" --json --html "$T/run.html" \
	--workload-guest "iperf3 -c 10.99.0.1 -t 4" "$VOCALC_HOST" "$VOCALC_GUEST" \
	>"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || { cat "$T/err"; diagnose; fail "the one-shot exited $rc, expected 0"; }
wait $srv
cp "$T/out" "$T/run.json"
# the HTML report of the live run (issue 19), made from the saved run, in Chromium
grep -q "^vocalc: wrote $T/run.html" "$T/err" || fail "one-shot --html: $(cat "$T/err")"
if command -v chromium >/dev/null && command -v gnuplot >/dev/null; then
	python3 tests/chromecheck.py "$T/run.html" --screenshot "$T/run.png" \
		--figures vo_cdf,hop_cdf_to_guest,hop_cdf_from_guest,vo_time,clock,rtt_cdf,ack_hist,ack_cdf >"$T/cc" ||
		{ cat "$T/cc"; fail "the one-shot's HTML report in Chromium"; }
	cat "$T/cc"
	grep -q 'vnet0' "$T/run.html" || fail "the page does not name the interfaces (the manifest's)"
fi
grep -q "points: nic nic0, bridge br0, vnet vnet0 on root@10.99.0.2:22; guest eth0 (52:54:00:99:00:03" "$T/err" ||
	fail "discovery: $(cat "$T/err")"
expect_exit 0 "$VOCALC" analyze --csv "$T/rows.csv" --no-rtt --no-ack "$T/run"
python3 - "$T/run.json" "$T/rows.csv" "$T/run/vnet.pcap" <<'PY' || fail "the VM run"
import csv, json, subprocess, sys
r = json.load(open(sys.argv[1]))
c = r["clock"]
print(f"clock: {c['method']}, offset {c['offset_us']:.1f} us, skew {c['skew_ppm']:.2f} ppm, bound {c['error_bound_us']:.1f} us")
assert c["method"] in ("hull", "probe"), c
for d in ("to_guest", "from_guest"):
    v = r["vo"][d]["delay_us"]
    print(f"VO {d}: n {v['n']}, min {v['min']:.1f}, p50 {v['p50']:.1f} us")
    # n: enough packets for the figures (how many a TCG guest manages
    # in 4 s depends on how busy the machine is; 550 were seen under load)
    assert v["n"] > 200 and v["min"] >= -c["error_bound_us"], (d, v, c)
flows = [x for x in r["rtt"] if x["flow"].startswith("10.99.0.3:") and x["flow"].endswith(">10.99.0.1:5201")]
assert any(x["samples"] > 100 for x in flows), r["rtt"]
acks = [a for a in r["ack"] if a["flow"].startswith("10.99.0.1:5201>10.99.0.3:") and a["acks"] > 100]
assert {a["point"] for a in acks} >= {"nic", "guest"}, [(a["flow"], a["point"], a["acks"]) for a in r["ack"]]
assert r["ack_compression"], "no ACK pairs"
# TCP octets of the guest's traffic at vnet, against those matched at guest
out = subprocess.run(["tshark", "-r", sys.argv[3], "-Y", "tcp && ip.addr == 10.99.0.3", "-T", "fields",
                      "-e", "tcp.len"], capture_output=True, text=True).stdout.split()
total = sum(int(x) for x in out if x)
matched = 0
for row in csv.DictReader(open(sys.argv[2])):
    if row["protocol"] == "tcp" and row["t_vnet"] and row["t_guest"]:
        matched += int(row["payload"] or 0)
frac = matched / total
print(f"TCP octets at vnet {total}, matched with guest {matched}: {100 * frac:.2f} %")
assert frac > 0.99, frac
PY
no_capture_left() {
	ip netns pids vtb-host | xargs -r ps -o comm= -p | grep -qE "tcpdump|timeout|ping" && return 1
	ip netns exec vtb-client ssh -i "$VOCALC_SSH_KEY" -o UserKnownHostsFile="$VOCALC_KNOWN_HOSTS" \
		-o BatchMode=yes root@10.99.0.3 'ps' | grep -qE "tcpdump|timeout" && return 1
	return 0
}
no_capture_left || fail "a capture survived on host or guest"
$TB down >/dev/null
