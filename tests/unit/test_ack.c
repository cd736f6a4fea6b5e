/* Unit tests: the ACK analysis's record (ack_set_summarize) on ACK streams
 * made by hand with known inter-arrivals, octets and steps back, and the
 * per-ACK events the trackers deliver. */
#include <string.h>

#include "ack.h"
#include "tcheck.h"
#include "tpkt.h"

static const int64_t US = 1000;

/* A pure ACK from 192.0.2.10:5201 to 10.0.0.2:40000 acknowledging up to ack. */
static struct pkt ack_seg(uint32_t ack)
{
	static const uint8_t a[4] = {192, 0, 2, 10}, b[4] = {10, 0, 0, 2};
	struct pkt p = tpkt_tcp(a, 5201, b, 40000);
	p.tcp_flags = TCP_ACK;
	p.ack = ack;
	return p;
}

enum { MAXE = 256 };
static struct ack_event got[MAXE];
static int ngot;

static void collect(void *ctx, const struct ack_event *e)
{
	(void)ctx;
	if (ngot < MAXE)
		got[ngot++] = *e;
}

/* 95 inter-arrivals of 100 us and 5 of 2 us (every 20th): the 10th
 * percentile is 100 us (floor(0.1 * 99) = 9th of the sorted values), the
 * threshold 25 us, 5 % compressed; 2 us in bin 0, 100 us in bin 10. */
static void test_one_point(void)
{
	struct ack_cfg c;
	ack_cfg_default(&c);
	c.on_ack = collect;
	ngot = 0;
	struct ack_set *s = ack_set_create(&c, 1u << POINT_GUEST);
	CHECK(s != NULL);
	struct ack_tracker *t = ack_set_tracker(s, POINT_GUEST);
	CHECK(t != NULL && ack_set_tracker(s, POINT_NIC) == NULL);
	int64_t now = 0;
	uint32_t ack = 1000;
	struct pkt p = ack_seg(ack);
	CHECK_EQ(ack_push(t, &p, now), 0);
	for (int i = 0; i < 100; i++) {
		now += i % 20 == 19 ? 2 * US : 100 * US;
		p = ack_seg(ack += 1448);
		CHECK_EQ(ack_push(t, &p, now), 0);
	}
	CHECK_EQ(ack_set_finish(s), 0);
	struct ack_report r;
	CHECK_EQ(ack_set_summarize(s, NULL, NULL, NULL, &r), 0);
	CHECK_EQ(r.npoints, 1);
	CHECK_EQ(r.points[0].point, POINT_GUEST);
	CHECK_EQ(r.points[0].flows, 1);
	CHECK_EQ(r.points[0].steps_back, 0);
	CHECK_EQ(r.nbins, 200); /* 10 us bins to 2000 us */
	CHECK_NEAR(r.edges_us[10], 100, 1e-12);
	CHECK_NEAR(r.edges_us[200], 2000, 1e-12);
	CHECK_EQ(r.nflows, 1);
	const struct ack_flow_rep *f = &r.flows[0];
	CHECK_EQ(f->dir, ACK_DIR_UNKNOWN);
	CHECK_EQ(f->npt, 1);
	CHECK_EQ(f->npair, 0);
	CHECK_EQ(f->ref_point, POINT_GUEST);
	CHECK_NEAR(f->ref_us, 100, 1e-9);
	CHECK_NEAR(f->thr_us, 25, 1e-9);
	CHECK_NEAR(f->ref_err_us, 0, 0);
	const struct ack_point_rep *pt = &f->pt[0];
	CHECK_EQ(pt->acks, 101);
	CHECK_EQ(pt->interarrivals, 100);
	CHECK(!pt->sketched);
	CHECK_NEAR(pt->ia.min, 2, 1e-9);
	CHECK_NEAR(pt->ia.max, 100, 1e-9);
	CHECK_NEAR(pt->p10_us, 100, 1e-9);
	CHECK_NEAR(pt->compressed, 0.05, 1e-12);
	CHECK(!pt->compressed_approx);
	CHECK_EQ(pt->hist.nbins, 2);
	CHECK_EQ(pt->hist.bins[0].bin, 0);
	CHECK_EQ(pt->hist.bins[0].count, 5);
	CHECK_EQ(pt->hist.bins[1].bin, 10);
	CHECK_EQ(pt->hist.bins[1].count, 95);
	CHECK_EQ(pt->hist.over, 0);
	CHECK_EQ(pt->bytes_acked, 100 * 1448);
	CHECK_EQ(pt->interval_source, ACK_INTERVAL_FIXED);
	CHECK(isnan(pt->cv)); /* 9.5 ms: not one complete interval of 60 ms */
	/* one event per inter-arrival, on the guest's own clock */
	CHECK_EQ(ngot, 100);
	CHECK_EQ(got[0].point, POINT_GUEST);
	CHECK_EQ(got[0].ratio_from, -1);
	CHECK(!got[0].host_clock);
	CHECK_NEAR(got[0].interarrival_us, 100, 1e-12);
	CHECK_NEAR(got[19].interarrival_us, 2, 1e-12);
	CHECK_EQ(got[99].t_ns, now);
	/* the set is left as it was: a second summary is the same */
	struct ack_report r2;
	CHECK_EQ(ack_set_summarize(s, NULL, NULL, NULL, &r2), 0);
	CHECK_EQ(r2.nflows, 1);
	CHECK_NEAR(r2.flows[0].pt[0].compressed, 0.05, 1e-12);
	CHECK_EQ(r2.flows[0].pt[0].hist.bins[1].count, 95);
	ack_report_free(&r2);
	ack_report_free(&r);
	CHECK(r.flows == NULL && r.nflows == 0);
	ack_set_delete(s);
}

/* Burstiness: one ACK at 0, then one in the middle of each 1 ms interval
 * acknowledging 10000 and 30000 octets in turn: over the 20 complete
 * intervals the mean is 20000, sigma 10000, cv 0.5. */
static void test_burstiness(void)
{
	struct ack_cfg c;
	ack_cfg_default(&c);
	c.burst_ms = 1;
	c.link_rate_bps = 100e6; /* the serialization time of 1500 octets: 120 us */
	struct ack_set *s = ack_set_create(&c, 1u << POINT_NIC);
	struct ack_tracker *t = ack_set_tracker(s, POINT_NIC);
	uint32_t ack = 1;
	struct pkt p = ack_seg(ack);
	CHECK_EQ(ack_push(t, &p, 0), 0);
	for (int k = 0; k <= 20; k++) {
		p = ack_seg(ack += k % 2 ? 30000 : 10000);
		CHECK_EQ(ack_push(t, &p, k * 1000 * US + 500 * US), 0);
	}
	CHECK_EQ(ack_set_finish(s), 0);
	struct ack_report r;
	CHECK_EQ(ack_set_summarize(s, NULL, NULL, NULL, &r), 0);
	CHECK_EQ(r.nflows, 1);
	const struct ack_flow_rep *f = &r.flows[0];
	CHECK_NEAR(f->ref_us, 120, 1e-9);
	CHECK_NEAR(f->thr_us, 108, 1e-9); /* less the tolerance of 0.1 */
	const struct ack_point_rep *pt = &f->pt[0];
	CHECK_EQ(pt->intervals, 20);
	CHECK_NEAR(pt->interval_ms, 1, 0);
	CHECK_NEAR(pt->cv, 0.5, 1e-12);
	CHECK_EQ(pt->bytes_acked, 11 * 10000 + 10 * 30000);
	CHECK_NEAR(pt->compressed, 0, 0);
	CHECK_EQ(pt->hist.nbins, 2); /* 500 us once, 1000 us 20 times */
	CHECK_EQ(pt->hist.bins[0].bin, 50);
	CHECK_EQ(pt->hist.bins[0].count, 1);
	CHECK_EQ(pt->hist.bins[1].bin, 100);
	CHECK_EQ(pt->hist.bins[1].count, 20);
	CHECK_EQ(pt->hist.over, 0);
	ack_report_free(&r);
	ack_set_delete(s);
}

/* Time going backwards: a small step is counted, a step beyond ACK_STEP_NS
 * also restarts every series (no negative inter-arrival recorded). */
static void test_steps_back(void)
{
	struct ack_cfg c;
	ack_cfg_default(&c);
	struct ack_set *s = ack_set_create(&c, 1u << POINT_BRIDGE);
	struct ack_tracker *t = ack_set_tracker(s, POINT_BRIDGE);
	static const int64_t at[] = {0, 100, 200, 195, 300, 400, -5000, -4900};
	uint32_t ack = 1;
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		struct pkt p = ack_seg(ack += 100);
		CHECK_EQ(ack_push(t, &p, at[i] * US), 0);
	}
	CHECK_EQ(ack_set_finish(s), 0);
	struct ack_report r;
	CHECK_EQ(ack_set_summarize(s, NULL, NULL, NULL, &r), 0);
	CHECK_EQ(r.points[0].steps_back, 2);
	CHECK_EQ(r.points[0].largest_back_ns, 5400 * US);
	CHECK_EQ(r.points[0].restarts, 1);
	CHECK_EQ(r.nflows, 1);
	const struct ack_point_rep *pt = &r.flows[0].pt[0];
	CHECK_EQ(pt->restarts, 2);
	CHECK_EQ(pt->interarrivals, 5); /* 100, 100, (back), 105, 100, (back), 100 */
	CHECK(pt->ia.min >= 0);
	ack_report_free(&r);
	ack_set_delete(s);
}

int main(void)
{
	test_one_point();
	test_burstiness();
	test_steps_back();
	return tcheck_done("test_ack");
}
