# A `tcpdump -s 64` capture (issue 13 point 5): the real QEMU run vm-bulk cut
# to 64 octets per frame by editcap.  The TCP timestamp option is there but
# cut, so its packets are "options cut by snaplen", not "without timestamps";
# every record lands in one count, the same in vocalc rtt and analyze; the VO
# share table says "-" and why, JSON null with a reason (no nan: run.sh's guard).
# Oracle: an independent parse of the uncut capture (the Python below), which
# knows where each option lies and what a 64-octet cut leaves of it.
source tests/lib.sh
command -v editcap >/dev/null || skip "editcap (tshark) is not installed"
R=captures/vm-bulk
for p in nic guest; do
	editcap -s 64 "$R/$p.pcap" "$T/$p.pcap" || fail "editcap $p"
done
# the oracle: per point, what a 64-octet cut leaves of each frame
oracle() {
	python3 - "$1" "$2" <<'PY'
import struct, sys, json
data = open(sys.argv[1], "rb").read()
cut = int(sys.argv[2])
le = data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
e = "<" if le else ">"
link = struct.unpack(e + "I", data[20:24])[0]
assert link == 1, link  # Ethernet
c = dict(packets=0, not_ip=0, not_tcp=0, unreadable=0, tcp=0, ts=0, opts_cut=0, no_ts=0)
off = 24
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
    f = data[off + 16:off + 16 + incl][:cut]  # what the cut capture keeps
    off += 16 + incl
    c["packets"] += 1
    if len(f) < 14:
        c["unreadable"] += 1; continue
    et, l3 = struct.unpack(">H", f[12:14])[0], 14
    while et in (0x8100, 0x88a8):
        et, l3 = struct.unpack(">H", f[l3 + 2:l3 + 4])[0], l3 + 4
    if et == 0x0800:
        if len(f) < l3 + 20: c["unreadable"] += 1; continue
        proto, l4 = f[l3 + 9], l3 + (f[l3] & 15) * 4
        if struct.unpack(">H", f[l3 + 6:l3 + 8])[0] & 0x1fff: proto = -1  # later fragment
    elif et == 0x86dd:
        if len(f) < l3 + 40: c["unreadable"] += 1; continue
        proto, l4 = f[l3 + 6], l3 + 40
        if proto == 0:  # hop-by-hop (MLD): its length, then the next header
            if len(f) < l4 + 2: c["unreadable"] += 1; continue
            proto, l4 = f[l4], l4 + (f[l4 + 1] + 1) * 8
    else:
        c["not_ip"] += 1; continue
    if proto != 6:
        # transport headers vocalc needs: UDP 8, ICMP 8; cut before them: unreadable
        need = {17: 8, 1: 8, 58: 8}.get(proto, 0)
        c["unreadable" if proto != -1 and len(f) < l4 + need else "not_tcp"] += 1
        continue
    if len(f) < l4 + 16: c["unreadable"] += 1; continue
    c["tcp"] += 1
    hlen = (f[l4 + 12] >> 4) * 4
    opts, i, ts = f[l4 + 20:l4 + hlen], 0, False
    while i < len(opts) and opts[i] != 0:
        if opts[i] == 1: i += 1; continue
        if i + 1 >= len(opts) or i + opts[i + 1] > len(opts): break
        if opts[i] == 8 and opts[i + 1] == 10: ts = True
        i += max(opts[i + 1], 2)
    if ts: c["ts"] += 1
    elif len(f) < l4 + hlen: c["opts_cut"] += 1
    else: c["no_ts"] += 1
print(json.dumps(c))
PY
}
for p in nic guest; do
	oracle "$R/$p.pcap" 64 >"$T/$p.truth" || fail "oracle $p"
done
expect_exit 0 "$VOCALC" rtt --json nic="$T/nic.pcap" guest="$T/guest.pcap"
cp "$T/out" "$T/rtt.json"
expect_exit 0 "$VOCALC" analyze --json "$T"
grep -q "reading the captures named by point" "$T/err" || fail "directory without a manifest not said"
cp "$T/out" "$T/an.json"
python3 - "$T" <<'PY' || fail "counts against the oracle"
import json, sys
d = sys.argv[1]
rtt, an = json.load(open(d + "/rtt.json")), json.load(open(d + "/an.json"))
for p in ("nic", "guest"):
    t = json.load(open(f"{d}/{p}.truth"))
    for doc, key in ((rtt, "points"), (an, "rtt_points")):
        c = [x for x in doc[key] if x["name"] == p][0]
        assert c["packets"] == t["packets"], (p, key, c["packets"], t)
        assert c["options_cut"] == t["opts_cut"] > 500, (p, key, c["options_cut"], t)
        assert c["no_timestamps"] == t["no_ts"] == 0, (p, key, c["no_timestamps"], t)
        assert c["not_ip"] == t["not_ip"] and c["not_tcp"] == t["not_tcp"], (p, key, c, t)
        assert c["unreadable"] == t["unreadable"], (p, key, c["unreadable"], t)
        assert c["rtt_samples"] == 0 and c["without_timestamps"]["flows_without_timestamps"] == 0
        print(f"ok: {p} ({key}): {c['options_cut']} options cut, {c['not_tcp']} not TCP, "
              f"{c['not_ip']} not IP, {c['unreadable']} unreadable of {c['packets']}")
    # rtt and analyze count alike
    a = [x for x in rtt["points"] if x["name"] == p][0]
    b = [x for x in an["rtt_points"] if x["name"] == p][0]
    assert {k: a[k] for k in b if k != "file"} == {k: b[k] for k in b if k != "file"}, (a, b)
for doc in (rtt, an):
    assert doc["rtt_decomposition"], "no decomposition rows"
    for e in doc["rtt_decomposition"] + [doc["rtt_vo_share"]]:
        for k in ("rtt_guest_p50_us", "vo_share"):
            assert e[k] is None and "snaplen cut the TCP options" in e[k + "_reason"], e
PY
expect_exit 0 "$VOCALC" rtt nic="$T/nic.pcap" guest="$T/guest.pcap"
grep -Eq "^guest: .*: 1619 packets, 0 RTT samples in 2 flows; 0 without timestamps, [0-9]+ options cut by snaplen" "$T/out" \
	|| { cat "$T/out"; fail "text counts"; }
grep -q "^  options cut by snaplen: .* capture with -s 128 or more$" "$T/out" || fail "text note"
grep -Eq "^  all of them +- +- +-$" "$T/out" || { cat "$T/out"; fail "VO share row without figures"; }
grep -q "^  -: no RTT samples at guest: the snaplen cut the TCP options" "$T/out" || fail "the '-' not explained"
expect_exit 0 "$VOCALC" analyze "$T"
grep -q "^  -: no RTT samples at guest: the snaplen cut the TCP options" "$T/out" || fail "analyze text"
# the same capture uncut: timestamps on every TCP packet, nothing cut
oracle "$R/guest.pcap" 65535 >"$T/uncut.truth" || fail "oracle uncut"
expect_exit 0 "$VOCALC" rtt --json "$R/guest.pcap"
python3 -c "
import json, sys
c = json.load(open(sys.argv[1]))['points'][0]
t = json.load(open(sys.argv[2]))
assert t['ts'] == t['tcp'] == 545 and t['unreadable'] == 0, t
assert c['options_cut'] == 0 and c['no_timestamps'] == 0 and c['rtt_samples'] > 300, c
assert c['not_tcp'] == t['not_tcp'] and c['not_ip'] == t['not_ip'] and c['unreadable'] == 0, (c, t)" \
	"$T/out" "$T/uncut.truth" || fail "uncut capture"
