#!/usr/bin/env python3
"""pcaprepeat.py IN OUT FRACTION GAP_US N: a copy of the four-point run IN as
if the guest's capture had started late and packets had been sent twice:
the guest's records before FRACTION of them are dropped (its capture began
there), and the first N packets the guest captured after that, which the
host points saw too, are given an identical copy GAP_US earlier at those
host points, where the guest capture had not yet begun (a neighbour
solicitation or a duplicate ACK repeated, as real traffic does).  Prints
the guest records kept and the copies made."""
import struct
import sys

MAGIC = {b"\xd4\xc3\xb2\xa1": ("<", 10**6), b"\x4d\x3c\xb2\xa1": ("<", 10**9),
         b"\xa1\xb2\xc3\xd4": (">", 10**6), b"\xa1\xb2\x3c\x4d": (">", 10**9)}


def read(path):
    data = open(path, "rb").read()
    if data[:4] not in MAGIC:
        sys.exit(f"pcaprepeat: {path}: not a pcap file")
    order, unit = MAGIC[data[:4]]
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, sub, caplen, wire = struct.unpack(order + "IIII", data[off:off + 16])
        recs.append([sec * unit + sub, wire, data[off + 16:off + 16 + caplen]])
        off += 16 + caplen
    if off != len(data):
        sys.exit(f"pcaprepeat: {path}: cut short")
    return data[:24], order, unit, recs


def write(path, head, order, unit, recs):
    out = bytearray(head)
    for t, wire, frame in recs:
        out += struct.pack(order + "IIII", *divmod(t, unit), len(frame), wire) + frame
    open(path, "wb").write(out)


def main():
    src, dst, frac, gap_us, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    head, order, unit, g = read(f"{src}/guest.pcap")
    cut = int(len(g) * frac)
    write(f"{dst}/guest.pcap", head, order, unit, g[cut:])
    # the packets: the first n the guest kept that vnet saw (all its traffic
    # crosses vnet), the same frame from the IP header on (a bridge and a tap
    # keep it); each point copies those of them it saw
    vnet = read(f"{src}/vnet.pcap")[3]
    chosen = []
    for r in g[cut:]:
        if len(chosen) == n:
            break
        if any(f[14:] == r[2][14:] for _, _, f in vnet) and r[2][14:] not in chosen:
            chosen.append(r[2][14:])
    made = 0
    for point in ("nic", "bridge", "vnet"):
        head, order, unit, recs = read(f"{src}/{point}.pcap")
        gap = round(gap_us * unit / 10**6)
        copies = []
        for ip in chosen:
            t, wire, f = next((r for r in recs if r[2][14:] == ip), (None, None, None))
            if t is not None:
                copies.append([t - gap, wire, f])
        made = max(made, len(copies))
        write(f"{dst}/{point}.pcap", head, order, unit, sorted(recs + copies, key=lambda r: r[0]))
    print(len(g) - cut, made)


main()
