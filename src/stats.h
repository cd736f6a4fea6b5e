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

#endif
