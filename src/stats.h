/* stats — delay samples and their distributions, bounded.
 *
 * Every distribution keeps its values exactly up to a cap, then folds them
 * into a sketch (sketch.h) and continues as one: memory per distribution
 * stays below the cap's 4 or 8 octets a value however long the trace, and
 * the sketch is deterministic and mergeable, unlike a reservoir sample,
 * which loses the tail.  The caps: STATS_EXACT_CAP (131072) per hop or VO
 * row, twice the largest row of the accuracy tests (63969), so they and the
 * golden outputs stay exact; STATS_FLOW_CAP (16384) per flow and point
 * (RTT, ACK inter-arrivals, spacing ratios: 14 distributions a flow with
 * four points, so their number, not one of them, is what grows; their
 * sketch takes about what 16384 values would).  VOCALC_EXACT_CAP sets both.
 * Summaries say which figures came from a sketch and its bound (struct
 * dist).
 *
 * Exact summaries are GSL's definitions: quantiles interpolate linearly
 * between the order statistics at q*(n-1), found with GSL's selection, not
 * a sort; mean and sd GSL's.  From a sketch: min, max, mean and sd exact
 * (tracked), quantiles within the sketch's bound.
 *
 * Hop and VO delays (struct samples) are int32 ns while exact (4 octets per
 * matched packet and hop, ±2.1 s, far beyond any matching window), then a
 * sketch of SKETCH_BITS_DELAY bits.  Per-flow values (struct bvec: RTTs and
 * ACK inter-arrivals in us, ACK spacing ratios) are floats or doubles while
 * exact, then a sketch of SKETCH_BITS_FLOW bits over value x scale as
 * integers (ns for us, 2^-30 for a ratio). */
#ifndef VOCALC_STATS_H
#define VOCALC_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sketch.h"
#include "verr.h"

/* Values a distribution keeps exactly before it becomes a sketch: a hop or
 * VO row (struct samples), a flow at a point (struct bvec). */
#define STATS_EXACT_CAP (1u << 17)
#define STATS_FLOW_CAP (1u << 14)

/* The caps in force.  Set before any distribution is filled (at start-up:
 * the reader threads read them); stats_set_exact_cap sets both. */
size_t stats_exact_cap(void);
size_t stats_flow_cap(void);
void stats_set_exact_cap(size_t cap);
/* VOCALC_EXACT_CAP from the environment, when set: a count 0 .. 2^32 for
 * both caps (0: every distribution a sketch from its first value).  -1 with
 * err set when it is not one. */
int stats_cap_from_env(struct verr *err);

struct samples {
	int32_t *v; /* ns, while exact */
	size_t n, cap;
	uint64_t clipped;  /* values beyond int32 range, clamped (count; exact part only) */
	struct sketch *sk; /* past the cap: every value (v freed), else NULL */
};

/* Appends one value in ns; returns -1 only when memory is exhausted. */
int samples_push(struct samples *s, int64_t ns);
void samples_free(struct samples *s);
static inline uint64_t samples_count(const struct samples *s)
{
	return s->sk ? s->sk->n : s->n;
}

/* A summary in the values' unit (us for delays; CONTRACT.md `dist`). */
struct dist {
	size_t n;
	double min, p50, p90, p99, max, mean, sd; /* all 0 when n == 0 */
	/* 0: every figure exact.  Else p50, p90 and p99 came from a sketch:
	 * each within sketch_rel of the magnitude of the order statistics it
	 * rests on, and at most sketch_abs (the unit above) off; min, max,
	 * mean and sd are exact still. */
	double sketch_rel, sketch_abs;
};

/* Summarizes the union of k sample sets (exact sets: copies selected, the
 * inputs untouched; any set a sketch: all merged into one).  Returns -1 on
 * allocation failure. */
int dist_of(struct dist *d, const struct samples *const *sets, size_t k);

/* The quantiles (us) of the union of k sets at the ascending qs[0..nq),
 * as dist_of takes its p50, p90 and p99 (exact: GSL's definition; any set
 * a sketch: from one sketch of all): the points of a CDF.  *count: the
 * values (0: out_us untouched).  -1 on allocation failure. */
int samples_quantiles(const struct samples *const *sets, size_t k, const double *qs, int nq,
		      double *out_us, uint64_t *count);
/* The reference definition the tests compare with: sorts v (any unit) and
 * takes GSL's quantiles from the sorted data. */
void dist_of_doubles(struct dist *d, double *v, size_t n);

/* ---- per-flow distributions ---- */

struct bvec {
	void *v; /* float or double values, while exact */
	size_t n, cap;
	struct sketch *sk; /* past the cap: every value (v freed), else NULL */
	double scale;	   /* sketch units per value unit (1e3: us -> ns) */
	uint64_t clipped;  /* values beyond the sketch's int64 range, clamped */
	bool is_float;
	int bits;
};

void bvec_init(struct bvec *b, bool is_float, double scale, int bits);
/* -1 when memory is exhausted. */
int bvec_push(struct bvec *b, double x);
void bvec_free(struct bvec *b);
static inline uint64_t bvec_count(const struct bvec *b)
{
	return b->sk ? b->sk->n : b->n;
}
static inline bool bvec_sketched(const struct bvec *b)
{
	return b->sk != NULL;
}

/* The union of some bvecs, ready for summaries: their exact values copied
 * (reordered by the selections), or, when any of them is a sketch, one
 * sketch of all. */
struct bview {
	double *v;
	size_t n;
	bool sketched;
	struct sketch sk;
	double scale;
};

/* -1 on allocation failure (nothing to close then).  All sets share one
 * scale and bits. */
int bview_open(struct bview *w, const struct bvec *const *sets, size_t k);
void bview_close(struct bview *w);
/* Every value of the view multiplied by f > 0 (exact ones kept to the
 * sketch unit: whole ns), before any summary: a guest clock's durations
 * into host time (its rate, 1 / (1 + skew)). */
void bview_rescale(struct bview *w, double f);
static inline uint64_t bview_count(const struct bview *w)
{
	return w->sketched ? w->sk.n : w->n;
}

/* The distribution, and for the ascending qs[0..k) the order statistics at
 * floor(q (n - 1)) (no interpolation: the ACK report's p10 and quartiles)
 * with their bounds (0 when exact).  n == 0: zeros. */
void bview_dist(struct bview *w, struct dist *d, const double *qs, int k, double *at, double *err);

/* The share of values below thr, where thr itself may be off by thr_err
 * (a threshold from another sketch): *bound (the share's own unit) holds
 * every share a threshold in [thr - thr_err, thr + thr_err] and any value
 * in its bucket could give; 0 when exact.  0 when n == 0. */
double bview_frac_below(const struct bview *w, double thr, double thr_err, double *bound);

/* Calls fn for each exact value (lo == hi == rep, count 1) or each
 * non-empty bucket of the sketch (the values it may hold, its
 * representative and count), ascending for a sketch. */
typedef void (*bview_fn)(void *ctx, double lo, double hi, double rep, uint64_t count);
void bview_visit(const struct bview *w, bview_fn fn, void *ctx);

#endif
