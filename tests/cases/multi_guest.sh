# A run of several guests (issue 17; CONTRACT.md "Several guests in one
# run"), with ground truth per guest: three vocgen runs, their nic and
# bridge captures merged into the host's (tests/multirun.py), one manifest
# naming each guest's own vnet (and guest) capture.  vocalc analyze RUN_DIR
# must give each guest exactly the figures its own run gives alone (clock,
# hops, VO, round trips, ACKs: key by key), rank them by VO round trip
# worst first, give the guest nobody logged into (tenant-c: vnet only) its
# host hops, clock "none" and a null VO with the reason; the text ranks
# them the same; bad manifests are refused by file and reason.
source tests/lib.sh
python3 tests/multirun.py "$VOCGEN" "$T/g" || fail "tests/multirun.py"
R=$T/g/run
expect_exit 0 "$VOCALC" analyze --json "$R"
cp "$T/out" "$T/multi.json"
# each guest alone: its own run (vm-b's addresses given there too, as its manifest entry does)
expect_exit 0 "$VOCALC" analyze --json "$T/g/vm-a"
cp "$T/out" "$T/vm-a.json"
expect_exit 0 "$VOCALC" analyze --json --guest-ip 10.0.0.3 --guest-ip fd00::3 "$T/g/vm-b"
cp "$T/out" "$T/vm-b.json"
expect_exit 0 "$VOCALC" analyze --json "$T/g/tenant-c"
cp "$T/out" "$T/tenant-c.json"
python3 - "$T" <<'PY' || fail "the guests' figures differ from their runs alone"
import json, sys
T = sys.argv[1]
M = json.load(open(f'{T}/multi.json'))
bad = []
def check(what, ok):
    if not ok:
        bad.append(what)
def flat(o, p=''):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from flat(v, f'{p}.{k}')
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from flat(v, f'{p}[{i}]')
    else:
        yield p, o
check('top level keys', list(M)[:4] == ['schema', 'tool', 'version', 'points'] and 'guests' in M)
check('shared points', [p['name'] for p in M['points']] == ['nic', 'bridge'])
names = [g['name'] for g in M['guests']]
check(f'ranking {names}', names == ['vm-b', 'vm-a', 'tenant-c'])
rts = [g['vo_round_trip']['p50_us'] for g in M['guests'][:2]]
check(f'round trips ranked {rts}', rts[0] > rts[1])
keys = 0
for g in M['guests']:
    S = json.load(open(f"{T}/{g['name']}.json"))
    # the figures that are the guest's: all but the document's head, the
    # points' files and shared counts, and the addresses' key
    for k in ('clock', 'matching', 'hops', 'vo', 'rtt', 'ack', 'ack_compression'):
        check(f"{g['name']}: {k} present", k in g)
    A = dict(flat({k: v for k, v in S.items() if k not in ('schema', 'tool', 'version', 'points', 'guest_ips', 'guest_ips_source', 'rtt_points')}))
    B = dict(flat({k: v for k, v in g.items() if k not in ('name', 'login', 'points', 'addresses', 'addresses_source', 'rtt_points', 'vo_reason', 'vo_round_trip_reason', 'vo_where_reason')}))
    if not g['login']:   # no VO: null beside its reason, where the run alone has no key
        for k in ('.vo_round_trip', '.vo_where'):
            check(f"{g['name']}: {k} null", B.pop(k, 'MISSING') is None)
    for k in sorted(set(A) | set(B)):
        check(f"{g['name']}: {k}: alone {A.get(k, 'MISSING')}, in the run {B.get(k, 'MISSING')}",
              A.get(k, 'MISSING') == B.get(k, 'MISSING'))
    keys += len(A)
    check(f"{g['name']}: addresses", sorted(g['addresses']) == sorted(S['guest_ips']))
    check(f"{g['name']}: addresses source", g['addresses_source'] == S['guest_ips_source'])
    # its points: the guest's packets at each, as alone; the counts per point of the round trips
    alone = {p['name']: p for p in S['points']}
    for p in g['points']:
        check(f"{g['name']}: {p['name']} guest_packets", p['guest_packets'] == alone[p['name']]['guest_packets'])
        if p['name'] in ('vnet', 'guest'):
            check(f"{g['name']}: {p['name']} packets", p['packets'] == alone[p['name']]['packets'])
    for x, y in zip(S.get('rtt_points', []), g.get('rtt_points', [])):
        check(f"{g['name']}: rtt_points {x['name']}",
              {k: v for k, v in x.items() if k != 'file'} == {k: v for k, v in y.items() if k != 'file'})
c = M['guests'][2]
check('tenant-c: no login', c['login'] is False and c['clock']['method'] == 'none')
check('tenant-c: vo null with a reason', c['vo'] is None and "guest's clock" in c['vo_reason'])
hops = {(h['from'], h['to'], h['direction']) for h in c['hops'] if h['protocol'] == 'all' and h['matched'] > 0}
check(f'tenant-c: host hops {hops}', hops == {('nic', 'bridge', 'to_guest'), ('bridge', 'vnet', 'to_guest'),
                                             ('vnet', 'bridge', 'from_guest'), ('bridge', 'nic', 'from_guest')})
bv = [h for h in c['hops'] if (h['from'], h['to'], h['protocol']) == ('bridge', 'vnet', 'all')][0]
check(f"tenant-c: bridge -> vnet p50 {bv['delay_us']['p50']} (200 us injected)", 200 <= bv['delay_us']['p50'] < 260)
for g in M['guests'][:2]:
    check(f"{g['name']}: clock estimated", g['clock']['method'] != 'none')
for b in bad[:20]:
    print('  ', b)
print(f"{keys} figures compared; round trips vm-b {rts[0]:.1f} us, vm-a {rts[1]:.1f} us")
sys.exit(1 if bad else 0)
PY

# text: the ranking table, worst on top, then each guest's report under its name
expect_exit 0 "$VOCALC" analyze "$R"
cp "$T/out" "$T/multi.txt"
order=$(sed -n '/^  guest  /,/^$/p' "$T/multi.txt" | awk 'NR > 1 && NF && $1 != "(no" {print $1}' | tr '\n' ' ')
[ "$order" = "vm-b vm-a tenant-c " ] || { cat "$T/multi.txt" | head -12; fail "text ranking '$order'"; }
p50=$(json_get "$T/multi.json" "'%.1f' % [g for g in r['guests'] if g['name'] == 'tenant-c'][0]['guest_side_round_trip']['icmp']['p50']")
grep -q "^  tenant-c .* (no VO); guest side $p50 us round trip at vnet (ICMP p50)\$" "$T/multi.txt" ||
	fail "tenant-c's row does not say it has no VO and its guest side ($p50 us)"
grep -q "^  (no VO): no guest capture .* needs the guest's clock" "$T/multi.txt" || fail "no reason under the table"
for g in vm-b vm-a tenant-c; do
	grep -q "^=== guest $g ([1-3] of 3 by VO; " "$T/multi.txt" || fail "no heading for $g"
done
grep -q "^VO not measured: no guest capture" "$T/multi.txt" || fail "tenant-c's report does not say why it has no VO"
# each logged-into guest's headline (the VO block) is its run's alone
for g in vm-a vm-b; do
	ips=(); [ $g = vm-b ] && ips=(--guest-ip 10.0.0.3 --guest-ip fd00::3)
	expect_exit 0 "$VOCALC" analyze "${ips[@]}" "$T/g/$g"
	sed -n '1,/^$/p' "$T/out" >"$T/alone.head"
	sed -n "/^=== guest $g /,/^\$/p" "$T/multi.txt" | tail -n +2 >"$T/multi.head"
	cmp -s "$T/alone.head" "$T/multi.head" || { diff "$T/alone.head" "$T/multi.head"; fail "$g's headline differs from its run alone"; }
done
sed -n '3,7p' "$T/multi.txt"

# bad manifests: the file and the reason, exit 2, never a crash
bad() { # bad NAME PYTHON-EDIT WANTED-MESSAGE
	mkdir -p "$T/$1"
	python3 - "$R/manifest.json" "$T/$1/manifest.json" "$R" <<PY
import json, sys
m = json.load(open(sys.argv[1]))
m['points'] = [dict(p, file=sys.argv[3] + '/' + p['file']) for p in m['points']]
for g in m['guests']:
    g['points'] = [dict(p, file=sys.argv[3] + '/' + p['file']) for p in g['points']]
$2
json.dump(m, open(sys.argv[2], 'w'))
PY
	expect_exit 2 "$VOCALC" analyze "$T/$1"
	grep -qF -- "$3" "$T/err" || { cat "$T/err"; fail "$1: expected '$3'"; }
}
bad novnet "m['guests'][0]['points'] = m['guests'][0]['points'][1:]" \
	"$T/novnet/manifest.json: guest vm-a has no vnet point (the capture of its tap on the host)"
bad twice "m['guests'][1]['name'] = 'vm-a'" "$T/twice/manifest.json: guests 0 and 1 are both named 'vm-a'"
bad missing "m['guests'][1]['points'][0]['file'] += '.gone'" "guest vm-b: "
grep -q "vnet.pcap.gone" "$T/err" || fail "missing file: not named: $(cat "$T/err")"
bad hostpt "m['guests'][0]['points'].append({'name': 'nic', 'file': 'x'})" \
	"guest vm-a: point nic is the host's"
bad loginpt "m['guests'][2]['points'].append({'name': 'guest', 'file': '/x'})" \
	"guest tenant-c has a guest point, but \"login\" is false"
bad addr "m['guests'][1]['addresses'] = ['10.0.0.300']" "guest vm-b: '10.0.0.300' is not an IP address"
bad samefile "m['guests'][1]['points'][0]['file'] = m['guests'][0]['points'][0]['file'].replace('/run/../', '/')" \
	"guests vm-a and vm-b both name"
bad topvnet "m['points'].append({'name': 'vnet', 'file': '/x'})" \
	"point vnet in \"points\" of a run of several guests"
expect_exit 2 "$VOCALC" rtt "$R"
grep -q "a run of 3 guests: vocalc rtt reads one guest's captures" "$T/err" || fail "rtt: $(cat "$T/err")"
expect_exit 2 "$VOCALC" analyze --guest-ip 10.0.0.2 "$R"
grep -q "a run of 3 guests: --guest-ip is for one guest" "$T/err" || fail "--guest-ip: $(cat "$T/err")"
expect_exit 2 "$VOCALC" analyze "$R" vnet="$T/g/vm-a/vnet.pcap"
grep -q "is a run of several guests, each with its own vnet" "$T/err" || fail "vnet=: $(cat "$T/err")"
echo "bad manifests refused by file and reason"
