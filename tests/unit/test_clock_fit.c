/* Unit tests: the clock fit maths on data with a known line (chrony's way:
 * generate with a known slope, check the fit recovers it), and the lower
 * envelope against a brute-force search of its definition. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

#include "clock_fit.h"
#include "tcheck.h"

static void test_envelope_recovers_line(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	enum { N = 20000 };
	double *t = malloc(N * sizeof *t), *y = malloc(N * sizeof *y);
	/* y = 40 us + (-4136 us + 73 ppm * t) + exponential queueing, mean 30 us */
	for (int i = 0; i < N; i++) {
		t[i] = 30.0 * i / N;
		y[i] = 40000 - 4136000 + 73000 * t[i] + gsl_ran_exponential(r, 30000);
	}
	struct fit_line hull, ols, rob;
	CHECK(clock_fit_hull(t, y, N, &hull) >= 2);
	CHECK_NEAR(hull.a, 40000 - 4136000, 50);   /* ns */
	CHECK_NEAR(hull.b, 73000, 5);              /* ns/s: 0.005 ppm */
	for (int i = 0; i < N; i++)
		CHECK(y[i] >= fit_at(&hull, t[i]) - 1e-3);
	/* the regressions see the mean queueing, the envelope does not */
	CHECK_EQ(clock_fit_ols(t, y, N, &ols), 0);
	CHECK_NEAR(ols.b, 73000, 200);
	CHECK(ols.a - hull.a > 20000);
	CHECK_EQ(clock_fit_robust(t, y, N, &rob), 0);
	CHECK(rob.a - hull.a > 10000);
	free(t);
	free(y);
	gsl_rng_free(r);
}

/* The envelope by definition: of the lines through two points that lie on
 * or below all points, the one with the largest sum over the points. */
static double brute_best(const double *t, const double *y, int n)
{
	double best = -1e300;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			if (t[i] == t[j])
				continue;
			double b = (y[j] - y[i]) / (t[j] - t[i]), a = y[i] - b * t[i], s = 0;
			int ok = 1;
			for (int k = 0; k < n; k++) {
				if (y[k] < a + b * t[k] - 1e-9)
					ok = 0;
				s += a + b * t[k];
			}
			if (ok && s > best)
				best = s;
		}
	return best;
}

static void test_envelope_is_optimal(void)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	for (int trial = 0; trial < 300; trial++) {
		int n = 2 + trial % 12;
		double t[16], y[16];
		double tt = 0;
		for (int i = 0; i < n; i++) {
			tt += (trial % 5 == 0 && i % 3 == 1) ? 0 : gsl_rng_uniform(r); /* some ties */
			t[i] = tt;
			y[i] = gsl_rng_uniform(r) * 100;
		}
		struct fit_line l;
		int k = clock_fit_hull(t, y, (size_t)n, &l);
		CHECK(k >= 1);
		double s = 0;
		for (int i = 0; i < n; i++) {
			CHECK(y[i] >= fit_at(&l, t[i]) - 1e-9);
			s += fit_at(&l, t[i]);
		}
		double b = brute_best(t, y, n);
		if (b > -1e300)
			CHECK_NEAR(s, b, 1e-6 * (1 + (b < 0 ? -b : b)));
	}
	gsl_rng_free(r);
}

static void test_degenerate(void)
{
	double t[3] = {1, 1, 1}, y[3] = {5, 3, 4};
	struct fit_line l;
	CHECK_EQ(clock_fit_hull(t, y, 3, &l), 1);
	CHECK_NEAR(l.a, 3, 0);
	CHECK_NEAR(l.b, 0, 0);
	CHECK_EQ(clock_fit_hull(t, y, 0, &l), -1);
	CHECK_EQ(clock_fit_ols(t, y, 1, &l), -1);
	CHECK_EQ(clock_fit_robust(t, y, 2, &l), -1);
}

int main(void)
{
	gsl_set_error_handler_off();
	test_envelope_recovers_line();
	test_envelope_is_optimal();
	test_degenerate();
	return tcheck_done("test_clock_fit");
}
