/* ack_run — vocalc ack on one capture: reads it, feeds the ACK tracker (and,
 * for burst_rtt, the round-trip tracker of the same point), summarizes and
 * prints.  The ACK analysis itself is ack.h; its printers ack_print.h. */
#ifndef VOCALC_ACK_RUN_H
#define VOCALC_ACK_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "ack.h"
#include "verr.h"

/* vocalc ack on one capture (no pairs): reads path as point p (with
 * burst_rtt, its round trips too) and writes the report to out (text, or
 * JSON with schema, tool, version, points).  0, or -1 with err set. */
int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg, bool allow_truncated,
		   FILE *out, bool json, struct verr *err);

#endif
