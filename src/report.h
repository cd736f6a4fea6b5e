/* report — the analysis as human text (answer first, aligned tables, a unit on
 * every number) or as the JSON document of CONTRACT.md (schema 1), written
 * with jansson.  Output formats are behind one dispatch: report_write. */
#ifndef VOCALC_REPORT_H
#define VOCALC_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"

enum report_format { REPORT_TEXT, REPORT_JSON };
enum report_kind { REPORT_ANALYSIS, REPORT_CLOCK, REPORT_ACK };

struct report_opts {
	enum report_format fmt;
	enum report_kind kind; /* the whole analysis, or the guest clock only (drift) */
	bool verbose;          /* text: also the methods not used, for comparison */
	const char *out_name;  /* out in a write error ("standard output"); NULL: "the report" */
};

/* Writes the report of a to out (flushed); -1 with err set on allocation
 * or write failure (a section that cannot be written is an error, never an
 * empty one). */
int report_write(FILE *out, const struct report_opts *ro, const struct analysis *a,
		 struct verr *err);

/* Point p's entry of "points": name, file, packets, drops (null unknown),
 * with guest_counts guest_packets and other_packets (not for host captures
 * several guests share: the counts are each guest's), skipped by reason. */
json_t *report_point_json(const struct analysis *a, enum point p, bool guest_counts);

/* What report_json_fill writes. */
struct report_json_opts {
	enum report_kind kind;
	const char *ips_key; /* the guest's addresses' key; NULL: "guest_ips" */
	bool vo_reasons;     /* no VO: "vo_reason", and vo_round_trip, vo_where null with theirs */
};

/* The keys of a's JSON report into obj, in the order the report of one run
 * has them after "version": "points" (the analysis's), the addresses
 * (ips_key, ips_key_source, ips_key_note), "clock" and, beyond the clock
 * (REPORT_ANALYSIS), "matching", "hops", "vo" ..., "rtt" ..., "ack" ....
 * One function for the report of one run and each guest of several (guests_print.h),
 * so that they cannot drift.  0, or -1 when memory ran out (err set when
 * the RTT summary could not be made). */
int report_json_fill(json_t *obj, const struct analysis *a, const struct report_json_opts *jo,
		     struct verr *err);

/* A hop's delays can be seen: not every one exactly 0 (both points one
 * kernel stamp).  The report's "observable", the figures' too. */
bool report_observable(const struct dist *d);

/* Why a has no VO (a->vo.has_vo false), as one sentence without a stop. */
const char *report_no_vo_reason(const struct analysis *a);

/* The hop with the largest share of its direction's delay (vo_where;
 * without a VO, of the host hops'): false when no hop has a share. */
struct report_share {
	enum point from, to;
	enum direction dir;
	double share, p50_us;
};
bool report_largest_share(const struct analysis *a, struct report_share *out);

#endif
