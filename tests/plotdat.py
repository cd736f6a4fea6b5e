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
