/* clock_fit — the maths of the guest clock estimate, kept apart from the
 * state that feeds it (clock_est.c).  Points are (t, y): t in seconds from a
 * reference epoch (so doubles keep their precision), y in nanoseconds.
 *
 * The lower envelope (Moon, Skelly & Towsley, "Estimation and removal of
 * clock skew from network delay measurements", INFOCOM 1999; Zhang, Liu &
 * Xia, "Clock synchronization algorithms for network measurements",
 * INFOCOM 2002): of all lines lying on or below every point, the one that
 * minimizes the summed vertical distance to the points.  Queueing only adds
 * delay, so the envelope follows the minimum delay plus the clock's offset;
 * unlike a regression, heavy queueing does not bias it.  It is an edge (or
 * vertex) of the lower convex hull: the one above the points' mean time. */
#ifndef VOCALC_CLOCK_FIT_H
#define VOCALC_CLOCK_FIT_H

#include <stddef.h>

/* y = a + b * t: a in ns at t = 0, b in ns per second (1 ns/s = 1e-3 ppm). */
struct fit_line {
	double a, b;
};

static inline double fit_at(const struct fit_line *l, double t) { return l->a + l->b * t; }

/* Lower envelope of n points sorted by t (ascending; ties allowed).
 * Returns the number of lower-hull vertices (>= 1), or -1 if n == 0 or
 * memory is exhausted.  One point, or all at one time: a level line. */
int clock_fit_hull(const double *t, const double *y, size_t n, struct fit_line *out);

/* Ordinary least squares (gsl_fit_linear).  -1 if n < 2 or t constant. */
int clock_fit_ols(const double *t, const double *y, size_t n, struct fit_line *out);

/* Robust least squares, bisquare weights (gsl_multifit_robust).  -1 if n < 3
 * or the fit fails, -2 when memory is exhausted. */
int clock_fit_robust(const double *t, const double *y, size_t n, struct fit_line *out);

#endif
