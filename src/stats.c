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

/* Partitions v[0..n) around a into [< a][== a][> a]; *lt, *eq: their sizes. */
static void partition3(int *v, size_t n, int a, size_t *lt, size_t *eq)
{
	size_t lo = 0, mid = 0, hi = n;
	while (mid < hi) {
		int x = v[mid];
		if (x < a) {
			v[mid++] = v[lo];
			v[lo++] = x;
		} else if (x > a) {
			v[mid] = v[--hi];
			v[hi] = x;
		} else {
			mid++;
		}
	}
	*lt = lo;
	*eq = mid - lo;
}

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
