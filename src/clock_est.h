/* clock_est — estimates the guest clock model (clock.h) from packets matched
 * between a host point and the guest: the state that feeds clock_fit.
 *
 * Every matched packet is a pair of stamps.  To the guest its guest stamp
 * minus host stamp is  delay + offset(t);  from the guest, host minus guest
 * is  delay - offset(t).  Methods:
 *   hull        lower envelope of each direction (clock_fit.h); skew from
 *               their slopes, offset half their difference.  Assumes the
 *               minimum delay is the same both ways; the error bound is half
 *               the minimum round trip (the most that asymmetry can do).
 *   probe       request/response exchanges: ICMP echo, and TCP data with the
 *               first segment back whose ACK covers it.  Per exchange the NTP
 *               offset ((T2-T1) + (T3-T4))/2 within +-RTT/2; the exchanges
 *               with the smallest round trips are kept (min-filter), fitted.
 *   regression  robust line fits of each direction (GSL): biased by queueing
 *               asymmetry; computed always, for comparison.
 * Clock steps (NTP stepping the guest, resets) split the capture into
 * segments, found from jumps in windowed envelope offsets and placed at the
 * guest record where the pairs change sides.
 *
 * Sign convention as clock.h: offset = guest - host. */
#ifndef VOCALC_CLOCK_EST_H
#define VOCALC_CLOCK_EST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "clock_fit.h"
#include "match.h"
#include "point.h"

enum clock_choice { CHOOSE_AUTO = 0, CHOOSE_HULL, CHOOSE_PROBE, CHOOSE_REGRESSION };

/* How a segment's envelopes were had: its own lower hulls; too few pairs for
 * that, so its neighbour's slopes under its own pairs both ways; or pairs one
 * way only, so the neighbour's envelopes moved by the offset step those pairs
 * show (its minimum delays assumed the neighbour's). */
enum clock_fit_kind { CLOCK_FIT_HULL = 0, CLOCK_FIT_SLOPE, CLOCK_FIT_SHIFTED };

struct clock_seg_report {
	uint64_t first_record;     /* guest capture record the segment starts at */
	int64_t start_ns, end_ns;  /* host time of its first and last pair */
	size_t n_to, n_from;       /* pairs used per direction */
	struct fit_line to, from;  /* envelopes (t: s from t0; y: ns, coarse-shifted) */
	double error_bound_ns;     /* half the minimum round trip */
	double min_rtt_ns;
	/* comparisons: guest - host at the segment's t0 and skew, by each method */
	bool have_ols, have_robust;
	double ols_offset_ns, ols_skew, robust_offset_ns, robust_skew;
	double hull_offset_ns, hull_skew;
	enum clock_fit_kind fit;
	/* after correction, the lowest delay of the pairs the segment applies to
	 * (ns, per direction): below -error_bound_ns the model does not hold */
	double min_delay_to_ns, min_delay_from_ns;
};

struct clock_report {
	struct clock_model model;  /* the result; method CLOCK_NONE if none could be had */
	enum point host_point;     /* the host point the pairs were taken at */
	int64_t t0_ns;             /* reference host time */
	int64_t coarse_ns;         /* the first, coarse offset the pairs are relative to */
	size_t pairs_to, pairs_from;
	int64_t pair_bucket_ns; /* > 0: beyond its cap only each bucket's lowest pair was kept */
	size_t probes, probes_used;
	double probe_offset_ns, probe_skew, probe_bound_ns; /* if probes > 0 */
	int nseg;
	struct clock_seg_report seg[CLOCK_MAX_SEGMENTS];
	char note[256];            /* why a fallback was taken, or "" */
};

struct clock_est;

/* t0_ns: the host time offsets refer to; coarse_ns: guest - host used to
 * align the captures for matching (pairs are stored relative to it). */
struct clock_est *clock_est_create(int64_t t0_ns, int64_t coarse_ns);
void clock_est_delete(struct clock_est *e);

/* One matched packet: host stamp, guest stamp already shifted by -coarse
 * (so it reads host time if the coarse offset were exact), the guest
 * record.  Echo requests/replies also feed the probe method (type, id, seq).
 * Returns -1 when memory is exhausted. */
int clock_est_add(struct clock_est *e, enum direction dir, int64_t t_host, int64_t t_guest,
		  uint64_t guest_record);
int clock_est_add_echo(struct clock_est *e, enum direction dir, uint8_t type, uint16_t id,
		       uint16_t seq, int64_t t_host, int64_t t_guest);
/* A TCP segment seen at both points: flow as it travelled; payload > 0 opens
 * an exchange, ack (if has_ack) closes the other direction's exchanges it
 * covers.  Returns -1 when memory is exhausted. */
int clock_est_add_tcp(struct clock_est *e, enum direction dir, const struct match_flow_key *flow,
		      uint32_t seq, uint32_t ack, uint32_t payload, bool has_ack, int64_t t_host,
		      int64_t t_guest);

/* Solves; returns 0 (r->model.method tells which, CLOCK_NONE with r->note
 * when nothing could be estimated), -1 when memory is exhausted. */
int clock_est_solve(struct clock_est *e, enum clock_choice choice, struct clock_report *r);
/* The same on the pairs so far, pairs still coming (host time now: echo
 * requests younger than their reply's timeout wait on). */
int clock_est_solve_interim(struct clock_est *e, enum clock_choice choice, int64_t now,
			    struct clock_report *r);

/* The pairs collected, as rows for plotting (clock_print_csv): pair i of
 * clock_est_npairs(e), in the order collected. */
struct clock_pair_row {
	int64_t t_host_ns;     /* the pair's host stamp */
	enum direction dir;
	uint64_t guest_record; /* index of the guest's record in its capture */
	double reading_ns;     /* its one-way "offset" reading: guest - host for to_guest,
				* the negated reading for from_guest */
};
size_t clock_est_npairs(const struct clock_est *e);
void clock_est_pair(const struct clock_est *e, size_t i, struct clock_pair_row *row);

#endif
