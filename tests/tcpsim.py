#!/usr/bin/env python3
"""tcpsim -- TCP connections with RFC 7323 timestamps, simulated end to end,
seen at one capture point P, written as a nanosecond pcap with the RTT samples
the construction implies.

    A (sender) --a ns-- P (capture) --b ns-- B (receiver)

A sends bursts of MSS segments to B.  B is a Linux-like receiver: it
acknowledges every second in-order segment at once, a lone segment when its
40 ms delayed-ACK timer fires, out-of-order and duplicate segments at once
(dup ACKs), and a segment that fills a hole at once.  Both keep TS.Recent by
RFC 7323 3.4 (updated only from a segment with SEG.SEQ <= Last.ACK.sent), so
a delayed ACK echoes the first of the two segments it acknowledges and a dup
ACK echoes the last in-order one.  Timestamp clocks tick every ms from a
random base; some start just below 2^32 so that they wrap (and read 0 for a
ms, which the rule ignores).  Some segments are lost after P and sent again
after a timeout with a new TSval; some SYNs are lost after P and sent again a
second later; some connections are joined after their handshake.  Links are
FIFO with random jitter.

truth.json lists every sample pping's rule gives on this capture (the time of
the echo at P, the RTT, the flow whose TSval was echoed, its kind), and for
each what the construction knows of it:
  path_ns  -- the RTT of the network path alone: P -> echoing host -> P for
              the segment the echoing host actually answered;
  shared   -- the echoed TSval was on several segments before the echo, the
              first of them not the one answered (so rtt > path is possible);
  delayed  -- the echo is an ACK B sent on its delayed-ACK timer;
  waited   -- the echoing host waited before answering (timer, or A sending
              its next segment only later): rtt = path + that wait.
Handshake legs are listed with their exact values (2b and 2a plus jitter).

usage: tcpsim.py OUT.pcap TRUTH.json [--seed N] [--conns N] [--data-only]
"""
import heapq
import json
import random
import struct
import sys

MS = 1_000_000
MSS = 1448
DELACK = 40 * MS
RTO = 300 * MS
SYN, ACK_F, PSH = 0x02, 0x10, 0x08


def ts_at(base, t):
    return (base + t // MS) % (1 << 32)


def ts_newer(a, b):
    """a is not older than b in 32-bit sequence space (PAWS)."""
    return ((a - b) % (1 << 32)) < (1 << 31)


class Link:
    """One way of one segment of the path: constant delay, jitter, FIFO."""

    def __init__(self, rng, delay, jitter):
        self.rng, self.delay, self.jitter, self.last = rng, delay, jitter, 0

    def arrive(self, t):
        a = t + self.delay + int(self.rng.expovariate(1.0 / self.jitter)) + self.rng.randrange(1, 997)
        a = max(a, self.last + 1)
        self.last = a
        return a


class Sim:
    def __init__(self, seed, nconns):
        self.rng = random.Random(seed)
        self.q = []  # (t, seq, fn, args)
        self.n = 0
        self.at_p = []  # packets seen at P
        for i in range(nconns):
            self.conn(i)

    def at(self, t, fn, *args):
        self.n += 1
        heapq.heappush(self.q, (t, self.n, fn, args))

    def run(self):
        while self.q:
            t, _, fn, args = heapq.heappop(self.q)
            fn(t, *args)

    # ---- one connection ----
    def conn(self, i):
        r = self.rng
        shape = i % 3  # P near A, near B, in the middle
        a = [5_000, 3 * MS + r.randrange(MS), 700_000][shape]
        b = [2 * MS + r.randrange(8 * MS), 8_000, 900_000][shape]
        c = dict(
            id=i,
            A=(bytes([10, 1, 0, 1 + i % 200]), 40000 + i),
            B=(bytes([10, 2, 0, 1]), 80 + i % 3),
            a_fwd=Link(r, a, 30_000), a_back=Link(r, a, 30_000),
            b_fwd=Link(r, b, 30_000), b_back=Link(r, b, 30_000),
            # ts clocks: some wrap during the connection
            baseA=(1 << 32) - r.randrange(200, 2500) if i % 4 == 1 else r.randrange(1, 1 << 31),
            baseB=(1 << 32) - r.randrange(200, 2500) if i % 4 == 2 else r.randrange(1, 1 << 31),
            isnA=r.randrange(1 << 32), isnB=r.randrange(1 << 32),
            recentA=0, recentB=0,
            # B's receive state
            rcv_nxt=None, last_ack_sent=None, pending=None, timer=None, ooo={},
            # A's send state
            snd_nxt=None, outstanding={},
        )
        start = r.randrange(0, 400 * MS) + 1 * MS
        if i % 5 == 4:  # joined after the handshake: both sides already talking
            c["snd_nxt"] = c["isnA"] + 1
            c["rcv_nxt"] = c["last_ack_sent"] = c["isnA"] + 1
            c["recentA"] = ts_at(c["baseB"], start) or 7
            c["recentB"] = ts_at(c["baseA"], start) or 7
            self.at(start, self.a_bursts, c, 0)
        else:
            lose_syn = i % 7 == 3
            self.at(start, self.a_syn, c, lose_syn)

    def emit(self, t_p, c, from_a, flags, seq, ack, tsval, tsecr, length, meta):
        src, dst = (c["A"], c["B"]) if from_a else (c["B"], c["A"])
        self.at_p.append(dict(t=t_p, c=c["id"], from_a=from_a, src=src, dst=dst, flags=flags,
                              seq=seq % (1 << 32), ack=ack % (1 << 32), tsval=tsval, tsecr=tsecr,
                              len=length, **meta))

    # A side
    def a_send(self, t, c, flags, seq, length, lost=False, meta=None):
        tsval = ts_at(c["baseA"], t)
        tsecr = 0 if flags == SYN else c["recentA"]
        tp = c["a_fwd"].arrive(t)
        m = dict(sent=t, tp=tp, lost=lost, answers=c.get("answerA"))
        m.update(meta or {})
        self.emit(tp, c, True, flags, seq, c["isnB"] + 1 if flags != SYN else 0, tsval, tsecr, length,
                  dict(meta=m))
        if not lost:
            tb = c["b_fwd"].arrive(tp)
            self.at(tb, self.b_recv, c, dict(flags=flags, seq=seq, len=length, tsval=tsval, tp=tp))

    def a_syn(self, t, c, lose):
        self.a_send(t, c, SYN, c["isnA"], 0, lost=lose)
        if lose:
            self.at(t + 1000 * MS, self.a_syn, c, False)

    def a_recv(self, t, c, p):
        if ts_newer(p["tsval"], c["recentA"]) or c["recentA"] == 0:
            c["recentA"] = p["tsval"]  # B's seq never moves: always <= Last.ACK.sent
            p["ta"] = t
            c["answerA"] = p  # the packet whose TSval A will echo
        if p["flags"] & SYN:  # SYN/ACK: the third leg at once, data later
            c["snd_nxt"] = c["isnA"] + 1
            self.a_send(t, c, ACK_F, c["snd_nxt"], 0)
            self.at(t + self.rng.randrange(MS, 30 * MS), self.a_bursts, c, 0)
            return
        for s in list(c["outstanding"]):
            if (p["ack"] - (s + MSS)) % (1 << 32) < (1 << 31):
                del c["outstanding"][s]

    def a_bursts(self, t, c, k):
        r = self.rng
        if k >= 60:
            return
        n = r.choice([1, 1, 2, 3, 4, 5, 7])
        for j in range(n):
            seq = c["snd_nxt"]
            c["snd_nxt"] += MSS
            lost = r.random() < 0.03
            c["outstanding"][seq] = True
            self.at(t + j * 12_000, self.a_data, c, seq, lost)
            self.at(t + j * 12_000 + RTO, self.a_rto, c, seq)
        gap = r.choice([r.randrange(200_000, 3 * MS), r.randrange(3 * MS, 30 * MS),
                        r.randrange(45 * MS, 90 * MS)])
        self.at(t + (n - 1) * 12_000 + gap, self.a_bursts, c, k + 1)

    def a_data(self, t, c, seq, lost):
        self.a_send(t, c, ACK_F | PSH, seq, MSS, lost=lost)

    def a_rto(self, t, c, seq):
        if seq in c["outstanding"]:
            self.a_send(t, c, ACK_F | PSH, seq, MSS, meta=dict(retrans=True))
            self.at(t + RTO, self.a_rto, c, seq)

    # B side
    def b_send(self, t, c, flags, why, ans):
        tsval = ts_at(c["baseB"], t)
        tp = c["b_back"].arrive(t)
        ack = c["rcv_nxt"]
        c["last_ack_sent"] = ack
        self.emit(tp, c, False, flags, c["isnB"] + (0 if flags & SYN else 1), ack, tsval,
                  c["recentB"], 0, dict(meta=dict(sent=t, tp=tp, why=why, answers=dict(ans))))
        ta = c["a_back"].arrive(tp)
        self.at(ta, self.a_recv, c, dict(flags=flags, ack=ack, tsval=tsval, tp=tp))

    def b_recent(self, c, p):
        le = (p["seq"] - c["last_ack_sent"]) % (1 << 32)
        if (le == 0 or le >= (1 << 31)) and (ts_newer(p["tsval"], c["recentB"]) or c["recentB"] == 0):
            c["recentB"] = p["tsval"]
            c["answer"] = p  # the segment whose TSval B will echo

    def b_recv(self, t, c, p):
        p["tb"] = t
        if p["flags"] == SYN:
            c["recentB"] = p["tsval"]
            c["rcv_nxt"] = c["last_ack_sent"] = c["isnA"] + 1
            c["answer"] = p
            self.b_send(t, c, SYN | ACK_F, "synack", p)
            return
        if p["len"] == 0:
            return  # the third leg
        if c["last_ack_sent"] is None:
            return
        self.b_recent(c, p)
        seq = p["seq"]
        if seq == c["rcv_nxt"]:
            c["rcv_nxt"] += MSS
            filled = False
            while c["rcv_nxt"] in c["ooo"]:
                del c["ooo"][c["rcv_nxt"]]
                c["rcv_nxt"] += MSS
                filled = True
            if filled:
                self.b_ack_now(t, c, "fill")
            elif c["pending"] is None:
                c["pending"] = t
                c["timer"] = t + DELACK
                self.at(t + DELACK, self.b_timer, c, t + DELACK)
            else:
                self.b_ack_now(t, c, "second")
        elif (seq - c["rcv_nxt"]) % (1 << 32) < (1 << 31):
            c["ooo"][seq] = True
            self.b_ack_now(t, c, "dup")
        else:
            self.b_ack_now(t, c, "old")

    def b_ack_now(self, t, c, why):
        c["pending"] = c["timer"] = None
        self.b_send(t, c, ACK_F, why, c["answer"])

    def b_timer(self, t, c, due):
        if c["timer"] == due:
            c["pending"] = c["timer"] = None
            self.b_send(t, c, ACK_F, "delack", c["answer"])


def flow_name(src, dst):
    return "%s:%d>%s:%d" % (".".join(map(str, src[0])), src[1], ".".join(map(str, dst[0])), dst[1])


def samples(pkts, data_only):
    """pping's rule over what P saw, with what the construction knows."""
    seen = set()  # flow directions seen with valid timestamps
    rev = set()
    first = {}  # (dir, tsval) -> [packet, carriers after the first, spent]
    hs = {}
    out = []
    for p in pkts:
        d = (p["src"], p["dst"])
        r = (p["dst"], p["src"])
        # handshake legs, with or without valid timestamps
        if p["flags"] == SYN:
            hs[d] = [p, None]
        elif p["flags"] == SYN | ACK_F and r in hs and hs[r][1] is None:
            hs[r][1] = p
            out.append(dict(kind="handshake_responder", t=p["t"], rtt=p["t"] - hs[r][0]["t"],
                            flow=flow_name(*r), path=p["t"] - hs[r][0]["t"]))
        elif p["flags"] == ACK_F and d in hs and hs[d][1] is not None and p["len"] == 0:
            s = hs.pop(d)[1]
            out.append(dict(kind="handshake_initiator", t=p["t"], rtt=p["t"] - s["t"],
                            flow=flow_name(*d), path=p["t"] - s["t"]))
        if p["tsval"] == 0 or (p["tsecr"] == 0 and p["flags"] != SYN):
            continue
        if d not in seen:
            seen.add(d)
            if r in seen:
                rev.add(d)
                rev.add(r)
        if d not in rev:
            continue
        if not data_only or p["len"] > 0 or p["flags"] & SYN:
            k = (d, p["tsval"])
            if k not in first:
                first[k] = [p, [], False]
            elif not first[k][2]:
                first[k][1].append(p)
        k = (r, p["tsecr"])
        if k in first and not first[k][2]:
            e = first[k]
            e[2] = True
            f0, m = e[0], p["meta"]
            ans = m["answers"]  # what the echoing host answered: crossed P at tp
            arrived = ans["tb"] if not p["from_a"] else ans["ta"]
            path = (arrived - ans["tp"]) + (p["t"] - m["sent"])  # P -> host -> P
            wait = m["sent"] - arrived  # the host's own delay before answering
            early = ans["tp"] - f0["t"]  # the TSval was first seen on an earlier packet
            rtt = p["t"] - f0["t"]
            assert rtt == early + path + wait and early >= 0 and wait >= 0
            out.append(dict(kind="tsval", t=p["t"], rtt=rtt, flow=flow_name(*r), path=path,
                            wait=wait, early=early, echo_by="A" if p["from_a"] else "B",
                            why=m.get("why", "data"),
                            shared=any(x["len"] > 0 for x in e[1]),
                            lone=not p["from_a"] and f0["len"] > 0 and p["ack"] == (f0["seq"] + f0["len"]) % (1 << 32)))
    return out


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
        ident = 0
        for p in pkts:
            # a packet's own IPv4 ID (the same at every point, as a bridge
            # keeps it) where the caller gives one, else one per file
            ident = p["id"] & 0xFFFF if "id" in p else (ident + 1) & 0xFFFF
            opts = struct.pack("!BBBBII", 1, 1, 8, 10, p["tsval"], p["tsecr"])
            tcp = struct.pack("!HHIIBBHHH", p["src"][1], p["dst"][1], p["seq"], p["ack"],
                              (20 + len(opts)) // 4 << 4, p["flags"], 65535, 0, 0) + opts
            tot = 20 + len(tcp) + p["len"]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, ident, 0x4000, 64, 6, 0,
                             p["src"][0], p["dst"][0])
            eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
            frame = eth + ip + tcp
            f.write(struct.pack("<IIII", p["t"] // 10**9, p["t"] % 10**9, len(frame),
                                len(eth) + tot))
            f.write(frame)


def main():
    args = sys.argv[1:]
    seed, nconns, data_only = 1, 24, False
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if "--conns" in args:
        i = args.index("--conns")
        nconns = int(args[i + 1])
        del args[i:i + 2]
    if "--data-only" in args:
        args.remove("--data-only")
        data_only = True
    out, truth = args
    sim = Sim(seed, nconns)
    sim.run()
    T0 = 1_700_000_000 * 10**9
    pkts = sorted(sim.at_p, key=lambda p: p["t"])
    s = samples(pkts, data_only)
    for p in pkts:
        p["t"] += T0
    for x in s:
        x["t"] += T0
    write_pcap(out, pkts)
    json.dump(dict(packets=len(pkts), samples=s), open(truth, "w"), indent=0)


if __name__ == "__main__":
    main()
