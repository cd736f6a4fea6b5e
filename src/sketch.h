/* sketch — a mergeable log-linear histogram of int64 values (HdrHistogram's
 * idea, written small), for distributions too long to keep value by value.
 *
 * Layout.  With S sub-bucket bits (chosen per use), a value v maps to a
 * signed bucket key, key(v) = b(v) for v >= 0 and -b(-v) for v < 0, where
 * for a magnitude m
 *     m < 2^S:   b(m) = m                       one bucket per integer: exact
 *     m >= 2^S:  k = floor(log2 m), s = k - S + 1,
 *                b(m) = s * 2^(S-1) + (m >> s)  2^(S-1) buckets an octave, 2^s wide
 * The buckets of successive octaves adjoin (b(2^S) = 2^S), and keys are
 * monotonic in v, so the order of the buckets is the order of the values.
 * Counts live in pages of 128 counters allocated where values fall, under a
 * page table over the range of keys seen so far (8 octets a page): never
 * the whole int64 range, and a far outlier costs one page, not the octaves
 * between (delays filling 10 us .. 10 ms at S = 13 take 41 k counters,
 * 164 KB; ACK spacing ratios, sparse, a few tens of KB).  Counters are
 * uint32 until one could pass 2^32 - 1, then uint64.
 *
 * Bound.  A bucket of magnitudes [L, L + 2^s) has L >= 2^(S-1) * 2^s, so
 * its midpoint is within 2^(s-1) <= 2^-S * L of every value in it: a value
 * read back from its bucket is off by less than 2^-S of its magnitude
 * (0.0122 % at S = 13: 122 ns at 1 ms; 0 below 2^S ns, where buckets are
 * one integer wide).  Representatives are clamped to the exact min and max,
 * so the bound only shrinks.  A quantile interpolates between the order
 * statistics at floor and ceil of q (n - 1) (GSL's definition), each read
 * from its bucket, so it is off by at most 2^-S times the larger magnitude
 * of the two (2^-S of the quantile itself when they have one sign).  Every
 * query returns the absolute bound of the figure it gives.  n, min, max and
 * the mean are exact (tracked as values arrive; the sum in 128 bits); the
 * standard deviation comes from a running (Welford) sum of squares, merged
 * by Chan's formula: floating-point rounding only, no bucket error.
 *
 * Merging two sketches of the same S gives exactly the sketch of the union
 * (counts add), so per-row sketches combine into a protocol-union row. */
#ifndef VOCALC_SKETCH_H
#define VOCALC_SKETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sub-bucket bits per use.  Hop and VO delays (ns): 13, within 0.0122 %
 * (under 1 us up to 8 ms), 4096 counters an octave.  RTTs, ACK inter-
 * arrivals (ns) and ACK spacing ratios (2^-30 units): 11, within 0.049 %,
 * a quarter of the counters: there are 14 such distributions per flow with
 * four points, spanning 1 us .. seconds, and at 11 bits a sketch takes
 * about what the 16384 exact values before it did (STATS_FLOW_CAP: 64 KB of
 * floats; on vocgen's 0.4 M-journey trace, inter-arrival sketches 40-55 KB,
 * spacing ratios 60-110 KB), then grows only by the buckets new values
 * open. */
#define SKETCH_BITS_DELAY 13
#define SKETCH_BITS_FLOW 11

struct sketch {
	int bits; /* S, 2 .. 24 */
	uint64_t n;
	int64_t min, max; /* exact; meaningless while n == 0 */
	__int128 sum;	  /* exact */
	double mean, m2;  /* running mean and sum of squared deviations (Welford) */
	int32_t lo;	  /* key of the first counter of page 0 */
	uint32_t npages;  /* page table length */
	void **page;	  /* pages of counters, NULL where no value fell */
	bool wide;	  /* counters uint64 (else uint32) */
	size_t bytes;	  /* the pages' octets */
};

/* An empty sketch of S bits (2 <= bits <= 30).  Nothing is allocated until a
 * value arrives. */
void sketch_init(struct sketch *s, int bits);
void sketch_free(struct sketch *s);

/* Adds one value (count copies of it); -1 when memory is exhausted (the
 * sketch is unchanged then). */
int sketch_add(struct sketch *s, int64_t v);
int sketch_add_n(struct sketch *s, int64_t v, uint64_t count);

/* dst += src (same bits: an assertion); -1 on no memory (dst is then of no
 * use: free it). */
int sketch_merge(struct sketch *dst, const struct sketch *src);

static inline uint64_t sketch_count(const struct sketch *s)
{
	return s->n;
}

/* The relative bound 2^-S of the values read back from buckets. */
double sketch_rel_error(const struct sketch *s);

/* Exact summaries (n > 0): mean; the sample standard deviation (n - 1 in
 * the denominator, as GSL's; 0 for one value). */
double sketch_mean(const struct sketch *s);
double sketch_sd(const struct sketch *s);

/* The value of rank r (0-based, r < n) in ascending order: its bucket's
 * representative; *err (may be NULL) the largest distance to any value the
 * bucket can hold.  Rank 0 and n - 1 are the exact min and max. */
double sketch_rank(const struct sketch *s, uint64_t r, double *err);

/* The same for the ranks r[0..k), in one pass over the buckets when they
 * ascend; err may be NULL. */
void sketch_ranks(const struct sketch *s, const uint64_t *r, int k, double *v, double *err);

/* GSL's quantile (n > 0): interpolation between the order statistics at
 * q (n - 1), with *err its bound, (1 - frac) err_lo + frac err_hi. */
double sketch_quantile(const struct sketch *s, double q, double *err);

/* Values below thr: *sure those certainly below (their whole bucket is),
 * *maybe those that may be (some of their bucket is); returns the estimate,
 * *sure and the bucket across thr in the share of its integers below thr
 * (a sketch of spacing ratios in 2^-30 units has 0.5 on a bucket edge: its
 * count below 0.5 is exact). */
double sketch_count_below(const struct sketch *s, double thr, uint64_t *sure, uint64_t *maybe);

/* One non-empty bucket: the range of values it can hold (clamped to the
 * exact min and max), its representative and its count. */
struct sketch_bucket {
	int64_t lo, hi;
	double rep;
	uint64_t count;
};

/* Iterates the non-empty buckets in ascending order: *pos starts at 0; false
 * at the end. */
bool sketch_next(const struct sketch *s, size_t *pos, struct sketch_bucket *b);

/* The counters' memory, octets (for the tests and the docs). */
size_t sketch_bytes(const struct sketch *s);

#endif
