/* fuzz_pipeline — the matcher, the hop accounting (vo), the RTT and the ACK
 * trackers, driven as analyze.c drives them, by a stream of records no real
 * capture has: any point in any order, time going backwards, equal stamps,
 * huge jumps, the same frame at several points, sequence numbers anywhere.
 *
 * Input (all little-endian):
 *   header   points mask (low 4 bits; none: all four), flags, window
 *            selector, RTT flow cap, first stamp (8), guest IPv4 (4), guest
 *            IPv6 (16)
 *   records  op, then the frame: a 2-octet length and that many octets of
 *            an IP packet (link type raw IP, dissected as vocalc does);
 *            op bits 0-1: the point (the k-th of those given), bits 2-4:
 *            how the stamp moves (kept, +us, +ns, -ns, +ms, anywhere, +1,
 *            -us), bits 5-7: copies of the frame at other points (one octet
 *            each: point, and a delay in 7 us units).
 * Stamps stay within the reader's range (reader.h: what a capture can give).
 *
 * Invariants, beyond the sanitizers: every journey the matcher emits is one
 * of its counted journeys, once, with points only of those given; every
 * packet pushed is at exactly one point of one journey; per hop and
 * direction the accounting's matched count is the number of journeys seen at
 * both ends, and its delay distribution has that many samples, in order
 * (min <= p50 <= p90 <= p99 <= max, mean within); no RTT sample is negative;
 * the text the RTT and ACK printers write (for one input in four, by its
 * hash) has no nan or inf; their JSON distributions are in order. */
#include "fuzz.h"

#include <ctype.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pcap/pcap.h>

#include "ack.h"
#include "ack_print.h"
#include "dissect.h"
#include "feed.h"
#include "guestaddr.h"
#include "match.h"
#include "reader.h"
#include "rtt.h"
#include "rtt_print.h"
#include "rtt_set.h"
#include "vo.h"

struct pipe {
	uint8_t mask;
	int npts;
	enum point pts[POINT_N];
	struct addrset guest;
	struct vo vo;
	struct ack_set *acks;
	uint64_t pushed, bits, emitted;
	uint64_t hop_matched[POINT_N - 1][DIR_N], e2e_matched[DIR_N];
};

static void on_journey(void *ctx, const struct journey_info *j)
{
	struct pipe *p = ctx;
	FUZZ_CHECK(j->mask != 0 && (j->mask & ~p->mask) == 0);
	FUZZ_CHECK(j->dir < DIR_N && j->pclass < PROTO_N && j->pclass != PROTO_ALL);
	for (int q = 0; q < POINT_N; q++)
		if (j->mask & (1u << q))
			FUZZ_CHECK(j->t[q] >= 0 && j->t[q] <= READER_TS_MAX_NS);
	p->emitted++;
	p->bits += (uint64_t)__builtin_popcount(j->mask);
	const struct vo *v = &p->vo;
	for (int i = 0; i + 1 < v->npts; i++) {
		uint8_t both = (uint8_t)((1u << v->pt[i]) | (1u << v->pt[i + 1]));
		p->hop_matched[i][j->dir] += (j->mask & both) == both;
	}
	uint8_t e2e = (uint8_t)((1u << v->pt[0]) | (1u << POINT_GUEST));
	if (v->has_vo)
		p->e2e_matched[j->dir] += (j->mask & e2e) == e2e;
	vo_journey(&p->vo, j);
	ack_journey(p->acks, j);
}

static void rtt_sink(void *ctx, const struct rtt_sample *s)
{
	(void)ctx;
	FUZZ_CHECK(s->rtt_ns >= 0);
	FUZZ_CHECK(s->min_ns >= 0 && s->min_ns <= s->rtt_ns);
}

static void check_dist(const struct dist *d, size_t n)
{
	FUZZ_CHECK(d->n == n);
	if (n == 0)
		return;
	double v[] = {d->min, d->p50, d->p90, d->p99, d->max, d->mean, d->sd};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		FUZZ_CHECK(isfinite(v[i]));
	FUZZ_CHECK(d->min <= d->p50 && d->p50 <= d->p90 && d->p90 <= d->p99 && d->p99 <= d->max);
	FUZZ_CHECK(d->mean >= d->min - 1e-6 * fabs(d->min) - 1e-9 &&
		   d->mean <= d->max + 1e-6 * fabs(d->max) + 1e-9);
	FUZZ_CHECK(d->sd >= 0);
}

/* A JSON dist object ({"n", "min", ...}) in order. */
static void check_json_dist(json_t *d)
{
	if (!json_is_object(d))
		return;
	double mn = json_number_value(json_object_get(d, "min"));
	double p50 = json_number_value(json_object_get(d, "p50"));
	double mx = json_number_value(json_object_get(d, "max"));
	FUZZ_CHECK(mn <= p50 && p50 <= mx);
}

/* t moved as op says (saturating in the reader's range; jumps of up to
 * 2^62 ns or 2^40 ms). */
static int64_t move(int64_t t, int op, struct fdp *d) { return fuzz_move_ts(t, op, d, 62, 40); }

struct point_taps {
	struct rtt_tracker *rt;
	struct ack_tracker *at;
	uint64_t records;
};

static void push(struct pipe *p, struct matcher *m, struct point_taps *tp, enum point pt,
		 const uint8_t *frame, size_t len, int64_t t)
{
	struct point_taps *x = &tp[pt];
	struct pkt pk;
	enum dis_result dr = dissect(DLT_RAW, frame, (uint32_t)len, (uint32_t)len, t, &pk);
	uint64_t rec = x->records++;
	if (dr != DIS_OK) {
		rtt_skip(x->rt, dr);
		return;
	}
	FUZZ_CHECK(rtt_push(x->rt, &pk, t) == 0);
	if (pk.pclass == PROTO_TCP)
		FUZZ_CHECK(ack_push(x->at, &pk, t) == 0);
	enum direction dir = feed_direction(&p->guest, &pk);
	if (dir == DIR_NONE)
		return;
	struct match_prep mp;
	match_prepare(&pk, &mp, NULL);
	FUZZ_CHECK(match_push(m, pt, &mp, dir, t, rec) == 0);
	p->pushed++;
}

static void write_reports(struct pipe *p, struct rtt_set *rs)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	FUZZ_CHECK(f != NULL);
	struct verr err = {0};
	struct rtt_report rr;
	FUZZ_CHECK(rtt_set_summarize(rs, &p->guest, NULL, &rr, &err) == 0);
	struct ack_report ar;
	FUZZ_CHECK(ack_set_summarize(p->acks, &p->guest, rs ? rtt_set_flow_p50_of : NULL, rs, &ar) == 0);
	ack_print_text(f, &ar);
	rtt_print_text(f, &rr);
	fclose(f);
	if (fuzz_has_nan(buf, n))
		fprintf(stderr, "fuzz: printed text:\n%.*s\n", (int)n, buf);
	FUZZ_CHECK(!fuzz_has_nan(buf, n));
	free(buf);
	json_t *root = json_object();
	FUZZ_CHECK(ack_print_json(root, &ar) == 0);
	ack_report_free(&ar);
	rtt_print_json(root, &rr, true);
	rtt_report_free(&rr);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(root, "ack"), i, e)
	{
		check_json_dist(json_object_get(e, "interarrival_us"));
		FUZZ_CHECK(json_number_value(
			       json_object_get(json_object_get(e, "interarrival_us"), "min")) >= 0);
	}
	json_array_foreach(json_object_get(root, "ack_compression"), i, e)
	{
		check_json_dist(json_object_get(e, "ratio"));
		FUZZ_CHECK(json_number_value(json_object_get(json_object_get(e, "ratio"), "min")) >=
			   0);
	}
	json_array_foreach(json_object_get(root, "rtt"), i, e)
	{
		json_t *d = json_object_get(e, "rtt_us");
		check_json_dist(d);
		FUZZ_CHECK(!json_is_object(d) || json_number_value(json_object_get(d, "min")) >= 0);
	}
	json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t WINDOWS_NS[8] = {1000,	 100000,    1000000,	10000000,
					      100000000, 500000000, 1000000000, 2000000000};
	static bool init;
	if (!init) {
		gsl_set_error_handler_off(); /* as vocalc's main: every GSL return is checked */
		init = true;
	}
	struct fdp d = {data, size};
	struct pipe p;
	memset(&p, 0, sizeof p);
	p.mask = fdp_u8(&d) & 0x0f;
	if (p.mask == 0)
		p.mask = 0x0f;
	for (int q = 0; q < POINT_N; q++)
		if (p.mask & (1u << q))
			p.pts[p.npts++] = (enum point)q;
	uint8_t flags = fdp_u8(&d);
	int64_t window = WINDOWS_NS[fdp_u8(&d) & 7];
	uint32_t max_flows = 1 + fdp_u8(&d);
	int64_t t = (int64_t)(fdp_le(&d, 8) % ((uint64_t)READER_TS_MAX_NS + 1));
	uint8_t g4[16] = {0}, g6[16];
	for (int i = 0; i < 4; i++)
		g4[i] = fdp_u8(&d);
	for (int i = 0; i < 16; i++)
		g6[i] = fdp_u8(&d);
	addrset_add(&p.guest, 4, g4);
	addrset_add(&p.guest, 6, g6);

	vo_init(&p.vo, p.mask);
	struct ack_cfg ac;
	ack_cfg_default(&ac);
	ac.all_acks = flags & 1;
	ac.burst_rtt = flags & 2;
	ac.log_bins = flags & 4;
	if (flags & 8)
		ac.link_rate_bps = 1e8;
	ac.window_ns = window;
	ac.host_time = true;
	p.acks = ack_set_create(&ac, p.mask);
	struct rtt_run_opts ro;
	memset(&ro, 0, sizeof ro);
	rtt_cfg_default(&ro.cfg);
	ro.cfg.data_only = flags & 16;
	ro.cfg.max_flows = max_flows;
	if (flags & 32) { /* short ages: the sweeps run */
		ro.cfg.tsval_max_age_ns = 1000000;
		ro.cfg.flow_max_idle_ns = 5000000;
	}
	for (int q = 0; q < POINT_N; q++) {
		ro.file[q] = (p.mask & (1u << q)) ? point_name((enum point)q) : NULL;
		ro.drops[q] = -1;
	}
	ro.guest_ips = p.guest;
	struct rtt_set *rs = rtt_set_create(&ro);
	struct matcher *m = match_create(p.mask, window, on_journey, &p);
	FUZZ_CHECK(p.acks && rs && m);
	struct point_taps tp[POINT_N];
	memset(tp, 0, sizeof tp);
	for (int q = 0; q < POINT_N; q++) {
		if (!(p.mask & (1u << q)))
			continue;
		tp[q].rt = rtt_create(&ro.cfg, rtt_sink, NULL);
		tp[q].at = ack_set_tracker(p.acks, (enum point)q);
		FUZZ_CHECK(tp[q].rt && tp[q].at);
	}

	while (d.n > 0) {
		uint8_t op = fdp_u8(&d);
		enum point pt = p.pts[(op & 3) % p.npts];
		t = move(t, (op >> 2) & 7, &d);
		size_t want = (size_t)fdp_le(&d, 2), len;
		const uint8_t *frame = fdp_take(&d, want, &len);
		push(&p, m, tp, pt, frame, len, t);
		for (int k = 0; k < (op >> 5); k++) {
			uint8_t c = fdp_u8(&d);
			push(&p, m, tp, p.pts[(c & 3) % p.npts], frame, len,
			     fuzz_clamp_ts(t + (int64_t)(c >> 2) * 7000));
		}
	}

	match_finish(m);
	const struct match_counts *mc = match_counts(m);
	FUZZ_CHECK(mc->journeys == p.emitted);
	FUZZ_CHECK(p.bits == p.pushed);
	match_delete(m);
	FUZZ_CHECK(ack_set_finish(p.acks) == 0);
	for (int q = 0; q < POINT_N; q++)
		if (tp[q].rt)
			rtt_set_finish(rs, (enum point)q, tp[q].rt, tp[q].records);
	FUZZ_CHECK(p.vo.failed == 0);
	FUZZ_CHECK(vo_summarize(&p.vo, 1) == 0);
	for (int i = 0; i + 1 < p.vo.npts; i++)
		for (int dir = 0; dir < DIR_N; dir++) {
			const struct hop_summary *s = &p.vo.sum_hop[i][dir][PROTO_ALL];
			FUZZ_CHECK(s->c.matched == p.hop_matched[i][dir]);
			check_dist(&s->d, (size_t)s->c.matched);
			uint64_t sum = 0;
			for (int pr = PROTO_TCP; pr < PROTO_N; pr++) {
				const struct hop_summary *x = &p.vo.sum_hop[i][dir][pr];
				check_dist(&x->d, (size_t)x->c.matched);
				sum += x->c.matched;
			}
			FUZZ_CHECK(sum == s->c.matched);
		}
	for (int dir = 0; p.vo.has_vo && dir < DIR_N; dir++) {
		const struct hop_summary *s = &p.vo.sum_e2e[dir][PROTO_ALL];
		FUZZ_CHECK(s->c.matched == p.e2e_matched[dir]);
		check_dist(&s->d, (size_t)s->c.matched);
	}
	/* the printers on one input in four: their own branches are few, and
	 * each of these inputs has already driven the engines they print */
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	if ((h & 3) == 0)
		write_reports(&p, rs);
	rtt_set_delete(rs);
	ack_set_delete(p.acks);
	vo_free(&p.vo);
	return 0;
}
