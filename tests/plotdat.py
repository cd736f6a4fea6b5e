"""plotdat.py — the data files of vocalc report --plots DIR (NAME.dat), for
the tests: blocks(path) -> [(label, [[x, y(, y2)], ...]), ...] in the file's
order (one per gnuplot index, labelled by its "# index K: LABEL" line)."""
import re


def blocks(path):
    out, cur = [], None
    for line in open(path):
        m = re.match(r"# index \d+: (.*)", line)
        if m:
            cur = (m.group(1).strip(), [])
            out.append(cur)
        elif line.strip() and not line.startswith("#"):
            cur[1].append([float(x) for x in line.split()])
    return out


def by_label(path):
    """The blocks by label (the last of a label repeated)."""
    return {label: rows for label, rows in blocks(path)}


def pcap_first_ns(path):
    """The first record's stamp (ns) of a pcap file (micro- or nanosecond,
    either byte order; not pcapng)."""
    import struct
    with open(path, "rb") as f:
        head = f.read(24)
        for order in "<>":
            magic = struct.unpack(order + "I", head[:4])[0]
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                sec, frac = struct.unpack(order + "II", f.read(8))
                return sec * 10**9 + frac * (1000 if magic == 0xA1B2C3D4 else 1)
    raise ValueError(f"{path}: not a pcap file")
