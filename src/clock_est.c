/* clock_est — see clock_est.h. */
#include "clock_est.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

/* One matched packet.  y: for to_guest guest - host, for from_guest
 * host - guest (ns, guest stamps shifted by -coarse): delay +- residual offset. */
struct pair {
	int64_t t;        /* host stamp */
	int64_t y;
	uint64_t rec;     /* guest record */
	uint8_t dir;
};

/* An echo request or reply seen at both points. */
struct echo {
	int64_t t_host, t_guest;
	uint16_t id, seq;
	uint8_t dir;
};

/* One exchange, ready for the probe method. */
struct probe {
	double t;      /* s from t0: the exchange's middle, host time */
	double offset; /* ns, relative to the coarse offset */
	double rtt;    /* ns, without the responder's own time */
};

/* TCP data waiting for the ACK that answers it, per flow (data direction). */
enum { TCP_PENDING = 16, TCP_FLOWS_MAX = 65536 };
struct tcp_flow {
	struct hnode hn;
	struct match_flow_key key;
	uint8_t next;
	struct {
		uint32_t end;      /* seq + payload */
		int64_t th, tg;    /* stamps at the host point and the guest */
		uint8_t used;
	} seg[TCP_PENDING];
};

/* Memory is bounded, not by the trace: beyond PAIR_CAP pairs only the
 * lowest pair of each direction per time bucket is kept (what the envelopes,
 * the windows' minima and the steps' placement look at), the buckets
 * doubling until the pairs fit in half the cap; echoes are paired into
 * exchanges once ECHO_CAP wait; beyond PROBE_CAP exchanges only the one with
 * the smallest round trip per time bucket is kept.  Below the caps every
 * pair counts. */
enum { PAIR_CAP = 1 << 18, ECHO_CAP = 1 << 16, PROBE_CAP = 1 << 17 };

struct clock_est {
	int64_t t0, coarse;
	struct pair *p;
	size_t n, cap;
	size_t nsorted;		/* p[0, nsorted) are in cmp_pair_t order */
	bool interim;		/* solving for the one pass: the comparison fits not needed */
	size_t pair_cap;	/* PAIR_CAP, or VOCALC_CLOCK_PAIR_CAP (tests) */
	int64_t pair_bucket_ns; /* 0 until the first compaction */
	size_t pairs_seen[DIR_N];
	struct echo *ec;
	size_t nec, capec;
	struct probe *pr; /* TCP exchanges as they close; echo ones added at solve */
	size_t npr, cappr;
	double probe_bucket_s;
	size_t probes_seen;
	struct hashtab tcp;
};

struct clock_est *clock_est_create(int64_t t0_ns, int64_t coarse_ns)
{
	struct clock_est *e = calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	e->t0 = t0_ns;
	e->coarse = coarse_ns;
	e->pair_cap = PAIR_CAP;
	const char *cap = getenv("VOCALC_CLOCK_PAIR_CAP"); /* tests: compaction on small traces */
	if (cap && atol(cap) >= 64)
		e->pair_cap = (size_t)atol(cap);
	if (hashtab_init(&e->tcp, 1 << 8) != 0) {
		free(e);
		return NULL;
	}
	return e;
}

void clock_est_delete(struct clock_est *e)
{
	if (e == NULL)
		return;
	free(e->p);
	free(e->ec);
	free(e->pr);
	hashtab_free_nodes(&e->tcp);
	free(e);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 4096;
	void *x = realloc(*v, c * size);
	if (x == NULL)
		return -1;
	*v = x;
	*cap = c;
	return 0;
}

static int cmp_pair_t(const void *a, const void *b);

/* The pairs in time order: those added since the last sort sorted and
 * merged in (the one pass solves many times; the pairs come nearly in
 * order). */
static void sort_pairs(struct clock_est *e)
{
	size_t ns = e->nsorted, nt = e->n - ns;
	if (nt == 0)
		return;
	qsort(e->p + ns, nt, sizeof *e->p, cmp_pair_t);
	struct pair *tail;
	if (ns > 0 && cmp_pair_t(&e->p[ns - 1], &e->p[ns]) > 0) {
		if ((tail = malloc(nt * sizeof *tail)) == NULL) {
			qsort(e->p, e->n, sizeof *e->p, cmp_pair_t);
		} else {
			/* merged from the back: the prefix moves up into the room */
			memcpy(tail, e->p + ns, nt * sizeof *tail);
			size_t i = ns, j = nt, k = e->n;
			while (j > 0) {
				if (i > 0 && cmp_pair_t(&e->p[i - 1], &tail[j - 1]) > 0)
					e->p[--k] = e->p[--i];
				else
					e->p[--k] = tail[--j];
			}
			free(tail);
		}
	}
	e->nsorted = e->n;
}

/* The lowest pair of each direction per bucket of host time; the bucket
 * doubles until at most half the cap remain. */
/* The lowest pair of each direction per bucket of width_ns host time from
 * origin, of in[0, n) in time order, into out (which may be in, the pairs
 * kept then moving down): returns how many there are. */
static size_t lowest_per_bucket(const struct pair *in, size_t n, int64_t origin, int64_t width_ns,
				struct pair *out)
{
	size_t m = 0;
	int64_t last_b[DIR_N] = {INT64_MIN, INT64_MIN};
	size_t at[DIR_N] = {0, 0};
	for (size_t i = 0; i < n; i++) {
		struct pair p = in[i];
		int64_t b = (p.t - origin) / width_ns;
		if (b == last_b[p.dir]) {
			if (p.y < out[at[p.dir]].y)
				out[at[p.dir]] = p;
			continue;
		}
		last_b[p.dir] = b;
		at[p.dir] = m;
		out[m++] = p;
	}
	return m;
}

static void compact_pairs(struct clock_est *e)
{
	sort_pairs(e);
	if (e->pair_bucket_ns == 0)
		e->pair_bucket_ns = 1000000; /* 1 ms */
	for (;;) {
		e->n = e->nsorted = lowest_per_bucket(e->p, e->n, e->t0, e->pair_bucket_ns, e->p);
		if (e->n <= e->pair_cap / 2)
			return;
		e->pair_bucket_ns *= 2;
	}
}

int clock_est_add(struct clock_est *e, enum direction dir, int64_t t_host, int64_t t_guest,
		  uint64_t guest_record)
{
	if (e->n >= e->pair_cap)
		compact_pairs(e);
	e->pairs_seen[dir]++;
	if (grow((void **)&e->p, &e->cap, e->n, sizeof *e->p) != 0)
		return -1;
	int64_t y = dir == DIR_TO_GUEST ? t_guest - t_host : t_host - t_guest;
	e->p[e->n++] = (struct pair){t_host, y, guest_record, (uint8_t)dir};
	return 0;
}

static int pair_echoes(struct clock_est *e, int64_t now);

int clock_est_add_echo(struct clock_est *e, enum direction dir, uint8_t type, uint16_t id,
		       uint16_t seq, int64_t t_host, int64_t t_guest)
{
	/* requests to the guest, replies from it: the guest answers pings */
	bool request = type == 8 || type == 128, reply = type == 0 || type == 129;
	if (!(request && dir == DIR_TO_GUEST) && !(reply && dir == DIR_FROM_GUEST))
		return 0;
	if (e->nec >= ECHO_CAP && pair_echoes(e, t_host) != 0)
		return -1;
	if (grow((void **)&e->ec, &e->capec, e->nec, sizeof *e->ec) != 0)
		return -1;
	e->ec[e->nec++] = (struct echo){t_host, t_guest, id, seq, (uint8_t)dir};
	return 0;
}

static double secs(const struct clock_est *e, int64_t t) { return (double)(t - e->t0) / 1e9; }

static int cmp_probe_t(const void *a, const void *b)
{
	double x = ((const struct probe *)a)->t, y = ((const struct probe *)b)->t;
	return x < y ? -1 : x > y;
}

/* The exchange with the smallest round trip per bucket of time (what the
 * min-filter keeps), the bucket doubling until half the cap remain. */
static void compact_probes(struct clock_est *e)
{
	qsort(e->pr, e->npr, sizeof *e->pr, cmp_probe_t);
	if (e->probe_bucket_s == 0)
		e->probe_bucket_s = 0.01;
	for (;;) {
		size_t m = 0;
		double last = -1e300;
		for (size_t i = 0; i < e->npr; i++) {
			double b = floor(e->pr[i].t / e->probe_bucket_s);
			if (m > 0 && b == last) {
				if (e->pr[i].rtt < e->pr[m - 1].rtt)
					e->pr[m - 1] = e->pr[i];
				continue;
			}
			last = b;
			e->pr[m++] = e->pr[i];
		}
		e->npr = m;
		if (e->npr <= PROBE_CAP / 2)
			return;
		e->probe_bucket_s *= 2;
	}
}

/* An exchange: request sent at a (stamps th, tg), answered at b.  Offsets
 * and round trips per NTP, whichever side asked. */
static int add_exchange(struct clock_est *e, enum direction req_dir, int64_t a_th, int64_t a_tg,
			int64_t b_th, int64_t b_tg)
{
	double t1, t2, t3, t4, off;
	if (req_dir == DIR_TO_GUEST) { /* host asks, guest answers */
		t1 = (double)a_th, t2 = (double)a_tg, t3 = (double)b_tg, t4 = (double)b_th;
		off = ((t2 - t1) + (t3 - t4)) / 2;
	} else { /* guest asks, host answers: guest - host = -(host - guest) */
		t1 = (double)a_tg, t2 = (double)a_th, t3 = (double)b_th, t4 = (double)b_tg;
		off = -((t2 - t1) + (t3 - t4)) / 2;
	}
	double rtt = (t4 - t1) - (t3 - t2);
	if (rtt < 0)
		return 0;
	if (e->npr >= PROBE_CAP)
		compact_probes(e);
	e->probes_seen++;
	if (grow((void **)&e->pr, &e->cappr, e->npr, sizeof *e->pr) != 0)
		return -1;
	/* the middle, (a + b) / 2 without the sum, which can overflow (stamps are
	 * not negative: reader.h) */
	int64_t mid = (a_th >> 1) + (b_th >> 1) + (a_th & b_th & 1);
	e->pr[e->npr++] = (struct probe){secs(e, mid), off, rtt};
	return 0;
}

static struct tcp_flow *tcp_flow(struct clock_est *e, const struct match_flow_key *k, bool create)
{
	uint64_t h = hash_bytes(k, sizeof *k);
	struct hnode *n = hashtab_find(&e->tcp, h, k, offsetof(struct tcp_flow, key), sizeof *k);
	if (n)
		return (struct tcp_flow *)n;
	if (!create || e->tcp.count >= TCP_FLOWS_MAX)
		return NULL;
	struct tcp_flow *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->key = *k;
	if (hashtab_insert(&e->tcp, &f->hn, h) != 0) {
		free(f);
		return NULL;
	}
	return f;
}

int clock_est_add_tcp(struct clock_est *e, enum direction dir, const struct match_flow_key *flow,
		      uint32_t seq, uint32_t ack, uint32_t payload, bool has_ack, int64_t t_host,
		      int64_t t_guest)
{
	if (has_ack) {
		/* the data flowing the other way, which this ACK answers */
		struct match_flow_key rk;
		match_flow_key_reverse(flow, &rk);
		struct tcp_flow *f = tcp_flow(e, &rk, false);
		int best = -1;
		for (int i = 0; f && i < TCP_PENDING; i++) {
			if (!f->seg[i].used || (int32_t)(ack - f->seg[i].end) < 0)
				continue;
			/* covered: the latest covered segment is the one that
			 * triggered the ACK; the others are closed unanswered */
			if (best < 0 || f->seg[i].th > f->seg[best].th)
				best = i;
			f->seg[i].used = 0;
		}
		if (best >= 0 &&
		    add_exchange(e, dir == DIR_TO_GUEST ? DIR_FROM_GUEST : DIR_TO_GUEST, f->seg[best].th,
				 f->seg[best].tg, t_host, t_guest) != 0)
			return -1;
	}
	if (payload > 0) {
		struct tcp_flow *f = tcp_flow(e, flow, true);
		if (f == NULL)
			return e->tcp.count >= TCP_FLOWS_MAX ? 0 : -1;
		f->seg[f->next].end = seq + payload;
		f->seg[f->next].th = t_host;
		f->seg[f->next].tg = t_guest;
		f->seg[f->next].used = 1;
		f->next = (uint8_t)((f->next + 1) % TCP_PENDING);
	}
	return 0;
}

/* Time order, and a total one (ties by direction, record, value): the
 * fits see the same order however the pairs were sorted. */
static int cmp_pair_t(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->rec != y->rec)
		return x->rec < y->rec ? -1 : 1;
	return x->y < y->y ? -1 : x->y > y->y;
}


/* ---- one segment's fits ------------------------------------------------ */

struct xy {
	double *t, *y;
	size_t n;
};

/* The pairs of one direction with records in [rec_lo, rec_hi) and outside
 * the excluded record range [ex_lo, ex_hi). */
static int gather(const struct clock_est *e, uint8_t dir, uint64_t rec_lo, uint64_t rec_hi,
		  uint64_t ex_lo, uint64_t ex_hi, struct xy *out)
{
	out->n = 0;
	out->t = malloc((e->n + 1) * sizeof *out->t);
	out->y = malloc((e->n + 1) * sizeof *out->y);
	if (!out->t || !out->y)
		return -1;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->dir != dir || p->rec < rec_lo || p->rec >= rec_hi)
			continue;
		if (p->rec >= ex_lo && p->rec < ex_hi)
			continue;
		out->t[out->n] = secs(e, p->t);
		out->y[out->n] = (double)p->y;
		out->n++;
	}
	return 0;
}

static void xy_free(struct xy *v)
{
	free(v->t);
	free(v->y);
}

/* Every k-th point, so at most `most` remain: the regressions are shown for
 * comparison only, and GSL's robust fit costs an SVD and a sort per
 * iteration. */
static size_t thin(struct xy *v, size_t most)
{
	if (v->n <= most)
		return v->n;
	size_t k = (v->n + most - 1) / most, m = 0;
	for (size_t i = 0; i < v->n; i += k, m++) {
		v->t[m] = v->t[i];
		v->y[m] = v->y[i];
	}
	return v->n = m;
}

enum { REGRESSION_POINTS = 4000 };

/* The figures that follow from a segment's two envelopes and its time span
 * [start_ns, end_ns]: skew, offset at t0, minimum round trip, bound. */
static void seg_derive(const struct clock_est *e, struct clock_seg_report *s)
{
	/* offset = coarse + (to - from)/2; round trip = to + from */
	s->hull_skew = (s->to.b - s->from.b) / 2 * 1e-9;
	double ta = secs(e, s->start_ns), tb = secs(e, s->end_ns);
	/* The envelopes' sum is the minimum round trip.  Their slopes are fitted
	 * apart, so on a short capture the sum can tilt: the bound takes the
	 * larger end, the minimum round trip is read in the middle. */
	double rtt_a = fit_at(&s->to, ta) + fit_at(&s->from, ta);
	double rtt_b = fit_at(&s->to, tb) + fit_at(&s->from, tb);
	double tmid = (ta + tb) / 2;
	s->min_rtt_ns = fit_at(&s->to, tmid) + fit_at(&s->from, tmid);
	s->error_bound_ns = (rtt_a > rtt_b ? rtt_a : rtt_b) / 2;
	s->hull_offset_ns = (s->to.a - s->from.a) / 2;
}

/* The host-time span of the pairs with records in [lo, hi), minus [ex_lo,
 * ex_hi); INT64_MAX/INT64_MIN when there are none. */
static void span(const struct clock_est *e, uint64_t lo, uint64_t hi, uint64_t ex_lo,
		 uint64_t ex_hi, int64_t *start, int64_t *end)
{
	*start = INT64_MAX;
	*end = INT64_MIN;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->rec >= lo && p->rec < hi && !(p->rec >= ex_lo && p->rec < ex_hi)) {
			if (p->t < *start)
				*start = p->t;
			if (p->t > *end)
				*end = p->t;
		}
	}
}

/* Fits one segment: records [lo, hi), minus the uncertain records
 * [ex_lo, ex_hi) around a step; with_regressions: also the comparison fits.
 * Returns -1 on memory exhaustion. */
static int fit_segment(const struct clock_est *e, uint64_t lo, uint64_t hi, uint64_t ex_lo,
		       uint64_t ex_hi, bool with_regressions, struct clock_seg_report *s)
{
	struct xy to = {0}, from = {0};
	int rc = -1;
	if (gather(e, DIR_TO_GUEST, lo, hi, ex_lo, ex_hi, &to) != 0 ||
	    gather(e, DIR_FROM_GUEST, lo, hi, ex_lo, ex_hi, &from) != 0)
		goto out;
	s->first_record = lo;
	s->n_to = to.n;
	s->n_from = from.n;
	s->fit = CLOCK_FIT_HULL;
	span(e, lo, hi, ex_lo, ex_hi, &s->start_ns, &s->end_ns);
	rc = 0;
	if (to.n == 0 || from.n == 0)
		goto out;
	if (clock_fit_hull(to.t, to.y, to.n, &s->to) < 0 ||
	    clock_fit_hull(from.t, from.y, from.n, &s->from) < 0) {
		rc = -1;
		goto out;
	}
	seg_derive(e, s);
	if (!with_regressions)
		goto out;
	thin(&to, REGRESSION_POINTS);
	thin(&from, REGRESSION_POINTS);
	struct fit_line ft, ff;
	s->have_ols = clock_fit_ols(to.t, to.y, to.n, &ft) == 0 &&
		      clock_fit_ols(from.t, from.y, from.n, &ff) == 0;
	if (s->have_ols) {
		s->ols_offset_ns = (ft.a - ff.a) / 2;
		s->ols_skew = (ft.b - ff.b) / 2 * 1e-9;
	}
	int rt = clock_fit_robust(to.t, to.y, to.n, &ft);
	int rf = rt == -2 ? -2 : clock_fit_robust(from.t, from.y, from.n, &ff);
	if (rt == -2 || rf == -2) {
		rc = -1; /* no memory: not a fit that did not settle */
		goto out;
	}
	s->have_robust = rt == 0 && rf == 0;
	if (s->have_robust) {
		s->robust_offset_ns = (ft.a - ff.a) / 2;
		s->robust_skew = (ft.b - ff.b) / 2 * 1e-9;
	}
out:
	xy_free(&to);
	xy_free(&from);
	return rc;
}

/* A segment too thin for envelopes of its own (fewer than THICK pairs one
 * way) borrows the slopes of its neighbour nb: each direction's envelope is
 * the lowest line of nb's slope under the segment's own pairs.  With pairs
 * one way only, the other envelope is nb's moved by the same offset step
 * (the minimum delays are assumed to be nb's): s->fit says which. */
enum { THICK = 3 };

/* Clocks drift by tens of ppm (NTP slews at most 500): a segment's own fit
 * steeper than this came from too few pairs over too short a time. */
#define MAX_SKEW 1e-3

static bool plausible(const struct clock_seg_report *s) { return fabs(s->hull_skew) <= MAX_SKEW; }

static void fit_borrowed(const struct clock_est *e, uint64_t lo, uint64_t hi,
			 const struct clock_seg_report *nb, struct clock_seg_report *s)
{
	double a_to = INFINITY, a_from = INFINITY;
	s->n_to = s->n_from = 0;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->rec < lo || p->rec >= hi)
			continue;
		double t = secs(e, p->t), y = (double)p->y;
		if (p->dir == DIR_TO_GUEST) {
			a_to = fmin(a_to, y - nb->to.b * t);
			s->n_to++;
		} else {
			a_from = fmin(a_from, y - nb->from.b * t);
			s->n_from++;
		}
	}
	span(e, lo, hi, 0, 0, &s->start_ns, &s->end_ns);
	s->first_record = lo;
	s->to = nb->to;
	s->from = nb->from;
	s->have_ols = s->have_robust = false;
	if (isfinite(a_to) && isfinite(a_from)) {
		s->to.a = a_to;
		s->from.a = a_from;
		s->fit = CLOCK_FIT_SLOPE;
	} else if (isfinite(a_to)) { /* offset step d: to envelope up by d, from down */
		s->from.a = nb->from.a - (a_to - nb->to.a);
		s->to.a = a_to;
		s->fit = CLOCK_FIT_SHIFTED;
	} else if (isfinite(a_from)) {
		s->to.a = nb->to.a - (a_from - nb->from.a);
		s->from.a = a_from;
		s->fit = CLOCK_FIT_SHIFTED;
	}
	if (s->start_ns == INT64_MAX) { /* no pairs: the neighbour's span */
		s->start_ns = nb->start_ns;
		s->end_ns = nb->end_ns;
	}
	seg_derive(e, s);
	if (s->fit == CLOCK_FIT_SHIFTED && s->error_bound_ns < nb->error_bound_ns)
		s->error_bound_ns = nb->error_bound_ns;
}

/* ---- clock steps ------------------------------------------------------- */

#define STEP_MADS 10.0
#define STEP_MADS_MIN 1.0

struct window {
	int64_t t;      /* start, host time */
	double theta;   /* (min to - min from) / 2, ns */
	double rtt;     /* min to + min from: the offset is within theta +- rtt / 2 */
	uint64_t rec_min, rec_max;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Offsets of fixed windows of time from the minima of both directions; a
 * step shows as a jump beyond what the windows' noise and the skew explain.
 * For each step, the records of the windows around it, [ex_lo, ex_hi),
 * whose side of the step is not yet known.  Returns the number of steps, -1
 * when memory is exhausted. */
static int find_steps(const struct clock_est *e, uint64_t *ex_lo, uint64_t *ex_hi, int maxcut,
		      double mads)
{
	if (e->n < 20)
		return 0;
	int64_t t_first = e->p[0].t, t_last = e->p[e->n - 1].t;
	double dur = (double)(t_last - t_first) / 1e9;
	double wd = dur / 100;
	if (wd < 0.05)
		wd = 0.05;
	if (wd > 2)
		wd = 2;
	/* The windows that hold pairs, in time order: the pairs are sorted by
	 * host time, so one pass over them makes them, however long the span
	 * (an array per window of the span would be sized by the stamps: 146
	 * years of 2 s windows is 18 GB). */
	struct window *w = malloc(e->n * sizeof *w);
	double *d = malloc(e->n * sizeof *d), *dd = malloc(e->n * sizeof *dd);
	int ncut = 0;
	size_t n = 0;
	if (!w || !d || !dd) {
		ncut = -1;
		goto out;
	}
	for (size_t i = 0; i < e->n;) {
		size_t k = (size_t)((double)(e->p[i].t - t_first) / 1e9 / wd), j = i;
		double mt = INFINITY, mf = INFINITY;
		uint64_t rlo = UINT64_MAX, rhi = 0;
		for (; j < e->n && (size_t)((double)(e->p[j].t - t_first) / 1e9 / wd) == k; j++) {
			const struct pair *p = &e->p[j];
			double *m = p->dir == DIR_TO_GUEST ? &mt : &mf;
			if (p->y < *m)
				*m = (double)p->y;
			if (p->rec < rlo)
				rlo = p->rec;
			if (p->rec > rhi)
				rhi = p->rec;
		}
		if (isfinite(mt) && isfinite(mf))
			w[n++] = (struct window){t_first + (int64_t)(k * wd * 1e9), (mt - mf) / 2, mt + mf,
						 rlo, rhi};
		i = j;
	}
	if (n < 4)
		goto out;
	/* jumps between windows, less the drift the median jump rate says */
	for (size_t i = 0; i + 1 < n; i++)
		dd[i] = (w[i + 1].theta - w[i].theta) / ((double)(w[i + 1].t - w[i].t) / 1e9);
	double rate = median(dd, n - 1);
	for (size_t i = 0; i + 1 < n; i++) {
		d[i] = w[i + 1].theta - w[i].theta - rate * ((double)(w[i + 1].t - w[i].t) / 1e9);
		dd[i] = fabs(d[i]);
	}
	double thr = mads * 1.4826 * median(dd, n - 1);
	if (thr < 20000)
		thr = 20000; /* steps under 20 us are not told from queueing */
	/* A jump is a step only if it is bigger than what queueing in the two
	 * windows allows: each window's offset lies within theta +- rtt / 2 (no
	 * delay is negative), and a step is where those ranges part.  A window
	 * with a step inside has a small or negative rtt, so its jumps count.
	 * A step inside a window splits over the jumps on both sides of it: a
	 * run of flagged jumps of one sign is one step. */
	for (size_t i = 0; i + 1 < n; i++)
		if (fabs(d[i]) <= (w[i].rtt + w[i + 1].rtt) / 2)
			d[i] = copysign(fmin(fabs(d[i]), thr), d[i]); /* within queueing */
	for (size_t i = 0; i + 1 < n && ncut < maxcut;) {
		if (fabs(d[i]) <= thr) {
			i++;
			continue;
		}
		size_t j = i;
		while (j + 2 < n && fabs(d[j + 1]) > thr && (d[j + 1] > 0) == (d[i] > 0))
			j++;
		ex_lo[ncut] = w[i].rec_min;
		ex_hi[ncut] = w[j + 1].rec_max + 1;
		ncut++;
		i = j + 1;
	}
out:
	free(w);
	free(d);
	free(dd);
	return ncut;
}

/* ---- probes ------------------------------------------------------------ */

static int cmp_echo(const void *a, const void *b)
{
	const struct echo *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->t_host < y->t_host ? -1 : x->t_host > y->t_host;
}

static int cmp_probe_rtt(const void *a, const void *b)
{
	double x = ((const struct probe *)a)->rtt, y = ((const struct probe *)b)->rtt;
	return x < y ? -1 : x > y;
}

/* The Drift Analyser's method done right (seed 002, Fig. 3.1): per exchange
 * the NTP offset ((T2-T1) + (T3-T4))/2 and its round trip
 * (T4-T1) - (T3-T2); the exchanges with the smallest round trips (least
 * queueing) are kept and a line fitted through their offsets. */
/* Pairs each echo request with the first reply after it (same identifier
 * and sequence, within 10 s) into an exchange; keeps only the requests of
 * the last 10 s before `now` that are not answered yet (INT64_MAX: none). */
static int pair_echoes(struct clock_est *e, int64_t now)
{
	if (e->nec >= 2)
		qsort(e->ec, e->nec, sizeof *e->ec, cmp_echo);
	size_t keep = 0;
	for (size_t i = 0; i < e->nec; i++) {
		const struct echo *q = &e->ec[i];
		if (q->dir != DIR_TO_GUEST)
			continue;
		bool answered = false;
		for (size_t j = i + 1; j < e->nec && e->ec[j].id == q->id && e->ec[j].seq == q->seq;
		     j++) {
			const struct echo *a = &e->ec[j];
			if (a->dir != DIR_FROM_GUEST || a->t_host <= q->t_host ||
			    a->t_host - q->t_host > 10LL * 1000000000)
				continue;
			if (add_exchange(e, DIR_TO_GUEST, q->t_host, q->t_guest, a->t_host,
					 a->t_guest) != 0)
				return -1;
			answered = true;
			break;
		}
		if (!answered && now != INT64_MAX && now - q->t_host <= 10LL * 1000000000)
			e->ec[keep++] = *q; /* its reply may come yet */
	}
	e->nec = keep;
	return 0;
}

static int solve_probes(struct clock_est *e, int64_t now, struct clock_report *r)
{
	if (pair_echoes(e, now) != 0)
		return -1;
	size_t n = e->npr;
	struct probe *pr = e->pr;
	if (n == 0)
		return 0;
	r->probes = e->probes_seen;
	qsort(pr, n, sizeof *pr, cmp_probe_rtt);
	size_t keep = n / 10 > 3 ? n / 10 : (n < 3 ? n : 3);
	r->probes_used = keep;
	r->probe_bound_ns = pr[keep - 1].rtt / 2;
	double *t = malloc(keep * sizeof *t), *y = malloc(keep * sizeof *y);
	if (!t || !y) {
		free(t);
		free(y);
		return -1;
	}
	double ymean = 0;
	for (size_t i = 0; i < keep; i++) {
		t[i] = pr[i].t;
		y[i] = pr[i].offset;
		ymean += y[i] / (double)keep;
	}
	struct fit_line l;
	if (keep >= 3 && clock_fit_ols(t, y, keep, &l) == 0) {
		r->probe_offset_ns = l.a;
		r->probe_skew = l.b * 1e-9;
	} else {
		r->probe_offset_ns = ymean;
		r->probe_skew = 0;
	}
	free(t);
	free(y);
	return 0;
}

/* ---- solving ----------------------------------------------------------- */

/* Queueing a pair would have had on a segment's side: its excess over that
 * segment's envelope (a pair below the envelope is impossible there). */
static double excess(const struct clock_seg_report *g, const struct pair *p, double t)
{
	double env = p->dir == DIR_TO_GUEST ? fit_at(&g->to, t) : fit_at(&g->from, t);
	double x = (double)p->y - env;
	return x < -1000 ? 1e15 : (x < 0 ? 0 : x);
}

struct amb {
	uint64_t rec;
	double cost_a, cost_b; /* excess if before the step, if after */
};

static int cmp_amb(const void *x, const void *y)
{
	uint64_t a = ((const struct amb *)x)->rec, b = ((const struct amb *)y)->rec;
	return a < b ? -1 : a > b;
}

/* Places the step between segments a and b among the records [ex_lo, ex_hi)
 * whose side is unknown.  First the pairs whose side is certain: with a
 * forward step s > 0 a to_guest pair below b's envelope can only be before
 * it, a from_guest pair below a's only after it (mirrored for s < 0).  The
 * pairs between the last certain "before" and the first certain "after"
 * are then split where the queueing they would have had is least in all
 * (maximum likelihood for exponential queueing): records are in real-time
 * order, so the step is one cut.  *first: the first record after the step;
 * [*amb_lo, *amb_hi): records left out of the segments' fits. */
static int place_step(const struct clock_est *e, const struct clock_seg_report *a,
		      const struct clock_seg_report *b, uint64_t ex_lo, uint64_t ex_hi,
		      uint64_t *first, uint64_t *amb_lo, uint64_t *amb_hi, bool *consistent)
{
	double tm = (secs(e, a->end_ns) + secs(e, b->start_ns)) / 2;
	double s = ((fit_at(&b->to, tm) - fit_at(&b->from, tm)) -
		    (fit_at(&a->to, tm) - fit_at(&a->from, tm))) / 2;
	double tol = fabs(s) / 4 > 5000 ? fabs(s) / 4 : 5000;
	int64_t last_before = (int64_t)ex_lo - 1;
	uint64_t first_after = ex_hi;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->rec < ex_lo || p->rec >= ex_hi)
			continue;
		double t = secs(e, p->t), y = (double)p->y;
		int side = 0; /* -1 before, +1 after */
		if (s > 0) {
			if (p->dir == DIR_TO_GUEST && y < fit_at(&b->to, t) - tol)
				side = -1;
			if (p->dir == DIR_FROM_GUEST && y < fit_at(&a->from, t) - tol)
				side = 1;
		} else {
			if (p->dir == DIR_TO_GUEST && y < fit_at(&a->to, t) - tol)
				side = 1;
			if (p->dir == DIR_FROM_GUEST && y < fit_at(&b->from, t) - tol)
				side = -1;
		}
		if (side < 0 && (int64_t)p->rec > last_before)
			last_before = (int64_t)p->rec;
		if (side > 0 && p->rec < first_after)
			first_after = p->rec;
	}
	*consistent = last_before < (int64_t)first_after;
	uint64_t lo = *consistent ? (uint64_t)(last_before + 1) : ex_lo;
	uint64_t hi = *consistent ? first_after : ex_hi;
	*amb_lo = lo;
	*amb_hi = hi;
	/* the cut among the undecided pairs */
	size_t m = 0;
	for (size_t i = 0; i < e->n; i++)
		m += e->p[i].rec >= lo && e->p[i].rec < hi;
	struct amb *v = malloc((m + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	m = 0;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->rec < lo || p->rec >= hi)
			continue;
		double t = secs(e, p->t);
		v[m++] = (struct amb){p->rec, excess(a, p, t), excess(b, p, t)};
	}
	qsort(v, m, sizeof *v, cmp_amb);
	double after = 0, before = 0;
	for (size_t i = 0; i < m; i++)
		after += v[i].cost_b;
	double best = after;
	size_t cut = 0; /* pairs [0, cut) before the step */
	for (size_t i = 0; i < m; i++) {
		before += v[i].cost_a;
		after -= v[i].cost_b;
		if (before + after < best) {
			best = before + after;
			cut = i + 1;
		}
	}
	*first = cut < m ? v[cut].rec : hi;
	if (cut > 0 && cut == m && m > 0)
		*first = v[m - 1].rec + 1;
	free(v);
	return 0;
}

/* The offset step d = offset(segment) - offset(nb) shown by those pairs of
 * records [lo, hi) that nb's envelopes cannot hold: a to_guest pair more
 * than STEP_TOL below nb's to envelope says d < 0 (the least queued of them
 * says how much), a from_guest pair below nb's from envelope says d > 0.
 * False when no pair disagrees with nb: no step there. */
enum { STEP_TOL_NS = 5000 };

static bool step_shown(const struct clock_est *e, const struct clock_seg_report *nb, uint64_t lo,
		       uint64_t hi, double *d)
{
	double low_to = 0, low_from = 0;
	size_t n_to = 0, n_from = 0;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->rec < lo || p->rec >= hi)
			continue;
		double t = secs(e, p->t);
		double r = (double)p->y - fit_at(p->dir == DIR_TO_GUEST ? &nb->to : &nb->from, t);
		if (r >= -STEP_TOL_NS)
			continue;
		if (p->dir == DIR_TO_GUEST) {
			low_to = fmin(low_to, r);
			n_to++;
		} else {
			low_from = fmin(low_from, r);
			n_from++;
		}
	}
	if (n_to == 0 && n_from == 0)
		return false;
	/* both at once cannot be one step; the side with more evidence wins */
	*d = n_to >= n_from ? low_to : -low_from;
	return true;
}

/* nb's envelopes moved by an offset step d. */
static void shifted(const struct clock_seg_report *nb, double d, struct clock_seg_report *s)
{
	*s = *nb;
	s->to.a += d;
	s->from.a -= d;
	s->fit = CLOCK_FIT_SHIFTED;
}

/* The lowest corrected delay per direction of the pairs with records in
 * [lo, hi) under segment s's envelopes: reading minus the offset line. */
static void min_delays(const struct clock_est *e, uint64_t lo, uint64_t hi,
		       struct clock_seg_report *s)
{
	s->min_delay_to_ns = s->min_delay_from_ns = INFINITY;
	for (size_t i = 0; i < e->n; i++) {
		const struct pair *p = &e->p[i];
		if (p->rec < lo || p->rec >= hi)
			continue;
		double t = secs(e, p->t);
		double off = (fit_at(&s->to, t) - fit_at(&s->from, t)) / 2;
		if (p->dir == DIR_TO_GUEST)
			s->min_delay_to_ns = fmin(s->min_delay_to_ns, (double)p->y - off);
		else
			s->min_delay_from_ns = fmin(s->min_delay_from_ns, (double)p->y + off);
	}
}

/* Removes step k of n (its uncertain records join the segments' ranges). */
static void drop_step(uint64_t *ex_lo, uint64_t *ex_hi, int *n, int k)
{
	memmove(ex_lo + k, ex_lo + k + 1, (size_t)(*n - k - 1) * sizeof *ex_lo);
	memmove(ex_hi + k, ex_hi + k + 1, (size_t)(*n - k - 1) * sizeof *ex_hi);
	(*n)--;
}

/* Segments, their envelopes and the steps between them.  Steps found from
 * windowed offsets (find_steps) are placed between the envelopes of the
 * segments on their two sides; a segment with too few pairs for envelopes of
 * its own (a step in the first or last moments of a capture) takes its
 * neighbour's moved by the step its pairs show, so a step is found wherever
 * it falls.  Every segment's fit is then checked against all the pairs it
 * applies to.  Returns -1 on memory exhaustion. */
static int solve_envelopes(struct clock_est *e, struct clock_report *r, double mads,
			   const uint64_t *cut)
{
	uint64_t ex_lo[CLOCK_MAX_SEGMENTS], ex_hi[CLOCK_MAX_SEGMENTS];
	int ncut = 1;
	if (cut) {
		ex_lo[0] = cut[0];
		ex_hi[0] = cut[1];
	} else {
		ncut = find_steps(e, ex_lo, ex_hi, CLOCK_MAX_SEGMENTS - 1, mads);
	}
	if (ncut < 0)
		return -1;
	struct clock_seg_report env[CLOCK_MAX_SEGMENTS];
	bool thick[CLOCK_MAX_SEGMENTS];
retry:
	for (int k = 0; k <= ncut; k++) {
		uint64_t lo = k == 0 ? 0 : ex_hi[k - 1], hi = k == ncut ? UINT64_MAX : ex_lo[k];
		memset(&env[k], 0, sizeof env[k]);
		if (fit_segment(e, lo, hi, 0, 0, false, &env[k]) != 0)
			return -1;
		thick[k] = env[k].n_to >= THICK && env[k].n_from >= THICK &&
			   (ncut == 0 || plausible(&env[k]));
	}
	for (int k = 0; k <= ncut; k++) {
		if (thick[k])
			continue;
		/* the thick neighbour across a step, and the records that may show it */
		int nb = k < ncut && thick[k + 1] ? k + 1 : k > 0 && thick[k - 1] ? k - 1 : -1;
		int step = nb > k ? k : k - 1; /* the step between k and nb */
		if (nb < 0) {
			if (ncut == 0)
				break;
			drop_step(ex_lo, ex_hi, &ncut, k < ncut ? k : k - 1);
			goto retry;
		}
		uint64_t lo = nb > k ? (k == 0 ? 0 : ex_hi[k - 1]) : ex_lo[step];
		uint64_t hi = nb > k ? ex_hi[step] : (k == ncut ? UINT64_MAX : ex_lo[k]);
		double d;
		if (!step_shown(e, &env[nb], lo, hi, &d)) {
			drop_step(ex_lo, ex_hi, &ncut, step);
			goto retry;
		}
		shifted(&env[nb], d, &env[k]);
	}
	if (ncut == 0 && !thick[0])
		return 0; /* too few pairs for envelopes at all */
	/* A real step moves one envelope down: pairs on one side lie below the
	 * other side's envelope.  Queueing only raises delays: a stretch of
	 * queued packets (a vCPU descheduled for a while) moves the windowed
	 * offsets but puts no pair below an envelope, and is no step. */
	for (int k = 0; k < ncut; k++) {
		if (!thick[k] || !thick[k + 1])
			continue;
		uint64_t lo_a = k == 0 ? 0 : ex_hi[k - 1];
		uint64_t hi_b = k + 1 == ncut ? UINT64_MAX : ex_lo[k + 1];
		double d;
		if (!step_shown(e, &env[k + 1], lo_a, ex_hi[k], &d) &&
		    !step_shown(e, &env[k], ex_lo[k], hi_b, &d)) {
			drop_step(ex_lo, ex_hi, &ncut, k);
			goto retry;
		}
	}
	uint64_t first[CLOCK_MAX_SEGMENTS] = {0}, lo[CLOCK_MAX_SEGMENTS] = {0};
	uint64_t hi[CLOCK_MAX_SEGMENTS];
	for (int k = 0; k < ncut; k++) {
		uint64_t alo, ahi, at;
		bool ok;
		/* a thin side's uncertain records reach to its end of the capture */
		uint64_t plo = thick[k] ? ex_lo[k] : (k == 0 ? 0 : ex_hi[k - 1]);
		uint64_t phi = thick[k + 1] ? ex_hi[k] : (k + 1 == ncut ? UINT64_MAX : ex_lo[k + 1]);
		if (place_step(e, &env[k], &env[k + 1], plo, phi, &at, &alo, &ahi, &ok) != 0)
			return -1;
		if (!ok)
			snprintf(r->note, sizeof r->note,
				 "a clock step could not be placed exactly; its window is "
				 "left out of the fits");
		hi[k] = alo;
		lo[k + 1] = ahi;
		first[k + 1] = at;
	}
	hi[ncut] = UINT64_MAX;
	/* a step placed before the first pair or after the last leaves a
	 * segment that applies to no pair: no step */
	for (int k = 0; k < ncut; k++) {
		int64_t a, b;
		span(e, first[k], first[k + 1], 0, 0, &a, &b);
		if (a == INT64_MAX || first[k + 1] == UINT64_MAX) {
			drop_step(ex_lo, ex_hi, &ncut, k);
			goto retry;
		}
	}
	span(e, first[ncut], UINT64_MAX, 0, 0, &r->seg[0].start_ns, &r->seg[0].end_ns);
	if (ncut > 0 && r->seg[0].start_ns == INT64_MAX) {
		drop_step(ex_lo, ex_hi, &ncut, ncut - 1);
		goto retry;
	}
	r->nseg = ncut + 1;
	/* the thick segments' own fits first: the thin ones borrow from them */
	bool owned[CLOCK_MAX_SEGMENTS] = {false};
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k <= ncut; k++) {
			struct clock_seg_report *s = &r->seg[k];
			if (pass == 0) {
				memset(s, 0, sizeof *s);
				if (fit_segment(e, lo[k], hi[k], 0, 0, !e->interim, s) != 0)
					return -1;
				owned[k] = s->n_to >= THICK && s->n_from >= THICK &&
					   (ncut == 0 || plausible(s));
			} else if (!owned[k]) {
				/* the nearer neighbour with a fit of its own */
				int nb = -1;
				for (int j = 1; j <= ncut && nb < 0; j++) {
					if (k + j <= ncut && owned[k + j])
						nb = k + j;
					else if (k - j >= 0 && owned[k - j])
						nb = k - j;
				}
				if (nb < 0) { /* no segment stands alone: no steps */
					ncut = 0;
					goto retry;
				}
				memset(s, 0, sizeof *s);
				fit_borrowed(e, lo[k], hi[k], &r->seg[nb], s);
			}
			s->first_record = first[k];
		}
	/* A step no bigger than the two segments' bounds is none: one clock
	 * fits both within them.  (Not a step forced by consider_steps: one
	 * clock's envelopes there were much looser than either side's, a line
	 * tilted to absorb the step, whose bound does not hold.) */
	for (int k = 0; k < ncut && cut == NULL; k++) {
		const struct clock_seg_report *sa = &r->seg[k], *sb = &r->seg[k + 1];
		double tb = secs(e, sb->start_ns);
		double oa = (fit_at(&sa->to, tb) - fit_at(&sa->from, tb)) / 2;
		double ob = (fit_at(&sb->to, tb) - fit_at(&sb->from, tb)) / 2;
		if (fabs(ob - oa) <= sa->error_bound_ns + sb->error_bound_ns) {
			drop_step(ex_lo, ex_hi, &ncut, k);
			goto retry;
		}
	}
	/* every segment against all the pairs it applies to */
	for (int k = 0; k <= ncut; k++)
		min_delays(e, first[k], k < ncut ? first[k + 1] : UINT64_MAX, &r->seg[k]);
	return 0;
}

/* Whether every segment's minimum round trip is positive (envelopes that
 * cross are impossible). */
static bool feasible(const struct clock_report *r)
{
	for (int k = 0; k < r->nseg; k++)
		if (!(r->seg[k].min_rtt_ns > 0))
			return false;
	return true;
}

/* Where one step in the pairs would leave the two sides' envelopes most
 * possible: among CUT_TRIES records evenly spread over the pairs, the cut
 * whose worse side has the largest minimum round trip (*worse, ns);
 * [cut[0], cut[1]): the records between its neighbours, where place_step
 * puts the step.  The envelopes rest on the lowest pairs, so the sides are
 * fitted on the lowest pair of each direction per CUT_BUCKETS-th of the
 * span.  false: no cut leaves both sides possible; -1 in *rc: no memory. */
enum { CUT_TRIES = 64, CUT_BUCKETS = 2048 };

static bool best_cut(const struct clock_est *e, uint64_t cut[2], double *worse, int *rc)
{
	*rc = 0;
	struct pair *lowest = malloc(2 * CUT_BUCKETS * sizeof *lowest);
	if (lowest == NULL) {
		*rc = -1;
		return false;
	}
	struct clock_est th = *e; /* e's pairs thinned, in time order */
	th.p = lowest;
	int64_t width = (e->p[e->n - 1].t - e->p[0].t) / CUT_BUCKETS + 1; /* < CUT_BUCKETS of them */
	th.n = lowest_per_bucket(e->p, e->n, e->p[0].t, width, lowest);
	uint64_t at[CUT_TRIES + 1];
	for (int i = 0; i <= CUT_TRIES; i++)
		at[i] = e->p[(size_t)((double)i / CUT_TRIES * (double)(e->n - 1))].rec;
	int bi = -1;
	*worse = 0;
	for (int i = 1; i < CUT_TRIES; i++) {
		if (at[i] <= at[i - 1] || at[i] >= at[i + 1])
			continue;
		struct clock_seg_report a = {0}, b = {0};
		if (fit_segment(&th, 0, at[i], 0, 0, false, &a) != 0 ||
		    fit_segment(&th, at[i], UINT64_MAX, 0, 0, false, &b) != 0) {
			*rc = -1;
			break;
		}
		if (a.n_to < THICK || a.n_from < THICK || b.n_to < THICK || b.n_from < THICK)
			continue;
		double w = fmin(a.min_rtt_ns, b.min_rtt_ns);
		if (w > *worse) {
			*worse = w;
			bi = i;
		}
	}
	free(lowest);
	if (bi < 0 || *rc != 0)
		return false;
	cut[0] = at[bi - 1];
	cut[1] = at[bi + 1] + 1;
	return true;
}

/* The smallest minimum round trip of r's segments. */
static double least_rtt(const struct clock_report *r)
{
	double m = INFINITY;
	for (int k = 0; k < r->nseg; k++)
		m = fmin(m, r->seg[k].min_rtt_ns);
	return m;
}

/* A step must stand out of the windows' jumps by STEP_MADS of their spread
 * (scaled MADs), lest queueing pass for one, and beyond what the queueing in
 * the two windows allows.  On a noisy guest (TCG: windows' minima hundreds
 * of us apart) a step of a few hundred us does not, and is left inside one
 * segment: either the two sides' envelopes cross (a minimum round trip not
 * positive: impossible), or, pairs being few, the envelopes tilt to absorb
 * it and the bound no longer holds at the ends.  So: where the segments are
 * impossible, the search is made again with the threshold halved, down to
 * STEP_MADS_MIN; and a capture left as one segment is tried with one step
 * where a cut leaves both sides most possible (best_cut), kept if that makes
 * the segments possible, or both sides' minimum round trips STEP_GAIN times
 * the one segment's (envelopes that tight on both sides of a cut are two
 * clocks).  A step found so still passes every test a step passes (placed
 * by the pairs that can only be on one side, a change beyond the bounds).
 * Nothing possible: the first result stands, and vocalc refuses it. */
#define STEP_GAIN 1.5

static int consider_steps(struct clock_est *e, struct clock_report *r)
{
	if (e->n < 2 * THICK)
		return 0;
	bool possible = feasible(r);
	struct clock_report *alt = malloc(sizeof *alt);
	if (alt == NULL)
		return -1;
	int rc = 0;
	for (double mads = STEP_MADS / 2; !possible && mads >= STEP_MADS_MIN; mads /= 2) {
		*alt = *r;
		if ((rc = solve_envelopes(e, alt, mads, NULL)) != 0)
			goto out;
		if (feasible(alt)) {
			*r = *alt;
			goto out;
		}
	}
	if (r->nseg != 1)
		goto out;
	uint64_t cut[2];
	double worse, one = r->seg[0].min_rtt_ns;
	if (best_cut(e, cut, &worse, &rc) && (!possible || worse > STEP_GAIN * one)) {
		*alt = *r;
		if ((rc = solve_envelopes(e, alt, STEP_MADS, cut)) == 0 && alt->nseg == 2 &&
		    feasible(alt) && (!possible || least_rtt(alt) > STEP_GAIN * one))
			*r = *alt;
	}
out:
	free(alt);
	return rc;
}

/* Fills the model's segment k from r->seg[k] by the method chosen. */
static void model_segment(const struct clock_est *e, struct clock_report *r, int k,
			  enum clock_method m)
{
	const struct clock_seg_report *s = &r->seg[k];
	struct clock_segment *c = &r->model.seg[k];
	c->first_record = s->first_record;
	c->start_ns = k == 0 ? e->t0 : s->start_ns;
	c->t0_ns = c->start_ns;
	double off = m == CLOCK_REGRESSION ? s->robust_offset_ns : s->hull_offset_ns;
	double skew = m == CLOCK_REGRESSION ? s->robust_skew : s->hull_skew;
	c->offset_ns = (double)e->coarse + off;
	c->skew = skew;
}

static int solve(struct clock_est *e, enum clock_choice choice, int64_t now, struct clock_report *r)
{
	memset(r, 0, sizeof *r);
	r->t0_ns = e->t0;
	r->coarse_ns = e->coarse;
	clock_model_none(&r->model);
	r->model.seg[0].t0_ns = e->t0;
	r->model.seg[0].start_ns = e->t0;
	sort_pairs(e);
	/* every pair seen counts, also those a compaction let go */
	r->pairs_to = e->pairs_seen[DIR_TO_GUEST];
	r->pairs_from = e->pairs_seen[DIR_FROM_GUEST];
	r->pair_bucket_ns = e->pair_bucket_ns;
	if (solve_probes(e, now, r) != 0)
		return -1;
	bool envelopes = r->pairs_to >= 10 && r->pairs_from >= 10;
	if (choice != CHOOSE_PROBE && envelopes) {
		if (solve_envelopes(e, r, STEP_MADS, NULL) != 0 || consider_steps(e, r) != 0)
			return -1;
	}
	if (choice != CHOOSE_PROBE && r->nseg > 0) {
		/* values at each segment's own reference time */
		for (int k = 0; k < r->nseg; k++) {
			struct clock_seg_report *s = &r->seg[k];
			double tr = k == 0 ? 0 : secs(e, s->start_ns);
			s->hull_offset_ns += (s->to.b - s->from.b) / 2 * tr;
			s->ols_offset_ns += s->ols_skew * 1e9 * tr;
			s->robust_offset_ns += s->robust_skew * 1e9 * tr;
		}
		enum clock_method m = CLOCK_HULL;
		if (choice == CHOOSE_REGRESSION) {
			m = CLOCK_REGRESSION;
			for (int k = 0; k < r->nseg; k++)
				if (!r->seg[k].have_robust)
					m = CLOCK_HULL;
		}
		r->model.method = m;
		r->model.nseg = r->nseg;
		double bound = 0;
		for (int k = 0; k < r->nseg; k++) {
			model_segment(e, r, k, m);
			if (r->seg[k].error_bound_ns > bound)
				bound = r->seg[k].error_bound_ns;
		}
		r->model.error_bound_ns = bound;
		return 0;
	}
	if (r->probes > 0) {
		r->model.method = CLOCK_PROBE;
		r->model.seg[0].offset_ns = (double)e->coarse + r->probe_offset_ns;
		r->model.seg[0].skew = r->probe_skew;
		r->model.error_bound_ns = r->probe_bound_ns;
		if (choice != CHOOSE_PROBE)
			snprintf(r->note, sizeof r->note,
				 "%smatched traffic flows %s only (%zu to the guest, %zu from it): "
				 "offset from %zu request/response exchanges",
				 choice == CHOOSE_AUTO ? ""
				 : choice == CHOOSE_HULL ? "--clock-method hull not possible: "
							 : "--clock-method regression not possible: ",
				 r->pairs_to >= r->pairs_from ? "to the guest" : "from the guest",
				 r->pairs_to, r->pairs_from, r->probes);
		return 0;
	}
	snprintf(r->note, sizeof r->note,
		 "the guest clock cannot be estimated: %zu packets matched to the guest, %zu "
		 "from it, no request/response exchanges; give --guest-offset-us",
		 r->pairs_to, r->pairs_from);
	return 0;
}

int clock_est_solve(struct clock_est *e, enum clock_choice choice, struct clock_report *r)
{
	e->interim = false;
	return solve(e, choice, INT64_MAX, r);
}

int clock_est_solve_interim(struct clock_est *e, enum clock_choice choice, int64_t now,
			    struct clock_report *r)
{
	/* the robust regression only if it is the method asked for */
	e->interim = choice != CHOOSE_REGRESSION;
	int rc = solve(e, choice, now, r);
	e->interim = false;
	return rc;
}

size_t clock_est_npairs(const struct clock_est *e) { return e->n; }

void clock_est_pair(const struct clock_est *e, size_t i, struct clock_pair_row *row)
{
	const struct pair *p = &e->p[i];
	row->t_host_ns = p->t;
	row->dir = (enum direction)p->dir;
	row->guest_record = p->rec;
	row->reading_ns = (double)(p->dir == DIR_TO_GUEST ? p->y : -p->y) + (double)e->coarse;
}
