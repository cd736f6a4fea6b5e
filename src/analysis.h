/* analysis — the record of one run's analysis (analyze.h runs it): what was
 * asked (struct analysis_opts), and what came out, per point, per hop and
 * end to end, the guest clock, the round trips and the ACK streams.  The
 * printers (report.h, clock_print.h, csv_print.h) read only this. */
#ifndef VOCALC_ANALYSIS_H
#define VOCALC_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ack.h"
#include "clock.h"
#include "clock_est.h"
#include "dissect.h"
#include "guestaddr.h"
#include "guestrt.h"
#include "match.h"
#include "point.h"
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
	/* Several guests share the host captures (a run with "guests",
	 * manifest.h): t0 is this guest's first host packet, and the RTT and ACK
	 * trackers see its packets only, so that each guest's figures are those
	 * its traffic alone gives.  false: every record (one guest). */
	bool guest_only;
	FILE *csv;     /* per-packet rows, or NULL */
	bool progress; /* progress line on stderr (a terminal) */
	bool keep_clock_pairs; /* the clock's pairs, thinned, into the record (figures.h) */
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
struct guestrt;

/* Fewer round trips than this make no headline figure (null, with the
 * count in the reason): a median of one or two probes says nothing of a
 * path that queues. */
enum { GUEST_SIDE_MIN = 5 };

enum { ANALYSIS_PLOT_PAIRS = 4000 };

/* A guest without its own capture (vnet given, no guest point): its side
 * as a round trip vnet -> guest -> vnet on the host's clock alone (the
 * split into its two ways needs the guest's clock). */
struct guest_side {
	bool on;                     /* vnet and no guest point: the rest is set */
	struct guestrt_counts icmp_counts; /* the host's (or anyone's) pings to the guest */
	struct dist icmp;            /* their round trips at vnet, us; n 0: none */
	bool tcp_known;              /* the TCP round trips were tracked (not --no-rtt) */
	struct dist tcp;             /* TCP-timestamp RTTs at vnet of the flows toward the guest */
	uint64_t tcp_delayed;        /* of them flagged delayed ACK (kept: the guest's ACK
				      * policy is part of its side's round trip) */
};

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
	int64_t t0_ns;              /* the first host stamp (host_t0): every model's t0, and
				     * the figures' time origin */
	struct clock_model clock;
	bool clock_estimated;       /* clock_rep holds the estimator's report */
	struct clock_report clock_rep;
	/* keep_clock_pairs: the estimator's pairs as plotted, at most
	 * ANALYSIS_PLOT_PAIRS: all when no more, else each of
	 * ANALYSIS_PLOT_PAIRS / 4 intervals' lowest and highest reading per
	 * direction less the model's offset then (the envelopes the hull
	 * method rests on are kept, whatever the skew). */
	struct clock_pair_row *plot_pairs;
	size_t nplot_pairs;
	struct point_stats pt[POINT_N];
	struct vo vo;
	struct match_counts mc;
	struct clock_pass *pass_clock; /* the one pass: where the clock's pairs go, or NULL */
	int passes;                 /* passes over the captures for the figures (1: the clock
				     * estimated on the way; 2: the clock first; 0: clock only) */
	size_t interim_solves;      /* the one pass: delays corrected by interim clocks, */
	double interim_diff_ns;     /* their most off the final clock */
	struct rtt_set *rtt;        /* round trips per point (rtt_set.h), or NULL */
	struct ack_set *ack;        /* ACK streams and pairs (ack.h), or NULL */
	bool tap_failed;            /* a per-point tracker ran out of memory */
	struct guestrt *grt;        /* while the main pass runs: the guest side's pings */
	struct guest_side gside;
};

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

/* Frees what a holds (its delays, round trips and ACK streams); a is
 * reusable after. */
void analysis_free(struct analysis *a);

#endif
