/* guests — see guests.h. */
#include "guests.h"

#include <stdlib.h>
#include <string.h>

int guests_alloc(struct guests_report *r, int n)
{
	r->n = 0;
	r->g = calloc((size_t)(n > 0 ? n : 1), sizeof *r->g);
	r->rank = calloc((size_t)(n > 0 ? n : 1), sizeof *r->rank);
	if (r->g == NULL || r->rank == NULL) {
		guests_free(r);
		return -1;
	}
	r->n = n;
	for (int i = 0; i < n; i++)
		r->rank[i] = i;
	return 0;
}

bool guests_vo_round_trip(const struct analysis *a, double *p50_us)
{
	const struct dist *to = &a->vo.sum_e2e[DIR_TO_GUEST][PROTO_ALL].d;
	const struct dist *from = &a->vo.sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d;
	if (!a->vo.has_vo || to->n == 0 || from->n == 0)
		return false;
	*p50_us = to->p50 + from->p50;
	return true;
}

/* Worst first: the larger round trip; one without after every one with; by
 * name else (an insertion sort on the indices: a run has a few dozen). */
static bool ranks_before(const struct guest_result *x, const struct guest_result *y)
{
	double vx, vy;
	bool hx = guests_vo_round_trip(&x->a, &vx), hy = guests_vo_round_trip(&y->a, &vy);
	if (hx != hy)
		return hx;
	if (hx && vx != vy)
		return vx > vy;
	return strcmp(x->name, y->name) < 0;
}

void guests_rank(struct guests_report *r)
{
	for (int i = 0; i < r->n; i++)
		r->rank[i] = i;
	for (int i = 1; i < r->n; i++) {
		int x = r->rank[i], k = i;
		for (; k > 0 && ranks_before(&r->g[x], &r->g[r->rank[k - 1]]); k--)
			r->rank[k] = r->rank[k - 1];
		r->rank[k] = x;
	}
}

void guests_free(struct guests_report *r)
{
	for (int i = 0; r->g && i < r->n; i++)
		analysis_free(&r->g[i].a);
	free(r->g);
	free(r->rank);
	memset(r, 0, sizeof *r);
}
