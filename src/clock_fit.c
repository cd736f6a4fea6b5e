/* clock_fit — see clock_fit.h. */
#include "clock_fit.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit.h>
#include <stdbool.h>
#include <stdlib.h>

/* > 0 when o, p, q turn left (counter-clockwise). */
static double cross(double ot, double oy, double pt, double py, double qt, double qy)
{
	return (pt - ot) * (qy - oy) - (py - oy) * (qt - ot);
}

int clock_fit_hull(const double *t, const double *y, size_t n, struct fit_line *out)
{
	if (n == 0)
		return -1;
	size_t *h = malloc(n * sizeof *h);
	if (h == NULL)
		return -1;
	/* Andrew's monotone chain, lower half: linear time on sorted input.  Of
	 * points at one time only the lowest can be on the lower hull. */
	size_t k = 0;
	double tsum = 0;
	for (size_t i = 0; i < n; i++) {
		tsum += t[i];
		if (k > 0 && t[h[k - 1]] == t[i]) {
			if (y[i] >= y[h[k - 1]])
				continue;
			k--;
		}
		while (k >= 2 && cross(t[h[k - 2]], y[h[k - 2]], t[h[k - 1]], y[h[k - 1]], t[i],
				       y[i]) <= 0)
			k--;
		h[k++] = i;
	}
	double tm = tsum / (double)n;
	if (k == 1) {
		out->a = y[h[0]];
		out->b = 0;
	} else {
		/* the hull edge over the mean time maximizes sum(a + b t_i) */
		size_t j = 0;
		while (j + 2 < k && t[h[j + 1]] < tm)
			j++;
		size_t p = h[j], q = h[j + 1];
		out->b = (y[q] - y[p]) / (t[q] - t[p]);
		out->a = y[p] - out->b * t[p];
	}
	free(h);
	return (int)k;
}

int clock_fit_ols(const double *t, const double *y, size_t n, struct fit_line *out)
{
	double c0, c1, cov00, cov01, cov11, sumsq;
	if (n < 2)
		return -1;
	if (gsl_fit_linear(t, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq) != GSL_SUCCESS)
		return -1;
	if (c0 != c0 || c1 != c1)
		return -1;
	out->a = c0;
	out->b = c1;
	return 0;
}

/* Whether GSL's robust workspace got all its parts: gsl_multifit_robust_alloc
 * (GSL 2.7) returns a workspace even when some of its matrix and vector
 * allocations failed, and the fit then dereferences the NULL (found by
 * tests/cases/nomem.sh's fault injection). */
static bool robust_whole(const gsl_multifit_robust_workspace *w)
{
	const gsl_multifit_linear_workspace *l = w->multifit_p;
	return w->r && w->weights && w->c_prev && w->resfac && w->psi && w->dpsi && w->QSI &&
	       w->D && w->workn && l && l->A && l->Q && l->QSI && l->S && l->t && l->xt && l->D;
}

int clock_fit_robust(const double *t, const double *y, size_t n, struct fit_line *out)
{
	if (n < 3)
		return -1;
	gsl_matrix *X = gsl_matrix_alloc(n, 2);
	gsl_vector *Y = gsl_vector_alloc(n), *c = gsl_vector_alloc(2);
	gsl_matrix *cov = gsl_matrix_alloc(2, 2);
	gsl_multifit_robust_workspace *w = gsl_multifit_robust_alloc(gsl_multifit_robust_bisquare, n, 2);
	int rc = X && Y && c && cov && w && robust_whole(w) ? -1 : -2;
	if (rc == -1) {
		for (size_t i = 0; i < n; i++) {
			gsl_matrix_set(X, i, 0, 1.0);
			gsl_matrix_set(X, i, 1, t[i]);
			gsl_vector_set(Y, i, y[i]);
		}
		/* GSL reports "maximum iterations exceeded" as an error but still
		 * returns its estimate; a robust fit that does not settle is not
		 * used. */
		gsl_error_handler_t *old = gsl_set_error_handler_off();
		if (gsl_multifit_robust(X, Y, c, cov, w) == GSL_SUCCESS) {
			out->a = gsl_vector_get(c, 0);
			out->b = gsl_vector_get(c, 1);
			rc = 0;
		}
		gsl_set_error_handler(old);
	}
	if (w) /* unlike the matrix and vector frees, it does not take NULL */
		gsl_multifit_robust_free(w);
	gsl_matrix_free(cov);
	gsl_vector_free(c);
	gsl_vector_free(Y);
	gsl_matrix_free(X);
	return rc;
}
