/* rtt_set — the TCP-timestamp RTT per flow at each capture point (rtt.h
 * has the rules), with per-flow statistics and the decomposition: the
 * per-point collectors (struct rtt_set, fed by one tracker per
 * point), their summary into a record (rtt_report.h) computed once; the
 * vocalc rtt driver is rtt_run.h's, the text, JSON and per-sample outputs
 * rtt_print.h's.
 *
 * Decomposition (the seed's Fig. 4.11): for a flow whose TSvals are the
 * guest's (the guest sends, the far host echoes), the RTT at guest includes
 * the virtualization overhead both ways and the RTT at the outermost host
 * point does not.  VO share = (RTT_guest - RTT_outer) / RTT_guest, from the
 * medians, per flow and over all such flows' samples.  Which flows are the
 * guest's comes from its addresses, given to rtt_set_summarize (vocalc rtt
 * learns them once from the guest capture; analyze has its own). */
#ifndef VOCALC_RTT_SET_H
#define VOCALC_RTT_SET_H

#include <stdbool.h>
#include <stdio.h>

#include "guestaddr.h"
#include "point.h"
#include "rtt.h"
#include "rtt_report.h"
#include "stats.h"
#include "verr.h"

struct analysis;

struct rtt_run_opts {
	const char *file[POINT_N]; /* NULL if not given */
	int64_t drops[POINT_N];    /* each capture's drops, -1 unknown */
	struct rtt_cfg cfg;
	bool allow_truncated;
	/* Each sample as it is taken, to sink (NULL: none).  rtt_run sets it
	 * itself from samples and csv. */
	rtt_sample_sink sink;
	void *sink_ctx;
	/* rtt_run only: */
	FILE *samples;             /* pping -m lines, or NULL */
	FILE *csv;                 /* time series rows, or NULL */
	bool json;                 /* the report as JSON, else text */
	bool multi;                /* several points: sample lines name the point */
	struct addrset guest_ips;  /* --guest-ip; empty: learned (for the decomposition) */
	/* vocalc rtt with guest and a host point: the guest clock estimated, so
	 * that a step in it is found, said, and no round trip spans it; NULL:
	 * every point's own stamps.  The set reads it too: without it, the
	 * guest point's record suggests a host capture (step_hint). */
	const struct analysis *clock;
};

/* The defaults of vocalc rtt: no file, drops unknown (-1), rtt_cfg_default,
 * no outputs but the report, guest addresses learned, no clock. */
void rtt_run_opts_default(struct rtt_run_opts *o);

/* For the drivers (vocalc rtt: rtt_run.h; vocalc analyze): a set of per-point
 * collectors; a tracker per point feeds its collector (one thread per point
 * at most); the set summarizes into a record, printed by rtt_print.h. */
struct rtt_set;
struct rtt_set *rtt_set_create(const struct rtt_run_opts *o); /* copies o */
void rtt_set_delete(struct rtt_set *s);
/* A tracker whose samples go to point p's collector; NULL when out of memory. */
struct rtt_tracker *rtt_set_tracker(struct rtt_set *s, enum point p);
/* A collector of point p ran out of memory recording a sample. */
bool rtt_set_failed(const struct rtt_set *s, enum point p);
/* Takes p's counts and flows without timestamps from t, then deletes t. */
void rtt_set_finish(struct rtt_set *s, enum point p, struct rtt_tracker *t, uint64_t records);
/* Point p's durations were measured on a clock running at 1 / rate of host
 * time (a guest's, not corrected for skew): every figure is multiplied by
 * rate when summarized.  1 unless set. */
void rtt_set_rate(struct rtt_set *s, enum point p, double rate);
/* Fills r (the caller's, overwritten) with every point given and, when
 * guest and a host point were given, the decomposition over the flows whose
 * source is in guest_ips.  guest_ips NULL: the guest's addresses are not
 * known, guest_why says why (copied; the record says so in place of the
 * decomposition).  0, or -1 with err set (out of memory; r then holds
 * nothing to free).  Free r with rtt_report_free; r borrows the set's file
 * names (the options given to rtt_set_create). */
int rtt_set_summarize(struct rtt_set *s, const struct addrset *guest_ips, const char *guest_why,
		      struct rtt_report *r, struct verr *err);
/* The RTTs (us, *d) at point p of every flow whose TSvals went toward an
 * address of g (its destination in g: the round trips from p to those
 * addresses and back; g NULL: every flow), pooled; *delayed: how many were flagged delayed ACK
 * (rtt.h; kept in the figures: the guest's own ACK policy is part of its
 * side's round trip).  1, 0 when there is none, -1 out of memory. */
int rtt_set_toward(struct rtt_set *s, enum point p, const struct addrset *g, struct dist *d,
		   uint64_t *delayed);
/* Every RTT (us, host time) at point p, of every flow, to fn (bview_visit:
 * each value, or each bucket of a sketch); vocalc watch's histograms.  0,
 * or -1 out of memory. */
int rtt_set_visit(struct rtt_set *s, enum point p, bview_fn fn, void *ctx);
/* The median RTT (us) of flow k's samples at point p (k: the direction
 * whose TSvals were echoed); -1 if it has none. */
int rtt_set_flow_p50(struct rtt_set *s, enum point p, const struct match_flow_key *k, double *us);
/* The same as a callback (ack_rtt_fn, ack.h: the ACK analysis's burst
 * interval by RTT): set is a struct rtt_set *. */
int rtt_set_flow_p50_of(void *set, enum point p, const struct match_flow_key *k, double *us);

#endif
