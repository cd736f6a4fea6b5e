#!/usr/bin/env python3
"""multirun.py VOCGEN OUT — a run of three guests on one host, with ground
truth per guest, for vocalc analyze RUN_DIR (tests/cases/multi_guest.sh,
the golden multi-guest lines).

Each guest is its own vocgen run (OUT/vm-a, OUT/vm-b, OUT/tenant-c: its
addresses, MAC, seed, guest clock and injected delays its own), analyzable
alone.  The host points the guests share are those runs' nic and bridge
captures merged by time into OUT/run/nic.pcap and OUT/run/bridge.pcap, as
one capture of the host's NIC and bridge would hold them; OUT/run/manifest.json
names them and each guest's vnet (and guest) capture in its own run:

  vm-a      login, addresses learned; 1 ms more toward it, 0.5 ms back
  vm-b      login, addresses given; 3 ms more toward it, 0.5 ms back
  tenant-c  no login (vnet only); 200 us more at bridge -> vnet toward it

Every capture is nanosecond pcap (vocgen's); the merge keeps the stamps."""
import json
import os
import struct
import subprocess
import sys

GUESTS = [
    ('vm-a', True, [], ['--seed', '21', '--offset-us', '-2500', '--skew-ppm', '20',
                        '--delay', 'vnet-guest:to=exp:1000:40',
                        '--delay', 'vnet-guest:from=exp:500:30']),
    ('vm-b', True, ['10.0.0.3', 'fd00::3'],
     ['--seed', '22', '--offset-us', '7000', '--skew-ppm', '-15',
      '--guest-ip', '10.0.0.3', '--guest-ip', 'fd00::3', '--guest-mac', '52:54:00:12:34:57',
      '--delay', 'vnet-guest:to=exp:3000:40', '--delay', 'vnet-guest:from=exp:500:30']),
    ('tenant-c', False, [],
     ['--seed', '23', '--guest-ip', '10.0.0.4', '--guest-ip', 'fd00::4',
      '--guest-mac', '52:54:00:12:34:58', '--points', 'nic,bridge,vnet',
      '--delay', 'bridge-vnet:to=exp:200:20']),
]
COMMON = ['--journeys', '4000', '--rate', '2000']


def read_pcap(path):
    """The global header and the records (stamp in ns, header, data)."""
    with open(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('<I', data[:4])
    assert magic == 0xa1b23c4d, f'{path}: not a little-endian nanosecond pcap'
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, nsec, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        recs.append((sec * 10**9 + nsec, data[off:off + 16 + incl]))
        off += 16 + incl
    return data[:24], recs


def merge(paths, out):
    """The records of paths in stamp order (stable: a tie keeps the input order)."""
    head, allrecs = None, []
    for i, p in enumerate(paths):
        h, recs = read_pcap(p)
        head = head or h
        allrecs += [(t, i, k, r) for k, (t, r) in enumerate(recs)]
    allrecs.sort(key=lambda x: x[:3])
    with open(out, 'wb') as f:
        f.write(head)
        for rec in allrecs:
            f.write(rec[3])


def main():
    vocgen, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, 'run'), exist_ok=True)
    guests = []
    for name, login, addrs, args in GUESTS:
        subprocess.run([vocgen, '--out', os.path.join(out, name)] + COMMON + args, check=True,
                       stdout=subprocess.DEVNULL)
        pts = ['vnet', 'guest'] if login else ['vnet']
        guests.append({'name': name, 'login': login, 'addresses': addrs,
                       'points': [{'name': p, 'file': f'../{name}/{p}.pcap', 'drops': 0}
                                  for p in pts]})
    for p in ('nic', 'bridge'):
        merge([os.path.join(out, g[0], p + '.pcap') for g in GUESTS],
              os.path.join(out, 'run', p + '.pcap'))
    man = {'schema': 1, 'tool': 'vocalc',
           'points': [{'name': p, 'file': p + '.pcap', 'drops': 0} for p in ('nic', 'bridge')],
           'guests': guests}
    with open(os.path.join(out, 'run', 'manifest.json'), 'w') as f:
        json.dump(man, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
