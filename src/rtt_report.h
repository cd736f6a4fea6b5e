/* rtt_report — the records of the RTT analysis (rtt_set.h), plain structs:
 * what rtt_set_summarize computes once and the printers (rtt_print.h) read,
 * and the sample event the collector hands a sink as each sample is taken.
 *
 * Times are microseconds of host time (a guest point's durations already
 * multiplied by its rate, rtt_set_rate).  A figure that does not exist has
 * its ok flag false and a reason beside it (CONTRACT.md: null, with
 * "<key>_reason"); its value is then 0 and means nothing. */
#ifndef VOCALC_RTT_REPORT_H
#define VOCALC_RTT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "point.h"
#include "rtt.h"
#include "stats.h"

/* Flows without timestamps named per point (the first ones). */
#define RTT_NOTS_LISTED 20
/* Room for a reason, with its terminating NUL. */
#define RTT_WHY_CAP 256

/* One flow (direction) at one point. */
struct rtt_flow_report {
	struct match_flow_key key; /* the direction whose TSvals were echoed */
	uint64_t samples;          /* TSval samples (handshake ones not counted) */
	/* Its TSval RTTs (us), when samples > 0; else all 0 and the reason is
	 * the point's no_samples_why.  rtt_us.sketch_rel > 0: the quantiles
	 * came from a sketch (stats.h). */
	struct dist rtt_us;
	bool sketched;                 /* its samples kept as a sketch (past the flow cap) */
	uint64_t shared_tsval, delayed_ack; /* samples flagged (rtt.h) */
	/* The first handshake legs seen (us, rounded to whole ns): responder
	 * SYN -> SYN/ACK, initiator SYN/ACK -> ACK; has_* false when not seen. */
	bool has_hs_resp, has_hs_init;
	double hs_resp_us, hs_init_us;
};

/* One capture point given. */
struct rtt_point_report {
	bool given;               /* false: no capture here, nothing else set */
	const char *file;         /* as given (borrowed from the set's options) */
	uint64_t packets;         /* records read */
	int64_t drops;            /* the capture's own drop count, -1 unknown */
	struct rtt_counts counts; /* why packets gave no sample (rtt.h) */
	size_t nots;              /* flows without timestamps, all of them */
	size_t nots_listed;       /* how many of them nots_list holds (<= RTT_NOTS_LISTED) */
	struct match_flow_key nots_list[RTT_NOTS_LISTED];
	/* The point is the guest and no guest clock was estimated: a step back
	 * of its clock is only counted (a host capture beside it would fix it). */
	bool step_hint;
	/* Why a flow here has no RTT sample (snaplen, or nothing echoed). */
	char no_samples_why[RTT_WHY_CAP];
	size_t nflows;                  /* flows seen here */
	struct rtt_flow_report *flows;  /* nflows, most samples first (ties by key) */
};

/* One decomposition row: a flow the guest sends, seen at guest and at the
 * outermost host point (rtt_set.h). */
struct rtt_decomp_row {
	struct match_flow_key key;      /* unset in the "all of them" row */
	bool ok_guest, ok_outer;        /* false: the point's no_samples_why */
	double guest_p50_us, outer_p50_us; /* median RTT at guest and at the outer point */
	uint64_t samples_guest, samples_outer; /* in the "all of them" row: the sums */
	/* (guest - outer) / guest, a fraction (not per cent); ok_share false:
	 * share_why says why */
	bool ok_share;
	double vo_share;
	char share_why[RTT_WHY_CAP];
	bool sketched; /* a median from a sketch (stats.h: SKETCH_BITS_FLOW bound) */
};

enum rtt_decomp_state {
	RTT_DECOMP_NONE,      /* no guest capture, or no host one: not attempted */
	RTT_DECOMP_UNDECIDED, /* the guest's addresses unknown: no_decomp_why says why */
	RTT_DECOMP_DONE,      /* rows (maybe none) and, with rows, the overall one */
};

struct rtt_report {
	struct rtt_point_report point[POINT_N]; /* by enum point */
	enum rtt_decomp_state decomp;
	char no_decomp_why[768];                /* RTT_DECOMP_UNDECIDED (a verr's message) */
	enum point outer;                       /* RTT_DECOMP_DONE: the outermost host point */
	size_t nrows;
	struct rtt_decomp_row *rows;            /* in the guest table's order */
	/* nrows > 0: the medians of all rows' samples at each point, and the
	 * share from them; sketched if any row's figure was. */
	struct rtt_decomp_row all;
	/* For the note under a table with "~" figures: a flow keeps this many
	 * samples at a point exactly (stats_flow_cap), then a sketch within
	 * sketch_rel (a fraction) of each quantile's magnitude. */
	size_t sketch_cap;
	double sketch_rel;
};

/* Frees what r holds (r itself is the caller's); r zeroed after. */
void rtt_report_free(struct rtt_report *r);

/* A sample as the collector takes it, for per-sample outputs (pping lines,
 * CSV rows).  Valid during the sink's call only. */
struct rtt_sample_event {
	enum point point;            /* where it was taken */
	const struct rtt_sample *s;  /* rtt.h: its kind, stamps (ns) and flow */
};
/* Called once per sample of every kind, in the order taken at its point,
 * from the thread feeding that point's tracker: a sink given to trackers fed
 * at once by several threads must serialize itself (vocalc rtt feeds one
 * point after the other). */
typedef void (*rtt_sample_sink)(void *ctx, const struct rtt_sample_event *e);

#endif
