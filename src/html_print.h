/* html_print — the analysis as one self-contained HTML page (vocalc report,
 * --html): per guest the headline, where the VO latency arises, every figure
 * of figures.h drawn by gnuplot (gnuplot.h) as inline SVG with its table
 * beside it, the report's tables, the capture's facts and the full text
 * report.  Nothing in the page is fetched: no script, no style sheet, no
 * font, no image from anywhere (a Content-Security-Policy of default-src
 * 'none' says so to the browser).  Without gnuplot the page has every table
 * and says how to get the figures.
 *
 * The page's structure, for readers and tests: a section.guest per guest
 * (data-guest its name), in it a figure[data-fig=NAME] per figure, holding
 * the svg (or p.no-plot), a figcaption and a table.fig-data; a figure with
 * nothing to draw is figure.no-data, its caption saying why. */
#ifndef VOCALC_HTML_PRINT_H
#define VOCALC_HTML_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"
#include "manifest.h"
#include "verr.h"

/* Where a point was captured, from a run's manifest (NULL: not known). */
struct html_point {
	const char *interface, *host;
	int complete; /* 1, 0, -1 unknown */
};

struct html_guest {
	const char *name;          /* NULL: the run's one guest */
	const struct analysis *a;
	struct html_point pt[POINT_N];
};

struct html_opts {
	const char *source;       /* what was analyzed: the run directory or the files */
	const char *made_by;      /* the command line that made the run (manifest), or NULL */
	const char *invocation;   /* this vocalc's command line */
	const char *plots_dir;    /* --plots DIR: each figure's data and script there, or NULL */
	const char *out_name;     /* the page's name in messages */
};

/* Fills g->pt from m (a manifest's points; those of guest `name` in a run
 * of several guests). */
void html_points_from_manifest(struct html_guest *g, const struct manifest *m, const char *name);

/* --plots DIR without a page: each figure's data and script of the n
 * guests into dir (a directory per guest with several, as html_write
 * names them); gnuplot is not run.  0, or -1 with err set. */
int html_write_plots(const struct html_guest *g, int n, const char *dir, struct verr *err);

/* The page of the n guests to out.  A figure gnuplot could not draw is
 * said in the page and on stderr; the page is still whole.  0, or -1 with
 * err set (a write failure, or out of memory). */
int html_write(FILE *out, const struct html_guest *g, int n, const struct html_opts *ho,
	       struct verr *err);

#endif
