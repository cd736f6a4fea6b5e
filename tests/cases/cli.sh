# The command line and output formats: --help/--version, JSON per CONTRACT.md,
# CSV rows against the truth, run directories, observability notes.
source tests/lib.sh
expect_exit 0 "$VOCALC" --help
grep -q "vocalc analyze" "$T/out" || fail "--help"
expect_exit 0 "$VOCALC" --version
grep -Eq "^vocalc [0-9]+\.[0-9]+\.[0-9]+$" "$T/out" || fail "--version"
expect_exit 2 "$VOCALC"

"$VOCGEN" --out "$T/run" --journeys 3000 --seed 5 --offset-us 900 || fail vocgen
# JSON: exactly one document on stdout, schema keys present
expect_exit 0 "$VOCALC" analyze --json --guest-offset-us 900 "$T/run"
cp "$T/out" "$T/r.json"
python3 - "$T/r.json" <<'PY' || fail "JSON does not follow the contract"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == 1 and r["tool"] == "vocalc" and r["version"]
for k in ("points", "clock", "hops", "vo", "rtt", "ack", "ack_compression"):
    assert k in r, k
assert [p["name"] for p in r["points"]] == ["nic", "bridge", "vnet", "guest"]
c = r["clock"]
assert c["method"] == "manual" and abs(c["offset_us"] - 900) < 1e-9 and c["segments"] == 1
dist = {"n", "min", "p50", "p90", "p99", "max", "mean", "sd"}
pairs = {(h["from"], h["to"], h["direction"]) for h in r["hops"]}
# every adjacent pair, both directions
want = {("nic","bridge","to_guest"),("bridge","nic","from_guest"),("bridge","vnet","to_guest"),
        ("vnet","bridge","from_guest"),("vnet","guest","to_guest"),("guest","vnet","from_guest")}
assert pairs == want, pairs
for h in r["hops"]:
    assert set(h["delay_us"]) == dist and h["protocol"] in ("all","tcp","udp","icmp","other")
    assert isinstance(h["observable"], bool)
# nic->bridge to_guest shares the kernel stamp in the generated trace (const 0)
nb = [h for h in r["hops"] if h["from"] == "nic" and h["to"] == "bridge" and h["protocol"] == "all"][0]
assert nb["observable"] is False and nb["delay_us"]["max"] == 0 and "note" in nb
bv = [h for h in r["hops"] if h["from"] == "bridge" and h["to"] == "vnet" and h["protocol"] == "all"][0]
assert bv["observable"] is True
for d in ("to_guest", "from_guest"):
    v = r["vo"][d]
    assert v["protocol"] == "all" and set(v["delay_us"]) == dist
    assert {"tcp", "udp", "icmp"} <= {x["protocol"] for x in v["by_protocol"]}
assert r["vo"]["to_guest"]["from"] == "nic" and r["vo"]["to_guest"]["to"] == "guest"
assert r["vo"]["from_guest"]["from"] == "guest" and r["vo"]["from_guest"]["to"] == "nic"
PY
# the text report gives the answer first, with units
expect_exit 0 "$VOCALC" analyze --guest-offset-us 900 "$T/run"
head -n 5 "$T/out" | python3 -c '
import re, sys
l = sys.stdin.read().split("\n")
assert l[0] == "VO latency (nic <-> guest, all protocols):", l[0]
assert re.match(r"  to guest +p50 +[0-9.]+ us \(clock given: its error is yours\), [0-9]+ packets$", l[1]), l[1]
assert re.match(r"  from guest +p50 +[0-9.]+ us \(clock given: its error is yours\), [0-9]+ packets$", l[2]), l[2]
assert re.match(r"  round trip +[0-9.]+ us \(the two medians summed", l[3]), l[3]
assert re.match(r"  where +to_guest: nic -> bridge .*, bridge -> vnet .*, vnet -> guest [0-9]+ %", l[4]), l[4]
' || { head -n 6 "$T/out"; fail "text answer lines"; }
grep -q "not observable" "$T/out" || fail "text lacks the not-observable note"
# without a clock given, it estimates one, within its bound (this trace's
# minimum delays differ by 10 us between the directions: 5 us of error)
expect_exit 0 "$VOCALC" analyze "$T/run"
grep -Eq "^Clock: method hull \(vnet <-> guest\), guest - host = \+90[0-9]\.[0-9]+ us at .*error bound \+-[0-9.]+ us, 1 segment$" \
	"$T/out" || { grep Clock "$T/out"; fail "estimated clock line"; }
expect_exit 0 "$VOCALC" analyze --json "$T/run"
python3 -c "
import json,sys
c=json.load(open(sys.argv[1]))['clock']
assert c['method']=='hull' and abs(c['offset_us']-900) <= c['error_bound_us'], c" "$T/out" || fail "estimate beyond its bound"

# CSV: one row per packet seen at two or more points; VO column = truth
expect_exit 0 "$VOCALC" analyze --csv "$T/rows.csv" --guest-offset-us 900 "$T/run"
python3 - "$T/rows.csv" "$T/r.json" "$T/run/truth.json" <<'PY' || fail "CSV"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r, t = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
assert rows and list(rows[0])[:4] == ["flow", "protocol", "direction", "payload"]
vo_to = sorted(float(x["vo_us"]) for x in rows if x["direction"] == "to_guest" and x["vo_us"])
assert len(vo_to) == t["vo"]["to_guest"]["matched"], (len(vo_to), t["vo"]["to_guest"]["matched"])
assert abs(vo_to[0] - t["vo"]["to_guest"]["delay_us"]["min"]) < 0.002
assert abs(vo_to[-1] - t["vo"]["to_guest"]["delay_us"]["max"]) < 0.002
vb = [float(x["vnet_guest_us"]) for x in rows if x["direction"] == "from_guest" and x["vnet_guest_us"]]
h = [h for h in t["hops"] if h["from"] == "guest" and h["to"] == "vnet" and h["protocol"] == "all"][0]
assert len(vb) == h["matched"]
assert all(x["flow"].count(">") == 1 for x in rows)
PY
# POINT=FILE and the run directory give the same numbers
expect_exit 0 "$VOCALC" analyze --json --guest-offset-us 900 nic="$T/run/nic.pcap" \
	bridge="$T/run/bridge.pcap" vnet="$T/run/vnet.pcap" guest="$T/run/guest.pcap"
python3 -c "
import json,sys
a,b=json.load(open(sys.argv[1])),json.load(open(sys.argv[2]))
assert a['hops']==b['hops'] and a['vo']==b['vo']" "$T/out" "$T/r.json" || fail "POINT=FILE != RUN_DIR"
# guest addresses given by hand
expect_exit 0 "$VOCALC" analyze --json --guest-ip 10.0.0.2 --guest-ip fd00::2 --guest-offset-us 900 "$T/run"
[ "$(json_get "$T/out" "r['guest_ips_source']")" = given ] || fail "--guest-ip"
python3 -c "
import json,sys
a,b=json.load(open(sys.argv[1])),json.load(open(sys.argv[2]))
assert a['hops']==b['hops']" "$T/out" "$T/r.json" || fail "--guest-ip changes results"
# no guest point: no VO, hops still
"$VOCGEN" --out "$T/host" --points nic,bridge,vnet --journeys 2000 || fail vocgen
expect_exit 0 "$VOCALC" analyze --json "$T/host"
[ "$(json_get "$T/out" "r['vo']")" = None ] || fail "vo without guest"
python3 tests/truthcmp.py "$T/out" "$T/host/truth.json" || fail "host-only truth"
# a raw-IP guest capture and nic only, one peer per family: no capture tells
# which addresses are the guest's, causality does (the wrong labelling makes
# nearly every delay negative), per family, whichever the first guess; with
# the clock given (the check on the delays) and estimated (the check on the
# clock's round trip); --guest-ip still settles it
for seed in 1 6; do
	"$VOCGEN" --out "$T/amb$seed" --seed $seed --points nic,guest --guest-link raw --journeys 2000 ||
		fail vocgen
	for clock in "--guest-offset-us 0" ""; do
		expect_exit 0 "$VOCALC" analyze --json $clock "$T/amb$seed"
		[ "$(json_get "$T/out" "sorted(r['guest_ips']), r['guest_ips_source']")" = \
			"['10.0.0.2', 'fd00::2'] causality" ] || fail "seed $seed $clock: by causality"
		[ -z "$clock" ] || python3 tests/truthcmp.py "$T/out" "$T/amb$seed/truth.json" ||
			fail "seed $seed: the run decided by causality"
	done
done
expect_exit 0 "$VOCALC" analyze --no-progress "$T/amb1"
grep -q "the captures show only the guest and one peer" "$T/out" || fail "the report does not say how"
expect_exit 0 "$VOCALC" analyze --json --guest-offset-us 0 --guest-ip 10.0.0.2 --guest-ip fd00::2 "$T/amb1"
python3 tests/truthcmp.py "$T/out" "$T/amb1/truth.json" || fail "ambiguous run with --guest-ip"
[ "$(json_get "$T/out" "r['guest_ips_source']")" = given ] || fail "--guest-ip not honoured"
# a guest capture that cannot tell, but a vnet capture that can: the next point decides
"$VOCGEN" --out "$T/amb2" --points vnet,guest --guest-link raw --journeys 2000 || fail vocgen
expect_exit 0 "$VOCALC" analyze --json "$T/amb2"
[ "$(json_get "$T/out" "sorted(r['guest_ips'])")" = "['10.0.0.2', 'fd00::2']" ] || fail "learned from vnet"
# kernel drops named in a run's manifest: loss at that point's hops is unreliable
"$VOCGEN" --out "$T/drops" --journeys 2000 --loss vnet-guest:to=0.01 || fail vocgen
python3 - "$T/drops/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for p in m["points"]:
    if p["name"] == "guest": p["drops"] = 7
json.dump(m, open(sys.argv[1], "w"))
PY
expect_exit 0 "$VOCALC" analyze --json --guest-offset-us 0 "$T/drops"
python3 - "$T/out" <<'PY' || fail "loss_reliable"
import json, sys
r = json.load(open(sys.argv[1]))
assert [p["drops"] for p in r["points"]] == [0, 0, 0, 7]
for h in r["hops"]:
    want = "guest" not in (h["from"], h["to"])
    assert h["loss_reliable"] is want, h
assert r["vo"]["to_guest"]["loss_reliable"] is False
PY
expect_exit 0 "$VOCALC" analyze --guest-offset-us 0 "$T/drops"
grep -q "Loss figures at hops touching guest are unreliable: its capture dropped 7 packets" "$T/out" || fail "drops text"

# each command has its own --help (ack and drift printed the global one)
for c in analyze drift rtt ack; do
	expect_exit 0 "$VOCALC" $c --help
	head -n 1 "$T/out" | grep -q "^usage: vocalc $c " || { head -n 2 "$T/out"; fail "$c --help"; }
done
grep -q -- "--verbose" <("$VOCALC" drift --help) || fail "drift --help lacks -v"
! grep -q -- "--verbose" <("$VOCALC" analyze --help) || fail "analyze --help shows drift's -v"
expect_exit 0 "$VOCALC" --help
grep -q "^usage: vocalc \[OPTIONS\] HOST GUEST" "$T/out" && grep -q "vocalc COMMAND --help" "$T/out" || fail "global help"

# a first word that is a host keeps the one-shot, even before a local path:
# an address, an ssh config Host, HOST - (never "unknown command").  The
# one-shot connects to HOST before it reads GUEST: the remote ones fail to
# connect here (exit 3); with HOST - the path is read as the guest and
# refused, as a host is a name or an address (exit 2), and a guest that is a
# name fails to connect (exit 3)
printf 'Host myvm\n  HostName 127.0.0.1\n  Port 1\nHost myguest\n  HostName 127.0.0.1\n  Port 1\n' \
	>"$T/ssh_config"
for h in 127.0.0.1:1 myvm -; do
	want=3
	[ "$h" != - ] || want=2
	expect_exit $want "$VOCALC" --ssh-config "$T/ssh_config" --connect-timeout 1 -d 1 "$h" "$T/run"
	! grep -q "unknown command" "$T/err" || fail "host $h taken for a command"
	if [ "$h" = - ]; then
		grep -qF "$T/run: bad host" "$T/err" || { cat "$T/err"; fail "host -: the path not refused as the guest"; }
		expect_exit 3 "$VOCALC" --ssh-config "$T/ssh_config" --connect-timeout 1 -d 1 - myguest
	fi
	grep -q "cannot connect" "$T/err" || { cat "$T/err"; fail "host $h: no connection attempt"; }
done
