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

#endif
