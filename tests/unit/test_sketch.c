/* The sketch (sketch.h) against exact quantiles: GSL's definition on the same
 * data, fully sorted.  Heavy-tailed data (Pareto, lognormal, mixtures),
 * negative values, one value, two values, counts past 2^32, the ends of the
 * int64 range: every quantile within the bound the sketch returns, and that
 * bound within 2^-S of the order statistics' magnitude.  Merging equals the
 * sketch of the union.  Then the bounded distributions of stats.h: exact
 * below the cap (bit for bit GSL's), a sketch past it, unions of both. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"
#include "stats.h"
#include "tcheck.h"

static const double QS[] = {0,	 0.0001, 0.001, 0.01, 0.05, 0.1,   0.25,  0.333,  0.5,
			    0.6, 0.75,	 0.9,	0.95, 0.99, 0.995, 0.999, 0.9999, 1};
enum { NQ = sizeof QS / sizeof QS[0] };

static int worst_fail; /* one message per data set is enough */

/* Checks a sketch of bits S over v[0..n) (int64 ns) against GSL on the same
 * values; returns the largest relative error seen. */
static double check_against_gsl(const char *what, const int64_t *v, size_t n, int bits)
{
	struct sketch s;
	sketch_init(&s, bits);
	double *d = malloc(n * sizeof *d);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(sketch_add(&s, v[i]), 0);
		d[i] = (double)v[i];
	}
	gsl_sort(d, 1, n);
	double rel = ldexp(1.0, -bits), worst = 0;
	CHECK_EQ(sketch_count(&s), n);
	int64_t mn = v[0], mx = v[0];
	for (size_t i = 0; i < n; i++) {
		mn = v[i] < mn ? v[i] : mn;
		mx = v[i] > mx ? v[i] : mx;
	}
	CHECK_EQ(s.min, mn);
	CHECK_EQ(s.max, mx);
	/* mean exact (sum in 128 bits), sd to rounding */
	long double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (long double)v[i];
	CHECK_NEAR(sketch_mean(&s), (double)(sum / n), fabs((double)(sum / n)) * 1e-15 + 1e-9);
	double sd = n > 1 ? gsl_stats_sd(d, 1, n) : 0;
	CHECK_NEAR(sketch_sd(&s), sd, sd * 1e-9 + 1e-9);
	int failed_before = tcheck_failed;
	for (int i = 0; i < NQ; i++) {
		double truth = gsl_stats_quantile_from_sorted_data(d, 1, n, QS[i]), err;
		double got = sketch_quantile(&s, QS[i], &err);
		double idx = QS[i] * (double)(n - 1);
		size_t lo = (size_t)idx, hi = lo + 1 < n ? lo + 1 : lo;
		double mag = fmax(fabs(d[lo]), fabs(d[hi]));
		/* the figure within the bound returned (plus the rounding of an
		 * interpolation in doubles), the bound within 2^-S */
		double fp = 1e-12 * fmax(1, mag);
		CHECK(fabs(got - truth) <= err + fp);
		CHECK(err <= rel * mag + fp);
		if (mag > 0)
			worst = fmax(worst, fabs(got - truth) / mag);
		/* the order statistic at floor(q (n - 1)), as the ACK report uses */
		double re, r = sketch_rank(&s, lo, &re);
		CHECK(fabs(r - d[lo]) <= re + fp && re <= rel * fabs(d[lo]) + fp);
	}
	/* all the ranks in one pass equal them one by one */
	uint64_t rk[NQ];
	double rv[NQ], re[NQ];
	for (int i = 0; i < NQ; i++)
		rk[i] = (uint64_t)(QS[i] * (double)(n - 1));
	sketch_ranks(&s, rk, NQ, rv, re);
	for (int i = 0; i < NQ; i++) {
		double e1, v1 = sketch_rank(&s, rk[i], &e1);
		CHECK(rv[i] == v1 && re[i] == e1);
	}
	/* counts below thresholds: the truth between sure and maybe, and so
	 * the estimate */
	for (int i = 0; i < NQ; i++) {
		double thr = gsl_stats_quantile_from_sorted_data(d, 1, n, QS[i]) + 0.5;
		uint64_t sure, maybe;
		double est = sketch_count_below(&s, thr, &sure, &maybe);
		size_t truth = 0;
		while (truth < n && d[truth] < thr)
			truth++;
		CHECK(sure <= truth && truth <= maybe);
		CHECK(sure <= est && est <= maybe);
	}
	if (tcheck_failed > failed_before && worst_fail++ < 5)
		fprintf(stderr, "  (data set: %s, n %zu, bits %d)\n", what, n, bits);
	free(d);
	sketch_free(&s);
	return worst;
}

/* merge(parts) == sketch(all): identical buckets, counts, min, max, sum */
static void check_merge(const int64_t *v, size_t n, int bits, gsl_rng *r)
{
	struct sketch all, part[3], m;
	sketch_init(&all, bits);
	sketch_init(&m, bits);
	for (int k = 0; k < 3; k++)
		sketch_init(&part[k], bits);
	for (size_t i = 0; i < n; i++) {
		sketch_add(&all, v[i]);
		sketch_add(&part[gsl_rng_uniform_int(r, 3)], v[i]);
	}
	for (int k = 0; k < 3; k++)
		CHECK_EQ(sketch_merge(&m, &part[k]), 0);
	CHECK_EQ(m.n, all.n);
	CHECK_EQ(m.min, all.min);
	CHECK_EQ(m.max, all.max);
	CHECK(m.sum == all.sum);
	CHECK_NEAR(sketch_sd(&m), sketch_sd(&all), sketch_sd(&all) * 1e-9 + 1e-9);
	size_t pa = 0, pm = 0;
	struct sketch_bucket a, b;
	bool ga, gm;
	while ((ga = sketch_next(&all, &pa, &a)) & (gm = sketch_next(&m, &pm, &b))) {
		CHECK(a.lo == b.lo && a.hi == b.hi && a.count == b.count);
	}
	CHECK(ga == gm);
	for (int i = 0; i < NQ; i++)
		CHECK(sketch_quantile(&m, QS[i], NULL) == sketch_quantile(&all, QS[i], NULL));
	for (int k = 0; k < 3; k++)
		sketch_free(&part[k]);
	sketch_free(&all);
	sketch_free(&m);
}

static void test_distributions(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 15);
	enum { N = 200000 };
	int64_t *v = malloc(N * sizeof *v);
	const int bits[] = {SKETCH_BITS_DELAY, SKETCH_BITS_FLOW, 7};
	for (int b = 0; b < 3; b++) {
		double rel = ldexp(1.0, -bits[b]), w;
		/* Pareto delays: 20 us floor, shape 1.2 (infinite variance in the limit) */
		for (int i = 0; i < N; i++)
			v[i] = (int64_t)llround(gsl_ran_pareto(r, 1.2, 20000));
		w = check_against_gsl("pareto", v, N, bits[b]);
		CHECK(w <= rel);
		check_merge(v, N, bits[b], r);
		/* lognormal RTTs: median 1 ms, sigma 1.5 */
		for (int i = 0; i < N; i++)
			v[i] = (int64_t)llround(gsl_ran_lognormal(r, log(1e6), 1.5));
		CHECK(check_against_gsl("lognormal", v, N, bits[b]) <= rel);
		check_merge(v, N, bits[b], r);
		/* a mixture: a tight mode at 40 us, a queueing mode at 2 ms, a tail */
		for (int i = 0; i < N; i++) {
			double u = gsl_rng_uniform(r);
			double x = u < 0.6    ? 40000 + gsl_ran_gaussian(r, 300)
				   : u < 0.98 ? 2e6 + gsl_ran_exponential(r, 5e5)
					      : gsl_ran_pareto(r, 0.8, 5e6);
			v[i] = (int64_t)llround(fmin(x, 9e18));
		}
		CHECK(check_against_gsl("mixture", v, N, bits[b]) <= rel);
		check_merge(v, N, bits[b], r);
		/* around zero, both signs: bridge hops read a few us negative */
		for (int i = 0; i < N; i++)
			v[i] = (int64_t)llround(gsl_ran_gaussian(r, 3000) +
						(i % 7 == 0 ? -50000 : 2000));
		CHECK(check_against_gsl("signed", v, N, bits[b]) <= rel);
		check_merge(v, N, bits[b], r);
		/* all negative, heavy tail downwards */
		for (int i = 0; i < N; i++)
			v[i] = -(int64_t)llround(gsl_ran_pareto(r, 1.5, 1000));
		CHECK(check_against_gsl("negative", v, N, bits[b]) <= rel);
		/* few distinct values, many ties */
		for (int i = 0; i < N; i++)
			v[i] = 1000000 * (int64_t)gsl_rng_uniform_int(r, 4);
		CHECK(check_against_gsl("ties", v, N, bits[b]) <= rel);
		/* one value; two values */
		v[0] = 123456789;
		CHECK(check_against_gsl("one", v, 1, bits[b]) == 0); /* min == max: exact */
		v[1] = -987654;
		check_against_gsl("two", v, 2, bits[b]);
		/* the ends of the range */
		const int64_t ends[] = {INT64_MIN, INT64_MIN + 1, -1,	    0,
					1,	   INT64_MAX - 1, INT64_MAX};
		for (int i = 0; i < 7; i++)
			v[i] = ends[i];
		check_against_gsl("ends", v, 7, bits[b]);
		/* exact below 2^S: one bucket per integer */
		for (int i = 0; i < N; i++)
			v[i] =
			    (int64_t)gsl_rng_uniform_int(r, 1u << bits[b]) - (1 << (bits[b] - 1));
		CHECK(check_against_gsl("small", v, N, bits[b]) == 0);
	}
	free(v);
	gsl_rng_free(r);
}

/* Counters past 2^32 (hours of packets in one bucket): widened, not wrapped. */
static void test_huge_counts(void)
{
	struct sketch s;
	sketch_init(&s, SKETCH_BITS_DELAY);
	const uint64_t big = 5000000000ULL;
	CHECK_EQ(sketch_add_n(&s, 100000, big), 0);  /* 100 us, 5e9 times */
	CHECK_EQ(sketch_add_n(&s, 3000000, big), 0); /* 3 ms */
	CHECK_EQ(sketch_add(&s, 50000000), 0);	     /* one 50 ms outlier */
	CHECK(s.wide);
	CHECK_EQ(sketch_count(&s), 2 * big + 1);
	double err;
	double p25 = sketch_quantile(&s, 0.25, &err);
	CHECK(fabs(p25 - 100000) <= err && err <= 100000 * sketch_rel_error(&s));
	double p75 = sketch_quantile(&s, 0.75, &err);
	CHECK(fabs(p75 - 3000000) <= err && err <= 3000000 * sketch_rel_error(&s));
	CHECK_EQ((int64_t)sketch_quantile(&s, 1, NULL), 50000000);
	double mean = (100000.0 * big + 3000000.0 * big + 5e7) / (2.0 * big + 1);
	CHECK_NEAR(sketch_mean(&s), mean, mean * 1e-15);
	/* a uint32 sketch merged into it, and it into an empty one */
	struct sketch t, u;
	sketch_init(&t, SKETCH_BITS_DELAY);
	sketch_init(&u, SKETCH_BITS_DELAY);
	for (int i = 0; i < 1000; i++)
		sketch_add(&t, 100000 + i);
	CHECK_EQ(sketch_merge(&s, &t), 0);
	CHECK_EQ(sketch_merge(&u, &s), 0);
	CHECK_EQ(sketch_count(&u), 2 * big + 1001);
	CHECK(u.wide);
	sketch_free(&s);
	sketch_free(&t);
	sketch_free(&u);
}

/* Counters only over the range seen: a hop's delays of 10 us .. 10 ms. */
static void test_memory(void)
{
	struct sketch s;
	sketch_init(&s, SKETCH_BITS_DELAY);
	/* the worst order for growth: each value a new maximum */
	for (int64_t x = 10000; x <= 10000000; x = x * 1001 / 1000)
		sketch_add(&s, x);
	size_t b = sketch_bytes(&s);
	printf("sketch memory, 10 us .. 10 ms at %d bits: %zu octets\n", SKETCH_BITS_DELAY, b);
	CHECK(b > 0 && b < 210000); /* 41 k counters of 4 octets, plus growth's spare */
	sketch_free(&s);
	/* a far outlier costs a page, not the octaves up to it */
	sketch_init(&s, SKETCH_BITS_DELAY);
	for (int64_t x = 10000; x <= 10000000; x = x * 1001 / 1000)
		sketch_add(&s, x);
	size_t body = sketch_bytes(&s);
	sketch_add(&s, 900000000000LL); /* 900 s */
	printf("  and a 900 s outlier: %zu octets\n", sketch_bytes(&s));
	CHECK(sketch_bytes(&s) < body + 8192); /* a page, and the table grown by 8 octets a page */
	sketch_free(&s);
	sketch_init(&s, SKETCH_BITS_FLOW);
	for (int64_t x = 1000; x <= 10000000000LL; x = x * 1001 / 1000)
		sketch_add(&s, x); /* ACK inter-arrivals of 1 us .. 10 s */
	printf("sketch memory, 1 us .. 10 s at %d bits: %zu octets\n", SKETCH_BITS_FLOW,
	       sketch_bytes(&s));
	CHECK(sketch_bytes(&s) < 260000);
	sketch_free(&s);
	sketch_init(&s, SKETCH_BITS_DELAY);
	CHECK_EQ(sketch_bytes(&s), 0); /* nothing before the first value */
	sketch_add(&s, 5);
	CHECK(sketch_bytes(&s) < 1024);
	sketch_free(&s);
}

/* samples (hop delays): exact, bit for bit, below the cap; a sketch past it;
 * unions of exact and sketched rows. */
static void test_samples(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 3);
	size_t cap0 = stats_exact_cap();
	stats_set_exact_cap(5000);
	enum { N = 20000 };
	struct samples a = {0}, b = {0}, all = {0};
	double *d = malloc(N * sizeof *d);
	for (int i = 0; i < N; i++) {
		int64_t x = (int64_t)llround(gsl_ran_pareto(r, 1.3, 50000)); /* ns */
		if (x > INT32_MAX)
			x = INT32_MAX;
		samples_push(i < 3000 ? &a : &b, x); /* a stays exact, b folds */
		samples_push(&all, x);
		d[i] = (double)x;
	}
	CHECK(a.sk == NULL && a.n == 3000);
	CHECK(b.sk != NULL && b.v == NULL && samples_count(&b) == N - 3000);
	const struct samples *one[] = {&a}, *two[] = {&a, &b}, *whole[] = {&all};
	struct dist da, du, dw;
	CHECK_EQ(dist_of(&da, one, 1), 0);
	CHECK(da.sketch_rel == 0); /* exact */
	double *c = malloc(3000 * sizeof *c);
	memcpy(c, d, 3000 * sizeof *c);
	struct dist ref;
	dist_of_doubles(&ref, c, 3000);
	CHECK_NEAR(da.p50 * 1e3, ref.p50, 1e-6);
	CHECK_NEAR(da.p99 * 1e3, ref.p99, 1e-6);
	free(c);
	/* the union of an exact row and a sketched one is the sketch of all */
	CHECK_EQ(dist_of(&du, two, 2), 0);
	CHECK_EQ(dist_of(&dw, whole, 1), 0);
	CHECK(du.sketch_rel == ldexp(1.0, -SKETCH_BITS_DELAY));
	CHECK(du.n == N && du.p50 == dw.p50 && du.p90 == dw.p90 && du.p99 == dw.p99);
	CHECK(du.min == dw.min && du.max == dw.max && du.mean == dw.mean);
	gsl_sort(d, 1, N);
	const double qs[3] = {0.5, 0.9, 0.99}, got[3] = {du.p50, du.p90, du.p99};
	for (int i = 0; i < 3; i++) {
		double t = gsl_stats_quantile_from_sorted_data(d, 1, N, qs[i]) / 1e3;
		CHECK(fabs(got[i] - t) <= du.sketch_abs + 1e-9);
		CHECK(fabs(got[i] - t) <= du.sketch_rel * t * 1.0000001);
	}
	CHECK_NEAR(du.min, d[0] / 1e3, 1e-12);
	CHECK_NEAR(du.max, d[N - 1] / 1e3, 1e-12);
	CHECK_NEAR(du.mean, gsl_stats_mean(d, 1, N) / 1e3, 1e-9);
	CHECK_NEAR(du.sd, gsl_stats_sd(d, 1, N) / 1e3, 1e-6);
	/* cap 0: a sketch from the first value; one, two, three values (the
	 * quantiles' neighbours out of order) equal GSL's within the bound */
	stats_set_exact_cap(0);
	for (int k = 1; k <= 3; k++) {
		struct samples z = {0};
		const int64_t zs[3] = {4200000, -1234567, 99999};
		double zd[3];
		for (int i = 0; i < k; i++) {
			samples_push(&z, zs[i]);
			zd[i] = (double)zs[i] / 1e3;
		}
		CHECK(z.sk != NULL && samples_count(&z) == (uint64_t)k);
		const struct samples *zz[] = {&z};
		struct dist dz, rz;
		CHECK_EQ(dist_of(&dz, zz, 1), 0);
		dist_of_doubles(&rz, zd, (size_t)k);
		CHECK(dz.n == (size_t)k && dz.min == rz.min && dz.max == rz.max);
		CHECK(fabs(dz.p50 - rz.p50) <= dz.sketch_abs + 1e-9);
		CHECK(fabs(dz.p90 - rz.p90) <= dz.sketch_abs + 1e-9);
		CHECK(fabs(dz.p99 - rz.p99) <= dz.sketch_abs + 1e-9);
		CHECK_NEAR(dz.mean, rz.mean, 1e-9);
		CHECK_NEAR(dz.sd, rz.sd, 1e-6);
		samples_free(&z);
	}
	samples_free(&a);
	samples_free(&b);
	samples_free(&all);
	free(d);
	stats_set_exact_cap(cap0);
	gsl_rng_free(r);
}

/* bvec/bview (RTT, ACK): exact figures bit for bit those of a full sort and
 * GSL's quantiles; past the cap, within the bound. */
static void test_bvec(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(r, 9);
	size_t cap0 = stats_exact_cap();
	stats_set_exact_cap(4096);
	for (int trial = 0; trial < 2; trial++) {
		bool is_float = trial == 1;
		struct bvec b;
		bvec_init(&b, is_float, 1e3, SKETCH_BITS_FLOW);
		enum { N = 4000 }; /* below the cap */
		double *ref = malloc(N * sizeof *ref);
		for (int i = 0; i < N; i++) {
			double us = gsl_ran_lognormal(r, log(150), 1.0) * (i % 50 == 0 ? 0.01 : 1);
			if (is_float)
				us = (float)us;
			bvec_push(&b, us);
			ref[i] = us;
		}
		CHECK(!bvec_sketched(&b));
		const struct bvec *sets[1] = {&b};
		struct bview w;
		CHECK_EQ(bview_open(&w, sets, 1), 0);
		struct dist d, rd;
		const double qs[3] = {0.1, 0.25, 0.75};
		double at[3], err[3];
		double thr = 40;
		double bound, fb = bview_frac_below(&w, thr, 0, &bound);
		bview_dist(&w, &d, qs, 3, at, err);
		dist_of_doubles(&rd, ref, N); /* sorts ref */
		CHECK(d.p50 == rd.p50 && d.p90 == rd.p90 && d.p99 == rd.p99);
		CHECK(d.min == rd.min && d.max == rd.max);
		CHECK_NEAR(d.mean, rd.mean, 1e-12 * rd.mean);
		CHECK_NEAR(d.sd, rd.sd, 1e-12 * rd.sd);
		for (int i = 0; i < 3; i++)
			CHECK(at[i] == ref[(size_t)(qs[i] * (N - 1))] && err[i] == 0);
		size_t below = 0;
		while (below < N && ref[below] < thr)
			below++;
		CHECK(fb == (double)below / N && bound == 0);
		bview_close(&w);
		/* past the cap: a sketch, figures within their bounds */
		for (int i = 0; i < 6 * N; i++)
			bvec_push(&b, gsl_ran_lognormal(r, log(150), 1.0));
		CHECK(bvec_sketched(&b) && bvec_count(&b) == 7 * N);
		CHECK_EQ(bview_open(&w, sets, 1), 0);
		bview_dist(&w, &d, qs, 3, at, err);
		CHECK(d.sketch_rel > 0 && d.sketch_abs > 0);
		CHECK(d.sketch_abs <= d.sketch_rel * d.max);
		for (int i = 0; i < 3; i++)
			CHECK(err[i] <= d.sketch_rel * at[i] * 1.0000001);
		fb = bview_frac_below(&w, thr, 1.0, &bound);
		CHECK(fb > 0 && bound > 0 && bound < 0.01);
		bview_close(&w);
		free(ref);
		bvec_free(&b);
	}
	stats_set_exact_cap(cap0);
	gsl_rng_free(r);
}

int main(void)
{
	test_distributions();
	test_huge_counts();
	test_memory();
	test_samples();
	test_bvec();
	return tcheck_done("test_sketch");
}
