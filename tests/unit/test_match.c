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

/* ---- identical copies: the IPv4 ID and the delay rule (match.h) ---- */

/* The journey emitted with stamp t at point p (journeys that took an
 * identical copy are emitted when their window ends, not in order). */
static const struct journey_info *by_stamp(enum point p, int64_t t)
{
	for (int i = 0; i < ngot; i++)
		if ((got[i].mask & (1u << p)) && got[i].t[p] == t)
			return &got[i];
	return NULL;
}

static struct pkt tcp_id(uint32_t seq, uint32_t ack, uint16_t id)
{
	struct pkt p = tcp(seq, ack, 0, true, 5);
	p.ip_id = id;
	return p;
}

static struct pkt tcp_v6(uint32_t seq, uint32_t ack)
{
	struct pkt p = tcp(seq, ack, 0, true, 5);
	p.family = 6;
	p.src[0] = 0xfd, p.dst[0] = 0x20;
	return p;
}

/* n distinct ACKs vnet -> guest (to_guest), IDs kept (or renumbered:
 * `renumber`), with delays shaped like queueing: a floor of 40 us and a long
 * tail (median 46 us; 4.25 us mean shortfall below it, 20.7 us excess above). */
static void warm(struct matcher *m, int n, int64_t t0, bool v6, bool renumber)
{
	static const int tail[8] = {0, 1, 2, 4, 6, 10, 20, 50};
	for (int i = 0; i < n; i++) {
		struct pkt a =
		    v6 ? tcp_v6(1, 5000 + (uint32_t)i) : tcp_id(1, 5000 + (uint32_t)i, (uint16_t)i);
		int64_t t = t0 + i * 200 * US;
		push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
		if (renumber)
			a.ip_id = (uint16_t)(i + 9000);
		push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + (40 + tail[i % 8]) * US);
	}
	CHECK_EQ(ngot, n);
	ngot = 0;
}

/* The tester's case (issue 13 point 7): the first copy of an ACK is lost at
 * vnet -> guest, its duplicate 1.5 ms later gets through.  In order would
 * pair the lost copy's vnet stamp with the survivor's guest stamp: 1550 us. */
static void lost_then_dup(struct matcher *m, struct pkt first, struct pkt dup, int64_t t)
{
	push(m, POINT_VNET, &first, DIR_TO_GUEST, t);
	push(m, POINT_VNET, &dup, DIR_TO_GUEST, t + 1500 * US);
	push(m, POINT_GUEST, &dup, DIR_TO_GUEST, t + 1550 * US);
	/* told apart by ID: done at once; alike: held while a copy may be left over */
	CHECK_EQ(ngot, first.ip_id != dup.ip_id ? 1 : 0);
	match_finish(m);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	CHECK_EQ(got[0].t[POINT_VNET], t + 1500 * US);
	CHECK_EQ(got[0].t[POINT_GUEST] - got[0].t[POINT_VNET], 50 * US);
	CHECK_EQ(got[1].mask, VNET); /* the lost copy, lost */
	CHECK_EQ(got[1].t[POINT_VNET], t);
}

static void test_lost_copy_by_ip_id(void)
{
	/* no delays known yet: the ID alone decides */
	struct matcher *m = fresh(VNET | GUEST);
	lost_then_dup(m, tcp_id(1, 77, 100), tcp_id(1, 77, 101), 0);
	CHECK_EQ(match_counts(m)->revised, 0);
	match_delete(m);
}

static void test_lost_copy_by_delay(void)
{
	/* IPv6 has no ID: the delay decides, once the hop has delays */
	struct matcher *m = fresh(VNET | GUEST);
	warm(m, 20, 0, true, false);
	lost_then_dup(m, tcp_v6(1, 77), tcp_v6(1, 77), 10 * MS);
	CHECK_EQ(match_counts(m)->ambiguous, 1);
	CHECK_EQ(match_counts(m)->revised, 1);
	match_delete(m);
	/* IPv4 copies whose ID is the same too */
	m = fresh(VNET | GUEST);
	warm(m, 20, 0, false, false);
	lost_then_dup(m, tcp_id(1, 77, 100), tcp_id(1, 77, 100), 10 * MS);
	CHECK_EQ(match_counts(m)->revised, 1);
	match_delete(m);
	/* before the hop has TYP_COLD (5) delays: in order, as FIFO queues
	 * deliver; from 5 on (a sparse capture's first second), by the model of
	 * the delays it has */
	for (int n = 3; n <= 10; n += 7) {
		m = fresh(VNET | GUEST);
		warm(m, n, 0, true, false);
		struct pkt a = tcp_v6(1, 77);
		push(m, POINT_VNET, &a, DIR_TO_GUEST, 10 * MS);
		push(m, POINT_VNET, &a, DIR_TO_GUEST, 10 * MS + 1500 * US);
		push(m, POINT_GUEST, &a, DIR_TO_GUEST, 10 * MS + 1550 * US);
		match_finish(m);
		CHECK_EQ(ngot, 2);
		const struct journey_info *j = by_stamp(POINT_GUEST, 10 * MS + 1550 * US);
		CHECK(j != NULL && j->t[POINT_VNET] == (n < 5 ? 10 * MS : 10 * MS + 1500 * US));
		CHECK_EQ(match_counts(m)->revised, n < 5 ? 0 : 1);
		match_delete(m);
	}
}

/* Rule 4 (match.h), the case found on live runs: the guest's capture began
 * after an ACK passed vnet; the same ACK, identical, is sent again (447 ms
 * later there, within the window here), and the guest's copy of the second
 * joins the first's journey upstream of its vnet stamp.  Held, with the
 * second's journey passed over, the pairing is redone by delay. */
static void test_late_copy(void)
{
	struct matcher *m = fresh(VNET | GUEST);
	struct pkt a = tcp_v6(1, 77);
	int64_t t0 = 0, t = 60 * MS;
	push(m, POINT_VNET, &a, DIR_FROM_GUEST, t0);
	for (int i = 0; i < 8; i++) { /* the hop's delays: 50 us and a tail */
		struct pkt w = tcp_v6(1, 6000 + (uint32_t)i);
		push(m, POINT_GUEST, &w, DIR_FROM_GUEST, 30 * MS + i * MS);
		push(m, POINT_VNET, &w, DIR_FROM_GUEST, 30 * MS + i * MS + (50 + i) * US);
	}
	push(m, POINT_GUEST, &a, DIR_FROM_GUEST, t);
	push(m, POINT_VNET, &a, DIR_FROM_GUEST, t + 50 * US);
	match_finish(m);
	const struct journey_info *j = by_stamp(POINT_GUEST, t);
	CHECK(j != NULL && j->t[POINT_VNET] == t + 50 * US);
	j = by_stamp(POINT_VNET, t0);
	CHECK(j != NULL && j->mask == VNET);
	CHECK_EQ(match_counts(m)->revised, 1);
	match_delete(m);
	/* an upstream copy within the hop's delays is no doubt: done at once */
	m = fresh(VNET | GUEST);
	for (int i = 0; i < 8; i++) {
		struct pkt w = tcp_v6(1, 6000 + (uint32_t)i);
		push(m, POINT_VNET, &w, DIR_FROM_GUEST, i * 10 * MS + 40 * US);
		push(m, POINT_GUEST, &w, DIR_FROM_GUEST, i * 10 * MS); /* late, typical */
	}
	CHECK_EQ(ngot, 8);
	match_delete(m);
}

/* A point whose capture began later or ended sooner: the journeys before
 * its first packet or after its last are outside it, not lost there. */
static void test_outside_capture(void)
{
	struct matcher *m = fresh(VNET | GUEST);
	struct pkt a = tcp(1, 1, 10, true, 1), b = tcp(11, 1, 10, true, 2), c = tcp(21, 1, 10, true, 3),
		   d = tcp(31, 1, 10, true, 4), e = tcp(41, 1, 10, true, 5);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, 0); /* the guest capture not begun */
	push(m, POINT_VNET, &b, DIR_TO_GUEST, 2000 * MS);
	push(m, POINT_GUEST, &b, DIR_TO_GUEST, 2000 * MS + 50 * US);
	push(m, POINT_VNET, &c, DIR_TO_GUEST, 2100 * MS); /* lost: the guest capture runs */
	push(m, POINT_VNET, &e, DIR_TO_GUEST, 2150 * MS);
	push(m, POINT_GUEST, &e, DIR_TO_GUEST, 2150 * MS + 50 * US); /* the guest's last */
	match_point_end(m, POINT_GUEST);
	push(m, POINT_VNET, &d, DIR_TO_GUEST, 2200 * MS); /* after the guest's last packet */
	match_finish(m);
	CHECK_EQ(ngot, 5);
	CHECK_EQ(by_stamp(POINT_VNET, 0)->outside, GUEST);
	CHECK_EQ(by_stamp(POINT_VNET, 2000 * MS)->outside, 0);
	CHECK_EQ(by_stamp(POINT_VNET, 2100 * MS)->outside, 0);
	CHECK_EQ(by_stamp(POINT_VNET, 2200 * MS)->outside, GUEST);
	match_delete(m);
}

static void test_close_copies_in_order(void)
{
	/* three identical copies 3 us apart, all delivered about 50 us later:
	 * each downstream copy has several candidates, and FIFO is right */
	struct matcher *m = fresh(VNET | GUEST);
	warm(m, 20, 0, true, false);
	struct pkt a = tcp_v6(1, 77);
	int64_t t = 10 * MS, d[3] = {58 * US, 45 * US, 49 * US};
	for (int i = 0; i < 3; i++)
		push(m, POINT_VNET, &a, DIR_TO_GUEST, t + i * 3 * US);
	for (int i = 0; i < 3; i++)
		push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + i * 3 * US + d[i]);
	/* every copy has its partner: nothing is left to revise, nothing waits */
	CHECK_EQ(ngot, 3);
	match_finish(m);
	CHECK_EQ(ngot, 3);
	for (int i = 0; i < 3; i++) {
		const struct journey_info *j = by_stamp(POINT_VNET, t + i * 3 * US);
		CHECK(j != NULL && j->mask == (VNET | GUEST));
		CHECK(j != NULL && j->t[POINT_GUEST] - j->t[POINT_VNET] == d[i]);
	}
	CHECK(match_counts(m)->ambiguous >= 2);
	CHECK_EQ(match_counts(m)->revised, 0);
	match_delete(m);
}

static void test_floor_and_untypical(void)
{
	/* One copy left over: the pairing whose delay is likelier wins, and
	 * below the hop's median is judged by its own (small) spread: here the
	 * first copy 136 us late (4.35 mean excesses above the 46 us median),
	 * the second 26 us (4.7 mean shortfalls below it, under the 40 us floor):
	 * the first keeps it.  One spread for both sides (12.5 us) would move it. */
	struct matcher *m = fresh(VNET | GUEST);
	warm(m, 20, 0, true, false);
	struct pkt a = tcp_v6(1, 77);
	int64_t t = 10 * MS;
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t + 110 * US);
	push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + 136 * US);
	match_finish(m);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	CHECK_EQ(got[0].t[POINT_VNET], t);
	CHECK_EQ(match_counts(m)->revised, 0);
	match_delete(m);
	/* ... 30 us below the median instead: the second copy is likelier */
	m = fresh(VNET | GUEST);
	warm(m, 20, 0, true, false);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t + 130 * US);
	push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + 136 * US + 40 * US);
	match_finish(m);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	CHECK_EQ(got[0].t[POINT_VNET], t + 130 * US);
	CHECK_EQ(match_counts(m)->revised, 1);
	match_delete(m);
	/* no copy's delay is typical (after a clock step, say): in order */
	m = fresh(VNET | GUEST);
	warm(m, 20, 0, true, false);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t + 1500 * US);
	push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + 9 * MS);
	match_finish(m);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	CHECK_EQ(got[0].t[POINT_VNET], t);
	CHECK_EQ(match_counts(m)->revised, 0);
	match_delete(m);
}

static void test_tail_copy_in_order(void)
{
	/* Both copies delivered, the first 400 us late (a tail; the second
	 * leaves after it, FIFO): in order, never crossed.  A choice made when
	 * the first guest copy arrives, by delay, would give it the second. */
	struct matcher *m = fresh(VNET | GUEST);
	warm(m, 20, 0, true, false);
	struct pkt a = tcp_v6(1, 77);
	int64_t t = 10 * MS;
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t + 350 * US);
	push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + 400 * US);
	push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + 402 * US);
	CHECK_EQ(ngot, 2);
	match_finish(m);
	CHECK_EQ(ngot, 2);
	const struct journey_info *j0 = by_stamp(POINT_VNET, t),
				  *j1 = by_stamp(POINT_VNET, t + 350 * US);
	CHECK(j0 != NULL && j0->mask == (VNET | GUEST) && j0->t[POINT_GUEST] == t + 400 * US);
	CHECK(j1 != NULL && j1->mask == (VNET | GUEST) && j1->t[POINT_GUEST] == t + 402 * US);
	CHECK_EQ(match_counts(m)->revised, 0);
	match_delete(m);
}

static void test_from_guest_shared_stamp(void)
{
	/* from_guest through all four points, vnet and bridge reading one kernel
	 * stamp (FIELD-NOTES 2) and read bridge first, as a merge by time does:
	 * the hop learnt must still be guest -> vnet, where a lost first copy at
	 * the guest is resolved by its duplicate 1.5 ms later */
	const uint8_t ALL = NIC | (1 << POINT_BRIDGE) | VNET | GUEST;
	struct matcher *m = fresh(ALL);
	for (int i = 0; i <= 20; i++) {
		struct pkt a = tcp_v6(1, (uint32_t)(i < 20 ? 5000 + i : 77));
		int64_t t = i < 20 ? i * 200 * US : 10 * MS;
		if (i == 20) /* the lost copy */
			push(m, POINT_GUEST, &a, DIR_FROM_GUEST, t - 1500 * US);
		push(m, POINT_GUEST, &a, DIR_FROM_GUEST, t);
		int64_t tv = t + (40 + i % 5) * US;
		push(m, POINT_BRIDGE, &a, DIR_FROM_GUEST, tv);
		push(m, POINT_VNET, &a, DIR_FROM_GUEST, tv);
		push(m, POINT_NIC, &a, DIR_FROM_GUEST, tv + 5 * US);
	}
	match_finish(m);
	const struct journey_info *j = by_stamp(POINT_GUEST, 10 * MS);
	CHECK(j != NULL && j->mask == ALL && j->t[POINT_VNET] == 10 * MS + 40 * US);
	j = by_stamp(POINT_GUEST, 10 * MS - 1500 * US);
	CHECK(j != NULL && j->mask == GUEST);
	CHECK_EQ(match_counts(m)->revised, 1);
	match_delete(m);
}

static void test_lost_upstream_hop(void)
{
	/* lost at bridge -> vnet on a three-point path: the first copy is seen at
	 * bridge only, its duplicate 1.5 ms later at bridge, vnet and guest.  In
	 * order the first copy's journey takes vnet and guest; at the end of its
	 * window the duplicate, left with bridge only, takes them back: the
	 * copies part at bridge -> vnet, whose delays say 10 us, not 1510. */
	const uint8_t BRIDGE = 1 << POINT_BRIDGE;
	struct matcher *m = fresh(BRIDGE | VNET | GUEST);
	for (int i = 0; i < 20; i++) {
		struct pkt w = tcp_v6(1, 5000 + (uint32_t)i);
		int64_t t = i * 200 * US;
		push(m, POINT_BRIDGE, &w, DIR_TO_GUEST, t);
		push(m, POINT_VNET, &w, DIR_TO_GUEST, t + (10 + i % 3) * US);
		push(m, POINT_GUEST, &w, DIR_TO_GUEST, t + (60 + i % 7) * US);
	}
	ngot = 0;
	struct pkt a = tcp_v6(1, 77);
	int64_t t = 10 * MS;
	push(m, POINT_BRIDGE, &a, DIR_TO_GUEST, t);
	push(m, POINT_BRIDGE, &a, DIR_TO_GUEST, t + 1500 * US);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t + 1510 * US);
	push(m, POINT_GUEST, &a, DIR_TO_GUEST, t + 1560 * US);
	match_finish(m);
	CHECK_EQ(ngot, 2);
	const struct journey_info *j = by_stamp(POINT_GUEST, t + 1560 * US);
	CHECK(j != NULL && j->mask == (BRIDGE | VNET | GUEST) &&
	      j->t[POINT_BRIDGE] == t + 1500 * US);
	j = by_stamp(POINT_BRIDGE, t);
	CHECK(j != NULL && j->mask == BRIDGE);
	CHECK_EQ(match_counts(m)->revised, 1);
	match_delete(m);
}

static void test_ip_id_learnt(void)
{
	/* A hop that keeps IDs (every bridge and tap does): a downstream copy
	 * whose ID no candidate has is another packet; it waits for its own. */
	struct matcher *m = fresh(VNET | GUEST);
	warm(m, 40, 0, false, false);
	struct pkt a = tcp_id(1, 77, 100), b = tcp_id(1, 77, 101);
	int64_t t = 10 * MS;
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_GUEST, &b, DIR_TO_GUEST,
	     t + 30 * US); /* before its vnet copy (clock error) */
	push(m, POINT_VNET, &b, DIR_TO_GUEST, t + 35 * US);
	match_finish(m);
	CHECK_EQ(ngot, 2);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	CHECK_EQ(got[0].t[POINT_VNET], t + 35 * US);
	CHECK_EQ(got[1].mask, VNET);
	CHECK_EQ(got[1].t[POINT_VNET], t);
	match_delete(m);
	/* Before the hop has shown that it keeps them, the ID only ranks. */
	m = fresh(VNET | GUEST);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_GUEST, &b, DIR_TO_GUEST, t + 30 * US);
	match_finish(m);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	match_delete(m);
	/* A capture tool that numbers IDs per file: learnt, then ignored, and
	 * every packet still matches (tests/tcpsim.py writes such files). */
	m = fresh(VNET | GUEST);
	warm(m, 40, 0, false, true);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_GUEST, &b, DIR_TO_GUEST, t + 50 * US);
	match_finish(m);
	CHECK_EQ(ngot, 1);
	CHECK_EQ(got[0].mask, VNET | GUEST);
	match_delete(m);
	/* ... and an ID that equals another copy's by chance there ranks nothing:
	 * two copies 3 us apart, both delivered 46 us later, the first's
	 * renumbered to the second's ID */
	m = fresh(VNET | GUEST);
	warm(m, 40, 0, false, true);
	push(m, POINT_VNET, &a, DIR_TO_GUEST, t);
	push(m, POINT_VNET, &b, DIR_TO_GUEST, t + 3 * US);
	push(m, POINT_GUEST, &b, DIR_TO_GUEST, t + 46 * US);
	struct pkt c = tcp_id(1, 77, 9999);
	push(m, POINT_GUEST, &c, DIR_TO_GUEST, t + 49 * US);
	match_finish(m);
	CHECK_EQ(ngot, 2);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(got[i].t[POINT_GUEST] - got[i].t[POINT_VNET], 46 * US);
	CHECK_EQ(match_counts(m)->revised, 0);
	match_delete(m);
}

static void test_ip_id_through_segmentation(void)
{
	/* GSO: the guest's 3-MSS segment has ID 500, its pieces at nic count up
	 * from 500; and a lost first copy of it with ID 499 upstream changes
	 * nothing (the retransmission without timestamps, say) */
	struct matcher *m = fresh(GUEST | VNET | NIC);
	struct pkt big = tcp(1000, 1, 3 * 1448, false, 0);
	big.ip_id = 499;
	push(m, POINT_GUEST, &big, DIR_FROM_GUEST, 0);
	big.ip_id = 500;
	push(m, POINT_GUEST, &big, DIR_FROM_GUEST, 2 * MS);
	push(m, POINT_VNET, &big, DIR_FROM_GUEST, 2 * MS + 30 * US);
	for (int i = 0; i < 3; i++) {
		struct pkt p = tcp(1000 + (uint32_t)i * 1448, 1, 1448, false, 0);
		p.ip_id = (uint16_t)(500 + i);
		push(m, POINT_NIC, &p, DIR_FROM_GUEST, 2 * MS + 40 * US + i * US);
	}
	match_finish(m);
	CHECK_EQ(ngot, 4);
	CHECK_EQ(got[0].mask, GUEST | VNET | NIC);
	CHECK_EQ(got[0].t[POINT_GUEST], 2 * MS);
	for (int i = 1; i < 3; i++) {
		CHECK_EQ(got[i].mask, NIC);
		CHECK_EQ(got[i].covered, GUEST | VNET);
	}
	CHECK_EQ(got[3].mask, GUEST); /* the first copy, lost at guest -> vnet */
	match_delete(m);
	/* GRO: pieces 700, 701, 702 upstream, one segment with ID 700 at the guest */
	m = fresh(NIC | VNET | GUEST);
	for (int i = 0; i < 3; i++) {
		struct pkt p = tcp(5000 + (uint32_t)i * 1448, 1, 1448, true, 5);
		p.ip_id = (uint16_t)(700 + i);
		push(m, POINT_NIC, &p, DIR_TO_GUEST, i * US);
		push(m, POINT_VNET, &p, DIR_TO_GUEST, 10 * US + i * US);
	}
	struct pkt g = tcp(5000, 1, 3 * 1448, true, 5);
	g.ip_id = 700;
	push(m, POINT_GUEST, &g, DIR_TO_GUEST, 80 * US);
	match_finish(m);
	CHECK_EQ(ngot, 3);
	CHECK_EQ(got[2].mask, NIC | VNET | GUEST);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(got[i].covered, GUEST);
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
	test_lost_copy_by_ip_id();
	test_lost_copy_by_delay();
	test_close_copies_in_order();
	test_late_copy();
	test_outside_capture();
	test_floor_and_untypical();
	test_tail_copy_in_order();
	test_from_guest_shared_stamp();
	test_lost_upstream_hop();
	test_ip_id_learnt();
	test_ip_id_through_segmentation();
	return tcheck_done("test_match");
}
