/* Unit tests: the matcher's identity and segment rules (match.h) on
 * hand-made packets with known answers. */
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "tcheck.h"

enum { MAXJ = 64 };
static struct journey_info got[MAXJ];
static int ngot;

static void collect(void *ctx, const struct journey_info *j)
{
	(void)ctx;
	if (ngot < MAXJ)
		got[ngot++] = *j;
}

static struct pkt tcp(uint32_t seq, uint32_t ack, uint32_t payload, bool ts, uint32_t tsval)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.family = 4;
	p.ipproto = 6;
	p.pclass = PROTO_TCP;
	p.src[0] = 10, p.src[3] = 2;
	p.dst[0] = 192, p.dst[3] = 10;
	p.sport = 5201;
	p.dport = 40000;
	p.seq = seq;
	p.ack = ack;
	p.tcp_flags = TCP_ACK;
	p.payload = payload;
	p.has_l4 = true;
	p.opts_complete = true;
	p.has_ts = ts;
	p.tsval = tsval;
	p.tsecr = 9;
	return p;
}

static const int64_t US = 1000, MS = 1000000;

static void push(struct matcher *m, enum point p, const struct pkt *pk, enum direction d, int64_t t)
{
	struct match_prep mp;
	match_prepare(pk, &mp, NULL);
	CHECK_EQ(match_push(m, p, &mp, d, t, 0), 0);
}

static const uint8_t NIC = 1 << POINT_NIC, VNET = 1 << POINT_VNET, GUEST = 1 << POINT_GUEST;

static struct matcher *fresh(uint8_t points)
{
	ngot = 0;
	return match_create(points, 100 * MS, collect, NULL);
}

static void test_duplicates_in_order(void)
{
	struct matcher *m = fresh(VNET | GUEST);
	struct pkt a = tcp(100, 200, 0, true, 5); /* three identical duplicate ACKs */
	for (int i = 0; i < 3; i++)
		push(m, POINT_VNET, &a, DIR_FROM_GUEST, i * 3 * US);
	for (int i = 0; i < 3; i++)
		push(m, POINT_GUEST, &a, DIR_FROM_GUEST, -50 * US + i * 3 * US);
	match_finish(m);
	CHECK_EQ(ngot, 3);
	for (int i = 0; i < ngot; i++) {
		CHECK_EQ(got[i].mask, (1 << POINT_VNET) | (1 << POINT_GUEST));
		CHECK_EQ(got[i].t[POINT_VNET] - got[i].t[POINT_GUEST], 50 * US);
	}
	match_delete(m);
}

static void test_window_and_loss(void)
{
	struct matcher *m = fresh(NIC | GUEST);
	struct pkt a = tcp(100, 200, 10, true, 5), b = tcp(110, 200, 10, true, 5);
	push(m, POINT_NIC, &a, DIR_TO_GUEST, 0);
	push(m, POINT_NIC, &b, DIR_TO_GUEST, 10 * US);
	push(m, POINT_GUEST, &b, DIR_TO_GUEST, 60 * US);
	/* b is complete at once; a waits for its guest copy */
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].mask, NIC | GUEST);
	CHECK_EQ(got[0].flow_seen, NIC | GUEST);
	/* a's journey ends `window` after it began, when later stamps arrive */
	struct pkt c = tcp(120, 200, 10, true, 5);
	push(m, POINT_NIC, &c, DIR_TO_GUEST, 150 * MS);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[1].mask, NIC);
	CHECK_EQ(got[1].t[POINT_NIC], 0);
	/* too late to join: a copy of c at the guest beyond the window */
	push(m, POINT_GUEST, &c, DIR_TO_GUEST, 260 * MS);
	match_finish(m);
	CHECK_EQ(ngot, 4);
	CHECK_EQ(got[2].mask, 1 << POINT_NIC);
	CHECK_EQ(got[3].mask, 1 << POINT_GUEST);
	match_delete(m);
}

static void test_gso_split(void)
{
	struct matcher *m = fresh(GUEST | VNET | NIC);
	/* the guest sends one 3-MSS segment; nic sees three pieces; seq wraps */
	uint32_t s = 0xffffffffu - 2000;
	struct pkt big = tcp(s, 1, 3 * 1448, true, 77);
	push(m, POINT_GUEST, &big, DIR_FROM_GUEST, 0);
	push(m, POINT_VNET, &big, DIR_FROM_GUEST, 30 * US);
	for (int i = 0; i < 3; i++) {
		struct pkt p = tcp(s + (uint32_t)i * 1448, 1, 1448, true, 77);
		push(m, POINT_NIC, &p, DIR_FROM_GUEST, 40 * US + i * US);
	}
	/* an unrelated segment of the same flow is no piece */
	struct pkt other = tcp(s + 5 * 1448, 1, 1448, true, 78);
	push(m, POINT_NIC, &other, DIR_FROM_GUEST, 50 * US);
	match_finish(m);
	CHECK_EQ(ngot, 4);
	CHECK_EQ(got[0].mask, (1 << POINT_GUEST) | (1 << POINT_VNET) | (1 << POINT_NIC));
	CHECK_EQ(got[0].t[POINT_NIC], 40 * US);
	for (int i = 1; i < 3; i++) {
		CHECK_EQ(got[i].mask, 1 << POINT_NIC);
		CHECK_EQ(got[i].covered, (1 << POINT_GUEST) | (1 << POINT_VNET));
	}
	CHECK_EQ(got[3].covered, 0);
	CHECK_EQ(match_counts(m)->coalesce_events, 1);
	match_delete(m);
}

static void test_gro_coalesce(void)
{
	struct matcher *m = fresh(NIC | VNET | GUEST);
	for (int i = 0; i < 3; i++) {
		struct pkt p = tcp(1000 + (uint32_t)i * 1448, 1, 1448, true, 5);
		push(m, POINT_NIC, &p, DIR_TO_GUEST, i * US);
		push(m, POINT_VNET, &p, DIR_TO_GUEST, 10 * US + i * US);
	}
	struct pkt big = tcp(1000, 1, 3 * 1448, true, 5);
	push(m, POINT_GUEST, &big, DIR_TO_GUEST, 80 * US);
	match_finish(m);
	/* the pieces are done when the big segment covers them, then the first */
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[2].mask, NIC | VNET | GUEST);
	CHECK_EQ(got[2].t[POINT_GUEST], 80 * US);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(got[i].mask, NIC | VNET);
		CHECK_EQ(got[i].covered, GUEST);
	}
	match_delete(m);
}

static void test_identity_fields(void)
{
	struct matcher *m = fresh(VNET | GUEST);
	/* a retransmission: same bytes, new TSval: two packets, not one */
	struct pkt a = tcp(500, 1, 100, true, 10), r = tcp(500, 1, 100, true, 11);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, 0);
	push(m, POINT_VNET, &r, DIR_TO_GUEST, 2 * MS);
	push(m, POINT_GUEST, &r, DIR_TO_GUEST, 2 * MS + 40 * US);
	/* options cut by the snaplen at one point: still the same packet */
	struct pkt cut = tcp(600, 1, 100, false, 0);
	cut.opts_complete = false;
	struct pkt full = tcp(600, 1, 100, true, 12);
	push(m, POINT_VNET, &full, DIR_TO_GUEST, 3 * MS);
	push(m, POINT_GUEST, &cut, DIR_TO_GUEST, 3 * MS + 40 * US);
	/* UDP over IPv6: equal lengths, different payload digests */
	struct pkt u1, u2;
	memset(&u1, 0, sizeof u1);
	u1.family = 6, u1.ipproto = 17, u1.pclass = PROTO_UDP, u1.has_l4 = true;
	u1.src[0] = 0xfd, u1.dst[0] = 0x20, u1.sport = 53, u1.dport = 4000, u1.udp_len = 100;
	u1.has_digest = true, u1.digest = 1;
	u2 = u1;
	u2.digest = 2;
	push(m, POINT_VNET, &u1, DIR_TO_GUEST, 4 * MS);
	push(m, POINT_VNET, &u2, DIR_TO_GUEST, 4 * MS + 1 * US);
	push(m, POINT_GUEST, &u2, DIR_TO_GUEST, 4 * MS + 50 * US);
	/* a checksum or TTL never enters: (the dissector does not even read them) */
	match_finish(m);
	CHECK_EQ(ngot, 5);
	CHECK_EQ(got[0].mask, VNET | GUEST); /* the retransmission */
	CHECK_EQ(got[0].t[POINT_GUEST] - got[0].t[POINT_VNET], 40 * US);
	CHECK_EQ(got[1].mask, VNET | GUEST); /* TS cut, matched */
	CHECK_EQ(got[2].mask, VNET | GUEST); /* u2 */
	CHECK_EQ(got[2].t[POINT_GUEST] - got[2].t[POINT_VNET], 49 * US);
	CHECK_EQ(got[3].mask, VNET); /* the lost original */
	CHECK_EQ(got[3].t[POINT_VNET], 0);
	CHECK_EQ(got[4].mask, VNET); /* u1 lost */
	match_delete(m);
}

static void test_bounded_state(void)
{
	struct matcher *m = fresh(NIC | GUEST); /* never seen at guest: all wait */
	/* one million packets over 100 s at one point: pending stays near the
	 * window's worth (100 ms at 10 kpps = 1000), not the trace's */
	for (uint32_t i = 0; i < 1000000; i++) {
		struct pkt p = tcp(i * 10, 1, 10, true, i);
		p.sport = (uint16_t)(1000 + i % 5000); /* and many flows */
		push(m, POINT_NIC, &p, DIR_TO_GUEST, (int64_t)i * 100 * US);
		if (ngot == MAXJ)
			ngot = 0;
	}
	CHECK(match_counts(m)->peak_journeys <= 1002);
	CHECK(match_counts(m)->peak_flows <= 5000);
	match_finish(m);
	match_delete(m);
}

int main(void)
{
	test_duplicates_in_order();
	test_window_and_loss();
	test_gso_split();
	test_gro_coalesce();
	test_identity_fields();
	test_bounded_state();
	return tcheck_done("test_match");
}
