/* analyze — the driver of the offline analysis of one run: opens the
 * captures of the points given, learns the guest's addresses, applies the
 * guest clock model, streams every point's packets through the matcher in
 * (host) time order, the per-point trackers on the reader threads, and
 * accounts per-hop and VO latency into the record (analysis.h).  Memory is
 * bounded by the matching window. */
#ifndef VOCALC_ANALYZE_H
#define VOCALC_ANALYZE_H

#include "analysis.h"
#include "verr.h"

/* How long the clock pass waits for a packet's copy: the captures are only
 * aligned by a coarse offset there. */
#define CLOCK_WINDOW_NS (2000LL * 1000000)

/* The guest clock only (vocalc drift): guest addresses, then the manual
 * model or the estimate.  0 or -1 with err set. */
int analysis_clock(struct analysis *a, const struct analysis_opts *o, struct verr *err);

/* Runs the analysis; 0 or -1 with err set (VERR_INPUT: bad file).  One pass
 * over the captures when the guest clock is estimated: the guest's stamps
 * reach the matcher shifted by a coarse offset, the clock's pairs are
 * collected on the way, and the delays across the guest are corrected once
 * it is solved.  A second pass with the final clock where one pass cannot
 * give the same figures: the clock stepped (the trackers at the guest must
 * not see the step, the matcher must not miss it), or a per-packet CSV is
 * written (its stamps). */
int analysis_run(struct analysis *a, const struct analysis_opts *o, struct verr *err);

#endif
