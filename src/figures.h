/* figures — the HTML report's figures as data: from one analysis record,
 * each figure's series of (x, y) points, its title, its axes with their
 * units, and a table of the same figures for a reader without the image
 * (and for print).  What draws them is gnuplot's (gnuplot.h); what places
 * them in a page, html_print.h's.
 *
 * The figures, by name (the --plots file names and the page's data-fig):
 *   vo_cdf    the VO latency (outermost host point <-> guest) CDF, each
 *             direction, every protocol class with packets
 *   hop_cdf_to_guest, hop_cdf_from_guest
 *             every hop's delay CDF in that direction, per protocol class
 *             with packets (rows of one kernel stamp at both points left out)
 *   vo_time   the VO latency over time, p50 and p99 per interval, each
 *             direction, the p50 within the clock's error bound as a band
 *   clock     the guest clock's readings (guest - host) against host time:
 *             each interval's lowest and highest reading per direction, the
 *             hulls of the envelopes, the fitted line of every segment and
 *             its error bound, a dashed line at each step (a segment's
 *             start); hulls and fits per segment (its guest records)
 *   rtt_cdf   the TCP-timestamp RTT CDF at every point
 *   ack_hist  ACK inter-arrivals per point, counts per bin of the report's edges
 *   ack_cdf   ACK inter-arrivals per point, the share at or below each edge
 * A CDF's points are its quantiles at q = 0, 0.005, ..., 0.995, 0.999, 1
 * by GSL's definition (the report's p50 is the point at q = 0.5, from the
 * same values).  Its x axis is logarithmic when every value is positive and
 * the largest is 50 times the smallest or more (a tail over decades); with
 * values at or below zero among such a spread (negative delays between host
 * points), a symmetric logarithm, sign(x) log10(1 + |x|).  The
 * clock's y axis spans the fitted line and 4 times its error bound either
 * side (readings of packets that queued long lie beyond: the table counts
 * them). */
#ifndef VOCALC_FIGURES_H
#define VOCALC_FIGURES_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"

enum fig_style {
	FIG_LINES,  /* a line through the points */
	FIG_POINTS, /* a mark per point */
	FIG_STEPS,  /* a histogram: y over [x, next x) */
	FIG_BAND,   /* a filled band between y and y2 */
	FIG_DASHED, /* a dashed line (a bound, a step) */
	FIG_LINESPOINTS, /* a line with a mark per point (a series of few points) */
};

struct fig_series {
	char label[96];
	bool notitle;      /* not in the legend (a later segment of a series named once) */
	const char *color; /* "#rrggbb" (static), or NULL: gnuplot's next */
	int dash;          /* a line's dash type (gnuplot's dt: 2 dashed, 3 dotted ...); 0: solid */
	enum fig_style style;
	size_t n, cap;
	double *x, *y, *y2; /* y2: FIG_BAND's upper edge, else NULL; a point of NAN
			     * breaks the line (no interval there) */
};

enum { FIG_MAX_SERIES = 64, FIG_TABLE_COLS = 8, FIG_TABLE_ROWS = 34 };

/* The figure's table: a header row and up to FIG_TABLE_ROWS rows of text. */
struct fig_table {
	int ncol, nrow;
	char head[FIG_TABLE_COLS][32];
	char cell[FIG_TABLE_ROWS][FIG_TABLE_COLS][48];
};

struct figure {
	const char *name;   /* vo_cdf, ... (static) */
	char title[160];
	char xlabel[96], ylabel[128];
	bool logx;
	bool symlogx;       /* x as sign(x) log10(1 + |x|): values <= 0 among a spread over decades */
	double xlo, xhi;    /* with symlogx: the values' range (for the decades' tics) */
	bool yfix;          /* the y axis from ylo to yhi (else gnuplot's autoscale) */
	double ylo, yhi;
	int nseries;
	bool full;          /* a series did not fit in FIG_MAX_SERIES: left out, said */
	struct fig_series s[FIG_MAX_SERIES];
	struct fig_table t;
	char note[512];     /* what the figure rests on, or why it is empty */
};

enum { FIG_N = 8 };

struct figure_set {
	struct figure f[FIG_N];
	int n;
};

/* Every figure of a (after the analysis and its report's summaries:
 * vo_summarize).  A figure without data keeps its place with nseries 0
 * and the reason in its note.  0, or -1 when memory ran out. */
int figures_build(const struct analysis *a, struct figure_set *fs);
void figures_free(struct figure_set *fs);

/* Whether a series has any point (the page and the scripts skip empty ones). */
static inline bool fig_series_empty(const struct fig_series *s)
{
	return s->n == 0;
}

#endif
