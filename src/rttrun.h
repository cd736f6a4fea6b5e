/* rttrun — vocalc rtt: TCP-timestamp RTT per flow at each capture point
 * given (rtt.h has the rules), with per-flow statistics, pping-style sample
 * lines, JSON and a CSV time series.  Each capture is read on its own: an
 * RTT is a difference of one clock, so no guest clock model is needed.
 *
 * Decomposition (the seed's Fig. 4.11): for a flow whose TSvals are the
 * guest's (the guest sends, the far host echoes), the RTT at guest includes
 * the virtualization overhead both ways and the RTT at the outermost host
 * point does not.  VO share = (RTT_guest - RTT_outer) / RTT_guest, from the
 * medians, per flow and over all such flows' samples. */
#ifndef VOCALC_RTTRUN_H
#define VOCALC_RTTRUN_H

#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>

#include "guestaddr.h"

struct analysis;
#include "point.h"
#include "rtt.h"
#include "verr.h"

struct rtt_run_opts {
	const char *file[POINT_N]; /* NULL if not given */
	int64_t drops[POINT_N];
	struct rtt_cfg cfg;
	bool allow_truncated;
	FILE *samples;             /* pping -m lines, or NULL */
	FILE *csv;                 /* time series rows, or NULL */
	bool json;
	bool multi;                /* several points: sample lines name the point */
	struct addrset guest_ips;  /* --guest-ip; empty: learned (for the decomposition) */
	/* vocalc rtt with guest and a host point: the guest clock estimated, so
	 * that a step in it is found, said, and no round trip spans it; NULL:
	 * every point's own stamps */
	const struct analysis *clock;
};

/* The defaults of vocalc rtt: no file, drops unknown (-1), rtt_cfg_default,
 * no outputs but the report, guest addresses learned, no clock. */
void rtt_run_opts_default(struct rtt_run_opts *o);

/* Runs and writes the report to out; 0, or -1 with err set. */
int rtt_run(const struct rtt_run_opts *o, FILE *out, struct verr *err);

/* The same per point for another driver (vocalc analyze): a set of per-point
 * collectors; a tracker per point feeds its collector (one thread per point
 * at most); the set writes the tables and the decomposition. */
struct rtt_set;
struct rtt_set *rtt_set_create(const struct rtt_run_opts *o); /* copies o */
void rtt_set_delete(struct rtt_set *s);
/* A tracker whose samples go to point p's collector; NULL when out of memory. */
struct rtt_tracker *rtt_set_tracker(struct rtt_set *s, enum point p);
/* Takes p's counts and flows without timestamps from t, then deletes t. */
void rtt_set_finish(struct rtt_set *s, enum point p, struct rtt_tracker *t, uint64_t records);
/* Point p's durations were measured on a clock running at 1 / rate of host
 * time (a guest's, not corrected for skew): every figure is multiplied by
 * rate when summarized.  1 unless set. */
void rtt_set_rate(struct rtt_set *s, enum point p, double rate);
/* Text to out (root NULL), or the keys "rtt", "rtt_decomposition",
 * "rtt_vo_share" (and "points" if with_points) into root.  0 or -1. */
int rtt_set_write(struct rtt_set *s, FILE *out, json_t *root, bool with_points, struct verr *err);
/* The median RTT (us) of flow k's samples at point p (k: the direction
 * whose TSvals were echoed); -1 if it has none. */
int rtt_set_flow_p50(struct rtt_set *s, enum point p, const struct match_flow_key *k, double *us);

#endif
