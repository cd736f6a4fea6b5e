/* ack — ACK inter-arrival and ACK compression (seed 004, Ch. 2.7, 4, 5).
 *
 * At each capture point, per TCP flow direction, the ACK stream is the
 * segments whose cumulative ACK advances (with all_acks, every pure ACK as
 * well); its inter-arrival times give a histogram, a CDF and a distribution.
 * An inter-arrival is compressed when it is below reference * (1 - tolerance):
 * the reference is the serialization time of one full packet at the
 * bottleneck rate when given (100 Mbit/s, 1500 octets: 120 us), else the
 * mode of the flow's inter-arrivals at its upstream point (the first point
 * given along the ACKs' way), which the report names.
 *
 * Across points, ACKs seen at two points (matched by the matcher, so guest
 * stamps are corrected) pair up: for consecutive ACKs of the downstream
 * stream, ratio = downstream spacing / upstream spacing; a pair is compressed
 * between the points when the ratio is below 1 - tolerance.  Downstream is
 * the innermost point given (guest) for ACKs toward the guest; ACKs from the
 * guest run the other way.
 *
 * Burstiness of the data stream the ACKs clock: the coefficient of variation
 * (population standard deviation over mean) of the octets acknowledged in
 * consecutive intervals of burst_ms from the flow's first ACK (the last,
 * partial interval left out), or of the flow's median RTT at that point.
 * (004 5.3 writes mu/sigma and calls it the coefficient of variation; vocalc
 * reports sigma/mu, which grows with burstiness as 004's figures do.)
 *
 * Inter-arrivals and ratios are kept as 4-octet floats for exact quantiles,
 * up to SAMPLE_CAP per flow and point, then a uniform sample of that many
 * (stats.h; JSON "sampled_from" says so); with burst_rtt, 4 octets per flow
 * per 100 us as well. */
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

struct ack_cfg {
	double bin_us, max_us; /* histogram: bin width (linear) and upper edge, us */
	bool log_bins;         /* 10 bins per decade from 1 us to max_us instead */
	double link_rate_bps;  /* > 0: the reference from the bottleneck rate */
	double packet_bytes;   /* one full packet on the wire, octets (1500) */
	double tolerance;      /* 0.1 */
	double burst_ms;       /* 60 */
	bool burst_rtt;        /* the interval is the flow's median RTT at the point */
	bool all_acks;         /* every pure ACK, not only those advancing */
	int64_t window_ns;     /* the matching window (pairs are ordered within 2 windows) */
	FILE *csv;             /* per-ACK rows, or NULL */
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

/* Writes text to out (root NULL) or the keys "ack" and "ack_compression"
 * into root.  guest: to say which ACKs travel toward the guest (may be
 * NULL); rtt: the round trips per point when burst_rtt (may be NULL). */
int ack_set_write(struct ack_set *s, FILE *out, json_t *root, const struct addrset *guest,
		  struct rtt_set *rtt, struct verr *err);

/* vocalc ack on one capture (no pairs): reads path as point p and writes
 * the report (text, or JSON with schema, tool, version, points). */
int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg,
		   bool allow_truncated, FILE *out, bool json, struct verr *err);

#endif
