#!/usr/bin/env python3
"""ackgen -- a TCP bulk flow from the guest whose ACK stream is compressed by
construction, captured at nic and at guest (nanosecond pcaps).

The guest (10.9.0.2) sends 1448-octet segments to a peer (10.9.0.1); the ACKs
come back spaced exactly SPACING ns at nic and are delivered to the guest in
bursts of K: the host holds them until the K-th arrives, then hands them over
5 us apart (the first HOLD ns after the K-th reached nic).  The guest clock
reads host + OFFSET.  ACK n acknowledges MULT[(n // PER) % len(MULT)]
segments, so the octets acknowledged per 60 ms interval follow a known series.

usage: ackgen.py DIR --k K [--acks N] [--offset-us X]
writes DIR/nic.pcap, DIR/guest.pcap and DIR/truth.json: the construction's
compressed fractions, spacing ratios, and the burstiness at each point
(population sd / mean of the octets acknowledged per 60 ms interval counted
from the first ACK, the last partial interval left out).
"""
import json
import math
import os
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


def main():
    a = sys.argv[1:]
    out = a[0]
    k = int(a[a.index("--k") + 1])
    n = int(a[a.index("--acks") + 1]) if "--acks" in a else 20000
    offset = int(float(a[a.index("--offset-us") + 1]) * 1000) if "--offset-us" in a else 0
    G = (bytes([10, 9, 0, 2]), 41000)
    P = (bytes([10, 9, 0, 1]), 5201)
    nic, guest = [], []
    isn_g, isn_p = 1000, 50000
    una = isn_g + 1
    t_nic, t_guest = [], []
    acked = []
    for i in range(n):
        m = MULT[(i // PER) % len(MULT)]
        una += m * MSS
        acked.append(m * MSS)
        t = 10**9 + i * SPACING
        t_nic.append(t)
    for i in range(n):
        # delivered with its burst: the burst's last ACK arrival + HOLD + position * GAP
        b = i // k
        last = min(b * k + k - 1, n - 1)
        t_guest.append(t_nic[last] + HOLD + (i - b * k) * GAP)
    # the data the ACKs answer: at the guest 100 us before each ACK's nic time
    # minus 60 us of path, seen at nic 30 us after leaving the guest
    seq = isn_g + 1
    for i in range(n):
        segs = acked[i] // MSS
        for j in range(segs):
            tg = t_nic[i] - 100_000 - (segs - j) * 1_000
            for lst, tt in ((guest, tg + offset), (nic, tg + 30_000)):
                lst.append(dict(t=T0 + tt, src=G, dst=P, flags=0x18, seq=seq % 2**32,
                                ack=isn_p + 1, tsval=1 + tg // 10**6, tsecr=7, len=MSS))
            seq += MSS
    una = isn_g + 1
    for i in range(n):
        una += acked[i]
        for lst, tt in ((nic, t_nic[i]), (guest, t_guest[i] + offset)):
            lst.append(dict(t=T0 + tt, src=P, dst=G, flags=0x10, seq=isn_p + 1,
                            ack=una % 2**32, tsval=7 + t_nic[i] // 10**6, tsecr=1, len=0))
    for lst in (nic, guest):
        lst.sort(key=lambda p: p["t"])
    os.makedirs(out, exist_ok=True)
    write_pcap(os.path.join(out, "nic.pcap"), nic)
    write_pcap(os.path.join(out, "guest.pcap"), guest)

    def burst(ts):
        per = {}
        for i in range(1, n):
            j = (ts[i] - ts[0]) // 60_000_000
            per[j] = per.get(j, 0) + acked[i]
        last = (ts[-1] - ts[0]) // 60_000_000
        v = [per.get(j, 0) for j in range(last)]  # complete intervals only
        mu = sum(v) / len(v)
        return math.sqrt(sum((x - mu) ** 2 for x in v) / len(v)) / mu, len(v)

    ia_g = [t_guest[i] - t_guest[i - 1] for i in range(1, n)]
    thr = SPACING * 0.9
    ratios = sorted((t_guest[i] - t_guest[i - 1]) / (t_nic[i] - t_nic[i - 1]) for i in range(1, n))
    cv_n, in_n = burst(t_nic)
    cv_g, in_g = burst(t_guest)
    json.dump(dict(k=k, acks=n, offset_us=offset / 1000,
                   compressed_guest=sum(x < thr for x in ia_g) / len(ia_g),
                   compressed_nic=0.0,
                   ratio_p50=ratios[len(ratios) // 2] if len(ratios) % 2 else
                   (ratios[len(ratios) // 2 - 1] + ratios[len(ratios) // 2]) / 2,
                   ratio_compressed=sum(r < 0.9 for r in ratios) / len(ratios),
                   burstiness_nic=cv_n, intervals_nic=in_n,
                   burstiness_guest=cv_g, intervals_guest=in_g),
              open(os.path.join(out, "truth.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
