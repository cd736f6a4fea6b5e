# ACK compression on the shipped real captures (issue 13 point 2, point 8's
# histogram): the compressed fractions and the pairs' are the same for --bin
# 1, 10, 100 and --log-bins; on vm-bulk (iperf3 from a QEMU guest, ACKs
# toward it) compression shows at guest and not at nic, bridge, vnet (they
# were 4.1-46.7 % by bin width, with the reference the upstream mode), and
# the pair table puts it between vnet and guest, none between host points;
# sample-netns (no virtual NIC) shows none anywhere; vm-bulk-cpuload (bulk
# TCP out of a CPU-loaded QEMU guest) over 40 % at guest, a few % at host.  vm-idle and vm-cpuload
# carry no TCP: the ACK section says so.  The text histogram's rows: the
# first one bin wide, each starting where the one before ended (the
# overflow row at the histogram's upper edge), bars on one scale.
source tests/lib.sh
for c in vm-idle vm-cpuload vm-bulk vm-bulk-cpuload sample-netns; do
	for o in "--bin 1" "--bin 10" "--bin 100" "--log-bins"; do
		# shellcheck disable=SC2086
		expect_exit 0 "$VOCALC" ack --json $o "captures/$c"
		cp "$T/out" "$T/$c${o// /}.json"
	done
done
python3 - "$T" <<'PY' || fail "compressed fractions on the shipped captures"
import json, os, sys
d = sys.argv[1]
for c in ("vm-idle", "vm-cpuload", "vm-bulk", "vm-bulk-cpuload", "sample-netns"):
    runs = {o: json.load(open(os.path.join(d, c + o + ".json"))) for o in ("--bin1", "--bin10", "--bin100", "--log-bins")}
    fr = {o: (sorted((a["flow"], a["point"], a["compressed_fraction"], a["threshold_us"]) for a in r["ack"]),
              sorted((x["flow"], x["from"], x["to"], x["compressed_fraction"]) for x in r["ack_compression"]))
          for o, r in runs.items()}
    assert len({json.dumps(v) for v in fr.values()}) == 1, (c, fr)
    r = runs["--bin10"]
    if c in ("vm-idle", "vm-cpuload"):
        assert r["ack"] == [] and r["ack_compression"] == [], c
        continue
    # the busiest ACK flow toward the guest
    tg = [a for a in r["ack"] if a["direction"] == "to_guest"]
    flow = max(tg, key=lambda a: a["acks"])["flow"]
    at = {a["point"]: a["compressed_fraction"] for a in tg if a["flow"] == flow}
    pairs = {(x["from"], x["to"]): x["compressed_fraction"] for x in r["ack_compression"] if x["flow"] == flow}
    assert len(pairs) == 6, pairs
    host = [v for (f, t), v in pairs.items() if t != "guest"]
    into = [v for (f, t), v in pairs.items() if t == "guest"]
    print(f"{c}: {flow}: compressed " + ", ".join(f"{p} {100 * v:.1f} %" for p, v in at.items())
          + "; pairs into guest " + ", ".join(f"{100 * v:.1f} %" for v in into))
    # vm-bulk-cpuload: bulk TCP from a CPU-loaded guest (issue 13 point 2's
    # capture): at the guest over half the ACKs arrive back to back, at the
    # host points a few % of closely spaced ACKs (the bin width once made
    # these 38 % and the guest look less compressed than the NIC)
    assert max(at["nic"], at["bridge"], at["vnet"]) < (0.05 if c == "vm-bulk-cpuload" else 0.03), (at, pairs)
    assert max(host) < 0.01, (at, pairs)
    if c == "vm-bulk-cpuload":
        assert at["guest"] > 0.40 and min(into) > 0.40, (at, pairs)
    elif c == "vm-bulk":
        assert at["guest"] > 0.10 and min(into) > 0.10, (at, pairs)
    else:
        assert at["guest"] < 0.03 and max(into) < 0.01, (at, pairs)
PY
for o in "--bin 10" "--bin 1" "--bin 7 --max 500" "--log-bins" "--bin 100 --max 100000"; do
	# shellcheck disable=SC2086
	expect_exit 0 "$VOCALC" ack $o captures/vm-bulk
	python3 - "$T/out" <<'PY' || fail "text histogram ($o): $(cat "$T/out")"
import re, sys
lines = open(sys.argv[1]).read().split("\n")
heads = [i for i, l in enumerate(lines) if l.strip().startswith("inter-arrival us")]
assert heads, "no histogram"
for h in heads:
    rows = []
    for l in lines[h + 1:]:
        m = re.match(r"^ +([0-9.e+]+) +(?:- +([0-9.e+]+)|and more) +([0-9.]+)% (#*) +([0-9.]+)% (#*) *$", l)
        if not m:
            break
        rows.append(m.groups())
    assert len(rows) >= 3, lines[h:h + 5]
    lo = [float(r[0]) for r in rows]
    hi = [float(r[1]) if r[1] else None for r in rows]
    assert lo[0] == 0, rows[0]
    for a, b in zip(rows, rows[1:]):
        assert float(b[0]) == float(a[1]), ("a range skipped", a, b)
    assert all(x is not None for x in hi[:-1]), rows
    # one scale: the widest bar belongs to the largest share, 26 wide
    bars = [(float(r[2]), len(r[3])) for r in rows] + [(float(r[4]), len(r[5])) for r in rows]
    top = max(bars)
    assert top[1] == 26 and all(w <= 26 for _, w in bars), bars
    for share, w in bars:
        assert abs(w - share / top[0] * 26) <= 0.5 + 26 * 0.05 / top[0], (share, w, top)
PY
done
expect_exit 0 "$VOCALC" ack captures/vm-idle
grep -q "no TCP flow with two ACKs or more" "$T/out" || fail "vm-idle: $(cat "$T/out")"
