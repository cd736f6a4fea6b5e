/* rtt_print — the printers of the RTT analysis (rtt_set.h): its report
 * record (rtt_report.h) as text or JSON, and each sample event as a pping
 * line (vocalc rtt --samples) or a CSV row (vocalc rtt --csv).  They read
 * only the records handed to them. */
#ifndef VOCALC_RTT_PRINT_H
#define VOCALC_RTT_PRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "rtt_report.h"

struct analysis;

/* The per-point tables, then the decomposition (or why there is none), as
 * text to out. */
void rtt_print_text(FILE *out, const struct rtt_report *r);

/* Adds "points" (with_points; else "rtt_points": analyze's "points" are its
 * own), "rtt", and, when the decomposition was made, "rtt_decomposition"
 * and (with rows) "rtt_vo_share" to root, in that order.  jansson's
 * allocation failures are silent (main watches its allocations). */
void rtt_print_json(json_t *root, const struct rtt_report *r, bool with_points);

/* vocalc rtt's whole report to out: JSON (schema, tool, version, the guest
 * clock when clock is not NULL, then rtt_print_json's keys with "points"),
 * or text (the clock, then rtt_print_text). */
void rtt_print_run(FILE *out, const struct rtt_report *r, const struct analysis *clock, bool json);

/* Where the per-sample printer writes (either stream NULL: not written). */
struct rtt_sample_out {
	FILE *pping; /* pping -m lines of TSval samples: epoch us, RTT and min RTT (s), flow */
	FILE *csv;   /* a row per sample of every kind (rtt_print_csv_header's columns) */
	bool multi;  /* several points: pping lines end with the point's name */
};
/* An rtt_sample_sink (rtt_report.h): ctx is a struct rtt_sample_out. */
void rtt_print_sample(void *ctx, const struct rtt_sample_event *e);
/* The CSV's header line, before any row. */
void rtt_print_csv_header(FILE *csv);

#endif
