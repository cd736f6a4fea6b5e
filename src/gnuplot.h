/* gnuplot — the report's figures (figures.h) as gnuplot data and scripts,
 * and drawn by gnuplot into SVG for the HTML page.
 *
 * For each figure with a series, NAME.dat holds one block per series (two
 * blank lines between blocks, a comment naming each: gnuplot's `index`),
 * columns x y (a band: x low high); NAME.gp sets the svg terminal, the
 * title, the axes with their units and plots every block, the data and
 * output named by absolute paths, so that `gnuplot DIR/NAME.gp` draws
 * DIR/NAME.svg from any directory, and the script is there to edit.
 *
 * The program is `gnuplot` on PATH, or VOCALC_GNUPLOT when set (a path: the
 * tests run without one).  It runs without a shell, its input /dev/null,
 * and is killed when a figure takes longer than GNUPLOT_TIMEOUT_S seconds
 * (VOCALC_GNUPLOT_TIMEOUT sets another). */
enum { GNUPLOT_TIMEOUT_S = 30 };
#ifndef VOCALC_GNUPLOT_H
#define VOCALC_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "figures.h"
#include "verr.h"

/* Whether a figure has anything to draw. */
bool gnuplot_has_data(const struct figure *f);

/* DIR/NAME.dat and DIR/NAME.gp of f (DIR exists); nothing for a figure
 * without data.  0, or -1 with err set naming the file. */
int gnuplot_write(const struct figure *f, const char *dir, struct verr *err);

/* The program that would run, or NULL when there is none (its name in
 * *why then). */
const char *gnuplot_program(const char **why);

/* f drawn by gnuplot as one <svg> element (the XML prolog dropped, every id
 * prefixed by f's name and id_prefix so that several in one page do not
 * clash) into *svg (malloc'd, *len octets).  0; -1 with err set when
 * gnuplot cannot run or fails (its first line of complaint in the
 * message).  *hung (the caller's, false at first): set when gnuplot was
 * killed at the timeout; while set, nothing is tried (each figure would
 * wait as long). */
int gnuplot_svg(const struct figure *f, const char *id_prefix, char **svg, size_t *len,
		bool *hung, struct verr *err);

#endif
