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
 * JSON. */
#ifndef VOCALC_ACK_H
#define VOCALC_ACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dissect.h"
#include "guestaddr.h"
#include "match.h"
#include "point.h"
#include "verr.h"

struct rtt_set;

/* The definitions above, in numbers. */
#define ACK_REF_QUANTILE 0.1	/* no rate: the reference is this quantile upstream */
#define ACK_B2B_FRACTION 0.25	/* ... and back to back is below this share of it */
#define ACK_RATIO_COMPRESSED 0.5 /* between points: spacing ratio below this */
#define ACK_STEP_NS 1000000	/* a step back beyond this restarts every flow */

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
	FILE *csv;             /* per-ACK rows, or NULL */
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

/* The CSV header of the rows cfg->csv gets (one line). */
void ack_csv_header(FILE *csv);

/* Writes text to out (root NULL) or the keys "ack", "ack_compression" and
 * "ack_points" into root.  guest: to say which ACKs travel toward the guest
 * (may be NULL); rtt: the round trips per point when burst_rtt (may be
 * NULL). */
int ack_set_write(struct ack_set *s, FILE *out, json_t *root, const struct addrset *guest,
		  struct rtt_set *rtt, struct verr *err);

/* vocalc ack on one capture (no pairs): reads path as point p (with
 * burst_rtt, its round trips too) and writes the report (text, or JSON with
 * schema, tool, version, points). */
int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg,
		   bool allow_truncated, FILE *out, bool json, struct verr *err);

#endif
