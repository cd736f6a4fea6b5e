/* dissect — from a captured frame to the fields vocalc uses.
 *
 * Reads Ethernet (with 802.1Q / 802.1ad tags), Linux cooked v1 and v2, raw
 * IPv4/IPv6 and BSD loopback; then IPv4 (with fragments) or IPv6 (with
 * extension headers and fragments); then TCP (flags, seq/ack, payload length,
 * options: timestamps, SACK, MSS, window scale), UDP, ICMP and ICMPv6.
 *
 * Lengths come from the IP header, never from caplen: a frame truncated by
 * the snaplen is still used when the headers needed are present.  Checksums
 * are never read (with offload they are often unfilled; FIELD-NOTES 4).
 * A frame that cannot be used is not an error: dissect returns the reason,
 * and callers count it. */
#ifndef VOCALC_DISSECT_H
#define VOCALC_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

#include "point.h"

enum dis_result {
	DIS_OK = 0,
	DIS_NOT_IP,   /* ARP, LLDP, STP ... : not IPv4 or IPv6 */
	DIS_SHORT_L2, /* link header cut by snaplen */
	DIS_SHORT_IP, /* IP header cut by snaplen */
	DIS_BAD_IP,   /* impossible IP header (version, header length, total length) */
	DIS_SHORT_L4, /* transport header cut, so the packet has no identity */
	DIS_N
};
const char *dis_result_name(enum dis_result r);

enum tcp_flag {
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
	TCP_URG = 0x20,
	TCP_ECE = 0x40,
	TCP_CWR = 0x80,
};

/* SLL packet types (Linux <linux/if_packet.h>), or PKTTYPE_UNKNOWN. */
enum { PKTTYPE_HOST = 0, PKTTYPE_OUTGOING = 4, PKTTYPE_UNKNOWN = 255 };

struct pkt {
	int64_t ts_ns;	  /* capture stamp, ns (capturing clock) */
	uint32_t wirelen; /* frame length on the wire */

	bool has_mac; /* Ethernet: MACs below are valid */
	uint8_t src_mac[6], dst_mac[6];
	uint8_t pkttype;    /* SLL packet type, or PKTTYPE_UNKNOWN */
	uint8_t vlan_depth; /* 802.1Q/802.1ad tags seen (0..4) */

	uint8_t family;		  /* 4 or 6 */
	uint8_t ipproto;	  /* transport protocol (after IPv6 extension headers) */
	uint8_t pclass;		  /* enum proto: PROTO_TCP .. PROTO_OTHER */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 octets, rest zero */
	uint32_t ip_len;	  /* whole IP packet length from its header(s) */
	uint32_t l4_len;	  /* transport octets per the IP header (incl. its header) */
	uint32_t ip_id;		  /* IPv4 identification / IPv6 fragment identification */
	bool is_fragment;	  /* IPv4 MF or offset, or IPv6 fragment header */
	uint16_t frag_off;	  /* fragment offset in 8-octet units */
	bool more_frags;
	bool has_l4; /* transport header parsed (first fragment or unfragmented) */

	uint16_t sport, dport; /* TCP/UDP ports */

	/* TCP */
	uint32_t seq, ack;
	uint8_t tcp_flags;  /* enum tcp_flag */
	uint16_t win;	    /* unscaled window */
	uint32_t payload;   /* TCP payload octets per the IP length */
	bool opts_complete; /* all TCP options were captured */
	bool has_ts;
	uint32_t tsval, tsecr;
	uint16_t mss;	     /* 0 if absent */
	int8_t wscale;	     /* -1 if absent */
	uint8_t sack_blocks; /* SACK blocks present (0..4) */
	uint32_t sack[4][2]; /* left, right edges */

	/* UDP */
	uint16_t udp_len;

	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	bool icmp_echo; /* echo request or reply (v4 or v6) */
	uint16_t icmp_id, icmp_seq;

	/* FNV-1a of the first DIGEST_LEN octets after the transport header (of the
	 * IP payload for protocols without one), when all of them were captured. */
	bool has_digest;
	uint64_t digest;
};

enum { DIGEST_LEN = 16 };

/* Dissects one frame of link type dlt (DLT_*).  Fills *pk on DIS_OK; on any
 * other result *pk is partly filled and must not be used. */
enum dis_result dissect(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
			int64_t ts_ns, struct pkt *pk);

/* "a.b.c.d" or "x:y::z"; buf at least 46 octets. */
const char *pkt_addr_str(int family, const uint8_t addr[16], char *buf, unsigned buflen);

/* CONTRACT.md flow string "SRC:PORT>DST:PORT", IPv6 in brackets; ports
 * omitted when both are 0 (protocols without ports). */
const char *flow_str(int family, const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
		     uint16_t dport, char *buf, unsigned buflen);

#endif
