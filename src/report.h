/* report — the analysis as human text (answer first, aligned tables, a unit on
 * every number) or as the JSON document of CONTRACT.md (schema 1), written
 * with jansson.  Output formats are behind one dispatch: report_write. */
#ifndef VOCALC_REPORT_H
#define VOCALC_REPORT_H

#include <stdio.h>

#include "analyze.h"

enum report_format { REPORT_TEXT, REPORT_JSON };

/* Writes the report of a to out; -1 on allocation or write failure. */
int report_write(FILE *out, enum report_format fmt, const struct analysis *a);

#endif
