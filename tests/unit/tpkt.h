/* tpkt — the packets the unit tests make by hand: a TCP segment between two
 * IPv4 ends, every other field zero, for the test to set what it checks. */
#ifndef VOCALC_TPKT_H
#define VOCALC_TPKT_H

#include <stdbool.h>
#include <string.h>

#include "dissect.h"

/* From a.b.c.d (src) port sport to dst port dport. */
static inline struct pkt tpkt_tcp(const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
				  uint16_t dport)
{
	struct pkt p;
	memset(&p, 0, sizeof p);
	p.family = 4;
	p.ipproto = 6;
	p.pclass = PROTO_TCP;
	p.has_l4 = true;
	memcpy(p.src, src, 4);
	memcpy(p.dst, dst, 4);
	p.sport = sport;
	p.dport = dport;
	return p;
}

/* The same with the timestamp option (TSval, TSecr) and the options complete. */
static inline struct pkt tpkt_tcp_ts(const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
				     uint16_t dport, uint32_t tsval, uint32_t tsecr)
{
	struct pkt p = tpkt_tcp(src, sport, dst, dport);
	p.has_ts = true;
	p.opts_complete = true;
	p.tsval = tsval;
	p.tsecr = tsecr;
	return p;
}

#endif
