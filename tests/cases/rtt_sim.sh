# vocalc rtt against simulated TCP with RFC 7323 timestamps (tests/tcpsim.py):
# delayed ACKs that echo the first of two segments, TSvals shared by several
# segments, TSval wrap (and the ms the clock reads 0), losses after the
# capture point and retransmissions, spurious retransmissions, lost and
# repeated SYNs, connections joined after their handshake, with the capture
# point near the sender, near the receiver and in between.  Every sample the
# construction implies must be found with its exact time and RTT, and no
# other; the flags for likely inflation must catch every sample the receiver
# answered on its delayed-ACK timer and every one whose TSval was first seen
# on an earlier segment than the one answered; handshake legs are exact.
source tests/lib.sh
check() { # $1 seed, $2 extra option
	python3 tests/tcpsim.py "$T/s.pcap" "$T/truth.json" --seed "$1" $2 || fail "tcpsim"
	expect_exit 0 "$VOCALC" rtt $2 --csv "$T/rtt.csv" "$T/s.pcap"
	python3 - "$T/truth.json" "$T/rtt.csv" "$1 $2" <<'PY' || fail "seed $1 $2: samples differ from the construction"
import csv, json, sys
from decimal import Decimal
truth = json.load(open(sys.argv[1]))["samples"]
got = {}
for r in csv.DictReader(open(sys.argv[2])):
    k = (int(Decimal(r["t"]) * 10**9), r["flow"], r["kind"])
    assert k not in got, ("two samples", k)
    got[k] = (int(Decimal(r["rtt_us"]) * 1000), r["shared_tsval"] == "1", r["delayed_ack"] == "1")
want = {(x["t"], x["flow"], x["kind"]): x for x in truth}
missing = sorted(set(want) - set(got))[:5]
extra = sorted(set(got) - set(want))[:5]
assert not missing and not extra, ("missing", missing, "extra", extra)
stats = dict(samples=len(want), exact=0, delack=0, early=0, flagged=0, flagged_waited=0, pure_path=0)
for k, x in want.items():
    rtt, shared, delayed = got[k]
    assert rtt == x["rtt"], (k, rtt, x)
    stats["exact"] += 1
    if x["kind"] != "tsval":
        assert x["rtt"] == x["path"], x
        continue
    assert shared == x["shared"], ("shared flag", k, x, shared)
    assert delayed == x["lone"], ("delayed-ACK flag", k, x, delayed)
    if x["why"] == "delack":
        stats["delack"] += 1
        assert delayed or shared, ("a timer ACK not flagged", x)
    if x["echo_by"] == "B" and x["early"] > 0:
        stats["early"] += 1
        assert shared, ("first seen on an earlier segment, not flagged", x)
    if delayed:
        stats["flagged"] += 1
        stats["flagged_waited"] += x["wait"] > 0
    if x["echo_by"] == "B" and x["wait"] == 0 and x["early"] == 0:
        stats["pure_path"] += 1
        assert x["rtt"] == x["path"]
assert stats["delack"] > 5 and stats["early"] > 5 and stats["pure_path"] > 20, stats
assert stats["flagged_waited"] >= 0.8 * stats["flagged"], stats
print("seed", sys.argv[3], stats)
PY
}
for seed in 1 2 3; do check $seed ""; done
check 4 --data-only
