/* fuzz_clock — the guest clock estimator (clock_est_add, _add_echo,
 * _add_tcp, then clock_est_solve by each method), the lower-envelope fit
 * (clock_fit_hull) and the model's inversion (clock_guest_to_host) on pair
 * sets a fuzzer chooses: none, one, one direction only, all at one time,
 * huge offsets and spans, steps, duplicates, clusters.
 *
 * Input (little-endian): t0 (8), coarse offset (8, signed), the method
 * (1); then operations, one octet each and its operands:
 *   bits 0-1  0 pair, 1 echo, 2 TCP segment, 3 a pair in each direction
 *   bit 2     the direction (to the guest, from it)
 *   bits 3-5  how the host stamp moves (as fuzz_pipeline's stamps)
 *   bits 6-7  how far the guest record moves (0 .. 3)
 * then the one-way reading y (zigzag LEB128, ns): the guest stamp is the
 * host stamp + y to the guest, - y from it.  Echo: type, id, seq (1 each);
 * TCP: flow (1), seq (4), ack (4), payload (2), has-ack (1).
 * Every stamp stays within the reader's range (reader.h): what analyze.c
 * hands the estimator.
 *
 * Invariants: solving never fails (no allocation sized by input runs out);
 * a model that is returned has 1 to CLOCK_MAX_SEGMENTS segments in record
 * order with finite offsets, skews and bound, the bound not negative where
 * every segment's minimum round trip is positive; the inverse of the model
 * lands within the reader's range; the envelope lies on or below every
 * point it was fitted to; the CSV (of inputs whose size is a multiple of 4)
 * has no nan or inf. */
#include "fuzz.h"

#include <ctype.h>
#include <gsl/gsl_errno.h>
#include <math.h>

#include "clock.h"
#include "clock_est.h"
#include "clock_fit.h"
#include "csv_print.h"
#include "reader.h"

/* How the host stamp moves.  Steps of up to 18 minutes (ns) or 4.6 hours
 * (ms) keep most pair sets within a capture's span; "anywhere" reaches the
 * ends of the range (a span of a century: the step search's window cap). */
static int64_t move(int64_t t, int op, struct fdp *d) { return fuzz_move_ts(t, op, d, 40, 24); }

/* A signed reading: zigzag LEB128, within +-2^62. */
static int64_t reading(struct fdp *d)
{
	uint64_t z = fdp_varint(d) & ((1ULL << 63) - 1);
	return (z & 1) ? -(int64_t)(z >> 1) : (int64_t)(z >> 1);
}

struct pt {
	double t, y;
};

static int cmp_pt(const void *a, const void *b)
{
	const struct pt *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* clock_fit_hull on the points, sorted: the line is finite and on or below each. */
static void check_hull(struct pt *v, size_t n)
{
	if (n == 0)
		return;
	qsort(v, n, sizeof *v, cmp_pt);
	double *t = malloc(n * sizeof *t), *y = malloc(n * sizeof *y);
	FUZZ_CHECK(t && y);
	for (size_t i = 0; i < n; i++) {
		t[i] = v[i].t;
		y[i] = v[i].y;
	}
	struct fit_line l;
	int k = clock_fit_hull(t, y, n, &l);
	FUZZ_CHECK(k >= 1 && (size_t)k <= n);
	FUZZ_CHECK(isfinite(l.a) && isfinite(l.b));
	/* The line's rounding: a is the envelope extrapolated to t = 0, so its
	 * error is that of b * t at the points' own times (points far from the
	 * epoch lose digits in a, not in the fit), plus that of the y. */
	double tmax = 0, ymax = 0;
	for (size_t i = 0; i < n; i++) {
		tmax = fmax(tmax, fabs(t[i]));
		ymax = fmax(ymax, fabs(y[i]));
	}
	double tol = 1e-14 * (fabs(l.b) * tmax + ymax + fabs(l.a)) + 1e-3;
	for (size_t i = 0; i < n; i++) {
		double at = fit_at(&l, t[i]);
		if (!(at <= y[i] + tol))
			fprintf(stderr,
				"fuzz: %zu points, %d on the hull, line %.17g + %.17g t, "
				"point %zu (%.17g, %.17g) is %.17g below it\n",
				n, k, l.a, l.b, i, t[i], y[i], at - y[i]);
		FUZZ_CHECK(at <= y[i] + tol);
	}
	free(t);
	free(y);
}

/* with_csv: also the per-pair CSV (one input in four: printing is most of
 * its cost, and few of its branches) */
static void check_report(const struct clock_report *r, const struct clock_est *e, bool with_csv)
{
	const struct clock_model *m = &r->model;
	FUZZ_CHECK(m->nseg >= 1 && m->nseg <= CLOCK_MAX_SEGMENTS);
	FUZZ_CHECK(r->nseg >= 0 && r->nseg <= CLOCK_MAX_SEGMENTS);
	if (m->method == CLOCK_NONE)
		return;
	FUZZ_CHECK(isfinite(m->error_bound_ns));
	bool rtt_positive = r->nseg > 0;
	for (int k = 0; k < r->nseg; k++)
		rtt_positive = rtt_positive && r->seg[k].min_rtt_ns > 0;
	if (rtt_positive && (m->method == CLOCK_HULL || m->method == CLOCK_REGRESSION))
		FUZZ_CHECK(m->error_bound_ns >= 0);
	for (int k = 0; k < m->nseg; k++) {
		const struct clock_segment *s = &m->seg[k];
		FUZZ_CHECK(isfinite(s->offset_ns) && isfinite(s->skew));
		if (k > 0)
			FUZZ_CHECK(s->first_record >= m->seg[k - 1].first_record);
		int64_t probes[] = {0, READER_TS_MAX_NS, s->t0_ns, fuzz_clamp_ts(s->t0_ns + 1000000000)};
		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
			int64_t h = clock_guest_to_host(m, probes[i], s->first_record);
			FUZZ_CHECK(h >= 0 && h <= READER_TS_MAX_NS);
			FUZZ_CHECK(isfinite(clock_segment_offset(s, h)));
		}
	}
	if (!with_csv)
		return;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(csv_print_clock_pairs(f, e, &r->model) == 0);
	fclose(f);
	FUZZ_CHECK(!fuzz_has_nan(buf, n));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		gsl_set_error_handler_off(); /* as vocalc's main: every GSL return is checked */
		init = true;
	}
	struct fdp d = {data, size};
	int64_t t0 = (int64_t)(fdp_le(&d, 8) % ((uint64_t)READER_TS_MAX_NS + 1));
	int64_t coarse = (int64_t)fdp_le(&d, 8); /* a difference of two stamps */
	coarse = coarse < -READER_TS_MAX_NS  ? -READER_TS_MAX_NS
		 : coarse > READER_TS_MAX_NS ? READER_TS_MAX_NS
					     : coarse;
	enum clock_choice choice = (enum clock_choice)(fdp_u8(&d) & 3);
	struct clock_est *e = clock_est_create(t0, coarse);
	FUZZ_CHECK(e != NULL);
	size_t cap = d.n + 2, npt[DIR_N] = {0, 0};
	struct pt *pts[DIR_N] = {malloc(cap * sizeof(struct pt)), malloc(cap * sizeof(struct pt))};
	FUZZ_CHECK(pts[0] && pts[1]);
	int64_t th = t0;
	uint64_t rec = 0;
	struct match_flow_key flows[2];
	memset(flows, 0, sizeof flows);
	flows[0].family = flows[1].family = 4;
	flows[0].ipproto = flows[1].ipproto = 6;
	flows[0].src[0] = flows[1].dst[0] = 10;
	flows[0].dst[0] = flows[1].src[0] = 11;
	flows[0].sport = flows[1].dport = 40000;
	flows[0].dport = flows[1].sport = 5201;
	while (d.n > 0) {
		uint8_t op = fdp_u8(&d);
		enum direction dir = (op & 4) ? DIR_FROM_GUEST : DIR_TO_GUEST;
		th = move(th, (op >> 3) & 7, &d);
		rec += op >> 6;
		int64_t y = reading(&d);
		int64_t tg = fuzz_clamp_ts(dir == DIR_TO_GUEST ? th + y : th - y);
		switch (op & 3) {
		case 0:
		case 3:
			FUZZ_CHECK(clock_est_add(e, dir, th, tg, rec) == 0);
			if ((op & 3) == 3) { /* and one the other way, as near as y says */
				enum direction o =
				    dir == DIR_TO_GUEST ? DIR_FROM_GUEST : DIR_TO_GUEST;
				FUZZ_CHECK(clock_est_add(e, o, th, tg, rec) == 0);
			}
			break;
		case 1: {
			uint8_t type = fdp_u8(&d), id = fdp_u8(&d), seq = fdp_u8(&d);
			static const uint8_t types[4] = {8, 0, 128, 129};
			FUZZ_CHECK(clock_est_add_echo(e, dir,
						      (type & 0x80) ? type : types[type & 3], id,
						      seq, th, tg) == 0);
			break;
		}
		default: {
			const struct match_flow_key *k = &flows[fdp_u8(&d) & 1];
			uint32_t seq = (uint32_t)fdp_le(&d, 4), ack = (uint32_t)fdp_le(&d, 4);
			uint32_t payload = (uint32_t)fdp_le(&d, 2);
			bool has_ack = fdp_u8(&d) & 1;
			FUZZ_CHECK(
			    clock_est_add_tcp(e, dir, k, seq, ack, payload, has_ack, th, tg) == 0);
			break;
		}
		}
		/* the pair as clock_est keeps it: t in s from t0, y guest - host or
		 * host - guest (the stamps as clamped) */
		struct pt *v = &pts[dir][npt[dir]++];
		v->t = (double)(th - t0) / 1e9;
		v->y = (double)(dir == DIR_TO_GUEST ? tg - th : th - tg);
	}
	struct clock_report r;
	FUZZ_CHECK(clock_est_solve(e, choice, &r) == 0);
	check_report(&r, e, (size & 3) == 0);
	check_hull(pts[DIR_TO_GUEST], npt[DIR_TO_GUEST]);
	check_hull(pts[DIR_FROM_GUEST], npt[DIR_FROM_GUEST]);
	clock_est_delete(e);
	free(pts[0]);
	free(pts[1]);
	return 0;
}
