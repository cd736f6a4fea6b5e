/* guests_print — the report of a run of several guests (guests.h), as text
 * or as CONTRACT.md's JSON ("Several guests in one run"): first the guests
 * ranked by VO, worst on top, then each guest's own report, made by the
 * functions the report of one run is made by (report.h), so that a guest
 * reads as it would alone. */
#ifndef VOCALC_GUESTS_PRINT_H
#define VOCALC_GUESTS_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "guests.h"
#include "verr.h"

/* Writes r (ranked: guests_rank) to out, flushed; JSON: one document with
 * "points" (the shared host points), "ranked_by" and "guests" (each:
 * "name", "login", then report_json_fill's keys with the addresses as
 * "addresses" and a reason beside a VO that is null).  Text: the ranking
 * table, then each guest's report under a heading naming it.  out_name:
 * out in a write error.  0, or -1 with err set (VERR_INPUT: a write
 * failed; VERR_NOMEM). */
int guests_print_write(FILE *out, bool json, const struct guests_report *r,
		       const char *out_name, struct verr *err);

#endif
