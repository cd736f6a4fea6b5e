/* Unit tests: the dissector on hand-built frames of every link type and
 * protocol it reads, and on every way a frame can be cut short or malformed. */
#include <pcap/pcap.h>
#include <string.h>

#include "dissect.h"
#include "tcheck.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}
static size_t put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
	return 4;
}

/* Ethernet (+ optional tags) + IPv4 + TCP with MSS, SACK, WS and TS options. */
static size_t eth_ipv4_tcp(uint8_t *f, int tags, uint16_t tot_len_override, uint32_t payload)
{
	size_t o = 0;
	memset(f, 0, 256);
	memcpy(f, "\x52\x54\x00\x00\x00\x01", 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
	o = 12;
	for (int i = 0; i < tags; i++) {
		o += put16(f + o, i == 0 && tags == 2 ? 0x88a8 : 0x8100);
		o += put16(f + o, 100 + i);
	}
	o += put16(f + o, 0x0800);
	uint8_t *ip = f + o;
	unsigned tcphdr =
	    20 + 4 + 3 + 1 + 10 + 2 + 2 + 8 + 2; /* = 52: MSS WS NOP TS NOP NOP SACK(1) */
	ip[0] = 0x45;
	put16(ip + 2, tot_len_override ? tot_len_override : 20 + tcphdr + payload);
	put16(ip + 4, 0xbeef);
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x00\x02", 4);
	memcpy(ip + 16, "\xc0\x00\x02\x0a", 4);
	uint8_t *t = ip + 20;
	put16(t, 5201);
	put16(t + 2, 40000);
	put32(t + 4, 0xfffffff0u);
	put32(t + 8, 12345);
	t[12] = (uint8_t)((tcphdr / 4) << 4);
	t[13] = 0x18;
	put16(t + 14, 502);
	uint8_t *op = t + 20;
	op[0] = 2, op[1] = 4, put16(op + 2, 1448);
	op[4] = 3, op[5] = 3, op[6] = 7;
	op[7] = 1;
	op[8] = 8, op[9] = 10, put32(op + 10, 111), put32(op + 14, 222);
	op[18] = 1, op[19] = 1;
	op[20] = 5, op[21] = 10, put32(op + 22, 1000), put32(op + 26, 2000);
	return o + 20 + tcphdr; /* headers only: the payload is "cut" by snaplen */
}

static void test_ipv4_tcp(void)
{
	uint8_t f[256];
	struct pkt pk;
	for (int tags = 0; tags <= 2; tags++) {
		size_t n = eth_ipv4_tcp(f, tags, 0, 1000);
		CHECK_EQ(dissect(DLT_EN10MB, f, (uint32_t)n, (uint32_t)n + 1000, 42, &pk), DIS_OK);
		CHECK_EQ(pk.vlan_depth, tags);
		CHECK_EQ(pk.family, 4);
		CHECK_EQ(pk.pclass, PROTO_TCP);
		CHECK_EQ(pk.sport, 5201);
		CHECK_EQ(pk.dport, 40000);
		CHECK_EQ(pk.seq, 0xfffffff0u);
		CHECK_EQ(pk.ack, 12345);
		CHECK_EQ(pk.tcp_flags, TCP_PSH | TCP_ACK);
		CHECK_EQ(pk.payload, 1000); /* from the IP length, not caplen */
		CHECK(pk.has_ts && pk.opts_complete);
		CHECK_EQ(pk.tsval, 111);
		CHECK_EQ(pk.tsecr, 222);
		CHECK_EQ(pk.mss, 1448);
		CHECK_EQ(pk.wscale, 7);
		CHECK_EQ(pk.sack_blocks, 1);
		CHECK_EQ(pk.sack[0][0], 1000);
		CHECK_EQ(pk.sack[0][1], 2000);
		CHECK_EQ(pk.ip_id, 0xbeef);
		CHECK(!pk.is_fragment);
		CHECK_EQ(pk.ts_ns, 42);
	}
	/* BIG TCP / GSO beyond 64 KB: total length 0, the frame length rules */
	size_t n = eth_ipv4_tcp(f, 0, 0, 0);
	put16(f + 16, 0);
	CHECK_EQ(dissect(DLT_EN10MB, f, (uint32_t)n, 14 + 20 + 52 + 100000, 0, &pk), DIS_OK);
	CHECK_EQ(pk.payload, 100000);

	/* cut inside the TS option: still usable, options marked incomplete */
	n = eth_ipv4_tcp(f, 0, 0, 0);
	CHECK_EQ(dissect(DLT_EN10MB, f, 14 + 20 + 30, (uint32_t)n, 0, &pk), DIS_OK);
	CHECK(!pk.opts_complete);
	CHECK(!pk.has_ts);
	CHECK_EQ(pk.mss, 1448);
	/* cut before the TCP flags: no identity */
	CHECK_EQ(dissect(DLT_EN10MB, f, 14 + 20 + 12, (uint32_t)n, 0, &pk), DIS_SHORT_L4);
	CHECK_EQ(dissect(DLT_EN10MB, f, 14 + 19, (uint32_t)n, 0, &pk), DIS_SHORT_IP);
	CHECK_EQ(dissect(DLT_EN10MB, f, 13, (uint32_t)n, 0, &pk), DIS_SHORT_L2);
	/* impossible headers */
	f[14] = 0x44; /* IHL 16 octets */
	CHECK_EQ(dissect(DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, 0, &pk), DIS_BAD_IP);
	f[14] = 0x45;
	put16(f + 16, 30); /* total length shorter than IP + TCP headers */
	CHECK_EQ(dissect(DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, 0, &pk), DIS_BAD_IP);
	/* not IP */
	n = eth_ipv4_tcp(f, 0, 0, 0);
	put16(f + 12, 0x0806);
	CHECK_EQ(dissect(DLT_EN10MB, f, (uint32_t)n, (uint32_t)n, 0, &pk), DIS_NOT_IP);
	/* a VLAN tag cut short */
	n = eth_ipv4_tcp(f, 1, 0, 0);
	CHECK_EQ(dissect(DLT_EN10MB, f, 15, (uint32_t)n, 0, &pk), DIS_SHORT_L2);
}

/* IPv6 + hop-by-hop + fragment header + (first fragment) UDP, after a link
 * header of the given type. */
static size_t ipv6_frag_udp(uint8_t *f, int dlt, uint16_t frag_field)
{
	memset(f, 0, 256);
	size_t o = 0;
	if (dlt == DLT_EN10MB) {
		o = 12;
		o += put16(f + o, 0x86dd);
	} else if (dlt == DLT_LINUX_SLL) {
		put16(f, 4); /* outgoing */
		put16(f + 14, 0x86dd);
		o = 16;
	} else if (dlt == DLT_LINUX_SLL2) {
		put16(f, 0x86dd);
		f[10] = 4;
		o = 20;
	} else if (dlt == DLT_NULL) {
		f[0] = 30; /* AF_INET6 on some BSDs, host order: ignored anyway */
		o = 4;
	}
	uint8_t *ip = f + o;
	ip[0] = 0x60;
	put16(ip + 4, 8 + 8 + 8 + 100);
	ip[6] = 0; /* hop-by-hop */
	ip[7] = 64;
	ip[8] = 0xfd, ip[23] = 2;
	ip[24] = 0x20, ip[25] = 0x01, ip[39] = 0x10;
	uint8_t *h = ip + 40;
	h[0] = 44; /* next: fragment */
	h[1] = 0;  /* 8 octets */
	uint8_t *fr = h + 8;
	fr[0] = 17;
	put16(fr + 2, frag_field);
	put32(fr + 4, 0xabcdef01);
	uint8_t *u = fr + 8;
	put16(u, 5353);
	put16(u + 2, 40000);
	put16(u + 4, 8 + 100);
	for (int i = 0; i < 16; i++)
		u[8 + i] = (uint8_t)i;
	return (size_t)(u - f) + 8 + 16;
}

static void test_ipv6_links(void)
{
	const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV6, DLT_NULL};
	uint8_t f[256];
	struct pkt pk;
	uint64_t digest = 0;
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
		size_t n = ipv6_frag_udp(f, dlts[i], 0x0001); /* offset 0, more fragments */
		CHECK_EQ(dissect(dlts[i], f, (uint32_t)n, (uint32_t)n + 84, 0, &pk), DIS_OK);
		CHECK_EQ(pk.family, 6);
		CHECK_EQ(pk.pclass, PROTO_UDP);
		CHECK(pk.is_fragment && pk.more_frags && pk.frag_off == 0 && pk.has_l4);
		CHECK_EQ(pk.ip_id, 0xabcdef01);
		CHECK_EQ(pk.sport, 5353);
		CHECK_EQ(pk.udp_len, 108);
		CHECK_EQ(pk.l4_len, 108);
		CHECK(pk.has_digest);
		if (i == 0)
			digest = pk.digest;
		CHECK(pk.digest == digest); /* same octets, same digest, any link */
		if (dlts[i] == DLT_LINUX_SLL || dlts[i] == DLT_LINUX_SLL2)
			CHECK_EQ(pk.pkttype, PKTTYPE_OUTGOING);
		/* a later fragment: no transport header, identified by the IP layer */
		n = ipv6_frag_udp(f, dlts[i], (100 << 3));
		CHECK_EQ(dissect(dlts[i], f, (uint32_t)n, (uint32_t)n, 0, &pk), DIS_OK);
		CHECK(pk.is_fragment && !pk.has_l4 && pk.frag_off == 100);
	}
	/* digest needs all 16 octets captured */
	size_t n = ipv6_frag_udp(f, DLT_RAW, 0);
	CHECK_EQ(dissect(DLT_RAW, f, (uint32_t)n - 1, (uint32_t)n, 0, &pk), DIS_OK);
	CHECK(!pk.has_digest);
	/* an extension header longer than the payload */
	n = ipv6_frag_udp(f, DLT_RAW, 0);
	f[41] = 200;
	CHECK_EQ(dissect(DLT_RAW, f, (uint32_t)n, (uint32_t)n, 0, &pk), DIS_BAD_IP);
	/* raw with a version nibble that is neither 4 nor 6 */
	f[0] = 0x50;
	CHECK_EQ(dissect(DLT_RAW, f, (uint32_t)n, (uint32_t)n, 0, &pk), DIS_NOT_IP);
}

static void test_icmp_and_fragments(void)
{
	uint8_t f[128] = {0};
	struct pkt pk;
	/* raw IPv4 fragment, offset 185 (x8 octets), ICMP: a later fragment */
	f[0] = 0x45;
	put16(f + 2, 20 + 60);
	put16(f + 4, 777);
	put16(f + 6, 185);
	f[9] = 1;
	CHECK_EQ(dissect(DLT_RAW, f, 80, 80, 0, &pk), DIS_OK);
	CHECK(pk.is_fragment && !pk.has_l4 && pk.frag_off == 185 && !pk.more_frags);
	CHECK_EQ(pk.pclass, PROTO_ICMP);
	/* unfragmented echo request */
	put16(f + 6, 0x4000);
	f[20] = 8;
	put16(f + 24, 0x4242);
	put16(f + 26, 7);
	CHECK_EQ(dissect(DLT_RAW, f, 80, 80, 0, &pk), DIS_OK);
	CHECK(pk.icmp_echo && pk.icmp_id == 0x4242 && pk.icmp_seq == 7 && !pk.is_fragment);
	f[20] = 3; /* unreachable: not an echo */
	CHECK_EQ(dissect(DLT_RAW, f, 80, 80, 0, &pk), DIS_OK);
	CHECK(!pk.icmp_echo);
	/* ICMP header cut */
	CHECK_EQ(dissect(DLT_RAW, f, 24, 80, 0, &pk), DIS_SHORT_L4);
	/* other protocol (GRE) */
	f[9] = 47;
	CHECK_EQ(dissect(DLT_RAW, f, 80, 80, 0, &pk), DIS_OK);
	CHECK_EQ(pk.pclass, PROTO_OTHER);
	CHECK_EQ(pk.l4_len, 60);
}

static void test_flow_str(void)
{
	uint8_t a[16] = {10, 0, 0, 2}, b[16] = {192, 0, 2, 10};
	char buf[128];
	CHECK(strcmp(flow_str(4, a, 5201, b, 40000, buf, sizeof buf),
		     "10.0.0.2:5201>192.0.2.10:40000") == 0);
	uint8_t c[16] = {0xfd, 0, [15] = 2}, d[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
	CHECK(strcmp(flow_str(6, c, 1, d, 2, buf, sizeof buf), "[fd00::2]:1>[2001:db8::10]:2") ==
	      0);
	CHECK(strcmp(flow_str(4, a, 0, b, 0, buf, sizeof buf), "10.0.0.2>192.0.2.10") == 0);
}

int main(void)
{
	test_ipv4_tcp();
	test_ipv6_links();
	test_icmp_and_fragments();
	test_flow_str();
	return tcheck_done("test_dissect");
}
