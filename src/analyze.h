/* analyze — the offline analysis of one run: opens the captures of the points
 * given, learns the guest's addresses, applies the guest clock model, streams
 * every point's packets through the matcher in (host) time order and
 * accounts per-hop and VO latency.  Memory is bounded by the matching window. */
#ifndef VOCALC_ANALYZE_H
#define VOCALC_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ack.h"
#include "clock.h"
#include "clock_est.h"
#include "dissect.h"
#include "guestaddr.h"
#include "match.h"
#include "point.h"
#include "verr.h"
#include "vo.h"

struct analysis_opts {
	const char *file[POINT_N]; /* capture per point, NULL if not given */
	int64_t drops[POINT_N];	   /* kernel drops per point, -1 if unknown */
	struct addrset guest_ips;  /* given by the user (--guest-ip); n == 0: learn */
	bool manual_clock;	   /* --guest-offset-us given */
	double offset_us;	   /* guest - host, us (manual clock) */
	double skew_ppm;	   /* manual clock skew */
	int64_t window_ns;	   /* matching window */
	enum clock_choice clock_choice; /* --clock-method; CHOOSE_AUTO: hull, else probe */
	FILE *clock_csv;		/* per-pair clock rows (vocalc drift --csv), or NULL */
	const char *clock_csv_name;	/* its name, for messages */
	bool no_rtt;                /* --no-rtt: skip the TCP round trips */
	bool no_ack;                /* --no-ack: skip the ACK streams */
	bool no_vo;                 /* vocalc ack: the csv is the ACK rows, not the packets' */
	struct ack_cfg ack;         /* the ACK analysis (ack.h) */
	bool allow_truncated;
	FILE *csv;     /* per-packet rows, or NULL */
	bool progress; /* progress line on stderr (a terminal) */
};

/* The defaults every driver starts from: no file, drops unknown (-1), a
 * matching window of 1000 ms, the clock estimated (CHOOSE_AUTO), RTT and
 * ACK analyses on with ack_cfg_default, no CSV, no progress line. */
void analysis_opts_default(struct analysis_opts *o);

struct point_stats {
	uint64_t records;	 /* records read */
	uint64_t used;		 /* IP packets of guest traffic, fed to the matcher */
	uint64_t not_guest;	 /* IP packets neither from nor to a guest address */
	uint64_t skipped[DIS_N]; /* unusable records, by reason (index DIS_OK unused) */
	int linktype;
	int64_t first_ns, last_ns; /* stamps, host time (guest corrected) */
};

struct clock_pass;

struct analysis {
	struct analysis_opts o;
	uint8_t mask;		  /* points given */
	struct addrset guest_ips; /* in force */
	bool guest_ips_learned;
	/* A capture that shows only two ends (a guest and its one peer) does not
	 * say which is the guest: the labellings are tried in turn, and the one
	 * whose round trips are not negative is kept (causality). */
	bool guest_by_causality;
	bool guest_by_causality_decided; /* a round trip settled it */
	struct guest_ends guest_cand;     /* the labellings (guestaddr.h) */
	int guest_cand_i;                 /* the one in force */
	struct clock_model clock;
	bool clock_estimated;       /* clock_rep holds the estimator's report */
	struct clock_report clock_rep;
	struct point_stats pt[POINT_N];
	struct vo vo;
	struct match_counts mc;
	struct clock_pass *pass_clock; /* the one pass: where the clock's pairs go, or NULL */
	int passes;                 /* passes over the captures for the figures (1: the clock
				     * estimated on the way; 2: the clock first; 0: clock only) */
	size_t interim_solves;      /* the one pass: delays corrected by interim clocks, */
	double interim_diff_ns;     /* their most off the final clock */
	struct rtt_set *rtt;        /* round trips per point (rttrun.h), or NULL */
	struct ack_set *ack;        /* ACK streams and pairs (ack.h), or NULL */
	bool tap_failed;            /* a per-point tracker ran out of memory */
};

/* How long the clock pass waits for a packet's copy: the captures are only
 * aligned by a coarse offset there. */
#define CLOCK_WINDOW_NS (2000LL * 1000000)

/* The guest clock only (vocalc drift): guest addresses, then the manual
 * model or the estimate.  0 or -1 with err set. */
int analysis_clock(struct analysis *a, const struct analysis_opts *o, struct verr *err);

/* Where the guest's clock stood while the guest was captured: at the start,
 * the middle and the end of the guest capture (host time), guest - host (ns)
 * by the model in force.  The middle is the figure to quote: the host points
 * may start seconds before the guest's (FIELD-NOTES 11). */
struct clock_span {
	bool known; /* a guest capture with packets, and a model */
	int64_t t[3];
	double offset_ns[3];
};
void analysis_clock_span(const struct analysis *a, struct clock_span *cs);

/* Runs the analysis; 0 or -1 with err set (VERR_INPUT: bad file).  One pass
 * over the captures when the guest clock is estimated: the guest's stamps
 * reach the matcher shifted by a coarse offset, the clock's pairs are
 * collected on the way, and the delays across the guest are corrected once
 * it is solved.  A second pass with the final clock where one pass cannot
 * give the same figures: the clock stepped (the trackers at the guest must
 * not see the step, the matcher must not miss it), or a per-packet CSV is
 * written (its stamps). */
int analysis_run(struct analysis *a, const struct analysis_opts *o, struct verr *err);
void analysis_free(struct analysis *a);

#endif
