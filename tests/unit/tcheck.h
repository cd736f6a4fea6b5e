/* tcheck — the smallest test harness that says what failed and where.
 * Each test binary prints one line per failed check and exits 1 if any. */
#ifndef VOCALC_TCHECK_H
#define VOCALC_TCHECK_H

#include <math.h>
#include <stdio.h>

static int tcheck_failed, tcheck_run;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		tcheck_run++;                                                                      \
		if (!(cond)) {                                                                     \
			tcheck_failed++;                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		tcheck_run++;                                                                      \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_) {                                                                    \
			tcheck_failed++;                                                           \
			fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__,      \
				__LINE__, #a, a_, #b, b_);                                         \
		}                                                                                  \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		tcheck_run++;                                                                      \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol))) {                                                   \
			tcheck_failed++;                                                           \
			fprintf(stderr, "%s:%d: %s == %.9g, expected %.9g +- %g\n", __FILE__,      \
				__LINE__, #a, a_, b_, (double)(tol));                              \
		}                                                                                  \
	} while (0)

static inline int tcheck_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, tcheck_run, tcheck_failed);
	return tcheck_failed ? 1 : 0;
}

#endif
