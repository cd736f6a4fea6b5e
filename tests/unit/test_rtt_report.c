/* Unit tests: the RTT analysis's record (rtt_set.h, rtt_report.h) on
 * hand-made round trips of known length at guest and vnet: each flow's
 * figures, the decomposition's medians and VO share, the guest's rate, the
 * cases without a decomposition, the sample events, and the text printer
 * reading the record. */
#include <stdlib.h>
#include <string.h>

#include "rtt_print.h"
#include "rtt_set.h"
#include "tcheck.h"
#include "tpkt.h"

static const int64_t MS = 1000000;

/* A TCP segment with timestamps between the guest (10.0.0.2:5201) and its
 * peer (192.0.2.10:40000), from the guest when from_guest. */
static struct pkt seg(bool from_guest, uint32_t tsval, uint32_t tsecr)
{
	static const uint8_t g[4] = {10, 0, 0, 2}, h[4] = {192, 0, 2, 10};
	struct pkt p = from_guest ? tpkt_tcp_ts(g, 5201, h, 40000, tsval, tsecr)
				  : tpkt_tcp_ts(h, 40000, g, 5201, tsval, tsecr);
	p.payload = from_guest ? 1000 : 0;
	p.tcp_flags = 0x18;
	return p;
}

/* n round trips of rtt_ns at point p: the guest sends every 10 ms, the
 * peer echoes rtt_ns later.  The guest's flow gets n samples of rtt_ns. */
static void feed(struct rtt_set *s, enum point p, int n, int64_t rtt_ns)
{
	struct rtt_tracker *t = rtt_set_tracker(s, p);
	CHECK(t != NULL);
	uint64_t records = 0;
	struct pkt k = seg(true, 100, 1);
	CHECK_EQ(rtt_push(t, &k, 0), 0);
	k = seg(false, 200, 100);
	CHECK_EQ(rtt_push(t, &k, rtt_ns), 0);
	records += 2;
	for (int i = 1; i <= n; i++) {
		int64_t at = i * 10 * MS;
		k = seg(true, 100 + (uint32_t)i, 200 + (uint32_t)i - 1);
		CHECK_EQ(rtt_push(t, &k, at), 0);
		k = seg(false, 200 + (uint32_t)i, 100 + (uint32_t)i);
		CHECK_EQ(rtt_push(t, &k, at + rtt_ns), 0);
		records += 2;
	}
	rtt_set_finish(s, p, t, records);
}

struct events {
	int n[POINT_N];
	int tsval;
};

static void count_events(void *ctx, const struct rtt_sample_event *e)
{
	struct events *ev = ctx;
	ev->n[e->point]++;
	ev->tsval += e->s->kind == RTT_TSVAL;
}

static struct rtt_set *two_points(struct events *ev, double guest_rate)
{
	struct rtt_run_opts o;
	memset(&o, 0, sizeof o);
	o.file[POINT_GUEST] = "guest.pcap";
	o.file[POINT_VNET] = "vnet.pcap";
	o.drops[POINT_GUEST] = o.drops[POINT_VNET] = -1;
	rtt_cfg_default(&o.cfg);
	o.sink = count_events;
	o.sink_ctx = ev;
	struct rtt_set *s = rtt_set_create(&o);
	CHECK(s != NULL);
	feed(s, POINT_GUEST, 5, 2 * MS);
	feed(s, POINT_VNET, 5, 1500000);
	rtt_set_rate(s, POINT_GUEST, guest_rate);
	return s;
}

/* The guest's flow (its TSvals echoed) in point p's table, or NULL. */
static const struct rtt_flow_report *guest_flow(const struct rtt_report *r, enum point p)
{
	for (size_t i = 0; i < r->point[p].nflows; i++)
		if (r->point[p].flows[i].key.src[0] == 10)
			return &r->point[p].flows[i];
	return NULL;
}

static void test_decomposition(void)
{
	struct events ev = {{0}, 0};
	struct rtt_set *s = two_points(&ev, 1);
	/* every sample of both flows, at the point it was taken */
	CHECK_EQ(ev.n[POINT_GUEST], 10);
	CHECK_EQ(ev.n[POINT_VNET], 10);
	CHECK_EQ(ev.n[POINT_NIC] + ev.n[POINT_BRIDGE], 0);
	CHECK_EQ(ev.tsval, 20);
	struct addrset g = {.n = 0};
	CHECK_EQ(addrset_add_str(&g, "10.0.0.2"), 0);
	struct rtt_report r;
	struct verr err = {0};
	CHECK_EQ(rtt_set_summarize(s, &g, NULL, &r, &err), 0);
	CHECK(r.point[POINT_GUEST].given && r.point[POINT_VNET].given);
	CHECK(!r.point[POINT_NIC].given && !r.point[POINT_BRIDGE].given);
	CHECK(r.point[POINT_GUEST].step_hint); /* no guest clock given */
	CHECK(!r.point[POINT_VNET].step_hint);
	CHECK_EQ(r.point[POINT_VNET].packets, 12);
	CHECK_EQ(r.point[POINT_VNET].nflows, 2);
	const struct rtt_flow_report *fg = guest_flow(&r, POINT_GUEST), *fv = guest_flow(&r, POINT_VNET);
	CHECK(fg != NULL && fv != NULL);
	if (fg && fv) {
		CHECK_EQ(fg->samples, 5);
		CHECK_NEAR(fg->rtt_us.p50, 2000, 1e-9);
		CHECK_NEAR(fv->rtt_us.min, 1500, 1e-9);
		CHECK(!fg->sketched && fg->rtt_us.sketch_rel == 0);
	}
	CHECK_EQ(r.decomp, RTT_DECOMP_DONE);
	CHECK_EQ(r.outer, POINT_VNET);
	CHECK_EQ(r.nrows, 1); /* the peer's flow is not the guest's */
	if (r.nrows == 1) {
		const struct rtt_decomp_row *w = &r.rows[0];
		CHECK(w->key.src[0] == 10);
		CHECK(w->ok_guest && w->ok_outer && w->ok_share);
		CHECK_NEAR(w->guest_p50_us, 2000, 1e-9);
		CHECK_NEAR(w->outer_p50_us, 1500, 1e-9);
		CHECK_NEAR(w->vo_share, 0.25, 1e-12);
		CHECK_EQ(w->samples_guest, 5);
		CHECK_NEAR(r.all.vo_share, 0.25, 1e-12);
		CHECK_EQ(r.all.samples_outer, 5);
	}
	/* the text printer reads the record: the share in per cent */
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	rtt_print_text(f, &r);
	fclose(f);
	CHECK(buf && strstr(buf, "VO share of RTT (flows the guest sends; medians; vnet vs guest)"));
	CHECK(buf && strstr(buf, "25.0%"));
	free(buf);
	rtt_report_free(&r);
	/* the guest's addresses unknown: no decomposition, and why */
	CHECK_EQ(rtt_set_summarize(s, NULL, "nothing tells", &r, &err), 0);
	CHECK_EQ(r.decomp, RTT_DECOMP_UNDECIDED);
	CHECK(strcmp(r.no_decomp_why, "nothing tells") == 0);
	CHECK_EQ(r.nrows, 0);
	CHECK_EQ(r.point[POINT_GUEST].nflows, 2);
	rtt_report_free(&r);
	rtt_set_delete(s);
}

static void test_guest_rate(void)
{
	/* the guest's clock at 1 / 0.5 of host time: its 2 ms are 1 ms */
	struct events ev = {{0}, 0};
	struct rtt_set *s = two_points(&ev, 0.5);
	struct addrset g = {.n = 0};
	CHECK_EQ(addrset_add_str(&g, "10.0.0.2"), 0);
	struct rtt_report r;
	struct verr err = {0};
	CHECK_EQ(rtt_set_summarize(s, &g, NULL, &r, &err), 0);
	CHECK_EQ(r.nrows, 1);
	if (r.nrows == 1) {
		CHECK_NEAR(r.rows[0].guest_p50_us, 1000, 1e-9);
		CHECK_NEAR(r.rows[0].vo_share, -0.5, 1e-12);
	}
	rtt_report_free(&r);
	rtt_set_delete(s);
}

static void test_no_decomposition(void)
{
	/* the guest alone: tables, no decomposition attempted */
	struct rtt_run_opts o;
	memset(&o, 0, sizeof o);
	o.file[POINT_GUEST] = "guest.pcap";
	o.drops[POINT_GUEST] = 3;
	rtt_cfg_default(&o.cfg);
	struct rtt_set *s = rtt_set_create(&o);
	CHECK(s != NULL);
	feed(s, POINT_GUEST, 3, 2 * MS);
	struct rtt_report r;
	struct verr err = {0};
	CHECK_EQ(rtt_set_summarize(s, NULL, NULL, &r, &err), 0);
	CHECK_EQ(r.decomp, RTT_DECOMP_NONE);
	CHECK_EQ(r.point[POINT_GUEST].drops, 3);
	const struct rtt_flow_report *fg = guest_flow(&r, POINT_GUEST);
	CHECK(fg != NULL && fg->samples == 3);
	rtt_report_free(&r);
	rtt_set_delete(s);
}

int main(void)
{
	test_decomposition();
	test_guest_rate();
	test_no_decomposition();
	return tcheck_done("test_rtt_report");
}
