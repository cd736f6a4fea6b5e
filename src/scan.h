/* scan — one pass over a capture as every command reads it: each record from
 * the reader, dissected, and the unusable ones counted by reason (dissect.h)
 * instead of failing.  The one loop of "open, next, dissect" that the
 * analysis, the RTT and ACK drivers, the guest address learner and the
 * reader threads share, so that "did reading fail?" has one answer: a
 * damaged file is an error (-1, err naming it), an unusable record is a
 * count. */
#ifndef VOCALC_SCAN_H
#define VOCALC_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect.h"
#include "reader.h"
#include "verr.h"

struct scan {
	struct reader *r;        /* owned */
	int dlt;                 /* its link type (DLT_*) */
	uint64_t records;        /* records read so far; the last one's index is records - 1 */
	uint64_t skipped[DIS_N]; /* of them, unusable, by reason (index DIS_OK unused) */
};

/* Opens path (reader_open: "-" is standard input).  0, or -1 with err set
 * (VERR_INPUT naming the file). */
int scan_open(struct scan *s, const char *path, bool allow_truncated, struct verr *err);
/* Scans a reader already open; s owns it from now. */
void scan_adopt(struct scan *s, struct reader *r);
void scan_close(struct scan *s);

/* The next record, dissected: 1 with its result in *dr (*pk usable only
 * when *dr is DIS_OK; its ts_ns is the record's stamp either way), 0 at the
 * end of the capture, -1 on a damaged file (err set). */
int scan_record(struct scan *s, struct pkt *pk, enum dis_result *dr, struct verr *err);
/* The next usable packet, the unusable records on the way counted and
 * passed over: 1 with *pk filled, 0 at the end, -1 on a damaged file. */
int scan_next(struct scan *s, struct pkt *pk, struct verr *err);

#endif
