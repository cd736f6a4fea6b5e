/* Unit tests: the pping rules of rtt.h, one by one, on hand-made packets. */
#include <string.h>

#include "rtt.h"
#include "tcheck.h"
#include "tpkt.h"

enum { MAXS = 32 };
static struct rtt_sample got[MAXS];
static struct match_flow_key got_flow[MAXS];
static int ngot;

static void collect(void *ctx, const struct rtt_sample *s)
{
	(void)ctx;
	if (ngot < MAXS) {
		got[ngot] = *s;
		got_flow[ngot] = *s->flow;
		ngot++;
	}
}

static const int64_t MS = 1000000;

/* A -> B (a_to_b) or B -> A TCP packet with the timestamp option. */
static struct pkt seg(bool a_to_b, uint32_t tsval, uint32_t tsecr, uint32_t payload, uint8_t flags)
{
	static const uint8_t a[4] = {10, 0, 0, 2}, b[4] = {192, 0, 2, 10};
	struct pkt p = a_to_b ? tpkt_tcp_ts(a, 5201, b, 40000, tsval, tsecr)
			      : tpkt_tcp_ts(b, 40000, a, 5201, tsval, tsecr);
	p.payload = payload;
	p.tcp_flags = flags;
	return p;
}

static struct rtt_tracker *fresh(bool data_only)
{
	struct rtt_cfg c;
	rtt_cfg_default(&c);
	c.data_only = data_only;
	ngot = 0;
	return rtt_create(&c, collect, NULL);
}

static void push(struct rtt_tracker *t, struct pkt p, int64_t at) { CHECK_EQ(rtt_push(t, &p, at), 0); }

static void test_basic_rules(void)
{
	struct rtt_tracker *t = fresh(false);
	push(t, seg(true, 100, 1, 1000, 0x18), 0);     /* A->B alone: uni-directional, not recorded */
	push(t, seg(false, 200, 100, 0, 0x10), 1 * MS); /* B->A: now both ways; echoes 100, unrecorded */
	CHECK_EQ(ngot, 0);
	push(t, seg(true, 101, 200, 1000, 0x18), 2 * MS);   /* records 101; echoes 200 -> 1 ms */
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].rtt_ns, 1 * MS);
	CHECK(got_flow[0].src[0] == 192); /* the echoed packets' direction: B -> A */
	push(t, seg(true, 101, 200, 1000, 0x18), 2 * MS + 200000); /* same TSval: first kept */
	push(t, seg(false, 201, 101, 0, 0x10), 3 * MS + 500000);   /* echoes 101: from 2 ms */
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[1].rtt_ns, 1500000);
	CHECK(got[1].shared_tsval); /* 101 was on two segments */
	CHECK(got_flow[1].src[0] == 10);
	push(t, seg(false, 202, 101, 0, 0x10), 4 * MS); /* the same echo again: spent */
	CHECK_EQ(ngot, 2);
	push(t, seg(true, 101, 202, 0, 0x10), 5 * MS); /* TSval 101 again: the tombstone holds */
	push(t, seg(false, 203, 101, 0, 0x10), 6 * MS);
	CHECK_EQ(ngot, 3); /* echoes 202 from 4 ms only, not 101 */
	CHECK_EQ(got[2].rtt_ns, 1 * MS);
	CHECK_EQ(got[2].min_ns, 1 * MS);
	/* ignored: TSval 0; TSecr 0 unless exactly SYN; no option */
	push(t, seg(true, 0, 203, 0, 0x10), 7 * MS);
	push(t, seg(true, 500, 0, 0, 0x10), 7 * MS);
	struct pkt no = seg(true, 600, 203, 0, 0x10);
	no.has_ts = false;
	push(t, no, 7 * MS);
	const struct rtt_counts *c = rtt_counts(t);
	CHECK_EQ(c->zero_ts, 2);
	CHECK_EQ(c->no_ts, 1);
	CHECK_EQ(c->unidirectional, 1);
	CHECK_EQ(c->samples, 3);
	CHECK_EQ(ngot, 3);
	rtt_delete(t);
}

static void test_syn_and_wrap(void)
{
	struct rtt_tracker *t = fresh(false);
	push(t, seg(true, 0xfffffffe, 0, 0, 0x02), 0);                    /* SYN, TSecr 0: allowed */
	push(t, seg(false, 7, 0xfffffffe, 0, 0x12), 3 * MS);              /* SYN/ACK */
	push(t, seg(true, 0xffffffff, 7, 0, 0x10), 4 * MS);               /* ACK echoes 7 */
	push(t, seg(false, 8, 0xffffffff, 0, 0x10), 6 * MS);              /* echoes across the wrap */
	/* the SYN was seen before the reverse direction: not recorded, as in pping */
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].rtt_ns, 1 * MS);
	CHECK_EQ(got[1].rtt_ns, 2 * MS);
	rtt_delete(t);
}

static void test_data_only(void)
{
	struct rtt_tracker *t = fresh(true);
	push(t, seg(true, 1, 1, 100, 0x18), 0);
	push(t, seg(false, 50, 1, 0, 0x10), 1 * MS);   /* a pure ACK: its TSval not recorded */
	push(t, seg(true, 2, 50, 100, 0x18), 2 * MS);  /* would echo 50: nothing */
	push(t, seg(false, 51, 2, 100, 0x18), 3 * MS); /* data: recorded; echoes 2 */
	push(t, seg(true, 3, 51, 0, 0x10), 5 * MS);    /* echoes 51 */
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].rtt_ns, 1 * MS);
	CHECK_EQ(got[1].rtt_ns, 2 * MS);
	rtt_delete(t);
}

static void test_expiry_and_caps(void)
{
	struct rtt_cfg c;
	rtt_cfg_default(&c);
	c.max_flows = 2;
	ngot = 0;
	struct rtt_tracker *t = rtt_create(&c, collect, NULL);
	push(t, seg(true, 1, 1, 100, 0x18), 0);
	push(t, seg(false, 10, 1, 0, 0x10), 1 * MS);
	/* 11 s later: TSval 10's entry is past its age; cleaned after this packet */
	push(t, seg(true, 2, 9, 100, 0x18), 11000 * MS);
	push(t, seg(true, 3, 10, 100, 0x18), 11001 * MS);
	CHECK_EQ(ngot, 0);
	/* a third flow is over the cap */
	struct pkt p = seg(true, 5, 5, 10, 0x18);
	p.sport = 999;
	push(t, p, 11002 * MS);
	CHECK_EQ(rtt_counts(t)->flows_over_cap, 1);
	rtt_delete(t);
}

static void test_handshake(void)
{
	struct rtt_tracker *t = fresh(false);
	struct pkt syn = seg(true, 0, 0, 0, 0x02);
	syn.has_ts = false; /* handshakes need no timestamps */
	syn.seq = 1000;
	push(t, syn, 0);
	syn.seq = 1000;
	push(t, syn, 1 * MS); /* a repeated SYN restarts the clock */
	struct pkt sa = seg(false, 0, 0, 0, 0x12);
	sa.has_ts = false;
	sa.ack = 999; /* not this SYN's: ignored */
	push(t, sa, 2 * MS);
	sa.ack = 1001;
	push(t, sa, 4 * MS);
	struct pkt ack = seg(true, 0, 0, 0, 0x10);
	ack.has_ts = false;
	ack.seq = 1001;
	push(t, ack, 4 * MS + 250000);
	push(t, ack, 5 * MS); /* done: no second sample */
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].kind, RTT_HANDSHAKE_RESP);
	CHECK_EQ(got[0].rtt_ns, 3 * MS);
	CHECK_EQ(got[1].kind, RTT_HANDSHAKE_INIT);
	CHECK_EQ(got[1].rtt_ns, 250000);
	CHECK(got_flow[0].src[0] == 10 && got_flow[1].src[0] == 10); /* the SYN's direction */
	CHECK_EQ(rtt_counts(t)->handshakes, 1);
	CHECK_EQ(rtt_counts(t)->samples, 0);
	rtt_delete(t);
}

/* Every record lands in one count: options cut by the snaplen are not "no
 * timestamps", frames that did not dissect are counted by rtt_skip, and
 * neither is a flow without timestamps. */
static void test_counts(void)
{
	struct rtt_tracker *t = fresh(false);
	push(t, seg(true, 100, 1, 1000, 0x18), 0);
	push(t, seg(false, 200, 100, 0, 0x10), 1 * MS);
	struct pkt cut = seg(true, 0, 0, 1000, 0x18); /* -s 64: 10 of 12 option octets */
	cut.has_ts = false;
	cut.opts_complete = false;
	push(t, cut, 2 * MS);
	push(t, cut, 3 * MS);
	struct pkt none = seg(false, 0, 0, 0, 0x10); /* all options there, no timestamp */
	none.has_ts = false;
	none.sport = 1234; /* a flow of its own: B:5201 -> A carried timestamps */
	push(t, none, 4 * MS);
	struct pkt udp = seg(true, 0, 0, 100, 0);
	udp.ipproto = 17;
	udp.pclass = PROTO_UDP;
	udp.has_ts = false;
	push(t, udp, 5 * MS);
	struct pkt frag = seg(true, 0, 0, 100, 0); /* a later fragment of TCP */
	frag.has_l4 = false;
	frag.has_ts = false;
	push(t, frag, 6 * MS);
	rtt_skip(t, DIS_NOT_IP);
	rtt_skip(t, DIS_SHORT_IP);
	rtt_skip(t, DIS_SHORT_L4);
	const struct rtt_counts *c = rtt_counts(t);
	CHECK_EQ(c->packets, 10);
	CHECK_EQ(c->opts_cut, 2);
	CHECK_EQ(c->no_ts, 1);
	CHECK_EQ(c->not_tcp, 1);
	CHECK_EQ(c->not_ip, 1);
	CHECK_EQ(c->unreadable, 3);
	struct match_flow_key k[4];
	/* only the flow that showed all its options without a timestamp */
	CHECK_EQ(rtt_flows_without_ts(t, k, 4), 1);
	CHECK(k[0].src[0] == 192);
	rtt_delete(t);
}

int main(void)
{
	test_counts();
	test_basic_rules();
	test_syn_and_wrap();
	test_data_only();
	test_expiry_and_caps();
	test_handshake();
	return tcheck_done("test_rtt");
}
