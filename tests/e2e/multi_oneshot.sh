# vocalc HOST G1 G2 --guest-ip G3 on the testbed with three guests (issue 17):
# one run captures nic and bridge once, each guest's vnet, and the guest
# point of each guest logged into; the report ranks the guests by VO, worst
# first.  Ground truth is the backends' injected delays: against a
# zero-delay baseline run, each logged-into guest's clock-free round trip
# (the two VO medians summed) grows by its injected sum to 100 us, and the
# guest nobody logs into gets its host hops and a guest-side round trip
# (vnet -> guest -> vnet, ICMP probes) grown by its injected sum to 100 us.
# The saved run re-analyzed gives the same report; nothing is left running
# on the host or any guest; bad guest lists are refused before anything
# runs.  --libvirt and --domain are run against a mock of virsh only on the
# host's PATH (the testbed has no libvirtd; tests/cases/hostfind_libvirt.sh
# runs the discovery against a real one), in virsh 9.0.0's output format.
source tests/e2e/lib.sh
VC="$(cd "$(dirname "$VOCALC")" && pwd)/$(basename "$VOCALC")"
TO=(1000 3000 2000) FROM=(500 500 500)
run() { # RUN_DIR EXTRA...: the three guests from the client namespace, JSON report to $T/out
	local d=$1; shift
	ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 4 \
		--no-progress -o "$d" --workload-guest "ping -q -c 200 -i 0.015 10.99.0.1" \
		--workload-host "iperf3 -c 10.99.0.5 -p 5203 -t 3 -b 4M -l 1400" "$@" \
		"$VOCALC_HOST" root@10.99.0.3 root@10.99.0.4 --guest-ip 10.99.0.5
}
nothing_running() { # no capture, probe or workload left in the host or any guest
	local ns
	for ns in vtb-host $VOCALC_GUEST_NAMESPACES; do
		ip netns pids $ns 2>/dev/null | xargs -r ps -o comm= -p 2>/dev/null | grep -qE "tcpdump|timeout|ping|iperf3 -c" && return 1
	done
	! ls /dev/shm/vocalc-* >/dev/null 2>&1
}
# the mock of virsh: two running domains, the testbed's guests 2 and 3
mkdir -p "$T/bin"
cat >"$T/bin/virsh" <<'MOCK'
#!/bin/sh
# mock of virsh (tests/e2e/multi_oneshot.sh), virsh 9.0.0's format (tests/virt)
[ "$1" = -c ] && shift 2
[ "$1" = -q ] && shift
case "$*" in
"list --name") printf 'tenant-a\ntenant-b\n\n' ;;
"domiflist tenant-a") echo " vnet1      bridge     br0        virtio      52:54:00:99:00:04" ;;
"domiflist tenant-b") echo " vnet2      bridge     br0        virtio      52:54:00:99:00:05" ;;
"domifaddr tenant-b") echo " vnet2      52:54:00:99:00:05    ipv4         10.99.0.5/24" ;;
"domifaddr tenant-a") ;;
*) echo "error: failed to get domain '$2'" >&2; exit 1 ;;
esac
MOCK
chmod +x "$T/bin/virsh"
for r in base delay; do
	if [ $r = base ]; then
		$TB up --guests 3 --to-guest-delay 0 --from-guest-delay 0 >/dev/null || fail "testbed up"
	else
		VOCALC_TESTBED_HOST_BIN=$T/bin $TB up --guests 3 --to-guest-delay "$(IFS=,; echo "${TO[*]}")" \
			--from-guest-delay "$(IFS=,; echo "${FROM[*]}")" >/dev/null || fail "testbed up (delay)"
	fi
	eval "$($TB env)"
	$TB exec guest3 iperf3 -s -1 -p 5203 >/dev/null 2>&1 &
	srv=$!
	sleep 0.3
	html=; [ $r = delay ] && html="--html $T/$r.html"
	expect_exit 0 run "$T/$r" --json $html
	wait $srv 2>/dev/null
	cp "$T/out" "$T/$r.json"
	cat "$T/err"
	for w in "points: nic nic0, bridge br0 (Linux bridge) on root@10.99.0.2:22" \
		"guest root@10.99.0.3 (52:54:00:99:00:03, 10.99.0.3" "vnet vnet0, guest eth0" \
		"guest root@10.99.0.4 (52:54:00:99:00:04, 10.99.0.4" "vnet vnet1, guest eth0" \
		"guest 10.99.0.5 (52:54:00:99:00:05, 10.99.0.5" "vnet vnet2; not logged into"; do
		grep -qF "$w" "$T/err" || fail "$r: discovery said no '$w'"
	done
	nothing_running || fail "$r: left running: $(for ns in vtb-host $VOCALC_GUEST_NAMESPACES; do ip netns pids $ns | xargs -r ps -o pid=,args= -p; done)"
	# the saved run re-analyzed: the same report, byte for byte
	expect_exit 0 "$VOCALC" analyze --json "$T/$r"
	cmp -s "$T/out" "$T/$r.json" || fail "$r: vocalc analyze RUN_DIR differs from the run's report"
	# its manifest: nic and bridge shared, each guest's own points
	json_get "$T/$r/manifest.json" "' '.join([p['name'] + '=' + p['interface'] for p in r['points']] + [g['name'] + ':' + ','.join(p['name'] + '=' + p['interface'] for p in g['points']) for g in r['guests']])" |
		grep -qx "nic=nic0 bridge=br0 root@10.99.0.3:vnet=vnet0,guest=eth0 root@10.99.0.4:vnet=vnet1,guest=eth0 10.99.0.5:vnet=vnet2" ||
		fail "$r: manifest: $(cat "$T/$r/manifest.json")"
done
# the HTML report of the run of three guests (issue 19): a section each, in
# the ranking's order (the injected delays': 3, 2, then 1 ms toward them)
if command -v chromium >/dev/null && command -v gnuplot >/dev/null; then
	python3 tests/chromecheck.py "$T/delay.html" --guests 3 --figures hop_cdf_to_guest,vo_time \
		--empty 10.99.0.5=vo_cdf,vo_time,clock >"$T/cc" || { cat "$T/cc"; fail "the run's HTML report"; }
	cat "$T/cc"
	python3 - "$T/delay.json" "$T/delay.html" <<'PY' || fail "the page's guests"
import json, re, sys
r = json.load(open(sys.argv[1]))
order = re.findall(r'<section class="guest" data-guest="([^"]+)"', open(sys.argv[2]).read())
ranked = [g["name"] for g in r["guests"]]
print("page", order, "report", ranked)
assert order == ranked, "the page's guests not in the report's order"
PY
fi
python3 - "$T/base.json" "$T/delay.json" "${TO[*]}" "${FROM[*]}" <<'PY' || fail "the guests' figures"
import json, sys
B, D = (json.load(open(p)) for p in sys.argv[1:3])
to = [float(x) for x in sys.argv[3].split()]
fr = [float(x) for x in sys.argv[4].split()]
names = ['root@10.99.0.3', 'root@10.99.0.4', '10.99.0.5']
bad = []
def check(what, ok):
    print(('ok   ' if ok else 'FAIL ') + what)
    if not ok:
        bad.append(what)
rank = [g['name'] for g in D['guests']]
check(f'ranked worst first: {rank}', rank[:2] == ['root@10.99.0.4', 'root@10.99.0.3'] and rank[2] == '10.99.0.5')
check('shared points nic, bridge', [p['name'] for p in D['points']] == ['nic', 'bridge'])
by = lambda doc: {g['name']: g for g in doc['guests']}
b, d = by(B), by(D)
for i, n in enumerate(names[:2]):
    rb, rd = b[n]['vo_round_trip']['p50_us'], d[n]['vo_round_trip']['p50_us']
    grown, want = rd - rb, to[i] + fr[i]
    check(f'{n}: round trip {rb:.1f} -> {rd:.1f} us, grown {grown:.1f}, injected {want:.0f}', abs(grown - want) <= 100)
    check(f'{n}: logged into, clock estimated', d[n]['login'] is True and d[n]['clock']['method'] != 'none')
g3b, g3 = b[names[2]], d[names[2]]
check('10.99.0.5: not logged into, no clock, VO null with a reason',
      g3['login'] is False and g3['clock']['method'] == 'none' and g3['vo'] is None and g3.get('vo_reason'))
hops = {(h['from'], h['to'], h['direction']) for h in g3['hops'] if h['protocol'] == 'all' and h['matched'] > 0}
check(f'10.99.0.5: host hops {sorted(hops)}', {('bridge', 'vnet', 'to_guest'), ('vnet', 'bridge', 'from_guest')} <= hops)
gb, gd = g3b['guest_side_round_trip']['icmp'], g3['guest_side_round_trip']['icmp']
grown, want = gd['p50'] - gb['p50'], to[2] + fr[2]
check(f"10.99.0.5: guest-side round trip (ICMP at vnet) {gb['p50']:.1f} -> {gd['p50']:.1f} us, grown {grown:.1f}, injected {want:.0f}; "
      f"least {gd['min']:.1f} us", abs(grown - want) <= 100 and gd['min'] >= want)
check(f"10.99.0.5: {gd['n']} probes answered", gd['n'] >= 100)
tcp = g3['guest_side_round_trip'].get('tcp')
check(f"10.99.0.5: TCP echoes at vnet: {tcp and tcp['n']} samples, least {tcp and tcp['min']} us", tcp is not None and tcp['n'] >= 20 and tcp['min'] >= want)
sys.exit(1 if bad else 0)
PY
# the text report: the ranking table first, the worst on top
expect_exit 0 "$VOCALC" analyze "$T/delay"
sed -n 3,6p "$T/out"
sed -n 5p "$T/out" | grep -q "^  root@10.99.0.4 " || fail "text: the worst guest is not on top: $(sed -n 3,6p "$T/out")"

# --libvirt: the logged-into guest once, the two domains by their names,
# found by domiflist; --domain names one
expect_exit 0 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 2 \
	--no-progress -o "$T/lv" --json "$VOCALC_HOST" root@10.99.0.3 --libvirt
grep -qF "guest tenant-a (52:54:00:99:00:04, " "$T/err" && grep -qF "vnet vnet1; not logged into" "$T/err" &&
	grep -qF "guest tenant-b (52:54:00:99:00:05, 10.99.0.5): vnet vnet2" "$T/err" || fail "--libvirt: $(cat "$T/err")"
[ "$(json_get "$T/out" "' '.join(sorted(g['name'] for g in r['guests']))")" = "root@10.99.0.3 tenant-a tenant-b" ] ||
	fail "--libvirt: guests $(json_get "$T/out" "[g['name'] for g in r['guests']]")"
expect_exit 0 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 2 \
	--no-progress -o "$T/dom" --json "$VOCALC_HOST" --domain tenant-b
[ "$(json_get "$T/out" "[(g['name'], g['login'], g['addresses']) for g in r['guests']]")" = "[('tenant-b', False, ['10.99.0.5'])]" ] ||
	fail "--domain: $(json_get "$T/out" "[(g['name'], g['login'], g['addresses']) for g in r['guests']]")"
expect_exit 3 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 1 \
	--no-progress -o "$T/nodom" "$VOCALC_HOST" --domain nosuch
grep -qF "could not find the vnet capture point (guest nosuch" "$T/err" || fail "--domain nosuch: $(cat "$T/err")"
nothing_running || fail "the libvirt runs left something running"

# refused before anything runs, by reason (nothing connected, no directory)
refused() { # WHAT ARGS...
	local what=$1; shift
	expect_exit 2 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -o "$T/no" "$@"
	grep -qF -- "$what" "$T/err" || fail "$*: no word of '$what': $(cat "$T/err")"
	[ -e "$T/no" ] && fail "$*: a refused run left a directory"
	true
}
refused "guest root@10.99.0.3: given twice" "$VOCALC_HOST" root@10.99.0.3 root@10.99.0.3
refused "--guest-ip 10.99.0.5: given twice" "$VOCALC_HOST" --guest-ip 10.99.0.5 --guest-ip 10.99.0.5
refused "--guest-mac: not a MAC address" "$VOCALC_HOST" --guest-mac 52:54:00:99:00
refused "--guest-ip: not an IPv4 or IPv6 address" "$VOCALC_HOST" --guest-ip 10.99.0.
refused "--vnet is for one guest logged into" --vnet vnet0 "$VOCALC_HOST" root@10.99.0.3 root@10.99.0.4
refused "give HOST and GUEST" "$VOCALC_HOST"
refused "--domain: not a libvirt domain name" "$VOCALC_HOST" --domain 'a;b'

# a guest the host does not know: named, exit 3, nothing left
expect_exit 3 ip netns exec vtb-client "$VC" -i "$VOCALC_SSH_KEY" --known-hosts "$VOCALC_KNOWN_HOSTS" -d 1 \
	--no-progress -o "$T/unknown" "$VOCALC_HOST" --guest-ip 10.99.0.77
grep -qF "could not find the vnet capture point (guest 10.99.0.77, MAC unknown)" "$T/err" || fail "unknown guest: $(cat "$T/err")"
nothing_running || fail "the unknown guest's run left something running"
