/* rtt — passive TCP round-trip times from the timestamp option, at one
 * capture point (TRoTTEr, seed 002 3.4.2; Strowes, "Passively measuring TCP
 * round-trip times", 2013; RFC 7323).  The rules are pping's (Kathleen
 * Nichols, pollere/pping), so that vocalc agrees with it sample for sample:
 *
 *  - packets without the option, with TSval 0, or with TSecr 0 unless the
 *    flags are exactly SYN, are ignored;
 *  - a direction's TSvals are recorded only once the reverse direction has
 *    been seen, each at its first appearance (pure ACKs included), before the
 *    packet's own TSecr is looked up;
 *  - the first packet of the reverse direction whose TSecr equals a recorded
 *    TSval yields one sample: now minus the time that TSval was first seen;
 *    the entry is then spent (kept as a tombstone, so a repeat of the TSval
 *    cannot re-arm it and match a later echo);
 *  - entries are forgotten tsval_max_age after they were made, flows after
 *    flow_max_idle without packets; at most max_flows flows are tracked;
 *  - beyond pping, an entry is also forgotten (superseded) once a later TSval
 *    of its flow has been echoed and it is older than RTT_SUPERSEDE_NS: only
 *    an echo reordered behind a later one by that much could still match
 *    it, and the entries kept are then those of the last second, not those
 *    of the last tsval_max_age (memory bounded by the rate, not 10 s of it);
 *    a TSval before those forgotten is not recorded again;
 *  - time going backwards is counted, and an echo stamped before its TSval
 *    gives no sample (ePPing's rule: a round trip is never negative); nor
 *    does one after a step back of more than RTT_STEP_NS (a clock stepped:
 *    the sample would be short by the step) that came after its TSval.
 *    Smaller steps back are a capture's stamps reordered across CPUs.
 *
 * Samples likely inflated are flagged: the echoed TSval was on several
 * segments (the echo may answer a later one), or the echo is a pure ACK that
 * acknowledges exactly the one segment whose TSval it carries (a lone segment
 * the receiver acknowledged on its delayed-ACK timer).
 *
 * Beyond pping, the handshake (which it misses: the SYN's TSecr is 0) gives two
 * samples of their own kind, with or without timestamps: SYN to SYN/ACK (the
 * responder's side) and SYN/ACK to the first ACK (the initiator's side), both
 * named by the SYN's direction.
 *
 * The sample's RTT runs from the capture point to the echoing host and back.
 * Its flow is the direction of the packets whose TSval was echoed
 * (CONTRACT.md); pping prints the echoing packet's flow instead.
 * One tracker per capture point; state is bounded by the ages and caps. */
#ifndef VOCALC_RTT_H
#define VOCALC_RTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect.h"
#include "match.h"

#define RTT_STEP_NS 1000000 /* a step back beyond this is a clock step */
#define RTT_SUPERSEDE_NS 1000000000LL

struct rtt_cfg {
	int64_t tsval_max_age_ns; /* pping: 10 s */
	int64_t flow_max_idle_ns; /* pping: 300 s */
	uint32_t max_flows;       /* flows tracked at once */
	bool data_only;           /* record TSvals only of segments with payload or SYN (ePPing) */
};

void rtt_cfg_default(struct rtt_cfg *c);

enum rtt_kind {
	RTT_TSVAL = 0,     /* a TSval and its echo (pping's sample) */
	RTT_HANDSHAKE_RESP, /* SYN -> SYN/ACK: capture point to the responder and back */
	RTT_HANDSHAKE_INIT, /* SYN/ACK -> ACK: capture point to the initiator and back */
};

struct rtt_sample {
	uint8_t kind;   /* enum rtt_kind */
	int64_t t_ns;   /* when the echo was seen */
	int64_t rtt_ns;
	int64_t min_ns; /* the smallest RTT of this flow so far, this one included */
	const struct match_flow_key *flow; /* the echoed packets' direction */
	bool shared_tsval; /* the echoed TSval was on several segments: may be inflated */
	bool delayed_ack;  /* echoed by a pure ACK of exactly that one segment: likely the
			    * receiver's delayed-ACK timer, so inflated by its wait */
};

typedef void (*rtt_emit_fn)(void *ctx, const struct rtt_sample *s);

/* Why packets gave no sample, counted (pping's summary, and more).  Every
 * record of the capture is in exactly one of not_ip, unreadable, not_tcp, or
 * is a TCP packet (no_ts, opts_cut, zero_ts, unidirectional, flows_over_cap,
 * or one that passed the timestamp checks): vocalc rtt and analyze's rtt
 * section feed the tracker every record, so they count alike. */
struct rtt_counts {
	uint64_t packets;    /* records given (rtt_push and rtt_skip) */
	uint64_t not_ip;     /* frames that are not IPv4 or IPv6 (ARP, LLDP, STP ...) */
	uint64_t unreadable; /* no TCP header to read: link or IP header cut by the snaplen
			      * or malformed, transport header cut, a later IP fragment */
	uint64_t not_tcp;    /* IP packets of another protocol (UDP, ICMP ...) */
	uint64_t no_ts;      /* TCP, every option captured, no timestamp option */
	uint64_t opts_cut;   /* TCP whose options the snaplen cut before a timestamp option
			      * was found: whether it had one is unknown */
	uint64_t zero_ts, unidirectional, flows_over_cap;
	uint64_t samples, shared_tsval, delayed_ack, flows_seen, handshakes;
	uint64_t backwards;        /* packets stamped before the one before them */
	int64_t backwards_max_ns;  /* the largest such jump back */
	uint64_t negative_rtt;     /* echoes across a step back: no sample */
};


struct rtt_tracker;

struct rtt_tracker *rtt_create(const struct rtt_cfg *cfg, rtt_emit_fn emit, void *ctx);
void rtt_delete(struct rtt_tracker *t);

/* One packet in capture order at this point, at t_ns (pk dissected with
 * DIS_OK, of any protocol).  -1 when memory is exhausted. */
int rtt_push(struct rtt_tracker *t, const struct pkt *pk, int64_t t_ns);
/* A record that did not dissect (why != DIS_OK): counted, nothing else. */
void rtt_skip(struct rtt_tracker *t, enum dis_result why);

const struct rtt_counts *rtt_counts(const struct rtt_tracker *t);

/* The flows (directions) whose packets carried no timestamp option and that
 * never carried one, at most max of them into out[]; returns how many. */
size_t rtt_flows_without_ts(const struct rtt_tracker *t, struct match_flow_key *out, size_t max);

#endif
