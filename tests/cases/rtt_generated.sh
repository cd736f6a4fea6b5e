# vocalc rtt on a generated capture whose construction is known: of its eight
# TCP connections, those on ports 40006 and 40007 carry no timestamp option
# (both directions listed, nothing else), and every sample the oracle finds
# from tshark's dissection vocalc finds too.
source tests/lib.sh
# The oracle is tshark's dissection: without it this test checks nothing of
# the samples, so it is skipped, never passed.
command -v tshark >/dev/null || skip "needs tshark for the oracle (make deps)"
"$VOCGEN" --out "$T/g" --journeys 4000 --points guest --mix 100,0,0 --seed 9 || fail vocgen
expect_exit 0 "$VOCALC" rtt --json "$T/g/guest.pcap"
python3 - "$T/out" <<'PY' || fail "flows without timestamps"
import json, sys
w = json.load(open(sys.argv[1]))["points"][0]["without_timestamps"]
got = sorted(w["flows_without_timestamps_first"])
assert w["flows_without_timestamps"] == 4 and len(got) == 4, w
assert all(("40006" in f) or ("40007" in f) for f in got), got
PY
tshark -r "$T/g/guest.pcap" -T fields -E separator=, -e frame.time_epoch -e ip.src -e ipv6.src \
	-e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.options.timestamp.tsval \
	-e tcp.options.timestamp.tsecr -e tcp.flags 2>/dev/null | python3 tests/rtt_oracle.py >"$T/oracle.txt"
expect_exit 0 "$VOCALC" rtt --csv "$T/rtt.csv" "$T/g/guest.pcap"
python3 - "$T/rtt.csv" >"$T/mine.txt" <<'PY'
import csv, sys
from decimal import Decimal
for t, rtt, f in sorted((int(Decimal(r["t"]) * 10**9), int(Decimal(r["rtt_us"]) * 1000), r["flow"])
                        for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "tsval"):
    print(t, rtt, f)
PY
[ "$(wc -l <"$T/mine.txt")" -gt 100 ] || fail "too few samples"
diff "$T/oracle.txt" "$T/mine.txt" >/dev/null || fail "vocalc and the oracle differ on the generated capture"
echo "$(wc -l <"$T/mine.txt") samples identical to the oracle's"
