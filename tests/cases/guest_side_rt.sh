# The guest side as a round trip for a guest without its capture (issue 17):
# generated runs with constant delays across the guest (to the guest, back,
# and vocgen's 20 us echo turnaround), the guest capture left out.  Every
# ICMP probe's round trip at vnet is exactly the injected sum + 20 us, in two
# settings (so no fixed figure passes both); the TCP echoes toward the
# guest are those an independent oracle (tests/rtt_oracle.py, pping's rules
# on tshark's dissection) finds at vnet, sample for sample; a run without
# ICMP gives null with the reason; --no-rtt says so; a run with a guest
# capture has no such key; the text says what is not known.
source tests/lib.sh
command -v tshark >/dev/null || skip "needs tshark for the TCP oracle (make deps)"
for s in 1000:500 3000:250; do
	to=${s%:*} from=${s#*:}
	"$VOCGEN" --out "$T/g$to" --journeys 3000 --rate 2000 --seed 5 --points nic,bridge,vnet \
		--guest-ip 10.0.0.2 --delay vnet-guest:to=const:$to --delay vnet-guest:from=const:$from >/dev/null ||
		fail vocgen
	expect_exit 0 "$VOCALC" analyze --json "$T/g$to"
	cp "$T/out" "$T/g$to.json"
	tshark -r "$T/g$to/vnet.pcap" -T fields -E separator=, -e frame.time_epoch -e ip.src -e ipv6.src \
		-e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.options.timestamp.tsval \
		-e tcp.options.timestamp.tsecr -e tcp.flags 2>/dev/null | python3 tests/rtt_oracle.py >"$T/oracle$to.txt"
	python3 - "$T/g$to.json" "$T/oracle$to.txt" "$to" "$from" <<'PY' || fail "guest side, $to us / $from us"
import json, sys
R = json.load(open(sys.argv[1]))
to, fr = float(sys.argv[3]), float(sys.argv[4])
g = R['guest_side_round_trip']
want = to + fr + 20.0
i = g['icmp']
print(f"icmp: {i['n']} of {g['icmp_requests']} requests, min {i['min']} p50 {i['p50']} max {i['max']} (want {want})")
assert i['n'] >= 100 and i['n'] == g['icmp_requests'] and g['icmp_unanswered'] == 0, g
assert abs(i['min'] - want) < 0.001 and abs(i['max'] - want) < 0.001 and abs(i['p50'] - want) < 0.001, i
assert g['icmp_negative'] == 0 and g['icmp_unsolicited'] == 0 and g['icmp_duplicate'] == 0, g
guest = set(R['guest_ips'])
def dst(flow):
    b = flow.split('>')[1]
    return b.rsplit(':', 1)[0].strip('[]')
rts = sorted(int(l.split()[1]) / 1e3 for l in open(sys.argv[2]) if dst(l.split()[2]) in guest)
t = g['tcp']
print(f"tcp: {t['n']} samples, min {t['min']} p50 {t['p50']} max {t['max']}; oracle {len(rts)}, min {rts[0]} max {rts[-1]}")
assert t['n'] == len(rts) >= 20, (t, len(rts))
assert abs(t['min'] - rts[0]) < 0.001 and abs(t['max'] - rts[-1]) < 0.001, (t, rts[0], rts[-1])
n = len(rts)
assert rts[(n - 1) // 2] - 0.001 <= t['p50'] <= rts[n // 2] + 0.001, (t['p50'], rts[(n - 1) // 2], rts[n // 2])
assert 'vo' in R and R['vo'] is None and "guest's clock" in g['what'], R.get('vo')
PY
done
# the text: the figure and what cannot be known
expect_exit 0 "$VOCALC" analyze "$T/g3000"
grep -q "^  ICMP probes  p50    3270.0 us" "$T/out" || fail "text: $(grep -A3 '^Guest side' "$T/out")"
grep -q "Not known without the guest's clock: how this round trip splits" "$T/out" || fail "text: what is not known"
# no ICMP: null with the reason, TCP still there
"$VOCGEN" --out "$T/noicmp" --journeys 2000 --seed 6 --mix 80,20,0 --points nic,bridge,vnet >/dev/null || fail vocgen
expect_exit 0 "$VOCALC" analyze --json "$T/noicmp"
[ "$(json_get "$T/out" "r['guest_side_round_trip']['icmp']")" = None ] &&
	json_get "$T/out" "r['guest_side_round_trip']['icmp_reason']" | grep -q "no ICMP echo request" ||
	fail "no ICMP: $(json_get "$T/out" "r['guest_side_round_trip']")"
expect_exit 0 "$VOCALC" analyze --json --no-rtt "$T/noicmp"
json_get "$T/out" "r['guest_side_round_trip']['tcp_reason']" | grep -q -- "--no-rtt" || fail "--no-rtt"
# with the guest capture: the VO, and no guest-side key
"$VOCGEN" --out "$T/full" --journeys 2000 --seed 6 >/dev/null || fail vocgen
expect_exit 0 "$VOCALC" analyze --json "$T/full"
[ "$(json_get "$T/out" "'guest_side_round_trip' in r")" = False ] || fail "a run with its guest capture has the key"
true
