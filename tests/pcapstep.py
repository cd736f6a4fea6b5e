#!/usr/bin/env python3
"""pcapstep.py IN OUT FRACTION STEP_US: a copy of the pcap IN (either byte
order, us or ns stamps) whose stamps from the record at FRACTION of its
records on are moved by STEP_US: a clock step, as NTP makes one, injected
into a real capture at a known place.  Prints the first record moved."""
import struct
import sys


def main():
    src, dst, frac, step_us = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    data = open(src, "rb").read()
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
             b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if order is None:
        sys.exit(f"pcapstep: {src}: not a pcap file")
    unit = 10**9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 10**6
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac_part, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        recs.append((off, sec * unit + frac_part, caplen))
        off += 16 + caplen
    if off != len(data):
        sys.exit(f"pcapstep: {src}: cut short")
    cut = int(len(recs) * frac)
    shift = round(step_us * unit / 10**6)
    out = bytearray(data[:24])
    for i, (o, t, caplen) in enumerate(recs):
        t += shift if i >= cut else 0
        out += struct.pack(order + "II", *divmod(t, unit)) + data[o + 8:o + 16 + caplen]
    open(dst, "wb").write(out)
    print(cut)


main()
