/* ack — ACK inter-arrival and ACK compression (seed 004, Ch. 2.7, 4, 5).
 *
 * At each capture point, per TCP flow direction, the ACK stream is the
 * segments whose cumulative ACK advances (with all_acks, every pure ACK as
 * well); its inter-arrival times (the capture's own stamps) give a
 * histogram, a CDF and a distribution.
 *
 * Compressed, at a point.  With a bottleneck rate (link_rate_bps), seed
 * 004's definition: an inter-arrival below the serialization time of one
 * full packet, packet_bytes * 8 / rate (120 us at 100 Mbit/s), less a
 * jitter margin of `tolerance` (0.1; 0 gives 004's strict count): ACKs the
 * bottleneck clocked exactly one packet apart, jittered by a few us, are not
 * compressed.  Without a rate, "back to back": an inter-arrival below 1/4 of
 * the 10th percentile of the flow's inter-arrivals at its upstream point
 * (the first point given along the ACKs' way; for one point, its own).  Why
 * p10: a median mixes in the application's pauses (an app-limited flow's
 * median is ms while its ACKs within a flight are 20-300 us apart), the
 * 10th percentile is the spacing of the closest ordinary ACKs.  Why 1/4:
 * ordinary jitter spreads spacings to about half the median and p10 sits
 * there (FIELD-NOTES 9: p10/p50/p90 85/164/254 us), so ordinary ACKs stay a
 * factor 2 and more above the threshold, while ACKs a virtual NIC delivers
 * back to back (0.2-5 us) sit 5-100 times below it; memoryless (Poisson)
 * arrivals would count 1 - 0.9^(1/4) = 2.6 %.  No histogram bin enters
 * either definition.  The report names the reference and why (JSON
 * reference_us, reference_source, reference_reason, threshold_us).
 *
 * Compressed between two points (Mogul's sense).  ACKs seen at two points
 * (matched by the matcher, so guest stamps are corrected to host time) pair
 * up for every two points given, ordered along the ACKs' way (nic, bridge,
 * vnet, guest toward the guest; the reverse from it): for consecutive ACKs,
 * ratio = downstream spacing / upstream spacing, compressed when below
 * ACK_RATIO_COMPRESSED (0.5: the spacing at least halved; +-20 % jitter never
 * gets there, back-to-back delivery of ACKs 100 us apart gives 0.05).
 *
 * Time going backwards: each tracker counts every TCP packet stamped before
 * the one it followed (per point: count and largest step).  A step back of
 * more than ACK_STEP_NS (1 ms: a guest clock stepped by NTP) restarts every
 * flow's series there; a smaller one (a capture that merged two CPUs' queues:
 * 13 us seen at a real bridge) restarts only a flow whose own ACKs went
 * back.  A restart drops the inter-arrival across the step and the partial
 * burstiness interval: no negative inter-arrival is ever recorded.
 * A pair whose spacing is negative at either point (reordered, or a step the
 * clock model did not see) is counted out_of_order and restarts its pair.
 * A step forward looks like a pause; it costs no memory.
 *
 * Burstiness of the data stream the ACKs clock: the coefficient of variation
 * (population standard deviation over mean) of the octets acknowledged in
 * consecutive intervals of burst_ms from the flow's first ACK (the last,
 * partial interval left out).  (004 5.3 writes mu/sigma and calls it the
 * coefficient of variation; vocalc reports sigma/mu, which grows with
 * burstiness as 004's figures do.)  With burst_rtt the interval is the
 * flow's median RTT at the point, known only at the end: the tracker keeps
 * the same sums for a ladder of intervals, 100 us to 1.6 ms in steps of
 * 100 us, then 8 an octave (each within 6.25 % of the next) up to 1678 s,
 * and uses the one nearest the RTT (JSON interval_ms is the one used,
 * rtt_ms the RTT): memory per flow is bounded (at most 176 sums), not
 * proportional to the flow's duration.
 *
 * Inter-arrivals and ratios are kept as 4-octet floats for exact quantiles,
 * up to STATS_FLOW_CAP per flow and point, then as a sketch of the ns (or
 * 2^-30 units of a ratio) they came from (stats.h).  From a sketch the
 * 10th percentile, quartiles, compressed fraction, aligned share and
 * histogram come from its buckets (a bucket across a threshold or bin edge
 * counted by its share below, its count the bound), each with its bound in
 * JSON.
 *
 * This module tracks and summarizes; it writes nothing.  ack_set_summarize
 * fills a plain record (struct ack_report) once; ack_print.h prints it as
 * text or JSON, and turns the per-ACK events (ack_cfg.on_ack) into CSV
 * rows. */
#ifndef VOCALC_ACK_H
#define VOCALC_ACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect.h"
#include "guestaddr.h"
#include "match.h"
#include "point.h"
#include "stats.h"

/* The definitions above, in numbers. */
#define ACK_REF_QUANTILE 0.1	/* no rate: the reference is this quantile upstream */
#define ACK_B2B_FRACTION 0.25	/* ... and back to back is below this share of it */
#define ACK_RATIO_COMPRESSED 0.5 /* between points: spacing ratio below this */
#define ACK_STEP_NS 1000000	/* a step back beyond this restarts every flow */

/* One ACK as the trackers find it, for a per-ACK sink (vocalc ack --csv):
 * an inter-arrival at one point (ratio_from < 0), or the spacing ratio of
 * an ACK seen at two points. */
struct ack_event {
	const struct match_flow_key *flow; /* the ACKs' direction; valid during the call only */
	enum point point;       /* where it was seen (a pair: the downstream point) */
	int64_t t_ns;           /* its stamp there, ns */
	double interarrival_us; /* since the flow's previous ACK there (a pair: downstream spacing) */
	int ratio_from;         /* a pair: the upstream point (enum point); -1 for a point's row */
	double ratio;           /* a pair: downstream / upstream spacing; 0 for a point's row */
	bool host_clock;        /* t_ns is host time; false: a guest capture's own clock */
};

/* A sink of events: ctx is ack_cfg.on_ack_ctx. */
typedef void (*ack_event_fn)(void *ctx, const struct ack_event *e);

struct ack_cfg {
	double bin_us, max_us; /* histogram: bin width (linear) and upper edge, us */
	bool log_bins;         /* 10 bins per decade from 1 us to max_us instead */
	double link_rate_bps;  /* > 0: the reference from the bottleneck rate */
	double packet_bytes;   /* one full packet on the wire, octets (1500) */
	double tolerance;      /* 0.1: the margin below the serialization time, and for "aligned" */
	double burst_ms;       /* 60 */
	bool burst_rtt;        /* the interval is the flow's median RTT at the point */
	bool all_acks;         /* every pure ACK, not only those advancing */
	int64_t window_ns;     /* the matching window (pairs are ordered within 2 windows) */
	/* Each ACK's event as it is found, or NULL.  Called from every point's
	 * ack_push (one reader thread each) and, for pairs, from ack_journey
	 * (the matcher's thread) and ack_set_finish, at once: the sink must be
	 * safe for that (ack_print's CSV row is one stdio call, which locks
	 * the stream). */
	ack_event_fn on_ack;
	void *on_ack_ctx;
	bool host_time;        /* the trackers are fed host time (guest stamps corrected) */
};

void ack_cfg_default(struct ack_cfg *c);

/* Parses "100M", "1G", "9600", "2.5g" (bits per second); -1 if not a rate. */
int ack_parse_rate(const char *s, double *bps);

struct ack_set;
struct ack_tracker;

/* points: bit (1 << point) of each point given. */
struct ack_set *ack_set_create(const struct ack_cfg *cfg, uint8_t points);
void ack_set_delete(struct ack_set *s);

/* The tracker of point p: fed every TCP packet of the capture in order, on
 * one thread at most, with the capture's own stamps.  NULL on no memory. */
struct ack_tracker *ack_set_tracker(struct ack_set *s, enum point p);
/* -1 when memory is exhausted. */
int ack_push(struct ack_tracker *t, const struct pkt *pk, int64_t t_ns);

/* The matcher's journeys (any thread, one at a time), then ack_set_finish. */
void ack_journey(struct ack_set *s, const struct journey_info *j);
/* Ends the pairs; -1 if memory ran out at any time. */
int ack_set_finish(struct ack_set *s);
/* Point p's stamps came from a clock running at 1 / rate of host time (a
 * guest's, not corrected for skew): its inter-arrivals, and the spacing
 * ratios it is one end of, are multiplied accordingly when summarized.
 * 1 unless set. */
void ack_set_rate(struct ack_set *s, enum point p, double rate);

/* Every inter-arrival (us, host time: ack_set_rate applied) at point p of
 * every ACK flow, to fn (bview_visit: each value, or each bucket of a
 * sketch); *flows: the flows with inter-arrivals there.  The HTML report's
 * figures.  0, or -1 out of memory. */
int ack_set_visit(struct ack_set *s, enum point p, bview_fn fn, void *ctx, uint64_t *flows);
/* ---- the record: what ack_set_summarize finds ---- */

/* A histogram's non-empty bin.  Only those are kept: a flow of a few ACKs
 * costs a few entries whatever the bin count. */
struct ack_bin {
	uint32_t bin;   /* [edges_us[bin], edges_us[bin + 1]) of the report */
	uint64_t count; /* values in it */
};

/* Inter-arrivals by bin, on the report's edges. */
struct ack_hist {
	struct ack_bin *bins; /* ascending by bin, owned (NULL when nbins is 0) */
	size_t nbins;
	uint64_t over;        /* values at or beyond the last edge */
	uint64_t uncertain;   /* from a sketch: values whose bucket spans an edge (maybe the next bin's) */
};

/* Where a burstiness interval came from. */
enum ack_interval_source {
	ACK_INTERVAL_FIXED,  /* burst_ms */
	ACK_INTERVAL_RTT,    /* burst_rtt: the ladder's interval nearest the flow's median RTT */
	ACK_INTERVAL_NO_RTT, /* burst_rtt, but the flow has no RTT at the point: burst_ms */
};

/* One flow's ACKs at one point. */
struct ack_point_rep {
	enum point point;
	uint64_t acks;            /* ACKs in the stream (each series' first included) */
	uint64_t interarrivals;   /* inter-arrivals summarized */
	struct dist ia;           /* inter-arrivals, us, host time (ack_set_rate applied) */
	double p10_us, iqr_us;    /* order statistics at floor(q (n - 1)): p10, p75 - p25, us */
	double p10_err_us, iqr_err_us; /* their bounds, us (0 when exact) */
	bool sketched;            /* the values are a sketch: quantiles and hist approximate */
	struct ack_hist hist;
	double compressed;        /* share below the flow's thr_us, 0..1; NAN when thr_us is 0 */
	double compressed_bound;  /* the share's bound, 0..1 (0 when exact) */
	bool compressed_approx;   /* from a sketch, or the threshold is (another point's p10) */
	double cv;                /* burstiness, sigma / mu; NAN: < 2 intervals with octets */
	double interval_ms;       /* the burstiness interval used, ms */
	enum ack_interval_source interval_source;
	double rtt_ms;            /* the flow's median RTT at the point (ACK_INTERVAL_RTT) or NAN */
	uint64_t intervals;       /* complete intervals the cv rests on */
	uint64_t bytes_acked;     /* octets acknowledged */
	uint64_t restarts;        /* series restarts (time went backwards) */
};

/* One flow's ACKs between two points (Mogul's sense). */
struct ack_pair_rep {
	enum point from, to;      /* upstream and downstream along the ACKs' way */
	uint64_t pairs;           /* spacing ratios */
	uint64_t out_of_order;    /* ACKs whose spacing was negative at either end */
	struct dist ratio;        /* downstream / upstream spacing (no unit), rates applied */
	double ratio_p10;
	bool sketched;            /* the ratios are a sketch */
	double compressed;        /* share of ratios below ACK_RATIO_COMPRESSED, 0..1 */
	double compressed_bound;  /* its bound (0 when exact) */
	/* with a link rate: each end's share of inter-arrivals within tolerance
	 * of a whole multiple of the serialization time (the flow's ref_us),
	 * and the shares a sketch leaves uncertain; NAN (bounds 0) without a
	 * link rate or without inter-arrivals at an end */
	double aligned_from, aligned_to, aligned_from_bound, aligned_to_bound;
	/* the ends' interquartile ranges, us (0 at an end without
	 * inter-arrivals), and their bounds (0 unless that end is sketched) */
	double iqr_from_us, iqr_to_us, iqr_from_err_us, iqr_to_err_us;
	bool from_sketched, to_sketched;
};

enum ack_direction { ACK_DIR_UNKNOWN, ACK_DIR_TO_GUEST, ACK_DIR_FROM_GUEST };

/* One ACK flow (direction) over every point it was seen at. */
struct ack_flow_rep {
	struct match_flow_key key;  /* the ACKs' direction */
	enum ack_direction dir;     /* UNKNOWN without the guest's addresses (ordered as toward) */
	uint64_t acks;              /* the most at any point: flows are ordered by it */
	/* compressed at a point: below thr_us; the reference it comes from */
	enum point ref_point;       /* the first point along the way (whose p10, without a rate) */
	double ref_us;              /* serialization time (link rate), or p10 at ref_point, us */
	double thr_us;              /* compressed below this, us; 0: no compressed fraction */
	double ref_err_us;          /* ref_us's bound from a sketch, us (0: exact) */
	struct ack_point_rep *pt;   /* the points with inter-arrivals, along the way; owned */
	size_t npt;                 /* 1 .. POINT_N */
	struct ack_pair_rep *pair;  /* every two points along the way with ratios; owned */
	size_t npair;
};

/* One capture point's tracker. */
struct ack_point_stats {
	enum point point;
	uint64_t flows;             /* ACK flows tracked (with inter-arrivals or not) */
	uint64_t steps_back;        /* TCP packets stamped before the packet before */
	int64_t largest_back_ns;    /* the largest such step, ns */
	uint64_t restarts;          /* steps beyond ACK_STEP_NS: every series restarted */
};

struct ack_report {
	/* the configuration the figures rest on */
	bool all_acks, burst_rtt;
	double link_rate_bps;       /* 0: none (the reference is p10) */
	double packet_bytes;        /* octets */
	double tolerance;
	size_t exact_cap;           /* values a flow and point keep before a sketch (stats_flow_cap) */
	double sketch_rel;          /* a flow sketch's relative bound on quantiles */
	int npoints;                /* points given */
	struct ack_point_stats points[POINT_N]; /* the given ones, in point order */
	double *edges_us;           /* nbins + 1 histogram edges, us, ascending; owned */
	size_t nbins;
	struct ack_flow_rep *flows; /* ACK flows with inter-arrivals, busiest first; owned */
	size_t nflows;
};

/* The median round trip (us) at point p of the data flow `data` (the
 * direction whose segments the ACKs answer): 0, or -1 when it has none. */
typedef int (*ack_rtt_fn)(void *ctx, enum point p, const struct match_flow_key *data, double *us);

/* Summarizes s (after ack_set_finish) into r, which the caller frees with
 * ack_report_free.  guest: to say which ACKs travel toward the guest (may
 * be NULL); rtt with rtt_ctx: the round trips, for burst_rtt (may be NULL).
 * s is left as it was (it can be summarized again).  -1 when memory is
 * exhausted (r then holds nothing). */
int ack_set_summarize(struct ack_set *s, const struct addrset *guest, ack_rtt_fn rtt,
		      void *rtt_ctx, struct ack_report *r);
void ack_report_free(struct ack_report *r);

#endif
