/* dissect — see dissect.h.  Every read goes through bytes.h. */
#include "dissect.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

enum {
	ETH_IPV4 = 0x0800,
	ETH_IPV6 = 0x86dd,
	ETH_8021Q = 0x8100,
	ETH_8021AD = 0x88a8,
	ETH_QINQ_OLD = 0x9100,
	MAX_VLAN = 4,
};

const char *dis_result_name(enum dis_result r)
{
	static const char *const names[DIS_N] = {
	    "ok",
	    "not IP",
	    "link header truncated",
	    "IP header truncated",
	    "malformed IP header",
	    "transport header truncated",
	};
	return (unsigned)r < DIS_N ? names[r] : "?";
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Digest of the first DIGEST_LEN octets at b (or all `avail` octets of a
 * shorter payload), if captured.  avail: payload octets per the IP header. */
static void set_digest(struct pkt *pk, const struct bytes *b, uint32_t avail)
{
	size_t want = avail < DIGEST_LEN ? avail : DIGEST_LEN;
	if (b->len >= want) {
		pk->has_digest = true;
		pk->digest = fnv1a(b->p, want) ^ want;
	}
}

/* Skips VLAN tags; *type is the Ethertype that follows. */
static bool skip_vlans(struct bytes *b, uint16_t *type, struct pkt *pk)
{
	while (*type == ETH_8021Q || *type == ETH_8021AD || *type == ETH_QINQ_OLD) {
		if (pk->vlan_depth >= MAX_VLAN || !bytes_u16_at(b, 2, type) || !bytes_skip(b, 4))
			return false;
		pk->vlan_depth++;
	}
	return true;
}

/* Moves b to the start of the IP header; DIS_OK or why not. */
static enum dis_result link_layer(int dlt, struct bytes *b, struct pkt *pk)
{
	uint16_t type;
	uint8_t v;
	switch (dlt) {
	case DLT_EN10MB:
		if (!bytes_u16_at(b, 12, &type))
			return DIS_SHORT_L2;
		pk->has_mac = true;
		memcpy(pk->dst_mac, b->p, 6);
		memcpy(pk->src_mac, b->p + 6, 6);
		bytes_skip(b, 14);
		if (!skip_vlans(b, &type, pk))
			return DIS_SHORT_L2;
		break;
	case DLT_LINUX_SLL: {
		uint16_t ptype;
		if (!bytes_u16_at(b, 0, &ptype) || !bytes_u16_at(b, 14, &type))
			return DIS_SHORT_L2;
		pk->pkttype = ptype > 254 ? PKTTYPE_UNKNOWN : (uint8_t)ptype;
		bytes_skip(b, 16);
		if (!skip_vlans(b, &type, pk))
			return DIS_SHORT_L2;
		break;
	}
	case DLT_LINUX_SLL2:
		if (!bytes_u16_at(b, 0, &type) || !bytes_u8_at(b, 10, &pk->pkttype) ||
		    !bytes_has(b, 20))
			return DIS_SHORT_L2;
		bytes_skip(b, 20);
		if (!skip_vlans(b, &type, pk))
			return DIS_SHORT_L2;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (!bytes_skip(b, 4))
			return DIS_SHORT_L2;
		/* the address family word is followed by raw IP */
		__attribute__((fallthrough));
	default: /* DLT_RAW, DLT_IPV4, DLT_IPV6: the version nibble decides */
		if (!bytes_u8_at(b, 0, &v))
			return DIS_SHORT_IP;
		type = (v >> 4) == 4 ? ETH_IPV4 : (v >> 4) == 6 ? ETH_IPV6 : 0;
		break;
	}
	if (type == ETH_IPV4)
		pk->family = 4;
	else if (type == ETH_IPV6)
		pk->family = 6;
	else
		return DIS_NOT_IP;
	return DIS_OK;
}

/* IPv4 header; on return b is at the transport header, pk->l4_len set. */
static enum dis_result ipv4(struct bytes *b, struct pkt *pk, uint32_t l2_left_wire)
{
	uint8_t vihl;
	uint16_t tot, id, frag;
	if (!bytes_u8_at(b, 0, &vihl) || !bytes_u16_at(b, 2, &tot) || !bytes_u16_at(b, 4, &id) ||
	    !bytes_u16_at(b, 6, &frag) || !bytes_u8_at(b, 9, &pk->ipproto) || !bytes_has(b, 20))
		return DIS_SHORT_IP;
	unsigned ihl = (vihl & 0x0f) * 4u;
	if ((vihl >> 4) != 4 || ihl < 20)
		return DIS_BAD_IP;
	uint32_t total = tot;
	/* TSO/GSO super-packets beyond 64 KB (BIG TCP) carry total length 0:
	 * then the frame length is the only length there is. */
	if (total == 0)
		total = l2_left_wire;
	if (total < ihl)
		return DIS_BAD_IP;
	if (!bytes_has(b, ihl))
		return DIS_SHORT_IP;
	memcpy(pk->src, b->p + 12, 4);
	memcpy(pk->dst, b->p + 16, 4);
	pk->ip_len = total;
	pk->l4_len = total - ihl;
	pk->ip_id = id;
	pk->frag_off = frag & 0x1fff;
	pk->more_frags = (frag & 0x2000) != 0;
	pk->is_fragment = pk->frag_off != 0 || pk->more_frags;
	bytes_skip(b, ihl);
	return DIS_OK;
}

/* IPv6 header and extension headers (RFC 8200 4); b ends at the transport
 * header, or wherever a non-first fragment's data starts. */
static enum dis_result ipv6(struct bytes *b, struct pkt *pk, uint32_t l2_left_wire)
{
	uint8_t v, nh;
	uint16_t plen;
	if (!bytes_u8_at(b, 0, &v) || !bytes_u16_at(b, 4, &plen) || !bytes_u8_at(b, 6, &nh) ||
	    !bytes_has(b, 40))
		return DIS_SHORT_IP;
	if ((v >> 4) != 6)
		return DIS_BAD_IP;
	memcpy(pk->src, b->p + 8, 16);
	memcpy(pk->dst, b->p + 24, 16);
	uint32_t payload = plen;
	/* Jumbograms and BIG TCP GSO packets carry payload length 0. */
	if (payload == 0 && l2_left_wire > 40)
		payload = l2_left_wire - 40;
	pk->ip_len = 40 + payload;
	bytes_skip(b, 40);
	for (int hops = 0; hops < 16; hops++) {
		uint8_t next, hl;
		uint32_t len;
		switch (nh) {
		case 0:	  /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
			if (!bytes_u8_at(b, 0, &next) || !bytes_u8_at(b, 1, &hl))
				return DIS_SHORT_IP;
			len = (hl + 1u) * 8u;
			break;
		case 51: /* AH: length in 4-octet units minus 2 */
			if (!bytes_u8_at(b, 0, &next) || !bytes_u8_at(b, 1, &hl))
				return DIS_SHORT_IP;
			len = (hl + 2u) * 4u;
			break;
		case 44: { /* fragment */
			uint16_t off;
			uint32_t id;
			if (!bytes_u8_at(b, 0, &next) || !bytes_u16_at(b, 2, &off) ||
			    !bytes_u32_at(b, 4, &id))
				return DIS_SHORT_IP;
			pk->ip_id = id;
			pk->frag_off = off >> 3;
			pk->more_frags = (off & 1) != 0;
			pk->is_fragment = pk->frag_off != 0 || pk->more_frags;
			len = 8;
			break;
		}
		default:
			pk->ipproto = nh;
			pk->l4_len = payload;
			return DIS_OK;
		}
		if (len > payload)
			return DIS_BAD_IP;
		if (!bytes_skip(b, len))
			return DIS_SHORT_IP;
		payload -= len;
		nh = next;
	}
	return DIS_BAD_IP; /* an extension header chain this long is not real traffic */
}

static void tcp_options(const struct bytes *opt, struct pkt *pk)
{
	size_t i = 0;
	pk->opts_complete = true;
	while (i < opt->len) {
		uint8_t kind = opt->p[i];
		if (kind == 0)
			return; /* end of option list */
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= opt->len) {
			pk->opts_complete = false;
			return;
		}
		uint8_t len = opt->p[i + 1];
		if (len < 2)
			return; /* malformed: stop reading options, keep the header */
		if (i + len > opt->len) {
			pk->opts_complete = false;
			return;
		}
		struct bytes o = {opt->p + i, len};
		uint16_t v16;
		uint8_t v8;
		switch (kind) {
		case 2:
			if (len == 4 && bytes_u16_at(&o, 2, &v16))
				pk->mss = v16;
			break;
		case 3:
			if (len == 3 && bytes_u8_at(&o, 2, &v8))
				pk->wscale = (int8_t)(v8 > 14 ? 14 : v8);
			break;
		case 5:
			for (unsigned k = 0; k < 4 && 2 + 8 * (k + 1) <= len; k++) {
				bytes_u32_at(&o, 2 + 8 * k, &pk->sack[k][0]);
				bytes_u32_at(&o, 6 + 8 * k, &pk->sack[k][1]);
				pk->sack_blocks = (uint8_t)(k + 1);
			}
			break;
		case 8:
			if (len == 10) {
				bytes_u32_at(&o, 2, &pk->tsval);
				bytes_u32_at(&o, 6, &pk->tsecr);
				pk->has_ts = true;
			}
			break;
		default:
			break;
		}
		i += len;
	}
}

static enum dis_result transport(struct bytes *b, struct pkt *pk)
{
	switch (pk->ipproto) {
	case 6:
		pk->pclass = PROTO_TCP;
		break;
	case 17:
		pk->pclass = PROTO_UDP;
		break;
	case 1:
	case 58:
		pk->pclass = PROTO_ICMP;
		break;
	default:
		pk->pclass = PROTO_OTHER;
		break;
	}
	if (pk->is_fragment && pk->frag_off != 0) {
		set_digest(pk, b, pk->l4_len); /* a later fragment: data only */
		return DIS_OK;
	}
	switch (pk->pclass) {
	case PROTO_TCP: {
		uint8_t off;
		if (!bytes_u16_at(b, 0, &pk->sport) || !bytes_u16_at(b, 2, &pk->dport) ||
		    !bytes_u32_at(b, 4, &pk->seq) || !bytes_u32_at(b, 8, &pk->ack) ||
		    !bytes_u8_at(b, 12, &off) || !bytes_u8_at(b, 13, &pk->tcp_flags) ||
		    !bytes_u16_at(b, 14, &pk->win))
			return DIS_SHORT_L4;
		unsigned hlen = (off >> 4) * 4u;
		if (hlen < 20 || hlen > pk->l4_len)
			return DIS_BAD_IP;
		pk->payload = pk->l4_len - hlen;
		size_t have = b->len < hlen ? b->len : hlen; /* option octets captured */
		struct bytes opt = {b->p, 0};
		if (have > 20) {
			opt.p = b->p + 20;
			opt.len = have - 20;
		}
		tcp_options(&opt, pk);
		if (b->len < hlen)
			pk->opts_complete = false;
		break;
	}
	case PROTO_UDP:
		if (!bytes_u16_at(b, 0, &pk->sport) || !bytes_u16_at(b, 2, &pk->dport) ||
		    !bytes_u16_at(b, 4, &pk->udp_len) || !bytes_has(b, 8))
			return DIS_SHORT_L4;
		bytes_skip(b, 8);
		set_digest(pk, b, pk->l4_len >= 8 ? pk->l4_len - 8 : 0);
		break;
	case PROTO_ICMP:
		if (!bytes_u8_at(b, 0, &pk->icmp_type) || !bytes_u8_at(b, 1, &pk->icmp_code) ||
		    !bytes_has(b, 8))
			return DIS_SHORT_L4;
		pk->icmp_echo = pk->ipproto == 1 ? (pk->icmp_type == 8 || pk->icmp_type == 0)
						 : (pk->icmp_type == 128 || pk->icmp_type == 129);
		bytes_u16_at(b, 4, &pk->icmp_id);
		bytes_u16_at(b, 6, &pk->icmp_seq);
		bytes_skip(b, 8);
		set_digest(pk, b, pk->l4_len >= 8 ? pk->l4_len - 8 : 0);
		break;
	default:
		set_digest(pk, b, pk->l4_len);
		break;
	}
	pk->has_l4 = true;
	return DIS_OK;
}

enum dis_result dissect(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
			int64_t ts_ns, struct pkt *pk)
{
	memset(pk, 0, sizeof *pk);
	pk->ts_ns = ts_ns;
	pk->wirelen = wirelen;
	pk->pkttype = PKTTYPE_UNKNOWN;
	pk->wscale = -1;
	struct bytes b = {data, caplen};
	enum dis_result r = link_layer(dlt, &b, pk);
	if (r != DIS_OK)
		return r;
	uint32_t l2 = (uint32_t)(b.p - data);
	uint32_t left_wire = wirelen > l2 ? wirelen - l2 : 0;
	r = pk->family == 4 ? ipv4(&b, pk, left_wire) : ipv6(&b, pk, left_wire);
	if (r != DIS_OK)
		return r;
	return transport(&b, pk);
}

const char *pkt_addr_str(int family, const uint8_t addr[16], char *buf, unsigned buflen)
{
	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, buflen) == NULL)
		return "?";
	return buf;
}

const char *flow_str(int family, const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
		     uint16_t dport, char *buf, unsigned buflen)
{
	char a[64], b[64];
	pkt_addr_str(family, src, a, sizeof a);
	pkt_addr_str(family, dst, b, sizeof b);
	const char *l = family == 6 ? "[" : "", *r = family == 6 ? "]" : "";
	if (sport == 0 && dport == 0)
		snprintf(buf, buflen, "%s%s%s>%s%s%s", l, a, r, l, b, r);
	else
		snprintf(buf, buflen, "%s%s%s:%u>%s%s%s:%u", l, a, r, sport, l, b, r, dport);
	return buf;
}
