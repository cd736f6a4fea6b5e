/* rtt_run — vocalc rtt: TCP-timestamp round trips per flow at each capture
 * point given, read on its own (no guest clock model is needed: an RTT is a
 * difference of one clock), with the decomposition when the guest and a
 * host point are given (rtt_set.h has the method). */
#ifndef VOCALC_RTT_RUN_H
#define VOCALC_RTT_RUN_H

#include <stdio.h>

#include "rtt_set.h"
#include "verr.h"

/* Runs and writes the report to out (text, or JSON with o->json), the
 * samples to o->samples and o->csv as taken; 0, or -1 with err set.  The
 * guest's addresses, when not given and the decomposition needs them, are
 * learned once from the guest capture after the pass; when it cannot tell,
 * the report says there is no decomposition and why. */
int rtt_run(const struct rtt_run_opts *o, FILE *out, struct verr *err);

#endif
