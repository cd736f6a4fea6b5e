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
#include <stdio.h>

#include "guestaddr.h"
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
};

/* Runs and writes the report to out; 0, or -1 with err set. */
int rtt_run(const struct rtt_run_opts *o, FILE *out, struct verr *err);

#endif
