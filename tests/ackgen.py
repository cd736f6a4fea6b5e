#!/usr/bin/env python3
"""ackgen -- a TCP bulk flow from the guest whose ACK stream is compressed (or
not) by construction, captured at nic and guest, or at all four points
(nanosecond pcaps), with the figures vocalc ack must report (truth.json).

The guest (10.9.0.2) sends 1448-octet segments to a peer (10.9.0.1); the ACKs
come back SPACING ns apart at nic (with --jitter F, each spacing SPACING x a
uniform factor in [1 - F, 1 + F]), cross bridge and vnet 1 and 2 us later
(with jitter, plus up to 10 % of SPACING each), and are delivered to the guest
in bursts of K: the host holds them until the K-th reached vnet, then hands
them over 5 us apart, HOLD ns later.  K = 1: no bursts, the guest sees each
ACK 30 us after vnet (plus the hop jitter).  The guest clock reads host +
OFFSET.  ACK n acknowledges MULT[(n // PER) % len(MULT)] segments, so the
octets acknowledged per interval follow a known series.  Each segment carries
its own TSval and each ACK echoes the last segment it acknowledges, which left
the guest --rtt-us before the ACK reached nic, so the RTT at each point is
known.

With --no-echo the ACKs' TSecr is constant (no RTT sample).  With --step-us
X --step-at I the guest clock steps by X just before the guest sees ACK I
(records stay in capture order; stamps jump).

usage: ackgen.py DIR --k K [--acks N] [--offset-us X] [--points nic,guest|all]
                 [--jitter F] [--rtt-us D] [--seed S] [--no-echo]
                 [--step-us X --step-at I]
writes DIR/<point>.pcap and DIR/truth.json:
  compressed_guest, compressed_nic  with --link-rate 100M (below 108 us)
  link, b2b      per definition: threshold and the compressed fraction at
                 each point (b2b: no --link-rate, below 1/4 of nic's p10)
  b2b_self       the same with each point's own p10 (one point alone)
  interarrivals, restart_guest  per point; whether the guest's series restart
  pairs          per two points along the ACKs' way: ratios, fraction < 0.5
  ratio_p50, ratio_compressed  nic -> guest
  burstiness_P, intervals_P    per 60 ms
  rtt_us         the median RTT per point (pping's rules on this trace)
  burst_rtt      per point: the ladder interval nearest that RTT, its
                 coefficient of variation and intervals (vocalc's ladder)
  old            what the former definitions (0.9 x the upstream mode of
                 10 us bins, ratio < 0.9) would count: the jittered trains
                 must make them fail
"""
import json
import math
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tcpsim import write_pcap  # noqa: E402

SPACING = 120_000
GAP = 5_000
HOLD = 20_000
MSS = 1448
PER = 250  # ACKs per multiplier step: 30 ms
MULT = [1, 2, 1, 3, 2, 1, 4]
T0 = 1_700_000_000 * 10**9
POINTS = ["nic", "bridge", "vnet", "guest"]
# data from the guest reaches vnet, bridge, nic this long after leaving it
DATA_DELAY = {"guest": 0, "vnet": 20_000, "bridge": 25_000, "nic": 30_000}


def f32(x):
    """x as vocalc keeps it: a 4-octet float."""
    return struct.unpack("f", struct.pack("f", x))[0]


def quantile_floor(v, q):
    """vocalc's p10: the order statistic at floor(q (n - 1))."""
    s = sorted(v)
    return s[int(q * (len(s) - 1))]


def p50(v):
    """GSL's median (interpolated between the middle order statistics)."""
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def ladder_k(j):
    """vocalc's burst_rtt ladder, in 100 us bins (ack.c ladder_k)."""
    if j < 16:
        return j + 1
    o, m = divmod(j - 16, 8)
    return (16 + 2 * (m + 1)) << o


def ladder_nearest(k):
    j = 0
    while j + 1 < 16 + 8 * 20 and ladder_k(j) < k:
        j += 1
    if j > 0 and ladder_k(j) / k > k / ladder_k(j - 1):
        j -= 1
    return j


def intervals(ts, acked, length, first):
    """The octets acknowledged per interval of `length` ns from ts[0], the
    intervals wholly before the one holding the last ACK; the first ACK's
    own octets only if `first`."""
    per = {}
    for i in range(0 if first else 1, len(ts)):
        j = (ts[i] - ts[0]) // length
        per[j] = per.get(j, 0) + acked[i]
    last = (ts[-1] - ts[0]) // length
    return [per.get(j, 0) for j in range(last)]


def burst(ts, acked, length, ts2=None, acked2=None):
    """Population sd / mean of the octets acknowledged per interval (of a
    second series too, restarted at ts2[0]) and the number of intervals."""
    v = intervals(ts, acked, length, False)
    if ts2:
        v += intervals(ts2, acked2, length, True)
    if len(v) < 2:
        return None, len(v)
    mu = sum(v) / len(v)
    return math.sqrt(sum((x - mu) ** 2 for x in v) / len(v)) / mu, len(v)


def main():
    a = sys.argv[1:]
    out = a[0]

    def opt(name, default, conv):
        return conv(a[a.index(name) + 1]) if name in a else default

    k = opt("--k", 1, int)
    n = opt("--acks", 20000, int)
    offset = int(opt("--offset-us", 0.0, float) * 1000)
    jitter = opt("--jitter", 0.0, float)
    rtt_base = int(opt("--rtt-us", 100.0, float) * 1000)
    points = opt("--points", "nic,guest", str)
    points = POINTS if points == "all" else points.split(",")
    rng = random.Random(opt("--seed", 1, int))
    hop_j = int(0.1 * SPACING) if jitter > 0 else 0
    echo = "--no-echo" not in a
    step_at = opt("--step-at", -1, int)
    step = int(opt("--step-us", 0.0, float) * 1000)
    restart = False

    G = (bytes([10, 9, 0, 2]), 41000)
    P = (bytes([10, 9, 0, 1]), 5201)
    isn_g, isn_p = 1000, 50000
    acked = [MULT[(i // PER) % len(MULT)] * MSS for i in range(n)]
    t = {p: [] for p in POINTS}  # host time of each ACK at each point
    tn = 10**9
    for i in range(n):
        if i:
            tn += round(SPACING * (1 + rng.uniform(-jitter, jitter)))
        t["nic"].append(tn)
        t["bridge"].append(tn + 1_000 + rng.randint(0, hop_j))
        t["vnet"].append(t["bridge"][-1] + 2_000 + rng.randint(0, hop_j))
    for i in range(n):
        if k > 1:  # delivered with its burst: the burst's last ACK at vnet + HOLD + position * GAP
            b = i // k
            last = min(b * k + k - 1, n - 1)
            t["guest"].append(t["vnet"][last] + HOLD + (i - b * k) * GAP)
        else:
            t["guest"].append(t["vnet"][i] + 30_000 + rng.randint(0, hop_j))

    # the data the ACKs answer: ACK i's segments leave the guest rtt_base
    # (and 1 us per later segment) before ACK i reaches nic
    pk = {p: [] for p in POINTS}
    data_t = {p: [] for p in POINTS}  # per ACK: host time of its last segment at p
    seq, tsval = isn_g + 1, 1000
    last_tsval = []
    # IPv4 IDs: each packet its own, the same at every point (the guest's
    # counter for its data, the peer's for its ACKs)
    gid, pid = 0, 0
    for i in range(n):
        segs = acked[i] // MSS
        for j in range(segs):
            tg = t["nic"][i] - rtt_base - (segs - j) * 1_000
            gid += 1
            for p in POINTS:
                tt = tg + DATA_DELAY[p]
                pk[p].append(dict(t=T0 + tt + (offset if p == "guest" else 0), src=G, dst=P,
                                  flags=0x18, seq=seq % 2**32, ack=isn_p + 1, tsval=tsval,
                                  tsecr=7, len=MSS, id=gid))
                if j == segs - 1:
                    data_t[p].append(tt)
            seq += MSS
            tsval += 1
        last_tsval.append(tsval - 1)
    una = isn_g + 1
    for i in range(n):
        una += acked[i]
        pid += 1
        for p in POINTS:
            pk[p].append(dict(t=T0 + t[p][i] + (offset if p == "guest" else 0), src=P, dst=G,
                              flags=0x10, seq=isn_p + 1, ack=una % 2**32, tsval=7 + i,
                              tsecr=last_tsval[i] if echo else 1, len=0, id=pid))
    os.makedirs(out, exist_ok=True)
    t_step = t["guest"][step_at] - 1_000 if step_at >= 0 else None
    for p in points:
        pk[p].sort(key=lambda x: x["t"])
        if p == "guest" and t_step is not None:  # capture order kept, stamps jump
            for x in pk[p]:
                if x["t"] - offset - T0 >= t_step:
                    x["t"] += step
        write_pcap(os.path.join(out, p + ".pcap"), pk[p])

    ia = {p: [f32((t[p][i] - t[p][i - 1]) / 1e3) for i in range(1, n)] for p in points}
    if t_step is not None and "guest" in points:
        # the guest's own view: the inter-arrival across a step back of more
        # than 1 ms (or one that went negative) is left out and the series
        # restart there; across a step forward it is longer by the step
        g = ia["guest"]
        x = (t["guest"][step_at] + step - t["guest"][step_at - 1]) / 1e3
        restart = step < -1_000_000 or x < 0
        g[step_at - 1] = None if restart else f32(x)
        ia["guest"] = [v for v in g if v is not None]
    up = points[0]  # the first point along the ACKs' way
    ref = quantile_floor(ia[up], 0.1)
    b2b_thr = ref * 0.25
    link_thr = 120.0 * 0.9
    truth = dict(k=k, acks=n, offset_us=offset / 1000, points=points, jitter=jitter,
                 link=dict(ref_us=120.0, thr_us=link_thr,
                           frac={p: sum(x < link_thr for x in ia[p]) / len(ia[p]) for p in points}),
                 b2b=dict(ref_us=ref, thr_us=b2b_thr, source="p10 at " + up,
                          frac={p: sum(x < b2b_thr for x in ia[p]) / len(ia[p]) for p in points}))
    # one point alone: its own p10 is the reference
    truth["b2b_self"] = {}
    for p in points:
        r = quantile_floor(ia[p], 0.1)
        truth["b2b_self"][p] = dict(ref_us=r, thr_us=r * 0.25,
                                    frac=sum(x < r * 0.25 for x in ia[p]) / len(ia[p]))
    truth["interarrivals"] = {p: len(ia[p]) for p in points}
    truth["restart_guest"] = restart
    truth["compressed_guest"] = truth["link"]["frac"].get("guest", 0.0)
    truth["compressed_nic"] = truth["link"]["frac"].get("nic", 0.0)
    pairs = {}
    for x in range(len(points)):
        for y in range(x + 1, len(points)):
            u, d = t[points[x]], t[points[y]]
            if points[y] == "guest" and t_step is not None:
                # host time as a clock model blind to the step makes it
                d = d[:step_at] + [v + step for v in d[step_at:]]
            r = [f32((d[i] - d[i - 1]) / (u[i] - u[i - 1])) for i in range(1, n)
                 if d[i] >= d[i - 1]]
            pairs[points[x] + ">" + points[y]] = dict(
                n=len(r), out_of_order=n - 1 - len(r),
                compressed=sum(v < 0.5 for v in r) / len(r), p50=p50(r),
                old_compressed=sum(v < 0.9 for v in r) / len(r))
    truth["pairs"] = pairs
    if "nic>guest" in pairs:
        truth["ratio_p50"] = pairs["nic>guest"]["p50"]
        truth["ratio_compressed"] = pairs["nic>guest"]["compressed"]
    def burst_at(p, length):
        ts = t[p]
        if p != "guest" or t_step is None:
            return burst(ts, acked, length)
        ts = ts[:step_at] + [x + step for x in ts[step_at:]]
        if not restart:
            return burst(ts, acked, length)
        # two series: the first ACK's octets are not counted, the first
        # after the restart's are
        return burst(ts[:step_at], acked[:step_at], length, ts[step_at:], acked[step_at:])

    for p in points:
        cv, ni = burst_at(p, 60_000_000)
        truth["burstiness_" + p], truth["intervals_" + p] = cv, ni
    # RTT at each point, pping's rules: a TSval is recorded once the reverse
    # direction (the ACKs) has been seen, and the ACK echoing it gives a sample
    truth["rtt_us"], truth["burst_rtt"] = {}, {}
    for p in points:
        if p == "guest" and t_step is not None:
            continue  # RTT samples across the step are the step's
        first_ack = t[p][0]
        s = [(t[p][i] - data_t[p][i]) / 1e3 for i in range(n) if data_t[p][i] > first_ack]
        if not s:
            continue
        med = p50(s)
        kk = ladder_k(ladder_nearest(med * 1e3 / 100_000))
        cv, ni = burst_at(p, kk * 100_000)
        truth["rtt_us"][p] = med
        truth["burst_rtt"][p] = dict(interval_ms=kk / 10, cv=cv, intervals=ni, samples=len(s))
    # the former definitions, to show what the jittered trains would do to them
    counts = [0] * 200
    for x in ia[up]:
        if x < 2000:
            counts[int(x // 10)] += 1
    mode = (counts.index(max(counts)) + 0.5) * 10
    truth["old"] = dict(mode_us=mode,
                        frac={p: sum(x < mode * 0.9 for x in ia[p]) / len(ia[p]) for p in points})
    json.dump(truth, open(os.path.join(out, "truth.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
