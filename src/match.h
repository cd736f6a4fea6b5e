/* match — recognizes one packet at several capture points.
 *
 * Identity (FIELD-NOTES 3-5): built only from fields a bridged path never
 * changes: addresses, protocol, ports, and per protocol
 *   TCP   seq of the first payload byte, ack, SYN/RST, payload or not, and the
 *         timestamp option where both points captured it;
 *   UDP   IPv4 identification, UDP length, fragment position, payload digest;
 *   ICMP  echo type/code/identifier/sequence, IPv4 identification, digest;
 *   other IPv4 identification, length, fragment position, digest.
 * Never checksums (offload leaves them unfilled), never TTL/hop limit.
 *
 * TCP is segment-aware: GSO/TSO/GRO make one 64 KB segment at one point many
 * at another.  Segments match by their first byte; a segment whose bytes lie
 * inside a bigger segment matched elsewhere is marked "covered" at the point
 * holding the bigger one, so it counts as coalesced/split, never as loss.
 *
 * Identical copies (FIELD-NOTES 5: duplicate ACKs, retransmissions without
 * timestamps, duplicated frames) share an identity, so a packet may have
 * several journeys it could join: those that lack its point, started within
 * the window and agree on timestamps and digest.  Matching them "in order"
 * alone goes wrong when a copy is lost: an ACK lost at vnet -> guest whose
 * duplicate follows 1.5 ms later and gets through would pair the lost copy's
 * vnet stamp with the survivor's guest stamp, 1.5 ms too long (issue 13).
 * The rules, in turn:
 *   1. The IPv4 identification, for TCP (the other protocols' identities hold
 *      it already), ranks the candidates: those with the packet's ID first.
 *      It survives a bridge and a tap; GSO gives the first piece the
 *      segment's ID (the later ones count up), GRO gives a merged segment its
 *      first piece's: the ID of the segment carrying the first byte is the
 *      same everywhere (the later pieces are found by sequence, any ID).
 *      Only a ranking, because a tool may renumber IDs per file: each hop
 *      learns from its first 32 joins whether it keeps IDs (then a packet
 *      whose ID no candidate has is another packet and starts its own
 *      journey), changes them (then they are ignored), or neither.  IPv6 has
 *      no identification.
 *   2. Among copies still alike: the oldest, as a FIFO hop delivers them.
 *      That is right whenever every copy gets through, even when the first
 *      sat long in a queue; deciding by delay at this moment would cross them.
 *   3. The journey that took the copy is held until its window ends.  If a
 *      passed-over copy is then still without one, a copy was lost at the hop
 *      either way, and the pairing whose delay across that hop is likelier
 *      wins: the copies beyond the hop move to the other journey.  Each hop
 *      and direction keeps its recent delays as a running median with the
 *      mean excess above it and the mean shortfall below it (an asymmetric
 *      Laplace: queueing delay has a floor and a long tail, so 30 us under
 *      the median is far less likely than 30 us over it); a delay's cost is
 *      its distance from the median in the spread of its side.  Nothing is
 *      revised before a hop has 5 delays, or when neither delay lies within
 *      15 spreads (the model no longer describes the hop: a clock step).
 *   4. A copy that joins a journey upstream of the stamps it has (across the
 *      guest: the packet passed the points downstream before this copy came
 *      in) with an untypical delay (or, before the hop has 5 delays, one
 *      beyond 20 ms) may be a later identical packet's whose earlier copy
 *      passed downstream before this point's capture began (a neighbour
 *      solicitation repeated 0.45 s later, found on live runs): the journey
 *      is held for its window, a journey of its identity that starts at its
 *      points meanwhile is passed over, and rule 3 decides between them.
 *      Until a hop has 16 delays, rules 3 and 4 fit its model to the delays
 *      it has (5 at least).
 * This resolves a lost copy by its survivor whenever the copies lie further
 * apart than the hop's spread; copies closer than that are indistinguishable
 * by any rule, and stay in order.
 *
 * Captures begin and end at different times (one after another over SSH):
 * a journey missing a point whose capture had not begun (the journey's
 * stamps all before the point's first packet) or had ended (all after its
 * last, match_point_end) is marked outside it (journey_info.outside), not
 * lost there.
 *
 * State is bounded by the window: a journey is handed to the callback and
 * freed as soon as every point given has seen or covered it (a held one:
 * `window` after it started), else `window` after it started (lost, or not
 * on the path).  Per packet this costs no allocation and no lookup beyond
 * the identity's hash chain: the hop estimates are a fixed table.
 *
 * All stamps passed in are host time (guest stamps already corrected). */
#ifndef VOCALC_MATCH_H
#define VOCALC_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect.h"
#include "point.h"

/* One direction of a 5-tuple; ports 0 for protocols without them.  Fixed
 * size, zero-padded: hashed and compared as bytes. */
struct match_flow_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t family, ipproto, pad[2];
};

/* The flow of a packet (reverse: of the packets going the other way), and
 * its name as flow_str writes it (CONTRACT.md "SRC:PORT>DST:PORT"). */
void match_flow_key_of(const struct pkt *pk, bool reverse, struct match_flow_key *k);
void match_flow_key_reverse(const struct match_flow_key *k, struct match_flow_key *r);
const char *match_flow_name(const struct match_flow_key *k, char *buf, unsigned n);

/* A packet's identity: its flow, then per-protocol words (match.c). */
struct match_key {
	struct match_flow_key flow;
	uint8_t kind, flags, pad[2];
	uint32_t a, b, c, d, e;
};
_Static_assert(sizeof(struct match_flow_key) == 40 && sizeof(struct match_key) == 64,
	       "identity keys must have no hidden padding");

/* The identity of a packet and its hashes, made by match_prepare: a pure
 * function, so reader threads can do it before the packet reaches the
 * matcher. */
struct match_prep {
	struct match_key key;
	uint64_t flow_hash, key_hash;
	/* what else matching reads of the packet, so it never touches struct pkt */
	uint64_t digest;
	uint32_t tsval, tsecr, payload; /* payload: TCP payload octets, else 0 */
	uint16_t ip_id;			/* IPv4 identification, TCP only (has_ip_id) */
	uint8_t ts_state, has_digest, pclass, has_ip_id;
};

/* Whether two packets of one identity (equal keys) may be copies of one
 * packet, or one and a piece of it: their TCP timestamps, IPv4 IDs and
 * (payloads as long) payload digests, where both have them, agree (a TCP
 * ACK repeated, a retransmission, share the key). */
bool match_prep_alike(const struct match_prep *a, const struct match_prep *b);

/* The last flow prepared, per caller (one per reader thread): bulk traffic
 * repeats its flow, and then its hash need not be computed again. */
struct match_flow_cache {
	struct match_flow_key key;
	uint64_t hash;
	int valid;
};

/* Fills mp from pk.  cache: NULL, or the caller's own cache. */
void match_prepare(const struct pkt *pk, struct match_prep *mp, struct match_flow_cache *cache);

/* A packet's trip across the points, as handed to the callback. */
struct journey_info {
	uint8_t family, ipproto, pclass; /* pclass: enum proto */
	uint8_t dir;			 /* enum direction */
	const uint8_t *src, *dst;	 /* 16 octets each */
	uint16_t sport, dport;
	uint8_t mask;	    /* points that saw it: bit (1 << point) */
	uint8_t covered;    /* points where it was inside a bigger TCP segment */
	uint8_t flow_seen;  /* points that ever saw this flow (5-tuple, direction) */
	uint8_t outside;    /* points given whose capture had not begun, or had
			     * ended, when the packet passed (match_point_end) */
	uint32_t payload;   /* TCP payload at the first point that saw it */
	int64_t t[POINT_N]; /* host-time stamps, valid where mask has the bit */
	uint64_t tag[POINT_N];	     /* the caller's tag of each point's packet (record index) */
	const struct match_key *key; /* the identity (valid during the callback) */
};

typedef void (*match_emit_fn)(void *ctx, const struct journey_info *j);

struct match_counts {
	uint64_t journeys;	  /* distinct packets */
	uint64_t coalesce_events; /* matches where one point held a bigger TCP segment */
	uint64_t peak_journeys;	  /* most journeys alive at once (memory bound check) */
	uint64_t peak_flows;
	uint64_t ambiguous; /* packets with two or more identical copies to join (rule 2) */
	uint64_t revised;   /* pairings of identical copies redone by delay (rule 3) */
};

struct matcher;

/* points: the points given (bit 1 << point).  window_ns: how long a journey
 * waits for its other points.  emit is called once per journey, when it is
 * done (complete journeys first, those that took an identical copy at the
 * end of their window; not in start order).  NULL on allocation failure. */
struct matcher *match_create(uint8_t points, int64_t window_ns, match_emit_fn emit, void *ctx);
void match_delete(struct matcher *m);

/* Adds a packet seen at point p at host time t_ns, direction dir
 * (DIR_TO_GUEST or DIR_FROM_GUEST), prepared by match_prepare; tag is handed
 * back in journey_info.tag (the point's record index, say).  Journeys
 * older than the window relative to the latest stamp seen are emitted.
 * Returns -1 when memory is exhausted. */
int match_push(struct matcher *m, enum point p, const struct match_prep *mp, enum direction dir,
	       int64_t t_ns, uint64_t tag);

/* TCP: the sequence and acknowledgment numbers, and SYN. */
bool match_key_tcp(const struct match_key *k, uint32_t *seq, uint32_t *ack, bool *syn);

/* ICMP or ICMPv6 echo: its type, identifier and sequence number. */
bool match_key_echo(const struct match_key *k, uint8_t *type, uint16_t *id, uint16_t *seq);

/* Point p's capture has ended (its last packet was pushed): journeys
 * later than its last stamp are outside its capture, not lost there.  A
 * point's capture begins at its first packet pushed. */
void match_point_end(struct matcher *m, enum point p);

/* Emits every journey still waiting (end of input). */
void match_finish(struct matcher *m);

const struct match_counts *match_counts(const struct matcher *m);

#endif
