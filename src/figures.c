/* figures — see figures.h. */
#include "figures.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "clock.h"
#include "report.h"
#include "rtt_set.h"
#include "sketch.h"

/* The quantiles a CDF is drawn at: 0, 0.005, ..., 0.995, 0.999, 1. */
enum { CDF_STEPS = 200, CDF_N = CDF_STEPS + 2 };
static double cdf_q(int i)
{
	return i < CDF_STEPS ? i / (double)CDF_STEPS : i == CDF_STEPS ? 0.999 : 1.0;
}

static void fmt(char *dst, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t len, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	vsnprintf(dst, len, f, ap);
	va_end(ap);
}

static struct fig_series *series_new(struct figure *f, enum fig_style style, const char *label)
{
	if (f->nseries == FIG_MAX_SERIES) {
		f->full = true;
		return NULL;
	}
	struct fig_series *s = &f->s[f->nseries++];
	memset(s, 0, sizeof *s);
	s->style = style;
	fmt(s->label, sizeof s->label, "%s", label);
	return s;
}

static int series_push(struct fig_series *s, double x, double y, double y2)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *nx = realloc(s->x, cap * sizeof *nx);
		if (nx == NULL)
			return -1;
		s->x = nx;
		double *ny = realloc(s->y, cap * sizeof *ny);
		if (ny == NULL)
			return -1;
		s->y = ny;
		if (s->style == FIG_BAND) {
			double *n2 = realloc(s->y2, cap * sizeof *n2);
			if (n2 == NULL)
				return -1;
			s->y2 = n2;
		}
		s->cap = cap;
	}
	s->x[s->n] = x;
	s->y[s->n] = y;
	if (s->y2)
		s->y2[s->n] = y2;
	s->n++;
	return 0;
}

/* A break in a series' line (its data file: a blank line). */
static int series_break(struct fig_series *s)
{
	return series_push(s, NAN, NAN, NAN);
}

static void table_head(struct fig_table *t, int ncol, const char *const *head)
{
	t->ncol = ncol;
	for (int c = 0; c < ncol; c++)
		fmt(t->head[c], sizeof t->head[c], "%s", head[c]);
}

/* A new row of t, NULL when it is full (the figure's note says so). */
static char (*table_row(struct fig_table *t))[48]
{
	return t->nrow < FIG_TABLE_ROWS ? t->cell[t->nrow++] : NULL;
}

/* ---- CDFs ---- */

/* How a series looks: its colour and dash (colour-blind safe, one colour
 * per protocol, hop or point across the figures; the direction or the
 * protocol by dash, so that no series is told by its colour alone). */
struct look {
	const char *color;
	int dash;
};
static const char *const PROTO_COLOR[PROTO_N] = {"#000000", "#0072b2", "#009e73", "#e69f00",
						 "#cc79a7"};
static const int PROTO_DASH[PROTO_N] = {1, 2, 4, 3, 5};
static const char *const POINT_COLOR[POINT_N] = {"#0072b2", "#009e73", "#e69f00", "#d55e00"};
static const char *const HOP_COLOR[POINT_N - 1] = {"#0072b2", "#e69f00", "#d55e00"};
static const char *const DIR_COLOR[DIR_N] = {"#0072b2", "#d55e00"};

/* A CDF of at most this many values is drawn as their own steps (each
 * value a step of 1/n), not through interpolated quantiles. */
enum { ECDF_MAX = 50 };

/* The CDF whose quantiles at cdf_q are v[0..CDF_N) (us) as a series, and a
 * row of its table: label, n, min, p50, p90, p99, max.  ord: with n <=
 * ECDF_MAX, the n values in ascending order: the series is their steps. */
static int cdf_series(struct figure *f, const double *v, uint64_t n, const char *label,
		      const double *ord, struct look lk)
{
	char name[96];
	if (ord)
		fmt(name, sizeof name, "%s (n = %llu)", label, (unsigned long long)n);
	struct fig_series *s = series_new(f, ord ? FIG_STEPS : FIG_LINES, ord ? name : label);
	if (s == NULL)
		return 0;
	s->color = lk.color;
	s->dash = lk.dash;
	f->yfix = true; /* a share: 0 to 1 */
	f->ylo = 0;
	f->yhi = 1;
	for (uint64_t i = 0; ord && i < n; i++)
		if ((i == 0 && series_push(s, ord[0], 0, 0) != 0) ||
		    series_push(s, ord[i], (double)(i + 1) / (double)n, 0) != 0)
			return -1;
	for (int i = 0; !ord && i < CDF_N; i++)
		if (series_push(s, v[i], cdf_q(i), 0) != 0)
			return -1;
	char(*row)[48] = table_row(&f->t);
	if (row) {
		fmt(row[0], 48, "%s", label);
		fmt(row[1], 48, "%llu", (unsigned long long)n);
		/* min, p50, p90, p99, max: at i = 0, 100, 180, 198 and the last */
		const int at[] = {0, CDF_STEPS / 2, CDF_STEPS * 9 / 10, CDF_STEPS * 99 / 100, CDF_N - 1};
		for (int k = 0; k < 5; k++)
			fmt(row[2 + k], 48, "%.1f", v[at[k]]);
	}
	return 0;
}

/* The CDF of the union of k delay rows (ns). */
static int rows_cdf(struct figure *f, const struct samples *const *sets, size_t k,
		    const char *label, struct look lk)
{
	double v[CDF_N], grid[CDF_N], ord[ECDF_MAX], qs[ECDF_MAX];
	uint64_t n;
	for (int i = 0; i < CDF_N; i++)
		grid[i] = cdf_q(i);
	if (samples_quantiles(sets, k, grid, CDF_N, v, &n) != 0)
		return -1;
	if (n == 0)
		return 0;
	if (n > ECDF_MAX)
		return cdf_series(f, v, n, label, NULL, lk);
	for (uint64_t i = 0; i < n; i++) /* the order statistics: q (n - 1) = i */
		qs[i] = n > 1 ? (double)i / (double)(n - 1) : 0;
	if (samples_quantiles(sets, k, qs, (int)n, ord, &n) != 0)
		return -1;
	return cdf_series(f, v, n, label, ord, lk);
}

/* The CDF of a sketch of values in ns, as rows_cdf. */
static int sketch_cdf(struct figure *f, const struct sketch *sk, const char *label,
		      struct look lk)
{
	double v[CDF_N], ord[ECDF_MAX];
	if (sk->n == 0)
		return 0;
	for (int i = 0; i < CDF_N; i++)
		v[i] = sketch_quantile(sk, cdf_q(i), NULL) / 1e3;
	for (uint64_t i = 0; sk->n <= ECDF_MAX && i < sk->n; i++)
		ord[i] = sketch_rank(sk, i, NULL) / 1e3;
	return cdf_series(f, v, sk->n, label, sk->n <= ECDF_MAX ? ord : NULL, lk);
}

static const char *const CDF_HEAD[] = {"series", "n", "min", "p50", "p90", "p99", "max"};

/* Log x when every point is positive and they span a factor 50 or more;
 * a symmetric log when some are at or below zero and the magnitudes of
 * the others span as much. */
static void choose_logx(struct figure *f)
{
	double lo = INFINITY, hi = -INFINITY, amin = INFINITY, amax = 0;
	for (int i = 0; i < f->nseries; i++)
		for (size_t j = 0; j < f->s[i].n; j++) {
			double x = f->s[i].x[j];
			lo = fmin(lo, x);
			hi = fmax(hi, x);
			if (x != 0) {
				amin = fmin(amin, fabs(x));
				amax = fmax(amax, fabs(x));
			}
		}
	f->logx = lo > 0 && hi / lo >= 50;
	f->symlogx = !f->logx && lo <= 0 && amax > 0 && amax / fmax(amin, 1) >= 50;
	f->xlo = lo;
	f->xhi = hi;
}

static const char *arrow_dir(enum direction d)
{
	return d == DIR_TO_GUEST ? "to guest" : "from guest";
}

/* ---- the figures ---- */

/* A figure's name, axes and table header. */
static void figure_init(struct figure *f, const char *name, const char *xlabel,
			const char *ylabel, int ncol, const char *const *head)
{
	f->name = name;
	fmt(f->xlabel, sizeof f->xlabel, "%s", xlabel);
	fmt(f->ylabel, sizeof f->ylabel, "%s", ylabel);
	table_head(&f->t, ncol, head);
}

static const char CDF_Y[] = "fraction of packets at or below";

/* The rows of protocol class p (PROTO_ALL: every class) of a hop's or the
 * VO's rows that hold delays into sets; *classes: how many classes do. */
static size_t proto_rows(const struct hop_acc row[PROTO_N], enum proto p,
			 const struct samples **sets, int *classes)
{
	size_t k = 0;
	*classes = 0;
	for (int q = PROTO_TCP; q < PROTO_N; q++) {
		bool has = samples_count(&row[q].s) > 0;
		*classes += has;
		if (has && (p == PROTO_ALL || q == (int)p))
			sets[k++] = &row[q].s;
	}
	return k;
}

static int fig_vo_cdf(const struct analysis *a, struct figure *f)
{
	const struct vo *v = &a->vo;
	figure_init(f, "vo_cdf", "VO latency (us)", CDF_Y, 7, CDF_HEAD);
	if (!v->has_vo) {
		fmt(f->title, sizeof f->title, "VO latency CDF");
		fmt(f->note, sizeof f->note, "No VO latency: %s.", report_no_vo_reason(a));
		return 0;
	}
	fmt(f->title, sizeof f->title, "VO latency (%s <-> guest) CDF, per direction and protocol",
	    point_name(v->pt[0]));
	for (int d = 0; d < DIR_N; d++) {
		for (int p = 0; p < PROTO_N; p++) {
			const struct samples *sets[PROTO_N];
			int classes; /* with one class only, "all" is that class: drawn once */
			size_t k = proto_rows(v->e2e[d], (enum proto)p, sets, &classes);
			if (k == 0 || (p != PROTO_ALL && classes == 1))
				continue;
			char label[96];
			fmt(label, sizeof label, "%s, %s", arrow_dir((enum direction)d),
			    proto_name((enum proto)p));
			struct look lk = {PROTO_COLOR[p], d == DIR_TO_GUEST ? 1 : 2};
			if (rows_cdf(f, sets, k, label, lk) != 0)
				return -1;
		}
	}
	if (f->nseries == 0)
		fmt(f->note, sizeof f->note, "No packet was seen at both %s and guest.",
		    point_name(v->pt[0]));
	else
		fmt(f->note, sizeof f->note,
		    "Each line is the share of packets whose VO latency is at or below x; the "
		    "table's figures are the report's (GSL's quantiles of the same delays).%s",
		    a->clock.error_bound_ns > 0 ? " Every delay across the guest is within the "
						  "clock's error bound (see the clock figure)."
						: "");
	choose_logx(f);
	return 0;
}

static int fig_hop_cdf(const struct analysis *a, struct figure *f, enum direction d)
{
	const struct vo *v = &a->vo;
	figure_init(f, d == DIR_TO_GUEST ? "hop_cdf_to_guest" : "hop_cdf_from_guest",
		    "delay across the hop (us)", CDF_Y, 7, CDF_HEAD);
	fmt(f->title, sizeof f->title, "Per-hop delay CDF %s, per protocol",
	    d == DIR_TO_GUEST ? "toward the guest" : "from the guest");
	int unobservable = 0, negative = 0;
	for (int i = 0; i + 1 < v->npts; i++) {
		enum point up, down;
		vo_hop_ends(v, i, d, &up, &down);
		negative += up != POINT_GUEST && down != POINT_GUEST &&
			    v->sum_hop[i][d][PROTO_ALL].d.n > 0 && v->sum_hop[i][d][PROTO_ALL].d.min < 0;
		for (int p = 0; p < PROTO_N; p++) {
			const struct samples *sets[PROTO_N];
			int classes;
			size_t k = proto_rows(v->hop[i][d], (enum proto)p, sets, &classes);
			if (k == 0 || (p != PROTO_ALL && classes == 1))
				continue;
			if (!report_observable(&v->sum_hop[i][d][p].d)) {
				unobservable++; /* the same kernel stamp at both points */
				continue;
			}
			char label[96];
			fmt(label, sizeof label, "%s -> %s, %s", point_name(up), point_name(down),
			    proto_name((enum proto)p));
			if (rows_cdf(f, sets, k, label, (struct look){HOP_COLOR[i], PROTO_DASH[p]}) != 0)
				return -1;
		}
	}
	if (f->nseries == 0)
		fmt(f->note, sizeof f->note, "No hop matched a packet %s with a delay to show.",
		    arrow_dir(d));
	else
		fmt(f->note, sizeof f->note,
		    "A hop's delay is its downstream stamp minus its upstream one; \"all\" is every "
		    "protocol class (a hop with one class only: that class, drawn once).%s%s",
		    unobservable ? " Rows whose every delay is 0 (one kernel stamp at both points) "
				   "are not observable and not drawn."
				 : "",
		    negative ? " Negative delays between two host points (one clock) are the "
			       "capture's, not the packets': the downstream point stamped first (a "
			       "bridge device is handed its copy of a forwarded frame after the frame "
			       "went on; see the text report's (!))."
			     : "");
	choose_logx(f);
	return 0;
}

/* The start of the figures' time axis: the first host stamp (the clock's
 * t0 and the VO intervals' origin). */
static int64_t time_origin(const struct analysis *a)
{
	return a->t0_ns;
}

/* An interval's p50 rests on this many packets at least, its p99 on 100:
 * fewer make no figure (a median of two, a p99 that is the maximum). */
enum { VO_TIME_MIN_P50 = 5, VO_TIME_MIN_P99 = 100 };

static int fig_vo_time(const struct analysis *a, struct figure *f)
{
	const struct vo *v = &a->vo;
	static const char *const head[] = {"series", "intervals", "width s", "packets each",
					   "lowest p50", "highest p50", "highest p99"};
	figure_init(f, "vo_time", "time since the first host packet (s)", "VO latency (us)", 7, head);
	fmt(f->title, sizeof f->title, "VO latency over time: p50 and p99 per interval");
	if (!v->has_vo) {
		fmt(f->note, sizeof f->note, "No VO latency: %s.", report_no_vo_reason(a));
		return 0;
	}
	int64_t t0 = time_origin(a);
	double bound_us = a->clock.error_bound_ns / 1e3;
	uint64_t few50 = 0, few99 = 0;
	for (int d = 0; d < DIR_N; d++) {
		const struct vo_series *vs = &v->series[d];
		size_t used = 0;
		uint64_t nmin = UINT64_MAX, nmax = 0;
		for (size_t i = 0; i < vs->nb; i++)
			if (vs->bin[i].n > 0) {
				used++;
				nmin = vs->bin[i].n < nmin ? vs->bin[i].n : nmin;
				nmax = vs->bin[i].n > nmax ? vs->bin[i].n : nmax;
			}
		if (used == 0)
			continue;
		const char *dir = arrow_dir((enum direction)d);
		char label[96];
		struct fig_series *band = NULL;
		if (bound_us > 0) {
			fmt(label, sizeof label, "%s: p50 +- the clock's bound", dir);
			band = series_new(f, FIG_BAND, label);
		}
		fmt(label, sizeof label, "%s: p50", dir);
		struct fig_series *p50 = series_new(f, FIG_LINESPOINTS, label);
		fmt(label, sizeof label, "%s: p99", dir);
		struct fig_series *p99 = series_new(f, FIG_DASHED, label);
		if (p50 == NULL || p99 == NULL)
			return 0;
		p50->color = p99->color = DIR_COLOR[d];
		if (band)
			band->color = DIR_COLOR[d];
		double lo50 = INFINITY, hi50 = -INFINITY, hi99 = -INFINITY;
		size_t last50 = SIZE_MAX, last99 = SIZE_MAX; /* the intervals drawn last */
		for (size_t i = 0; i < vs->nb; i++) {
			const struct sketch *sk = &vs->bin[i];
			if (sk->n == 0)
				continue;
			/* the interval's middle, s */
			double x = ((double)(vs->origin + (vs->lo + (int64_t)i) * vs->width - t0) +
				    (double)vs->width / 2) / 1e9;
			if (sk->n < VO_TIME_MIN_P50) {
				few50++;
				continue;
			}
			double m = sketch_quantile(sk, 0.5, NULL) / 1e3;
			lo50 = fmin(lo50, m);
			hi50 = fmax(hi50, m);
			if (last50 != SIZE_MAX && i != last50 + 1 && /* a gap: the lines break */
			    (series_break(p50) != 0 || (band && series_break(band) != 0)))
				return -1;
			last50 = i;
			if (series_push(p50, x, m, 0) != 0 ||
			    (band && series_push(band, x, m - bound_us, m + bound_us) != 0))
				return -1;
			if (sk->n < VO_TIME_MIN_P99) {
				few99++;
				continue;
			}
			double q = sketch_quantile(sk, 0.99, NULL) / 1e3;
			hi99 = fmax(hi99, q);
			if (last99 != SIZE_MAX && i != last99 + 1 && series_break(p99) != 0)
				return -1;
			last99 = i;
			if (series_push(p99, x, q, 0) != 0)
				return -1;
		}
		char(*row)[48] = table_row(&f->t);
		if (row) {
			fmt(row[0], 48, "%s", dir);
			fmt(row[1], 48, "%zu", used);
			fmt(row[2], 48, "%g", (double)vs->width / 1e9);
			fmt(row[3], 48, "%llu-%llu", (unsigned long long)nmin, (unsigned long long)nmax);
			if (lo50 <= hi50) {
				fmt(row[4], 48, "%.1f", lo50);
				fmt(row[5], 48, "%.1f", hi50);
			}
			if (hi99 > -INFINITY)
				fmt(row[6], 48, "%.1f", hi99);
		}
	}
	if (f->nseries == 0) {
		fmt(f->note, sizeof f->note, "No packet was seen at both %s and guest.",
		    point_name(v->pt[0]));
		return 0;
	}
	char few[160] = "";
	if (few50 || few99)
		fmt(few, sizeof few,
		    " Intervals of fewer than %d packets have no p50 here (%llu), of fewer than %d "
		    "no p99 (%llu).",
		    VO_TIME_MIN_P50, (unsigned long long)few50, VO_TIME_MIN_P99,
		    (unsigned long long)(few50 + few99));
	fmt(f->note, sizeof f->note,
	    "Each interval's quantiles of the VO latency of the packets that crossed %s "
	    "then, every protocol, intervals from the first host packet (within 0.4 %%: a sketch "
	    "per interval; a line does not cross an interval without a figure)%s.%s",
	    point_name(v->pt[0]),
	    bound_us > 0 ? "; the band is the p50 plus and minus the clock's error bound, "
			   "which every delay across the guest carries"
			 : "",
	    few);
	return 0;
}

/* ---- the clock ---- */

static double cross(double ox, double oy, double ax, double ay, double bx, double by)
{
	return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox);
}

struct xy {
	double x, y;
};

static int cmp_xy(const void *a, const void *b)
{
	const struct xy *p = a, *q = b;
	return p->x != q->x ? (p->x > q->x) - (p->x < q->x) : (p->y > q->y) - (p->y < q->y);
}

/* The lower (upper: sign -1) convex hull of the n points (sorted by x) into
 * s, as a line.  Its end vertices further than `far` (us) from the fitted
 * line y = fy0 + fk (x - fx0) join an outlier to the hull, not the
 * envelope the fit rests on: left out. */
static int hull_series(struct fig_series *s, const struct xy *pt, size_t n, int sign,
		       double fx0, double fy0, double fk, double far)
{
	size_t *h = malloc((n + 1) * sizeof *h), k = 0;
	if (h == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		while (k >= 2 && sign * cross(pt[h[k - 2]].x, pt[h[k - 2]].y, pt[h[k - 1]].x,
					      pt[h[k - 1]].y, pt[i].x, pt[i].y) <= 0)
			k--;
		h[k++] = i;
	}
#define OFF_FIT(v) (fabs(pt[v].y - (fy0 + fk * (pt[v].x - fx0))) > far)
	size_t first = 0, last = k ? k - 1 : 0;
	while (first < last && OFF_FIT(h[first]))
		first++;
	while (last > first && OFF_FIT(h[last]))
		last--;
#undef OFF_FIT
	int rc = 0;
	for (size_t i = first; k && i <= last && rc == 0; i++)
		rc = series_push(s, pt[h[i]].x, pt[h[i]].y, 0);
	free(h);
	return rc;
}

/* The segment a guest record is in. */
static int seg_of(const struct clock_model *m, uint64_t record)
{
	int k = 0;
	while (k + 1 < m->nseg && record >= m->seg[k + 1].first_record)
		k++;
	return k;
}

static int fig_clock(const struct analysis *a, struct figure *f)
{
	const struct clock_model *m = &a->clock;
	static const char *const head[] = {"segment", "from s", "to s", "offset us at from",
					   "skew ppm", "bound us", "pairs"};
	figure_init(f, "clock", "host time since the first host packet (s)", "guest - host (us)", 7,
		    head);
	fmt(f->title, sizeof f->title, "Guest clock: readings, hulls and the fitted offset");
	const struct clock_report *r = &a->clock_rep;
	if (!a->clock_estimated || m->method == CLOCK_NONE || a->nplot_pairs == 0) {
		fmt(f->note, sizeof f->note, "%s%s%s",
		    m->method == CLOCK_MANUAL ? "The clock was given (--guest-offset-us): nothing was "
						"estimated."
		    : !a->clock_estimated ? "No guest clock was estimated (no guest point with a host "
					    "point)."
					  : "No clock could be estimated",
		    a->clock_estimated && m->method != CLOCK_MANUAL && r->note[0] ? ": " : "",
		    a->clock_estimated && m->method != CLOCK_MANUAL ? r->note : "");
		return 0;
	}
	int64_t t0 = time_origin(a);
	/* every reading less the first segment's fitted line: the envelopes'
	 * microseconds whatever the skew (the skew is in the table), a step a
	 * jump of the later segments */
	const struct clock_segment *s0g = &m->seg[0];
#define DETREND_US(t, ns) (((ns) - clock_segment_offset(s0g, (t))) / 1e3)
	fmt(f->ylabel, sizeof f->ylabel, "guest - host less the first fit (us)");
	/* each segment's span: its pairs' (the report's), else its plotted ones' */
	int64_t span[CLOCK_MAX_SEGMENTS][2];
	size_t npairs[CLOCK_MAX_SEGMENTS] = {0};
	for (int k = 0; k < m->nseg; k++) {
		span[k][0] = INT64_MAX;
		span[k][1] = INT64_MIN;
	}
	for (size_t i = 0; i < a->nplot_pairs; i++) {
		const struct clock_pair_row *p = &a->plot_pairs[i];
		int k = seg_of(m, p->guest_record);
		span[k][0] = p->t_host_ns < span[k][0] ? p->t_host_ns : span[k][0];
		span[k][1] = p->t_host_ns > span[k][1] ? p->t_host_ns : span[k][1];
		npairs[k]++;
	}
	for (int k = 0; k < m->nseg; k++) {
		if (k < r->nseg && r->seg[k].end_ns > r->seg[k].start_ns) {
			span[k][0] = r->seg[k].start_ns;
			span[k][1] = r->seg[k].end_ns;
		}
		if (k > 0 && m->seg[k].start_ns < span[k][0])
			span[k][0] = m->seg[k].start_ns; /* from the step */
		if (span[k][0] > span[k][1])
			span[k][0] = span[k][1] = m->seg[k].start_ns;
	}
	/* the y range: the fits' span, 4 bounds (at least 20 us) either side */
	double flo = INFINITY, fhi = -INFINITY, margin = fmax(4 * m->error_bound_ns / 1e3, 20);
	for (int k = 0; k < m->nseg; k++)
		for (int e = 0; e < 2; e++) {
			double y = DETREND_US(span[k][e], clock_segment_offset(&m->seg[k], span[k][e]));
			flo = fmin(flo, y);
			fhi = fmax(fhi, y);
		}
	f->yfix = true;
	f->ylo = flo - margin;
	f->yhi = fhi + margin;
	static const char *const lab[DIR_N] = {"to guest: guest stamp - host stamp",
					       "from guest: -(host stamp - guest stamp)"};
	static const char *const hl[DIR_N] = {"to guest: lower hull", "from guest: upper hull"};
	static const char *const dot_color[DIR_N] = {"#9400d3", "#56b4e9"};
	static const char *const hull_color[DIR_N] = {"#009e73", "#e69f00"};
	struct xy *pt = malloc(a->nplot_pairs * sizeof *pt);
	if (pt == NULL)
		return -1;
	int rc = 0;
	size_t off = 0;
	for (int d = 0; d < DIR_N && rc == 0; d++) {
		struct fig_series *s = series_new(f, FIG_POINTS, lab[d]);
		if (s)
			s->color = dot_color[d];
		for (size_t i = 0; s && i < a->nplot_pairs && rc == 0; i++) {
			const struct clock_pair_row *p = &a->plot_pairs[i];
			if (p->dir != (enum direction)d)
				continue;
			double y = DETREND_US(p->t_host_ns, p->reading_ns);
			off += y < f->ylo || y > f->yhi;
			rc = series_push(s, (double)(p->t_host_ns - t0) / 1e9, y, 0);
		}
		if (s && s->n == 0)
			f->nseries--;
	}
	for (int k = 0; k < m->nseg && rc == 0; k++) {
		const struct clock_segment *sg = &m->seg[k];
		double x0 = (double)(span[k][0] - t0) / 1e9, x1 = (double)(span[k][1] - t0) / 1e9;
		double y0 = DETREND_US(span[k][0], clock_segment_offset(sg, span[k][0]));
		double y1 = DETREND_US(span[k][1], clock_segment_offset(sg, span[k][1]));
		double b = (k < r->nseg ? r->seg[k].error_bound_ns : m->error_bound_ns) / 1e3;
		double slope_us = (sg->skew - s0g->skew) * 1e6; /* us per s, detrended */
		/* the segment's hulls: its pairs only (a step breaks the envelopes) */
		for (int d = 0; d < DIR_N && rc == 0; d++) {
			size_t np = 0;
			for (size_t i = 0; i < a->nplot_pairs; i++) {
				const struct clock_pair_row *p = &a->plot_pairs[i];
				if (p->dir == (enum direction)d && seg_of(m, p->guest_record) == k)
					pt[np++] = (struct xy){(double)(p->t_host_ns - t0) / 1e9,
							       DETREND_US(p->t_host_ns, p->reading_ns)};
			}
			if (np < 2)
				continue;
			qsort(pt, np, sizeof *pt, cmp_xy);
			struct fig_series *h = series_new(f, FIG_LINES, hl[d]);
			if (h) {
				h->color = hull_color[d];
				h->notitle = k > 0;
				rc = hull_series(h, pt, np, d == DIR_TO_GUEST ? 1 : -1, x0, y0, slope_us,
						 fmax(3 * b, 20));
			}
		}
		struct fig_series *s = rc == 0 ? series_new(f, FIG_LINES, "fit") : NULL;
		if (s) {
			s->color = "#000000";
			s->notitle = k > 0;
			rc = series_push(s, x0, y0, 0) || series_push(s, x1, y1, 0);
		}
		struct fig_series *band =
		    rc == 0 && b > 0 ? series_new(f, FIG_BAND, "fit +- bound") : NULL;
		if (band) {
			band->color = "#0072b2";
			band->notitle = k > 0;
			rc = series_push(band, x0, y0 - b, y0 + b) || series_push(band, x1, y1 - b, y1 + b);
		}
		struct fig_series *st = rc == 0 && k > 0 ? series_new(f, FIG_DASHED, "step") : NULL;
		if (st) {
			double xs = (double)(sg->start_ns - t0) / 1e9;
			st->color = "#d55e00";
			st->notitle = k > 1;
			rc = series_push(st, xs, f->ylo, 0) || series_push(st, xs, f->yhi, 0);
		}
		char(*row)[48] = table_row(&f->t);
		if (row) {
			fmt(row[0], 48, "%d%s", k + 1, k > 0 ? " (after a step)" : "");
			fmt(row[1], 48, "%.3f", x0);
			fmt(row[2], 48, "%.3f", x1);
			fmt(row[3], 48, "%.3f", clock_segment_offset(sg, span[k][0]) / 1e3);
			fmt(row[4], 48, "%+.3f", sg->skew * 1e6);
			fmt(row[5], 48, "%.1f", b);
			fmt(row[6], 48, "%zu",
			    k < r->nseg && r->seg[k].n_to + r->seg[k].n_from > 0
				? r->seg[k].n_to + r->seg[k].n_from
				: npairs[k]);
		}
	}
#undef DETREND_US
	free(pt);
	if (rc != 0)
		return -1;
	char(*row)[48] = off ? table_row(&f->t) : NULL;
	if (row) {
		fmt(row[0], 48, "beyond the y axis");
		fmt(row[6], 48, "%zu", off);
	}
	fmt(f->note, sizeof f->note,
	    "Each pair is a packet seen at %s and at guest: to the guest its reading is the "
	    "offset plus the delay, from the guest the offset minus it, so the offset lies "
	    "between the two envelopes; drawn less the first segment's fitted line (%.3f us at "
	    "0 s, %+.3f ppm). Method %s, %zu of %zu pairs drawn%s.%s",
	    point_name(r->host_point), clock_segment_offset(s0g, t0) / 1e3, s0g->skew * 1e6,
	    m->method == CLOCK_HULL ? "hull" : m->method == CLOCK_PROBE ? "probe" : "regression",
	    a->nplot_pairs, r->pairs_to + r->pairs_from,
	    a->nplot_pairs < r->pairs_to + r->pairs_from
		? " (each interval's lowest and highest reading per direction)"
		: "",
	    m->nseg > 1 ? " A new segment starts at each step of the guest clock." : "");
	return 0;
}

/* ---- round trips ---- */

struct sketch_fill {
	struct sketch sk;
	int failed;
};

static void fill_sketch(void *ctx, double lo, double hi, double rep, uint64_t count)
{
	(void)lo;
	(void)hi;
	struct sketch_fill *sf = ctx;
	if (sketch_add_n(&sf->sk, llround(rep * 1e3), count) != 0)
		sf->failed = 1;
}

static int fig_rtt_cdf(const struct analysis *a, struct figure *f)
{
	figure_init(f, "rtt_cdf", "round trip (us)", "fraction of RTT samples at or below", 7,
		    CDF_HEAD);
	fmt(f->title, sizeof f->title, "TCP RTT CDF per capture point (timestamp option)");
	if (a->rtt == NULL) {
		fmt(f->note, sizeof f->note, "The round trips were not tracked (--no-rtt).");
		return 0;
	}
	for (int p = 0; p < POINT_N; p++) {
		if (!(a->mask & (1u << p)))
			continue;
		struct sketch_fill sf = {.failed = 0};
		sketch_init(&sf.sk, SKETCH_BITS_DELAY);
		int rc = rtt_set_visit(a->rtt, (enum point)p, fill_sketch, &sf) != 0 || sf.failed;
		if (rc == 0)
			rc = sketch_cdf(f, &sf.sk, point_name((enum point)p),
					(struct look){POINT_COLOR[p], 1});
		sketch_free(&sf.sk);
		if (rc != 0)
			return -1;
	}
	fmt(f->note, sizeof f->note, "%s",
	    f->nseries == 0 ? "No point had a TCP round trip (flows without the timestamp option, "
			      "or no TCP)."
			    : "Every RTT sample of every flow at each point (pping's rules), host "
			      "time; quantiles within 0.012 %. The VO share of the RTT is in the "
			      "table below the figure.");
	choose_logx(f);
	return 0;
}

/* ---- ACK inter-arrivals ---- */

enum { ACK_BINS = 60 };

/* The bins' edges over [lo, hi] us: logarithmic when lo > 0 and hi / lo >=
 * 50 (a spread over decades), else linear. */
static void ack_edges(double lo, double hi, double *edge, bool *logx)
{
	*logx = lo > 0 && hi / lo >= 50;
	if (!(hi > lo))
		hi = lo + 1;
	for (int i = 0; i <= ACK_BINS; i++)
		edge[i] = *logx ? lo * pow(hi / lo, (double)i / ACK_BINS)
				: lo + (hi - lo) * i / ACK_BINS;
	edge[ACK_BINS] = hi; /* the largest value in the last bin, not past it */
}

static int fig_ack(const struct analysis *a, struct figure *hist, struct figure *cdf)
{
	static const char *const head[] = {"point", "flows", "inter-arrivals", "min us", "max us",
					   "bins", "at 0 us (not binned)"};
	figure_init(hist, "ack_hist", "inter-arrival (us)", "inter-arrivals per bin", 7, head);
	figure_init(cdf, "ack_cdf", "inter-arrival (us)", "fraction of inter-arrivals at or below",
		    7, CDF_HEAD);
	fmt(hist->title, sizeof hist->title, "ACK inter-arrival histogram per capture point");
	fmt(cdf->title, sizeof cdf->title, "ACK inter-arrival CDF per capture point");
	if (a->ack == NULL) {
		fmt(hist->note, sizeof hist->note, "The ACK streams were not tracked (--no-ack).");
		fmt(cdf->note, sizeof cdf->note, "%s", hist->note);
		return 0;
	}
	/* every point's inter-arrivals, then bins common to all points */
	struct sketch_fill sf[POINT_N];
	uint64_t flows[POINT_N] = {0};
	int rc = 0;
	double lo = INFINITY, hi = -INFINITY; /* the smallest positive, the largest */
	uint64_t zeros[POINT_N] = {0};
	for (int p = 0; p < POINT_N; p++) {
		sketch_init(&sf[p].sk, SKETCH_BITS_DELAY);
		sf[p].failed = 0;
		if (rc == 0 && (a->mask & (1u << p)) &&
		    (ack_set_visit(a->ack, (enum point)p, fill_sketch, &sf[p], &flows[p]) != 0 ||
		     sf[p].failed))
			rc = -1;
		size_t pos = 0;
		struct sketch_bucket bk;
		while (sketch_next(&sf[p].sk, &pos, &bk)) {
			if (bk.rep <= 0) { /* back to back within the stamps' grain (us pcaps) */
				zeros[p] += bk.count;
				continue;
			}
			lo = fmin(lo, bk.rep / 1e3);
			hi = fmax(hi, bk.rep / 1e3);
		}
	}
	double edge[ACK_BINS + 1];
	bool logx = false;
	if (lo <= hi)
		ack_edges(lo, hi, edge, &logx);
	hist->logx = logx;
	for (int p = 0; p < POINT_N && rc == 0; p++) {
		const struct sketch *sk = &sf[p].sk;
		if (sk->n == 0)
			continue;
		const char *name = point_name((enum point)p);
		struct fig_series *h = series_new(hist, FIG_STEPS, name);
		if (h)
			h->color = POINT_COLOR[p];
		uint64_t count[ACK_BINS] = {0};
		size_t pos = 0;
		struct sketch_bucket bk;
		while (sketch_next(sk, &pos, &bk)) {
			double v = bk.rep / 1e3;
			if (v <= 0 || lo > hi)
				continue; /* zeros: counted apart (the table) */
			int i = 0;
			while (i + 1 < ACK_BINS && v >= edge[i + 1])
				i++;
			count[i] += bk.count;
		}
		for (int i = 0; h && lo <= hi && i < ACK_BINS && rc == 0; i++)
			rc = series_push(h, edge[i], (double)count[i], 0);
		if (h && lo <= hi && rc == 0) /* the last bin's right edge closes the steps */
			rc = series_push(h, edge[ACK_BINS], 0, 0);
		if (rc == 0)
			rc = sketch_cdf(cdf, sk, name, (struct look){POINT_COLOR[p], 1});
		char(*row)[48] = table_row(&hist->t);
		if (row) {
			fmt(row[0], 48, "%s", name);
			fmt(row[1], 48, "%llu", (unsigned long long)flows[p]);
			fmt(row[2], 48, "%llu", (unsigned long long)sk->n);
			fmt(row[3], 48, "%.1f", (double)sk->min / 1e3);
			fmt(row[4], 48, "%.1f", (double)sk->max / 1e3);
			fmt(row[5], 48, "%d %s", ACK_BINS, logx ? "logarithmic" : "linear");
			fmt(row[6], 48, "%llu", (unsigned long long)zeros[p]);
		}
	}
	choose_logx(cdf);
	for (int p = 0; p < POINT_N; p++)
		sketch_free(&sf[p].sk);
	if (rc != 0)
		return -1;
	if (hist->nseries == 0) {
		fmt(hist->note, sizeof hist->note, "No ACK inter-arrival at any point.");
		fmt(cdf->note, sizeof cdf->note, "%s", hist->note);
	} else {
		fmt(hist->note, sizeof hist->note,
		    "Every ACK flow's inter-arrivals at each point (host time), on %d %s bins from "
		    "the smallest above 0 to the largest at any point (within 0.012 %%: a sketch; "
		    "those of 0, back to back within the stamps' grain, counted in the table). The "
		    "report's own histograms per flow (--bin, --max, --log-bins) are in vocalc ack; "
		    "the compression between points is in the table below.",
		    ACK_BINS, logx ? "logarithmic" : "linear");
		fmt(cdf->note, sizeof cdf->note,
		    "Every ACK flow's inter-arrivals at each point (host time); quantiles within "
		    "0.012 %%.");
	}
	return 0;
}

int figures_build(const struct analysis *a, struct figure_set *fs)
{
	memset(fs, 0, sizeof *fs);
	fs->n = FIG_N;
	int rc = fig_vo_cdf(a, &fs->f[0]);
	rc = rc ? rc : fig_hop_cdf(a, &fs->f[1], DIR_TO_GUEST);
	rc = rc ? rc : fig_hop_cdf(a, &fs->f[2], DIR_FROM_GUEST);
	rc = rc ? rc : fig_vo_time(a, &fs->f[3]);
	rc = rc ? rc : fig_clock(a, &fs->f[4]);
	rc = rc ? rc : fig_rtt_cdf(a, &fs->f[5]);
	rc = rc ? rc : fig_ack(a, &fs->f[6], &fs->f[7]);
	if (rc != 0)
		figures_free(fs);
	return rc;
}

void figures_free(struct figure_set *fs)
{
	for (int i = 0; i < fs->n; i++)
		for (int k = 0; k < fs->f[i].nseries; k++) {
			free(fs->f[i].s[k].x);
			free(fs->f[i].s[k].y);
			free(fs->f[i].s[k].y2);
		}
	memset(fs, 0, sizeof *fs);
}
