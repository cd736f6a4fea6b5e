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
	uint8_t mask, covered, dir, pclass, has_digest, ts_state;
};

struct matcher {
	int64_t window_ns;
	uint8_t all; /* points given: a journey seen or covered at all is done */
	int64_t flow_idle_ns;
	int64_t now_ns;	       /* latest stamp pushed */
	int64_t next_sweep_ns; /* next flow-table sweep */
	match_emit_fn emit;
	void *ctx;
	struct hashtab journeys, flows;
	struct journey *head, *tail, *free_list;
	/* The last flow seen at each point: bulk traffic repeats its flow, so
	 * this skips most flow-table lookups.  Cleared when flows are swept. */
	struct flow *last_flow[POINT_N];
	uint64_t alive;
	struct match_counts counts;
};

static const int64_t FLOW_IDLE_MIN_NS = 60LL * 1000000000;

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
}

/* The flow of a prepared packet seen at p, created if new. */
static struct flow *flow_get(struct matcher *m, enum point p, const struct match_prep *mp)
{
	const struct match_flow_key *k = &mp->key.flow;
	struct flow *last = m->last_flow[p];
	if (last && memcmp(&last->key, k, sizeof *k) == 0)
		return last;
	uint64_t h = mp->flow_hash;
	struct hnode *n = hashtab_find(&m->flows, h, k, offsetof(struct flow, key), sizeof *k);
	if (n)
		return m->last_flow[p] = (struct flow *)n;
	struct flow *f = calloc(1, sizeof *f);
	if (f == NULL)
		return NULL;
	f->key = *k;
	if (hashtab_insert(&m->flows, &f->hn, h) != 0) {
		free(f);
		return NULL;
	}
	m->last_flow[p] = f;
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

/* May packet (ts_state, tsval, tsecr, digest) be the one journey j stands for? */
static bool compatible(const struct journey *j, uint8_t ts_state, uint32_t tsval, uint32_t tsecr,
		       bool has_digest, uint64_t digest)
{
	if (j->ts_state != TS_UNKNOWN && ts_state != TS_UNKNOWN) {
		if (j->ts_state != ts_state)
			return false;
		if (ts_state == TS_PRESENT && (j->tsval != tsval || j->tsecr != tsecr))
			return false;
	}
	if (j->has_digest && has_digest && j->digest != digest)
		return false;
	return true;
}

/* The oldest journey with key k that lacks point bit and is compatible. */
static struct journey *find(struct matcher *m, const struct match_key *k, uint64_t h, uint8_t bit,
			    uint8_t ts_state, uint32_t tsval, uint32_t tsecr, bool has_digest,
			    uint64_t digest, int64_t t)
{
	for (struct hnode *n = hashtab_chain(&m->journeys, h); n; n = n->next) {
		struct journey *j = (struct journey *)n;
		if (n->hash != h || (j->mask & bit) || memcmp(&j->key, k, sizeof *k) != 0)
			continue;
		if (j->t_first - t > m->window_ns || t - j->t_first > m->window_ns)
			continue;
		if (compatible(j, ts_state, tsval, tsecr, has_digest, digest))
			return j;
	}
	return NULL;
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
	    .payload = j->payload,
	};
	memcpy(ji.t, j->t, sizeof ji.t);
	memcpy(ji.tag, j->tag, sizeof ji.tag);
	ji.key = &j->key;
	m->emit(m->ctx, &ji);
}

/* Unlinks j from the table and the age list, emits it and recycles it. */
static void retire(struct matcher *m, struct journey *j)
{
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

/* A bigger segment at point bit matched j: mark the journeys of the smaller
 * pieces that follow j's piece as covered there; remember the rest. */
static void mark_pieces(struct matcher *m, struct journey *j, uint32_t big_len, uint8_t bit)
{
	uint32_t seq = j->key.a + j->payload;
	uint32_t end = j->key.a + big_len;
	struct match_key k = j->key;
	uint64_t fh = j->flow->hn.hash;
	for (int guard = 0; guard < 256 && seq_in(seq, j->key.a, end); guard++) {
		k.a = seq;
		uint64_t h = key_hash(fh, &k);
		struct journey *p =
		    find(m, &k, h, bit, j->ts_state, j->tsval, j->tsecr, false, 0, j->t_first);
		if (p == NULL || p->payload == 0)
			break;
		p->covered |= bit;
		seq += p->payload;
		if (complete(m, p))
			retire(m, p);
	}
	if (seq_in(seq, j->key.a, end))
		flow_add_range(j->flow, seq, end, j->key.b, bit);
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
	struct journey *j =
	    find(m, kp, h, bit, ts_state, mp->tsval, mp->tsecr, mp->has_digest, mp->digest, t_ns);
	if (j != NULL) {
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
			if (payload > j->payload)
				mark_pieces(m, j, payload, bit);
			else
				flow_add_range(f, kp->a + payload, kp->a + j->payload, kp->b,
					       (uint8_t)(j->mask & ~bit));
		}
		if (complete(m, j))
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
	if (complete(m, j))
		retire(m, j); /* a piece of a segment already seen everywhere else */
	return 0;
}

void match_finish(struct matcher *m)
{
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
