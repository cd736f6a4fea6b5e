/* match — see match.h for the identity rules. */
#include "match.h"

#include <assert.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

enum mkind { K_TCP = 1, K_UDP, K_ECHO, K_FRAG, K_OTHER };
enum { KF_SYN = 1, KF_RST = 2, KF_DATA = 4 };

/* A stretch of sequence space held by a bigger TCP segment at `mask`'s points;
 * a segment starting inside it, elsewhere, is a piece of it. */
struct seg_range {
	uint32_t lo, hi, ack;
	uint8_t mask;
};
enum { FLOW_RANGES = 4 };

struct flow {
	struct hnode hn; /* first: a struct hnode * is a struct flow * */
	struct match_flow_key key;
	int64_t last_ns;
	uint8_t seen; /* points that saw this flow */
	uint8_t next_range;
	struct seg_range r[FLOW_RANGES];
};

/* Stamps of the payload's timestamp option: unknown when options were cut. */
enum { TS_UNKNOWN = 0, TS_NONE, TS_PRESENT };

struct journey {
	struct hnode hn;	       /* first: a struct hnode * is a struct journey * */
	struct journey *anext, *aprev; /* age list (start order); anext: free list */
	struct match_key key;
	struct flow *flow;
	int64_t t_first;
	int64_t t[POINT_N];
	uint64_t tag[POINT_N];
	uint64_t digest;
	uint32_t tsval, tsecr, payload;
	uint16_t ip_id;
	uint8_t mask, covered, dir, pclass, has_digest, ts_state, has_ip_id;
	/* identical copies (match.h): held took a copy another journey could have
	 * taken, and waits for its window to end; passed was passed over;
	 * late: held because a copy joined it upstream of its stamps with an
	 * untypical delay (the copy may be a later packet's: late_match) */
	uint8_t held, passed, late;
	/* a smaller piece of it was seen (it was split on the way): a point
	 * that joins it later covers the other pieces too (cover_late) */
	uint8_t split;
};

/* What the matcher has learnt of one hop (match.h "Identical copies"): its
 * delays, ns (downstream minus upstream stamp, host time), as a running
 * median with the mean excess above it and the mean shortfall below it
 * (an asymmetric Laplace: queueing delay has a floor and a long tail), started
 * from the median of the first TYP_WARM; and whether it keeps the IPv4 ID. */
enum { TYP_WARM = 16, TYP_COLD = 5 };
static const int64_t COLD_FAR_NS = 20LL * 1000000;
struct hop_typ {
	int64_t loc, hi, lo;
	uint64_t n;
	uint64_t id_same, id_diff; /* joins with equal / different IDs (and refusals) */
	int64_t warm[TYP_WARM];
};

struct matcher {
	int64_t window_ns;
	uint8_t all; /* points given: a journey seen or covered at all is done */
	int64_t flow_idle_ns;
	int64_t now_ns;	       /* latest stamp pushed */
	/* each point's first and last stamp pushed, and whether its capture ended */
	int64_t first_ns[POINT_N], last_ns[POINT_N];
	uint8_t started, ended;
	int64_t next_sweep_ns; /* next flow-table sweep */
	match_emit_fn emit;
	void *ctx;
	struct hashtab journeys, flows;
	struct journey *head, *tail, *free_list;
	/* The last flow seen at each point: bulk traffic repeats its flow, so
	 * this skips most flow-table lookups.  Cleared when flows are swept. */
	struct flow *last_flow[POINT_N][2]; /* two: data and ACKs alternate */
	/* [dir][a][b], a < b in path order (nic first) */
	struct hop_typ typ[DIR_N][POINT_N][POINT_N];
	/* [dir][mask][p]: nearest(mask, p, dir), so a join looks it up */
	uint8_t near[DIR_N][1 << POINT_N][POINT_N];
	uint64_t joins; /* packets that joined a journey (hop estimates sample them) */
	uint64_t alive;
	uint64_t late_alive; /* late journeys alive (a new journey looks for them) */
	struct match_counts counts;
};

static const int64_t FLOW_IDLE_MIN_NS = 60LL * 1000000000;

static enum point nearest(uint8_t mask, enum point p, uint8_t dir);

struct matcher *match_create(uint8_t points, int64_t window_ns, match_emit_fn emit, void *ctx)
{
	assert(window_ns > 0 && emit != NULL && points != 0);
	struct matcher *m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->all = points;
	m->window_ns = window_ns;
	/* A journey points at its flow: flows must outlive every journey. */
	m->flow_idle_ns = 2 * window_ns > FLOW_IDLE_MIN_NS ? 2 * window_ns : FLOW_IDLE_MIN_NS;
	m->now_ns = INT64_MIN;
	m->next_sweep_ns = INT64_MIN;
	m->emit = emit;
	m->ctx = ctx;
	for (int d = 0; d < DIR_N; d++)
		for (unsigned mask = 1; mask < 1u << POINT_N; mask++)
			for (int p = 0; p < POINT_N; p++)
				if (!(mask & (1u << p)))
					m->near[d][mask][p] = (uint8_t)nearest(
					    (uint8_t)mask, (enum point)p, (uint8_t)d);
	if (hashtab_init(&m->journeys, 1 << 12) != 0 || hashtab_init(&m->flows, 1 << 10) != 0) {
		match_delete(m);
		return NULL;
	}
	return m;
}

static void free_chain(struct journey *j)
{
	while (j) {
		struct journey *n = j->anext;
		free(j);
		j = n;
	}
}

void match_delete(struct matcher *m)
{
	if (m == NULL)
		return;
	free_chain(m->head);
	free_chain(m->free_list);
	hashtab_free(&m->journeys);
	hashtab_free_nodes(&m->flows);
	free(m);
}

static uint8_t ts_state_of(const struct pkt *pk);

/* The identity's hash: the flow's hash continued over the words after the flow. */
static uint64_t key_hash(uint64_t flow_hash, const struct match_key *k)
{
	return hash_bytes_seeded(flow_hash, &k->kind, sizeof *k - offsetof(struct match_key, kind));
}

void match_flow_key_of(const struct pkt *pk, bool reverse, struct match_flow_key *k)
{
	memset(k, 0, sizeof *k);
	memcpy(k->src, reverse ? pk->dst : pk->src, 16);
	memcpy(k->dst, reverse ? pk->src : pk->dst, 16);
	k->sport = reverse ? pk->dport : pk->sport;
	k->dport = reverse ? pk->sport : pk->dport;
	k->family = pk->family;
	k->ipproto = pk->ipproto;
}

void match_flow_key_reverse(const struct match_flow_key *k, struct match_flow_key *r)
{
	*r = *k;
	memcpy(r->src, k->dst, 16);
	memcpy(r->dst, k->src, 16);
	r->sport = k->dport;
	r->dport = k->sport;
}

const char *match_flow_name(const struct match_flow_key *k, char *buf, unsigned n)
{
	return flow_str(k->family, k->src, k->sport, k->dst, k->dport, buf, n);
}

void match_prepare(const struct pkt *pk, struct match_prep *mp, struct match_flow_cache *cache)
{
	struct match_key *k = &mp->key;
	memset(k, 0, sizeof *k);
	match_flow_key_of(pk, false, &k->flow);
	uint32_t frag = pk->frag_off | (pk->more_frags ? 1u << 16 : 0);
	uint32_t v4id = pk->family == 4 ? pk->ip_id : 0;
	if (!pk->has_l4) {
		/* A later fragment: only the IP layer identifies it. */
		k->flow.sport = k->flow.dport = 0;
		k->kind = K_FRAG;
		k->a = pk->ip_id;
		k->b = frag;
		k->c = pk->l4_len;
	} else {
		/* ports: the dissector sets them for TCP and UDP only */
		switch (pk->pclass) {
		case PROTO_TCP:
			/* Not the length: segmentation changes it (FIELD-NOTES 3).
			 * Not FIN, PSH or CWR: GSO puts them on one piece only. */
			k->kind = K_TCP;
			k->a = pk->seq;
			k->b = pk->ack;
			k->flags = (uint8_t)(((pk->tcp_flags & TCP_SYN) ? KF_SYN : 0) |
					     ((pk->tcp_flags & TCP_RST) ? KF_RST : 0) |
					     (pk->payload > 0 ? KF_DATA : 0));
			break;
		case PROTO_UDP:
			k->kind = K_UDP;
			k->a = v4id;
			k->b = pk->udp_len;
			k->c = frag;
			break;
		default:
			if (pk->icmp_echo) {
				k->kind = K_ECHO;
				k->a = (uint32_t)pk->icmp_type << 8 | pk->icmp_code;
				k->b = (uint32_t)pk->icmp_id << 16 | pk->icmp_seq;
				k->c = v4id;
				k->d = frag;
			} else {
				k->kind = K_OTHER;
				k->a = v4id;
				k->b = pk->l4_len;
				k->c = frag;
				k->d = pk->pclass == PROTO_ICMP
					   ? (uint32_t)pk->icmp_type << 8 | pk->icmp_code
					   : 0;
			}
			break;
		}
	}
	if (cache && cache->valid && memcmp(&cache->key, &k->flow, sizeof k->flow) == 0) {
		mp->flow_hash = cache->hash;
	} else {
		mp->flow_hash = hash_bytes(&k->flow, sizeof k->flow);
		if (cache) {
			cache->key = k->flow;
			cache->hash = mp->flow_hash;
			cache->valid = 1;
		}
	}
	mp->key_hash = key_hash(mp->flow_hash, k);
	mp->digest = pk->digest;
	mp->has_digest = pk->has_digest;
	mp->tsval = pk->tsval;
	mp->tsecr = pk->tsecr;
	mp->payload = pk->pclass == PROTO_TCP ? pk->payload : 0;
	mp->ts_state = ts_state_of(pk);
	mp->pclass = pk->pclass;
	/* The identification for TCP, where the identity above lacks it; see
	 * match.h for why it holds across GSO and GRO.  IPv6 has none. */
	mp->has_ip_id = pk->family == 4 && k->kind == K_TCP;
	mp->ip_id = mp->has_ip_id ? (uint16_t)pk->ip_id : 0;
}

/* The flow of a prepared packet seen at p, created if new. */
static struct flow *flow_get(struct matcher *m, enum point p, const struct match_prep *mp)
{
	const struct match_flow_key *k = &mp->key.flow;
	struct flow **last = m->last_flow[p];
	for (int i = 0; i < 2; i++)
		if (last[i] && last[i]->hn.hash == mp->flow_hash &&
		    memcmp(&last[i]->key, k, sizeof *k) == 0)
			return last[i];
	uint64_t h = mp->flow_hash;
	struct flow *f = (struct flow *)hashtab_find(&m->flows, h, k, offsetof(struct flow, key),
						     sizeof *k);
	if (f) {
		last[1] = last[0];
		return last[0] = f;
	}
	if ((f = calloc(1, sizeof *f)) == NULL)
		return NULL;
	f->key = *k;
	if (hashtab_insert(&m->flows, &f->hn, h) != 0) {
		free(f);
		return NULL;
	}
	last[1] = last[0];
	last[0] = f;
	if (m->flows.count > m->counts.peak_flows)
		m->counts.peak_flows = m->flows.count;
	return f;
}

static bool idle_flow(struct hnode *n, void *ctx)
{
	return ((struct flow *)n)->last_ns < *(const int64_t *)ctx;
}

/* Drops flows idle longer than flow_idle_ns; runs every few seconds of trace time. */
static void flow_sweep(struct matcher *m)
{
	int64_t cutoff = m->now_ns - m->flow_idle_ns;
	memset(m->last_flow, 0, sizeof m->last_flow);
	hashtab_free_if(&m->flows, idle_flow, &cutoff);
}

static bool seq_in(uint32_t s, uint32_t lo, uint32_t hi)
{
	return (uint32_t)(s - lo) < (uint32_t)(hi - lo);
}

static void flow_add_range(struct flow *f, uint32_t lo, uint32_t hi, uint32_t ack, uint8_t mask)
{
	struct seg_range *r = &f->r[f->next_range];
	f->next_range = (uint8_t)((f->next_range + 1) % FLOW_RANGES);
	r->lo = lo;
	r->hi = hi;
	r->ack = ack;
	r->mask = mask;
}

static uint8_t flow_covering(const struct flow *f, uint32_t seq, uint32_t ack, uint8_t bit)
{
	uint8_t mask = 0;
	for (int i = 0; i < FLOW_RANGES; i++) {
		const struct seg_range *r = &f->r[i];
		if (r->mask && !(r->mask & bit) && r->ack == ack && seq_in(seq, r->lo, r->hi))
			mask |= r->mask;
	}
	return mask;
}

static uint8_t ts_state_of(const struct pkt *pk)
{
	if (pk->pclass != PROTO_TCP)
		return TS_NONE;
	if (pk->has_ts)
		return TS_PRESENT;
	return pk->opts_complete ? TS_NONE : TS_UNKNOWN;
}

/* May packet mp be the one journey j stands for?  (The IPv4 ID only ranks
 * candidates: find.) */
static inline bool compatible(const struct journey *j, const struct match_prep *mp)
{
	if (j->ts_state != TS_UNKNOWN && mp->ts_state != TS_UNKNOWN) {
		if (j->ts_state != mp->ts_state)
			return false;
		if (mp->ts_state == TS_PRESENT && (j->tsval != mp->tsval || j->tsecr != mp->tsecr))
			return false;
	}
	if (j->has_digest && mp->has_digest && j->digest != mp->digest)
		return false;
	return true;
}

/* Identical copies (match.h).  TYP_SHIFT: the running delay estimates move
 * by 1/32 of a clipped step per delay.  They learn from every join until the
 * matcher has made TYP_FULL, then from one in 8: they decide only the rare
 * revisions, and a join is the hot path.  Beyond UNTYPICAL spreads from the
 * median (e^-15) no delay is typical: the model has stopped describing the
 * hop (a clock step), and no pairing is revised by it. */
enum { TYP_SHIFT = 5, TYP_CLIP = 4, AMBIG_MAX = 16, ID_LEARN = 32, TYP_FULL = 1024 };
static const double UNTYPICAL = 15.0;
static const int64_t SPREAD_MIN_NS = 1000;

/* The point of mask nearest to p on the path (mask lacks p, is not empty);
 * of two as near, the one upstream of p in direction dir (where the packet
 * came from: captures that share a stamp are not read in path order). */
static enum point nearest(uint8_t mask, enum point p, uint8_t dir)
{
	int up = dir == DIR_TO_GUEST ? -1 : 1;
	for (int d = 1; d < POINT_N; d++) {
		int a = (int)p + up * d, b = (int)p - up * d;
		if (a >= 0 && a < POINT_N && (mask & (1u << a)))
			return (enum point)a;
		if (b >= 0 && b < POINT_N && (mask & (1u << b)))
			return (enum point)b;
	}
	assert(0 && "empty journey");
	return p;
}

/* The hop between j's point q and p, and j's delay across it if the packet at
 * p has stamp t: downstream minus upstream. */
static struct hop_typ *hop_across(struct matcher *m, const struct journey *j, enum point q,
				  enum point p, int64_t t, int64_t *delay)
{
	enum point a = q < p ? q : p, b = q < p ? p : q;
	int64_t ta = a == p ? t : j->t[a], tb = b == p ? t : j->t[b];
	*delay = j->dir == DIR_TO_GUEST ? tb - ta : ta - tb;
	return &m->typ[j->dir][a][b];
}

/* The same across the hop from j's point nearest p. */
static struct hop_typ *hop_of(struct matcher *m, const struct journey *j, enum point p, int64_t t,
			      int64_t *delay)
{
	enum point q = (enum point)m->near[j->dir][j->mask][p];
	return hop_across(m, j, q, p, t, delay);
}

static int64_t clip(int64_t e, int64_t lim)
{
	return e > lim ? lim : e;
}

static void sort64(int64_t *v, int n)
{
	for (int i = 1; i < n; i++) /* insertion sort: at most 16 values */
		for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
			int64_t x = v[k];
			v[k] = v[k - 1];
			v[k - 1] = x;
		}
}

/* h's median and spreads (each side's mean distance from the median) from
 * the n delays w (n <= TYP_WARM). */
static void typ_fit(struct hop_typ *h, const int64_t *w, int n)
{
	int64_t v[TYP_WARM];
	memcpy(v, w, (size_t)n * sizeof *v);
	sort64(v, n);
	h->loc = v[n / 2];
	int64_t up = 0, dn = 0;
	int nu = 0, nd = 0;
	for (int i = 0; i < n; i++) {
		if (v[i] > h->loc)
			up += v[i] - h->loc, nu++;
		else if (v[i] < h->loc)
			dn += h->loc - v[i], nd++;
	}
	h->hi = nu ? up / nu : 0;
	h->lo = nd ? dn / nd : 0;
	h->hi = h->hi < SPREAD_MIN_NS ? SPREAD_MIN_NS : h->hi;
	h->lo = h->lo < SPREAD_MIN_NS ? SPREAD_MIN_NS : h->lo;
}

/* The model of hop h to decide a pairing by: h once warm; before that, one
 * fitted to its first delays into *cold, if there are TYP_COLD of them (a
 * sparse capture's first second); NULL if fewer. */
static const struct hop_typ *typ_view(const struct hop_typ *h, struct hop_typ *cold)
{
	if (h->n >= TYP_WARM)
		return h;
	if (h->n < TYP_COLD)
		return NULL;
	typ_fit(cold, h->warm, (int)h->n);
	return cold;
}

static void typ_update(struct hop_typ *h, int64_t d)
{
	if (h->n < TYP_WARM) {
		h->warm[h->n++] = d;
		if (h->n == TYP_WARM)
			typ_fit(h, h->warm, TYP_WARM);
		return;
	} else {
		/* sign steps toward the median; each side's mean deviation */
		h->n++;
		int64_t e = d - h->loc, step = (h->hi + h->lo) >> (TYP_SHIFT + 1);
		if (e > 0) {
			h->hi += (clip(e, TYP_CLIP * h->hi) - h->hi) / (1 << TYP_SHIFT);
			h->loc += step > 0 ? step : 1;
		} else if (e < 0) {
			h->lo += (clip(-e, TYP_CLIP * h->lo) - h->lo) / (1 << TYP_SHIFT);
			h->loc -= step > 0 ? step : 1;
		}
	}
	h->hi = h->hi < SPREAD_MIN_NS ? SPREAD_MIN_NS : h->hi;
	h->lo = h->lo < SPREAD_MIN_NS ? SPREAD_MIN_NS : h->lo;
}

/* How unlikely delay d is on hop h: spreads from the median, each side its own. */
static double typ_cost(const struct hop_typ *h, int64_t d)
{
	return d >= h->loc ? (double)(d - h->loc) / (double)h->hi
			   : (double)(h->loc - d) / (double)h->lo;
}

static bool complete(const struct matcher *m, const struct journey *j);

/* Whether a hop keeps the IPv4 ID (every real bridge and tap does; a tool
 * that renumbers packets per file does not), learnt from the joins. */
enum id_trust { ID_UNKNOWN, ID_KEPT, ID_CHANGED };
static enum id_trust id_trust(const struct hop_typ *h)
{
	if (h->id_same + h->id_diff < ID_LEARN)
		return ID_UNKNOWN;
	if (h->id_diff * 64 <= h->id_same)
		return ID_KEPT;
	return h->id_diff > h->id_same ? ID_CHANGED : ID_UNKNOWN;
}

static bool same_id(const struct journey *j, const struct match_prep *mp)
{
	return !j->has_ip_id || !mp->has_ip_id || j->ip_id == mp->ip_id;
}

/* May journey j, of mp's identity (hash compared), take mp's copy at p? */
static inline __attribute__((always_inline)) bool candidate(const struct matcher *m,
							    const struct journey *j,
							    const struct match_prep *mp,
							    uint8_t bit, int64_t t)
{
	return !(j->mask & bit) && memcmp(&j->key, &mp->key, sizeof j->key) == 0 &&
	       j->t_first - t <= m->window_ns && t - j->t_first <= m->window_ns &&
	       compatible(j, mp);
}

/* find() when a second candidate turned up: first and second are the first
 * two; rules 1 and 2 of match.h over all of them. */
__attribute__((noinline, cold)) static struct journey *
find_among(struct matcher *m, const struct match_prep *mp, enum point p, int64_t t,
	   struct journey *first, struct hnode *second)
{
	uint8_t bit = (uint8_t)(1u << p);
	struct journey *c[AMBIG_MAX];
	int n = 1, nsame = same_id(first, mp);
	c[0] = first;
	for (struct hnode *x = second; x && n < AMBIG_MAX; x = x->next) {
		struct journey *j = (struct journey *)x;
		if (x->hash == mp->key_hash && candidate(m, j, mp, bit, t)) {
			nsame += same_id(j, mp);
			c[n++] = j;
		}
	}
	int64_t d;
	struct hop_typ *h = hop_of(m, c[0], p, t, &d);
	if (nsame < n && id_trust(h) != ID_CHANGED) {
		if (nsame == 0) {
			if (id_trust(h) != ID_KEPT)
				return c[0];
			/* its own copy upstream is still to come, or was never captured */
			h->id_diff++;
			return NULL;
		}
		int k = 0;
		for (int i = 0; i < n; i++)
			if (same_id(c[i], mp))
				c[k++] = c[i];
		n = k;
	}
	if (n == 1)
		return c[0];
	/* Copies alike in every field: the oldest, as a FIFO hop delivers them;
	 * revise() redoes the pairing if a copy is left over. */
	m->counts.ambiguous++;
	for (int i = 1; i < n; i++)
		c[i]->passed = 1;
	c[0]->held = 1;
	return c[0];
}

/* Among the journeys with mp's identity that lack point p, are compatible and
 * started within the window of t: for a packet joining (joining), the one
 * match.h's rules give it, marking identical copies held and passed; else
 * (a GSO/GRO piece looked up by mark_pieces) the oldest.  NULL if none or,
 * joining, if it must start its own journey (match.h, the IPv4 ID). */
static struct journey *find(struct matcher *m, const struct match_prep *mp, enum point p, int64_t t,
			    bool joining)
{
	uint8_t bit = (uint8_t)(1u << p);
	struct journey *first = NULL;
	for (struct hnode *x = hashtab_chain(&m->journeys, mp->key_hash); x; x = x->next) {
		if (x->hash != mp->key_hash || !candidate(m, (struct journey *)x, mp, bit, t))
			continue;
		if (!joining)
			return (struct journey *)x;
		if (first != NULL)
			return find_among(m, mp, p, t, first, x);
		first = (struct journey *)x;
	}
	if (first == NULL || same_id(first, mp))
		return first;
	return find_among(m, mp, p, t, first, NULL);
}

bool match_prep_alike(const struct match_prep *a, const struct match_prep *b)
{
	if (a->ts_state != TS_UNKNOWN && b->ts_state != TS_UNKNOWN &&
	    (a->ts_state != b->ts_state || a->tsval != b->tsval || a->tsecr != b->tsecr))
		return false;
	/* a TCP segment and the first piece of it (resegmented) differ in
	 * payload, and so in digest */
	if (a->has_digest && b->has_digest && a->payload == b->payload && a->digest != b->digest)
		return false;
	return !(a->has_ip_id && b->has_ip_id && a->ip_id != b->ip_id);
}

/* Whether a and b, of one identity, may be one packet's copies. */
static bool alike(const struct journey *a, const struct journey *b)
{
	if (a->ts_state != TS_UNKNOWN && b->ts_state != TS_UNKNOWN &&
	    (a->ts_state != b->ts_state || a->tsval != b->tsval || a->tsecr != b->tsecr))
		return false;
	if (a->has_digest && b->has_digest && a->digest != b->digest)
		return false;
	if (a->has_ip_id && b->has_ip_id && a->ip_id != b->ip_id)
		return false;
	return a->payload == b->payload && !a->covered && !b->covered;
}

/* How much likelier the pairing is if x, left without the copies held has
 * beyond x's points, takes them from held (and held keeps x's stamps, lost at
 * the hop): the drop in typ_cost across the hop where they part; 0 if not. */
static double swap_gain(struct matcher *m, const struct journey *held, const struct journey *x)
{
	uint8_t extra = (uint8_t)(held->mask & ~x->mask);
	if (extra == 0 || (x->mask & ~held->mask) || complete(m, x) || !alike(held, x))
		return 0;
	/* held's extra points all beyond x's, on one side */
	int xlo = __builtin_ctz(x->mask), xhi = 31 - __builtin_clz(x->mask);
	int elo = __builtin_ctz(extra), ehi = 31 - __builtin_clz(extra);
	if (!(elo > xhi || ehi < xlo))
		return 0;
	enum point p = (enum point)(elo > xhi ? elo : ehi), q = (enum point)(elo > xhi ? xhi : xlo);
	int64_t now, alt;
	struct hop_typ cold;
	const struct hop_typ *h = typ_view(hop_across(m, held, q, p, held->t[p], &now), &cold);
	hop_across(m, x, q, p, held->t[p], &alt);
	if (h == NULL || held->t[p] - x->t_first > m->window_ns ||
	    x->t_first - held->t[p] > m->window_ns)
		return 0;
	double c_now = typ_cost(h, now), c_alt = typ_cost(h, alt);
	return c_alt < c_now && c_alt <= UNTYPICAL ? c_now - c_alt : 0;
}

/* j's window ended.  If j took copies a passed-over sibling could have taken
 * and that sibling is left without them (or j is such a sibling), give them to
 * whichever makes the delay across the hop likelier: one copy was lost there
 * either way. */
static void revise(struct matcher *m, struct journey *j)
{
	struct journey *bh = NULL, *bx = NULL;
	double best = 0;
	for (struct hnode *n = hashtab_chain(&m->journeys, j->hn.hash); n; n = n->next) {
		struct journey *y = (struct journey *)n;
		if (y == j || n->hash != j->hn.hash || memcmp(&y->key, &j->key, sizeof y->key) != 0)
			continue;
		for (int r = 0; r < 2; r++) {
			struct journey *h = r ? y : j, *x = r ? j : y;
			if (!h->held || !x->passed)
				continue;
			double g = swap_gain(m, h, x);
			if (g > best) {
				best = g;
				bh = h;
				bx = x;
			}
		}
	}
	if (bh == NULL)
		return;
	for (int p = 0; p < POINT_N; p++) {
		if (!(bx->mask & (1u << p)))
			continue;
		int64_t t = bh->t[p];
		uint64_t tag = bh->tag[p];
		bh->t[p] = bx->t[p];
		bh->tag[p] = bx->tag[p];
		bx->t[p] = t;
		bx->tag[p] = tag;
	}
	m->counts.revised++;
}

/* The points given whose capture did not span j: j passed the others
 * before the point's first packet, or after its last one once it ended. */
static uint8_t outside(const struct matcher *m, const struct journey *j)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int p = 0; p < POINT_N; p++)
		if (j->mask & (1u << p)) {
			lo = j->t[p] < lo ? j->t[p] : lo;
			hi = j->t[p] > hi ? j->t[p] : hi;
		}
	uint8_t out = 0;
	for (int p = 0; p < POINT_N; p++) {
		uint8_t bit = (uint8_t)(1u << p);
		if (!(m->all & bit) || (j->mask & bit))
			continue;
		if (!(m->started & bit) || hi < m->first_ns[p] ||
		    ((m->ended & bit) && lo > m->last_ns[p]))
			out |= bit;
	}
	return out;
}

static void emit_journey(struct matcher *m, struct journey *j)
{
	struct journey_info ji = {
	    .family = j->key.flow.family,
	    .ipproto = j->key.flow.ipproto,
	    .pclass = j->pclass,
	    .dir = j->dir,
	    .src = j->key.flow.src,
	    .dst = j->key.flow.dst,
	    .sport = j->key.flow.sport,
	    .dport = j->key.flow.dport,
	    .mask = j->mask,
	    .covered = j->covered,
	    .flow_seen = j->flow->seen,
	    .outside = outside(m, j),
	    .payload = j->payload,
	};
	memcpy(ji.t, j->t, sizeof ji.t);
	memcpy(ji.tag, j->tag, sizeof ji.tag);
	ji.key = &j->key;
	m->emit(m->ctx, &ji);
}

/* Whether a passed-over copy of j's identity still waits for its partner
 * (then a held j may yet have to give its copies to it). */
static bool copies_waiting(const struct matcher *m, const struct journey *j)
{
	for (struct hnode *n = hashtab_chain(&m->journeys, j->hn.hash); n; n = n->next) {
		const struct journey *y = (const struct journey *)n;
		if (y != j && y->passed && !complete(m, y) && n->hash == j->hn.hash &&
		    memcmp(&y->key, &j->key, sizeof y->key) == 0)
			return true;
	}
	return false;
}

static void retire_one(struct matcher *m, struct journey *j);

/* Unlinks j from the table and the age list, emits it and recycles it; if j
 * was a passed-over copy that found its partner, the held journeys of its
 * identity that no passed-over copy waits for any more go too. */
static void retire(struct matcher *m, struct journey *j)
{
	if (!(j->passed && complete(m, j))) {
		retire_one(m, j);
		return;
	}
	struct match_key key = j->key; /* j is recycled: its identity, for the held ones */
	uint64_t h = j->hn.hash;
	retire_one(m, j);
	for (struct hnode *n = hashtab_chain(&m->journeys, h); n;) {
		struct journey *y = (struct journey *)n;
		n = n->next;
		if (!y->held || !complete(m, y) || y->hn.hash != h ||
		    memcmp(&y->key, &key, sizeof key) != 0)
			continue;
		if (copies_waiting(m, y))
			return;
		retire_one(m, y);
	}
}

static void retire_one(struct matcher *m, struct journey *j)
{
	if (j->held || j->passed)
		revise(m, j);
	m->late_alive -= j->late;
	if (j->aprev)
		j->aprev->anext = j->anext;
	else
		m->head = j->anext;
	if (j->anext)
		j->anext->aprev = j->aprev;
	else
		m->tail = j->aprev;
	hashtab_remove(&m->journeys, &j->hn);
	emit_journey(m, j);
	m->alive--;
	j->anext = m->free_list;
	m->free_list = j;
}

static void expire(struct matcher *m, int64_t before_ns)
{
	while (m->head && m->head->t_first < before_ns)
		retire(m, m->head);
}

/* Seen or covered at every point given: nothing more can join it. */
static bool complete(const struct matcher *m, const struct journey *j)
{
	return (uint8_t)(j->mask | j->covered) == m->all;
}

/* Nothing more can join j, and no copy it took may yet go to another
 * journey: a held one waits while a copy it was preferred to may be left
 * over (revise), a late one for its window to end (late_match). */
static bool may_retire(const struct matcher *m, const struct journey *j)
{
	return complete(m, j) && !j->late && (!j->held || !copies_waiting(m, j));
}

/* Whether j has a point downstream of bit's: a copy at bit joins it late. */
static bool upstream_of(const struct journey *j, uint8_t bit)
{
	uint8_t below = (uint8_t)(bit - 1), above = (uint8_t)~(below | bit);
	return (j->mask & (j->dir == DIR_TO_GUEST ? above : below)) != 0;
}

/* Whether p's copy joins j across the guest's own clock: from the guest
 * or to it (where captures begin at other times, and identical copies
 * repeated long after are paired by a clock not yet known). */
static bool across_guest(const struct matcher *m, const struct journey *j, enum point p)
{
	return p == POINT_GUEST || m->near[j->dir][j->mask][p] == POINT_GUEST;
}

/* A copy at p joins j upstream of j's stamps (it came in after the packet
 * passed the points downstream).  If the delay across the hop is untypical
 * (before the hop has TYP_COLD delays: more than COLD_FAR_NS, beyond any
 * coarse clock's error), the copy may be a later
 * packet's, identical (a repeated neighbour solicitation or duplicate ACK)
 * whose earlier copy passed downstream before p's capture began: j is held
 * for its window, and a journey of its identity that starts downstream
 * meanwhile is passed over, so that revise() pairs the copy with whichever
 * makes the delay likelier. */
static void hold_if_untypical(struct matcher *m, struct journey *j, enum point p, int64_t t)
{
	int64_t d;
	struct hop_typ cold;
	const struct hop_typ *h = typ_view(hop_of(m, j, p, t, &d), &cold);
	if (h ? typ_cost(h, d) <= UNTYPICAL : d > -COLD_FAR_NS && d < COLD_FAR_NS)
		return;
	j->late = 1;
	j->held = 1;
	m->late_alive++;
}

/* A new journey j: if a late journey of its identity has j's point and is
 * alike, j may be the packet whose copy that journey took (hold_if_untypical). */
static void late_match(struct matcher *m, struct journey *j)
{
	uint8_t bit = j->mask;
	for (struct hnode *n = hashtab_chain(&m->journeys, j->hn.hash); n; n = n->next) {
		struct journey *y = (struct journey *)n;
		if (y != j && y->late && (y->mask & bit) && n->hash == j->hn.hash &&
		    memcmp(&y->key, &j->key, sizeof y->key) == 0 && alike(y, j)) {
			j->passed = 1;
			return;
		}
	}
}

/* The pieces' journeys of j's flow from seq to end, covered at point pt;
 * returns where those found end. */
static uint32_t cover_pieces(struct matcher *m, struct journey *j, uint32_t seq, uint32_t end,
			     enum point pt)
{
	uint8_t bit = (uint8_t)(1u << pt);
	uint32_t start = j->key.a;
	/* The pieces' payloads differ (no digest) and their IPv4 IDs count up
	 * from j's (GSO) or were folded into j's (GRO): only TCP fields decide. */
	struct match_prep q = {
	    .key = j->key, .tsval = j->tsval, .tsecr = j->tsecr, .ts_state = j->ts_state};
	uint64_t fh = j->flow->hn.hash;
	for (int guard = 0; guard < 256 && seq_in(seq, start, end); guard++) {
		q.key.a = seq;
		q.key_hash = key_hash(fh, &q.key);
		struct journey *p = find(m, &q, pt, j->t_first, false);
		if (p == NULL || p->payload == 0)
			break;
		p->covered |= bit;
		seq += p->payload;
		if (may_retire(m, p))
			retire(m, p);
	}
	return seq;
}

/* A bigger segment at point pt matched j: mark the journeys of the smaller
 * pieces that follow j's piece as covered there; remember the rest. */
static void mark_pieces(struct matcher *m, struct journey *j, uint32_t big_len, enum point pt)
{
	uint32_t end = j->key.a + big_len;
	uint32_t seq = cover_pieces(m, j, j->key.a + j->payload, end, pt);
	if (seq_in(seq, j->key.a, end))
		flow_add_range(j->flow, seq, end, j->key.b, (uint8_t)(1u << pt));
}

/* Point pt joined j, which was split on the way before pt's copy came (a
 * point upstream whose stamps came late: a guest clock off by more than the
 * hop's delay): the pieces seen already and those to come are covered at pt
 * too, as they would have been in path order. */
static void cover_late(struct matcher *m, struct journey *j, enum point pt)
{
	uint8_t bit = (uint8_t)(1u << pt);
	uint32_t end = j->key.a + j->payload;
	for (int i = 0; i < FLOW_RANGES; i++) {
		struct seg_range *r = &j->flow->r[i];
		if (r->mask && !(r->mask & bit) && r->ack == j->key.b && r->hi == end &&
		    seq_in(r->lo, j->key.a + 1, end)) {
			r->mask |= bit;
			cover_pieces(m, j, r->lo, end, pt);
		}
	}
}

int match_push(struct matcher *m, enum point p, const struct match_prep *mp, enum direction dir,
	       int64_t t_ns, uint64_t tag)
{
	assert((unsigned)p < POINT_N && (unsigned)dir < DIR_N);
	if (t_ns > m->now_ns) {
		m->now_ns = t_ns;
		expire(m, t_ns - m->window_ns);
		if (t_ns >= m->next_sweep_ns) {
			if (m->next_sweep_ns != INT64_MIN)
				flow_sweep(m);
			m->next_sweep_ns = t_ns + 10LL * 1000000000;
		}
	}
	uint8_t bit = (uint8_t)(1u << p);
	if (!(m->started & bit)) {
		m->started |= bit;
		m->first_ns[p] = m->last_ns[p] = t_ns;
	} else if (t_ns < m->first_ns[p]) {
		m->first_ns[p] = t_ns;
	} else if (t_ns > m->last_ns[p]) {
		m->last_ns[p] = t_ns;
	}
	struct flow *f = flow_get(m, p, mp);
	if (f == NULL)
		return -1;
	f->seen |= bit;
	if (t_ns > f->last_ns)
		f->last_ns = t_ns;

	const struct match_key *kp = &mp->key;
	uint64_t h = mp->key_hash;
	uint8_t ts_state = mp->ts_state;
	uint32_t payload = mp->payload;
	struct journey *j = find(m, mp, p, t_ns, true);
	if (j != NULL) {
		/* (its delay still teaches the hop: after a clock step every delay
		 * is untypical until the model follows) */
		if (!j->late && upstream_of(j, bit) && across_guest(m, j, p))
			hold_if_untypical(m, j, p, t_ns);
		if (m->joins++ < TYP_FULL || (m->joins & 7) == 0) {
			int64_t d;
			struct hop_typ *ht = hop_of(m, j, p, t_ns, &d);
			typ_update(ht, d);
			if (j->has_ip_id && mp->has_ip_id) {
				if (j->ip_id == mp->ip_id)
					ht->id_same++;
				else
					ht->id_diff++;
			}
		}
		j->t[p] = t_ns;
		j->tag[p] = tag;
		j->mask |= bit;
		if (j->ts_state == TS_UNKNOWN && ts_state != TS_UNKNOWN) {
			j->ts_state = ts_state;
			j->tsval = mp->tsval;
			j->tsecr = mp->tsecr;
		}
		if (!j->has_digest && mp->has_digest) {
			j->has_digest = 1;
			j->digest = mp->digest;
		}
		if (kp->kind == K_TCP && payload != j->payload && payload && j->payload) {
			m->counts.coalesce_events++;
			if (payload > j->payload) {
				mark_pieces(m, j, payload, p);
			} else {
				flow_add_range(f, kp->a + payload, kp->a + j->payload, kp->b,
					       (uint8_t)(j->mask & ~bit));
				j->split = 1;
			}
		} else if (j->split && kp->kind == K_TCP && payload == j->payload) {
			cover_late(m, j, p);
		}
		if (may_retire(m, j))
			retire(m, j);
		return 0;
	}

	j = m->free_list;
	if (j != NULL)
		m->free_list = j->anext;
	else if ((j = malloc(sizeof *j)) == NULL)
		return -1;
	memset(j, 0, sizeof *j);
	j->key = *kp;
	j->flow = f;
	j->t_first = t_ns;
	j->t[p] = t_ns;
	j->tag[p] = tag;
	j->mask = bit;
	j->dir = (uint8_t)dir;
	j->pclass = mp->pclass;
	j->payload = payload;
	j->ts_state = ts_state;
	j->tsval = mp->tsval;
	j->tsecr = mp->tsecr;
	j->has_digest = mp->has_digest;
	j->digest = mp->digest;
	j->has_ip_id = mp->has_ip_id;
	j->ip_id = mp->ip_id;
	if (kp->kind == K_TCP && payload)
		j->covered = flow_covering(f, kp->a, kp->b, bit);
	if (hashtab_insert(&m->journeys, &j->hn, h) != 0) {
		free(j);
		return -1;
	}
	j->aprev = m->tail;
	j->anext = NULL;
	if (m->tail)
		m->tail->anext = j;
	else
		m->head = j;
	m->tail = j;
	m->counts.journeys++;
	if (++m->alive > m->counts.peak_journeys)
		m->counts.peak_journeys = m->alive;
	if (m->late_alive)
		late_match(m, j);
	if (complete(m, j))
		retire(m, j); /* a piece of a segment already seen everywhere else */
	return 0;
}

void match_point_end(struct matcher *m, enum point p)
{
	m->ended |= (uint8_t)(1u << p);
}

void match_finish(struct matcher *m)
{
	m->ended = m->all;
	expire(m, INT64_MAX);
}

const struct match_counts *match_counts(const struct matcher *m)
{
	return &m->counts;
}

bool match_key_echo(const struct match_key *k, uint8_t *type, uint16_t *id, uint16_t *seq)
{
	if (k->kind != K_ECHO)
		return false;
	*type = (uint8_t)(k->a >> 8);
	*id = (uint16_t)(k->b >> 16);
	*seq = (uint16_t)k->b;
	return true;
}

bool match_key_tcp(const struct match_key *k, uint32_t *seq, uint32_t *ack, bool *syn)
{
	if (k->kind != K_TCP)
		return false;
	*seq = k->a;
	*ack = k->b;
	*syn = (k->flags & KF_SYN) != 0;
	return true;
}
