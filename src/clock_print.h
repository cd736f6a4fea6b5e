/* clock_print — the guest clock of an analysis as text and JSON. */
#ifndef VOCALC_CLOCK_PRINT_H
#define VOCALC_CLOCK_PRINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "analysis.h"

/* "Clock: method M (P <-> guest)[, the offset at the middle of the guest
 * capture, skew, bound], N segments", a line per step and the note.
 * with_values: the offset too (analyze, rtt; drift prints it first). */
void clock_print_text(FILE *out, const struct analysis *a, bool with_values);
/* vocalc drift's report: the answer, the segments table and, verbose, every
 * method on the same pairs.  0, or -1 on a write error. */
int clock_print_drift(FILE *out, const struct analysis *a, bool verbose);
/* CONTRACT.md's "clock" object (new reference; NULL when out of memory). */
json_t *clock_print_json(const struct analysis *a);

#endif
