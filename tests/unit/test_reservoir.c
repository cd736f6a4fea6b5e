/* The bounded samples behind per-flow distributions (stats.h): all values
 * kept up to the cap, then a uniform sample of the cap, so a distribution's
 * quantiles stay close and memory stays fixed however many values come. */
#include <stdlib.h>

#include "stats.h"
#include "tcheck.h"

int main(void)
{
	enum { CAP = 4096, N = 1000000 };
	double *v = calloc(CAP, sizeof *v);
	uint64_t seen = 0, rng = 0;
	size_t n = 0, kept_early = 0;
	for (long i = 0; i < N; i++) {
		/* values 0..N-1 in a shuffled order: their median is (N-1)/2 */
		long x = (i * 7919L) % N;
		long slot = reservoir_slot(&seen, &rng, n, CAP);
		if (slot < 0)
			continue;
		CHECK(slot <= (long)n && slot < CAP);
		v[slot] = (double)x;
		if ((size_t)slot == n)
			n++;
		if (i < CAP)
			kept_early++;
	}
	CHECK(seen == N);
	CHECK(n == CAP);
	CHECK(kept_early == CAP); /* below the cap every value is kept, in order */
	struct dist d;
	dist_of_doubles(&d, v, n);
	/* a uniform sample of 4096: the median within 3 % of the range (~4 sd) */
	CHECK(d.p50 > 0.47 * N && d.p50 < 0.53 * N);
	CHECK(d.p90 > 0.87 * N && d.p90 < 0.93 * N);
	free(v);
	return tcheck_done("test_reservoir");
}
