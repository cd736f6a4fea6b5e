/* vo — per-hop and end-to-end ("VO") latency accounting.
 *
 * Fed by the matcher with finished journeys (match.h).  For every adjacent
 * pair of the points given, each direction and protocol class, it counts
 *   matched      seen at both points: one delay sample (downstream - upstream)
 *   unmatched    seen upstream, not downstream: loss at this hop
 *   coalesced    seen upstream only, inside a bigger segment downstream (GRO)
 *   split        seen downstream only, a piece of a bigger upstream segment (GSO/TSO)
 *   unexpected   seen downstream only, not a piece: a drop in the upstream
 *                capture, or traffic that starts between the two points
 *   bypass       seen upstream only, and its flow never seen downstream at
 *                all (e.g. guest traffic to the host itself never reaches nic)
 *   outside      seen at one point only, when the other's capture had not
 *                begun or had ended (captures started one after another)
 * "Upstream" follows the direction: nic side for to_guest, guest for from_guest.
 * VO latency (FIELD-NOTES definitions) is the same between the outermost host
 * point given and guest. */
#ifndef VOCALC_VO_H
#define VOCALC_VO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "match.h"
#include "point.h"
#include "stats.h"

struct hop_counts {
	uint64_t matched, unmatched, coalesced, split, unexpected, bypass, outside;
};

/* A delay across the guest whose guest stamp is only coarsely corrected
 * yet (the one-pass analysis: the clock is solved as the pairs come):
 * corrected by vo_apply_clock. */
struct defer_sample {
	int64_t t;   /* the guest stamp, coarsely in host time */
	int32_t raw; /* downstream - upstream stamp, ns, with the coarse guest stamp */
};

struct hop_acc {
	struct hop_counts c;
	struct samples s; /* delay, ns */
	struct {
		struct defer_sample *v;
		size_t n, cap;
		int guest_down; /* +1: the guest is the downstream end, -1 upstream */
	} dv;
};

/* A row of the report: counts and the delay distribution (us). */
struct hop_summary {
	struct hop_counts c;
	struct dist d;
};

/* The VO latency over time, one direction, every protocol: bin i holds the
 * delays (ns) of the packets that crossed the outermost host point in
 * origin + [(lo + i) width, (lo + i + 1) width) host time.  Bins start 1 s wide; when
 * the bins would span more than VO_SERIES_BINS, each two merge and the width
 * doubles, so that memory does not grow with the trace's length.  Each bin
 * is a sketch of VO_SERIES_BITS bits (its quantiles within 2^-8, 0.4 %). */
enum { VO_SERIES_BINS = 600, VO_SERIES_BITS = 8 };
#define VO_SERIES_WIDTH_NS 1000000000LL
struct vo_series {
	int64_t origin;    /* host time the bins count from (vo_series_start) */
	int64_t width, lo; /* ns; the first bin's index ((time - origin) / width) */
	size_t nb;
	struct sketch *bin;
};

struct vo {
	int npts;
	enum point pt[POINT_N]; /* the points given, outermost (nic side) first */
	bool has_vo;		/* guest and at least one host point given */
	/* [hop i between pt[i] and pt[i+1]][direction][protocol class];
	 * the PROTO_ALL slot stays empty: "all" is the union, made at report time. */
	struct hop_acc hop[POINT_N - 1][DIR_N][PROTO_N];
	struct hop_acc e2e[DIR_N][PROTO_N];
	uint8_t protos_seen; /* bit (1 << enum proto) */
	/* Per address family (0 IPv4, 1 IPv6), packets seen at the outermost and
	 * innermost points given, and those whose delay across them was
	 * negative: with the guest's addresses the wrong way round, nearly all. */
	uint64_t span_n[2], span_neg[2];
	/* End to end, per direction: delays below -impossible_ns (the clock's
	 * error bound; 0 for a clock given), which no real packet has: a clock
	 * given that misses a step, or an estimate whose bound does not hold. */
	int64_t impossible_ns;
	uint64_t e2e_impossible[DIR_N];
	bool defer, defer_drop; /* delays across the guest kept for vo_apply_clock */
	uint64_t deferred, defer_cap;
	int64_t defer_lo, defer_hi;
	struct vo_series series[DIR_N]; /* end to end, with has_vo */
	int failed;	     /* allocation failure while recording */
	/* Filled by vo_summarize, every protocol class including PROTO_ALL. */
	struct hop_summary sum_hop[POINT_N - 1][DIR_N][PROTO_N];
	struct hop_summary sum_e2e[DIR_N][PROTO_N];
};

/* mask: points given (bit 1 << point). */
void vo_init(struct vo *v, uint8_t mask);
/* The VO latency over time counts its intervals from host time t0_ns (the
 * first host stamp); without it, from the first delay recorded. */
void vo_series_start(struct vo *v, int64_t t0_ns);
void vo_free(struct vo *v);

/* The matcher's emit callback; ctx is a struct vo *. */
void vo_journey(void *ctx, const struct journey_info *j);

/* The one-pass analysis: every delay across the guest is kept with its
 * guest stamp (vo_defer, before the first journey), at most about
 * VO_DEFER_CAP of them (VOCALC_DEFER_CAP for tests): once vo_defer_full,
 * the caller solves the clock on the pairs so far and vo_apply_clock
 * corrects those held by the model m (one segment: guest - host;
 * coarse_ns: the offset the guest stamps were shifted by), counting those
 * below -impossible_ns, and frees their places for the delays to come.
 * defer_lo/defer_hi: the guest stamps' span held.  vo_defer_drop: the
 * delays across the guest are of no use (the analysis will be redone), held
 * ones and any to come dropped.  vo_defer_end once the last are applied.
 * -1 on allocation failure. */
enum { VO_DEFER_CAP = 1 << 18 };
void vo_defer(struct vo *v);
static inline bool vo_defer_full(const struct vo *v)
{
	return v->defer && v->deferred >= v->defer_cap;
}
int vo_apply_clock(struct vo *v, const struct clock_model *m, int64_t coarse_ns,
		   int64_t impossible_ns);
void vo_defer_drop(struct vo *v);
void vo_defer_end(struct vo *v);

/* Summarizes every row once all journeys are in, spreading the work over
 * `threads` threads (the rows are independent).  -1 on allocation failure. */
int vo_summarize(struct vo *v, int threads);

/* The clock-free VO round trip (after vo_summarize): the all-protocol end
 * to end medians of the two directions summed, us, into *p50_us; false when
 * v has no VO or either direction matched no packet end to end. */
bool vo_round_trip(const struct vo *v, double *p50_us);

/* Upstream and downstream point of hop i in direction d. */
void vo_hop_ends(const struct vo *v, int i, enum direction d, enum point *up, enum point *down);

#endif
