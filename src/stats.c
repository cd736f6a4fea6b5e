/* stats — see stats.h. */
#include "stats.h"

#include <assert.h>
#include <errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_statistics_int.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t exact_cap = STATS_EXACT_CAP, flow_cap = STATS_FLOW_CAP;

size_t stats_exact_cap(void)
{
	return exact_cap;
}

size_t stats_flow_cap(void)
{
	return flow_cap;
}

void stats_set_exact_cap(size_t cap)
{
	exact_cap = flow_cap = cap;
}

int stats_cap_from_env(struct verr *err)
{
	const char *s = getenv("VOCALC_EXACT_CAP");
	if (s == NULL)
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || end == s || *end != '\0' || errno != 0 || v > (1ull << 32))
		return verr_set(err, VERR_INPUT,
				"VOCALC_EXACT_CAP=%s: not a count of values from 0 to 4294967296 "
				"(the values each distribution keeps exactly before its sketch)",
				s);
	stats_set_exact_cap((size_t)v);
	return 0;
}

/* The first exact array's size, then doubling up to the cap lim. */
static size_t grown(size_t cap, size_t first, size_t lim)
{
	size_t c = cap ? cap * 2 : first;
	return c > lim && lim > cap ? lim : c;
}

/* Folds s's exact values into a new sketch (v freed). */
static int samples_fold(struct samples *s)
{
	struct sketch *k = malloc(sizeof *k);
	if (k == NULL)
		return -1;
	sketch_init(k, SKETCH_BITS_DELAY);
	for (size_t i = 0; i < s->n; i++)
		if (sketch_add(k, s->v[i]) != 0) {
			sketch_free(k);
			free(k);
			return -1;
		}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
	s->sk = k;
	return 0;
}

int samples_push(struct samples *s, int64_t ns)
{
	if (s->sk == NULL && s->n >= exact_cap && samples_fold(s) != 0)
		return -1;
	if (s->sk)
		return sketch_add(s->sk, ns);
	if (s->n == s->cap) {
		size_t cap = grown(s->cap, 1024, exact_cap);
		int32_t *v = realloc(s->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (ns > INT32_MAX || ns < INT32_MIN) {
		s->clipped++;
		ns = ns > 0 ? INT32_MAX : INT32_MIN;
	}
	s->v[s->n++] = (int32_t)ns;
	return 0;
}

void samples_free(struct samples *s)
{
	free(s->v);
	if (s->sk) {
		sketch_free(s->sk);
		free(s->sk);
	}
	memset(s, 0, sizeof *s);
}

/* Partitions v[0..n) around a into [< a][== a][> a]; *lt, *eq: their sizes.
 * One body for the delays (int ns) and for the figures kept as doubles. */
#define DEFINE_PARTITION3(name, type)                                              \
	static void name(type *v, size_t n, type a, size_t *lt, size_t *eq)        \
	{                                                                          \
		size_t lo = 0, mid = 0, hi = n;                                    \
		while (mid < hi) {                                                 \
			type x = v[mid];                                           \
			if (x < a) {                                               \
				v[mid++] = v[lo];                                  \
				v[lo++] = x;                                       \
			} else if (x > a) {                                        \
				v[mid] = v[--hi];                                  \
				v[hi] = x;                                         \
			} else {                                                   \
				mid++;                                             \
			}                                                          \
		}                                                                  \
		*lt = lo;                                                          \
		*eq = mid - lo;                                                    \
	}
DEFINE_PARTITION3(partition3, int)
DEFINE_PARTITION3(partition3_d, double)

/* GSL's quantiles (linear interpolation at index q*(n-1)) of v for the
 * ascending qs, without sorting: each order statistic by GSL's select on the
 * part of v that can still hold it, then a partition around it, so the next
 * quantile searches only the values above and the neighbour needed for the
 * interpolation is known from the partition.  Reorders v. */
static void quantiles_by_select(int *v, size_t n, const double *qs, double *out, int k)
{
	size_t base = 0; /* v[base..n) holds every rank >= base, in some order */
	for (int i = 0; i < k; i++) {
		double idx = qs[i] * (double)(n - 1);
		size_t lo = (size_t)idx;
		double frac = idx - (double)lo;
		int a = gsl_stats_int_select(v + base, 1, n - base, lo - base);
		size_t lt, eq;
		partition3(v + base, n - base, a, &lt, &eq);
		/* ranks base+lt .. base+lt+eq-1 hold a, so lo is among them */
		int b = a;
		if (frac != 0 && lo + 1 >= base + lt + eq && lo + 1 < n) {
			b = INT_MAX; /* the smallest value above a */
			for (size_t j = base + lt + eq; j < n; j++)
				if (v[j] < b)
					b = v[j];
		}
		out[i] = a + frac * ((double)b - a);
		base += lt;
	}
}

/* d from a sketch of values in units of 1/scale of d's unit. */
static void dist_of_sketch(struct dist *d, const struct sketch *k, double scale)
{
	memset(d, 0, sizeof *d);
	if (k->n == 0)
		return;
	d->n = (size_t)k->n;
	d->min = (double)k->min / scale;
	d->max = (double)k->max / scale;
	d->mean = sketch_mean(k) / scale;
	d->sd = sketch_sd(k) / scale;
	/* GSL's quantiles from the order statistics around q (n - 1), all
	 * six in one pass over the buckets */
	static const double qs[3] = {0.50, 0.90, 0.99};
	uint64_t r[6];
	double delta[3], v[6], e[6], *out[3] = {&d->p50, &d->p90, &d->p99};
	for (int i = 0; i < 3; i++) {
		double idx = qs[i] * (double)(k->n - 1);
		r[2 * i] = (uint64_t)idx;
		r[2 * i + 1] = r[2 * i] + 1 < k->n ? r[2 * i] + 1 : r[2 * i];
		delta[i] = idx - (double)r[2 * i];
	}
	sketch_ranks(k, r, 6, v, e);
	d->sketch_abs = 0;
	for (int i = 0; i < 3; i++) {
		double err = (1 - delta[i]) * e[2 * i] + delta[i] * e[2 * i + 1];
		*out[i] = ((1 - delta[i]) * v[2 * i] + delta[i] * v[2 * i + 1]) / scale;
		d->sketch_abs = fmax(d->sketch_abs, err / scale);
	}
	d->sketch_rel = sketch_rel_error(k);
}

/* The union of sets of which some are sketches: one sketch of all into u
 * (the caller's, freed by it).  -1 on no memory. */
static int union_sketch(struct sketch *u, const struct samples *const *sets, size_t k)
{
	sketch_init(u, SKETCH_BITS_DELAY);
	int rc = 0;
	for (size_t i = 0; i < k && rc == 0; i++) {
		if (sets[i]->sk)
			rc = sketch_merge(u, sets[i]->sk);
		for (size_t j = 0; j < sets[i]->n && rc == 0; j++)
			rc = sketch_add(u, sets[i]->v[j]);
	}
	return rc;
}

static int dist_of_mixed(struct dist *d, const struct samples *const *sets, size_t k)
{
	struct sketch u;
	int rc = union_sketch(&u, sets, k);
	if (rc == 0)
		dist_of_sketch(d, &u, 1e3);
	sketch_free(&u);
	return rc;
}

/* The exact values of the union (every set exact) copied; *n their count.
 * NULL with *n 0 when there are none, NULL with *n > 0 on no memory. */
static int *union_exact(const struct samples *const *sets, size_t k, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < k; i++)
		*n += sets[i]->n;
	if (*n == 0)
		return NULL;
	int *v = malloc(*n * sizeof *v);
	if (v == NULL)
		return NULL;
	size_t at = 0;
	for (size_t i = 0; i < k; i++) {
		if (sets[i]->n == 0)
			continue; /* its v may be NULL: memcpy must not see it */
		memcpy(v + at, sets[i]->v, sets[i]->n * sizeof *v);
		at += sets[i]->n;
	}
	return v;
}

static bool any_sketch(const struct samples *const *sets, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (sets[i]->sk)
			return true;
	return false;
}

int samples_quantiles(const struct samples *const *sets, size_t k, const double *qs, int nq,
		      double *out_us, uint64_t *count)
{
	*count = 0;
	if (any_sketch(sets, k)) {
		struct sketch u;
		int rc = union_sketch(&u, sets, k);
		*count = rc == 0 ? u.n : 0;
		for (int i = 0; rc == 0 && u.n > 0 && i < nq; i++)
			out_us[i] = sketch_quantile(&u, qs[i], NULL) / 1e3;
		sketch_free(&u);
		return rc;
	}
	size_t n;
	int *v = union_exact(sets, k, &n);
	if (v == NULL)
		return n == 0 ? 0 : -1;
	quantiles_by_select(v, n, qs, out_us, nq);
	for (int i = 0; i < nq; i++)
		out_us[i] /= 1e3;
	free(v);
	*count = n;
	return 0;
}

int dist_of(struct dist *d, const struct samples *const *sets, size_t k)
{
	memset(d, 0, sizeof *d);
	if (any_sketch(sets, k))
		return dist_of_mixed(d, sets, k);
	size_t n;
	int *v = union_exact(sets, k, &n);
	if (v == NULL)
		return n == 0 ? 0 : -1;
	int mn, mx;
	gsl_stats_int_minmax(&mn, &mx, v, 1, n);
	d->n = n;
	d->min = mn / 1e3;
	d->max = mx / 1e3;
	d->mean = gsl_stats_int_mean(v, 1, n) / 1e3;
	d->sd = n > 1 ? gsl_stats_int_sd_m(v, 1, n, d->mean * 1e3) / 1e3 : 0;
	static const double qs[3] = {0.50, 0.90, 0.99};
	double q[3];
	quantiles_by_select(v, n, qs, q, 3);
	d->p50 = q[0] / 1e3;
	d->p90 = q[1] / 1e3;
	d->p99 = q[2] / 1e3;
	free(v);
	return 0;
}

void dist_of_doubles(struct dist *d, double *v, size_t n)
{
	memset(d, 0, sizeof *d);
	if (n == 0)
		return;
	gsl_sort(v, 1, n);
	d->n = n;
	d->min = v[0];
	d->max = v[n - 1];
	d->p50 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.50);
	d->p90 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.90);
	d->p99 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.99);
	d->mean = gsl_stats_mean(v, 1, n);
	d->sd = n > 1 ? gsl_stats_sd(v, 1, n) : 0;
}

/* ---- per-flow distributions ---- */

void bvec_init(struct bvec *b, bool is_float, double scale, int bits)
{
	memset(b, 0, sizeof *b);
	b->is_float = is_float;
	b->scale = scale;
	b->bits = bits;
}

/* x in the sketch's integer units, clamped (and counted) beyond int64. */
static int64_t units(double x, double scale, uint64_t *clipped)
{
	double y = x * scale;
	if (y >= 0x1p63 || y < -0x1p63 || isnan(y)) {
		(*clipped)++;
		return isnan(y) ? 0 : y > 0 ? INT64_MAX : INT64_MIN;
	}
	return llround(y);
}

static double bvec_at(const struct bvec *b, size_t i)
{
	return b->is_float ? (double)((const float *)b->v)[i] : ((const double *)b->v)[i];
}

static int bvec_fold(struct bvec *b)
{
	struct sketch *k = malloc(sizeof *k);
	if (k == NULL)
		return -1;
	sketch_init(k, b->bits);
	for (size_t i = 0; i < b->n; i++)
		if (sketch_add(k, units(bvec_at(b, i), b->scale, &b->clipped)) != 0) {
			sketch_free(k);
			free(k);
			return -1;
		}
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
	b->sk = k;
	return 0;
}

int bvec_push(struct bvec *b, double x)
{
	if (b->sk == NULL && b->n >= flow_cap && bvec_fold(b) != 0)
		return -1;
	if (b->sk)
		return sketch_add(b->sk, units(x, b->scale, &b->clipped));
	if (b->n == b->cap) {
		size_t cap = grown(b->cap, 64, flow_cap),
		       el = b->is_float ? sizeof(float) : sizeof(double);
		void *v = realloc(b->v, cap * el);
		if (v == NULL)
			return -1;
		b->v = v;
		b->cap = cap;
	}
	if (b->is_float)
		((float *)b->v)[b->n++] = (float)x;
	else
		((double *)b->v)[b->n++] = x;
	return 0;
}

void bvec_free(struct bvec *b)
{
	free(b->v);
	if (b->sk) {
		sketch_free(b->sk);
		free(b->sk);
	}
	bvec_init(b, b->is_float, b->scale, b->bits);
}

int bview_open(struct bview *w, const struct bvec *const *sets, size_t k)
{
	memset(w, 0, sizeof *w);
	w->scale = k ? sets[0]->scale : 1;
	size_t n = 0;
	for (size_t i = 0; i < k; i++) {
		w->sketched |= sets[i]->sk != NULL;
		n += sets[i]->n;
	}
	if (w->sketched) {
		sketch_init(&w->sk, sets[0]->bits);
		uint64_t clipped = 0;
		for (size_t i = 0; i < k; i++) {
			assert(sets[i]->bits == sets[0]->bits && sets[i]->scale == w->scale);
			if (sets[i]->sk && sketch_merge(&w->sk, sets[i]->sk) != 0)
				goto nomem;
			for (size_t j = 0; j < sets[i]->n; j++)
				if (sketch_add(&w->sk,
					       units(bvec_at(sets[i], j), w->scale, &clipped)) != 0)
					goto nomem;
		}
		return 0;
	}
	if (n == 0)
		return 0;
	if ((w->v = malloc(n * sizeof *w->v)) == NULL)
		return -1;
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < sets[i]->n; j++)
			w->v[w->n++] = bvec_at(sets[i], j);
	return 0;
nomem:
	sketch_free(&w->sk);
	return -1;
}

void bview_rescale(struct bview *w, double f)
{
	if (f == 1)
		return;
	if (w->sketched) {
		w->scale /= f; /* sketch units per value */
		return;
	}
	/* to the values' resolution (the sketch unit: ns for us), as they
	 * were: a duration is whole ns however its clock ran */
	for (size_t i = 0; i < w->n; i++)
		w->v[i] = nearbyint(w->v[i] * f * w->scale) / w->scale;
}

void bview_close(struct bview *w)
{
	free(w->v);
	if (w->sketched)
		sketch_free(&w->sk);
	memset(w, 0, sizeof *w);
}

/* The order statistics of v at the ascending ranks r[0..k): each by GSL's
 * select on the part of v that can still hold it, then a partition around
 * it, so later ranks search only above it and ties are known.  Reorders v. */
static void order_stats(double *v, size_t n, const size_t *r, double *out, int k)
{
	size_t eq_lo = 0, eq_hi = 0; /* ranks eq_lo..eq_hi-1 hold eq_v */
	double eq_v = 0;
	for (int i = 0; i < k; i++) {
		if (r[i] >= eq_lo && r[i] < eq_hi) {
			out[i] = eq_v;
			continue;
		}
		size_t base = eq_hi, lt, eq; /* r[i] >= eq_hi: ranks ascend */
		double a = gsl_stats_select(v + base, 1, n - base, r[i] - base);
		partition3_d(v + base, n - base, a, &lt, &eq);
		eq_lo = base + lt;
		eq_hi = eq_lo + eq;
		eq_v = a;
		out[i] = a;
	}
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

enum { MAXQ = 12 };

void bview_dist(struct bview *w, struct dist *d, const double *qs, int k, double *at, double *err)
{
	memset(d, 0, sizeof *d);
	for (int i = 0; i < k; i++)
		at[i] = err[i] = 0;
	uint64_t n = bview_count(w);
	if (n == 0)
		return;
	static const double pq[3] = {0.50, 0.90, 0.99};
	if (w->sketched) {
		dist_of_sketch(d, &w->sk, w->scale);
		for (int i = 0; i < k; i++) {
			uint64_t r = (uint64_t)(qs[i] * (double)(n - 1));
			at[i] = sketch_rank(&w->sk, r, &err[i]) / w->scale;
			err[i] /= w->scale;
		}
		return;
	}
	assert(k <= MAXQ - 6);
	/* every rank wanted, ascending: each quantile's two neighbours, then
	 * the floor ranks */
	size_t r[MAXQ], lo[3];
	int m = 0;
	for (int i = 0; i < 3; i++) {
		double idx = pq[i] * (double)(n - 1);
		lo[i] = (size_t)idx;
		r[m++] = lo[i];
		r[m++] = lo[i] + 1 < n ? lo[i] + 1 : lo[i];
	}
	for (int i = 0; i < k; i++)
		r[m++] = (size_t)(qs[i] * (double)(n - 1));
	size_t rs[MAXQ];
	memcpy(rs, r, sizeof rs);
	qsort(rs, (size_t)m, sizeof *rs, cmp_size);
	/* mean and sd first: GSL's, on the values as they came */
	d->n = w->n;
	d->mean = gsl_stats_mean(w->v, 1, w->n);
	d->sd = w->n > 1 ? gsl_stats_sd(w->v, 1, w->n) : 0;
	gsl_stats_minmax(&d->min, &d->max, w->v, 1, w->n);
	double vs[MAXQ];
	order_stats(w->v, w->n, rs, vs, m);
	double val[MAXQ];
	for (int i = 0; i < m; i++)
		for (int j = 0; j < m; j++)
			if (rs[j] == r[i]) {
				val[i] = vs[j];
				break;
			}
	/* GSL's gsl_stats_quantile_from_sorted_data, term for term */
	double *out[3] = {&d->p50, &d->p90, &d->p99};
	for (int i = 0; i < 3; i++) {
		double idx = pq[i] * (double)(n - 1), delta = idx - (double)lo[i];
		*out[i] =
		    lo[i] == n - 1 ? val[2 * i] : (1 - delta) * val[2 * i] + delta * val[2 * i + 1];
	}
	for (int i = 0; i < k; i++)
		at[i] = val[6 + i];
}

double bview_frac_below(const struct bview *w, double thr, double thr_err, double *bound)
{
	*bound = 0;
	uint64_t n = bview_count(w);
	if (n == 0)
		return 0;
	if (w->sketched) {
		uint64_t sure, maybe, ignore;
		double est = sketch_count_below(&w->sk, thr * w->scale, &ignore, &ignore);
		sketch_count_below(&w->sk, (thr - thr_err) * w->scale, &sure, &ignore);
		sketch_count_below(&w->sk, (thr + thr_err) * w->scale, &ignore, &maybe);
		*bound = fmax(est - (double)sure, (double)maybe - est) / (double)n;
		return est / (double)n;
	}
	uint64_t below = 0, lo = 0, hi = 0;
	for (size_t i = 0; i < w->n; i++) {
		below += w->v[i] < thr;
		lo += w->v[i] < thr - thr_err;
		hi += w->v[i] < thr + thr_err;
	}
	if (thr_err > 0)
		*bound = (double)(below - lo > hi - below ? below - lo : hi - below) / (double)n;
	return (double)below / (double)n;
}

void bview_visit(const struct bview *w, bview_fn fn, void *ctx)
{
	if (!w->sketched) {
		for (size_t i = 0; i < w->n; i++)
			fn(ctx, w->v[i], w->v[i], w->v[i], 1);
		return;
	}
	size_t pos = 0;
	struct sketch_bucket b;
	while (sketch_next(&w->sk, &pos, &b))
		fn(ctx, (double)b.lo / w->scale, (double)b.hi / w->scale, b.rep / w->scale,
		   b.count);
}
