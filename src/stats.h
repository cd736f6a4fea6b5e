/* stats — delay samples and their distributions.
 *
 * Samples are kept as int32 nanoseconds (4 octets per matched packet and
 * hop) so exact quantiles stay affordable: ±2.1 s range, far beyond any
 * matching window.  Summaries use GSL's statistics routines; quantiles are
 * GSL's definition (linear interpolation between the order statistics at
 * q*(n-1)), found with GSL's selection rather than a full sort. */
#ifndef VOCALC_STATS_H
#define VOCALC_STATS_H

#include <stddef.h>
#include <stdint.h>

struct samples {
	int32_t *v; /* ns */
	size_t n, cap;
	uint64_t clipped; /* values beyond int32 range, clamped (count) */
};

/* Appends one value in ns; returns -1 only when memory is exhausted. */
int samples_push(struct samples *s, int64_t ns);
void samples_free(struct samples *s);

/* A summary in microseconds (CONTRACT.md `dist`). */
struct dist {
	size_t n;
	double min, p50, p90, p99, max, mean, sd; /* us; all 0 when n == 0 */
};

/* Summarizes the union of k sample sets (sorting copies, not the inputs).
 * Returns -1 on allocation failure. */
int dist_of(struct dist *d, const struct samples *const *sets, size_t k);

/* Same for a plain array of doubles (any unit; the summary keeps it).
 * Sorts v in place. */
void dist_of_doubles(struct dist *d, double *v, size_t n);

/* Bounded samples for per-flow distributions (RTT, ACK spacing): every value
 * is kept up to `cap`, then a uniform sample of `cap` of all those seen
 * (reservoir sampling, Vitter's algorithm R, with a fixed-seed generator so
 * runs repeat), so memory stays bounded however long the trace.  *seen
 * counts all values; returns the slot to store the new value in (n when
 * there is room), or -1 to drop it. */
#define SAMPLE_CAP (1u << 20)
static inline long reservoir_slot(uint64_t *seen, uint64_t *rng, size_t n, size_t cap)
{
	(*seen)++;
	if (n < cap)
		return (long)n;
	if (*rng == 0)
		*rng = 0x9e3779b97f4a7c15ULL;
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	uint64_t j = *rng % *seen;
	return j < cap ? (long)j : -1;
}

#endif
