/* guestrt — the guest side as a round trip seen from the host alone: at the
 * guest's tap (point vnet), each ICMP echo request toward the guest and the
 * guest's reply (the same identifier and sequence, the addresses swapped)
 * give one vnet -> guest -> vnet round trip, on the host's clock only.  For
 * a guest nobody logs into (no guest capture, no guest clock), this is what
 * can be known of the guest side: the round trip, not how it splits into
 * the way there and the way back.
 *
 * Fed the matcher's journeys (match.h) in the order they come; a request
 * waits GUESTRT_WAIT_NS (host time, against the latest stamp seen) for its
 * reply, then counts as unanswered: memory is bounded by the probes of that
 * span, not by the trace. */
#ifndef VOCALC_GUESTRT_H
#define VOCALC_GUESTRT_H

#include <stdbool.h>
#include <stdint.h>

#include "match.h"
#include "stats.h"

/* How long a request waits for its reply: ping's own default timeout is
 * longer, but a reply later than this is no measure of the path. */
#define GUESTRT_WAIT_NS 2000000000LL

struct guestrt;

struct guestrt_counts {
	uint64_t requests;   /* echo requests toward the guest seen at vnet */
	uint64_t answered;   /* of them with the guest's reply at vnet: the samples */
	uint64_t unanswered; /* no reply within GUESTRT_WAIT_NS, or none before the end */
	uint64_t duplicate;  /* a request again with the identity of one still waiting (kept the first) */
	uint64_t unsolicited; /* replies with no request waiting (a second reply, or its
			       * request before the capture) */
	uint64_t negative;   /* a reply stamped before its request: never a sample */
};

struct guestrt *guestrt_create(void);
void guestrt_delete(struct guestrt *g);
/* One journey (the matcher's callback's argument): only echo requests
 * toward the guest and replies from it seen at vnet count. */
void guestrt_journey(struct guestrt *g, const struct journey_info *j);
/* Memory ran out keeping a request or a sample (the figures are then short). */
bool guestrt_failed(const struct guestrt *g);
/* The requests still waiting count as unanswered; the counts into *c and
 * the round trips (us) into *d (n 0: none).  -1 when out of memory. */
int guestrt_finish(struct guestrt *g, struct guestrt_counts *c, struct dist *d);

#endif
