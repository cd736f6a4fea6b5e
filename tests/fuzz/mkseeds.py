#!/usr/bin/env python3
"""tests/fuzz/mkseeds.py VOCGEN OUTDIR -- writes the fuzzers' seed corpora.

The seeds in tests/fuzz/corpus/ were made by this script (run again, it
rewrites them the same way):

  capture/   slices (the first records) of the shipped real captures and of
             vocgen traces of every link type vocalc reads (Ethernet with
             802.1Q, Linux cooked v1 and v2, raw IP, BSD loopback, raw IPv4
             and IPv6), as pcap in both byte orders, us and ns stamps, and
             as pcapng with if_tsresol and if_tsoffset options; a cut last
             record; gzip'd data
  pipeline/  fuzz_pipeline records (tests/fuzz/fuzz_pipeline.c): four points
             of a real QEMU run and of vocgen traces, merged in host time
  clock/     fuzz_clock operations (tests/fuzz/fuzz_clock.c): pairs with a
             known offset and skew, a clock step, echoes, TCP exchanges
  config/    fuzz_config sections (tests/fuzz/fuzz_config.c)
Small on purpose (a few KB each): the fuzzer grows its own corpus in
build-fuzz/corpus/.
"""
import gzip
import os
import random
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_pcap(path):
    """(linktype, nanosecond, [(sec, frac, wirelen, data)]) of a classic pcap."""
    d = open(path, "rb").read()
    magic = d[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    ns = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    lt = struct.unpack(end + "I", d[20:24])[0]
    recs, off = [], 24
    while off + 16 <= len(d):
        s, f, cl, wl = struct.unpack(end + "IIII", d[off:off + 16])
        recs.append((s, f, wl, d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return lt, ns, recs


def ns_of(rec, ns):
    return rec[0] * 10**9 + (rec[1] if ns else rec[1] * 1000)


def pcap(lt, recs, ns=True, big=False, snaplen=262144):
    """recs: (t_ns, wirelen, data)."""
    e = ">" if big else "<"
    magic = 0xa1b23c4d if ns else 0xa1b2c3d4
    out = [struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, lt)]
    for t, wl, data in recs:
        s, f = divmod(t, 10**9)
        out.append(struct.pack(e + "IIII", s, f if ns else f // 1000, len(data), wl) + data)
    return b"".join(out)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def pcapng(lt, recs, tsresol=9, tsoffset=None, spb=False):
    """A section with one interface; EPBs (or SPBs) of recs (t_ns, wirelen, data)."""
    def block(btype, body):
        body = pad4(body)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = b""
    if tsresol != 6:
        opts += struct.pack("<HH", 9, 1) + pad4(bytes([tsresol]))
    if tsoffset is not None:
        opts += struct.pack("<HHq", 14, 8, tsoffset)
    if opts:
        opts += struct.pack("<HH", 0, 0)
    idb = block(1, struct.pack("<HHI", lt, 0, 262144) + opts)
    out = [shb, idb]
    for t, wl, data in recs:
        if spb:
            out.append(block(3, struct.pack("<I", len(data)) + data))  # no snaplen: all of it
            continue
        if tsoffset is not None:
            t -= tsoffset * 10**9
        units = t * 10**tsresol // 10**9 if tsresol < 64 else t
        out.append(block(6, struct.pack("<IIIII", 0, units >> 32, units & 0xffffffff, len(data),
                                        wl) + data))
    return b"".join(out)


def strip_l2(lt, data):
    """The IP packet inside a frame of link type lt, or None."""
    if lt == 1:
        off, et = 14, struct.unpack(">H", data[12:14])[0] if len(data) >= 14 else 0
        while et in (0x8100, 0x88A8, 0x9100) and len(data) >= off + 4:
            et = struct.unpack(">H", data[off + 2:off + 4])[0]
            off += 4
        return data[off:] if et in (0x0800, 0x86DD) else None
    if lt == 113:
        return data[16:]
    if lt == 276:
        return data[20:]
    if lt in (0, 108):
        return data[4:]
    return data


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").write(data)


def vocgen(vg, tmp, name, *args):
    d = os.path.join(tmp, name)
    subprocess.run([vg, "--out", d, *args], check=True, stdout=subprocess.DEVNULL)
    return d


def capture_seeds(vg, tmp, out):
    for run in ("vm-bulk", "vm-idle"):
        for p in ("nic", "guest"):
            lt, ns, recs = read_pcap(os.path.join(ROOT, "captures", run, p + ".pcap"))
            sl = [(ns_of(r, ns), r[2], r[3]) for r in recs[:10]]
            write(f"{out}/{run}-{p}.pcap", pcap(lt, sl))
    for link in ("sll", "sll2", "raw"):
        d = vocgen(vg, tmp, "link-" + link, "--journeys", "8", "--seed", "2", "--guest-link", link,
                   "--v6", "0.5")
        lt, ns, recs = read_pcap(os.path.join(d, "guest.pcap"))
        write(f"{out}/vocgen-{link}.pcap", pcap(lt, [(ns_of(r, ns), r[2], r[3]) for r in recs[:12]]))
    d = vocgen(vg, tmp, "vlan", "--journeys", "8", "--seed", "3", "--vlan", "--v6", "0.5")
    lt, ns, recs = read_pcap(os.path.join(d, "nic.pcap"))
    sl = [(ns_of(r, ns), r[2], r[3]) for r in recs[:12]]
    write(f"{out}/vocgen-vlan.pcap", pcap(lt, sl))
    write(f"{out}/vocgen-vlan-be-us.pcap", pcap(lt, sl, ns=False, big=True))
    write(f"{out}/vocgen-vlan-ns.pcapng", pcapng(lt, sl, 9))
    write(f"{out}/vocgen-vlan-us-offset.pcapng", pcapng(lt, sl, 6, tsoffset=1600000000))
    write(f"{out}/vocgen-vlan-spb.pcapng", pcapng(lt, sl[:4], 6, spb=True))
    write(f"{out}/vocgen-vlan-cut.pcap", pcap(lt, sl)[:-9])
    write(f"{out}/vocgen-vlan.pcap.gz", gzip.compress(pcap(lt, sl[:6]), mtime=0))
    ip = [(t, wl - (len(data) - len(strip_l2(lt, data))), strip_l2(lt, data)) for t, wl, data in sl
          if strip_l2(lt, data) is not None]
    v4 = [r for r in ip if r[2][0] >> 4 == 4]
    v6 = [r for r in ip if r[2][0] >> 4 == 6]
    write(f"{out}/loop-null.pcap",
          pcap(0, [(t, wl + 4, struct.pack("<I", 2 if d[0] >> 4 == 4 else 10) + d) for t, wl, d in ip]))
    write(f"{out}/loop-loop.pcap",
          pcap(108, [(t, wl + 4, struct.pack(">I", 2 if d[0] >> 4 == 4 else 24) + d) for t, wl, d in ip]))
    write(f"{out}/raw-ipv4.pcap", pcap(228, v4))
    write(f"{out}/raw-ipv6.pcapng", pcapng(229, v6, 9))


def pipeline_seed(points, guest4, guest6, shift=None):
    """fuzz_pipeline records of point captures {point: path}, merged in time.
    shift: ns added to the guest capture's stamps (its clock's offset)."""
    order = ["nic", "bridge", "vnet", "guest"]
    mask, streams = 0, []
    for p, (path, n) in points.items():
        mask |= 1 << order.index(p)
        lt, ns, recs = read_pcap(path)
        for r in recs[:n]:
            ipk = strip_l2(lt, r[3])
            if ipk is None:
                continue
            t = ns_of(r, ns) + (shift if p == "guest" and shift else 0)
            streams.append((t, p, ipk))
    streams.sort(key=lambda x: x[0])
    given = [p for p in order if mask >> order.index(p) & 1]
    t0 = streams[0][0]
    out = [bytes([mask, 0, 6, 255]), struct.pack("<Q", t0), bytes(guest4), bytes(guest6)]
    t = t0
    for ts, p, ipk in streams:
        k = given.index(p)
        dt = ts - t
        if dt == 0:
            op, arg = 0, b""
        elif dt > 0:
            op, arg = 2, leb(dt)
        else:
            op, arg = 3, leb(-dt)
        t = ts
        out.append(bytes([k | op << 2]) + arg + struct.pack("<H", len(ipk)) + ipk)
    return b"".join(out)


def leb(v):
    b = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        b.append(c | (0x80 if v else 0))
        if not v:
            return bytes(b)


def zig(v):
    return leb(v * 2 if v >= 0 else -v * 2 - 1)


def pipeline_seeds(vg, tmp, out):
    g4, g6 = [10, 99, 0, 3], bytes.fromhex("fe80000000000000505400fffe990003")
    run = os.path.join(ROOT, "captures", "vm-bulk")
    pts = {p: (os.path.join(run, p + ".pcap"), 25) for p in ("nic", "bridge", "vnet", "guest")}
    write(f"{out}/vm-bulk.bin", pipeline_seed(pts, g4, g6, shift=937368350))
    vg4, vg6 = [10, 0, 0, 2], bytes([0xFD] + [0] * 14 + [2])
    d = vocgen(vg, tmp, "pipe", "--journeys", "25", "--seed", "7", "--v6", "0.3", "--loss",
               "vnet-guest:to=0.2", "--lost-dup", "vnet-guest:to=0.3")
    pts = {p: (os.path.join(d, p + ".pcap"), 60) for p in ("nic", "bridge", "vnet", "guest")}
    write(f"{out}/vocgen-4.bin", pipeline_seed(pts, vg4, vg6))
    pts = {p: (os.path.join(d, p + ".pcap"), 60) for p in ("vnet", "guest")}
    write(f"{out}/vocgen-2.bin", pipeline_seed(pts, vg4, vg6))


def clock_seeds(out):
    rnd = random.Random(14)
    t0 = 1700000000 * 10**9

    def ops(n, offset, skew, step_at=None, step=0, kinds=(0, 0, 0, 3, 1, 2)):
        b = bytearray(struct.pack("<Qq", t0, offset // 2) + bytes([0]))
        t, rec = t0, 0
        for i in range(n):
            kind = kinds[i % len(kinds)]
            d = i % 2
            dt = rnd.randint(100, 3000) * 1000
            t += dt
            off = offset + skew * (t - t0) // 10**6 + (step if step_at and i >= step_at else 0)
            delay = 30000 + int(rnd.expovariate(1 / 40000))
            y = (delay + off - offset // 2) if d == 0 else (delay - off + offset // 2)
            b += bytes([kind | d << 2 | 2 << 3 | 1 << 6]) + leb(dt) + zig(y)
            if kind == 1:
                b += bytes([8 if d == 0 else 0, 7, i // 2 & 0xFF])
            elif kind == 2:
                b += bytes([d]) + struct.pack("<IIHB", 1000 + 1448 * i, 5000 + 1448 * i, 1448, 1)
        return bytes(b)
    write(f"{out}/plain.bin", ops(120, 1500000, 10))
    write(f"{out}/step.bin", ops(160, -4000000, -3, step_at=80, step=20000000))
    write(f"{out}/echo.bin", ops(60, 250000, 0, kinds=(1,)))
    write(f"{out}/tcp.bin", ops(60, 250000, 0, kinds=(2,)))
    write(f"{out}/oneway.bin", ops(40, 0, 0, kinds=(0,))[:200])


def config_seeds(out):
    sep = b"\n%%\n"
    cfg = (b"Host vm7 vm8\n  HostName 10.99.0.3\n  User root\n  Port 2222\n"
           b"  IdentityFile ~/.ssh/id_vm\nHost *\n  User admin\nMatch host x\n  Port 1\n")
    man = open(os.path.join(ROOT, "captures", "vm-bulk", "manifest.json"), "rb").read()
    kh = (b"10.99.0.3 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQ0NjYwZmY5NzYyMjE0YjMyNDY0ZTM0\n"
          b"[10.99.0.3]:2222 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7\n"
          b"|1|c2FsdHNhbHRzYWx0c2FsdA==|aGFzaGhhc2hoYXNoaGFzaGhhcw== ecdsa-sha2-nistp256 AAAA\n"
          b"@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n# comment\n")
    key = bytes([0x86]) + bytes(range(51))
    write(f"{out}/vm7.txt", sep.join([b"vm7", cfg, man, kh, key]))
    write(f"{out}/user-port.txt", sep.join([b"alice@[fe80::1]:2200", b"", b'{"points": []}', b"", b"\x01"]))
    man2 = (b'{"points": [{"name": "nic", "file": "/abs/nic.pcap", "drops": null}, '
            b'{"name": "guest", "file": "g.pcap", "drops": 3}]}')
    key2 = bytes([0x01]) + b"\x00\x00\x00\x07ssh-rsa"
    write(f"{out}/plain.txt", sep.join([b"root@10.99.0.2", b"Host 10.99.*\n\tPort=22\n", man2, kh, key2]))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vg, out = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        capture_seeds(vg, tmp, out + "/capture")
        pipeline_seeds(vg, tmp, out + "/pipeline")
    clock_seeds(out + "/clock")
    config_seeds(out + "/config")


main()
