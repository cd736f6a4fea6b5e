#!/usr/bin/env python3
"""Compare vocalc's JSON report with a generator's truth.json.

usage: truthcmp.py REPORT.json TRUTH.json [--tol-us X] [--fields p50,p99,...]

Counts (matched, unmatched, coalesced, split) must be exact; the delay
quantiles listed must be within --tol-us (default 1.0); --fields "" checks
the counts only.  Prints one line per
mismatch and exits 1 if there is any."""
import json, sys

def main():
    args = sys.argv[1:]
    tol, fields = 1.0, ["min", "p50", "p90", "p99", "max"]
    if "--tol-us" in args:
        i = args.index("--tol-us"); tol = float(args[i + 1]); del args[i:i + 2]
    if "--fields" in args:
        i = args.index("--fields"); fields = [f for f in args[i + 1].split(",") if f]; del args[i:i + 2]
    rep, tru = (json.load(open(p)) for p in args[:2])
    bad, checked = [], 0

    def key(h):
        return (h["from"], h["to"], h["direction"], h["protocol"])

    def compare(where, r, t):
        nonlocal checked
        for c in ("matched", "unmatched", "coalesced", "split"):
            if r.get(c) != t.get(c):
                bad.append(f"{where}: {c} {r.get(c)} != truth {t.get(c)}")
        if t["delay_us"]["n"] != r["delay_us"]["n"]:
            bad.append(f"{where}: n {r['delay_us']['n']} != truth {t['delay_us']['n']}")
        if t["delay_us"]["n"] == 0:
            return
        for f in fields:
            a, b = r["delay_us"][f], t["delay_us"][f]
            checked += 1
            if a is None or abs(a - b) > tol:
                bad.append(f"{where}: {f} {a} us, truth {b:.3f} us (tolerance {tol})")

    rh = {key(h): h for h in rep["hops"]}
    for t in tru["hops"]:
        if t["matched"] + t["unmatched"] + t["coalesced"] + t["split"] == 0:
            continue
        r = rh.get(key(t))
        if r is None:
            bad.append(f"hop {key(t)} missing from report"); continue
        compare("hop %s->%s %s %s" % key(t), r, t)
    for d, t in (tru.get("vo") or {}).items():
        r = (rep.get("vo") or {}).get(d)
        if r is None:
            bad.append(f"vo {d} missing"); continue
        compare(f"vo {d} all", r, t)
        rb = {x["protocol"]: x for x in r.get("by_protocol", [])}
        for tp in t["by_protocol"]:
            if tp["matched"] + tp["unmatched"] == 0:
                continue
            if tp["protocol"] not in rb:
                bad.append(f"vo {d} {tp['protocol']} missing"); continue
            compare(f"vo {d} {tp['protocol']}", rb[tp["protocol"]], tp)
    for b in bad:
        print("MISMATCH", b)
    print(f"truthcmp: {checked} quantiles checked, {len(bad)} mismatches")
    return 1 if bad else 0

sys.exit(main())
