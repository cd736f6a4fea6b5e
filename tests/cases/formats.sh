# File formats: the same capture as nanosecond pcap, pcapng (written by
# Wireshark's editcap) and microsecond pcap.  pcapng keeps nanoseconds, so the
# report is identical; microsecond files keep every count exact and every
# quantile within the 1 us their stamps lost.
source tests/lib.sh
command -v editcap >/dev/null || skip "needs editcap (make deps installs tshark)"
"$VOCGEN" --out "$T/run" --journeys 4000 --seed 11 --offset-us 300 || fail vocgen
mkdir -p "$T/ng" "$T/us"
for p in nic bridge vnet guest; do
	editcap -F pcapng "$T/run/$p.pcap" "$T/ng/$p.pcapng" || fail "editcap pcapng"
	editcap -F pcap "$T/run/$p.pcap" "$T/us/$p.pcap" || fail "editcap pcap"
done
head -c 4 "$T/ng/nic.pcapng" | od -An -tx1 | grep -q "0a 0d 0d 0a" || fail "not pcapng"
head -c 4 "$T/us/nic.pcap" | od -An -tx1 | grep -q "d4 c3 b2 a1" || fail "not a microsecond pcap"
args=(--json --guest-offset-us 300)
expect_exit 0 "$VOCALC" analyze "${args[@]}" "$T/run"; cp "$T/out" "$T/a.json"
expect_exit 0 "$VOCALC" analyze "${args[@]}" nic="$T/ng/nic.pcapng" bridge="$T/ng/bridge.pcapng" \
	vnet="$T/ng/vnet.pcapng" guest="$T/ng/guest.pcapng"; cp "$T/out" "$T/ng.json"
expect_exit 0 "$VOCALC" analyze "${args[@]}" nic="$T/us/nic.pcap" bridge="$T/us/bridge.pcap" \
	vnet="$T/us/vnet.pcap" guest="$T/us/guest.pcap"; cp "$T/out" "$T/us.json"
python3 -c "
import json,sys
a,b=json.load(open(sys.argv[1])),json.load(open(sys.argv[2]))
assert a['hops']==b['hops'] and a['vo']==b['vo'], 'pcapng differs'" "$T/a.json" "$T/ng.json" || fail "pcapng"
python3 tests/truthcmp.py "$T/ng.json" "$T/run/truth.json" || fail "pcapng truth"
# microsecond stamps: truncation moves each delay by less than 1 us
python3 tests/truthcmp.py "$T/us.json" "$T/run/truth.json" --tol-us 1.0 --fields p50,p90,p99 \
	|| fail "microsecond pcap"
