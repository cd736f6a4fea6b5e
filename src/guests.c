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

/* Worst first: the larger round trip; one without after every one with; by
 * name else (an insertion sort on the indices: a run has a few dozen). */
static bool ranks_before(const struct guest_result *x, const struct guest_result *y)
{
	double vx, vy;
	bool hx = vo_round_trip(&x->a.vo, &vx), hy = vo_round_trip(&y->a.vo, &vy);
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
