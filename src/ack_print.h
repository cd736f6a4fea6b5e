/* ack_print — the ACK analysis's printers: the record ack_set_summarize
 * fills (struct ack_report, ack.h) as text or as CONTRACT.md's JSON keys,
 * and the per-ACK events as CSV rows.  They read only the record and the
 * events; nothing here tracks a packet. */
#ifndef VOCALC_ACK_PRINT_H
#define VOCALC_ACK_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "ack.h"

/* The text sections: the points' steps back, then up to 4 flows of 10 ACKs
 * or more (busiest first) with their points, pairs and the histograms of
 * the first and last point side by side, and the notes.  Write errors show
 * in ferror(out). */
void ack_print_text(FILE *out, const struct ack_report *r);

/* Sets the keys "ack" (one object per flow and point), "ack_compression"
 * (one per flow and pair of points) and "ack_points" in root.  -1 when
 * jansson could not allocate an array (the keys are then missing). */
int ack_print_json(json_t *root, const struct ack_report *r);

/* The CSV header of the rows ack_print_csv_row writes (one line).  Every
 * row's t is host time (guest stamps corrected) when the trackers are fed
 * it (ack_cfg.host_time: several points, a clock model); a guest capture
 * read alone has only its own clock: t_clock says which. */
void ack_print_csv_header(FILE *csv);

/* An ack_event_fn (ack.h): ctx is the FILE * of the rows.  One row, written
 * by one call: the reader threads and the matcher share the file, and stdio
 * locks it per call. */
void ack_print_csv_row(void *ctx, const struct ack_event *e);

#endif
