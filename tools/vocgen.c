/* vocgen — writes synthetic captures of a VM's traffic at any set of the four
 * points (nic, bridge, vnet, guest) with known per-hop delays, guest clock
 * offset and skew, loss, GSO/TSO splitting, GRO coalescing, retransmissions,
 * duplicate ACKs, mixed TCP/UDP/ICMP, IPv4 and IPv6, VLAN tags and several
 * link types — and the ground truth vocalc must find in them (truth.json,
 * shaped like vocalc's own JSON report).
 *
 * Model: each hop and direction is a FIFO queue (packets never overtake each
 * other inside one hop), delay drawn per packet from the hop's distribution.
 * Identical duplicates (dup ACKs, retransmissions without timestamps) are
 * exempt from loss so that in-order matching has one right answer; except
 * --lost-dup, which makes the case where it has not: a pure ACK whose first
 * copy is lost at one hop while its byte-identical duplicate, sent a little
 * later, gets through (issue 13 point 7).
 *
 * Truth accounting follows vocalc's definitions (vo.h) from the construction,
 * not from matching: the generator knows which frame is which. */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

enum { NIC, BRIDGE, VNET, GUEST, NPT };
enum { TO, FROM, NDIR };
enum { P_ALL, P_TCP, P_UDP, P_ICMP, P_OTHER, NPROTO };
static const char *const PT[NPT] = {"nic", "bridge", "vnet", "guest"};
static const char *const DIRN[NDIR] = {"to_guest", "from_guest"};
static const char *const PROTON[NPROTO] = {"all", "tcp", "udp", "icmp", "other"};
enum { CAP = 128, MSS = 1448, MAXK = 64 };

/* ---- delay distributions (us) ---- */
enum dkind { D_CONST, D_UNIF, D_EXP, D_PARETO };
struct dspec {
	enum dkind kind;
	double a, b, c;
};

static gsl_rng *rng;

static int64_t draw_ns(const struct dspec *s)
{
	double us;
	switch (s->kind) {
	case D_UNIF:
		us = s->a + (s->b - s->a) * gsl_rng_uniform(rng);
		break;
	case D_EXP: /* base a + exponential of mean b */
		us = s->a + gsl_ran_exponential(rng, s->b);
		break;
	case D_PARETO: /* base a + Pareto(shape c, scale b) - b: heavy tail from 0 */
		us = s->a + gsl_ran_pareto(rng, s->c, s->b) - s->b;
		if (us > 500000)
			us = 500000; /* the matching window must still hold it */
		break;
	default:
		us = s->a;
	}
	return (int64_t)llround(us * 1e3);
}

static int parse_dspec(const char *t, struct dspec *s)
{
	memset(s, 0, sizeof *s);
	if (sscanf(t, "const:%lf", &s->a) == 1)
		s->kind = D_CONST;
	else if (sscanf(t, "uniform:%lf:%lf", &s->a, &s->b) == 2)
		s->kind = D_UNIF;
	else if (sscanf(t, "exp:%lf:%lf", &s->a, &s->b) == 2)
		s->kind = D_EXP;
	else if (sscanf(t, "pareto:%lf:%lf:%lf", &s->a, &s->b, &s->c) == 3)
		s->kind = D_PARETO;
	else
		return -1;
	return 0;
}

/* ---- configuration ---- */
struct cfg {
	const char *out;
	int points; /* mask */
	long journeys;
	double rate; /* new sends per second */
	unsigned long seed;
	struct dspec delay[3][NDIR]; /* hop 0 nic-bridge, 1 bridge-vnet, 2 vnet-guest */
	double loss[3][NDIR];
	int lost_dup_hop[NDIR];	 /* --lost-dup: the hop where the first copy is lost */
	double lost_dup_p[NDIR]; /* probability per pure ACK going that way */
	double lost_dup_gap_us;	 /* the duplicate follows the lost copy by this */
	bool lost_dup_same_id;	 /* the duplicate's IPv4 ID is the lost copy's too */
	double offset_us, skew_ppm;
	double drift_ppm_s;        /* the skew changes by this per second (NTP slewing) */
	int nsteps;                /* guest clock steps (NTP stepping, resets) */
	int only_dir;              /* -1, or the one direction written (truth not kept) */
	double step_at_s[8], step_us[8]; /* seconds after the start, size */
	/* --stall: the guest's vCPU descheduled: for MS from S seconds on, the
	 * vnet-guest hop delivers nothing that way; what arrived meanwhile leaves
	 * at the end (every packet of the stretch queued, none below its delay) */
	int nstalls;
	double stall_at_s[8], stall_ms[8];
	int stall_dir[8];
	int gso, gro;
	double retrans, dupack, v6, w_tcp, w_udp, w_icmp;
	bool vlan;
	int snaplen;
	int guest_dlt;
	int64_t start_ns;
};

/* ---- records per point ---- */
struct rec {
	int64_t t; /* host time (guest converted when written) */
	uint32_t wirelen;
	uint16_t caplen;
	uint8_t data[CAP];
};
struct recs {
	struct rec *v;
	size_t n, cap;
};
static struct recs R[NPT];

static struct rec *rec_new(int p)
{
	struct recs *r = &R[p];
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 65536;
		r->v = realloc(r->v, r->cap * sizeof *r->v);
		if (!r->v) {
			fprintf(stderr, "vocgen: out of memory\n");
			exit(2);
		}
	}
	return &r->v[r->n++];
}

/* ---- a packet description ---- */
struct gp {
	int family, proto; /* proto: 6, 17, 1 or 58 */
	uint8_t src[16], dst[16];
	uint8_t smac[6], dmac[6];
	uint16_t ipid, sport, dport;
	uint32_t seq, ack, tsval, tsecr, len; /* len: TCP payload or UDP/ICMP data */
	uint8_t flags;
	bool has_ts;
	uint8_t icmp_type;
	uint16_t icmp_id, icmp_seq;
	uint32_t pay_seed;
	int pclass, dir;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Builds the frame as captured at point p into r (headers + up to CAP octets). */
static void build(const struct cfg *c, int p, const struct gp *g, struct rec *r)
{
	uint8_t f[CAP + 128];
	memset(f, 0, sizeof f);
	size_t o = 0;
	int dlt = p == GUEST ? c->guest_dlt : DLT_EN10MB;
	unsigned ethtype = g->family == 4 ? 0x0800 : 0x86dd;
	if (dlt == DLT_EN10MB) {
		memcpy(f, g->dmac, 6);
		memcpy(f + 6, g->smac, 6);
		o = 12;
		if (p == NIC && c->vlan) {
			put16(f + o, 0x8100);
			put16(f + o + 2, 42);
			o += 4;
		}
		put16(f + o, ethtype);
		o += 2;
	} else if (dlt == DLT_LINUX_SLL) {
		put16(f, g->dir == FROM ? 4 : 0); /* outgoing from the guest, or to us */
		put16(f + 2, 1);
		put16(f + 4, 6);
		memcpy(f + 6, g->smac, 6);
		put16(f + 14, ethtype);
		o = 16;
	} else if (dlt == DLT_LINUX_SLL2) {
		put16(f, ethtype);
		put32(f + 4, 2);
		put16(f + 8, 1);
		f[10] = g->dir == FROM ? 4 : 0;
		f[11] = 6;
		memcpy(f + 12, g->smac, 6);
		o = 20;
	}
	size_t l4hdr = g->proto == 6 ? (g->has_ts ? 32 : 20) : 8;
	uint32_t l4len = (uint32_t)l4hdr + g->len;
	size_t ip = o;
	if (g->family == 4) {
		f[ip] = 0x45;
		put16(f + ip + 2, 20 + l4len);
		put16(f + ip + 4, g->ipid);
		f[ip + 6] = 0x40;
		f[ip + 8] =
		    64 - (uint8_t)p; /* TTL changes nowhere on a bridge, but never trust it */
		f[ip + 9] = (uint8_t)g->proto;
		memcpy(f + ip + 12, g->src, 4);
		memcpy(f + ip + 16, g->dst, 4);
		o += 20;
	} else {
		f[ip] = 0x60;
		put16(f + ip + 4, l4len);
		f[ip + 6] = (uint8_t)g->proto;
		f[ip + 7] = 64;
		memcpy(f + ip + 8, g->src, 16);
		memcpy(f + ip + 24, g->dst, 16);
		o += 40;
	}
	uint8_t *l4 = f + o;
	if (g->proto == 6) {
		put16(l4, g->sport);
		put16(l4 + 2, g->dport);
		put32(l4 + 4, g->seq);
		put32(l4 + 8, g->ack);
		l4[12] = (uint8_t)((l4hdr / 4) << 4);
		l4[13] = g->flags;
		put16(l4 + 14, 502);
		/* checksum left 0: offload leaves it unfilled at guest and tap */
		if (g->has_ts) {
			l4[20] = 1;
			l4[21] = 1;
			l4[22] = 8;
			l4[23] = 10;
			put32(l4 + 24, g->tsval);
			put32(l4 + 28, g->tsecr);
		}
	} else if (g->proto == 17) {
		put16(l4, g->sport);
		put16(l4 + 2, g->dport);
		put16(l4 + 4, l4len);
	} else {
		l4[0] = g->icmp_type;
		put16(l4 + 4, g->icmp_id);
		put16(l4 + 6, g->icmp_seq);
	}
	o += l4hdr;
	uint32_t s = g->pay_seed; /* payload: same octets at every point */
	for (uint32_t i = 0; i < g->len && o < sizeof f; i++) {
		s = s * 1103515245u + 12345u;
		f[o++] = (uint8_t)(s >> 16);
	}
	size_t hdr = (size_t)(l4 - f) + l4hdr;
	r->wirelen = (uint32_t)(hdr + g->len);
	size_t cap = r->wirelen < (uint32_t)c->snaplen ? r->wirelen : (size_t)c->snaplen;
	if (cap > CAP)
		cap = CAP;
	r->caplen = (uint16_t)cap;
	memcpy(r->data, f, cap);
}

/* ---- truth ---- */
struct tacc {
	uint64_t matched, unmatched, coalesced, split;
	double *d;
	size_t n, cap;
};
static struct tacc TH[NPT][NDIR][NPROTO], TV[NDIR][NPROTO]; /* hop index by outer point */
static int GIVEN[NPT], NG;

static void tpush(struct tacc *a, double v)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 4096;
		a->d = realloc(a->d, a->cap * sizeof *a->d);
		if (!a->d)
			exit(2);
	}
	a->d[a->n++] = v;
}

/* One identity's trip: stamps (host time), where it was, where it is covered. */
struct tj {
	int dir, pclass;
	int mask, covered;
	int64_t t[NPT];
};

static void taccount(struct tacc *a, const struct tj *j, int up, int down)
{
	bool hu = j->mask & (1 << up), hd = j->mask & (1 << down);
	if (hu && hd) {
		a->matched++;
		tpush(a, (double)(j->t[down] - j->t[up]));
	} else if (hu) {
		if (j->covered & (1 << down))
			a->coalesced++;
		else
			a->unmatched++;
	} else if (hd && (j->covered & (1 << up))) {
		a->split++;
	}
}

static void truth_add(const struct cfg *c, struct tj *j)
{
	j->mask &= c->points;
	for (int i = 0; i + 1 < NG; i++) {
		int up = j->dir == TO ? GIVEN[i] : GIVEN[i + 1];
		int down = j->dir == TO ? GIVEN[i + 1] : GIVEN[i];
		taccount(&TH[i][j->dir][j->pclass], j, up, down);
	}
	if ((c->points & (1 << GUEST)) && NG >= 2) {
		int outer = GIVEN[0];
		taccount(&TV[j->dir][j->pclass], j, j->dir == TO ? outer : GUEST,
			 j->dir == TO ? GUEST : outer);
	}
}

/* ---- the path ---- */
static int64_t qlast[3][NDIR]; /* FIFO: last departure per hop and direction */

static int64_t hop(const struct cfg *c, int h, int dir, int64_t t)
{
	/* A hop of constant 0 is two taps reading one kernel stamp: no queue. */
	if (c->delay[h][dir].kind == D_CONST && c->delay[h][dir].a == 0)
		return t;
	int64_t d = t + draw_ns(&c->delay[h][dir]);
	for (int i = 0; h == 2 && i < c->nstalls; i++) {
		int64_t a = c->start_ns + (int64_t)(c->stall_at_s[i] * 1e9);
		int64_t b = a + (int64_t)(c->stall_ms[i] * 1e6);
		if (c->stall_dir[i] == dir && d >= a && d < b)
			d = b;
	}
	if (d <= qlast[h][dir] && c->delay[h][dir].kind != D_CONST)
		d = qlast[h][dir] + 1;
	if (d < qlast[h][dir])
		d = qlast[h][dir];
	qlast[h][dir] = d;
	return d;
}

static bool lost(const struct cfg *c, int h, int dir)
{
	return c->loss[h][dir] > 0 && gsl_rng_uniform(rng) < c->loss[h][dir];
}

static void emit(const struct cfg *c, int p, const struct gp *g, int64_t t)
{
	if (!(c->points & (1 << p)) || (c->only_dir >= 0 && g->dir != c->only_dir))
		return;
	struct rec *r = rec_new(p);
	r->t = t;
	build(c, p, g, r);
}

/* Plain packet along the path; returns the stamp at its last point (-1 if lost
 * before the far end).  exempt: never lost at random (identical duplicates);
 * lose_at: the hop where it is lost for certain, or -1. */
static int64_t send_plain(const struct cfg *c, const struct gp *g, int64_t t, bool exempt,
			  int lose_at)
{
	struct tj j = {.dir = g->dir, .pclass = g->pclass};
	int order[NPT] = {NIC, BRIDGE, VNET, GUEST};
	if (g->dir == FROM)
		for (int i = 0; i < NPT; i++)
			order[i] = NPT - 1 - i;
	int64_t now = t;
	int last = -1;
	for (int i = 0; i < NPT; i++) {
		int p = order[i];
		if (i > 0) {
			int h = g->dir == TO ? i - 1 : NPT - 1 - i;
			if (h == lose_at || (!exempt && lost(c, h, g->dir)))
				break;
			now = hop(c, h, g->dir, now);
		}
		j.t[p] = now;
		j.mask |= 1 << p;
		emit(c, p, g, now);
		last = p;
	}
	truth_add(c, &j);
	return last == order[NPT - 1] ? now : -1;
}

/* from_guest TCP super-segment of k*MSS: one frame at guest, vnet, bridge;
 * k MSS pieces at nic (the NIC segments: no TSO there). */
static void send_gso(const struct cfg *c, struct gp g, int k, int64_t t)
{
	struct tj j = {.dir = FROM, .pclass = P_TCP};
	uint32_t total = g.len;
	int64_t now = t;
	j.t[GUEST] = now;
	j.mask = 1 << GUEST;
	emit(c, GUEST, &g, now);
	int pts[2] = {VNET, BRIDGE};
	for (int i = 0; i < 2; i++) {
		if (lost(c, 2 - i, FROM)) {
			truth_add(c, &j);
			return;
		}
		now = hop(c, 2 - i, FROM, now);
		j.t[pts[i]] = now;
		j.mask |= 1 << pts[i];
		emit(c, pts[i], &g, now);
	}
	if (lost(c, 0, FROM)) {
		truth_add(c, &j);
		return;
	}
	int64_t tn = hop(c, 0, FROM, now);
	int bigmask = j.mask;
	uint8_t fin = g.flags & 0x01;
	for (int i = 0; i < k; i++) {
		struct gp piece = g;
		piece.seq = g.seq + (uint32_t)i * MSS;
		piece.len = (uint32_t)i * MSS + MSS <= total ? MSS : total - (uint32_t)i * MSS;
		piece.ipid = (uint16_t)(g.ipid + i);
		piece.flags = (uint8_t)((g.flags & ~0x09) | (i == k - 1 ? (0x08 | fin) : 0));
		piece.pay_seed = g.pay_seed + (uint32_t)i * 7919u;
		if (i > 0) {
			tn += 1230; /* 1514 octets at 10 Gbit/s */
			if (tn <= qlast[0][FROM])
				tn = qlast[0][FROM] + 1;
			qlast[0][FROM] = tn;
		}
		if (i == 0) {
			/* The first piece carries the super-segment's first byte: same
			 * payload octets as the big frame's start. */
			piece.pay_seed = g.pay_seed;
			j.t[NIC] = tn;
			j.mask |= 1 << NIC;
			emit(c, NIC, &piece, tn);
			truth_add(c, &j);
		} else {
			struct tj pj = {
			    .dir = FROM, .pclass = P_TCP, .mask = 1 << NIC, .covered = bigmask};
			pj.t[NIC] = tn;
			emit(c, NIC, &piece, tn);
			truth_add(c, &pj);
		}
	}
}

/* to_guest train of k MSS segments; the guest's GRO delivers each run of
 * consecutive survivors as one segment. */
static void send_gro(const struct cfg *c, const struct gp *g0, int k, int64_t t)
{
	struct tj j[MAXK];
	struct gp g[MAXK];
	bool at_vnet[MAXK];
	for (int i = 0; i < k; i++) {
		g[i] = *g0;
		g[i].seq = g0->seq + (uint32_t)i * MSS;
		g[i].len = MSS;
		g[i].ipid = (uint16_t)(g0->ipid + i);
		g[i].pay_seed = g0->pay_seed + (uint32_t)i * 7919u;
		memset(&j[i], 0, sizeof j[i]);
		j[i].dir = TO;
		j[i].pclass = P_TCP;
		int64_t now = t + i * 1230;
		if (now <= qlast[0][TO]) /* arrival on the wire is FIFO too */
			now = qlast[0][TO] + 1;
		at_vnet[i] = false;
		j[i].t[NIC] = now;
		j[i].mask = 1 << NIC;
		emit(c, NIC, &g[i], now);
		int pts[3] = {BRIDGE, VNET};
		bool ok = true;
		for (int h = 0; h < 2 && ok; h++) {
			if (lost(c, h, TO)) {
				ok = false;
				break;
			}
			now = hop(c, h, TO, now);
			j[i].t[pts[h]] = now;
			j[i].mask |= 1 << pts[h];
			emit(c, pts[h], &g[i], now);
		}
		if (ok && !lost(c, 2, TO))
			at_vnet[i] = true; /* survives to the guest */
	}
	for (int i = 0; i < k;) {
		if (!at_vnet[i]) {
			i++;
			continue;
		}
		int e = i;
		while (e + 1 < k && at_vnet[e + 1])
			e++;
		struct gp big = g[i];
		big.len = (uint32_t)(e - i + 1) * MSS;
		big.pay_seed = g[i].pay_seed;
		int64_t tg = hop(c, 2, TO, j[e].t[VNET]);
		j[i].t[GUEST] = tg;
		j[i].mask |= 1 << GUEST;
		emit(c, GUEST, &big, tg);
		for (int x = i + 1; x <= e; x++)
			j[x].covered |= 1 << GUEST;
		i = e + 1;
	}
	for (int i = 0; i < k; i++)
		truth_add(c, &j[i]);
}

/* ---- traffic ---- */
struct tflow {
	int family, dir; /* dir: direction of the data */
	uint8_t guest[16], peer[16];
	uint16_t gport, pport;
	bool has_ts;
	uint32_t seq_data, seq_rev;
	uint16_t ipid_g, ipid_p;
};

/* the guest's MAC and addresses: --guest-mac and --guest-ip change them (a
 * second guest of one host, its runs merged at nic and bridge) */
static uint8_t GMAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t PMAC[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
static uint8_t G4[16] = {10, 0, 0, 2}, P4[16] = {192, 0, 2, 10};
static uint8_t G6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static uint8_t P6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};

static void addrs(struct gp *g, int family, int dir, const uint8_t *guest, const uint8_t *peer)
{
	g->family = family;
	g->dir = dir;
	memcpy(g->src, dir == FROM ? guest : peer, 16);
	memcpy(g->dst, dir == FROM ? peer : guest, 16);
	memcpy(g->smac, dir == FROM ? GMAC : PMAC, 6);
	memcpy(g->dmac, dir == FROM ? PMAC : GMAC, 6);
}

static uint32_t ts_at(int64_t t, uint32_t base)
{
	return base + (uint32_t)(t / 1000000);
}

struct pend {
	int64_t t;
	struct gp g;
	bool exempt;
	bool echo_request; /* schedule the reply when it reaches the guest */
	int lose_at;	   /* send_plain's lose_at */
};
enum { MAXPEND = 4096 };
static struct pend PQ[MAXPEND];
static int NPQ;
static long LOST_DUPS[2]; /* --lost-dup events made, IPv4 and IPv6 */

static void schedule(int64_t t, const struct gp *g, bool exempt, bool echo, int lose_at)
{
	if (NPQ == MAXPEND)
		return;
	int i = NPQ++;
	while (i > 0 && PQ[i - 1].t > t) {
		PQ[i] = PQ[i - 1];
		i--;
	}
	PQ[i] = (struct pend){t, *g, exempt, echo, lose_at};
}

static void run_pending(const struct cfg *c, int64_t before)
{
	while (NPQ > 0 && PQ[0].t < before) {
		struct pend p = PQ[0];
		memmove(PQ, PQ + 1, (size_t)(NPQ - 1) * sizeof PQ[0]);
		NPQ--;
		int64_t tg = send_plain(c, &p.g, p.t, p.exempt, p.lose_at);
		if (p.echo_request && tg >= 0) {
			struct gp r = p.g;
			addrs(&r, r.family, FROM, p.g.dst, p.g.src);
			r.icmp_type = r.family == 4 ? 0 : 129;
			r.ipid = (uint16_t)(r.ipid + 7777);
			schedule(tg + 20000, &r, false, false, -1);
		}
	}
}

static void tcp_data(const struct cfg *c, struct tflow *f, int64_t t)
{
	struct gp g = {0};
	addrs(&g, f->family, f->dir, f->guest, f->peer);
	g.proto = 6;
	g.pclass = P_TCP;
	bool from = f->dir == FROM;
	g.sport = from ? f->gport : f->pport;
	g.dport = from ? f->pport : f->gport;
	g.seq = f->seq_data;
	g.ack = f->seq_rev;
	g.flags = 0x18;
	g.has_ts = f->has_ts;
	g.tsval = ts_at(t, from ? 1000 : 900000);
	g.tsecr = ts_at(t - 1000000, from ? 900000 : 1000);
	g.ipid = from ? f->ipid_g++ : f->ipid_p++;
	g.pay_seed = (uint32_t)gsl_rng_get(rng);
	bool retrans = gsl_rng_uniform(rng) < c->retrans;
	int k = 1;
	if (!retrans && from && c->gso > 1)
		k = 1 + (int)gsl_rng_uniform_int(rng, (unsigned long)c->gso);
	if (!retrans && !from && c->gro > 1)
		k = 1 + (int)gsl_rng_uniform_int(rng, (unsigned long)c->gro);
	g.len = (uint32_t)k * MSS;
	if (retrans) {
		/* Without timestamps the copy is identical: in-order matching
		 * needs both copies delivered (see the file comment). */
		schedule(t, &g, !f->has_ts, false, -1);
		struct gp rg = g;
		int64_t tr = t + 2000000;
		rg.tsval = ts_at(tr, from ? 1000 : 900000);
		rg.ipid = from ? f->ipid_g++ : f->ipid_p++;
		schedule(tr, &rg, !f->has_ts, false, -1);
	} else if (k == 1) {
		schedule(t, &g, false, false, -1);
	} else if (from) {
		run_pending(c, t + 1);
		send_gso(c, g, k, t);
	} else {
		run_pending(c, t + 1);
		send_gro(c, &g, k, t);
	}
	f->seq_data += g.len;
	if (gsl_rng_uniform(rng) < 0.5) {
		struct gp a = {0};
		addrs(&a, f->family, from ? TO : FROM, f->guest, f->peer);
		a.proto = 6;
		a.pclass = P_TCP;
		a.sport = g.dport;
		a.dport = g.sport;
		a.seq = f->seq_rev;
		a.ack = f->seq_data;
		a.flags = 0x10;
		a.has_ts = f->has_ts;
		int64_t ta = t + 40000;
		a.tsval = ts_at(ta, from ? 900000 : 1000);
		a.tsecr = g.tsval;
		a.ipid = from ? f->ipid_p++ : f->ipid_g++;
		int ad = a.dir;
		/* drawn only when asked for: other traces stay what they were */
		if (c->lost_dup_p[ad] > 0 && gsl_rng_uniform(rng) < c->lost_dup_p[ad]) {
			/* the first copy reaches the hop and dies there; its copy
			 * (same TSval: byte-identical but perhaps for the IPv4 ID,
			 * which Linux's per-socket counter moves) gets through */
			schedule(ta, &a, true, false, c->lost_dup_hop[ad]);
			struct gp d = a;
			if (!c->lost_dup_same_id)
				d.ipid = from ? f->ipid_p++ : f->ipid_g++;
			int64_t tdup = ta + (int64_t)llround(c->lost_dup_gap_us * 1e3);
			schedule(tdup, &d, true, false, -1);
			LOST_DUPS[a.family == 6]++;
		} else {
			bool dup = gsl_rng_uniform(rng) < c->dupack;
			schedule(ta, &a, dup, false, -1);
			if (dup) {
				/* duplicate ACKs: identical copies (same TSval within a ms) */
				for (int i = 1; i <= 2; i++) {
					struct gp d = a;
					d.ipid = a.family == 4 ? (uint16_t)(a.ipid + 0) : 0;
					schedule(ta + i * 3000, &d, true, false, -1);
				}
			}
		}
	}
}

static void udp_or_icmp(const struct cfg *c, int64_t t, bool icmp, uint16_t *ipid)
{
	struct gp g = {0};
	int fam = gsl_rng_uniform(rng) < c->v6 ? 6 : 4;
	int dir = icmp ? TO : (gsl_rng_uniform(rng) < 0.5 ? TO : FROM);
	addrs(&g, fam, dir, fam == 4 ? G4 : G6, fam == 4 ? P4 : P6);
	g.ipid = (*ipid)++;
	g.pay_seed = (uint32_t)gsl_rng_get(rng);
	if (icmp) {
		g.proto = fam == 4 ? 1 : 58;
		g.pclass = P_ICMP;
		g.icmp_type = fam == 4 ? 8 : 128;
		g.icmp_id = 0x4242;
		g.icmp_seq = g.ipid;
		g.len = 56;
		schedule(t, &g, false, true, -1);
	} else {
		g.proto = 17;
		g.pclass = P_UDP;
		g.sport = dir == FROM ? 5353 : 40000;
		g.dport = dir == FROM ? 40000 : 5353;
		g.len = 32 + (uint32_t)gsl_rng_uniform_int(rng, 1200);
		schedule(t, &g, false, false, -1);
	}
}

/* ---- output ---- */
static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int64_t T0;

/* guest = host + offset + skew*(host - t0) + drift*(host - t0)^2/2 + the
 * steps taken by then. */
static double guest_offset_ns(const struct cfg *c, int64_t h)
{
	double dt = (double)(h - T0);
	double off = c->offset_us * 1e3 + c->skew_ppm * 1e-6 * dt + c->drift_ppm_s * 1e-6 * dt * dt / 2e9;
	for (int i = 0; i < c->nsteps; i++)
		if (h >= c->start_ns + (int64_t)(c->step_at_s[i] * 1e9))
			off += c->step_us[i] * 1e3;
	return off;
}

static int64_t guest_stamp(const struct cfg *c, int64_t h)
{
	return h + llround(guest_offset_ns(c, h));
}

static int write_point(const struct cfg *c, int p)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.pcap", c->out, PT[p]);
	int dlt = p == GUEST ? c->guest_dlt : DLT_EN10MB;
	pcap_t *pd = pcap_open_dead_with_tstamp_precision(dlt, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = pcap_dump_open(pd, path);
	if (!d) {
		fprintf(stderr, "vocgen: %s: %s\n", path, pcap_geterr(pd));
		return -1;
	}
	for (size_t i = 0; i < R[p].n; i++) {
		struct rec *r = &R[p].v[i];
		int64_t t = p == GUEST ? guest_stamp(c, r->t) : r->t;
		struct pcap_pkthdr h;
		h.ts.tv_sec = (time_t)(t / 1000000000);
		h.ts.tv_usec = (suseconds_t)(t % 1000000000); /* ns: nano-precision file */
		h.caplen = r->caplen;
		h.len = r->wirelen;
		pcap_dump((u_char *)d, &h, r->data);
	}
	pcap_dump_close(d);
	pcap_close(pd);
	return 0;
}

static json_t *jdist(struct tacc *a)
{
	if (a->n == 0)
		return json_pack("{s:i}", "n", 0);
	gsl_sort(a->d, 1, a->n);
	double *v = a->d;
	size_t n = a->n;
	return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "n", (json_int_t)n, "min",
			 v[0] / 1e3, "p50", gsl_stats_quantile_from_sorted_data(v, 1, n, 0.5) / 1e3,
			 "p90", gsl_stats_quantile_from_sorted_data(v, 1, n, 0.9) / 1e3, "p99",
			 gsl_stats_quantile_from_sorted_data(v, 1, n, 0.99) / 1e3, "max",
			 v[n - 1] / 1e3, "mean", gsl_stats_mean(v, 1, n) / 1e3, "sd",
			 n > 1 ? gsl_stats_sd(v, 1, n) / 1e3 : 0.0);
}

/* Union of the protocol rows into row[P_ALL]. */
static void merge_all(struct tacc *row)
{
	struct tacc *all = &row[P_ALL];
	for (int p = P_TCP; p < NPROTO; p++) {
		all->matched += row[p].matched;
		all->unmatched += row[p].unmatched;
		all->coalesced += row[p].coalesced;
		all->split += row[p].split;
		for (size_t i = 0; i < row[p].n; i++)
			tpush(all, row[p].d[i]);
	}
}

static json_t *jhop(struct tacc *a, int from, int to, int dir, int proto)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o}", "from", PT[from], "to",
			 PT[to], "direction", DIRN[dir], "protocol", PROTON[proto], "matched",
			 (json_int_t)a->matched, "unmatched", (json_int_t)a->unmatched, "coalesced",
			 (json_int_t)a->coalesced, "split", (json_int_t)a->split, "delay_us",
			 jdist(a));
}

static int write_truth(const struct cfg *c, const char *argv0_cmd)
{
	json_t *root = json_object();
	json_object_set_new(root, "generator", json_string("vocgen"));
	json_object_set_new(root, "command", json_string(argv0_cmd));
	json_t *segs = json_array();
	json_array_append_new(segs, json_pack("{s:f, s:f, s:f}", "start", T0 / 1e9, "offset_us",
					      guest_offset_ns(c, T0) / 1e3, "skew_ppm", c->skew_ppm));
	for (int i = 0; i < c->nsteps; i++) {
		int64_t at = c->start_ns + (int64_t)(c->step_at_s[i] * 1e9);
		json_array_append_new(segs, json_pack("{s:f, s:f, s:f}", "start", at / 1e9,
						      "offset_us", guest_offset_ns(c, at) / 1e3,
						      "skew_ppm", c->skew_ppm));
	}
	json_object_set_new(root, "clock",
			    json_pack("{s:f, s:f, s:f, s:f, s:o}", "offset_us", c->offset_us, "skew_ppm",
				      c->skew_ppm, "drift_ppm_per_s", c->drift_ppm_s, "t0", T0 / 1e9,
				      "segments", segs));
	json_t *pts = json_array();
	for (int p = 0; p < NPT; p++)
		if (c->points & (1 << p))
			json_array_append_new(pts, json_pack("{s:s, s:I}", "name", PT[p], "packets",
							     (json_int_t)R[p].n));
	json_object_set_new(root, "points", pts);
	if (c->lost_dup_p[TO] > 0 || c->lost_dup_p[FROM] > 0)
		json_object_set_new(root, "constructed",
				    json_pack("{s:{s:I, s:I}}", "lost_duplicates", "ipv4",
					      (json_int_t)LOST_DUPS[0], "ipv6",
					      (json_int_t)LOST_DUPS[1]));
	json_t *hops = json_array();
	for (int i = 0; i + 1 < NG; i++)
		for (int d = 0; d < NDIR; d++) {
			merge_all(TH[i][d]);
			int up = d == TO ? GIVEN[i] : GIVEN[i + 1];
			int down = d == TO ? GIVEN[i + 1] : GIVEN[i];
			for (int p = 0; p < NPROTO; p++)
				json_array_append_new(hops, jhop(&TH[i][d][p], up, down, d, p));
		}
	json_object_set_new(root, "hops", hops);
	if ((c->points & (1 << GUEST)) && NG >= 2) {
		json_t *vo = json_object();
		for (int d = 0; d < NDIR; d++) {
			merge_all(TV[d]);
			int from = d == TO ? GIVEN[0] : GUEST, to = d == TO ? GUEST : GIVEN[0];
			json_t *o = jhop(&TV[d][P_ALL], from, to, d, P_ALL);
			json_t *by = json_array();
			for (int p = P_TCP; p < NPROTO; p++)
				json_array_append_new(by, jhop(&TV[d][p], from, to, d, p));
			json_object_set_new(o, "by_protocol", by);
			json_object_set_new(vo, DIRN[d], o);
		}
		json_object_set_new(root, "vo", vo);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/truth.json", c->out);
	int rc = json_dump_file(root, path,
				JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	json_decref(root);

	json_t *man = json_object();
	json_t *mp = json_array();
	for (int p = 0; p < NPT; p++)
		if (c->points & (1 << p)) {
			char f[32];
			snprintf(f, sizeof f, "%s.pcap", PT[p]);
			json_array_append_new(
			    mp, json_pack("{s:s, s:s, s:i}", "name", PT[p], "file", f, "drops", 0));
		}
	json_object_set_new(man, "points", mp);
	json_object_set_new(man, "generator", json_string("vocgen"));
	json_object_set_new(man, "command", json_string(argv0_cmd));
	snprintf(path, sizeof path, "%s/manifest.json", c->out);
	rc |= json_dump_file(man, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(man);
	return rc;
}

/* ---- command line ---- */
static const char USAGE[] =
    "usage: vocgen --out DIR [OPTIONS]\n"
    "Writes DIR/{nic,bridge,vnet,guest}.pcap, DIR/manifest.json and DIR/truth.json.\n"
    "  --points LIST          points to write (default nic,bridge,vnet,guest)\n"
    "  --journeys N           traffic events (default 200000); --rate PPS (default 50000)\n"
    "  --seed N               random seed (default 1)\n"
    "  --delay HOP:DIR=SPEC   HOP nic-bridge|bridge-vnet|vnet-guest, DIR to|from|both,\n"
    "                         SPEC const:US | uniform:LO:HI | exp:BASE:MEAN |\n"
    "                         pareto:BASE:SCALE:SHAPE (us)\n"
    "  --loss HOP:DIR=FRAC    loss probability at a hop\n"
    "  --lost-dup HOP:DIR=FRAC  a pure ACK going DIR is, with probability FRAC, lost at\n"
    "                         HOP while its byte-identical duplicate, sent --lost-dup-gap-us\n"
    "                         (default 1500) later, gets through; the duplicate's IPv4 ID\n"
    "                         is the next one (as Linux) or, --lost-dup-same-id, the same\n"
    "  --offset-us X          guest clock minus host clock at t0 (first host stamp)\n"
    "  --skew-ppm Y           guest clock skew\n"
    "  --drift-ppm-per-s D    the skew changes by D ppm a second (a clock slewed)\n"
    "  --clock-step S:US      the guest clock steps by US at S seconds (repeatable, 8)\n"
    "  --stall S:MS:DIR       the guest descheduled: from S seconds for MS ms nothing\n"
    "                         crosses vnet-guest going DIR (to|from); what arrives leaves\n"
    "                         at the end (repeatable, 8)\n"
    "  --only-dir to|from     write one direction's packets only (truth.json then unkept)\n"
    "  --gso K                from_guest TCP super-segments of up to K MSS (default 8, 1 off)\n"
    "  --gro K                to_guest GRO runs of up to K MSS at guest (default 4, 1 off)\n"
    "  --retrans P            retransmission probability per data segment (default 0.01)\n"
    "  --dupack P             duplicate-ACK probability per ACK (default 0.02)\n"
    "  --v6 FRAC              share of IPv6 (default 0.3)\n"
    "  --mix T,U,I            weights of TCP, UDP, ICMP events (default 70,20,10)\n"
    "  --vlan                 802.1Q tag at nic\n"
    "  --guest-link L         en10mb (default), sll, sll2, raw\n"
    "  --snaplen N            octets kept per frame (default 96, at most 128)\n"
    "  --start S              epoch seconds of the first packet (default 1700000000)\n"
    "  --guest-ip ADDR        the guest's IPv4 or IPv6 address (default 10.0.0.2, fd00::2)\n"
    "  --guest-mac MAC        the guest's MAC (default 52:54:00:12:34:56)\n";

static int parse_hop(const char *arg, int *h, int *d0, int *d1, const char **val)
{
	static const char *const hops[3] = {"nic-bridge", "bridge-vnet", "vnet-guest"};
	const char *colon = strchr(arg, ':'), *eq = strchr(arg, '=');
	if (!colon || !eq || eq < colon)
		return -1;
	*h = -1;
	for (int i = 0; i < 3; i++)
		if ((size_t)(colon - arg) == strlen(hops[i]) &&
		    !strncmp(arg, hops[i], strlen(hops[i])))
			*h = i;
	size_t dl = (size_t)(eq - colon - 1);
	if (dl == 2 && !strncmp(colon + 1, "to", 2))
		*d0 = *d1 = TO;
	else if (dl == 4 && !strncmp(colon + 1, "from", 4))
		*d0 = *d1 = FROM;
	else if (dl == 4 && !strncmp(colon + 1, "both", 4))
		*d0 = TO, *d1 = FROM;
	else
		return -1;
	*val = eq + 1;
	return *h < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct cfg c = {0};
	c.points = 0xf;
	c.journeys = 200000;
	c.rate = 50000;
	c.seed = 1;
	c.gso = 8;
	c.gro = 4;
	c.retrans = 0.01;
	c.dupack = 0.02;
	c.v6 = 0.3;
	c.w_tcp = 70, c.w_udp = 20, c.w_icmp = 10;
	c.snaplen = 96;
	c.guest_dlt = DLT_EN10MB;
	c.only_dir = -1;
	c.lost_dup_gap_us = 1500;
	c.start_ns = 1700000000LL * 1000000000;
	/* Defaults shaped like FIELD-NOTES: nic->bridge and vnet->bridge share the
	 * kernel receive stamp (0), the tap<->guest hop carries the VO. */
	parse_dspec("const:0", &c.delay[0][TO]);
	parse_dspec("exp:3:5", &c.delay[0][FROM]);
	parse_dspec("exp:4:8", &c.delay[1][TO]);
	parse_dspec("const:0", &c.delay[1][FROM]);
	parse_dspec("exp:40:60", &c.delay[2][TO]);
	parse_dspec("exp:30:50", &c.delay[2][FROM]);
	static const struct option lo[] = {
	    {"out", 1, 0, 'o'},	   {"points", 1, 0, 'p'},     {"journeys", 1, 0, 'n'},
	    {"rate", 1, 0, 'r'},   {"seed", 1, 0, 's'},	      {"delay", 1, 0, 'd'},
	    {"loss", 1, 0, 'l'},   {"offset-us", 1, 0, 'O'},  {"skew-ppm", 1, 0, 'S'},
	    {"gso", 1, 0, 'G'},	   {"gro", 1, 0, 'R'},	      {"retrans", 1, 0, 't'},
	    {"dupack", 1, 0, 'D'}, {"v6", 1, 0, '6'},	      {"mix", 1, 0, 'm'},
	    {"vlan", 0, 0, 'v'},   {"guest-link", 1, 0, 'L'}, {"snaplen", 1, 0, 'c'},
	    {"start", 1, 0, 'T'},  {"help", 0, 0, 'h'},	      {"clock-step", 1, 0, 'K'},
	    {"only-dir", 1, 0, 'Q'},     {"drift-ppm-per-s", 1, 0, 'J'},
	    {"lost-dup", 1, 0, 'X'},
	    {"lost-dup-gap-us", 1, 0, 'Y'},
	    {"lost-dup-same-id", 0, 0, 'Z'},
	    {"stall", 1, 0, 'W'},
	    {"guest-ip", 1, 0, 'A'},
	    {"guest-mac", 1, 0, 'M'},
	    {0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int h, d0, d1;
		const char *val;
		switch (o) {
		case 'o':
			c.out = optarg;
			break;
		case 'p': {
			c.points = 0;
			char *dup = strdup(optarg), *save, *tok;
			for (tok = strtok_r(dup, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				int found = -1;
				for (int i = 0; i < NPT; i++)
					if (!strcmp(tok, PT[i]))
						found = i;
				if (found < 0) {
					fprintf(stderr, "vocgen: unknown point %s\n", tok);
					return 2;
				}
				c.points |= 1 << found;
			}
			free(dup);
			break;
		}
		case 'n':
			c.journeys = atol(optarg);
			break;
		case 'r':
			c.rate = atof(optarg);
			break;
		case 's':
			c.seed = strtoul(optarg, NULL, 10);
			break;
		case 'd':
		case 'l':
		case 'X':
			if (parse_hop(optarg, &h, &d0, &d1, &val) != 0) {
				fprintf(stderr, "vocgen: bad --%s %s\n",
					o == 'd' ? "delay" : o == 'l' ? "loss" : "lost-dup", optarg);
				return 2;
			}
			for (int d = d0; d <= d1; d++) {
				if (o == 'X') {
					c.lost_dup_hop[d] = h;
					c.lost_dup_p[d] = atof(val);
				} else if (o == 'l') {
					c.loss[h][d] = atof(val);
				} else if (parse_dspec(val, &c.delay[h][d]) != 0) {
					fprintf(stderr, "vocgen: bad delay spec %s\n", val);
					return 2;
				}
			}
			break;
		case 'O':
			c.offset_us = atof(optarg);
			break;
		case 'S':
			c.skew_ppm = atof(optarg);
			break;
		case 'J':
			c.drift_ppm_s = atof(optarg);
			break;
		case 'G':
			c.gso = atoi(optarg);
			break;
		case 'R':
			c.gro = atoi(optarg);
			break;
		case 't':
			c.retrans = atof(optarg);
			break;
		case 'D':
			c.dupack = atof(optarg);
			break;
		case '6':
			c.v6 = atof(optarg);
			break;
		case 'm':
			if (sscanf(optarg, "%lf,%lf,%lf", &c.w_tcp, &c.w_udp, &c.w_icmp) != 3) {
				fprintf(stderr, "vocgen: bad --mix %s\n", optarg);
				return 2;
			}
			break;
		case 'v':
			c.vlan = true;
			break;
		case 'L':
			if (!strcmp(optarg, "en10mb"))
				c.guest_dlt = DLT_EN10MB;
			else if (!strcmp(optarg, "sll"))
				c.guest_dlt = DLT_LINUX_SLL;
			else if (!strcmp(optarg, "sll2"))
				c.guest_dlt = DLT_LINUX_SLL2;
			else if (!strcmp(optarg, "raw"))
				c.guest_dlt = DLT_RAW;
			else {
				fprintf(stderr, "vocgen: bad --guest-link %s\n", optarg);
				return 2;
			}
			break;
		case 'c':
			c.snaplen = atoi(optarg);
			break;
		case 'T':
			c.start_ns = (int64_t)(atof(optarg) * 1e9);
			break;
		case 'Q':
			c.only_dir = !strcmp(optarg, "to") ? TO : !strcmp(optarg, "from") ? FROM : -2;
			if (c.only_dir == -2) {
				fprintf(stderr, "vocgen: bad --only-dir %s\n", optarg);
				return 2;
			}
			break;
		case 'K':
			if (c.nsteps == 8 || sscanf(optarg, "%lf:%lf", &c.step_at_s[c.nsteps],
						    &c.step_us[c.nsteps]) != 2) {
				fprintf(stderr, "vocgen: bad --clock-step %s\n", optarg);
				return 2;
			}
			c.nsteps++;
			break;
		case 'W': {
			char d[8] = "";
			if (c.nstalls == 8 ||
			    sscanf(optarg, "%lf:%lf:%7s", &c.stall_at_s[c.nstalls], &c.stall_ms[c.nstalls],
				   d) != 3 ||
			    (strcmp(d, "to") != 0 && strcmp(d, "from") != 0) || !(c.stall_ms[c.nstalls] > 0)) {
				fprintf(stderr, "vocgen: bad --stall %s (S:MS:to|from)\n", optarg);
				return 2;
			}
			c.stall_dir[c.nstalls++] = strcmp(d, "to") == 0 ? TO : FROM;
			break;
		}
		case 'Y':
			c.lost_dup_gap_us = atof(optarg);
			if (!(c.lost_dup_gap_us > 0)) {
				fprintf(stderr, "vocgen: bad --lost-dup-gap-us %s\n", optarg);
				return 2;
			}
			break;
		case 'Z':
			c.lost_dup_same_id = true;
			break;
		case 'A': {
			uint8_t a[16] = {0};
			if (inet_pton(AF_INET, optarg, a) == 1) {
				memcpy(G4, a, 16);
			} else if (inet_pton(AF_INET6, optarg, a) == 1) {
				memcpy(G6, a, 16);
			} else {
				fprintf(stderr, "vocgen: bad --guest-ip %s\n", optarg);
				return 2;
			}
			break;
		}
		case 'M': {
			unsigned m[6];
			if (sscanf(optarg, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4],
				   &m[5]) != 6) {
				fprintf(stderr, "vocgen: bad --guest-mac %s\n", optarg);
				return 2;
			}
			for (int i = 0; i < 6; i++)
				GMAC[i] = (uint8_t)m[i];
			break;
		}
		case 'h':
			fputs(USAGE, stdout);
			return 0;
		default:
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (!c.out || c.gso < 1 || c.gso > MAXK || c.gro < 1 || c.gro > MAXK || c.snaplen < 40) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (mkdir(c.out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "vocgen: %s: %s\n", c.out, strerror(errno));
		return 2;
	}
	char mpath[4096];
	snprintf(mpath, sizeof mpath, "%s/manifest.json", c.out);
	if (access(mpath, F_OK) == 0) {
		fprintf(stderr, "vocgen: %s exists; not overwriting a run\n", mpath);
		return 2;
	}
	for (int p = 0; p < NPT; p++)
		if (c.points & (1 << p))
			GIVEN[NG++] = p;
	gsl_rng_env_setup();
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, c.seed);

	struct tflow flows[8];
	for (int i = 0; i < 8; i++) {
		struct tflow *f = &flows[i];
		memset(f, 0, sizeof *f);
		f->family = (i % 4 == 3 || gsl_rng_uniform(rng) < c.v6 / 2) ? 6 : 4;
		memcpy(f->guest, f->family == 4 ? G4 : G6, 16);
		memcpy(f->peer, f->family == 4 ? P4 : P6, 16);
		f->dir = i % 2 ? TO : FROM;
		f->gport = 5201;
		f->pport = (uint16_t)(40000 + i);
		f->has_ts = i < 6;
		f->seq_data = (uint32_t)gsl_rng_get(rng);
		if (i == 2)
			f->seq_data = 0xffffffffu - 200000; /* wraps during the run */
		f->seq_rev = (uint32_t)gsl_rng_get(rng);
		f->ipid_g = (uint16_t)gsl_rng_get(rng);
		f->ipid_p = (uint16_t)gsl_rng_get(rng);
	}
	uint16_t ipid_misc = 1;
	double wsum = c.w_tcp + c.w_udp + c.w_icmp;
	int64_t t = c.start_ns;
	for (long n = 0; n < c.journeys; n++) {
		t += (int64_t)llround(gsl_ran_exponential(rng, 1e9 / c.rate));
		run_pending(&c, t);
		double u = gsl_rng_uniform(rng) * wsum;
		if (u < c.w_tcp)
			tcp_data(&c, &flows[gsl_rng_uniform_int(rng, 8)], t);
		else
			udp_or_icmp(&c, t, u >= c.w_tcp + c.w_udp, &ipid_misc);
	}
	run_pending(&c, INT64_MAX);

	T0 = INT64_MAX;
	for (int p = 0; p < NPT; p++) {
		if (!(c.points & (1 << p)) || R[p].n == 0)
			continue;
		qsort(R[p].v, R[p].n, sizeof *R[p].v, cmp_rec);
		if (p != GUEST && R[p].v[0].t < T0)
			T0 = R[p].v[0].t;
	}
	if (T0 == INT64_MAX)
		T0 = c.start_ns;
	char cmd[2048] = "";
	for (int i = 0; i < argc; i++) {
		strncat(cmd, argv[i], sizeof cmd - strlen(cmd) - 2);
		strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
	}
	for (int p = 0; p < NPT; p++)
		if ((c.points & (1 << p)) && write_point(&c, p) != 0)
			return 2;
	if (write_truth(&c, cmd) != 0) {
		fprintf(stderr, "vocgen: writing truth failed\n");
		return 2;
	}
	gsl_rng_free(rng);
	return 0;
}
