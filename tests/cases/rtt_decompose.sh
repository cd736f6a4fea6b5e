# The RTT decomposition and VO share (seed 002 Fig. 4.11) on the shipped real
# four-point capture, recomputed from the independent oracle's samples at guest
# and at nic: per guest-sourced flow the medians (GSL's quantile definition)
# and (RTT_guest - RTT_nic) / RTT_guest must be the same numbers.
source tests/lib.sh
command -v tshark >/dev/null || skip "needs tshark (make deps)"
S=captures/sample-netns
for p in guest nic; do
	tshark -r "$S/$p.pcap" -T fields -E separator=, -e frame.time_epoch -e ip.src -e ipv6.src \
		-e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.options.timestamp.tsval \
		-e tcp.options.timestamp.tsecr -e tcp.flags 2>/dev/null | python3 tests/rtt_oracle.py >"$T/$p.txt"
done
expect_exit 0 "$VOCALC" rtt --json "$S"
python3 - "$T/out" "$T/guest.txt" "$T/nic.txt" <<'PY' || fail "decomposition differs from the oracle's"
import json, sys
r = json.load(open(sys.argv[1]))
def samples(path):
    d = {}
    for line in open(path):
        t, rtt, flow = line.split()
        d.setdefault(flow, []).append(int(rtt) / 1e3)
    return d
def p50(v):  # GSL: linear interpolation at index q*(n-1)
    v = sorted(v); x = 0.5 * (len(v) - 1); i = int(x)
    return v[i] + (x - i) * (v[i + 1] - v[i]) if i + 1 < len(v) else v[i]
g, n = samples(sys.argv[2]), samples(sys.argv[3])
rows = r["rtt_decomposition"]
want = [f for f in g if f.startswith("10.77.0.2:") and f in n]
assert sorted(x["flow"] for x in rows) == sorted(want), (rows, want)
for x in rows:
    mg, mn = p50(g[x["flow"]]), p50(n[x["flow"]])
    assert abs(x["rtt_guest_p50_us"] - mg) < 1e-6 and abs(x["rtt_outer_p50_us"] - mn) < 1e-6, (x, mg, mn)
    assert abs(x["vo_share"] - (mg - mn) / mg) < 1e-9
    print(f"{x['flow']}: guest {mg:.3f} us, nic {mn:.3f} us, VO share {100 * x['vo_share']:.1f} %")
allg = [v for f in want for v in g[f]]; alln = [v for f in want for v in n[f]]
o = r["rtt_vo_share"]
assert abs(o["vo_share"] - (p50(allg) - p50(alln)) / p50(allg)) < 1e-9, o
PY
# vocalc analyze carries the same RTT tables and decomposition (its reader
# threads run the same trackers); --no-rtt leaves them out
expect_exit 0 "$VOCALC" analyze --json "$S"
cp "$T/out" "$T/an.json"
expect_exit 0 "$VOCALC" rtt --json "$S"
python3 - "$T/an.json" "$T/out" <<'PY' || fail "analyze's RTT differs from vocalc rtt's"
import json, sys
a, r = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("rtt", "rtt_decomposition", "rtt_vo_share"):
    assert a[k] == r[k], k
PY
expect_exit 0 "$VOCALC" analyze --json --no-rtt "$S"
[ "$(json_get "$T/out" "r['rtt']")" = "[]" ] || fail "--no-rtt"
