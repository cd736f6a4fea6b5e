# Captures as users store and pipe them (issue 13 point 8): gzip'd files,
# standard input (plain or gzip'd, POINT=- or a bare -), a pipe given by
# name, and a directory of captures named by point without a manifest: each
# gives the report the plain files give, byte for byte (JSON with the file
# names taken out).
source tests/lib.sh
"$VOCGEN" --out "$T/run" --journeys 3000 --seed 11 --offset-us -300 || fail vocgen
R="$T/run"
same() { # same A B: two JSON reports equal but for the file names
	python3 - "$1" "$2" <<'PY' || fail "$3: report differs"
import json, sys
a, b = (json.load(open(x)) for x in sys.argv[1:3])
for r in (a, b):
    for k in ("points", "rtt_points"):
        for p in r.get(k) or []:
            p.pop("file", None)
assert a == b, [k for k in a if a[k] != b.get(k)]
PY
	echo "ok: $3"
}
expect_exit 0 "$VOCALC" analyze --json nic="$R/nic.pcap" guest="$R/guest.pcap"
cp "$T/out" "$T/plain.json"
gzip -c "$R/nic.pcap" >"$T/nic.pcap.gz"
gzip -c "$R/guest.pcap" >"$T/guest.pcap.gz"
expect_exit 0 "$VOCALC" analyze --json nic="$T/nic.pcap.gz" guest="$T/guest.pcap.gz"
same "$T/out" "$T/plain.json" "gzip'd files"
expect_exit 0 "$VOCALC" analyze --json nic="$R/nic.pcap" guest=- <"$R/guest.pcap"
same "$T/out" "$T/plain.json" "guest=- (stdin)"
[ "$(json_get "$T/out" "[p['file'] for p in r['points']]")" = "['$R/nic.pcap', '-']" ] || fail "stdin's file name"
expect_exit 0 "$VOCALC" analyze --json nic=- guest="$T/guest.pcap.gz" <"$T/nic.pcap.gz"
same "$T/out" "$T/plain.json" "gzip on stdin"
cat "$R/guest.pcap" | "$VOCALC" analyze --json nic="$R/nic.pcap" guest=- >"$T/out" || fail "a pipe on stdin"
same "$T/out" "$T/plain.json" "a pipe on stdin"
"$VOCALC" analyze --json nic=<(cat "$R/nic.pcap") guest=<(gzip -dc "$T/guest.pcap.gz") >"$T/out" \
	|| fail "process substitution"
same "$T/out" "$T/plain.json" "pipes given by name (<(...))"
# drift and rtt and ack read them too
for c in drift rtt ack; do
	expect_exit 0 "$VOCALC" $c --json nic="$R/nic.pcap" guest="$R/guest.pcap"
	cp "$T/out" "$T/$c.json"
	expect_exit 0 "$VOCALC" $c --json nic="$T/nic.pcap.gz" guest=- <"$T/guest.pcap.gz"
	same "$T/out" "$T/$c.json" "$c: gzip'd and stdin"
done
expect_exit 0 "$VOCALC" rtt --json "$R/guest.pcap"
cp "$T/out" "$T/rtt1.json"
expect_exit 0 "$VOCALC" rtt --json - <"$T/guest.pcap.gz"
same "$T/out" "$T/rtt1.json" "rtt: a bare - is point guest"

# a directory of captures named by point, no manifest: read, and said
mkdir "$T/d"
cp "$R/nic.pcap" "$T/d/nic.pcap"
cp "$T/guest.pcap.gz" "$T/d/guest.pcap.gz"
echo "notes" >"$T/d/README"
expect_exit 0 "$VOCALC" analyze --json "$T/d"
same "$T/out" "$T/plain.json" "directory named by point"
[ "$(cat "$T/err")" = "vocalc: $T/d has no manifest.json: reading the captures named by point: nic=$T/d/nic.pcap guest=$T/d/guest.pcap.gz" ] \
	|| { cat "$T/err"; fail "the directory note"; }
# pcapng named by point too
editcap -F pcapng "$R/vnet.pcap" "$T/d/vnet.pcapng" 2>/dev/null || skip "editcap is not installed"
expect_exit 0 "$VOCALC" drift --json "$T/d"
[ "$(json_get "$T/out" "[p['name'] for p in r['points']]")" = "['vnet', 'guest']" ] || fail "pcapng by name"
# two files for a point: the command to use instead, one line, exit 2
cp "$R/guest.pcap" "$T/d/guest.pcap"
expect_exit 2 "$VOCALC" analyze "$T/d"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "ambiguity: one line"
grep -Fq "vocalc: $T/d: no manifest.json, and guest.pcap and guest.pcap.gz could both be point guest: say which, e.g. vocalc analyze nic=$T/d/nic.pcap vnet=$T/d/vnet.pcapng guest=$T/d/guest.pcap" "$T/err" \
	|| { cat "$T/err"; fail "ambiguity message"; }
# captures not named by point: the POINT=FILE command
mkdir "$T/e"
cp "$R/nic.pcap" "$T/e/eno1.pcap"
cp "$R/guest.pcap" "$T/e/eth0.pcap"
expect_exit 2 "$VOCALC" ack "$T/e"
grep -Fq "give them as vocalc ack POINT=$T/e/eno1.pcap POINT=$T/e/eth0.pcap (POINT: nic, bridge, vnet or guest)" "$T/err" \
	|| { cat "$T/err"; fail "unnamed captures message"; }
# a manifest, when there is one, wins
expect_exit 0 "$VOCALC" analyze --json "$R"
[ ! -s "$T/err" ] && [ "$(json_get "$T/out" "len(r['points'])")" = 4 ] || fail "manifest run"
