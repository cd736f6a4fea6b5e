#!/usr/bin/env python3
"""An independent oracle for vocalc rtt: pping's rules (rtt.h) applied to the
fields tshark dissects from a capture, printed as vocalc rtt --csv would:
point-less rows "t_ns rtt_ns flow" sorted, for an exact comparison.

usage: tshark -r F -T fields -E separator=, -e frame.time_epoch -e ip.src -e ipv6.src
         -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport
         -e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr -e tcp.flags
       | rtt_oracle.py [--tsval-max-age S]"""
import sys
from decimal import Decimal

MAX_AGE = 10 * 10**9
if "--tsval-max-age" in sys.argv:
    MAX_AGE = int(Decimal(sys.argv[sys.argv.index("--tsval-max-age") + 1]) * 10**9)

flows = {}   # flow -> {"rev": bool, "last": t}
ts = {}      # (flow, tsval) -> t (negative once spent)
next_clean = None
out = []

def fmt(a, port, b, dport, v6):
    a, b = (f"[{a}]", f"[{b}]") if v6 else (a, b)
    return f"{a}:{port}>{b}:{dport}"

for line in sys.stdin:
    f = line.rstrip("\n").split(",")
    if len(f) < 10 or not f[3] or not f[7]:
        continue  # not TCP, or no timestamp option
    t = int(Decimal(f[0]) * 10**9)
    v6 = not f[1]
    src, dst = (f[2], f[5]) if v6 else (f[1], f[4])
    sport, dport = f[3], f[6]
    tsval, tsecr, flags = int(f[7]), int(f[8] or 0), int(f[9], 16)
    if tsval == 0 or (tsecr == 0 and flags != 0x002):
        continue
    fk = (src, sport, dst, dport)
    rk = (dst, dport, src, sport)
    if fk not in flows:
        flows[fk] = {"rev": False}
        if rk in flows:
            flows[rk]["rev"] = True
            flows[fk]["rev"] = True
    flows[fk]["last"] = t
    if flows[fk]["rev"]:
        ts.setdefault((fk, tsval), t)           # first appearance only
        e = ts.get((rk, tsecr))
        if e is not None and e > 0:
            out.append((t, t - e, fmt(dst, dport, src, sport, v6)))
            ts[(rk, tsecr)] = -e                # spent: a tombstone
    if next_clean is None or t >= next_clean:   # pping's cleanup schedule
        for k in [k for k, v in ts.items() if t - abs(v) > MAX_AGE]:
            del ts[k]
        for k in [k for k, v in flows.items() if t - v["last"] > 300 * 10**9]:
            del flows[k]
        next_clean = t + MAX_AGE

for t, rtt, fl in sorted(out):
    print(t, rtt, fl)
