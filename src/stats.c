/* stats — see stats.h. */
#include "stats.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_statistics_int.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int samples_push(struct samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
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
	memset(s, 0, sizeof *s);
}

/* GSL's quantile (linear interpolation at index q*(n-1)) by selection
 * instead of sorting the set: the order statistic at lo by GSL's select, the
 * one at lo+1 by one pass that relies on nothing about the order select
 * leaves: it is a itself if more than lo+1 values are <= a, else the
 * smallest value above a. */
static double quantile_by_select(int *v, size_t n, double q)
{
	double idx = q * (double)(n - 1);
	size_t lo = (size_t)idx;
	double frac = idx - (double)lo;
	int a = gsl_stats_int_select(v, 1, n, lo);
	if (frac == 0 || lo + 1 >= n)
		return a;
	size_t at_most = 0;
	int above = INT_MAX;
	for (size_t i = 0; i < n; i++) {
		at_most += v[i] <= a;
		if (v[i] > a && v[i] < above)
			above = v[i];
	}
	int b = at_most > lo + 1 ? a : above;
	return a + frac * ((double)b - a);
}

int dist_of(struct dist *d, const struct samples *const *sets, size_t k)
{
	memset(d, 0, sizeof *d);
	size_t n = 0;
	for (size_t i = 0; i < k; i++)
		n += sets[i]->n;
	if (n == 0)
		return 0;
	int *v = malloc(n * sizeof *v);
	if (v == NULL)
		return -1;
	size_t at = 0;
	for (size_t i = 0; i < k; i++) {
		if (sets[i]->n == 0)
			continue; /* its v may be NULL: memcpy must not see it */
		memcpy(v + at, sets[i]->v, sets[i]->n * sizeof *v);
		at += sets[i]->n;
	}
	int mn, mx;
	gsl_stats_int_minmax(&mn, &mx, v, 1, n);
	d->n = n;
	d->min = mn / 1e3;
	d->max = mx / 1e3;
	d->mean = gsl_stats_int_mean(v, 1, n) / 1e3;
	d->sd = n > 1 ? gsl_stats_int_sd_m(v, 1, n, d->mean * 1e3) / 1e3 : 0;
	d->p50 = quantile_by_select(v, n, 0.50) / 1e3;
	d->p90 = quantile_by_select(v, n, 0.90) / 1e3;
	d->p99 = quantile_by_select(v, n, 0.99) / 1e3;
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
