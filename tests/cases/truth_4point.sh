# Ground truth (issue 2 must-show): a generated 4-point trace of over 200 000
# packets — mixed TCP/UDP/ICMP over IPv4 and IPv6, GSO and GRO, retransmissions
# and duplicate ACKs, 0.5 % loss at vnet->guest, guest clock -4136 us and
# +73 ppm — analyzed with the clock given: every hop's and VO's counts are
# exact and min/p50/p90/p99/max within 1 us of the truth.
source tests/lib.sh
"$VOCGEN" --out "$T/run" --journeys 60000 --offset-us -4136 --skew-ppm 73 \
	--loss vnet-guest:to=0.005 --retrans 0.02 --dupack 0.05 --seed 7 || fail "vocgen"
expect_exit 0 "$VOCALC" analyze --json --guest-offset-us -4136 --guest-skew-ppm 73 "$T/run"
cp "$T/out" "$T/report.json"
python3 tests/truthcmp.py "$T/report.json" "$T/run/truth.json" || fail "report differs from truth"
n=$(json_get "$T/report.json" "sum(p['packets'] for p in r['points'])")
[ "$n" -ge 200000 ] || fail "only $n packets: the trace is too small for this test"
lost=$(json_get "$T/report.json" "[h['unmatched'] for h in r['hops'] if h['from']=='vnet' and h['to']=='guest' and h['protocol']=='all'][0]")
truth=$(json_get "$T/run/truth.json" "[h['unmatched'] for h in r['hops'] if h['from']=='vnet' and h['to']=='guest' and h['protocol']=='all'][0]")
[ "$lost" -gt 0 ] && [ "$lost" = "$truth" ] || fail "vnet->guest loss $lost, truth $truth"
echo "packets $n, vnet->guest lost $lost (truth $truth)"
